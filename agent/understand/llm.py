"""The LLM's reading of a question (when an endpoint is configured): the same `Parsed` as
the offline parser, checked against the vocabulary so that only the graph's own names reach
the Cypher."""

from __future__ import annotations

from pydantic import ValidationError

from agent.llm import ChatModel, LLMError, parse_json_object
from agent.state import Slots, Turn
from agent.understand.rules import Parsed
from agent.understand.vocabulary import Vocabulary
from prompts import agent as P
from recsys_tools.nlu.labels import INTENTS
from tripgraph.vocab import ATTRIBUTES


def llm_understand(
    llm: ChatModel, v: Vocabulary, question: str, previous: Turn | None, offline: Parsed
) -> Parsed:
    """Intent and slots read by the LLM, its names mapped onto the graph's own through the
    vocabulary; what only the deterministic reading knows (what the graph does not hold, the
    previous picks a follow-up refers to) is taken from `offline`. Raises `LLMError` on
    output the agent cannot use, so the caller falls back on `offline`."""
    messages = P.UNDERSTAND.messages(
        regions=", ".join(sorted(set(v.regions.values()))),
        categories=", ".join(sorted(set(v.categories.values()))),
        attributes=", ".join(ATTRIBUTES),
        previous=previous.slots.model_dump_json(exclude_none=True) if previous else "none",
        question=question,
    )
    data = parse_json_object(llm.complete(messages, json_mode=True))
    intent = data.get("intent")
    if intent not in INTENTS:
        raise LLMError("bad_understanding", f"unknown intent {intent!r}")
    raw = data.get("slots") or {}
    if not isinstance(raw, dict):
        raise LLMError("bad_understanding", "slots is not an object")
    raw = {k: val for k, val in raw.items() if val is not None and k in Slots.model_fields}
    try:
        slots = Slots.model_validate({**raw, "must_haves": raw.get("must_haves") or []})
    except ValidationError as exc:
        raise LLMError("bad_understanding", str(exc).splitlines()[0]) from exc
    # Names must be the graph's own: map aliases, drop what the data does not know.
    if slots.region:
        slots.region = v.regions.get(slots.region.lower()) or v.regions.get(
            slots.region.lower().rstrip("읍면동")
        )
    if slots.region:
        slots.city = v.region_city.get(slots.region, slots.city)
    if slots.category:
        slots.category = v.categories.get(slots.category.lower())
    if slots.menu:
        slots.menu = v.menus.get(slots.menu.lower())
    slots.must_haves = [a for a in slots.must_haves if a in ATTRIBUTES]
    if slots.occasion and v.extra.occasion(slots.occasion) is None:
        slots.occasion = None
    # What the graph does not hold is known from the vocabulary, not from the LLM.
    slots.not_in_graph, slots.stand_ins = offline.slots.not_in_graph, offline.slots.stand_ins
    if slots.stand_ins and slots.category:
        slots.stand_ins = []
    # A dish no table holds and a kind of meal are read from the vocabulary too.
    unnamed = not (slots.category or slots.menu)
    slots.unknown_food = offline.slots.unknown_food if unnamed else None
    slots.meal_kind = offline.slots.meal_kind if unnamed else None
    slots.meal = slots.meal or (bool(slots.unknown_food) and offline.slots.meal)
    if offline.followup:
        # Exclusions and "cheaper than what you showed" need the previous picks, which the
        # LLM never saw: take them from the deterministic refinement.
        slots.exclude_ids = offline.slots.exclude_ids
        slots.max_avg_price = slots.max_avg_price or offline.slots.max_avg_price
    return Parsed(intent, slots, followup=offline.followup, signals=offline.signals)
