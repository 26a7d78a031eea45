"""The second gold set (`gold/paraphrase_gold.jsonl`, issue 12 item 5) scored on its test
families: how the agent reads, and answers, asks written apart from the parser.

The set is written by `gold/build_paraphrase_gold.py` (its docstring says how, and which
conventions the expected readings follow); families, not questions, are split into `dev`
and `test`, and the figures that count are the test ones.

Two levels:

- **Understanding** (no graph needed with the gazetteer vocabulary): intent, each field of
  the expected reading, every field right, per family. A follow-up is read with the
  previous turn as the parser read it, as the agent does.
- **Agent** (`--agent`, on the configured graph, offline unless an LLM is configured): each
  question through `AgentService.ask`, conversations on their own threads. Scorers: three
  picks; the reading's party, party size and occasion; for a dish, the share of picks that
  serve it (`SERVES`); for an ask the graph cannot hold, whether the answer says so (the
  label in `not_in_graph` and in the answer text), and false claims of that elsewhere;
  relaxation: picks meeting the asked place, category and must-haves or disclosing what was
  relaxed, the distance of picks outside the asked 읍면동 and how many lie past the bound
  without saying so (the scorers of `evals/agent.py`).

    .venv/bin/python -m evals.paraphrase                 # understanding, test families
    .venv/bin/python -m evals.paraphrase --agent --out runs/evals/paraphrase.json
"""

from __future__ import annotations

import argparse
import json
import time
from collections import defaultdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from evals.understanding import FIELDS, ParseFn, field_ok, score_understanding

if TYPE_CHECKING:
    from collections.abc import Callable

    from agent.service import AgentService
    from agent.state import Turn
    from agent.understand import Parsed, Vocabulary

GOLD = Path(__file__).parent / "gold" / "paraphrase_gold.jsonl"
SPLITS = ("test", "dev")


def load_paraphrase_gold(split: str | None = "test", path: Path = GOLD) -> list[dict[str, Any]]:
    """The items of `split` (None: all), in file order (a conversation's turns in order)."""
    items = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]
    return [i for i in items if split is None or i["split"] == split]


def conversation_parser(
    items: list[dict[str, Any]],
    vocab: Vocabulary,
    parse_question: Callable[[str, Vocabulary, Turn | None], Parsed] | None = None,
) -> ParseFn:
    """A parse function for `score_understanding` that reads a follow-up with its
    conversation's previous turn (as read by the parser), as the agent's memory does.
    `parse_question`: the parser (default: `agent.understand.parse_question`)."""
    from agent.state import Turn
    from agent.understand import parse_question as default_parser

    read = parse_question or default_parser
    by_question = {i["question"]: i for i in items}
    previous: dict[str, Turn] = {}

    def parse(question: str) -> tuple[str, dict[str, Any]]:
        conv = by_question[question].get("conversation")
        parsed = read(question, vocab, previous.get(conv) if conv else None)
        if conv:
            previous[conv] = Turn(question=question, intent=parsed.intent, slots=parsed.slots)
        return parsed.intent, parsed.slots.model_dump()

    return parse


def score_paraphrase_understanding(
    items: list[dict[str, Any]], vocab: Vocabulary
) -> dict[str, Any]:
    """`evals.understanding` scores of the parser on these items, plus the exact-match share
    per family."""
    result = score_understanding(items, conversation_parser(items, vocab))
    misses_by_id: dict[str, int] = defaultdict(int)
    for m in result["misses"]:
        misses_by_id[m["id"]] += 1
    families: dict[str, list[bool]] = defaultdict(list)
    for item in items:
        families[item["family"]].append(misses_by_id[item["id"]] == 0)
    result["exact_by_family"] = {f: round(sum(v) / len(v), 4) for f, v in families.items()}
    return result


# --------------------------------------------------------------------------- agent


def _serving_share(service: AgentService, menu: str, ids: list[str]) -> float | None:
    if not ids:
        return None
    rows = service.deps.store.read(
        "MATCH (m:Merchant)-[:SERVES]->(:Menu {name: $menu}) WHERE m.merchant_id IN $ids "
        "RETURN count(DISTINCT m) AS n",
        {"menu": menu, "ids": ids},
    ).rows
    return int(rows[0]["n"]) / len(ids) if rows else 0.0


def graph_matches(service: AgentService, constraints: dict[str, Any]) -> int:
    """How many merchants meet every hard constraint of the ask (its 읍면동, category and
    must-haves): where none does, relaxing is the right answer, not a miss; where one does,
    two of three picks must relax."""
    from tripgraph.vocab import ATTRIBUTES

    musts = [a for a in constraints.get("must_haves") or [] if a in ATTRIBUTES]
    where = ["m.region = $region"]
    if constraints.get("category"):
        where.append("m.category = $category")
    where += [f"m.{a} = true" for a in musts]  # names from the closed attribute set only
    rows = service.deps.store.read(
        f"MATCH (m:Merchant) WHERE {' AND '.join(where)} RETURN count(m) AS n",
        {"region": constraints["region"], "category": constraints.get("category")},
    ).rows
    return int(rows[0]["n"]) if rows else 0


def evaluate_agent(service: AgentService, items: list[dict[str, Any]]) -> dict[str, Any]:
    """Each item through the agent; per-item records and the summary figures."""
    from evals.agent_scorers import percentile, pick_checks

    run_id = f"paraphrase-{int(time.time())}"
    records: list[dict[str, Any]] = []
    for item in items:
        conv = item.get("conversation")
        exp = item["expected"]
        started = time.perf_counter()
        answer = service.ask(item["question"], f"{run_id}-{conv}" if conv else None)
        ms = (time.perf_counter() - started) * 1000
        got = answer.slots.model_dump()
        rec: dict[str, Any] = {
            "id": item["id"],
            "family": item["family"],
            "question": item["question"],
            "ms": round(ms, 1),
            "mode": answer.mode,
            "intent_ok": answer.intent == exp["intent"],
            "n_picks": len(answer.picks),
            "fields_ok": {k: field_ok(k, exp[k], got) for k in FIELDS if k in exp},
        }
        ids = [p.merchant_id for p in answer.picks]
        if exp.get("menu"):
            rec["menu_serving_share"] = _serving_share(service, exp["menu"], ids)
        wanted_missing = set(exp.get("not_in_graph") or [])
        if wanted_missing:
            rec["not_in_graph_said"] = wanted_missing <= set(got.get("not_in_graph") or []) and all(
                label in answer.answer for label in wanted_missing
            )
        else:
            rec["not_in_graph_false_claim"] = bool(got.get("not_in_graph"))
        constraints = {k: exp[k] for k in ("region", "category", "must_haves") if exp.get(k)}
        if answer.picks and exp.get("region"):
            rec["graph_matches"] = graph_matches(service, constraints)
            rec["graph_has_match"] = rec["graph_matches"] > 0
            rec.update(
                pick_checks(
                    service.deps.store,
                    constraints,
                    answer,
                    service.deps.vocab.region_coords,
                    service.deps.config.nearby_km,
                )
            )
        records.append(rec)
    return {"summary": summarise_agent(records, percentile), "items": records}


def _ratio(num: float, den: float) -> float | None:
    return round(num / den, 4) if den else None


def summarise_agent(records: list[dict[str, Any]], percentile: Any) -> dict[str, Any]:
    def mean(key: str) -> float | None:
        vals = [float(r[key]) for r in records if r.get(key) is not None]
        return round(sum(vals) / len(vals), 4) if vals else None

    def field(name: str) -> float | None:
        vals = [r["fields_ok"][name] for r in records if name in r["fields_ok"]]
        return round(sum(vals) / len(vals), 4) if vals else None

    def total(key: str) -> int:
        return sum(int(r.get(key) or 0) for r in records)

    away = [km for r in records for km in r.get("picks_away_km", [])]
    picks = total("picks_total")
    modes: dict[str, int] = defaultdict(int)
    for r in records:
        modes[str(r.get("mode"))] += 1
    return {
        "n": len(records),
        "modes": dict(modes),
        "intent_accuracy": mean("intent_ok"),
        "three_picks": round(sum(r["n_picks"] >= 3 for r in records) / len(records), 4)
        if records
        else None,
        "fields": {k: field(k) for k in FIELDS},
        "exact": round(
            sum(all(r["fields_ok"].values()) and r["intent_ok"] for r in records) / len(records), 4
        )
        if records
        else None,
        "menu_serving_share": mean("menu_serving_share"),
        "n_menu_asks": sum("menu_serving_share" in r for r in records),
        "not_in_graph_said": mean("not_in_graph_said"),
        "n_not_in_graph_asks": sum("not_in_graph_said" in r for r in records),
        "not_in_graph_false_claims": total("not_in_graph_false_claim"),
        "picks_strict": round(total("picks_strict") / picks, 4) if picks else None,
        # the done-when figure: strict picks where the graph holds a merchant meeting them all
        "picks_strict_where_graph_holds_a_match": _ratio(
            sum(r.get("picks_strict", 0) for r in records if r.get("graph_has_match")),
            sum(r.get("picks_total", 0) for r in records if r.get("graph_has_match")),
        ),
        "asks_where_graph_holds_a_match": sum(bool(r.get("graph_has_match")) for r in records),
        # the same against what the graph makes possible: an ask with one merchant meeting
        # it all can have one strict pick, not three
        "picks_strict_of_achievable": _ratio(
            sum(r.get("picks_strict", 0) for r in records if r.get("graph_has_match")),
            sum(
                min(r.get("picks_total", 0), r["graph_matches"])
                for r in records
                if r.get("graph_has_match")
            ),
        ),
        "picks_met_or_disclosed": round(total("picks_disclosed") / picks, 4) if picks else None,
        "picks_outside_region": len(away),
        "picks_away_km_p50": percentile(away, 0.5),
        "picks_away_km_max": max(away) if away else None,
        "picks_beyond_bound": total("picks_beyond_bound"),
        "picks_beyond_bound_undisclosed": total("picks_beyond_bound")
        - total("picks_beyond_bound_disclosed"),
        "latency_ms": {
            "p50": percentile([r["ms"] for r in records], 0.5),
            "p95": percentile([r["ms"] for r in records], 0.95),
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--split", choices=[*SPLITS, "all"], default="test")
    ap.add_argument("--agent", action="store_true", help="also run every question end to end")
    ap.add_argument("--out", type=Path, help="JSON file for the figures")
    ap.add_argument("--misses", action="store_true", help="print each misread field")
    args = ap.parse_args()
    items = load_paraphrase_gold(None if args.split == "all" else args.split)
    out: dict[str, Any] = {"split": args.split, "n": len(items)}
    if args.agent:
        from agent.service import AgentService
        from tripgraph.settings import get_settings

        settings = get_settings()
        service = AgentService.open(settings)
        try:
            out["understanding"] = score_paraphrase_understanding(items, service.deps.vocab)
            out["agent"] = evaluate_agent(service, items)
            out["graph"] = {"scale": settings.scale, "backend": settings.graph.backend}
            out["embedder"] = service.deps.embedder.name
        finally:
            service.close()
    else:
        from agent.understand import Vocabulary

        out["understanding"] = score_paraphrase_understanding(items, Vocabulary.from_gazetteer())
    und = out["understanding"]
    print(json.dumps({k: v for k, v in und.items() if k != "misses"}, ensure_ascii=False))
    if "agent" in out:
        print(json.dumps(out["agent"]["summary"], ensure_ascii=False))
    if args.misses:
        for m in und["misses"]:
            print(json.dumps(m, ensure_ascii=False))
    if args.out:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(out, ensure_ascii=False, indent=2, default=str))


if __name__ == "__main__":
    main()
