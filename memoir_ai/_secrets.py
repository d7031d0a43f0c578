"""The one secret scrubber: hides a password where it stands, never its value everywhere.

A password is recognised by its place — after ``user:`` in a URL
(``scheme://user:SECRET@host``, or ``user:SECRET@host`` in text that does not
parse as a URL), or as the value of a ``password=`` / ``password:`` setting —
and only there replaced by ``***``. Replacing the password's value wherever it
occurs would mangle ordinary words: with the password ``memoir``, every hint
``memoir db upgrade`` would read ``*** db upgrade``.

Standard library only, so that the CLI can scrub without loading SQLAlchemy.
"""

from __future__ import annotations

import re

__all__ = ["MASK", "mask_secrets"]

MASK = "***"
# scheme://user:SECRET@ — the literal placeholder of our own examples is left alone.
_URL_PASSWORD = re.compile(r"(?P<head>://[^:/?#@\s]*:)(?!password@)(?P<secret>[^@\s]+)(?=@)")
# user:SECRET@host in text that is not even a URL ("postgresql//user:secret@host").
_LOOSE_PASSWORD = re.compile(
    r"(?P<head>(?<![\w.+-])[A-Za-z][\w.+-]*:)(?!password@)(?P<secret>[^/:@\s]+)(?=@[\w.\[-])"
)
# password=SECRET or password: SECRET in a DSN, a query string or a settings dump.
_SETTING_PASSWORD = re.compile(
    # MySQL's "(using password: YES)" says whether one was sent: not a secret.
    r"(?P<head>\b(?:password|passwd|pwd)\s*[=:]\s*['\"]?)(?!(?:YES|NO)\))"
    r"(?P<secret>[^\s'\"&;,)]+)",
    re.IGNORECASE,
)


def mask_secrets(text: str) -> str:
    """``text`` with every password that stands in a URL or a setting replaced by ``***``."""
    for pattern in (_URL_PASSWORD, _LOOSE_PASSWORD, _SETTING_PASSWORD):
        text = pattern.sub(lambda match: match.group("head") + MASK, text)
    return text
