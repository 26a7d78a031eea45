"""Offline understanding: intent and slots from the trained NER + intent model and/or a
gazetteer parser.

The vocabulary joins the project gazetteer (`tripgraph.vocab`: region aliases, POIs,
category aliases, party/age/attribute/price words) with the names the graph itself holds
(Place, Category, Menu, Merchant and product-city names), so a name that exists in the data
is recognised even when the gazetteer does not list it.

Two offline readers share that vocabulary:

- `parse_question`: the gazetteer parser (alias tables + keyword rules);
- `parse_with_model`: the NER + intent model of `recsys_tools.nlu` (`tripgraph train ner`)
  proposes the intent and entity spans; each span is mapped onto the graph's own names
  through the same vocabulary (a span naming nothing the graph knows is dropped).

`Understander` combines them by a policy chosen by measurement on the agent gold set (see
`DEFAULT_POLICY`), loads the model once per process on first use, and falls back to the
gazetteer parser when no trained model exists. The LLM path (nodes.understand) normalises
its output through the same vocabulary.

The package, one concept per module: `matching` (finding words: particles, spacing, alias
tables, typos), `vocabulary` (the names read), `rules` (the parser's slot rules and intent),
`unknown` (what an ask names that no table holds: a place, a place outside Jeju, a dish),
`refine` (follow-ups), `model` (the NER + intent model and the `Understander` policy).
"""

from agent.understand.matching import Match, find_all, fuzzy_find
from agent.understand.model import (
    DEFAULT_POLICY,
    Understander,
    UnderstandingPolicy,
    get_understander,
    parse_with_model,
    slots_from_entities,
)
from agent.understand.refine import refine
from agent.understand.rules import (
    DAY_MARK,
    Parsed,
    extract_slots,
    normalise_spelling,
    parse_question,
    party_size,
)
from agent.understand.unknown import outside_place, unknown_food, unknown_place
from agent.understand.vocabulary import Vocabulary, haversine_km

__all__ = [
    "DAY_MARK",
    "DEFAULT_POLICY",
    "Match",
    "Parsed",
    "Understander",
    "UnderstandingPolicy",
    "Vocabulary",
    "extract_slots",
    "find_all",
    "fuzzy_find",
    "get_understander",
    "haversine_km",
    "normalise_spelling",
    "outside_place",
    "parse_question",
    "parse_with_model",
    "party_size",
    "refine",
    "slots_from_entities",
    "unknown_food",
    "unknown_place",
]
