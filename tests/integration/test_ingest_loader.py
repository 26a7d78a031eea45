"""Ingest on the embedded graph: idempotency, quarantine of bad rows, resume after a crash."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from graph_schema.falkordb_store import EmbeddedFalkorDBStore
from ingest.loader import ingest_dataset

pytestmark = pytest.mark.integration

MERCHANT = {
    "name": "애월 흑돼지",
    "category": "흑돼지",
    "region": "애월읍",
    "city": "제주시",
    "address": "제주시 애월읍",
    "lat": 33.46,
    "lon": 126.33,
    "price_level": 3,
    "avg_price": 30000,
    "rating": 4.5,
    "review_count": 2,
    "parking": True,
    "ocean_view": False,
    "kid_friendly": True,
    "group_seating": True,
    "quiet": False,
    "pet_friendly": False,
    "share_20s": 0.25,
    "share_30s": 0.25,
    "share_40s": 0.25,
    "share_50plus": 0.25,
    "share_family": 0.4,
    "share_couple": 0.3,
    "share_friends": 0.2,
    "share_solo": 0.1,
    "local_share": 0.3,
    "busy_hours": "18-20",
}


def _jsonl(path: Path, rows: list[object]) -> None:
    with path.open("w", encoding="utf-8") as fh:
        for r in rows:
            fh.write((r if isinstance(r, str) else json.dumps(r, ensure_ascii=False)) + "\n")


def make_dataset(root: Path, n_reviews: int = 30) -> Path:
    d = root / "ds"
    d.mkdir()
    _jsonl(
        d / "places.jsonl",
        [
            {"place_id": "KR", "name": "대한민국", "level": "country", "parent_id": None},
            {"place_id": "KR-CJU", "name": "제주시", "level": "city", "parent_id": "KR"},
            {
                "place_id": "KR-CJU-aewol",
                "name": "애월읍",
                "level": "region",
                "parent_id": "KR-CJU",
                "aliases": ["애월"],
            },
        ],
    )
    _jsonl(
        d / "merchants.jsonl",
        [
            {**MERCHANT, "merchant_id": "M1"},
            {**MERCHANT, "merchant_id": "M2", "name": "애월 카페", "category": "카페"},
            {**MERCHANT, "merchant_id": "M3", "share_20s": 1.7},  # bad share
            {**MERCHANT, "merchant_id": "M4", "region": "없는동"},  # unknown region
            "{not json",  # unparseable
        ],
    )
    (d / "merchant_menus.csv").write_text(
        textwrap.dedent("""\
        merchant_id,menu,price,signature
        M1,흑돼지 오겹살,18000,true
        M1,김치찌개,9000,false
        M9,유령메뉴,1000,false
        M2,아메리카노,oops,false
        """),
        encoding="utf-8",
    )
    _jsonl(
        d / "users.jsonl",
        [{"user_id": f"U{i}", "age_band": "30s", "party_type": "family"} for i in range(5)]
        + [{"user_id": "U9", "age_band": "teen"}],
    )
    _jsonl(
        d / "products.jsonl",
        [
            {
                "product_id": "P1",
                "name": "제주 2박3일",
                "product_type": "package",
                "country_code": "KR",
                "city_code": "CJU",
                "price": 300000,
                "price_band": "mid",
                "nights": 2,
            },
        ],
    )
    _jsonl(d / "product_places.jsonl", [{"product_id": "P1", "place_id": "KR-CJU-aewol", "day": 1}])
    _jsonl(
        d / "reviews.jsonl",
        [
            {
                "review_id": f"R{i}",
                "merchant_id": "M1" if i % 2 else "M2",
                "user_id": f"U{i % 5}",
                "text": f"맛있어요 {i}",
                "rating": 5,
                "party_type": "가족",
            }
            for i in range(n_reviews)
        ]
        + [
            {"review_id": "RX", "merchant_id": "M404", "text": "없는 가게", "rating": 3},
            {"review_id": "RY", "merchant_id": "M1", "text": "별점 이상", "rating": 9},
        ],
    )
    _jsonl(
        d / "clicks.jsonl",
        [
            {"user_id": "U1", "product_id": "P1", "session_id": 1, "ts": 100},
            {"user_id": "U1", "product_id": "P1", "session_id": 1, "ts": 160},
            {"user_id": "U2", "product_id": "P1", "session_id": 2, "ts": 50},
            {"user_id": "U2", "product_id": "P404", "session_id": 2, "ts": 60},
        ],
    )
    return d


@pytest.fixture
def embedded(tmp_path: Path):
    store = EmbeddedFalkorDBStore(tmp_path / "graph", "ingest_test")
    store.connect()
    yield store
    store.close()


def test_ingest_counts_quarantine_and_idempotency(tmp_path: Path, embedded) -> None:
    ds = make_dataset(tmp_path)
    state = tmp_path / "state"
    report = ingest_dataset(embedded, ds, state, batch_size=7, progress=False, text_dim=4)
    counts = embedded.counts()
    assert counts.nodes["Merchant"] == 2
    assert counts.nodes["Review"] == 30
    assert counts.nodes["Category"] == 2
    assert counts.relationships["ABOUT"] == 30 and counts.relationships["WROTE"] == 30
    assert counts.relationships["SERVES"] == 2
    assert counts.relationships["IN"] == 2 and counts.relationships["LOCATED_IN"] == 2
    viewed = embedded.read(
        "MATCH (u:User {user_id: 'U1'})-[v:VIEWED]->(p:Product) RETURN v.count AS c, v.ts AS ts"
    ).single()
    assert viewed == {"c": 2, "ts": 160}

    entries = [json.loads(x) for x in Path(report.quarantine_file).read_text().splitlines()]
    reasons = {(e["file"], e["line"]): e["reason"] for e in entries}
    assert report.quarantined == len(entries) == 9
    assert "share_20s" in reasons[("merchants.jsonl", 3)]
    assert "unknown region" in reasons[("merchants.jsonl", 4)]
    assert "invalid JSON" in reasons[("merchants.jsonl", 5)]
    assert "unknown merchant" in reasons[("merchant_menus.csv", 4)]
    assert "price" in reasons[("merchant_menus.csv", 5)]
    assert "age_band" in reasons[("users.jsonl", 6)]
    assert "unknown merchant" in reasons[("reviews.jsonl", 31)]
    assert "rating" in reasons[("reviews.jsonl", 32)]
    assert "unknown product" in reasons[("clicks.jsonl", 4)]

    fingerprint = embedded.fingerprint()
    again = ingest_dataset(embedded, ds, state, batch_size=7, progress=False, resume=False)
    assert embedded.counts() == counts
    assert embedded.fingerprint() == fingerprint
    assert again.quarantined == 9

    # With the checkpoint: the graph holds the completed load, so nothing is read again.
    current = ingest_dataset(embedded, ds, state, batch_size=7, progress=False)
    assert current.mode == "current" and current.files == []
    assert embedded.fingerprint() == fingerprint
    # Lost data is not "current": every row is upserted again and the graph is whole.
    embedded.write("MATCH (r:Review) WITH r LIMIT 5 DETACH DELETE r")
    repaired = ingest_dataset(embedded, ds, state, batch_size=7, progress=False)
    assert repaired.mode == "merge"
    assert embedded.fingerprint() == fingerprint


CRASHING_INGEST = """
import sys, os, signal
from pathlib import Path
from graph_schema.falkordb_store import EmbeddedFalkorDBStore
from graph_schema.store import GraphStore
from ingest.loader import ingest_dataset

calls = 0
original = GraphStore.upsert_nodes
def upsert_then_die(self, label, rows):
    global calls
    out = original(self, label, rows)
    if label == "Review":
        calls += 1
        if calls == 3:
            os.kill(os.getpid(), signal.SIGKILL)  # a crash mid-run, after a committed batch
    return out
GraphStore.upsert_nodes = upsert_then_die
store = EmbeddedFalkorDBStore(Path(sys.argv[1]), "ingest_test")
store.connect()
ingest_dataset(store, Path(sys.argv[2]), Path(sys.argv[3]), batch_size=10, progress=False)
"""


def test_resume_after_kill_has_no_duplicates(tmp_path: Path) -> None:
    ds = make_dataset(tmp_path, n_reviews=60)
    graph_dir, state = tmp_path / "graph", tmp_path / "state"
    proc = subprocess.run(
        [sys.executable, "-c", CRASHING_INGEST, str(graph_dir), str(ds), str(state)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    checkpoint = json.loads(next(state.glob("ingest-*.json")).read_text())
    assert 0 < checkpoint["done"]["reviews"] < 62
    assert "complete" not in checkpoint["done"]

    store = EmbeddedFalkorDBStore(graph_dir, "ingest_test")
    store.connect()
    try:
        ingest_dataset(store, ds, state, batch_size=10, progress=False)
        counts = store.counts()
        assert counts.nodes["Review"] == 60
        assert counts.relationships["ABOUT"] == 60
        dupes = store.read(
            "MATCH (r:Review) WITH r.review_id AS id, count(*) AS n "
            "WHERE n > 1 RETURN count(id) AS d"
        ).value("d")
        assert dupes == 0
        lines = next(state.glob("quarantine-*.jsonl")).read_text().splitlines()
        # Rows quarantined before the crash are not written again on resume.
        assert len(lines) == len({(json.loads(x)["file"], json.loads(x)["line"]) for x in lines})
    finally:
        store.close()
        os.environ.pop("UNUSED", None)
