"""Shared fakes for tests: scripted pydantic-ai models and a local OpenAI-compatible HTTP server.

- :class:`ScriptedModel` is a ``FunctionModel`` that plays a list of answers in
  order (each an output object, a raw string, or an exception to raise) and
  counts the prompts it received; it answers through the output tool when the
  agent uses tool output, and as JSON text otherwise.
- :class:`RecordingModel` wraps another model's function (the offline model's) and
  records each prompt it received with the response it gave.
- :class:`FakeOpenAIServer` is a tiny threaded HTTP server on 127.0.0.1 that
  speaks enough of the OpenAI Chat Completions and Responses APIs for a real
  provider SDK to talk to it. It records every request body, and can be told to
  fail with an HTTP status a number of times first (429, 500, ...). Its
  ``behaviour`` imitates the local servers users run (llama.cpp, Ollama, vLLM,
  LM Studio) and the small models behind them: honouring ``response_format``
  and tools, writing the tool's JSON as plain text, answering prose, rambling
  until ``max_tokens``, or never finishing at all. ``hold_from=N`` holds the
  N-th request and every later one unanswered (in flight) until
  :meth:`~FakeOpenAIServer.release`, so a test can kill a client at a known
  point; ``answered`` counts the responses sent.
- :func:`answer_from_schema` builds a valid answer from a JSON schema alone, and
  :func:`inputs_of` reads the typed inputs a request carries (message
  metadata), so fakes never need to parse prompt prose.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

from pydantic_ai.messages import (
    ModelMessage,
    ModelRequest,
    ModelResponse,
    TextPart,
    ToolCallPart,
    UserPromptPart,
)
from pydantic_ai.models.function import AgentInfo, FunctionModel

Answer = dict[str, Any] | str | Exception
Behaviour = Literal["honours", "no_tool_calls", "prose", "ramble", "hang"]
PROSE = "Here is what I found: the text is about several things, described in words."
INPUTS_KEY = "memoir_inputs"


def inputs_of(messages: Sequence[ModelMessage]) -> Any:
    """The typed inputs the agent attached to the request (``None`` for a bare prompt)."""
    for message in messages:
        if isinstance(message, ModelRequest) and message.metadata:
            return message.metadata.get(INPUTS_KEY)
    return None


def schema_of(info: AgentInfo) -> dict[str, Any]:
    """The JSON schema the agent expects, whatever the output mode."""
    if info.output_tools:
        return dict(info.output_tools[0].parameters_json_schema)
    output_object = info.model_request_parameters.output_object
    return dict(output_object.json_schema) if output_object is not None else {}


def answer_from_schema(schema: Mapping[str, Any], text: str = "Sample") -> Any:
    """A value valid for ``schema``, built from the schema alone.

    Literals give their first value, bounded lists their largest length (with
    ``id`` fields numbered 1, 2, ... and the ranks of a selection 1..N), free
    strings ``text`` cut to their ``maxLength``.
    """
    return _value(schema, schema, text, index=1)


def _resolve(root: Mapping[str, Any], node: Mapping[str, Any]) -> Mapping[str, Any]:
    while "$ref" in node:
        node = root.get("$defs", {})[str(node["$ref"]).rsplit("/", 1)[-1]]
    return node


def _value(root: Mapping[str, Any], node: Mapping[str, Any], text: str, index: int) -> Any:
    node = _resolve(root, node)
    if "const" in node:
        return node["const"]
    if "enum" in node:
        values = list(node["enum"])
        return values[(index - 1) % len(values)]
    if "anyOf" in node:
        return _value(root, node["anyOf"][0], text, index)
    kind = node.get("type")
    if kind == "string":
        return text[: int(node.get("maxLength", len(text)))]
    if kind == "integer":
        return max(int(node.get("minimum", 1)), min(index, int(node.get("maximum", index))))
    if kind == "array":
        count = int(node.get("maxItems", node.get("minItems", 1)))
        return [_value(root, node.get("items", {}), text, i) for i in range(1, count + 1)]
    if kind == "object" or "properties" in node:
        return {
            name: _value(root, value, text, index)
            for name, value in node.get("properties", {}).items()
        }
    return None


def first_prompt(messages: Sequence[ModelMessage]) -> str:
    """The user prompt that started a run."""
    for message in messages:
        if isinstance(message, ModelRequest):
            for part in message.parts:
                if isinstance(part, UserPromptPart) and isinstance(part.content, str):
                    return part.content
    return ""


def respond_with(info: AgentInfo, answer: dict[str, Any] | str) -> ModelResponse:
    """A response carrying ``answer`` in the form the agent expects."""
    if info.output_tools:
        args = answer if isinstance(answer, dict) else json.loads(answer)
        return ModelResponse(parts=[ToolCallPart(info.output_tools[0].name, args)])
    text = answer if isinstance(answer, str) else json.dumps(answer)
    return ModelResponse(parts=[TextPart(text)])


@dataclass
class ScriptedModel:
    """Plays ``answers`` in order; the last one repeats when the script runs out."""

    answers: list[Answer]
    prompts: list[str] = field(default_factory=list)
    infos: list[AgentInfo] = field(default_factory=list)
    messages: list[list[ModelMessage]] = field(default_factory=list)

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.prompts.append(first_prompt(messages))
        self.infos.append(info)
        self.messages.append(list(messages))
        index = min(len(self.prompts) - 1, len(self.answers) - 1)
        answer = self.answers[index]
        if isinstance(answer, Exception):
            raise answer
        return respond_with(info, answer)

    @property
    def calls(self) -> int:
        return len(self.prompts)

    def model(self, name: str = "scripted") -> FunctionModel:
        return FunctionModel(self, model_name=name)


@dataclass
class Exchange:
    """One request a model received (its user prompt) and the response it gave."""

    prompt: str
    response: ModelResponse


@dataclass
class RecordingModel:
    """Wraps a FunctionModel's function (e.g. the offline model's) and records every exchange.

    An independent record of what was sent: the prompts exactly as the model got them.
    """

    function: Callable[[list[ModelMessage], AgentInfo], Awaitable[ModelResponse]]
    exchanges: list[Exchange] = field(default_factory=list)

    async def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        response = await self.function(messages, info)
        self.exchanges.append(Exchange(first_prompt(messages), response))
        return response

    def model(self, name: str = "recorded") -> FunctionModel:
        return FunctionModel(self, model_name=name)


@dataclass
class RecordedRequest:
    """One HTTP request the fake server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]
    # Set once the whole answer has been written to the client's socket.
    answered: bool = False


class FakeOpenAIServer:
    """An OpenAI-compatible endpoint on 127.0.0.1.

    ``answer`` is the output object (or a function of the request body that
    returns one); without it, each request gets :func:`answer_from_schema` of
    the schema it sent (as response format, tool or prompted instructions).
    ``failures`` lists HTTP statuses to return, in order, before answering.
    ``behaviour`` says how the server and its model treat the output schema:

    - ``honours``: calls the output tool when offered tools, otherwise returns
      JSON content (a server honouring ``response_format``).
    - ``no_tool_calls``: honours ``response_format`` but ignores ``tool_choice``,
      writing the tool's JSON as message content (llama.cpp with a small model).
    - ``prose``: ignores ``response_format`` and tools and answers prose, unless
      the instructions themselves carry a JSON schema (prompted output).
    - ``ramble``: never stops on its own: writes until ``max_tokens`` and stops
      with ``finish_reason: length``; with no ``max_tokens``, streams forever.
    - ``hang``: starts a response and never finishes it.

    ``hold_from=N`` holds request N and every later one unanswered until
    :meth:`release`; ``hold(ordinal, body)`` holds the requests it says.
    Each :class:`RecordedRequest` says whether its answer was fully written.
    """

    def __init__(
        self,
        answer: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]] | None = None,
        *,
        failures: Sequence[int] = (),
        usage: tuple[int, int] = (42, 7),
        behaviour: Behaviour = "honours",
        hold_from: int | None = None,
        hold: Callable[[int, dict[str, Any]], bool] | None = None,
    ) -> None:
        self.answer = answer
        self.failures = list(failures)
        self.usage = usage
        self.behaviour = behaviour
        self.hold_from = hold_from
        self.hold = hold
        self.requests: list[RecordedRequest] = []
        self._current = threading.local()
        self.answered = 0
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._released = threading.Event()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def release(self) -> None:
        """Let the held requests (and every later one) through."""
        self._released.set()

    @property
    def held(self) -> int:
        """Requests received and not answered: those in flight."""
        with self._lock:
            return len(self.requests) - self.answered

    def __exit__(self, *exc_info: object) -> None:
        self._stopping.set()
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _reply(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            self._current.request = RecordedRequest(path, headers, body)
            self.requests.append(self._current.request)
            ordinal = len(self.requests)
        held = self.hold is not None and self.hold(ordinal, body)
        if held or (self.hold_from is not None and ordinal >= self.hold_from):
            self._released.wait()
            if self._stopping.is_set():
                return 503, {"error": {"message": "fake server stopping", "type": "fake"}}
        with self._lock:
            if self.failures:
                status = self.failures.pop(0)
                return status, {"error": {"message": f"fake failure {status}", "type": "fake"}}
        if self.behaviour in ("ramble", "hang") and path.endswith("/chat/completions"):
            return 200, self._ramble(body)
        if path.endswith("/chat/completions"):
            return 200, self._chat_completion(body, self._answer(body))
        if path.endswith("/responses"):
            return 200, self._response(body, self._answer(body))
        return 404, {"error": {"message": f"no route {path}", "type": "fake"}}

    def _answer(self, body: dict[str, Any]) -> Any:
        if callable(self.answer):
            return self.answer(body)
        if self.answer is not None:
            return self.answer
        schema = request_schema(body)
        return answer_from_schema(schema) if schema is not None else PROSE

    def _ramble(self, body: dict[str, Any]) -> dict[str, Any] | None:
        """A completion cut at ``max_tokens``, or ``None``: stream forever."""
        limit = body.get("max_tokens") or body.get("max_completion_tokens")
        if self.behaviour == "hang" or not limit:
            return None
        message = {"role": "assistant", "content": '{"text": "' + "and so on " * int(limit)}
        prompt_tokens = self.usage[0]
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": "length"}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": int(limit),
                "total_tokens": prompt_tokens + int(limit),
            },
        }

    def _chat_completion(self, body: dict[str, Any], answer: Any) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": None}
        tools = body.get("tools") or []
        prompted = request_schema(body, prompted_only=True) is not None
        if self.behaviour == "prose" and not prompted:
            message["content"] = PROSE
            finish = "stop"
        elif tools and "response_format" not in body and self.behaviour == "honours":
            message["tool_calls"] = [
                {
                    "id": "call_1",
                    "type": "function",
                    "function": {
                        "name": tools[0]["function"]["name"],
                        "arguments": json.dumps(answer),
                    },
                }
            ]
            finish = "tool_calls"
        else:
            message["content"] = answer if isinstance(answer, str) else json.dumps(answer)
            finish = "stop"
        prompt_tokens, completion_tokens = self.usage
        return {
            "id": "chatcmpl-fake",
            "object": "chat.completion",
            "created": 1_700_000_000,
            "model": body.get("model", "fake"),
            "choices": [{"index": 0, "message": message, "finish_reason": finish}],
            "usage": {
                "prompt_tokens": prompt_tokens,
                "completion_tokens": completion_tokens,
                "total_tokens": prompt_tokens + completion_tokens,
            },
        }

    def _response(self, body: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        tools = body.get("tools") or []
        item: dict[str, Any]
        if tools and "format" not in (body.get("text") or {}):
            item = {
                "type": "function_call",
                "id": "fc_1",
                "call_id": "call_1",
                "name": tools[0]["name"],
                "arguments": json.dumps(answer),
                "status": "completed",
            }
        else:
            item = {
                "type": "message",
                "id": "msg_1",
                "status": "completed",
                "role": "assistant",
                "content": [{"type": "output_text", "text": json.dumps(answer), "annotations": []}],
            }
        input_tokens, output_tokens = self.usage
        return {
            "id": "resp_fake",
            "object": "response",
            "created_at": 1_700_000_000,
            "status": "completed",
            "model": body.get("model", "fake"),
            "output": [item],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": {
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "total_tokens": input_tokens + output_tokens,
                "input_tokens_details": {"cached_tokens": 0},
                "output_tokens_details": {"reasoning_tokens": 0},
            },
        }

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - the http.server API
                length = int(self.headers.get("Content-Length", "0"))
                body = json.loads(self.rfile.read(length) or b"{}")
                headers = {key.lower(): value for key, value in self.headers.items()}
                status, payload = server._reply(self.path, headers, body)
                if payload is None:
                    self._never_finish()
                    return
                with server._lock:
                    server.answered += 1
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status >= 400:
                    # Provider SDKs retry on their own; ask them to wait only a millisecond.
                    self.send_header("retry-after-ms", "1")
                try:
                    self.end_headers()
                    self.wfile.write(data)
                    self.wfile.flush()
                except OSError:  # the client is gone (e.g. a test killed it)
                    return
                request = getattr(server._current, "request", None)
                if request is not None:
                    request.answered = True

            def _never_finish(self) -> None:
                """Send a body that never ends, a few bytes at a time, until the client leaves."""
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Transfer-Encoding", "chunked")
                self.end_headers()
                try:
                    while not server._stopping.wait(0.01):
                        self.wfile.write(b"2\r\n  \r\n")
                        self.wfile.flush()
                except OSError:
                    return

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        return Handler


def request_schema(body: Mapping[str, Any], *, prompted_only: bool = False) -> Any:
    """The JSON schema a chat request asks for: response format, output tool, or instructions.

    A model reading a prompted request finds the schema in its instructions
    (pydantic-ai's prompted output writes it there as JSON).
    """
    if not prompted_only:
        response_format = body.get("response_format") or {}
        if "json_schema" in response_format:
            return response_format["json_schema"]["schema"]
        text_format = (body.get("text") or {}).get("format") or {}
        if "schema" in text_format:
            return text_format["schema"]
        for tool in body.get("tools") or []:
            function = tool.get("function", tool)
            if "parameters" in function:
                return function["parameters"]
    for message in body.get("messages") or []:
        content = message.get("content")
        if message.get("role") in ("system", "developer") and isinstance(content, str):
            start = content.find('{"')
            while start >= 0:
                try:
                    found, _ = json.JSONDecoder().raw_decode(content[start:])
                except ValueError:
                    found = None
                if isinstance(found, dict) and "properties" in found:
                    return found
                start = content.find('{"', start + 1)
    return None


@contextmanager
def model_requests_allowed() -> Iterator[None]:
    """Allow real model requests (to a local fake server) inside the block only."""
    from pydantic_ai import models

    with models.override_allow_model_requests(True):
        yield
