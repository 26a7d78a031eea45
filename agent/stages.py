"""Stage events and timings of the agent's nodes: the one wrapper every node runs in.

A node decorated with `stage(name)` writes a start and a done event (with a small summary
of its update) to LangGraph's custom stream, so that an API or UI can show progress, and
adds its time to the turn's `timings_ms`. The nodes know nothing about who listens.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar, cast

from langgraph.config import get_stream_writer

from agent.state import State


def emit(event: dict[str, Any]) -> None:
    """Write a stage event to the running graph's custom stream."""
    # Outside a graph run (unit tests call nodes directly) there is no writer.
    with contextlib.suppress(RuntimeError):
        get_stream_writer()(event)


NodeFn = TypeVar("NodeFn", bound=Callable[..., dict[str, Any]])


def stage(name: str) -> Callable[[NodeFn], NodeFn]:
    """Time a node, add its time to `timings_ms` and emit start/done stage events."""

    def wrap(fn: NodeFn) -> NodeFn:
        @wraps(fn)
        def run(self: Any, state: State) -> dict[str, Any]:
            emit({"stage": name, "status": "start"})
            started = time.perf_counter()
            update = fn(self, state)
            ms = round((time.perf_counter() - started) * 1000, 2)
            update["timings_ms"] = {name: ms}
            emit({"stage": name, "status": "done", "ms": ms, "summary": _summary(update)})
            return update

        return cast(NodeFn, run)

    return wrap


def _summary(update: dict[str, Any]) -> dict[str, Any]:
    """A small JSON-able view of what a stage produced, for stage events."""
    out: dict[str, Any] = {}
    if "intent" in update:
        out["intent"] = update["intent"]
    if "slots" in update:
        out["slots"] = update["slots"].model_dump(exclude_none=True)
    if "understanding" in update:
        out["understanding"] = update["understanding"].path
    if update.get("cypher"):
        out["cypher"] = update["cypher"]
    if "candidates" in update:
        out["candidates"] = [c.merchant_id for c in update["candidates"]]
    if update.get("hyde_text"):
        out["hyde_text"] = update["hyde_text"]
    if "picks" in update:
        out["picks"] = [p.merchant_id for p in update["picks"]]
    if update.get("steps"):
        last = update["steps"][-1]
        out["mode"] = last.mode
        if last.reason:
            out["reason"] = last.reason
    return out
