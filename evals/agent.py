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
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.service import AgentAnswer, AgentService
from agent.state import Turn
from agent.understand import Understander, UnderstandingPolicy, Vocabulary, haversine_km
from evals import agent_ragas
from evals.paraphrase import load_paraphrase_gold, score_paraphrase_understanding
from graph_schema.store import GraphStore, GraphStoreError
from tripgraph.provenance import git_sha
from tripgraph.vocab import ATTRIBUTES

if TYPE_CHECKING:
    from tripgraph.settings import Settings

GOLD = Path(__file__).parent / "gold" / "agent_gold.jsonl"
RAGAS_LLM_NOTE = "not run: no LLM endpoint configured (TRIPGRAPH_LLM__BASE_URL)"
STAGES = (
    "understand",
    "text2cypher",
    "hyde",
    "backfill",
    "select",
    "graph_query",
    "tool",
    "answer",
    "total",
)


def load_gold(path: Path = GOLD) -> list[dict[str, Any]]:
    return [
        json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()
    ]


def _norm(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, list):
        return tuple(_norm(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _norm(v)) for k, v in value.items()))
    return value


def result_set(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(_norm(v) for v in r.values()) for r in rows), key=repr)


def slot_matches(expected: dict[str, Any], got: dict[str, Any]) -> dict[str, bool]:
    out = {}
    for key, want in expected.items():
        have = got.get(key)
        if key == "must_haves":
            out[key] = sorted(want or []) == sorted(have or [])
        else:
            out[key] = want == have
    return out


def pick_violations(pick: dict[str, Any], merchant: dict[str, Any], c: dict[str, Any]) -> list[str]:
    bad = []
    if c.get("region") and merchant.get("region") != c["region"]:
        bad.append("region")
    if c.get("city") and merchant.get("city") != c["city"]:
        bad.append("city")
    if c.get("category") and merchant.get("category") != c["category"]:
        bad.append("category")
    for attr in c.get("must_haves") or []:
        if not merchant.get(attr):
            bad.append(attr)
    return bad


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    idx = min(len(s) - 1, max(0, round(q * (len(s) - 1))))
    return round(s[idx], 2)


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
            gold_rows, rows, note = _graph_rows(store, item["gold_cypher"], answer)
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
                _pick_checks(
                    store,
                    item["constraints"],
                    answer,
                    service.deps.vocab.region_coords,
                    service.deps.config.nearby_km,
                )
            )
            if ragas:
                rec["ragas"] = _evidence_precision(store, item["constraints"], answer, pools)
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


def itinerary_checks(expected: dict[str, Any], tool_result: dict[str, Any]) -> dict[str, Any]:
    """Places per day read right; the top package reaches the best match rate any product
    reaches (and is one of those products)."""
    data = tool_result.get("data") or {}
    got_days = [{"day": d["day"], "places": list(d["places"])} for d in data.get("itinerary") or []]
    items = tool_result.get("items") or []
    best = expected["best_match_rate"]
    if best > 0:
        top_ok = bool(items) and (
            abs(items[0]["match_rate"] - best) < 1e-3
            and items[0]["product_id"] in expected["best_products"]
        )
    else:
        top_ok = not items
    return {"itinerary_parse_ok": got_days == expected["itinerary"], "package_ok": top_ok}


def mapping_checks(expected: dict[str, Any], tool_result: dict[str, Any]) -> dict[str, Any]:
    """The asked place resolved to the gold internal record, and its external counterpart
    is the gold one (or none when the external database has none)."""
    items = tool_result.get("items") or []
    first = items[0] if items else {}
    mapped = (first.get("mapped") or {}).get("external_id")
    return {
        "mapping_resolved_ok": first.get("internal_id") == expected["internal_id"],
        "mapping_ok": first.get("internal_id") == expected["internal_id"]
        and mapped == expected["external_id"],
    }


def _graph_rows(
    store: GraphStore, gold_cypher: str, answer: AgentAnswer
) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None, str | None]:
    """The gold query's rows and the agent query's rows (None when it has no query or its
    query fails, with a note saying why)."""
    gold_rows = store.read(gold_cypher).rows
    if not answer.cypher:
        return gold_rows, None, "no query"
    try:
        return gold_rows, store.read(answer.cypher, answer.cypher_params).rows, None
    except GraphStoreError as exc:
        return gold_rows, None, str(exc)[:100]


def qualifying_reviews_query(constraints: dict[str, Any]) -> str:
    """Cypher for the texts of reviews ABOUT merchants meeting every gold hard constraint
    (values are parameters; attribute names are checked against the vocabulary)."""
    where = [f"m.{k} = ${k}" for k in ("region", "city", "category") if constraints.get(k)]
    for attr in constraints.get("must_haves") or []:
        if attr not in ATTRIBUTES:
            raise ValueError(f"unknown attribute {attr!r}")
        where.append(f"m.{attr} = true")
    cond = f"WHERE {' AND '.join(where)} " if where else ""
    return f"MATCH (m:Merchant) {cond}MATCH (r:Review)-[:ABOUT]->(m) RETURN r.text AS text"


def _evidence_precision(
    store: GraphStore, constraints: dict[str, Any], answer: AgentAnswer, pools: dict[str, list[str]]
) -> dict[str, Any]:
    """ragas evidence precision of one answer: the full texts of its cited reviews, in the
    order shown, against the reviews of the merchants that meet every gold constraint
    (`evidence_precision`) and of those that meet the place and category only, must-haves
    dropped (`evidence_precision_core`). None where no merchant qualifies."""

    def pool(c: dict[str, Any]) -> list[str]:
        key = json.dumps(c, sort_keys=True, ensure_ascii=False)
        if key not in pools:
            params = {k: c[k] for k in ("region", "city", "category") if c.get(k)}
            rows = store.read(
                qualifying_reviews_query(c), params, max_rows=10_000_000, timeout_ms=60_000
            ).rows
            pools[key] = [r["text"] for r in rows]
        return pools[key]

    full = pool(constraints)
    core = pool({k: v for k, v in constraints.items() if k != "must_haves"})
    ids = [e.review_id for p in answer.picks for e in p.evidence]
    texts = {
        r["id"]: r["text"]
        for r in store.read(
            "MATCH (r:Review) WHERE r.review_id IN $ids RETURN r.review_id AS id, r.text AS text",
            {"ids": ids},
            max_rows=len(ids) or 1,
        ).rows
    }
    cited = [texts[i] for i in ids if i in texts]
    t = agent_ragas.REVIEW_THRESHOLD
    return {
        "evidence_precision": agent_ragas.context_precision(cited, full, t) if full else None,
        "evidence_precision_core": agent_ragas.context_precision(cited, core, t) if core else None,
    }


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


def _pick_checks(
    store: GraphStore,
    constraints: dict[str, Any],
    answer: AgentAnswer,
    region_coords: dict[str, tuple[float, float]] | None = None,
    bound_km: float | None = None,
) -> dict[str, Any]:
    """Constraint satisfaction (strict / or disclosed), citations, and the distance of
    picks outside the asked region: how far (km from the region's centre), and whether a
    pick past `bound_km` says it relaxed the place."""
    ids = [p.merchant_id for p in answer.picks]
    nodes = {
        r["m"]["merchant_id"]: r["m"]
        for r in store.read(
            "MATCH (m:Merchant) WHERE m.merchant_id IN $ids RETURN m", {"ids": ids}
        ).rows
    }
    strict = disclosed = beyond = beyond_disclosed = 0
    away_km: list[float] = []
    centre = (region_coords or {}).get(constraints.get("region") or "")
    for p in answer.picks:
        node = nodes.get(p.merchant_id, {})
        bad = pick_violations(p.model_dump(), node, constraints)
        strict += not bad
        disclosed += (not bad) or bool(p.relaxed)
        if centre and "region" in bad and node.get("lat") is not None:
            km = haversine_km(centre[0], centre[1], float(node["lat"]), float(node["lon"]))
            away_km.append(round(km, 1))
            if bound_km is not None and km > bound_km:
                beyond += 1
                beyond_disclosed += any(n.startswith("지역:") for n in p.relaxed)
    pairs = [
        {"review_id": e.review_id, "merchant_id": p.merchant_id}
        for p in answer.picks
        for e in p.evidence
    ]
    found = {
        (r["review_id"], r["merchant_id"]): r["text"]
        for r in store.read(
            "UNWIND $pairs AS p MATCH (r:Review {review_id: p.review_id})-[:ABOUT]->"
            "(m:Merchant {merchant_id: p.merchant_id}) "
            "RETURN r.review_id AS review_id, m.merchant_id AS merchant_id, r.text AS text",
            {"pairs": pairs},
        ).rows
    }
    valid = sum(
        1
        for p in answer.picks
        for e in p.evidence
        if e.text in found.get((e.review_id, p.merchant_id), "\x00")
    )
    return {
        "picks_strict": strict,
        "picks_disclosed": disclosed,
        "picks_total": len(answer.picks),
        "picks_away_km": away_km,
        "picks_beyond_bound": beyond,
        "picks_beyond_bound_disclosed": beyond_disclosed,
        "citations_valid": valid,
        "citations_total": len(pairs),
    }


POLICIES: tuple[UnderstandingPolicy, ...] = ("gazetteer", "model", "model_intent", "hybrid")


def understanding_ablation(
    gold: list[dict[str, Any]],
    vocab: Vocabulary,
    model_dir: Path | None,
    policies: tuple[UnderstandingPolicy, ...] = POLICIES,
) -> dict[str, Any]:
    """Intent and slot accuracy of the Understand step alone under each policy (with and
    without the NER model), per intent and per slot. Follow-ups see the previous turn of
    their conversation as this policy understood it (without picks: no pick-dependent
    slots are in the gold)."""
    out: dict[str, Any] = {}
    for policy in policies:
        und = Understander(model_dir, policy)
        und.load()
        previous: dict[str, Turn] = {}
        intent_ok: dict[str, list[bool]] = defaultdict(list)
        per_slot: dict[str, list[bool]] = defaultdict(list)
        exact: list[bool] = []
        paths: dict[str, int] = defaultdict(int)
        ms: list[float] = []
        for item in gold:
            conv = item.get("conversation")
            started = time.perf_counter()
            parsed, u = und.parse(item["question"], vocab, previous.get(conv) if conv else None)
            ms.append((time.perf_counter() - started) * 1000)
            paths[f"{u.path}: intent {u.intent_source}, slots {u.slot_source}"] += 1
            exp = item["expected"]
            intent_ok[exp["intent"]].append(parsed.intent == exp["intent"])
            matches = slot_matches(exp.get("slots", {}), parsed.slots.model_dump())
            for k, ok in matches.items():
                per_slot[k].append(ok)
            if matches:
                exact.append(all(matches.values()))
            if conv:
                previous[conv] = Turn(
                    question=item["question"], intent=parsed.intent, slots=parsed.slots
                )
        pairs = [ok for v in per_slot.values() for ok in v]
        all_intents = [ok for v in intent_ok.values() for ok in v]
        out[policy] = {
            "model_used": und.load(),
            "intent_accuracy": _share(sum(all_intents), len(all_intents)),
            "intent_accuracy_by_intent": {
                k: {"n": len(v), "accuracy": _share(sum(v), len(v))}
                for k, v in sorted(intent_ok.items())
            },
            "slot_accuracy": _share(sum(pairs), len(pairs)),
            "slot_exact_match": _share(sum(exact), len(exact)),
            "slot_accuracy_by_slot": {
                k: _share(sum(v), len(v)) for k, v in sorted(per_slot.items())
            },
            "paths": dict(paths),
            "latency_ms": {"p50": percentile(ms, 0.5), "p95": percentile(ms, 0.95)},
        }
    return out


def heldout_understanding(vocab: Vocabulary) -> dict[str, Any]:
    """The parser on the held-out questions (`evals/understanding.py`) with this graph's
    vocabulary: intent, per-field and exact-match accuracy."""
    from agent.understand import parse_question
    from evals.understanding import load_heldout, score_understanding

    def parse(question: str) -> tuple[str, dict[str, Any]]:
        parsed = parse_question(question, vocab)
        return parsed.intent, parsed.slots.model_dump()

    return score_understanding(load_heldout(), parse)


def _share(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


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
