"""The two kinds of tokenizer litellm counts with: tiktoken encodings and Hugging Face tokenizers.

Each exposes the same small interface (:class:`Tokenizer`): count, encode, and the
character offset where every token of a text ends, computed from a single encode. For
tiktoken the offsets come from numpy arrays (8 bytes a token, no Python int per token):
the token ids stay in tiktoken's own buffer and are mapped to characters in one gather
and one cumulative sum, which is what lets the chunker run close to one raw encode.
"""

from __future__ import annotations

import logging
import os
import threading
from array import array
from contextlib import contextmanager
from importlib.util import find_spec
from itertools import accumulate
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from memoir_ai.errors import ConfigurationError

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence

__all__ = ["HuggingFaceTokenizer", "TiktokenTokenizer", "Tokenizer", "bundled_encodings"]

logger = logging.getLogger(__name__)


class Tokenizer(Protocol):
    """What the counter and the chunker need from a tokenizer."""

    name: str
    # True when the tokenizer first splits text with a GPT-style regex (``\\s+(?!\\S)`` being
    # its only look-ahead) and then encodes every piece on its own. For such tokenizers a
    # position between a non-space character and a horizontal space is a piece boundary in
    # every string, so counts add up exactly across it (see memoir_ai.text._cuts).
    splits_before_spaces: bool

    def count(self, text: str) -> int:
        """The number of tokens in ``text``."""
        ...

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``."""
        ...

    def token_ends(self, text: str) -> list[int]:
        """For each token of ``text``, the character offset where it ends."""
        ...

    def token_end_offsets(self, text: str) -> Sequence[int]:
        """The same offsets as :meth:`token_ends`, in a compact read-only array.

        Raises ``UnicodeEncodeError`` when ``text`` holds surrogate code points, which
        are not Unicode text (:meth:`count` may still count them its own way).
        """
        ...


def bundled_tokenizers_dir() -> Path:
    """The folder of tokenizer files litellm ships (found without importing litellm)."""
    spec = find_spec("litellm")
    if spec is None or not spec.submodule_search_locations:
        raise ConfigurationError(
            "litellm is not installed, so no offline tokenizer files are available.",
            remedy="install memoir-ai with its dependencies (pip install memoir-ai).",
        )
    return Path(next(iter(spec.submodule_search_locations))) / "litellm_core_utils" / "tokenizers"


_ENVIRONMENT = threading.Lock()


@contextmanager
def bundled_encodings() -> Iterator[None]:
    """While the block runs, tiktoken reads the encodings litellm bundles; then the env is restored.

    tiktoken finds its files through ``TIKTOKEN_CACHE_DIR``. litellm points it at
    its bundled folder (or ``CUSTOM_TIKTOKEN_CACHE_DIR``) so that nothing is
    downloaded; memoir does the same only while it loads an encoding, so a host
    application's own setting is left as it was.
    """
    folder = os.environ.get("CUSTOM_TIKTOKEN_CACHE_DIR") or str(bundled_tokenizers_dir())
    with _ENVIRONMENT:
        previous = os.environ.get("TIKTOKEN_CACHE_DIR")
        os.environ["TIKTOKEN_CACHE_DIR"] = folder
        try:
            yield
        finally:
            if previous is None:
                os.environ.pop("TIKTOKEN_CACHE_DIR", None)
            else:
                os.environ["TIKTOKEN_CACHE_DIR"] = previous


class TiktokenTokenizer:
    """A tiktoken encoding, called the way litellm calls it (no special tokens)."""

    splits_before_spaces = True

    def __init__(self, encoding_name: str) -> None:
        """Load ``encoding_name`` from the bundled files and index its tokens' characters."""
        import tiktoken

        try:
            with bundled_encodings():
                self._encoding = tiktoken.get_encoding(encoding_name)
        except Exception as exc:  # tiktoken raises requests' errors when a file is missing
            raise ConfigurationError(
                f"The tiktoken encoding {encoding_name!r} is not available offline "
                f"({type(exc).__name__}).",
                remedy="choose a model whose tokenizer litellm bundles (OpenAI, Anthropic, "
                "or any unknown name, which counts with cl100k_base).",
            ) from exc
        self.name = f"tiktoken:{encoding_name}"
        self._chars_started = _chars_started_per_token(self._encoding)
        self._chars_started_array: Any = None  # the same table in numpy, built on first use

    def count(self, text: str) -> int:
        """The number of tokens in ``text``.

        ``encode_ordinary`` is tiktoken's shorter path to ``encode(text,
        disallowed_special=())``, litellm's call: the same tokens, special-looking text
        counted as plain text.
        """
        return len(self._encoding.encode_ordinary(text))

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``."""
        ids: list[int] = self._encoding.encode(text, disallowed_special=())
        return ids

    def token_ends(self, text: str) -> list[int]:
        """Character end offsets, from the UTF-8 lead bytes each token holds."""
        ids = self.encode(text)
        return list(accumulate(map(self._chars_started.__getitem__, ids)))

    def token_end_offsets(self, text: str) -> Sequence[int]:
        """The end offsets as a read-only int64 array: one gather and one cumulative sum.

        The ids stay in the uint32 buffer tiktoken fills (the same encode as
        :meth:`encode`, without turning every id into a Python int).
        """
        import numpy as np

        table = self._chars_started_array
        if table is None:
            table = self._chars_started_array = np.array(self._chars_started, dtype=np.int64)
        ids = self._encoding.encode_to_numpy(text, disallowed_special=())
        ends = table[ids]
        del ids  # tiktoken's buffer: 4 bytes a token, freed before the sum
        np.cumsum(ends, out=ends)
        return memoryview(ends).toreadonly()


def _chars_started_per_token(encoding: Any) -> list[int]:
    """For every token id, how many characters start in its bytes (its UTF-8 lead bytes).

    Summing this over a text's tokens gives, after each token, the number of characters
    begun so far: the character offset where the token ends (rounded up to the end of a
    character that continues into the next token).
    """
    started = [0] * encoding.n_vocab
    decode = encoding.decode_single_token_bytes
    for token in range(encoding.n_vocab):
        try:
            token_bytes = decode(token)
        except KeyError:  # ids unused by this encoding
            continue
        started[token] = len(token_bytes.translate(None, _CONTINUATION_BYTES))
    return started


_CONTINUATION_BYTES = bytes(range(0x80, 0xC0))


class HuggingFaceTokenizer:
    """A Hugging Face ``tokenizers`` tokenizer, called the way litellm calls it."""

    def __init__(self, name: str, tokenizer: Any, *, splits_before_spaces: bool) -> None:
        """Wrap a loaded ``tokenizers.Tokenizer``."""
        self.name = f"huggingface:{name}"
        self._tokenizer = tokenizer
        self.splits_before_spaces = splits_before_spaces

    @classmethod
    def from_file(cls, name: str, path: Path) -> HuggingFaceTokenizer:
        """Load a ``tokenizer.json`` file."""
        from tokenizers import Tokenizer as RustTokenizer

        tokenizer = RustTokenizer.from_file(str(path))
        return cls(name, tokenizer, splits_before_spaces=_is_gpt_style(path))

    def count(self, text: str) -> int:
        """The number of tokens in ``text``."""
        return len(self._tokenizer.encode(text).ids)

    def encode(self, text: str) -> list[int]:
        """The token ids of ``text``."""
        ids: list[int] = self._tokenizer.encode(text).ids
        return ids

    def token_ends(self, text: str) -> list[int]:
        """Character end offsets, as the tokenizer's alignments report them."""
        offsets: Sequence[tuple[int, int]] = self._tokenizer.encode(text).offsets
        ends = [end for _, end in offsets]
        # Alignments are monotonic for the byte-level tokenizers used here; enforce it so
        # that bisecting stays valid even for an exotic normalizer.
        return list(accumulate(ends, max))

    def token_end_offsets(self, text: str) -> Sequence[int]:
        """The same offsets as :meth:`token_ends`, in an int64 array."""
        try:
            encoding = self._tokenizer.encode(text)
        except TypeError:
            text.encode("utf-8")  # a surrogate: raise the UnicodeEncodeError naming it
            raise
        return array("q", accumulate(map(itemgetter(1), encoding.offsets), max))


def _is_gpt_style(path: Path) -> bool:
    """True when the tokenizer pre-splits with the GPT-2 regex (ByteLevel) and no prefix space."""
    import json

    config = json.loads(path.read_text(encoding="utf-8"))
    pre = config.get("pre_tokenizer") or {}
    return bool(
        pre.get("type") == "ByteLevel"
        and pre.get("use_regex", True)
        and not pre.get("add_prefix_space", False)
    )
