"""`embed` reconciles the review vectors with the graph: a review added, changed or deleted
in the graph is flagged by the store's check before `embed` and reflected after it; the
vectors survive a reopen (in another process); vectors an older version stored in FalkorDB
are moved into the sidecar and FalkorDB's own vector index is dropped."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agent.deps import AgentDeps
from agent.service import AgentService
from embeddings.text.base import Embedder
from embeddings.text.factory import make_embedder
from graph_schema.falkordb_store import EmbeddedFalkorDBStore
from ingest.embed_reviews import embed_reviews
from tests.tiny_graph import open_tiny_graph

pytestmark = pytest.mark.integration

INDEX = "review_embedding"
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def store(
    tiny_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[EmbeddedFalkorDBStore]:
    s = open_tiny_graph(tiny_data, tmp_path_factory.mktemp("reconcile"), "reconcile_test")
    yield s
    s.close()


@pytest.fixture(scope="module")
def embedder() -> Embedder:
    e = make_embedder("hashing")
    e.load()
    return e


def _review(store: EmbeddedFalkorDBStore, offset: int = 0) -> dict[str, Any]:
    return store.read(
        "MATCH (r:Review)-[:ABOUT]->(m:Merchant) RETURN r.review_id AS id, r.text AS text, "
        "m.merchant_id AS merchant_id ORDER BY id SKIP $o LIMIT 1",
        {"o": offset},
    ).single()


def test_embedded_graph_starts_consistent(store: EmbeddedFalkorDBStore, embedder: Embedder) -> None:
    cheap = store.vector_status(INDEX)
    full = store.vector_status(INDEX, full=True)
    assert cheap.ok and full.ok, (cheap, full)
    assert full.vectors == full.nodes > 0
    assert store.vector_tag(INDEX) == f"{embedder.name}:{embedder.dimension}"
    again = embed_reviews(store, embedder, progress=False)
    assert again.embedded == 0 and again.up_to_date == full.nodes


def test_added_changed_deleted_are_flagged_then_reconciled(
    store: EmbeddedFalkorDBStore,
    embedder: Embedder,
) -> None:
    changed, deleted = _review(store, 0), _review(store, 1)
    new_text = "완전히 새로 쓴 리뷰: 오션뷰 카페인데 주차가 편해요"
    store.upsert_nodes(
        "Review", [{"review_id": changed["id"], "text": changed["text"] + " 또 올게요"}]
    )
    store.upsert_nodes(
        "Review", [{"review_id": "RNEW1", "merchant_id": changed["merchant_id"], "text": new_text}]
    )
    store.upsert_relationships("ABOUT", [{"start": "RNEW1", "end": changed["merchant_id"]}])
    store.write("MATCH (r:Review {review_id: $id}) DETACH DELETE r", {"id": deleted["id"]})

    assert not store.vector_status(INDEX).ok  # the cheap check on open sees it
    service = AgentService(AgentDeps(store=store, embedder=embedder))
    status = service.check_vectors()
    assert status is not None and not status.ok
    assert any("tripgraph embed" in n for n in service._vector_notes())
    full = store.vector_status(INDEX, full=True)
    assert (full.missing, full.changed, full.extra) == (1, 1, 1)

    report = embed_reviews(store, embedder, progress=False)
    assert (report.new, report.changed, report.deleted, report.embedded) == (1, 1, 1, 2)
    assert store.vector_status(INDEX, full=True).ok and store.vector_status(INDEX).ok
    assert service.check_vectors() and service._vector_notes() == []
    # The changed review's vector is the one of its new text; the new review is findable.
    want = np.asarray(embedder.embed_documents([changed["text"] + " 또 올게요"])[0])
    got = store.get_vectors(INDEX, [changed["id"]])[changed["id"]]
    assert float(got @ want / np.linalg.norm(got) / np.linalg.norm(want)) > 0.999
    hits = store.vector_search(INDEX, embedder.embed_query(new_text), k=3)
    assert hits[0].node["review_id"] == "RNEW1" and "embedding" not in hits[0].node
    assert deleted["id"] not in store.get_vectors(INDEX, [deleted["id"]])


def test_vectors_survive_a_reopen_in_another_process(
    store: EmbeddedFalkorDBStore,
    embedder: Embedder,
) -> None:
    store.flush_vectors()
    probe = _review(store, 2)
    vector = embedder.embed_query(probe["text"])
    code = (
        "import json, sys; sys.path.insert(0, sys.argv[1]); from pathlib import Path; "
        "from graph_schema.vector_index import VectorIndex; "
        "vi = VectorIndex(Path(sys.argv[2]), 'review_embedding'); vi.open(); "
        "print(json.dumps(vi.search(json.loads(sys.argv[3]), 1)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(ROOT), str(store.vectors_dir), json.dumps(vector)],
        check=True,
        capture_output=True,
        text=True,
    )
    (key, score), *_ = json.loads(out.stdout)
    assert key == probe["id"] and score > 0.99


def test_legacy_vectors_in_falkordb_are_migrated(
    store: EmbeddedFalkorDBStore,
    embedder: Embedder,
) -> None:
    probe = _review(store, 3)
    vec = np.asarray(embedder.embed_documents([probe["text"]])[0], dtype=np.float32)
    # What an older version left: the vector on the node, in FalkorDB's own index.
    store.reset_vectors(INDEX)
    store.write(
        f"CREATE VECTOR INDEX FOR (n:Review) ON (n.embedding) "
        f"OPTIONS {{dimension: {embedder.dimension}, similarityFunction: 'cosine'}}"
    )
    store.write(
        "MATCH (r:Review {review_id: $id}) SET r.embedding = vecf32($v)",
        {"id": probe["id"], "v": vec.tolist()},
    )
    assert "review_embedding" in store._existing_index_names()
    report = embed_reviews(store, embedder, progress=False)
    assert report.migrated == 1
    assert report.embedded == report.new == store.vector_status(INDEX).nodes - 1
    assert "review_embedding" not in store._existing_index_names()
    left = store.read("MATCH (r:Review) WHERE r.embedding IS NOT NULL RETURN count(r) AS n")
    assert left.value("n") == 0
    assert store.vector_status(INDEX, full=True).ok
