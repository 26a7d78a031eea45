"""Bulk first load (ingest/bulk.py) against the MERGE load: same graph, same quarantine,
a MERGE run afterwards changes nothing, and a killed bulk load is redone from scratch."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_schema.falkordb_store import EmbeddedFalkorDBStore
from graph_schema.store import GraphStore
from ingest import bulk
from ingest.load_state import IngestReport
from ingest.loader import ingest_dataset
from tests.integration.test_ingest_loader import make_dataset

pytestmark = pytest.mark.integration


def _tricky_dataset(root: Path) -> Path:
    """The loader test's dataset (every kind of bad row) plus rows that repeat a key:
    MERGE folds them into the first, and bulk must fold them the same way."""
    d = make_dataset(root)
    with (d / "users.jsonl").open("a", encoding="utf-8") as fh:
        # same user again: age_band changes, party_type (absent here) stays
        fh.write(json.dumps({"user_id": "U1", "age_band": "40s"}) + "\n")
        fh.write(json.dumps({"user_id": "U2", "age_band": "30s", "home_city": "서울"}) + "\n")
    with (d / "merchant_menus.csv").open("a", encoding="utf-8") as fh:
        fh.write("M1,흑돼지 오겹살,21000,\n")  # same (merchant, menu): price changes
        fh.write("M2,흑돼지 오겹살,,false\n")
    with (d / "product_places.jsonl").open("a", encoding="utf-8") as fh:
        fh.write(json.dumps({"product_id": "P1", "place_id": "KR-CJU-aewol", "day": 2}) + "\n")
        fh.write(json.dumps({"product_id": "P1", "place_id": "KR-CJU", "day": 1}) + "\n")
    reviews = [
        # the same review id again, now about the other merchant: MERGE updates the node
        # and adds a second ABOUT relationship
        {"review_id": "R3", "merchant_id": "M2", "text": "다시 써요", "rating": 2},
        {"review_id": "R40", "merchant_id": "M2", "user_id": None, "text": "익명", "rating": 3},
    ]
    with (d / "reviews.jsonl").open("a", encoding="utf-8") as fh:
        for r in reviews:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    return d


@pytest.fixture(params=["tiny", "tricky"])
def dataset(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    if request.param == "tiny":
        return Path(request.getfixturevalue("tiny_data"))
    return _tricky_dataset(tmp_path)


def _embedded(root: Path, name: str = "bulk_test") -> EmbeddedFalkorDBStore:
    store = EmbeddedFalkorDBStore(root, name)
    store.connect()
    return store


@pytest.fixture
def two_embedded(tmp_path: Path) -> Iterator[tuple[GraphStore, GraphStore]]:
    a, b = _embedded(tmp_path / "merge-graph"), _embedded(tmp_path / "bulk-graph")
    try:
        yield a, b
    finally:
        a.close()
        b.close()


def _quarantine(report: IngestReport) -> list[str]:
    path = Path(report.quarantine_file)
    return path.read_text(encoding="utf-8").splitlines() if path.exists() else []


def _compare_bulk_to_merge(
    merge_store: GraphStore, bulk_store: GraphStore, ds: Path, tmp_path: Path
) -> None:
    """Load `ds` with MERGE into one store and in bulk into the other (they may be the
    same store: it is cleared in between) and compare everything a user can see.

    The MERGE reference writes one row per query: a key repeated in the data then ends as
    its last row says, which is what bulk promises. (FalkorDB's MERGE applies a key repeated
    within one UNWIND batch in no documented order; the generated data repeats no key.)"""
    merge_report = ingest_dataset(
        merge_store, ds, tmp_path / "state-merge", batch_size=1, progress=False, mode="merge"
    )
    expected, expected_counts = merge_store.fingerprint(), merge_store.counts()
    if bulk_store is merge_store:
        bulk_store.clear()
    state = tmp_path / "state-bulk"
    report = ingest_dataset(bulk_store, ds, state, batch_size=7, progress=False, mode="auto")
    assert report.mode == "bulk"
    assert bulk_store.counts() == expected_counts
    assert bulk_store.fingerprint() == expected
    assert not bulk.partial_bulk_load(bulk_store)
    assert [(f.file, f.read, f.loaded, f.quarantined) for f in report.files] == [
        (f.file, f.read, f.loaded, f.quarantined) for f in merge_report.files
    ]
    assert _quarantine(report) == _quarantine(merge_report)

    # A second ingest in auto mode finds the completed load in the graph: nothing to do,
    # nothing quarantined twice.
    again = ingest_dataset(bulk_store, ds, state, batch_size=7, progress=False, mode="auto")
    assert again.mode == "current"
    assert bulk_store.fingerprint() == expected
    assert _quarantine(again) == _quarantine(merge_report)
    # Upserting every row again (--restart) also changes nothing.
    ingest_dataset(bulk_store, ds, state, batch_size=1, progress=False, resume=False)
    assert bulk_store.fingerprint() == expected


def test_bulk_equals_merge_on_embedded(dataset: Path, tmp_path: Path, two_embedded) -> None:
    merge_store, bulk_store = two_embedded
    _compare_bulk_to_merge(merge_store, bulk_store, dataset, tmp_path)


def test_bulk_equals_merge_on_falkordb_server(
    tiny_data: Path, tmp_path: Path, falkordb_server: tuple[str, int]
) -> None:
    from graph_schema.falkordb_store import FalkorDBServerStore

    host, port = falkordb_server
    store = FalkorDBServerStore(host, port, graph_name="bulk_test")
    store.connect()
    store.clear()
    try:
        _compare_bulk_to_merge(store, store, tiny_data, tmp_path)
    finally:
        store.clear()
        store.close()


def test_bulk_types_match_merge(tmp_path: Path, two_embedded) -> None:
    ds = make_dataset(tmp_path)
    merge_store, bulk_store = two_embedded
    ingest_dataset(merge_store, ds, tmp_path / "s1", progress=False, mode="merge")
    ingest_dataset(bulk_store, ds, tmp_path / "s2", progress=False, mode="bulk")
    q = (
        "MATCH (p:Place {place_id: 'KR-CJU-aewol'}) MATCH (m:Merchant {merchant_id: 'M1'}) "
        "MATCH (m)-[s:SERVES]->(:Menu {name: '김치찌개'}) "
        "RETURN p.aliases AS aliases, p.lat IS NULL AS no_lat, m.rating AS rating, "
        "m.price_level AS level, m.parking AS parking, m.name AS name, "
        "s.price AS price, s.signature AS signature, keys(p) AS place_keys"
    )
    row = bulk_store.read(q).single()
    assert row == merge_store.read(q).single()
    assert row["aliases"] == ["애월"] and row["no_lat"] is True
    assert type(row["rating"]) is float and type(row["level"]) is int
    assert row["parking"] is True and row["signature"] is False and row["price"] == 9000
    assert "lat" not in row["place_keys"]  # nulls are absent, not stored


def test_bulk_refuses_a_graph_with_data(tmp_path: Path) -> None:
    ds = make_dataset(tmp_path)
    store = _embedded(tmp_path / "g")
    try:
        ingest_dataset(store, ds, tmp_path / "s", progress=False, mode="merge")
        with pytest.raises(bulk.BulkLoadError, match="empty graph"):
            ingest_dataset(store, ds, tmp_path / "s", progress=False, mode="bulk")
    finally:
        store.close()


CRASHING_BULK = """
import os, signal, sys
from pathlib import Path
from graph_schema.falkordb_store import EmbeddedFalkorDBStore
from ingest import bulk, bulk_falkordb

calls = 0
original = bulk_falkordb.FalkorDBBulkSink._send
def send_then_die(self, args):
    global calls
    original(self, args)
    calls += 1
    if calls == 3:  # the marker and two buffers of data are in: a half-loaded graph
        os.kill(os.getpid(), signal.SIGKILL)
bulk_falkordb.FalkorDBBulkSink._send = send_then_die
store = EmbeddedFalkorDBStore(Path(sys.argv[1]), "bulk_test")
store.connect()
bulk.bulk_ingest(store, Path(sys.argv[2]), Path(sys.argv[3]), progress=False, buffer_bytes=4000)
"""


def test_killed_bulk_load_is_redone_from_scratch(tiny_data: Path, tmp_path: Path) -> None:
    reference = _embedded(tmp_path / "ref")
    try:
        ingest_dataset(reference, tiny_data, tmp_path / "state-ref", progress=False)
        expected = reference.fingerprint()
    finally:
        reference.close()

    graph_dir, state = tmp_path / "graph", tmp_path / "state"
    proc = subprocess.run(
        [sys.executable, "-c", CRASHING_BULK, str(graph_dir), str(tiny_data), str(state)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    checkpoint = json.loads(next(state.glob("ingest-*.json")).read_text())
    assert "complete" not in checkpoint["done"]

    store = _embedded(graph_dir)
    try:
        assert bulk.partial_bulk_load(store)
        assert store.counts().total_nodes > 0  # half-loaded
        # Even a MERGE resume must not build on the half-loaded graph.
        report = ingest_dataset(store, tiny_data, state, progress=False, mode="auto")
        assert report.mode == "bulk"
        assert not bulk.partial_bulk_load(store)
        assert store.fingerprint() == expected
        lines = _quarantine(report)
        assert len(lines) == len(set(lines))
    finally:
        store.close()


def test_killed_bulk_load_then_merge_mode(tiny_data: Path, tmp_path: Path) -> None:
    """`--mode merge` after a killed bulk load also starts from an empty graph."""
    store = _embedded(tmp_path / "graph")
    try:
        sink = bulk.make_sink(store)
        sink.begin(text_dim=None, graph_dim=None)
        sink.upsert_nodes("User", [{"user_id": "U-stale", "age_band": "20s"}])
        sink._flush()
        sink._join()
        assert bulk.partial_bulk_load(store)
        report = ingest_dataset(store, tiny_data, tmp_path / "state", progress=False, mode="merge")
        assert report.mode == "merge"
        assert not store.read("MATCH (u:User {user_id: 'U-stale'}) RETURN u").rows
        assert not bulk.partial_bulk_load(store)
    finally:
        store.close()


def test_cli_picks_bulk_then_current_then_merge(tmp_path: Path) -> None:
    ds = make_dataset(tmp_path)
    env = {
        **os.environ,
        "TRIPGRAPH_GRAPH__BACKEND": "embedded",
        "TRIPGRAPH_GRAPH__EMBEDDED_DIR": str(tmp_path / "graph"),
        "TRIPGRAPH_RUN_DIR": str(tmp_path / "runs"),
    }
    cli = [str(Path(sys.executable).parent / "tripgraph"), "ingest", "--data", str(ds)]
    first = subprocess.run(cli, capture_output=True, text=True, timeout=300, env=env)
    assert first.returncode == 0, first.stderr
    assert "mode: bulk" in first.stdout
    assert "quarantined" in first.stdout
    second = subprocess.run(cli, capture_output=True, text=True, timeout=300, env=env)
    assert second.returncode == 0, second.stderr
    assert "mode: nothing to do" in second.stdout
    merged = subprocess.run(
        [*cli, "--mode", "merge", "--restart"], capture_output=True, text=True, timeout=300, env=env
    )
    assert merged.returncode == 0 and "mode: merge" in merged.stdout
    refused = subprocess.run(
        [*cli, "--mode", "bulk"], capture_output=True, text=True, timeout=300, env=env
    )
    assert refused.returncode == 4 and "empty graph" in refused.stderr


@pytest.mark.neo4j
@pytest.mark.skipif(not os.environ.get("NEO4J_URI"), reason="NEO4J_URI not set")
@pytest.mark.parametrize("which", ["tiny", "tricky"])
def test_bulk_equals_merge_on_neo4j(which: str, tmp_path: Path, request) -> None:
    from tests.conftest import _neo4j_store

    ds = request.getfixturevalue("tiny_data") if which == "tiny" else _tricky_dataset(tmp_path)
    store = _neo4j_store()
    store.connect()
    store.clear()
    try:
        _compare_bulk_to_merge(store, store, ds, tmp_path)
    finally:
        store.clear()
        store.close()
