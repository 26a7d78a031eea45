"""The report of the agent eval: the per-question records of the run summed up into the
metrics of the JSON (shares, latency percentiles per stage, ragas means) and drawn as one
PNG (metric bars, latency per stage, the Understand ablation by policy)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from evals import agent_ragas
from evals.agent_scorers import percentile

RAGAS_LLM_NOTE = "not run: no LLM endpoint configured (TRIPGRAPH_LLM__BASE_URL)"
STAGES = (
    "understand",
    "text2cypher",
    "hyde",
    "backfill",
    "relax",
    "select",
    "graph_query",
    "tool",
    "answer",
    "total",
)


def ragas_summary(items: list[dict[str, Any]]) -> dict[str, Any]:
    scores = agent_ragas.RagasScores()
    for it in items:
        r = it.get("ragas")
        if not r:
            continue
        if "evidence_precision" in r:
            if r["evidence_precision"] is None:
                scores.evidence_no_reference += 1
            else:
                scores.evidence_precision.append(r["evidence_precision"])
        if r.get("evidence_precision_core") is not None:
            scores.evidence_precision_core.append(r["evidence_precision_core"])
        if "result_precision" in r:
            scores.result_precision.append(r["result_precision"])
            scores.result_recall.append(r["result_recall"])
            scores.answer_states_gold.append(r["answer_states_gold"])
    return scores.summary()


def summarise(raw: dict[str, Any]) -> dict[str, Any]:
    items = raw["items"]

    def share(num: float, den: float) -> float | None:
        return round(num / den, 4) if den else None

    slot_pairs = [ok for it in items for ok in it["slot_matches"].values()]
    with_slots = [it for it in items if it["slot_matches"]]
    per_slot: dict[str, list[bool]] = defaultdict(list)
    for it in items:
        for k, ok in it["slot_matches"].items():
            per_slot[k].append(ok)
    graph = [it for it in items if it["kind"] == "graph"]
    picks = [it for it in items if "picks_total" in it]
    rec_items = [it for it in items if it["kind"] in ("recommend", "followup")]
    by_kind: dict[str, dict[str, Any]] = {}
    for kind in sorted({it["kind"] for it in items}):
        ks = [it for it in items if it["kind"] == kind]
        by_kind[kind] = {
            "n": len(ks),
            "intent_accuracy": share(sum(it["intent_ok"] for it in ks), len(ks)),
        }
    by_intent: dict[str, dict[str, Any]] = {}
    for intent in sorted({it["expected_intent"] for it in items}):
        ks = [it for it in items if it["expected_intent"] == intent]
        by_intent[intent] = {
            "n": len(ks),
            "intent_accuracy": share(sum(it["intent_ok"] for it in ks), len(ks)),
        }
    paths: dict[str, int] = defaultdict(int)
    for it in items:
        paths[str(it.get("understanding"))] += 1

    def rate(key: str) -> float | None:
        have = [it[key] for it in items if key in it]
        return share(sum(have), len(have))

    metrics = {
        "n_questions": len(items),
        "intent_accuracy": share(sum(it["intent_ok"] for it in items), len(items)),
        "intent_accuracy_by_intent": by_intent,
        "understanding_paths": dict(paths),
        "itinerary_parse_accuracy": rate("itinerary_parse_ok"),
        "itinerary_top_package_accuracy": rate("package_ok"),
        "mapping_resolved_accuracy": rate("mapping_resolved_ok"),
        "mapping_accuracy": rate("mapping_ok"),
        "slot_accuracy": share(sum(slot_pairs), len(slot_pairs)),
        "slot_exact_match": share(
            sum(all(it["slot_matches"].values()) for it in with_slots), len(with_slots)
        ),
        "slot_accuracy_by_slot": {k: share(sum(v), len(v)) for k, v in sorted(per_slot.items())},
        "text2cypher_execution_accuracy": share(
            sum(it.get("exec_ok", False) for it in graph), len(graph)
        ),
        "recommendations_with_3_picks": share(
            sum(it["n_picks"] >= 3 for it in rec_items), len(rec_items)
        ),
        "constraint_satisfaction_strict": share(
            sum(it["picks_strict"] for it in picks), sum(it["picks_total"] for it in picks)
        ),
        "constraint_satisfaction_or_disclosed": share(
            sum(it["picks_disclosed"] for it in picks), sum(it["picks_total"] for it in picks)
        ),
        "picks_outside_region_max_km": max(
            (km for it in picks for km in it.get("picks_away_km", [])), default=None
        ),
        "picks_beyond_bound": sum(it.get("picks_beyond_bound", 0) for it in picks),
        "picks_beyond_bound_undisclosed": sum(
            it.get("picks_beyond_bound", 0) - it.get("picks_beyond_bound_disclosed", 0)
            for it in picks
        ),
        "citations_valid_and_about_pick": share(
            sum(it["citations_valid"] for it in picks), sum(it["citations_total"] for it in picks)
        ),
        "followup_cheaper_ok": share(
            sum(it.get("cheaper_ok", False) for it in items if "cheaper_ok" in it),
            sum(1 for it in items if "cheaper_ok" in it),
        ),
        "followup_excludes_previous_ok": share(
            sum(it.get("excludes_ok", False) for it in items if "excludes_ok" in it),
            sum(1 for it in items if "excludes_ok" in it),
        ),
        "by_kind": by_kind,
        "latency_ms": {
            s: {"p50": percentile(v, 0.5), "p95": percentile(v, 0.95), "n": len(v)}
            for s, v in raw["stage_ms"].items()
        },
        "modes": {m: sum(it["mode"] == m for it in items) for m in ("llm", "offline", "fallback")},
        "ragas": {**ragas_summary(items), "llm": RAGAS_LLM_NOTE},
    }
    return metrics


def plot(metrics: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ablation = metrics.get("understanding") or {}
    fig, axes = plt.subplots(1, 3 if ablation else 2, figsize=(19 if ablation else 13, 4.8))
    ax1, ax2 = axes[0], axes[1]
    names = [
        "intent_accuracy",
        "slot_accuracy",
        "slot_exact_match",
        "text2cypher_execution_accuracy",
        "recommendations_with_3_picks",
        "constraint_satisfaction_strict",
        "constraint_satisfaction_or_disclosed",
        "citations_valid_and_about_pick",
        "itinerary_parse_accuracy",
        "itinerary_top_package_accuracy",
        "mapping_accuracy",
    ]
    vals = [metrics.get(n) or 0.0 for n in names]
    labels = [n.replace("_", " ") for n in names]
    for key, metric in (metrics.get("ragas") or {}).items():
        if isinstance(metric, dict) and metric.get("value") is not None:
            labels.append(f"ragas: {key.replace('_', ' ')}")
            vals.append(metric["value"])
    ax1.barh(labels, vals, color="#3b7dd8")
    for i, v in enumerate(vals):
        ax1.text(min(v, 0.92), i, f" {v:.2f}", va="center")
    ax1.set_xlim(0, 1)
    ax1.invert_yaxis()
    ax1.set_title(f"agent eval ({metrics['n_questions']} questions)")
    lat = metrics["latency_ms"]
    stages = [s for s in STAGES if s in lat]
    x = range(len(stages))
    ax2.bar([i - 0.2 for i in x], [lat[s]["p50"] or 0 for s in stages], 0.4, label="p50")
    ax2.bar([i + 0.2 for i in x], [lat[s]["p95"] or 0 for s in stages], 0.4, label="p95")
    ax2.set_xticks(list(x), stages, rotation=30)
    ax2.set_yscale("log")  # a tool's first call (model load) would flatten everything else
    ax2.set_ylabel("ms (log)")
    ax2.set_title("latency per stage")
    ax2.legend()
    if ablation:
        ax3 = axes[2]
        policies = list(ablation)
        x3 = range(len(policies))
        for off, key, label in (
            (-0.2, "intent_accuracy", "intent"),
            (0.2, "slot_accuracy", "slots"),
        ):
            ax3.bar(
                [i + off for i in x3], [ablation[p][key] or 0 for p in policies], 0.4, label=label
            )
        ax3.set_xticks(list(x3), policies)
        ax3.set_ylim(0.5, 1.0)
        ax3.set_title("Understand step by policy (NER model vs gazetteer)")
        ax3.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
