"""Per-thread memory: LangGraph checkpointers that can read back the agent's state types."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from langgraph.checkpoint.memory import MemorySaver
from langgraph.checkpoint.serde.jsonplus import JsonPlusSerializer

from agent.state import STATE_TYPES


def checkpoint_serde() -> JsonPlusSerializer:
    """A serializer that allows exactly the agent's pydantic state types to be restored."""
    return JsonPlusSerializer(
        allowed_msgpack_modules=[(t.__module__, t.__name__) for t in STATE_TYPES]
    )


def memory_checkpointer() -> MemorySaver:
    return MemorySaver(serde=checkpoint_serde())


def sqlite_checkpointer(path: Path) -> Any:
    """A SQLite checkpointer on `path` (created if missing); safe across threads."""
    from langgraph.checkpoint.sqlite import SqliteSaver

    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(str(path), check_same_thread=False)
    # The saver switches the file to WAL; in WAL mode NORMAL syncs at checkpoints instead
    # of on every commit (an fsync per answered turn, ~10 ms on this disk). A power cut can
    # lose the last turns' memory, never corrupt the file: right for conversation memory.
    conn.execute("PRAGMA synchronous=NORMAL")
    return SqliteSaver(conn, serde=checkpoint_serde())
