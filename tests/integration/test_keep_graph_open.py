"""`tripgraph keep-graph-open` holds one loaded graph server that later commands attach to.

`make run` runs several commands in a row (ingest, embed, graph embeddings, stats, the UI);
without a holder each would start its own FalkorDB server and reload the graph from disk.
Real processes: the holder, then two `tripgraph cypher` commands; the test checks that one
server served them all, that it outlives the commands, and that it stops (saving the graph)
when the process the holder watches exits.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from pathlib import Path

import psutil
import pytest

from tripgraph.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

TG = str(PROJECT_ROOT / ".venv" / "bin" / "tripgraph")


def _servers(graph_dir: Path) -> set[int]:
    """redis-server processes working on this graph (their cwd is the graph directory)."""
    out = set()
    for p in psutil.process_iter(["name"]):
        with contextlib.suppress(psutil.Error):
            if p.info["name"] == "redis-server" and Path(p.cwd()) == graph_dir:
                out.add(p.pid)
    return out


def _wait(predicate, timeout_s: float = 60.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.2)
    return False


def test_commands_attach_to_the_held_server(tmp_path: Path) -> None:
    graph_dir = tmp_path / "graph"
    env = {
        **os.environ,
        "TRIPGRAPH_GRAPH__BACKEND": "embedded",
        "TRIPGRAPH_GRAPH__EMBEDDED_DIR": str(graph_dir),
        "TRIPGRAPH_RUN_DIR": str(tmp_path / "runs"),
    }
    # The process the holder watches: when it ends, the holder must close the graph.
    watched = subprocess.Popen(["sleep", "600"])
    ready = tmp_path / "ready"
    holder = subprocess.Popen(
        [TG, "keep-graph-open", "--until-pid", str(watched.pid), "--ready-file", str(ready)],
        env=env,
        cwd=PROJECT_ROOT,
    )
    try:
        assert _wait(ready.exists), "holder never became ready"
        held = _servers(graph_dir)
        assert len(held) == 1
        for _ in range(2):
            out = subprocess.run(
                [TG, "cypher", "--json", "RETURN 1 AS one"],
                env=env,
                cwd=PROJECT_ROOT,
                capture_output=True,
                text=True,
                timeout=120,
                check=True,
            )
            assert '"one": 1' in out.stdout
            # The command attached to the held server and did not stop it on exit.
            assert _servers(graph_dir) == held
        watched.kill()
        watched.wait()
        assert holder.wait(timeout=60) == 0
        assert _wait(lambda: not _servers(graph_dir)), "the graph server outlived the holder"
        assert (graph_dir / "tripgraph.db").exists()  # saved on the way out
    finally:
        for proc in (watched, holder):
            if proc.poll() is None:
                proc.kill()
