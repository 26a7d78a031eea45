"""What `langgraph dev` (LangGraph's own server and Studio) loads: `langgraph.json` names
`make_graph` (the graph) and `app` (this module's lifespan) here.

`make_graph` compiles the same graph as `AgentService` (`agent.graph.build_graph`), without
a checkpointer: the LangGraph server brings its own and keys it by its thread ids. The
dependencies (store connection, embedder, vocabulary) are opened once per server process by
`app`'s lifespan, from `get_settings()` — this module is an entry point, like the CLI — and
closed by it when the server stops. (An `atexit` hook would not do: uvicorn
re-raises SIGTERM after its shutdown, and the process dies without running atexit, which
left the embedded graph's server process behind.) Both are named by module, not by file
path: the server loads a path-named file once per entry, as separate modules that would
not share the one `AgentDeps`.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette

from agent.deps import AgentDeps

_lock = threading.Lock()
_deps: list[AgentDeps] = []  # the server process's one AgentDeps, opened on first use


def _open_deps() -> AgentDeps:
    with _lock:
        if not _deps:
            from tripgraph.settings import get_settings

            _deps.append(AgentDeps.open(get_settings()))
        return _deps[0]


def _close_deps() -> None:
    with _lock:
        while _deps:
            _deps.pop().close()


async def make_graph(config: Any = None) -> Any:
    """The compiled agent graph. The LangGraph server calls this factory for each run, so
    only the compile happens per run (a few ms); the dependencies stay open. Async, with the
    opening in a worker thread: the server runs factories on its event loop and (in `dev`)
    fails any blocking call made there."""
    from agent.graph import build_graph

    return build_graph(await asyncio.to_thread(_open_deps))


@asynccontextmanager
async def _lifespan(_: Starlette) -> AsyncIterator[None]:
    # Opened before the first run, so that run costs what later ones do (and the server
    # does not log it as a slow graph load).
    await asyncio.to_thread(_open_deps)
    try:
        yield
    finally:
        await asyncio.to_thread(_close_deps)


# Mounted by the LangGraph server beside its own routes (langgraph.json "http.app"); it adds
# no routes, only the start-up that opens the store and the shutdown that closes it.
app = Starlette(lifespan=_lifespan)
