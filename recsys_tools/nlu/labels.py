"""The label sets of the NER + intent task (one contract for data, models and the tool)."""

from __future__ import annotations

from typing import Literal

Intent = Literal[
    "restaurant_recommendation",
    "product_recommendation",
    "similar_products",
    "itinerary_to_package",
    "place_lookup",
    "graph_question",
    "out_of_scope",
]
INTENTS: tuple[Intent, ...] = (
    "restaurant_recommendation",
    "product_recommendation",
    "similar_products",
    "itinerary_to_package",
    "place_lookup",
    "graph_question",
    "out_of_scope",
)

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
