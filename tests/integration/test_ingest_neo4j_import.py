"""The Neo4j offline import (ingest/neo4j_import.py) against the MERGE load, on a real
Neo4j server of its own: `neo4j-admin database import` replaces that server's database,
so it cannot be the shared test server. Export, import with the server stopped, start it,
`--after-import`: the graph must equal what MERGE builds from the same rows.

Runs where the other Neo4j tests run (NEO4J_URI set: `.ci/run` starts the test server,
which also means the server's jar and libraries are built)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_schema.neo4j_store import Neo4jStore
from ingest import neo4j_import
from ingest.loader import ingest_dataset
from tests.integration.test_ingest_bulk import _quarantine, _tricky_dataset

pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(not os.environ.get("NEO4J_URI"), reason="NEO4J_URI not set"),
]

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "neo4j-test-server.sh"


class _Server:
    """A second test server (own run dir, data dir and port), driven by the same script."""

    def __init__(self, run_dir: Path) -> None:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.env = {
            **os.environ,
            "NEO4J_RUN_DIR": str(run_dir),
            "NEO4J_DATA_DIR": str(run_dir / "data"),
            "NEO4J_BOLT_PORT": str(self.port),
            "NEO4J_HEAP": "512m",
            "NEO4J_PAGECACHE_MB": "64",
            "NEO4J_IMPORT_MEMORY": "512M",
        }

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SCRIPT), *args], env=self.env, capture_output=True, text=True, timeout=300
        )

    def store(self) -> Neo4jStore:
        store = Neo4jStore(f"bolt://127.0.0.1:{self.port}", "neo4j", "tripgraph-dev")
        store.connect()
        return store


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[_Server]:
    srv = _Server(tmp_path_factory.mktemp("neo4j-import-server"))
    try:
        yield srv
    finally:
        srv.run("stop")


def _dataset(root: Path) -> Path:
    """The bulk test's dataset (bad rows, repeated keys) plus values CSV must carry
    exactly: a line break, quotes, a backslash, an alias holding the default array
    delimiter, an empty string."""
    d = _tricky_dataset(root)
    with (d / "reviews.jsonl").open("a", encoding="utf-8") as fh:
        for r in (
            {
                "review_id": "R50",
                "merchant_id": "M1",
                "text": '첫 줄\n둘째 줄 "맛집", \\ 끝',
                "rating": 5,
            },
        ):
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    with (d / "places.jsonl").open("a", encoding="utf-8") as fh:
        place = {"place_id": "KR-CJU-hallim", "name": "한림읍", "level": "region", "name_en": ""}
        fh.write(json.dumps({**place, "parent_id": "KR-CJU", "aliases": ["한림;협재", "한림"]}))
        fh.write("\n")
    return d


def test_import_equals_merge(server: _Server, tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    out = tmp_path / "export"
    exported = neo4j_import.export_import_files(ds, out, batch_size=3, progress=False)
    args = (out / neo4j_import.ARGS_FILE).read_text(encoding="utf-8")
    assert "--multiline-fields=" in args and "nodes-Review-001.csv" in args  # the line break
    assert args.strip().splitlines()[-1] == "--bad-tolerance=0"  # nothing multi-valued last

    imported = server.run("import", str(out))
    assert imported.returncode == 0, imported.stdout[-2000:] + imported.stderr[-2000:]
    started = server.run("start")
    assert started.returncode == 0, started.stderr[-2000:]
    store = server.store()
    try:
        report = neo4j_import.finish_import(store, ds, out, tmp_path / "state")
        assert report.mode == "imported"
        assert report.phases["replay_rows"] > 0  # the repeated keys went through MERGE
        got, got_counts = store.fingerprint(), store.counts()
        assert _quarantine(report) == _quarantine(exported)
        # A later ingest in auto mode finds the imported graph current.
        again = ingest_dataset(store, ds, tmp_path / "state", progress=False, mode="auto")
        assert again.mode == "current"
        row = store.read(
            "MATCH (r:Review {review_id: 'R50'}) "
            "MATCH (p:Place {place_id: 'KR-CJU-hallim'}) "
            "RETURN r.text AS text, p.name_en AS empty, p.aliases AS aliases, "
            "p.lat IS NULL AS no_lat"
        ).single()
        assert row == {
            "text": '첫 줄\n둘째 줄 "맛집", \\ 끝',
            "empty": "",
            "aliases": ["한림;협재", "한림"],
            "no_lat": True,
        }

        # The reference: the same rows through MERGE, one row per query (see the bulk test).
        store.clear()
        merged = ingest_dataset(
            store, ds, tmp_path / "state-merge", batch_size=1, progress=False, mode="merge"
        )
        assert store.counts() == got_counts
        assert store.fingerprint() == got
        assert [(f.file, f.read, f.quarantined) for f in exported.files] == [
            (f.file, f.read, f.quarantined) for f in merged.files
        ]

        # --after-import on a graph that does not hold the import says so and what to run.
        store.clear()
        with pytest.raises(neo4j_import.Neo4jImportError, match="neo4j-admin database import"):
            neo4j_import.finish_import(store, ds, out, tmp_path / "state2")
    finally:
        store.close()


def test_after_import_refuses_files_of_other_data(tmp_path: Path) -> None:
    ds = _dataset(tmp_path)
    out = tmp_path / "export"
    neo4j_import.export_import_files(ds, out, progress=False)
    (ds / "users.jsonl").open("a", encoding="utf-8").write('{"user_id": "U77"}\n')
    with pytest.raises(neo4j_import.Neo4jImportError, match="other data"):
        neo4j_import.finish_import(None, ds, out, tmp_path / "state")  # type: ignore[arg-type]


def test_import_refuses_a_running_server(server: _Server, tmp_path: Path) -> None:
    out = tmp_path / "export"
    neo4j_import.export_import_files(_dataset(tmp_path), out, progress=False)
    assert server.run("start").returncode == 0
    refused = server.run("import", str(out))
    assert refused.returncode != 0 and "stop it before an import" in refused.stderr
