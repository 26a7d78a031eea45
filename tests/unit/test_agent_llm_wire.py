"""The OpenAI-compatible wire path against a local stub server (stdlib http.server on
127.0.0.1, random port): timeouts, 429 with retry, 5xx, malformed bodies."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from agent.llm import LLMError, OpenAIChatModel
from prompts.base import ChatMessage

# A handler returns (status, body, headers) or sleeps; it sees the parsed request JSON.
Handler = Callable[[dict[str, Any]], tuple[int, str, dict[str, str]]]


def completion(content: str) -> tuple[int, str, dict[str, str]]:
    body = {
        "id": "x",
        "object": "chat.completion",
        "created": 0,
        "model": "stub",
        "choices": [
            {
                "index": 0,
                "finish_reason": "stop",
                "message": {"role": "assistant", "content": content},
            }
        ],
    }
    return 200, json.dumps(body), {}


class StubOpenAI:
    """A scripted OpenAI-compatible endpoint: each request pops the next handler."""

    def __init__(self, script: list[Handler]) -> None:
        self.script = list(script)
        self.requests: list[dict[str, Any]] = []
        stub = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                req = json.loads(self.rfile.read(length) or b"{}")
                stub.requests.append(req)
                handler = stub.script.pop(0) if stub.script else (lambda _r: (500, "{}", {}))
                status, body, headers = handler(req)
                try:
                    self.send_response(status)
                    self.send_header("content-type", "application/json")
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    self.wfile.write(body.encode())
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"

    def __enter__(self) -> StubOpenAI:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()


def model(stub: StubOpenAI, **kw: Any) -> OpenAIChatModel:
    return OpenAIChatModel(
        stub.base_url,
        "k",
        "stub-model",
        backoff_s=0.01,
        **{"timeout_s": 2.0, "max_retries": 2, **kw},
    )


MSG = [ChatMessage("user", "안녕")]


@pytest.fixture
def sleeps() -> Iterator[list[float]]:
    yield []


def test_ok_reply_and_request_shape() -> None:
    with StubOpenAI([lambda r: completion("네")]) as stub:
        assert model(stub).complete(MSG, json_mode=True) == "네"
    req = stub.requests[0]
    assert req["model"] == "stub-model" and req["messages"][0]["content"] == "안녕"
    assert req["response_format"] == {"type": "json_object"}


def test_429_is_retried_with_backoff_then_succeeds() -> None:
    waits: list[float] = []
    script: list[Handler] = [
        lambda r: (429, '{"error": {"message": "slow down"}}', {"retry-after": "0"}),
        lambda r: (503, '{"error": {"message": "busy"}}', {}),
        lambda r: completion("ok"),
    ]
    with StubOpenAI(script) as stub:
        assert model(stub, sleep=waits.append).complete(MSG) == "ok"
    assert len(stub.requests) == 3 and len(waits) == 2


def test_persistent_429_reports_rate_limited() -> None:
    script: list[Handler] = [lambda r: (429, "{}", {})] * 3
    with StubOpenAI(script) as stub, pytest.raises(LLMError) as err:
        model(stub, sleep=lambda s: None).complete(MSG)
    assert err.value.reason == "rate_limited" and len(stub.requests) == 3


def test_5xx_reports_server_error() -> None:
    with StubOpenAI([lambda r: (500, "{}", {})] * 3) as stub, pytest.raises(LLMError) as err:
        model(stub, sleep=lambda s: None).complete(MSG)
    assert err.value.reason == "server_error"


def test_timeout_reports_timeout() -> None:
    def slow(_r: dict[str, Any]) -> tuple[int, str, dict[str, str]]:
        time.sleep(1.0)
        return completion("late")

    with StubOpenAI([slow]) as stub, pytest.raises(LLMError) as err:
        model(stub, timeout_s=0.2, max_retries=0).complete(MSG)
    assert err.value.reason == "timeout"


def test_malformed_body_reports_malformed_response() -> None:
    with (
        StubOpenAI([lambda r: (200, "this is not json", {})]) as stub,
        pytest.raises(LLMError) as err,
    ):
        model(stub).complete(MSG)
    assert err.value.reason in ("malformed_response", "empty_response")


def test_4xx_is_not_retried() -> None:
    with (
        StubOpenAI([lambda r: (401, '{"error": {"message": "no"}}', {})]) as stub,
        pytest.raises(LLMError) as err,
    ):
        model(stub).complete(MSG)
    assert err.value.reason == "http_error" and len(stub.requests) == 1
