"""Offline agent latency: end-to-end and per stage, p50/p95, on the configured graph.

Questions are the gold set's recommendation, follow-up and graph questions (evals/gold),
asked through `AgentService.ask` exactly as the CLI does. Target (issue 3): p95 < 300 ms at
demo scale on the 2-core machine.

    .venv/bin/python benchmarks/bench_agent.py [--n 120] [--warmup 5] [--query-cache cold]
    TRIPGRAPH_EMBEDDING__TEXT_MODEL=hashing TRIPGRAPH_GRAPH__EMBEDDED_DIR=/tmp/g ... (same)

Reported besides the timed questions:
- `first_question_ms`: the first question after `AgentService.open` (which warms up unless
  `--no-warm-up`), before anything else was asked;
- the query-embedding cache: `--query-cache warm` (default) keeps the service's LRU of
  query vectors across questions, as a server does; `cold` empties it before every
  question, so every question pays for embedding its HyDE text (within one question the
  backfill still reuses the HyDE vector: that is the same request).
The graph must have been embedded with the configured text embedder: the benchmark checks
that a stored review vector equals the embedder's vector of that review, and stops if not.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import platform
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from agent.service import AgentService
from embeddings.text.cache import CachedQueryEmbedder
from evals.agent import load_gold
from evals.agent_scorers import percentile
from tripgraph.provenance import git_sha
from tripgraph.settings import get_settings


def embedder_matches_graph(service: AgentService) -> float | None:
    """Cosine similarity between a stored review vector and the configured embedder's vector
    of the same text (≈ 1.0 when the graph was embedded with this embedder; None when no
    review has a vector)."""
    store = service.deps.store
    rows = store.read("MATCH (r:Review) RETURN r.review_id AS id, r.text AS text LIMIT 50").rows
    stored = store.get_vectors("review_embedding", [r["id"] for r in rows])
    row = next((r for r in rows if r["id"] in stored), None)
    if row is None:
        return None
    vector = service.deps.embedder.embed_documents([row["text"]])[0]
    sims = store.vector_similarities("review_embedding", [row["id"]], vector.tolist())
    return sims.get(row["id"])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=120, help="timed questions")
    ap.add_argument("--warmup", type=int, default=5, help="untimed questions after the first")
    ap.add_argument("--query-cache", choices=("warm", "cold"), default="warm")
    ap.add_argument("--no-warm-up", action="store_true", help="open without the warm-up")
    args = ap.parse_args()
    settings = get_settings()
    if settings.llm.enabled:
        raise SystemExit("bench_agent measures offline mode: unset TRIPGRAPH_LLM__BASE_URL")
    gold = [g for g in load_gold() if g["kind"] in ("recommend", "followup", "graph")]
    questions = [(g["question"], g.get("conversation")) for g in gold]
    total_asked = 1 + args.warmup + args.n
    while len(questions) < total_asked:
        questions += questions
    mem = Path(tempfile.mkdtemp(prefix="bench-agent-")) / "memory.sqlite"
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    service = AgentService.open(settings, memory_path=mem, warm_up=not args.no_warm_up)
    open_s = time.perf_counter() - t0
    stage_ms: dict[str, list[float]] = defaultdict(list)
    by_intent: dict[str, list[float]] = defaultdict(list)
    embedder = service.deps.embedder
    cache = embedder if isinstance(embedder, CachedQueryEmbedder) else None
    try:
        first_ms = None
        for i, (q, conv) in enumerate(questions[:total_asked]):
            if cache is not None and args.query_cache == "cold":
                cache.clear()
            thread = f"bench-{conv}-{i // len(gold)}" if conv else None
            started = time.perf_counter()
            answer = service.ask(q, thread)
            if i == 0:
                # Nothing but `open` ran before this question (the check below embeds a
                # document, which would warm the model up).
                first_ms = round((time.perf_counter() - started) * 1000, 2)
                match = embedder_matches_graph(service)
                if match is not None and match < 0.99:
                    raise SystemExit(
                        f"the graph's review vectors were not made by {embedder.name} "
                        f"(similarity {match:.3f}): embed the graph with it, or set "
                        "TRIPGRAPH_EMBEDDING__TEXT_MODEL"
                    )
            if i <= args.warmup:
                continue
            for k, v in answer.timings_ms.items():
                stage_ms[k].append(v)
            by_intent[answer.intent].append(answer.timings_ms["total"])
        counts = service.deps.store.counts()
        stats = cache.stats() if cache is not None else None
        warm = service.warm_up_report
    finally:
        service.close()
    totals = stage_ms["total"]
    result: dict[str, Any] = {
        "benchmark": "agent_offline_latency",
        "git_sha": git_sha(),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "config": {
            "backend": settings.graph.backend,
            "scale": settings.scale,
            "graph_dir": str(settings.graph.embedded_dir),
            "embedder": embedder.name,
            "embedder_matches_graph": match,
            "nodes": counts.total_nodes,
            "reviews": counts.nodes.get("Review"),
            "n": args.n,
            "warmup": args.warmup,
            "query_cache": args.query_cache,
            "warm_up_at_open": not args.no_warm_up,
        },
        "open_seconds": round(open_s, 2),
        "warm_up": warm.model_dump() if warm else None,
        "first_question_ms": first_ms,
        "query_cache_stats": dataclasses.asdict(stats) if stats else None,
        "latency_ms": {
            k: {
                "p50": percentile(v, 0.5),
                "p95": percentile(v, 0.95),
                "max": round(max(v), 2),
                "n": len(v),
            }
            for k, v in stage_ms.items()
        },
        "total_by_intent_ms": {
            k: {"p50": percentile(v, 0.5), "p95": percentile(v, 0.95), "n": len(v)}
            for k, v in by_intent.items()
        },
        "target_p95_ms": 300,
    }
    result["meets_target"] = (percentile(totals, 0.95) or 1e9) < 300
    out = settings.run_dir / "benchmarks"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    name = f"agent-{settings.scale}-{embedder.name}-{args.query_cache}"
    path = out / f"{name}{'-nowarmup' if args.no_warm_up else ''}-{stamp}.json"
    path.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    summary = {
        k: result[k] for k in ("open_seconds", "first_question_ms", "latency_ms", "meets_target")
    }
    print(json.dumps(summary, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
