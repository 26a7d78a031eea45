"""Pure routing functions: state in, the next node's name out."""

from __future__ import annotations

from typing import Literal

from agent.relaxation import shortfall
from agent.state import State

TOOL_INTENTS = ("recommend_products", "viewed_together", "itinerary", "place_mapping")


def route_intent(state: State) -> Literal["text2cypher", "graph_query", "tool", "answer"]:
    intent = state.get("intent")
    if intent == "recommend_place":
        return "text2cypher"
    if intent == "graph_question":
        return "graph_query"
    if intent in TOOL_INTENTS:
        return "tool"
    if intent == "out_of_scope":
        return "answer"
    raise ValueError(f"unexpected intent {intent!r}")


def route_after_hyde(state: State, backfill_below: int) -> Literal["backfill", "select"]:
    """Backfill (graph embeddings, then the relaxation ladder if still short) below
    `backfill_below` candidates, or when fewer candidates than picks meet every constraint."""
    candidates = state.get("candidates")
    if candidates is None:
        raise ValueError("hyde produced no candidate list")
    slots = state.get("slots")
    if len(candidates) < backfill_below or (slots is not None and shortfall(slots, candidates) > 0):
        return "backfill"
    return "select"


def route_after_backfill(state: State) -> Literal["relax", "select"]:
    """The relaxation ladder when fewer candidates than picks meet every constraint."""
    candidates, slots = state.get("candidates"), state.get("slots")
    if candidates is None or slots is None:
        raise ValueError("backfill without slots or candidates")
    return "relax" if shortfall(slots, candidates) > 0 else "select"
