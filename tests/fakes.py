"""Shared fakes for tests: scripted pydantic-ai models and a local OpenAI-compatible HTTP server.

- :class:`ScriptedModel` is a ``FunctionModel`` that plays a list of answers in
  order (each an output object, a raw string, or an exception to raise) and
  counts the prompts it received; it answers through the output tool when the
  agent uses tool output, and as JSON text otherwise.
- :class:`FakeOpenAIServer` is a tiny threaded HTTP server on 127.0.0.1 that
  speaks enough of the OpenAI Chat Completions and Responses APIs for a real
  provider SDK to talk to it. It records every request body, and can be told to
  fail with an HTTP status a number of times first (429, 500, ...).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

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

    def __call__(self, messages: list[ModelMessage], info: AgentInfo) -> ModelResponse:
        self.prompts.append(first_prompt(messages))
        self.infos.append(info)
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
class RecordedRequest:
    """One HTTP request the fake server received."""

    path: str
    headers: dict[str, str]
    body: dict[str, Any]


class FakeOpenAIServer:
    """An OpenAI-compatible endpoint on 127.0.0.1 answering every request with ``answer``.

    ``answer`` is the output object (or a function of the request body that
    returns one). The server calls the output tool when the request offers
    tools, and otherwise returns the object as JSON text. ``failures`` lists
    HTTP statuses to return, in order, before answering normally.
    """

    def __init__(
        self,
        answer: dict[str, Any] | Callable[[dict[str, Any]], dict[str, Any]],
        *,
        failures: Sequence[int] = (),
        usage: tuple[int, int] = (42, 7),
    ) -> None:
        self.answer = answer
        self.failures = list(failures)
        self.usage = usage
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    def __enter__(self) -> FakeOpenAIServer:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def _reply(self, path: str, headers: dict[str, str], body: dict[str, Any]) -> tuple[int, Any]:
        with self._lock:
            self.requests.append(RecordedRequest(path, headers, body))
            if self.failures:
                status = self.failures.pop(0)
                return status, {"error": {"message": f"fake failure {status}", "type": "fake"}}
        answer = self.answer(body) if callable(self.answer) else self.answer
        if path.endswith("/chat/completions"):
            return 200, self._chat_completion(body, answer)
        if path.endswith("/responses"):
            return 200, self._response(body, answer)
        return 404, {"error": {"message": f"no route {path}", "type": "fake"}}

    def _chat_completion(self, body: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": None}
        tools = body.get("tools") or []
        if tools and "response_format" not in body:
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
            message["content"] = json.dumps(answer)
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
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                if status >= 400:
                    # Provider SDKs retry on their own; ask them to wait only a millisecond.
                    self.send_header("retry-after-ms", "1")
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
                return

        return Handler


@contextmanager
def model_requests_allowed() -> Iterator[None]:
    """Allow real model requests (to a local fake server) inside the block only."""
    from pydantic_ai import models

    with models.override_allow_model_requests(True):
        yield
