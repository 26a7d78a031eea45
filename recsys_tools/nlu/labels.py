"""The label sets of the NER + intent task (one contract for data, models and the tool).

`Intent` is also the agent's: the model is trained with the names the agent routes on
(`agent/state.py` imports it from here), so its output needs no translation. A model
directory records the intents it was trained with (`registry.save_variant`); one trained
with other names is refused on load.
"""

from __future__ import annotations

from typing import Literal, get_args

Intent = Literal[
    "recommend_place",
    "graph_question",
    "recommend_products",
    "viewed_together",
    "itinerary",
    "place_mapping",
    "out_of_scope",
]
# Positions are class ids of the neural models' intent heads.
INTENTS: tuple[Intent, ...] = get_args(Intent)

EntityLabel = Literal[
    "COUNTRY",
    "CITY",
    "REGION",
    "POI",
    "CATEGORY",
    "MENU",
    "PARTY",
    "AGE",
    "COUNT",
    "DATE",
    "PRICE",
    "ATTRIBUTE",
]
ENTITY_LABELS: tuple[EntityLabel, ...] = (
    "COUNTRY",
    "CITY",
    "REGION",
    "POI",
    "CATEGORY",
    "MENU",
    "PARTY",
    "AGE",
    "COUNT",
    "DATE",
    "PRICE",
    "ATTRIBUTE",
)
PLACE_LABELS: frozenset[str] = frozenset({"COUNTRY", "CITY", "REGION", "POI"})

# Character-level BIO tags: "O", then B-/I- per label, in a fixed order so tag ids are stable.
BIO_TAGS: tuple[str, ...] = ("O", *(f"{p}-{lab}" for lab in ENTITY_LABELS for p in ("B", "I")))
