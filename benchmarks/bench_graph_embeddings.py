"""Graph embeddings at one dataset scale: wall time per phase, peak RSS and quality.

    .venv/bin/python -m benchmarks.bench_graph_embeddings --scale full
    .venv/bin/python -m benchmarks.bench_graph_embeddings --scale demo --methods prone node2vec
    .venv/bin/python -m benchmarks.bench_graph_embeddings --scale dense --store   # + store I/O

Writes runs/benchmarks/graph_embeddings_<scale>.json. Per method:

- phases: `export_parquet` (edges from the dataset's Parquet files), `build` (CSR), the
  method's own phases (ProNE: factorize, propagate; node2vec: walks, skipgram) and, with
  `--store`, the training job itself against the configured graph (`export_store` = the
  bulk edge reads, `write` = set_vectors + flush): that job is what
  `tripgraph train graph-embeddings` runs.
- peak_rss_mb: the process's resident set, sampled every 20 ms during the method's phases
  (the process-wide peak, `ru_maxrss`, would include whatever ran before in a caller such
  as benchmarks/bench_scale.py).
- quality: evals/graph_embeddings.py (backfill replay, neighbours, link prediction) with
  a random-vector floor.

Run it through scripts/heavy.sh; the numbers are wall-clock on the shared 2-core machine.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

from embeddings.graph import GraphMethod, fit_graph_embeddings
from embeddings.graph_job import edges_from_parquet, train_graph_embeddings
from evals.graph_embeddings import evaluate_methods, make_config
from tripgraph.provenance import git_sha
from tripgraph.settings import Settings


@contextmanager
def peak_rss() -> Iterator[dict[str, float]]:
    """Yields a dict whose "peak_rss_mb" is the highest RSS seen while the block ran."""
    proc = psutil.Process()
    box = {"peak_rss_mb": proc.memory_info().rss / 2**20}
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            box["peak_rss_mb"] = max(box["peak_rss_mb"], proc.memory_info().rss / 2**20)

    thread = threading.Thread(target=sample, daemon=True)
    thread.start()
    try:
        yield box
    finally:
        stop.set()
        thread.join()
        box["peak_rss_mb"] = round(max(box["peak_rss_mb"], proc.memory_info().rss / 2**20), 1)


def _summary(scores: Any) -> dict[str, Any]:
    d = asdict(scores)
    return {k: d[k] for k in ("method", "fit_seconds", "backfill", "neighbours", "links")}


def bench_graph_embeddings(
    settings: Settings,
    scale: str,
    *,
    methods: Sequence[GraphMethod] = ("prone",),
    with_store: bool = False,
    quality: bool = True,
    out_path: Path | None = None,
) -> dict[str, Any]:
    """Time and score each method on data/<scale>; write and return the JSON dict."""
    dataset_dir = settings.dataset_dir(scale)
    out_path = out_path or settings.run_dir / "benchmarks" / f"graph_embeddings_{scale}.json"
    t0 = time.perf_counter()
    edges = edges_from_parquet(dataset_dir)
    export_parquet = time.perf_counter() - t0
    results: dict[str, Any] = {
        "scale": scale,
        "dataset": str(dataset_dir),
        "git_sha": git_sha(),
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu_count": os.cpu_count(),
        "threads": {
            k: os.environ.get(k) for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "HEAVY_SLOTS")
        },
        "methods": {},
    }
    for method in methods:
        config = make_config(method, settings)
        with peak_rss() as rss:
            t1 = time.perf_counter()
            fit = fit_graph_embeddings(edges, config)
            fit_s = time.perf_counter() - t1
        entry: dict[str, Any] = {
            "config": {k: v for k, v in asdict(config).items() if k != "type_weights"},
            "nodes": fit.num_nodes,
            "edges": fit.num_edges,
            "phase_seconds": {
                "export_parquet": round(export_parquet, 3),
                **{k: round(v, 3) for k, v in fit.phase_seconds.items()},
            },
            "embed_seconds_from_parquet": round(export_parquet + fit_s, 3),
            "peak_rss_mb": rss["peak_rss_mb"],
        }
        if with_store:
            from graph_schema.factory import get_store

            with peak_rss() as job_rss, get_store(settings) as store:
                report = train_graph_embeddings(store, config)
            entry["job_from_store"] = {
                **asdict(report),
                "peak_rss_mb": job_rss["peak_rss_mb"],
            }
        results["methods"][method] = entry
        _write(out_path, results)
    if quality:
        scores = evaluate_methods(
            dataset_dir, [make_config(m, settings) for m in methods], seed=settings.seed
        )
        results["quality"] = [_summary(s) for s in scores]
    results["load_average_at_end"] = list(os.getloadavg())
    _write(out_path, results)
    return results


def _write(path: Path, results: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(results, ensure_ascii=False, indent=2))


def main() -> None:
    import argparse

    from tripgraph.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", default=None)
    parser.add_argument("--methods", nargs="+", default=["prone"], choices=["prone", "node2vec"])
    parser.add_argument("--store", action="store_true", help="also run the job on the graph")
    parser.add_argument("--no-quality", action="store_true")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    settings = get_settings()
    results = bench_graph_embeddings(
        settings,
        args.scale or settings.scale,
        methods=args.methods,
        with_store=args.store,
        quality=not args.no_quality,
        out_path=args.out,
    )
    print(json.dumps(results["methods"], ensure_ascii=False, indent=1))


if __name__ == "__main__":
    main()
