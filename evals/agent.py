"""End-to-end agent eval: gold questions → the agent (offline, or LLM when configured) →
scorers → JSON + PNG under runs/evals/.

Scorers:
- intent accuracy and slot accuracy (each expected slot compared exactly; a question counts
  as fully correct when all its expected slots match);
- Text2Cypher execution accuracy: the agent's query and the gold query are both run and
  their result sets compared (rows as value tuples, order-insensitive, floats rounded);
- constraint satisfaction of picks: strict (the pick meets every gold constraint) and
  disclosed (it meets them or its answer says which one was relaxed); picks outside the
  asked region: their distance from its centre, and how many lie past the relaxation bound
  (`AgentConfig.nearby_km`) without saying so (`picks_beyond_bound_undisclosed`);
- citations: share of cited reviews that exist, are ABOUT the pick, and whose quoted text is
  a verbatim excerpt of the review;
- follow-ups: "cheaper" turns whose picks are all below the previous picks' mean spend,
  "other" turns that repeat none of the previous picks;
- tools: itinerary questions — places per day read right, and the top package reaches the
  best match rate any product reaches; place-mapping questions — the place resolved to the
  gold internal record and mapped to the gold external one (or to none);
- intent accuracy per expected intent, and which understanding path ran per question;
- latency p50/p95 per stage.

Understanding ablation: the Understand step alone under each policy of
`agent.understand.Understander` (gazetteer parser, NER model, model intent + parser slots,
hybrid) on the same questions, intent accuracy per intent and slot accuracy per slot. On the
198-question gold set with the graph's vocabulary and the served crf_aug model (retrained
19:13 UTC, 2026-11-28) the model alone reads worse than the parser (intent 0.808 vs 0.980,
slot accuracy 0.803 vs 1.000; region 0.76, party 0.68), so the agent runs `hybrid`: the
parser, with the model deciding only where the parser finds nothing (intent 0.990, slots
1.000; place-mapping questions 0.85 vs 0.69). The gold recommendations are sampled from the
parser's own phrasings, so the parser's 1.000 is an upper bound, not a generalisation figure.
Questions written apart from the parser (menus, parties, sizes, occasions, typos, asks for
what the graph does not hold) are scored by `evals/understanding.py`.

ragas metrics (`evals/agent_ragas.py`, which says how each is defined and why): evidence
context precision of recommendations against the reviews of merchants meeting every gold
constraint, Text2Cypher result precision/recall against the gold query's rows, and whether a
graph answer states the gold values; the LLM-judged faithfulness only with an endpoint.

This module is the run loop and the JSON it writes; the per-question scorers are in
`evals/agent_scorers.py`, the Understand step alone in `evals/agent_understanding.py`, the
summary and the PNG in `evals/agent_report.py`.
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.service import AgentAnswer, AgentService
from evals import agent_ragas
from evals.agent_report import plot, summarise
from evals.agent_scorers import (
    evidence_precision,
    graph_rows,
    itinerary_checks,
    mapping_checks,
    pick_checks,
    result_set,
    slot_matches,
)
from evals.agent_understanding import heldout_understanding, understanding_ablation
from evals.paraphrase import load_paraphrase_gold, score_paraphrase_understanding
from graph_schema.store import GraphStore
from tripgraph.provenance import git_sha

if TYPE_CHECKING:
    from tripgraph.settings import Settings

GOLD = Path(__file__).parent / "gold" / "agent_gold.jsonl"


def load_gold(path: Path = GOLD) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def evaluate(
    service: AgentService, store: GraphStore, gold: list[dict[str, Any]], *, ragas: bool = True
) -> dict[str, Any]:
    per_item: list[dict[str, Any]] = []
    stage_ms: dict[str, list[float]] = defaultdict(list)
    threads: dict[str, str] = {}
    previous: dict[str, AgentAnswer] = {}
    run_id = f"eval-{int(time.time())}"
    pools: dict[str, list[str]] = {}
    llm_samples: list[dict[str, Any]] = []  # for the LLM-judged ragas metrics
    for item in gold:
        conv = item.get("conversation")
        thread = threads.setdefault(conv, f"{run_id}-{conv}") if conv else None
        answer = service.ask(item["question"], thread)
        for k, v in answer.timings_ms.items():
            stage_ms[k].append(v)
        exp = item["expected"]
        got_slots = answer.slots.model_dump()
        matches = slot_matches(exp.get("slots", {}), got_slots)
        rec: dict[str, Any] = {
            "id": item["id"],
            "kind": item["kind"],
            "question": item["question"],
            "intent_ok": answer.intent == exp["intent"],
            "intent": answer.intent,
            "expected_intent": exp["intent"],
            "understanding": _understanding_path(answer),
            "slot_matches": matches,
            "mode": answer.mode,
            "n_picks": len(answer.picks),
        }
        if item["kind"] == "graph":
            gold_rows, rows, note = graph_rows(store, item["gold_cypher"], answer)
            rec.update({"exec_ok": rows is not None and result_set(rows) == result_set(gold_rows)})
            if note:
                rec["exec_note"] = note
            if ragas:
                scores = agent_ragas.score_graph_question(rows or [], gold_rows, answer.answer)
                if scores is not None:
                    rec["ragas"] = scores
        if "itinerary" in exp:
            rec.update(itinerary_checks(exp, answer.tool_result or {}))
        if "mapping" in exp:
            rec.update(mapping_checks(exp["mapping"], answer.tool_result or {}))
        if answer.picks and item.get("constraints"):
            rec.update(
                pick_checks(
                    store,
                    item["constraints"],
                    answer,
                    service.deps.vocab.region_coords,
                    service.deps.config.nearby_km,
                )
            )
            if ragas:
                rec["ragas"] = evidence_precision(store, item["constraints"], answer, pools)
            llm_samples.append(
                {
                    "question": item["question"],
                    "answer": answer.answer,
                    "contexts": [e.text for p in answer.picks for e in p.evidence],
                }
            )
        if conv and conv in previous and answer.picks:
            prev = previous[conv]
            prev_ids = {p.merchant_id for p in prev.picks}
            if exp.get("cheaper_than_previous") and prev.picks:
                mean = sum(p.avg_price or 0 for p in prev.picks) / len(prev.picks)
                rec["cheaper_ok"] = all((p.avg_price or 0) < mean for p in answer.picks)
            if exp.get("excludes_previous"):
                rec["excludes_ok"] = not ({p.merchant_id for p in answer.picks} & prev_ids)
        if conv:
            previous[conv] = answer
        per_item.append(rec)
    return {"items": per_item, "stage_ms": stage_ms, "llm_samples": llm_samples}


def _understanding_path(answer: AgentAnswer) -> str | None:
    """The understanding path the answer reports (the `understand` step's detail)."""
    return next((s.detail for s in answer.steps if s.step == "understand"), None)


def run_agent_eval(
    settings: Settings,
    *,
    gold_path: Path | None = None,
    limit: int | None = None,
    out_dir: Path | None = None,
    service: AgentService | None = None,
    ablation: bool = True,
) -> dict[str, Any]:
    """Run the gold set through the agent; with `ablation`, also the Understand step alone
    under every policy (gazetteer parser, NER model, both) on the same questions."""
    import tempfile

    gold = load_gold(gold_path or GOLD)[: limit or None]
    own = service is None
    if service is None:
        # A throw-away memory file: eval threads must not mix with users' conversations.
        mem = Path(tempfile.mkdtemp(prefix="agent-eval-")) / "memory.sqlite"
        service = AgentService.open(settings, memory_path=mem)
    try:
        started = time.perf_counter()
        raw = evaluate(service, service.deps.store, gold)
        seconds = time.perf_counter() - started
        metrics = summarise(raw)
        if settings.llm.base_url:  # an LLM endpoint is configured
            try:
                metrics["ragas"]["llm"] = agent_ragas.llm_metrics(
                    raw["llm_samples"],
                    settings.llm.base_url,
                    settings.llm.api_key.get_secret_value(),
                    settings.llm.model,
                )
            except Exception as exc:  # an unreachable judge must not lose the other figures
                metrics["ragas"]["llm"] = f"failed: {type(exc).__name__}: {str(exc)[:200]}"
        understanding = (
            understanding_ablation(gold, service.deps.vocab, settings.model_dir / "ner")
            if ablation
            else {}
        )
        metrics["understanding_heldout"] = heldout_understanding(service.deps.vocab)
        paraphrase = score_paraphrase_understanding(
            load_paraphrase_gold("test"), service.deps.vocab
        )
        metrics["understanding_paraphrase_test"] = {
            k: v for k, v in paraphrase.items() if k != "misses"
        }
        metrics["understanding"] = {
            policy: {
                k: v[k]
                for k in ("model_used", "intent_accuracy", "slot_accuracy", "slot_exact_match")
            }
            for policy, v in understanding.items()
        }
        counts = service.deps.store.counts()
    finally:
        if own:
            service.close()
    out = out_dir or settings.run_dir / "evals"
    out.mkdir(parents=True, exist_ok=True)
    stamp = time.strftime("%Y%m%d-%H%M%S")
    json_path = out / f"agent-{stamp}.json"
    png_path = out / f"agent-{stamp}.png"
    result = {
        "eval": "agent",
        "git_sha": git_sha(),
        "config": {
            "gold": str(gold_path or GOLD),
            "n": len(gold),
            "llm": settings.llm.model if settings.llm.enabled else None,
            "embedder": service.deps.embedder.name,
            "backend": settings.graph.backend,
            "scale": settings.scale,
            "graph_nodes": counts.total_nodes,
            "agent_config": service.deps.config.model_dump(),
        },
        "seconds": round(seconds, 1),
        "metrics": metrics,
        "understanding_ablation": understanding,
        "items": raw["items"],
        "notes": [
            "latency is wall-clock on a shared 2-core machine",
            "gold recommendation questions are sampled from hand-written phrasings "
            "(evals/gold/build_agent_gold.py); expected slots are known by construction",
        ],
    }
    json_path.write_text(
        json.dumps(result, ensure_ascii=False, indent=2, default=str), encoding="utf-8"
    )
    plot(metrics, png_path)
    return {"metrics": metrics, "json_path": str(json_path), "png_path": str(png_path)}
