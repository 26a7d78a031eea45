"""Graph-embedding backfill with real graph embeddings: the training job's default method
(ProNE) run here on the tiny dataset's merchant–place–category–menu–user graph
(embeddings/graph_job.py), written through the store's vector API; the backfilled merchants
must meet the hard constraints and be the seeds' nearest neighbours in that space."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from agent import neighbours as N
from agent import retrieval as R
from agent.config import AgentConfig
from agent.deps import AgentDeps
from agent.nodes import AgentNodes
from agent.state import Candidate, Slots
from agent.understand import Understander
from embeddings.graph import ProNEConfig
from embeddings.graph_job import train_graph_embeddings
from embeddings.text.factory import make_embedder
from graph_schema.store import GraphStore
from tests.tiny_graph import open_tiny_graph

pytestmark = pytest.mark.integration

GRAPH_K = 10  # neighbours fetched: fewer than the merchants, so "nearest" is a real filter


@pytest.fixture(scope="module")
def store(tiny_data: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphStore]:
    s = open_tiny_graph(
        tiny_data, tmp_path_factory.mktemp("backfill"), "backfill_test", review_vectors=False
    )
    report = train_graph_embeddings(s, ProNEConfig(dim=16, seed=7))
    assert report.merchants_written > 0
    assert (report.method, report.source) == ("prone", "store")
    yield s
    s.close()


@pytest.fixture(scope="module")
def deps(store: GraphStore) -> AgentDeps:
    d = AgentDeps(
        store=store, embedder=make_embedder("hashing"), config=AgentConfig(graph_k=GRAPH_K)
    )
    d.load_vocabulary()
    return d


def _vectors(store: GraphStore) -> dict[str, np.ndarray]:
    ids = [r["id"] for r in store.read("MATCH (m:Merchant) RETURN m.merchant_id AS id").rows]
    got = store.get_vectors("merchant_graph_embedding", ids)
    return {k: np.asarray(v, np.float64) for k, v in got.items()}


def _seeds_and_slots(deps: AgentDeps) -> tuple[list[Candidate], Slots]:
    """The (city, category) with the most merchants: two of them seed the backfill."""
    rows = deps.store.read(
        "MATCH (m:Merchant) RETURN m.city AS city, m.category AS category, "
        "collect(m.merchant_id) AS ids ORDER BY size(ids) DESC, city, category LIMIT 1"
    ).rows
    city, category, ids = rows[0]["city"], rows[0]["category"], sorted(rows[0]["ids"])
    assert len(ids) >= 5, "the tiny dataset has a (city, category) with several merchants"
    return R.fetch_candidates(deps, ids[:2], "cypher"), Slots(city=city, category=category)


def test_backfill_meets_constraints_and_follows_embedding_neighbours(deps: AgentDeps) -> None:
    seeds, slots = _seeds_and_slots(deps)
    have = {s.merchant_id for s in seeds}
    extra, note = N.graph_backfill(deps, seeds, slots, set(have), None, need=6)
    assert extra, note
    assert note == f"그래프 임베딩 보강으로 {len(extra)}곳을 더했어요"
    vectors = _vectors(deps.store)
    nodes = {
        r["m"]["merchant_id"]: r["m"]
        for r in deps.store.read(
            "MATCH (m:Merchant) WHERE m.merchant_id IN $ids RETURN m",
            {"ids": [c.merchant_id for c in extra]},
        ).rows
    }
    for c in extra:
        assert c.sources == ["graph_embedding"] and c.merchant_id not in have
        # Hard constraints, checked against the stored node rather than the candidate.
        assert nodes[c.merchant_id]["city"] == slots.city
        assert nodes[c.merchant_id]["category"] == slots.category
        assert not c.relaxed

    # Nearest neighbours of the seeds' centroid, computed here from the stored vectors.
    centroid = np.mean([vectors[s.merchant_id] for s in seeds], axis=0)
    centroid /= np.linalg.norm(centroid)
    cos = {mid: float(v @ centroid / (np.linalg.norm(v) or 1.0)) for mid, v in vectors.items()}
    ranked = sorted(cos, key=lambda m: -cos[m])
    nearest = set(ranked[:GRAPH_K])
    assert {c.merchant_id for c in extra} <= nearest
    # Among the merchants that meet the constraints, the backfill took the nearest ones.
    eligible_rows = deps.store.read(
        "MATCH (m:Merchant) WHERE m.city = $city AND m.category = $cat RETURN m.merchant_id AS id",
        {"city": slots.city, "cat": slots.category},
    ).rows
    eligible = [m for m in ranked if m in {r["id"] for r in eligible_rows} and m not in have]
    expected = [m for m in eligible if m in nearest][:6]
    assert [c.merchant_id for c in extra] == expected
    # And they are closer to the seeds than the eligible merchants it left out.
    left_out = [m for m in eligible if m not in expected]
    if left_out:
        assert min(cos[c.merchant_id] for c in extra) >= max(cos[m] for m in left_out)


def test_backfill_node_adds_embedding_neighbours_with_evidence(deps: AgentDeps) -> None:
    seeds, slots = _seeds_and_slots(deps)
    nodes = AgentNodes(deps, Understander(None, "gazetteer"))
    update = nodes.backfill({"question": "q", "slots": slots, "candidates": seeds})
    added = [c for c in update["candidates"] if "graph_embedding" in c.sources]
    assert added and len(update["candidates"]) <= deps.config.backfill_below + len(seeds)
    assert all(c.category == slots.category and c.city == slots.city for c in added)
    assert all(c.snippets for c in added), "backfilled merchants get review snippets to cite"
    assert not any("아직 없어" in n for n in update["notes"])


def test_refit_only_when_the_graph_or_settings_change(
    tiny_data: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    s = open_tiny_graph(
        tiny_data, tmp_path_factory.mktemp("refit"), "refit_test", review_vectors=False
    )
    try:
        config = ProNEConfig(dim=16, seed=7)
        assert not train_graph_embeddings(s, config).current
        again = train_graph_embeddings(s, config)
        assert again.current and again.merchants_written == 0
        assert train_graph_embeddings(s, config, force=True).merchants_written > 0
        assert not train_graph_embeddings(s, ProNEConfig(dim=16, seed=7, order=5)).current
        s.write("MATCH (:Merchant)-[r:SERVES]->(:Menu) WITH r LIMIT 1 DELETE r")
        assert not train_graph_embeddings(s, config).current
        assert train_graph_embeddings(s, config).current
    finally:
        s.close()
