"""The Understand step of the agent eval on its own: every `Understander` policy (gazetteer
parser, NER model, model intent + parser slots, hybrid) over the agent gold set, and the
parser with this graph's vocabulary over the held-out questions (`evals/understanding.py`).
No graph queries: what it measures is the reading of the question, before any retrieval."""

from __future__ import annotations

import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from agent.state import Turn
from agent.understand import Understander, UnderstandingPolicy, Vocabulary
from evals.agent_scorers import percentile, slot_matches

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
