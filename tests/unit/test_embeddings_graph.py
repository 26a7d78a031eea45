"""node2vec on tiny graphs: CSR construction, walks that follow edges, determinism and a
two-community sanity check. The ~120k-node timing lives in benchmarks/bench_embeddings.py
and in the heavy test at the bottom."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.graph import (
    Node2VecConfig,
    TypedEdges,
    build_graph,
    fit_node2vec,
    node2vec_embeddings,
    random_walks,
)
from tripgraph.settings import Settings


def two_communities(size: int = 12, seed: int = 0) -> tuple[list[TypedEdges], list[str], list[str]]:
    """Two dense groups of users around their own merchants, joined by one edge."""
    rng = np.random.default_rng(seed)
    groups = [[f"{name}{i}" for i in range(size)] for name in ("A", "B")]
    src, dst = [], []
    for nodes in groups:
        for i in range(size):
            for j in range(i + 1, size):
                if rng.random() < 0.4:
                    src.append(nodes[i])
                    dst.append(nodes[j])
    src.append(groups[0][0])
    dst.append(groups[1][0])
    cats = TypedEdges("IN_CATEGORY", [groups[0][1], groups[1][1]], ["cat:흑돼지", "cat:카페"])
    return [TypedEdges("VISITED", src, dst), cats], groups[0], groups[1]


def test_build_graph_symmetrises_merges_and_drops_self_loops() -> None:
    edges = [
        TypedEdges("A", ["x", "x", "y"], ["y", "x", "z"]),
        TypedEdges("B", ["y"], ["x"]),  # parallel to x-y: weights add up
    ]
    g = build_graph(edges, type_weights={"B": 2.0})
    assert g.node_ids == ["x", "y", "z"]
    assert g.num_edges == 2
    assert g.degree().tolist() == [1, 2, 1]
    x, y = 0, 1
    slot = g.indptr[x] + np.searchsorted(g.indices[g.indptr[x] : g.indptr[x + 1]], y)
    assert g.weights[slot] == 3.0
    assert g.has_edge(np.array([0, 1, 0]), np.array([1, 2, 2])).tolist() == [True, True, False]


def test_mismatched_edge_lists_are_rejected() -> None:
    with pytest.raises(ValueError):
        TypedEdges("A", ["x"], ["y", "z"])


@pytest.mark.parametrize(("p", "q"), [(1.0, 1.0), (0.25, 4.0), (4.0, 0.25)])
def test_walks_only_follow_edges(p: float, q: float) -> None:
    edges, _, _ = two_communities()
    g = build_graph(edges)
    cfg = Node2VecConfig(walk_length=8, walks_per_node=3, p=p, q=q, seed=1)
    walks = random_walks(g, cfg)
    assert walks.shape == (3 * g.num_nodes, 8)
    assert sorted(walks[:, 0].tolist()) == sorted(list(range(g.num_nodes)) * 3)
    steps_ok = g.has_edge(walks[:, :-1].ravel(), walks[:, 1:].ravel())
    assert steps_ok.all()


def test_low_p_returns_more_often_than_high_p() -> None:
    edges, _, _ = two_communities()
    g = build_graph(edges)

    def return_rate(p: float) -> float:
        w = random_walks(g, Node2VecConfig(walk_length=10, walks_per_node=20, p=p, q=1.0, seed=2))
        return float((w[:, 2:] == w[:, :-2]).mean())

    assert return_rate(0.1) > 2 * return_rate(10.0)


def test_two_communities_separate_and_runs_are_deterministic() -> None:
    edges, a, b = two_communities()
    cfg = Node2VecConfig(
        dim=16, walk_length=10, walks_per_node=10, epochs=3, batch_walks=64, seed=7
    )
    vectors = node2vec_embeddings(edges, cfg)
    assert set(vectors) >= set(a) | set(b) | {"cat:흑돼지", "cat:카페"}
    assert all(v.shape == (16,) and v.dtype == np.float32 for v in vectors.values())

    def unit(ids: list[str]) -> np.ndarray:
        x = np.stack([vectors[i] for i in ids])
        return x / np.linalg.norm(x, axis=1, keepdims=True)

    xa, xb = unit(a), unit(b)
    within = (np.mean(xa @ xa.T) + np.mean(xb @ xb.T)) / 2
    across = float(np.mean(xa @ xb.T))
    assert within > across + 0.3
    # every node's nearest other node is in its own community
    x = np.vstack([xa, xb])
    sims = x @ x.T
    np.fill_diagonal(sims, -np.inf)
    nearest = sims.argmax(1)
    assert ((nearest < len(a)) == (np.arange(len(x)) < len(a))).mean() >= 0.9

    again = node2vec_embeddings(edges, cfg)
    assert all(np.array_equal(vectors[k], again[k]) for k in vectors)


def test_config_from_settings_takes_dim_and_seed() -> None:
    settings = Settings(seed=5, embedding={"graph_dim": 32})  # type: ignore[arg-type]
    cfg = Node2VecConfig.from_settings(settings, walks_per_node=2)
    assert (cfg.dim, cfg.seed, cfg.walks_per_node) == (32, 5, 2)


def test_invalid_config_is_rejected() -> None:
    with pytest.raises(ValueError):
        Node2VecConfig(p=0.0)
    with pytest.raises(ValueError):
        build_graph([])


@pytest.mark.heavy
def test_node2vec_scales_to_the_full_graph() -> None:
    from benchmarks.bench_embeddings import synthetic_kg

    edges = synthetic_kg(seed=0)
    result = fit_node2vec(edges, Node2VecConfig(seed=0))
    assert result.num_nodes > 100_000 and result.num_edges > 1_000_000
    assert result.walk_seconds + result.train_seconds < 600
