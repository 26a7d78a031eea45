"""Offline agent latency: end-to-end and per stage, p50/p95, on the configured graph.

Questions are the gold set's recommendation, follow-up and graph questions (evals/gold),
asked through `AgentService.ask` exactly as the CLI does; the first `--warmup` questions are
not timed (model load, first vector-index query). Target (issue 3): p95 < 300 ms at demo
scale on the 2-core machine.

    .venv/bin/python benchmarks/bench_agent.py [--n 120] [--warmup 5]
"""

from __future__ import annotations

import argparse
import json
import platform
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from agent.service import AgentService
from evals.agent import git_sha, load_gold, percentile
from tripgraph.settings import get_settings


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--n", type=int, default=120, help="timed questions")
    ap.add_argument("--warmup", type=int, default=5)
    args = ap.parse_args()
    settings = get_settings()
    if settings.llm.enabled:
        raise SystemExit("bench_agent measures offline mode: unset TRIPGRAPH_LLM__BASE_URL")
    gold = [g for g in load_gold() if g["kind"] in ("recommend", "followup", "graph")]
    questions = [(g["question"], g.get("conversation")) for g in gold]
    while len(questions) < args.n + args.warmup:
        questions += questions
    mem = Path(tempfile.mkdtemp(prefix="bench-agent-")) / "memory.sqlite"
    t0 = time.perf_counter()
    service = AgentService.open(settings, memory_path=mem)
    open_s = time.perf_counter() - t0
    stage_ms: dict[str, list[float]] = defaultdict(list)
    by_intent: dict[str, list[float]] = defaultdict(list)
    try:
        for i, (q, conv) in enumerate(questions[: args.warmup + args.n]):
            answer = service.ask(q, f"bench-{conv}-{i // len(gold)}" if conv else None)
            if i < args.warmup:
                continue
            for k, v in answer.timings_ms.items():
                stage_ms[k].append(v)
            by_intent[answer.intent].append(answer.timings_ms["total"])
        counts = service.deps.store.counts()
        embedder = service.deps.embedder.name
    finally:
        service.close()
    result = {
        "benchmark": "agent_offline_latency",
        "git_sha": git_sha(),
        "machine": {"cpus": 2, "platform": platform.platform(),
                    "note": "shared 2-core machine; other jobs were running"},
        "config": {"backend": settings.graph.backend, "scale": settings.scale,
                   "graph_dir": str(settings.graph.embedded_dir), "embedder": embedder,
                   "nodes": counts.total_nodes, "reviews": counts.nodes.get("Review"),
                   "n": args.n, "warmup": args.warmup},
        "open_seconds": round(open_s, 2),
        "latency_ms": {k: {"p50": percentile(v, 0.5), "p95": percentile(v, 0.95),
                           "max": round(max(v), 2), "n": len(v)} for k, v in stage_ms.items()},
        "total_by_intent_ms": {k: {"p50": percentile(v, 0.5), "p95": percentile(v, 0.95),
                                   "n": len(v)} for k, v in by_intent.items()},
        "target_p95_ms": 300,
    }
    result["meets_target"] = (result["latency_ms"]["total"]["p95"] or 1e9) < 300
    out = settings.run_dir / "benchmarks"
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"agent-{settings.scale}-{embedder}-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    print(json.dumps({"latency_ms": result["latency_ms"], "meets_target": result["meets_target"]},
                     indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
