"""ANN recall and latency on the real review vectors a built graph holds.

    .venv/bin/python benchmarks/bench_ann_real.py --graph-dir /tmp/tripgraph-scale/graph-full
    # writes runs/benchmarks/ann_real_<n>.json

bench_vectors.py measures the sidecar index on synthetic vectors; this one opens the
`review_embedding` sidecar that `tripgraph embed` built, memory-mapped as the agent opens
it, and asks it what the agent asks: Korean travel questions (the NLU held-out template
families, never seen by the embedder's training) embedded as queries by the same embedder.
Truth is exact cosine search over every stored vector (read back from the index).
Generated reviews repeat phrasings, so some queries have exact ties at rank 10:
`recall_at_10` counts ids, `recall_at_10_ties` counts a hit whose exact similarity reaches
the 10th exact similarity (tie-aware recall); both per `expansion_search`, with p50/p95 of
single-query latency. `--variants` builds other index settings in memory over the same
vectors (optionally centred, as the static embedder now stores documents) and sweeps them.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_schema.vector_index import VectorIndex  # noqa: E402


def load_all(index: VectorIndex, chunk: int = 50_000) -> tuple[list[str], np.ndarray]:
    keys = index.keys()
    out = np.empty((len(keys), index.dimension or 0), dtype=np.float32)
    for i in range(0, len(keys), chunk):
        out[i : i + chunk] = index.get(keys[i : i + chunk])
    out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return keys, out


def exact(data: np.ndarray, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """[Q k] indices of the exact top k and [Q] the k-th similarity."""
    idx = np.empty((len(queries), k), dtype=np.int64)
    kth = np.empty(len(queries), dtype=np.float32)
    for i in range(0, len(queries), 32):
        sims = queries[i : i + 32] @ data.T  # [q N]
        part = np.argpartition(-sims, k, axis=1)[:, :k]
        order = np.argsort(-np.take_along_axis(sims, part, axis=1), axis=1)
        top = np.take_along_axis(part, order, axis=1)
        idx[i : i + 32] = top
        kth[i : i + 32] = np.take_along_axis(sims, top[:, -1:], axis=1)[:, 0]
    return idx, kth


def sweep_index(
    search: Any, set_ef: Any, data: np.ndarray, queries: np.ndarray, efs: list[int], k: int
) -> list[dict[str, Any]]:
    """Recall (ids and tie-aware) and single-query latency per `expansion_search`;
    `search(q, k)` returns row numbers of `data`."""
    truth, kth = exact(data, queries, k)
    out = []
    for ef in efs:
        set_ef(ef)
        lat, strict, ties = [], [], []
        for q, t, floor in zip(queries, truth, kth, strict=True):
            s = time.perf_counter()
            rows = search(q, k)
            lat.append((time.perf_counter() - s) * 1000)
            strict.append(len(set(rows) & set(t.tolist())) / k)
            sims = data[rows] @ q if rows else np.zeros(0)
            ties.append(min(int(np.sum(sims >= floor - 1e-5)), k) / k)
        out.append(
            {
                "expansion_search": ef,
                "recall_at_10": round(float(np.mean(strict)), 4),
                "recall_at_10_ties": round(float(np.mean(ties)), 4),
                "p50_ms": round(float(np.percentile(lat, 50)), 3),
                "p95_ms": round(float(np.percentile(lat, 95)), 3),
            }
        )
        print(json.dumps(out[-1]), flush=True)
    return out


def build_variant(
    spec: str, data: np.ndarray, queries: np.ndarray, efs: list[int], k: int, threads: int
) -> dict[str, Any]:
    """Build an in-memory usearch index 'M<connectivity>/ef<expansion_add>/<dtype>[/centre]'
    over `data` (centred first with '/centre') with `threads` threads, then sweep it."""
    from usearch.index import Index

    parts = spec.split("/")
    m, ef_add, dtype = parts[:3]
    if "centre" in parts[3:]:
        # documents minus their mean, renormalised (what the static embedder now stores)
        data = data - data.mean(axis=0)
        data /= np.maximum(np.linalg.norm(data, axis=1, keepdims=True), 1e-12)
    index: Any = Index(
        ndim=data.shape[1],
        metric="cos",
        dtype=dtype,
        connectivity=int(m.removeprefix("M")),
        expansion_add=int(ef_add.removeprefix("ef")),
    )
    started = time.perf_counter()
    index.add(np.arange(len(data), dtype=np.uint64), data, threads=threads)
    build_s = time.perf_counter() - started

    def search(q: np.ndarray, kk: int) -> list[int]:
        return [int(x) for x in index.search(q, kk).keys.tolist()]

    def set_ef(ef: int) -> None:
        index.expansion_search = ef

    print(f"{spec}: built {len(data):,} in {build_s:.0f}s", flush=True)
    return {
        "variant": spec,
        "n": len(data),
        "threads": threads,
        "build_s": round(build_s, 1),
        "build_vectors_per_s": round(len(data) / build_s),
        "memory_mb": round(index.memory_usage / 2**20, 1),
        "sweep": sweep_index(search, set_ef, data, queries, efs, k),
    }


def query_texts(source: str) -> list[str]:
    """'questions': held-out NLU questions; 'hyde-query' / 'hyde-doc': the agent's offline
    HyDE review for each gold recommendation's slots (embedded as a query / a document)."""
    if source == "questions":
        from recsys_tools.nlu.data import build_dataset

        split = build_dataset(seed=0).splits["test_templates"]
        return list(dict.fromkeys(e.text for e in split))
    from agent.retrieval import offline_hyde_text
    from agent.state import Slots

    gold = ROOT / "evals" / "gold" / "agent_gold.jsonl"
    out = []
    for line in gold.read_text(encoding="utf-8").splitlines():
        slots = json.loads(line).get("expected", {}).get("slots")
        if slots:
            out.append(offline_hyde_text(Slots(**{k: v for k, v in slots.items() if v})))
    return list(dict.fromkeys(out))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--graph-dir", type=Path, required=True, help="embedded graph directory")
    ap.add_argument("--graph", default="tripgraph")
    ap.add_argument("--index", default="review_embedding")
    ap.add_argument("--embedder", default="static")
    ap.add_argument("--model-dir", type=Path, default=None, help="where the static model is")
    ap.add_argument("--queries", type=int, default=300)
    ap.add_argument(
        "--query-source", default="questions", choices=["questions", "hyde-query", "hyde-doc"]
    )
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--sweep", default="64,96,128,192,256,384,512")
    ap.add_argument(
        "--variants",
        default="",
        help="also build these in memory from the same vectors "
        "(e.g. M16/ef64/f16,M16/ef128/i8/centre)",
    )
    ap.add_argument("--subset", type=int, default=0, help="variants use the first N vectors")
    ap.add_argument("--threads", type=int, default=2, help="threads of a variant's build")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    from embeddings.text.factory import make_embedder

    started = time.perf_counter()
    index = VectorIndex(args.graph_dir / "vectors" / args.graph, args.index)
    index.open()
    open_s = time.perf_counter() - started
    keys, data = load_all(index)
    load_s = time.perf_counter() - started - open_s
    from tripgraph.settings import get_settings

    embedder = make_embedder(args.embedder, args.model_dir or get_settings().model_dir)
    embedder.load()
    texts = query_texts(args.query_source)
    rng = np.random.default_rng(0)
    texts = [texts[i] for i in rng.permutation(len(texts))[: args.queries]]
    if args.query_source == "hyde-doc":
        queries = np.asarray(embedder.embed_documents(texts), dtype=np.float32)
    else:
        queries = np.asarray(embedder.embed_queries(texts), dtype=np.float32)
    queries /= np.maximum(np.linalg.norm(queries, axis=1, keepdims=True), 1e-12)
    efs = [int(x) for x in args.sweep.split(",")]
    t0 = time.perf_counter()
    _, kth = exact(data, queries, args.k)
    exact_ms = (time.perf_counter() - t0) * 1000 / len(queries)
    position = {key: i for i, key in enumerate(keys)}

    def search(q: Any, k: int) -> list[int]:
        return [position[key] for key, _ in index.search(q, k)]

    def set_ef(ef: int) -> None:
        index._index.expansion_search = ef

    sweep = sweep_index(search, set_ef, data, queries, efs, args.k)
    variants = []
    for spec in [v for v in args.variants.split(",") if v]:
        subset = data[: args.subset] if args.subset else data
        variants.append(build_variant(spec, subset, queries, efs, args.k, args.threads))
    manifest = index.manifest
    result = {
        "n": len(keys),
        "dim": int(data.shape[1]),
        "queries": len(queries),
        "query_source": args.query_source,
        "embedder": args.embedder,
        "index_params": {
            "connectivity": index._index.connectivity,
            "expansion_add": index._index.expansion_add,
            "dtype": str(index._index.dtype),
        },
        "tag": manifest.tag if manifest else "",
        "open_s": round(open_s, 3),
        "read_all_vectors_s": round(load_s, 1),
        "exact_numpy_ms_per_query": round(exact_ms, 1),
        "kth_similarity_median": round(float(np.median(kth)), 4),
        "sweep": sweep,
        "variants": variants,
    }
    out = args.out or ROOT / "runs" / "benchmarks" / f"ann_real_{len(keys)}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
