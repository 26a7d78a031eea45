"""The Understand step scored on held-out questions (`gold/understanding_heldout.jsonl`).

The held-out questions were written by hand for issue 12, not sampled from the parser's
templates or the agent gold set's phrasings: colloquial asks with menus, parties, party
sizes, occasions, price words, romanised and misspelt place names, and asks for what the
graph does not hold. Each lists the slots a reader should find (null: none).

Scores: intent accuracy; per-field accuracy over the recommendation questions (region,
city, category, menu, party, party_size, occasion, price, must_haves as a set, not_in_graph
as a set of labels); and the share of questions read right in every field.

`python -m evals.understanding` prints the figures for the gazetteer parser with the
gazetteer-only vocabulary (no graph needed).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

HELDOUT = Path(__file__).parent / "gold" / "understanding_heldout.jsonl"
FIELDS = (
    "region",
    "city",
    "category",
    "menu",
    "party",
    "party_size",
    "occasion",
    "price",
    "must_haves",
    "not_in_graph",
)
SET_FIELDS = ("must_haves", "not_in_graph")

# question → (intent, slots as a dict)
ParseFn = Callable[[str], tuple[str, dict[str, Any]]]


def load_heldout(path: Path = HELDOUT) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def field_ok(key: str, want: Any, got: dict[str, Any]) -> bool:
    have = got.get(key)
    if key in SET_FIELDS:
        return set(want or []) == set(have or [])
    return bool(want == have)


def score_understanding(items: list[dict[str, Any]], parse: ParseFn) -> dict[str, Any]:
    """Intent accuracy, per-field accuracy and exact-match share; `misses` lists each
    wrong field with what was read, for reading the failures."""
    per_field: dict[str, list[bool]] = defaultdict(list)
    intents: list[bool] = []
    exact: list[bool] = []
    misses: list[dict[str, Any]] = []
    for item in items:
        exp = item["expected"]
        intent, slots = parse(item["question"])
        intents.append(intent == exp["intent"])
        fields = [k for k in FIELDS if k in exp]
        if not fields:
            continue
        oks = {k: field_ok(k, exp[k], slots) for k in fields}
        for k, ok in oks.items():
            per_field[k].append(ok)
            if not ok:
                misses.append({"id": item["id"], "field": k, "want": exp[k], "got": slots.get(k)})
        exact.append(all(oks.values()) and intent == exp["intent"])

    def share(v: list[bool]) -> float | None:
        return round(sum(v) / len(v), 4) if v else None

    every = [ok for v in per_field.values() for ok in v]
    return {
        "n": len(items),
        "intent_accuracy": share(intents),
        "slot_accuracy": share(every),
        "exact_match": share(exact),
        "by_field": {k: share(per_field[k]) for k in FIELDS if k in per_field},
        "misses": misses,
    }


def parser_fn() -> ParseFn:
    """The gazetteer parser with the gazetteer-only vocabulary (what the unit test scores)."""
    from agent.understand import Vocabulary, parse_question

    vocab = Vocabulary.from_gazetteer()

    def parse(question: str) -> tuple[str, dict[str, Any]]:
        parsed = parse_question(question, vocab)
        return parsed.intent, parsed.slots.model_dump()

    return parse


if __name__ == "__main__":
    result = score_understanding(load_heldout(), parser_fn())
    print(json.dumps({k: v for k, v in result.items() if k != "misses"}, ensure_ascii=False))
    for m in result["misses"]:
        print(json.dumps(m, ensure_ascii=False))
