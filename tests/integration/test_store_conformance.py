"""One conformance suite for every GraphStore backend (embedded FalkorDBLite, a FalkorDB
server, Neo4j)."""

from __future__ import annotations

import os
import signal
import time

import pytest

from graph_schema import model
from graph_schema.store import GraphStore, GraphStoreError, ReadOnlyViolation

TEXT_DIM, GRAPH_DIM = 4, 3


def _seed(store: GraphStore) -> None:
    store.ensure_schema(text_dim=TEXT_DIM, graph_dim=GRAPH_DIM)
    store.upsert_nodes(
        "Place",
        [
            {"place_id": "KR-JEJU", "name": "제주시", "name_en": "Jeju-si", "level": "city"},
            {"place_id": "KR-JEJU-aewol", "name": "애월읍", "name_en": "Aewol", "level": "region"},
        ],
    )
    store.upsert_nodes(
        "Merchant",
        [
            {
                "merchant_id": "M1",
                "name": "애월 흑돼지 명가",
                "category": "흑돼지",
                "parking": True,
                "price_level": 3,
                "rating": 4.5,
            },
            {
                "merchant_id": "M2",
                "name": "한담 바다 카페",
                "category": "카페",
                "parking": False,
                "price_level": 2,
                "rating": 4.1,
            },
        ],
    )
    store.upsert_nodes(
        "Review",
        [
            {
                "review_id": "R1",
                "merchant_id": "M1",
                "text": "흑돼지가 정말 맛있고 주차 편해요",
                "rating": 5,
                "embedding": [1.0, 0.0, 0.0, 0.0],
            },
            {
                "review_id": "R2",
                "merchant_id": "M2",
                "text": "바다 보이는 카페, 커피 맛있어요",
                "rating": 4,
                "embedding": [0.0, 1.0, 0.0, 0.0],
            },
            {
                "review_id": "R3",
                "merchant_id": "M1",
                "text": "부모님 모시고 갔는데 좋아하셨어요",
                "rating": 4,
                "embedding": [0.8, 0.2, 0.0, 0.0],
            },
        ],
    )
    store.upsert_relationships("IN", [{"start": "KR-JEJU-aewol", "end": "KR-JEJU"}])
    store.upsert_relationships(
        "LOCATED_IN",
        [{"start": "M1", "end": "KR-JEJU-aewol"}, {"start": "M2", "end": "KR-JEJU-aewol"}],
    )
    store.upsert_relationships(
        "ABOUT",
        [{"start": "R1", "end": "M1"}, {"start": "R2", "end": "M2"}, {"start": "R3", "end": "M1"}],
    )


def test_upserts_are_idempotent(store: GraphStore) -> None:
    _seed(store)
    first = store.counts()
    _seed(store)
    second = store.counts()
    assert first.nodes == second.nodes and first.relationships == second.relationships
    assert first.nodes["Merchant"] == 2 and first.nodes["Review"] == 3
    assert first.relationships["ABOUT"] == 3 and first.relationships["IN"] == 1


def test_upsert_updates_properties_and_skips_missing_ends(store: GraphStore) -> None:
    _seed(store)
    store.upsert_nodes("Merchant", [{"merchant_id": "M1", "rating": 4.9}])
    row = store.read("MATCH (m:Merchant {merchant_id: 'M1'}) RETURN m.rating AS r, m.name AS n")
    assert row.single() == {"r": 4.9, "n": "애월 흑돼지 명가"}
    linked = store.upsert_relationships("ABOUT", [{"start": "R1", "end": "NOPE"}])
    assert linked == 0


def test_read_returns_plain_nodes_without_vectors(store: GraphStore) -> None:
    _seed(store)
    result = store.read(
        "MATCH (r:Review)-[a:ABOUT]->(m:Merchant) WHERE m.merchant_id = $id "
        "RETURN r, a, m.name AS name ORDER BY r.review_id",
        {"id": "M1"},
    )
    assert result.columns == ["r", "a", "name"]
    assert [row["r"]["review_id"] for row in result.rows] == ["R1", "R3"]
    assert result.rows[0]["r"]["_labels"] == ["Review"]
    assert "embedding" not in result.rows[0]["r"]
    assert result.rows[0]["a"]["_type"] == "ABOUT"


def test_read_row_limit_marks_truncation(store: GraphStore) -> None:
    _seed(store)
    result = store.read("MATCH (r:Review) RETURN r.review_id AS id", max_rows=2)
    assert len(result.rows) == 2 and result.truncated


@pytest.mark.parametrize(
    "query",
    [
        "CREATE (n:Merchant {merchant_id: 'X'})",
        "MATCH (m:Merchant) SET m.rating = 0",
        "MATCH (m:Merchant) DETACH DELETE m",
        "MATCH (m:Merchant) RETURN m; MATCH (n) DELETE n",
        "MERGE (m:Merchant {merchant_id: 'X'}) RETURN m",
    ],
)
def test_read_path_refuses_writes_and_changes_nothing(store: GraphStore, query: str) -> None:
    _seed(store)
    before = store.fingerprint()
    with pytest.raises(ReadOnlyViolation):
        store.read(query)
    assert store.fingerprint() == before


def test_engine_refuses_writes_even_past_the_static_check(store: GraphStore) -> None:
    # Bypass the parser on purpose: the engine's read-only mode is the second gate.
    _seed(store)
    before = store.fingerprint()
    with pytest.raises(ReadOnlyViolation):
        store._run_read(
            "MATCH (m:Merchant) SET m.rating = 0 RETURN m", {}, timeout_ms=5000, max_rows=10
        )
    assert store.fingerprint() == before


def test_explain_classifies_queries(store: GraphStore) -> None:
    _seed(store)
    assert store.explain_is_read_only("MATCH (m:Merchant) RETURN m.name")
    assert not store.explain_is_read_only("MATCH (m:Merchant) SET m.rating = 1")
    assert not store.explain_is_read_only("CREATE (n:Merchant {merchant_id: 'Z'})")
    assert store.counts().nodes["Merchant"] == 2


def test_vector_index_finds_nearest_reviews(store: GraphStore) -> None:
    _seed(store)
    hits = store.vector_search("review_embedding", [1.0, 0.05, 0.0, 0.0], k=2)
    assert [h.node["review_id"] for h in hits] == ["R1", "R3"]
    assert hits[0].score == pytest.approx(0.9988, abs=1e-3)  # cosine similarity
    assert hits[0].score >= hits[1].score
    assert "embedding" not in hits[0].node


def test_set_vectors_then_graph_embedding_index(store: GraphStore) -> None:
    _seed(store)
    n = store.set_vectors(
        "Merchant", "graph_embedding", [("M1", [1.0, 0.0, 0.0]), ("M2", [0.0, 1.0, 0.0])]
    )
    assert n == 2
    hits = store.vector_search("merchant_graph_embedding", [0.1, 1.0, 0.0], k=1)
    assert hits[0].node["merchant_id"] == "M2"


def test_fulltext_index_matches_korean_words(store: GraphStore) -> None:
    _seed(store)
    # Populating a full-text index can be asynchronous; give it a moment.
    for _ in range(20):
        hits = store.fulltext_search("merchant_name", "흑돼지", k=5)
        if hits:
            break
        time.sleep(0.25)
    assert [h.node["merchant_id"] for h in hits] == ["M1"]


def test_ensure_schema_drops_retired_fulltext_indexes(store: GraphStore) -> None:
    # A graph built by an earlier version still has them; each costs load time.
    retired = model.RETIRED_FULLTEXT_INDEXES[0]
    for stmt in store.dialect.create_fulltext_index(retired):
        store.write(stmt)
    assert retired.name in store._existing_index_names()
    store.ensure_schema(text_dim=TEXT_DIM, graph_dim=GRAPH_DIM)
    existing = store._existing_index_names()
    assert retired.name not in existing
    assert {f.name for f in model.FULLTEXT_INDEXES} <= existing


def test_uniqueness_constraint_rejects_duplicates(store: GraphStore) -> None:
    _seed(store)
    store.ensure_schema(text_dim=TEXT_DIM, graph_dim=GRAPH_DIM)  # idempotent
    # FalkorDB builds constraints asynchronously: wait until it holds.
    for _ in range(40):
        try:
            store.write("CREATE (:Merchant {merchant_id: 'M1'})")
        except GraphStoreError:
            break
        store.write("MATCH (m:Merchant {merchant_id: 'M1'}) WHERE m.name IS NULL DELETE m")
        time.sleep(0.25)
    else:
        pytest.fail("duplicate merchant_id was accepted")
    assert store.counts().nodes["Merchant"] == 2


def test_syntax_errors_raise_store_errors(store: GraphStore) -> None:
    with pytest.raises(GraphStoreError):
        store.read("MATCH (m:Merchant RETURN m")


def test_schema_text_lists_model(store: GraphStore) -> None:
    text = store.schema_text()
    assert "(:Review)-[:ABOUT]->(:Merchant)" in text
    assert "embedding" not in text.split("Relationships:")[0].split("(:Review")[1].split(")")[0]


def test_embedded_store_restarts_its_child_process(any_store: GraphStore) -> None:
    from graph_schema.falkordb_store import EmbeddedFalkorDBStore

    if not isinstance(any_store, EmbeddedFalkorDBStore):
        pytest.skip("embedded backend only")
    any_store.clear()
    _seed(any_store)
    pid = any_store.server_pid
    assert pid
    os.kill(pid, signal.SIGKILL)
    time.sleep(0.5)
    # Written data survives (redis persists on shutdown/snapshot); at minimum the store
    # answers again without the caller doing anything.
    result = any_store.read("RETURN 1 AS one")
    assert result.value("one") == 1
    assert any_store.server_pid != pid


# ------------------------------------------------------------- vector store methods
def test_vector_search_keys_and_similarities(store: GraphStore) -> None:
    _seed(store)
    keys = store.vector_search_keys("review_embedding", [1.0, 0.05, 0.0, 0.0], k=2)
    assert [k for k, _ in keys] == ["R1", "R3"]
    assert keys[0][1] == pytest.approx(0.9988, abs=1e-3)
    sims = store.vector_similarities("review_embedding", ["R1", "R2", "R3", "NOPE"], [1, 0, 0, 0])
    assert set(sims) == {"R1", "R2", "R3"}
    assert sims["R1"] == pytest.approx(1.0, abs=1e-3)
    assert sims["R2"] == pytest.approx(0.0, abs=1e-3)
    assert sims["R3"] == pytest.approx(0.8 / (0.8**2 + 0.2**2) ** 0.5, abs=2e-3)


def test_get_and_delete_vectors(store: GraphStore) -> None:
    _seed(store)
    got = store.get_vectors("review_embedding", ["R2", "NOPE"])
    assert list(got) == ["R2"]
    assert got["R2"].tolist() == pytest.approx([0.0, 1.0, 0.0, 0.0], abs=1e-3)
    assert store.delete_vectors("review_embedding", ["R2"]) == 1
    assert store.get_vectors("review_embedding", ["R2"]) == {}
    hits = store.vector_search_keys("review_embedding", [0.0, 1.0, 0.0, 0.0], k=3)
    assert "R2" not in [k for k, _ in hits]


def test_set_vectors_skips_missing_nodes(store: GraphStore) -> None:
    _seed(store)
    n = store.set_vectors(
        "Merchant", "graph_embedding", [("M1", [1.0, 0, 0]), ("GONE", [0, 1.0, 0])]
    )
    assert n == 1
    assert list(store.get_vectors("merchant_graph_embedding", ["M1", "GONE"])) == ["M1"]


def test_set_vectors_in_many_transactions_writes_every_row(
    store: GraphStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Large segments are split into transactions (Cypher backends): none is dropped."""
    from graph_schema import store as store_module
    from graph_schema.vector_check import text_fingerprint

    _seed(store)
    monkeypatch.setattr(store_module, "VECTOR_WRITE_ROWS", 2)
    texts = {
        r["id"]: r["t"]
        for r in store.read("MATCH (r:Review) RETURN r.review_id AS id, r.text AS t").rows
    }
    keys = ["R1", "GONE", "R2", "R3"]
    n = store.set_vectors(
        "Review",
        "embedding",
        [(k, [0.5, 0.5, float(i), 0.0]) for i, k in enumerate(keys)],
        fingerprints=[text_fingerprint(texts.get(k)) for k in keys],
    )
    assert n == 3
    got = store.get_vectors("review_embedding", keys)
    assert sorted(got) == ["R1", "R2", "R3"]
    assert got["R3"].tolist() == pytest.approx([0.5, 0.5, 3.0, 0.0], abs=1e-2)
    assert store.vector_status("review_embedding", full=True).ok


def test_vector_status_flags_changed_added_and_deleted_reviews(store: GraphStore) -> None:
    from graph_schema.vector_check import text_fingerprint

    _seed(store)
    texts = {
        r["id"]: r["t"]
        for r in store.read("MATCH (r:Review) RETURN r.review_id AS id, r.text AS t").rows
    }
    # Vectors written with the fingerprint of their text: everything agrees.
    store.set_vectors(
        "Review",
        "embedding",
        [("R1", [1.0, 0, 0, 0]), ("R2", [0, 1.0, 0, 0]), ("R3", [0.8, 0.2, 0, 0])],
        fingerprints=[text_fingerprint(texts[k]) for k in ("R1", "R2", "R3")],
    )
    assert store.vector_status("review_embedding").ok
    full = store.vector_status("review_embedding", full=True)
    assert full.ok and (full.missing, full.changed, full.extra) == (0, 0, 0)
    assert full.nodes == 3 and full.vectors == 3
    # The text of R1 changes (longer), R4 arrives, R2 is deleted.
    store.upsert_nodes("Review", [{"review_id": "R1", "text": texts["R1"] + " 재방문 의사 있어요"}])
    store.upsert_nodes("Review", [{"review_id": "R4", "merchant_id": "M2", "text": "새 리뷰"}])
    store.write("MATCH (r:Review {review_id: 'R2'}) DETACH DELETE r")
    cheap = store.vector_status("review_embedding")
    assert not cheap.ok and cheap.level == "cheap" and cheap.detail
    full = store.vector_status("review_embedding", full=True)
    diff = store.vector_diff("review_embedding")
    assert (diff.missing, diff.changed) == (["R4"], ["R1"])
    # A deleted review's vector is left over where vectors live beside the graph (FalkorDB
    # sidecar); where they live on the nodes (Neo4j) it went with the node.
    assert diff.extra == (["R2"] if store.dialect.name == "falkordb" else [])
    assert not full.ok and (full.missing, full.changed, full.extra) == (1, 1, len(diff.extra))


def test_cheap_check_sees_a_same_count_edit(store: GraphStore) -> None:
    from graph_schema.vector_check import text_fingerprint

    _seed(store)
    rows = store.read("MATCH (r:Review) RETURN r.review_id AS id, r.text AS t").rows
    store.set_vectors(
        "Review",
        "embedding",
        [(r["id"], [1.0, 0.0, 0.0, 0.0]) for r in rows],
        fingerprints=[text_fingerprint(r["t"]) for r in rows],
    )
    store.upsert_nodes("Review", [{"review_id": "R3", "text": "짧아요"}])
    status = store.vector_status("review_embedding")
    assert not status.ok and "changed" in status.detail
