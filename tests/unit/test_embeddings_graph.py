"""node2vec and ProNE on tiny graphs: CSR construction, walks that follow edges, the
shifted-PMI factorisation, determinism and a two-community sanity check for both methods.
Full-scale timings live in benchmarks/bench_graph_embeddings.py and in the heavy test at
the bottom."""

from __future__ import annotations

import numpy as np
import pytest

from embeddings.graph import (
    GraphEmbeddingConfig,
    Node2VecConfig,
    ProNEConfig,
    TypedEdges,
    adjacency,
    build_graph,
    fit_graph_embeddings,
    fit_node2vec,
    node2vec_embeddings,
    prone_factorize,
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


def _unit_rows(vectors: dict[str, np.ndarray], ids: list[str]) -> np.ndarray:
    x = np.stack([vectors[i] for i in ids]).astype(np.float64)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.mark.parametrize(
    "config",
    [
        ProNEConfig(dim=8, seed=3),
        ProNEConfig(dim=8, order=1, seed=3),  # factorisation only, no propagation
        Node2VecConfig(dim=16, walk_length=10, walks_per_node=10, epochs=3, batch_walks=64),
    ],
    ids=["prone", "prone-no-propagation", "node2vec"],
)
def test_both_methods_separate_communities(config: GraphEmbeddingConfig) -> None:
    edges, a, b = two_communities()
    result = fit_graph_embeddings(edges, config)
    assert result.method == ("prone" if isinstance(config, ProNEConfig) else "node2vec")
    assert set(result.phase_seconds) >= {"build"} and len(result.phase_seconds) == 3
    assert result.num_nodes == len(result.vectors) == 2 * len(a) + 2
    assert all(v.shape == (config.dim,) and v.dtype == np.float32 for v in result.vectors.values())
    xa, xb = _unit_rows(result.vectors, a), _unit_rows(result.vectors, b)
    within = (np.mean(xa @ xa.T) + np.mean(xb @ xb.T)) / 2
    assert within > float(np.mean(xa @ xb.T)) + 0.3
    again = fit_graph_embeddings(edges, config)
    assert all(np.array_equal(result.vectors[k], again.vectors[k]) for k in result.vectors)


def test_prone_rows_are_unit_and_small_graphs_are_padded() -> None:
    edges = [TypedEdges("R", ["a", "b", "c"], ["b", "c", "d"])]
    result = fit_graph_embeddings(edges, ProNEConfig(dim=16, seed=0))
    x = np.stack(list(result.vectors.values()))
    assert x.shape == (4, 16)
    # 4 nodes give at most 3 singular vectors; the rest of each row is zero padding
    assert np.allclose(x[:, 3:], 0.0)
    assert np.allclose(np.linalg.norm(x, axis=1), 1.0, atol=1e-5)


def test_prone_factorises_the_shifted_pmi_of_the_edges() -> None:
    """Against the definition on a 4-node star + tail: with dim = N - 1 the truncated SVD
    keeps almost all of M, so U Σ^½ (U Σ^½)ᵀ reproduces M's row-space geometry; checked
    here through M itself, which only has entries on edges."""
    edges = [TypedEdges("R", ["hub", "hub", "hub", "x"], ["x", "y", "z", "y"])]
    g = build_graph(edges)
    adj = adjacency(g).toarray()
    p = adj / adj.sum(1, keepdims=True)
    noise = p.sum(0) ** 0.75
    noise /= noise.sum()
    expected = np.where(adj > 0, np.log(np.where(p > 0, p, 1.0)) - np.log(noise)[None, :], 0.0)
    u, s, _ = np.linalg.svd(expected)
    emb = prone_factorize(adjacency(g), ProNEConfig(dim=3, svd_iter=7, seed=0))
    ref = u[:, :3] * np.sqrt(s[:3])
    ref /= np.linalg.norm(ref, axis=1, keepdims=True)
    # same embedding up to an orthogonal transform: equal Gram matrices
    assert np.allclose(emb @ emb.T, ref @ ref.T, atol=1e-6)


def test_config_from_settings_takes_dim_and_seed() -> None:
    settings = Settings(seed=5, embedding={"graph_dim": 32})  # type: ignore[arg-type]
    cfg = Node2VecConfig.from_settings(settings, walks_per_node=2)
    assert (cfg.dim, cfg.seed, cfg.walks_per_node) == (32, 5, 2)
    prone = ProNEConfig.from_settings(settings, order=4)
    assert (prone.dim, prone.seed, prone.order) == (32, 5, 4)


def test_invalid_config_is_rejected() -> None:
    with pytest.raises(ValueError):
        Node2VecConfig(p=0.0)
    with pytest.raises(ValueError):
        build_graph([])
    with pytest.raises(ValueError):
        ProNEConfig(order=0)


@pytest.mark.heavy
def test_prone_embeds_the_full_graph_in_a_minute() -> None:
    from benchmarks.bench_embeddings import synthetic_kg

    result = fit_graph_embeddings(synthetic_kg(seed=0), ProNEConfig(seed=0))
    assert result.num_nodes > 100_000 and result.num_edges > 1_000_000
    assert sum(result.phase_seconds.values()) < 60


@pytest.mark.heavy
def test_node2vec_scales_to_the_full_graph() -> None:
    from benchmarks.bench_embeddings import synthetic_kg

    edges = synthetic_kg(seed=0)
    result = fit_node2vec(edges, Node2VecConfig(seed=0))
    assert result.num_nodes > 100_000 and result.num_edges > 1_000_000
    assert result.walk_seconds + result.train_seconds < 600
