"""Graph embeddings: node2vec on the heterogeneous knowledge graph.

node2vec (Grover & Leskovec, KDD 2016) learns one vector per node so that nodes which
co-occur on short biased random walks get a high dot product. A walk that arrived at `v`
from `u` moves to a neighbour `x` of `v` with probability proportional to
`alpha(u, x) * w(v, x)`, where `w` is the edge weight and

    alpha = 1/p  if x == u          (return)
            1    if x is adjacent to u   (stay near: BFS-like)
            1/q  otherwise          (move outward: DFS-like).

Walk windows are then trained with skip-gram and negative sampling (word2vec):

    loss = -log σ(e_c · e_o) - Σ_{n ~ P_neg} log σ(-e_c · e_n),   P_neg ∝ freq^0.75.

Why not `torch_geometric.nn.Node2Vec`: its random walks need `torch-cluster` or `pyg-lib`,
and neither has a wheel on PyPI for the torch in our lock (torch-cluster ships only an
sdist that needs a C++/CUDA build; pyg-lib wheels live on PyG's own index, which we cannot
reach). The walks here are vectorised numpy over a CSR adjacency: every step moves all
walkers at once, and the (p, q) bias is applied by rejection sampling (propose by edge
weight, accept with probability alpha / max(alpha)), which is exact and needs no per-node
alias tables. Everything is seeded; on CPU two runs with the same seed give the same vectors.

The graph is treated as undirected: relationships such as LOCATED_IN or IN_CATEGORY carry
similarity both ways. Each relationship type can carry its own weight (`type_weights`).

ProNE (Zhang et al., IJCAI 2019, "ProNE: Fast and Scalable Network Representation
Learning") is the fast alternative and the default of the training job: the same
proximity node2vec learns from walks is written down as one sparse matrix and factorised,
then smoothed over the graph with a spectral filter. Two steps:

1. Sparse matrix factorisation. On every edge (i, j) — and only there, so the matrix keeps
   the graph's sparsity —

       M_ij = log p(j | i) - log P_neg(j),   p(j | i) = A_ij / d_i,
       P_neg(j) ∝ (Σ_i p(j | i))^0.75,

   the shifted PMI that skip-gram with negative sampling factorises implicitly (Levy &
   Goldberg 2014), truncated to first-order pairs. A randomised truncated SVD
   (Halko et al. 2011) gives M ≈ U Σ Vᵀ and the embedding R = U Σ^½.
2. Spectral propagation. With the normalised Laplacian L = I - D⁻¹(I + A) and the band-pass
   filter g(λ) = exp(-θ/2 · ((λ - μ)² - 2)) expanded in Chebyshev polynomials (coefficients
   from the modified Bessel functions Iₖ(θ)), R ← SVD((I + A)(R - g(L) R)): a few sparse
   matrix products that spread each node's vector over its higher-order neighbourhood.

Both steps cost O(|E|·dim) sparse products and one O(N·dim²) QR per power iteration; on the
full graph (~130k nodes, ~1M edges) that is seconds where node2vec's walks and skip-gram
take half an hour on 2 cores. Seeded: the randomised SVD draws from `seed`.
"""

from __future__ import annotations

import math
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

import numpy as np
import scipy.sparse as sp

if TYPE_CHECKING:
    from tripgraph.settings import Settings


@dataclass(frozen=True)
class TypedEdges:
    """One relationship type as parallel lists of source and target node ids."""

    rel_type: str
    src: Sequence[str]
    dst: Sequence[str]

    def __post_init__(self) -> None:
        if len(self.src) != len(self.dst):
            raise ValueError(
                f"{self.rel_type}: {len(self.src)} sources but {len(self.dst)} targets"
            )


@dataclass(frozen=True)
class Node2VecConfig:
    dim: int = 64  # embedding dimension (settings.embedding.graph_dim)
    walk_length: int = 20  # nodes per walk, start node included
    walks_per_node: int = 10  # walks started from every node
    window: int = 5  # context: nodes up to `window` steps apart on a walk are positives
    num_negative: int = 5  # negatives per walk position (weight of the shared pool)
    negative_pool: int = 256  # noise nodes drawn per batch, shared by all its positions
    p: float = 1.0  # return parameter: high p = rarely step straight back
    q: float = 1.0  # in-out parameter: q > 1 keeps walks local (BFS), q < 1 explores (DFS)
    epochs: int = 1  # passes over the walks; one is enough at 10 walks per node
    batch_walks: int = 2048  # walks per update step
    lr: float = 0.25  # start of the linearly decaying step size (per-row mean gradient)
    seed: int = 42
    # Per relationship type weight; types not listed weigh 1.0.
    type_weights: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.p <= 0 or self.q <= 0:
            raise ValueError("p and q must be positive")
        if self.walk_length < 2 or self.window < 1:
            raise ValueError("walk_length must be >= 2 and window >= 1")

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> Node2VecConfig:
        values: dict[str, object] = {"dim": settings.embedding.graph_dim, "seed": settings.seed}
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class CSRGraph:
    """Undirected weighted graph in CSR form; row `i` lists the neighbours of node i sorted."""

    node_ids: list[str]
    indptr: np.ndarray  # [N+1] int64
    indices: np.ndarray  # [E] int64, neighbour of each slot (both directions stored)
    weights: np.ndarray  # [E] float64
    # cum_weights[k] = sum of weights[:k]: prefix sums used to draw a neighbour by weight
    cum_weights: np.ndarray  # [E+1] float64
    # keys[k] = row * N + indices[k], sorted: O(log E) adjacency tests for the q-bias
    keys: np.ndarray  # [E] int64

    @property
    def num_nodes(self) -> int:
        return len(self.node_ids)

    @property
    def num_edges(self) -> int:
        """Undirected edges (each stored twice)."""
        return len(self.indices) // 2

    def degree(self) -> np.ndarray:
        return np.diff(self.indptr)

    def has_edge(self, u: np.ndarray, x: np.ndarray) -> np.ndarray:
        query = u * self.num_nodes + x
        pos = np.searchsorted(self.keys, query)
        pos = np.minimum(pos, len(self.keys) - 1)
        return self.keys[pos] == query


def build_graph(
    edges: Iterable[TypedEdges], type_weights: Mapping[str, float] | None = None
) -> CSRGraph:
    """Index the node ids (in first-seen order, so the result is deterministic), symmetrise,
    merge parallel edges by summing their weights and drop self-loops."""
    type_weights = type_weights or {}
    index: dict[str, int] = {}
    rows: list[np.ndarray] = []
    cols: list[np.ndarray] = []
    wts: list[np.ndarray] = []
    for group in edges:
        type_weight = float(type_weights.get(group.rel_type, 1.0))
        if type_weight <= 0 or len(group.src) == 0:
            continue
        src = np.fromiter((index.setdefault(s, len(index)) for s in group.src), np.int64)
        dst = np.fromiter((index.setdefault(d, len(index)) for d in group.dst), np.int64)
        rows.append(src)
        cols.append(dst)
        wts.append(np.full(len(src), type_weight))
    if not index:
        raise ValueError("the graph has no edges")
    n = len(index)
    row = np.concatenate(rows + cols)
    col = np.concatenate(cols + rows)
    weight = np.concatenate(wts + wts)
    keep = row != col
    keys, inverse = np.unique(row[keep] * n + col[keep], return_inverse=True)
    merged = np.bincount(inverse, weights=weight[keep], minlength=len(keys))
    row, col = keys // n, keys % n
    indptr = np.zeros(n + 1, np.int64)
    np.cumsum(np.bincount(row, minlength=n), out=indptr[1:])
    cum = np.zeros(len(merged) + 1)
    np.cumsum(merged, out=cum[1:])
    return CSRGraph(list(index), indptr, col, merged, cum, keys)


def _draw_neighbour(graph: CSRGraph, v: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One neighbour of each node in `v`, chosen with probability proportional to edge weight.
    Isolated nodes stay where they are."""
    start, end = graph.indptr[v], graph.indptr[v + 1]
    lo, hi = graph.cum_weights[start], graph.cum_weights[end]
    r = lo + rng.random(len(v)) * (hi - lo)
    slot = np.searchsorted(graph.cum_weights, r, side="right") - 1
    # float rounding can land one slot outside the row; clamp back into it
    slot = np.clip(slot, start, np.maximum(end - 1, start))
    return np.where(end > start, graph.indices[np.minimum(slot, len(graph.indices) - 1)], v)


def random_walks(graph: CSRGraph, config: Node2VecConfig) -> np.ndarray:
    """`walks_per_node` biased walks from every node, shuffled: [W, walk_length] int64."""
    rng = np.random.default_rng(config.seed)
    starts = np.tile(np.arange(graph.num_nodes, dtype=np.int64), config.walks_per_node)
    walks = np.empty((len(starts), config.walk_length), np.int64)
    walks[:, 0] = starts
    walks[:, 1] = _draw_neighbour(graph, starts, rng)
    alpha_return, alpha_out = 1.0 / config.p, 1.0 / config.q
    alpha_max = max(alpha_return, 1.0, alpha_out)
    unbiased = config.p == 1.0 and config.q == 1.0
    for t in range(2, config.walk_length):
        prev, cur = walks[:, t - 2], walks[:, t - 1]
        nxt = _draw_neighbour(graph, cur, rng)
        if not unbiased:
            # Rejection sampling of the second-order step: redraw the rejected walkers
            # only. Acceptance is at least min(alpha)/max(alpha), so this ends quickly;
            # the cap only guards against pathological p, q.
            todo = np.arange(len(cur))
            for _ in range(1000):
                u, x = prev[todo], nxt[todo]
                alpha = np.where(
                    x == u, alpha_return, np.where(graph.has_edge(u, x), 1.0, alpha_out)
                )
                rejected = rng.random(len(todo)) * alpha_max >= alpha
                todo = todo[rejected]
                if len(todo) == 0:
                    break
                nxt[todo] = _draw_neighbour(graph, cur[todo], rng)
        walks[:, t] = nxt
    return walks[rng.permutation(len(walks))]


def _negative_table(walks: np.ndarray, num_nodes: int) -> np.ndarray:
    """Cumulative distribution of word2vec's unigram^0.75 noise over walk frequencies."""
    freq = np.bincount(walks.ravel(), minlength=num_nodes).astype(np.float64) ** 0.75
    cdf = np.cumsum(freq)
    return cdf / cdf[-1]


def train_skipgram(walks: np.ndarray, num_nodes: int, config: Node2VecConfig) -> np.ndarray:
    """Skip-gram with negative sampling over walks, one shared embedding table as in PyG's
    Node2Vec. Returns [num_nodes, dim] float32.

    The gradients are written out instead of using autograd + SparseAdam: on 2 CPU cores the
    sparse-gradient coalescing and optimiser state cost more than the maths. Per step:
    every (centre, context) pair within `window` on a walk is a positive; `num_negative`
    negatives per position are approximated by one shared pool of noise nodes per batch
    (one matmul, weighted num_negative / pool size). Each touched row moves by the mean of
    its gradients in the batch (so hubs such as a category node, seen thousands of times in
    one batch, take one bounded step), with word2vec's linearly decaying learning rate.
    """
    import torch

    rng = np.random.default_rng(config.seed + 1)
    generator = torch.Generator().manual_seed(config.seed)
    bound = 0.5 / math.sqrt(config.dim)
    # small start: dot products near 0, where the sigmoid's gradient is largest
    table = torch.empty(num_nodes, config.dim).uniform_(-bound, bound, generator=generator)
    noise_cdf = _negative_table(walks, num_nodes)
    window = min(config.window, walks.shape[1] - 1)
    pool = min(config.negative_pool, num_nodes)
    neg_weight = config.num_negative / pool
    walks_t = torch.from_numpy(walks)
    steps_per_epoch = math.ceil(len(walks) / config.batch_walks)
    total_steps = steps_per_epoch * config.epochs
    step = 0
    for _ in range(config.epochs):
        order = torch.from_numpy(rng.permutation(len(walks)))
        for start in range(0, len(walks), config.batch_walks):
            lr = config.lr * max(1.0 - step / total_steps, 1e-4)
            step += 1
            batch = walks_t[order[start : start + config.batch_walks]]  # [B L]
            emb = table[batch]  # [B L D]
            grad = torch.zeros_like(emb)  # ascent direction of the log-likelihood
            for offset in range(1, window + 1):
                left, right = emb[:, :-offset], emb[:, offset:]  # [B L-o D]
                g = torch.sigmoid(-(left * right).sum(-1)).unsqueeze(-1)  # 1 - σ(e_c·e_o)
                grad[:, :-offset] += g * right
                grad[:, offset:] += g * left
            negatives = np.searchsorted(noise_cdf, rng.random(pool))
            neg_idx = torch.from_numpy(np.minimum(negatives, num_nodes - 1))  # [K]
            neg = table[neg_idx]  # [K D]
            flat = emb.view(-1, config.dim)  # [BL D]
            weight = torch.sigmoid(flat @ neg.T) * neg_weight  # [BL K] σ(e_c·e_n)
            grad.view(-1, config.dim).sub_(weight @ neg)
            neg_grad = -(weight.T @ flat)  # [K D]
            rows = torch.cat([batch.flatten(), neg_idx])
            grads = torch.cat([grad.view(-1, config.dim), neg_grad])
            touched, inverse = torch.unique(rows, return_inverse=True)
            summed = torch.zeros(len(touched), config.dim).index_add_(0, inverse, grads)
            counts = torch.bincount(inverse, minlength=len(touched)).unsqueeze(1)
            table[touched] += lr * summed / counts
    return table.numpy().astype(np.float32, copy=True)


@dataclass(frozen=True)
class Node2VecResult:
    vectors: dict[str, np.ndarray]  # node id -> [dim] float32
    num_nodes: int
    num_edges: int  # undirected, after merging parallel edges
    num_walks: int
    walk_seconds: float
    train_seconds: float


def fit_node2vec(edges: Iterable[TypedEdges], config: Node2VecConfig) -> Node2VecResult:
    """Build the graph, walk, train; with timings for benchmarks and logs."""
    graph = build_graph(edges, config.type_weights)
    t0 = time.perf_counter()
    walks = random_walks(graph, config)
    t1 = time.perf_counter()
    matrix = train_skipgram(walks, graph.num_nodes, config)
    t2 = time.perf_counter()
    vectors = {node_id: matrix[i] for i, node_id in enumerate(graph.node_ids)}
    return Node2VecResult(vectors, graph.num_nodes, graph.num_edges, len(walks), t1 - t0, t2 - t1)


def node2vec_embeddings(
    edges: Iterable[TypedEdges], config: Node2VecConfig
) -> dict[str, np.ndarray]:
    """node id -> embedding ([config.dim] float32) for every node that has an edge."""
    return fit_node2vec(edges, config).vectors


# -- ProNE ------------------------------------------------------------------------------------

GraphMethod = Literal["prone", "node2vec"]


@dataclass(frozen=True)
class ProNEConfig:
    dim: int = 64  # embedding dimension (settings.embedding.graph_dim)
    order: int = 10  # Chebyshev terms of the spectral filter (the paper's `step`)
    mu: float = 0.2  # filter centre on the Laplacian spectrum [0, 2]
    theta: float = 0.5  # filter width (argument of the Bessel coefficients)
    neg_exponent: float = 0.75  # word2vec's unigram^0.75 noise
    svd_iter: int = 5  # power iterations of the randomised SVD
    seed: int = 42
    # Per relationship type weight; types not listed weigh 1.0.
    type_weights: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.dim < 1 or self.order < 1 or self.svd_iter < 0:
            raise ValueError("dim and order must be >= 1, svd_iter >= 0")

    @classmethod
    def from_settings(cls, settings: Settings, **overrides: object) -> ProNEConfig:
        values: dict[str, object] = {"dim": settings.embedding.graph_dim, "seed": settings.seed}
        values.update(overrides)
        return cls(**values)  # type: ignore[arg-type]


GraphEmbeddingConfig = Node2VecConfig | ProNEConfig


def adjacency(graph: CSRGraph) -> sp.csr_matrix:
    """The weighted symmetric adjacency A as a scipy CSR matrix [N N]."""
    n = graph.num_nodes
    return sp.csr_matrix((graph.weights, graph.indices, graph.indptr), shape=(n, n))


def _factor_rows(u: np.ndarray, s: np.ndarray) -> np.ndarray:
    """U Σ^½ with unit rows: the node embedding of a truncated SVD."""
    emb = u * np.sqrt(s)[None, :]
    norms = np.linalg.norm(emb, axis=1, keepdims=True)
    return emb / np.where(norms > 0, norms, 1.0)


def _pad(emb: np.ndarray, dim: int) -> np.ndarray:
    """Graphs with fewer nodes than `dim` give fewer singular vectors; pad with zeros."""
    if emb.shape[1] >= dim:
        return emb[:, :dim]
    return np.hstack([emb, np.zeros((emb.shape[0], dim - emb.shape[1]), emb.dtype)])


def prone_factorize(adj: sp.csr_matrix, config: ProNEConfig) -> np.ndarray:
    """Step 1: randomised truncated SVD of the sparse shifted-PMI matrix. [N dim] float64."""
    from sklearn.utils.extmath import randomized_svd

    deg = np.asarray(adj.sum(axis=1)).ravel()  # [N]
    trans = sp.diags(1.0 / np.where(deg > 0, deg, 1.0)) @ adj  # p(j | i), rows sum to 1
    trans = sp.csr_matrix(trans)
    noise = np.asarray(trans.sum(axis=0)).ravel() ** config.neg_exponent  # [N]
    noise /= noise.sum()
    pmi = trans.copy()
    pmi.data = np.log(trans.data) - np.log(noise[trans.indices])
    k = min(config.dim, adj.shape[0] - 1)
    u, s, _ = randomized_svd(pmi, n_components=k, n_iter=config.svd_iter, random_state=config.seed)
    return _factor_rows(u, s)


def prone_propagate(adj: sp.csr_matrix, emb: np.ndarray, config: ProNEConfig) -> np.ndarray:
    """Step 2: R ← SVD((I + A)(R - g(L) R)) with g expanded in `order` Chebyshev terms.

    The recursion runs on X = M²/2 - I with M = L - μI (so g is even around μ); it follows
    the authors' reference implementation (THUDM/ProNE, `chebyshev_gaussian`)."""
    from scipy.special import iv

    if config.order == 1:
        return emb
    n = adj.shape[0]
    a_hat = sp.csr_matrix(adj + sp.eye(n))
    deg = np.asarray(a_hat.sum(axis=1)).ravel()
    lap = sp.eye(n) - sp.diags(1.0 / deg) @ a_hat
    m = sp.csr_matrix(lap - config.mu * sp.eye(n))
    s = config.theta
    x0 = emb
    x1 = 0.5 * (m @ (m @ emb)) - emb
    conv = iv(0, s) * x0 - 2 * iv(1, s) * x1
    for i in range(2, config.order):
        x2 = (m @ (m @ x1) - 2 * x1) - x0
        conv += (2 if i % 2 == 0 else -2) * iv(i, s) * x2
        x0, x1 = x1, x2
    mixed = a_hat @ (emb - conv)  # [N dim]
    u, sv, _ = np.linalg.svd(mixed, full_matrices=False)
    return _factor_rows(u, sv)


@dataclass(frozen=True)
class GraphEmbeddingResult:
    """Vectors of every node with an edge and where the time went."""

    method: GraphMethod
    vectors: dict[str, np.ndarray]  # node id -> [dim] float32
    num_nodes: int
    num_edges: int  # undirected, after merging parallel edges
    phase_seconds: dict[str, float]  # "build", then the method's phases


def fit_prone(graph: CSRGraph, config: ProNEConfig) -> tuple[np.ndarray, dict[str, float]]:
    """ProNE on a built graph: [N dim] float32 and the seconds of each step."""
    t0 = time.perf_counter()
    adj = adjacency(graph)
    emb = prone_factorize(adj, config)
    t1 = time.perf_counter()
    emb = prone_propagate(adj, emb, config)
    t2 = time.perf_counter()
    matrix = _pad(emb, config.dim).astype(np.float32)
    return matrix, {"factorize": t1 - t0, "propagate": t2 - t1}


def fit_graph_embeddings(
    edges: Iterable[TypedEdges], config: GraphEmbeddingConfig
) -> GraphEmbeddingResult:
    """Build the graph and embed it with the method `config` selects."""
    t0 = time.perf_counter()
    graph = build_graph(edges, config.type_weights)
    phases = {"build": time.perf_counter() - t0}
    method: GraphMethod
    if isinstance(config, ProNEConfig):
        method = "prone"
        matrix, fit_phases = fit_prone(graph, config)
        phases.update(fit_phases)
    else:
        method = "node2vec"
        t1 = time.perf_counter()
        walks = random_walks(graph, config)
        t2 = time.perf_counter()
        matrix = train_skipgram(walks, graph.num_nodes, config)
        phases.update({"walks": t2 - t1, "skipgram": time.perf_counter() - t2})
    vectors = {node_id: matrix[i] for i, node_id in enumerate(graph.node_ids)}
    return GraphEmbeddingResult(method, vectors, graph.num_nodes, graph.num_edges, phases)
