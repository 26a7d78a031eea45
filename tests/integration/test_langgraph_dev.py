"""`langgraph dev` (LangGraph's in-memory API server) serving the graph that `langgraph.json`
names, on the tiny embedded graph, offline: the assistant is listed, a question runs through
the server's HTTP API and a follow-up in the same server thread refines it, and stopping the
server stops the embedded graph's server too.

langgraph-cli[inmem] is not a project dependency: its langgraph-api pins older protobuf,
grpcio and jsonschema-rs than the project's lock (schemathesis among them would be
downgraded). It runs as LangGraph documents for uv projects, in an overlay environment over
the project's venv: `uv run --with "langgraph-cli[inmem]" langgraph dev` (uv's cache makes
later runs offline). The server keeps its state in `.langgraph_api/` under its working
directory, so it runs in a temporary folder that links `langgraph.json` (which names the
graph by module, `agent.langgraph_app`, importable from the project's venv).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import psutil
import pytest

from tests.integration.test_api_contract import QUESTION, tiny_graph_env
from tests.processes import free_port as _free_port
from tests.processes import graph_servers as _graph_servers
from tripgraph.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

LANGGRAPH_CLI = "langgraph-cli[inmem]==0.4.40"


def _uv() -> str:
    for candidate in (Path(sys.base_prefix) / "bin" / "uv", shutil.which("uv")):
        if candidate and Path(candidate).exists():
            return str(candidate)
    pytest.fail("uv not found (scripts/bootstrap.sh installs it beside Python 3.12)")


@dataclass
class DevServer:
    url: str
    graph_dir: Path
    proc: subprocess.Popen[bytes]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DevServer]:
    env = tiny_graph_env(tmp_path_factory)
    graph_dir = Path(env["TRIPGRAPH_GRAPH__EMBEDDED_DIR"])
    # A graph directory of its own: this server opens the graph in its own process.
    own = tmp_path_factory.mktemp("langgraph-graph") / "graph"
    shutil.copytree(graph_dir, own)
    env["TRIPGRAPH_GRAPH__EMBEDDED_DIR"] = str(own)
    cwd = tmp_path_factory.mktemp("langgraph-dev")
    (cwd / "langgraph.json").symlink_to(PROJECT_ROOT / "langgraph.json")
    port = _free_port()
    log = cwd / "langgraph-dev.log"
    cmd = [
        _uv(), "run", "--project", str(PROJECT_ROOT), "--frozen", "--no-sync",
        "--with", LANGGRAPH_CLI,
        "langgraph", "dev", "--no-browser", "--no-reload", "--port", str(port),
    ]  # fmt: skip
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env={**os.environ, **env, "LANGGRAPH_CLI_NO_ANALYTICS": "1"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            if proc.poll() is not None:
                pytest.fail(f"langgraph dev exited {proc.returncode}: {log.read_text()[-3000:]}")
            try:
                if httpx.get(f"{url}/ok", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"langgraph dev not up after 180 s: {log.read_text()[-3000:]}")
            time.sleep(0.5)
        yield DevServer(url, own, proc)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)


def _run(url: str, thread_id: str, question: str) -> dict[str, Any]:
    r = httpx.post(
        f"{url}/threads/{thread_id}/runs/wait",
        json={"assistant_id": "tripgraph", "input": {"question": question}},
        timeout=120,
    )
    assert r.status_code == 200, r.text
    out: dict[str, Any] = r.json()
    assert "__error__" not in out, out
    return out


def test_langgraph_dev_serves_the_agent(server: DevServer) -> None:
    url = server.url
    found = httpx.post(f"{url}/assistants/search", json={"graph_id": "tripgraph"}, timeout=30)
    assert found.status_code == 200 and [a["graph_id"] for a in found.json()] == ["tripgraph"]

    thread = httpx.post(f"{url}/threads", json={}, timeout=30).json()["thread_id"]
    first = _run(url, thread, QUESTION)
    assert first["intent"] == "recommend_place" and first["slots"]["region"] == "애월읍"
    assert len(first["picks"]) == 3 and all(p["evidence"] for p in first["picks"])
    assert first["answer"]
    # The server's own checkpointer keeps the thread: the follow-up refines the first turn.
    follow = _run(url, thread, "다른 곳도 알려줘")
    assert follow["slots"]["region"] == "애월읍"
    assert {p["merchant_id"] for p in follow["picks"]}.isdisjoint(
        {p["merchant_id"] for p in first["picks"]}
    )


def test_stopping_the_server_stops_the_graph_server(server: DevServer) -> None:
    """Runs last in this module (pytest keeps file order): stops the module's server."""
    servers = _graph_servers(server.graph_dir)
    assert len(servers) == 1, servers
    os.killpg(server.proc.pid, signal.SIGTERM)
    server.proc.wait(timeout=30)
    _, alive = psutil.wait_procs(servers, timeout=15)
    # A zombie has exited (its new parent, not us, reaps it).
    alive = [p for p in alive if _status(p) not in (psutil.STATUS_ZOMBIE, None)]
    for p in alive:
        p.kill()
    assert not alive, "the embedded graph server outlived langgraph dev"


def _status(proc: psutil.Process) -> str | None:
    try:
        return str(proc.status())
    except psutil.NoSuchProcess:
        return None
