"""Graph embeddings for the backfill: do a method's merchant vectors find the right places?

Dataset → runner → scorers → JSON, from a generated dataset's Parquet files (no store):

- **Dataset.** The merchant–place–category–menu–user graph of `embeddings/graph_job.py`
  (`edges_from_parquet`) and the merchants' properties (city, region, category, customer
  mix, boolean attributes).
- **Runner.** Each method embeds the whole graph once (backfill and neighbour scorers) and
  once more without one held-out reviewed merchant per user (link prediction).
- **Scorers.**
  - *Backfill*, the agent's `graph_backfill` replayed: a question names a (city, region,
    category); two merchants of it are the surviving candidates (seeds); the `graph_k` (40)
    merchants nearest to the seeds' centroid are fetched, the seeds dropped and those that
    meet the hard constraints kept, at most `need` (6). `fill_rate` = kept / min(6,
    eligible), `constraint_precision` = share of the fetched neighbours that meet the
    constraints. At the `city` level the question names only the city (more eligible
    merchants, so the ranking matters more). The hard filter here is the exact region; the
    agent also admits regions within `nearby_km`, so these rates are a lower bound.
    Aspect match: the kept merchants' customer mix (age bands, party types, local share)
    against the seeds' (L1 distance, lower is better) next to as many eligible merchants
    drawn at random (`mix_l1_random`); and for each boolean attribute both seeds have
    (parking, quiet, …: an asked must-have), the share of kept merchants that have it next
    to its rate among the eligible ones.
  - *Neighbours*: for sampled merchants, the share of their 10 nearest merchants with the
    same category / region / city, and the customer-mix L1 to them.
  - *Link prediction* of user → merchant reviews: per user with two or more reviewed
    merchants one is held out; AUC of cosine(user, held-out merchant) against a random
    merchant, and hit rate @10 when ranking all merchants the user has not reviewed (the
    training ones masked), next to a popularity ranking.
  A random-vector row is the floor every scorer must clear.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq

from agent.config import AgentConfig
from agent.retrieval import MIX_KEYS
from embeddings.graph import (
    GraphEmbeddingConfig,
    GraphMethod,
    Node2VecConfig,
    ProNEConfig,
    TypedEdges,
    fit_graph_embeddings,
)
from embeddings.graph_job import edges_from_parquet
from tripgraph.provenance import git_sha
from tripgraph.settings import Settings

# The customer-mix columns the agent's backfill compares: one definition, in the agent.
MIX_COLUMNS = MIX_KEYS
ATTRIBUTES = ("parking", "ocean_view", "kid_friendly", "group_seating", "quiet", "pet_friendly")
GRAPH_K = AgentConfig().graph_k  # neighbours the agent's backfill fetches
NEED = 6  # AgentConfig.backfill_below: the backfill tops candidates up to this many


@dataclass(frozen=True)
class Merchants:
    ids: list[str]
    city: np.ndarray  # [M] str
    region: np.ndarray  # [M] str
    category: np.ndarray  # [M] str
    mix: np.ndarray  # [M len(MIX_COLUMNS)] float
    attrs: np.ndarray  # [M len(ATTRIBUTES)] bool


def load_merchants(dataset_dir: Path) -> Merchants:
    t = pq.read_table(dataset_dir / "merchants.parquet")
    col = {name: t[name].to_numpy(zero_copy_only=False) for name in t.column_names}
    return Merchants(
        [str(x) for x in col["merchant_id"]],
        col["city"].astype(str),
        col["region"].astype(str),
        col["category"].astype(str),
        np.stack([col[c].astype(np.float64) for c in MIX_COLUMNS], axis=1),
        np.stack([col[c].astype(bool) for c in ATTRIBUTES], axis=1),
    )


def _unit(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def merchant_matrix(vectors: dict[str, np.ndarray], merchants: Merchants) -> np.ndarray:
    """[M D] unit rows in `merchants.ids` order; a merchant without a vector gets zeros."""
    dim = len(next(iter(vectors.values())))
    zero = np.zeros(dim, np.float32)
    rows = [vectors.get(f"Merchant:{mid}", zero) for mid in merchants.ids]
    return _unit(np.stack(rows).astype(np.float64))


# -- backfill ------------------------------------------------------------------------------


@dataclass
class BackfillScores:
    level: str  # "region": city + region + category named; "city": city + category
    questions: int
    fill_rate: float
    constraint_precision: float
    mean_kept: float
    mix_l1: float  # kept merchants vs the seeds' mean mix
    mix_l1_random: float  # as many random eligible merchants
    attribute_match: float  # kept merchants with an attribute both seeds have
    attribute_base_rate: float  # the same attributes among the eligible merchants


def backfill_questions(
    merchants: Merchants, level: str, n: int, rng: np.random.Generator
) -> list[tuple[np.ndarray, np.ndarray]]:
    """(seed indices [2], eligible indices) for up to `n` questions, groups drawn uniformly
    among those with at least one merchant besides the two seeds."""
    keys = (
        np.char.add(np.char.add(merchants.city, "|"), merchants.category)
        if level == "city"
        else np.char.add(
            np.char.add(np.char.add(merchants.city, "|"), merchants.region),
            np.char.add("|", merchants.category),
        )
    )
    _, inverse = np.unique(keys, return_inverse=True)
    groups = [
        g
        for g in np.split(np.argsort(inverse, kind="stable"), np.cumsum(np.bincount(inverse))[:-1])
        if len(g) >= 3
    ]
    if not groups:
        return []
    out = []
    for gi in rng.choice(len(groups), size=n, replace=len(groups) < n):
        members = groups[gi]
        seeds = rng.choice(members, size=2, replace=False)
        out.append((seeds, np.setdiff1d(members, seeds)))
    return out


def score_backfill(
    x: np.ndarray,
    merchants: Merchants,
    questions: Sequence[tuple[np.ndarray, np.ndarray]],
    level: str,
    rng: np.random.Generator,
) -> BackfillScores:
    fill, precision, kept_n, mix, mix_rand, match, base = [], [], [], [], [], [], []
    for seeds, eligible in questions:
        centroid = x[seeds].mean(0)
        centroid /= np.linalg.norm(centroid) or 1.0
        sims = x @ centroid  # [M]
        top = np.argpartition(-sims, GRAPH_K)[:GRAPH_K]
        top = top[np.argsort(-sims[top], kind="stable")]
        fetched = top[~np.isin(top, seeds)]
        ok = fetched[np.isin(fetched, eligible)]
        kept = ok[:NEED]
        fill.append(len(kept) / min(NEED, len(eligible)))
        precision.append(len(ok) / len(fetched))
        kept_n.append(len(kept))
        if len(kept):
            target = merchants.mix[seeds].mean(0)
            mix.append(np.abs(merchants.mix[kept] - target).sum(1).mean())
            drawn = rng.choice(eligible, size=len(kept), replace=False)
            mix_rand.append(np.abs(merchants.mix[drawn] - target).sum(1).mean())
            asked = merchants.attrs[seeds].all(0)  # [A]
            if asked.any():
                match.append(merchants.attrs[kept][:, asked].mean())
                base.append(merchants.attrs[eligible][:, asked].mean())
    return BackfillScores(
        level,
        len(questions),
        float(np.mean(fill)) if fill else 0.0,
        float(np.mean(precision)) if precision else 0.0,
        float(np.mean(kept_n)) if kept_n else 0.0,
        float(np.mean(mix)) if mix else float("nan"),
        float(np.mean(mix_rand)) if mix_rand else float("nan"),
        float(np.mean(match)) if match else float("nan"),
        float(np.mean(base)) if base else float("nan"),
    )


# -- neighbours ----------------------------------------------------------------------------


@dataclass
class NeighbourScores:
    queries: int
    k: int
    same_category: float
    same_region: float
    same_city: float
    mix_l1: float
    mix_l1_random: float  # random merchant pairs


def score_neighbours(
    x: np.ndarray, merchants: Merchants, n: int, rng: np.random.Generator, k: int = 10
) -> NeighbourScores:
    q = rng.choice(len(x), size=min(n, len(x)), replace=False)
    sims = x[q] @ x.T  # [Q M]
    sims[np.arange(len(q)), q] = -np.inf
    nn = np.argpartition(-sims, k, axis=1)[:, :k]  # [Q k]
    same = {
        name: float((getattr(merchants, name)[nn] == getattr(merchants, name)[q][:, None]).mean())
        for name in ("category", "region", "city")
    }
    mix = np.abs(merchants.mix[nn] - merchants.mix[q][:, None]).sum(-1).mean()
    other = rng.integers(0, len(x), size=(len(q), k))
    mix_rand = np.abs(merchants.mix[other] - merchants.mix[q][:, None]).sum(-1).mean()
    return NeighbourScores(
        len(q), k, same["category"], same["region"], same["city"], float(mix), float(mix_rand)
    )


# -- link prediction -----------------------------------------------------------------------


@dataclass
class LinkScores:
    held_out: int
    auc: float
    hit_rate_at_10: float
    hit_rate_at_10_popularity: float
    users_ranked: int


@dataclass(frozen=True)
class LinkSplit:
    train_edges: list[TypedEdges]
    users: list[str]  # held-out user node id per pair
    merchants: list[str]  # held-out merchant node id per pair
    train_pairs: dict[str, set[str]]  # user node id -> training merchant node ids


def split_reviews(edges: list[TypedEdges], rng: np.random.Generator) -> LinkSplit:
    """Leave one reviewed merchant out per user with at least two."""
    reviewed = next(e for e in edges if e.rel_type == "REVIEWED")
    by_user: dict[str, list[str]] = {}
    for u, m in zip(reviewed.src, reviewed.dst, strict=True):
        by_user.setdefault(u, []).append(m)
    users, held, train_pairs = [], [], {}
    src, dst = [], []
    for u, ms in by_user.items():
        out = int(rng.integers(len(ms))) if len(ms) >= 2 else -1
        if out >= 0:
            users.append(u)
            held.append(ms[out])
        keep = [m for i, m in enumerate(ms) if i != out]
        train_pairs[u] = set(keep)
        src += [u] * len(keep)
        dst += keep
    train = [e for e in edges if e.rel_type != "REVIEWED"] + [TypedEdges("REVIEWED", src, dst)]
    return LinkSplit(train, users, held, train_pairs)


def score_links(
    vectors: dict[str, np.ndarray],
    split: LinkSplit,
    merchants: Merchants,
    rng: np.random.Generator,
    rank_users: int = 3000,
) -> LinkScores:
    m_ids = [f"Merchant:{mid}" for mid in merchants.ids]
    m_index = {m: i for i, m in enumerate(m_ids)}
    mx = merchant_matrix(vectors, merchants)  # [M D]
    dim = mx.shape[1]
    zero = np.zeros(dim)
    ux = _unit(np.stack([vectors.get(u, zero) for u in split.users]).astype(np.float64))
    pos = np.array([m_index[m] for m in split.merchants])
    neg = rng.integers(0, len(m_ids), size=len(pos))
    s_pos = (ux * mx[pos]).sum(1)
    s_neg = (ux * mx[neg]).sum(1)
    auc = float(np.mean((s_pos > s_neg) + 0.5 * (s_pos == s_neg)))
    popularity = np.zeros(len(m_ids))
    for ms in split.train_pairs.values():
        for m in ms:
            popularity[m_index[m]] += 1
    pick = rng.choice(len(pos), size=min(rank_users, len(pos)), replace=False)
    hits = hits_pop = 0
    for i in pick:
        seen = [m_index[m] for m in split.train_pairs[split.users[i]]]
        for scores, is_pop in ((mx @ ux[i], False), (popularity.copy(), True)):
            scores[seen] = -np.inf
            top = np.argpartition(-scores, 10)[:10]
            hit = int(pos[i] in top)
            if is_pop:
                hits_pop += hit
            else:
                hits += hit
    return LinkScores(len(pos), auc, hits / len(pick), hits_pop / len(pick), len(pick))


# -- run -----------------------------------------------------------------------------------


@dataclass
class MethodScores:
    method: str  # a GraphMethod, or "random"
    config: dict[str, object]
    fit_seconds: float
    phase_seconds: dict[str, float]
    backfill: list[BackfillScores]
    neighbours: NeighbourScores
    links: LinkScores | None


@dataclass
class GraphEmbeddingEvalResult:
    config: dict[str, object]
    git_sha: str | None
    created_at: str
    methods: list[MethodScores] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def make_config(method: GraphMethod, settings: Settings) -> GraphEmbeddingConfig:
    if method == "prone":
        return ProNEConfig.from_settings(settings)
    return Node2VecConfig.from_settings(settings)


def _score_vectors(
    method: str,
    vectors: dict[str, np.ndarray],
    merchants: Merchants,
    questions: dict[str, list[tuple[np.ndarray, np.ndarray]]],
    n_neighbours: int,
    seed: int,
) -> tuple[list[BackfillScores], NeighbourScores]:
    x = merchant_matrix(vectors, merchants)
    rng = np.random.default_rng(seed + 2)
    backfill = [score_backfill(x, merchants, qs, level, rng) for level, qs in questions.items()]
    return backfill, score_neighbours(x, merchants, n_neighbours, rng)


def evaluate_methods(
    dataset_dir: Path,
    configs: Sequence[GraphEmbeddingConfig],
    *,
    n_questions: int = 500,
    n_neighbours: int = 2000,
    link_prediction: bool = True,
    seed: int = 0,
) -> list[MethodScores]:
    """Fit every config on the dataset's graph and score it, plus a random-vector floor."""
    edges = edges_from_parquet(dataset_dir)
    merchants = load_merchants(dataset_dir)
    q_rng = np.random.default_rng(seed)
    questions = {
        level: backfill_questions(merchants, level, n_questions, q_rng)
        for level in ("region", "city")
    }
    split = split_reviews(edges, np.random.default_rng(seed + 1)) if link_prediction else None
    out = []
    for config in configs:
        t0 = time.perf_counter()
        result = fit_graph_embeddings(edges, config)
        fit_s = time.perf_counter() - t0
        backfill, neighbours = _score_vectors(
            result.method, result.vectors, merchants, questions, n_neighbours, seed
        )
        links = None
        if split is not None:
            held = fit_graph_embeddings(split.train_edges, config)
            links = score_links(held.vectors, split, merchants, np.random.default_rng(seed + 3))
        cfg = {k: v for k, v in asdict(config).items() if k != "type_weights"}
        cfg["type_weights"] = dict(config.type_weights)
        out.append(
            MethodScores(
                result.method,
                cfg,
                round(fit_s, 3),
                {k: round(v, 3) for k, v in result.phase_seconds.items()},
                backfill,
                neighbours,
                links,
            )
        )
    # The floor: random vectors for every node.
    rng = np.random.default_rng(seed + 4)
    dim = configs[0].dim if configs else 64
    nodes = {n for e in edges for n in (*e.src, *e.dst)}
    rand = {n: rng.standard_normal(dim).astype(np.float32) for n in sorted(nodes)}
    backfill, neighbours = _score_vectors("random", rand, merchants, questions, n_neighbours, seed)
    links = score_links(rand, split, merchants, np.random.default_rng(seed + 3)) if split else None
    out.append(MethodScores("random", {"dim": dim}, 0.0, {}, backfill, neighbours, links))
    return out


def run_graph_embedding_eval(
    settings: Settings,
    scale: str | None = None,
    methods: Sequence[GraphMethod] = ("prone", "node2vec"),
    out_path: Path | None = None,
    *,
    n_questions: int = 500,
    link_prediction: bool = True,
) -> GraphEmbeddingEvalResult:
    """Evaluate `methods` on data/<scale>; JSON to runs/evals/graph_embeddings_<scale>.json."""
    scale = scale or settings.scale
    dataset_dir = settings.dataset_dir(scale)
    out_path = out_path or settings.run_dir / "evals" / f"graph_embeddings_{scale}.json"
    scores = evaluate_methods(
        dataset_dir,
        [make_config(m, settings) for m in methods],
        n_questions=n_questions,
        link_prediction=link_prediction,
        seed=settings.seed,
    )
    result = GraphEmbeddingEvalResult(
        config={
            "scale": scale,
            "dataset": str(dataset_dir),
            "methods": list(methods),
            "n_questions": n_questions,
            "graph_k": GRAPH_K,
            "need": NEED,
            "seed": settings.seed,
            "cpu_count": os.cpu_count(),
            "torch_threads": _torch_threads(),
            "load_average_at_end": list(os.getloadavg()),
        },
        git_sha=git_sha(),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        methods=scores,
        notes=[
            "backfill: exact region/city + category as the hard filter (the agent also "
            "admits nearby regions), seeds = 2 merchants of the asked group",
            "fill_rate = kept / min(6, eligible); constraint_precision = eligible share of "
            "the 40 fetched neighbours (seeds dropped)",
            "mix_l1: customer-mix L1 distance to the seeds' mean (lower = closer); "
            "mix_l1_random: random eligible merchants",
            "links: leave-one-out per user with >= 2 reviewed merchants, cosine scores",
            "fit_seconds are wall-clock on a shared 2-core machine",
        ],
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(asdict(result), ensure_ascii=False, indent=2))
    return result


def _torch_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def main() -> None:
    import argparse

    from tripgraph.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=None)
    parser.add_argument("--methods", nargs="+", default=["prone", "node2vec"])
    parser.add_argument("--questions", type=int, default=500)
    parser.add_argument("--no-links", action="store_true", help="skip link prediction")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    result = run_graph_embedding_eval(
        get_settings(),
        args.scale,
        args.methods,
        args.out,
        n_questions=args.questions,
        link_prediction=not args.no_links,
    )
    for m in result.methods:
        b = {s.level: s for s in m.backfill}
        links = f" link AUC {m.links.auc:.3f} HR@10 {m.links.hit_rate_at_10:.3f}" if m.links else ""
        print(
            f"{m.method:9s} fit {m.fit_seconds:7.1f}s  fill(region) {b['region'].fill_rate:.3f}"
            f" prec(region) {b['region'].constraint_precision:.3f}"
            f" fill(city) {b['city'].fill_rate:.3f} mix {b['city'].mix_l1:.3f}"
            f"/{b['city'].mix_l1_random:.3f}  nn-cat {m.neighbours.same_category:.3f}{links}"
        )


if __name__ == "__main__":
    main()
