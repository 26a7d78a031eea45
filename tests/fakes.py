"""Test fakes of the project's small protocols (no endpoint, no network)."""

from __future__ import annotations

from collections.abc import Sequence

from agent.llm import LLMError
from prompts.base import ChatMessage


class ScriptedChatModel:
    """A `ChatModel` that replays a script: each reply is a string, or an exception to raise.

    For tests of node logic without an endpoint; records every prompt it saw.
    """

    def __init__(self, replies: Sequence[str | Exception], name: str = "scripted") -> None:
        self.name = name
        self._replies = list(replies)
        self.calls: list[list[ChatMessage]] = []

    def complete(self, messages: Sequence[ChatMessage], *, json_mode: bool = False) -> str:
        self.calls.append(list(messages))
        if not self._replies:
            raise LLMError("script_exhausted", "the scripted model has no reply left")
        reply = self._replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply
