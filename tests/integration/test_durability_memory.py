"""A conversation turn the service answered survives a kill -9 of the app.

Conversation memory is LangGraph's SQLite checkpointer (`agent.memory.sqlite_checkpointer`,
the one `AgentService.open` uses; WAL, synchronous=NORMAL): a turn is committed to the file
when `ask` returns (`durability="exit"`), and a committed SQLite transaction survives the
death of the process that made it (NORMAL gives up only the last transactions on an OS crash
or power cut, never the file). A real app process answers one turn, prints the answer's
thread id, and is SIGKILLed, then its graph server too; a new service on the same memory
file carries the thread on.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.test_durability_graph import _kill9
from tests.processes import graph_servers
from tripgraph.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

SERVICE = textwrap.dedent(
    """
    from pathlib import Path
    from agent.deps import AgentDeps
    from agent.memory import sqlite_checkpointer
    from agent.service import AgentService
    from embeddings.text.factory import make_embedder
    from graph_schema.falkordb_store import EmbeddedFalkorDBStore

    def service(graph_dir, memory):
        store = EmbeddedFalkorDBStore(Path(graph_dir))
        store.connect()
        deps = AgentDeps(store=store, embedder=make_embedder("hashing"))
        return AgentService(deps, sqlite_checkpointer(Path(memory)))
    """
)

APP = SERVICE + textwrap.dedent(
    """
    import sys, time
    svc = service(sys.argv[1], sys.argv[2])
    answer = svc.ask(sys.argv[3], thread_id="T-durable")
    print("ACK", answer.thread_id, answer.slots.city, answer.slots.category,
          svc.deps.store.server_pid, flush=True)
    time.sleep(120)
    """
)

QUESTION = "제주시에서 가족이랑 갈 만한 한식당 추천해줘"


@pytest.fixture
def graph_dir(tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / "graph"
    yield d
    for p in graph_servers(d):
        p.kill()


def test_answered_turn_survives_kill9_of_the_app(graph_dir: Path, tmp_path: Path) -> None:
    memory = tmp_path / "memory.sqlite"
    app = subprocess.Popen(
        [sys.executable, "-c", APP, str(graph_dir), str(memory), QUESTION],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert app.stdout is not None
        line = app.stdout.readline().split()
        assert line[:2] == ["ACK", "T-durable"], f"the app did not answer: {line}"
        assert line[2:4] == ["제주시", "한식"]
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=10)
        _kill9(int(line[4]))
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
        app.wait()

    namespace: dict[str, object] = {}
    exec(SERVICE, namespace)
    svc = namespace["service"](graph_dir, memory)  # type: ignore[operator]
    try:
        config = {"configurable": {"thread_id": "T-durable"}}
        remembered = svc.graph.get_state(config).values
        assert remembered["question"] == QUESTION
        assert (remembered["slots"].city, remembered["slots"].category) == ("제주시", "한식")
        # and the thread goes on from it: the follow-up keeps the city and category it
        # does not repeat (a service without that memory would know neither)
        follow_up = svc.ask("더 저렴한 곳은?", thread_id="T-durable")
        assert (follow_up.slots.city, follow_up.slots.category) == ("제주시", "한식")
        assert follow_up.slots.price == "cheap"
    finally:
        svc.close()
