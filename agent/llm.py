"""The LLM provider: any OpenAI-compatible chat endpoint, behind one small protocol.

`ChatModel.complete(messages)` returns the reply text or raises `LLMError` whose `reason`
the answer reports when a step falls back to its offline counterpart. Retries with
exponential backoff happen here (429 and 5xx, honouring Retry-After), so every step gets
the same policy; the SDK's own retries are switched off so that the count is ours.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, Protocol

from prompts.base import ChatMessage

if TYPE_CHECKING:
    from tripgraph.settings import Settings


class LLMError(RuntimeError):
    """The endpoint gave no usable reply. `reason` is short and user-presentable."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail


class ChatModel(Protocol):
    name: str

    def complete(self, messages: Sequence[ChatMessage], *, json_mode: bool = False) -> str: ...


class OpenAIChatModel:
    """Chat completions through the `openai` SDK against any compatible base URL."""

    def __init__(
        self,
        base_url: str,
        api_key: str,
        model: str,
        *,
        timeout_s: float = 20.0,
        max_retries: int = 2,
        backoff_s: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.name = model
        self.base_url = base_url
        self.api_key = api_key
        self.timeout_s = timeout_s
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self._sleep = sleep
        self._client: Any = None

    def _get_client(self) -> Any:
        if self._client is None:
            from openai import OpenAI

            self._client = OpenAI(
                base_url=self.base_url,
                api_key=self.api_key,
                timeout=self.timeout_s,
                max_retries=0,
            )
        return self._client

    def complete(self, messages: Sequence[ChatMessage], *, json_mode: bool = False) -> str:
        import openai

        client = self._get_client()
        kwargs: dict[str, Any] = {
            "model": self.name,
            "messages": [m.to_openai() for m in messages],
            "temperature": 0.0,
        }
        if json_mode:
            kwargs["response_format"] = {"type": "json_object"}
        last: LLMError | None = None
        for attempt in range(self.max_retries + 1):
            try:
                resp = client.chat.completions.create(**kwargs)
            except openai.APITimeoutError:
                last = LLMError("timeout", f"no reply within {self.timeout_s:g}s")
                retry_after = None
            except openai.RateLimitError as exc:
                last = LLMError("rate_limited", "HTTP 429")
                retry_after = _retry_after(exc)
            except openai.InternalServerError as exc:
                last = LLMError("server_error", f"HTTP {exc.status_code}")
                retry_after = _retry_after(exc)
            except openai.APIConnectionError as exc:
                last = LLMError("connection_error", str(exc)[:200])
                retry_after = None
            except openai.APIStatusError as exc:  # 4xx other than 429: retrying will not help
                raise LLMError("http_error", f"HTTP {exc.status_code}") from exc
            except ValueError as exc:  # the SDK could not parse the body
                raise LLMError("malformed_response", str(exc)[:200]) from exc
            else:
                try:
                    content = resp.choices[0].message.content
                except (AttributeError, IndexError, TypeError) as exc:
                    raise LLMError("malformed_response", "no choices in the reply") from exc
                if not content or not str(content).strip():
                    raise LLMError("empty_response")
                return str(content)
            if attempt < self.max_retries:
                self._sleep(retry_after if retry_after is not None else self.backoff_s * 2**attempt)
        assert last is not None
        raise last


def _retry_after(exc: Any) -> float | None:
    try:
        value = exc.response.headers.get("retry-after")
        return min(float(value), 10.0) if value is not None else None
    except (AttributeError, ValueError):
        return None


_FENCE = re.compile(r"```(?:json|cypher)?\s*(.*?)```", re.DOTALL | re.IGNORECASE)


def strip_fences(text: str) -> str:
    m = _FENCE.search(text)
    return (m.group(1) if m else text).strip()


def parse_json_object(text: str) -> dict[str, Any]:
    """The JSON object in a reply (code fences and chatter around it are tolerated)."""
    body = strip_fences(text)
    start, end = body.find("{"), body.rfind("}")
    if start < 0 or end <= start:
        raise LLMError("malformed_json", "no JSON object in the reply")
    try:
        value = json.loads(body[start : end + 1])
    except json.JSONDecodeError as exc:
        raise LLMError("malformed_json", str(exc)) from exc
    if not isinstance(value, dict):
        raise LLMError("malformed_json", "the reply is not a JSON object")
    return value


def make_chat_model(settings: Settings) -> ChatModel | None:
    """The configured endpoint, or None (offline mode) when no base URL is set."""
    llm = settings.llm
    if not llm.base_url:  # `llm.enabled`, in the form the type checker follows
        return None
    return OpenAIChatModel(
        llm.base_url,
        llm.api_key.get_secret_value(),
        llm.model,
        timeout_s=llm.timeout_s,
        max_retries=llm.max_retries,
    )
