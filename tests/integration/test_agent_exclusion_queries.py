"""The candidate query with what an ask rules out runs the same on every backend (embedded
FalkorDB, FalkorDB server, Neo4j): a ruled-out category, a ruled-out dish (a pattern
predicate) and the cafes of a meal ask are left out."""

from __future__ import annotations

import pytest

from agent import cypher as Q
from agent.state import Slots
from graph_schema.store import GraphStore

pytestmark = pytest.mark.integration

MERCHANTS = [  # merchant_id, category, rating
    ("M1", "흑돼지", 4.9),
    ("M2", "한식", 4.8),
    ("M3", "한식", 4.7),
    ("M4", "카페", 4.6),
    ("M5", "해산물", 4.5),
]


def test_ruled_out_categories_dishes_and_cafes_are_left_out(store: GraphStore) -> None:
    store.upsert_nodes(
        "Merchant",
        [
            {"merchant_id": m, "name": m, "category": c, "region": "애월읍", "rating": r}
            for m, c, r in MERCHANTS
        ],
    )
    store.upsert_nodes("Menu", [{"name": "전복죽"}, {"name": "된장찌개"}])
    store.upsert_relationships(
        "SERVES", [{"start": "M2", "end": "전복죽"}, {"start": "M3", "end": "된장찌개"}]
    )

    def ids(slots: Slots) -> list[str]:
        cypher, params = Q.candidate_query(slots, 10)
        return [r["merchant_id"] for r in store.read(cypher, params).rows]

    asked = Slots(region="애월읍")
    assert ids(asked) == ["M1", "M2", "M3", "M4", "M5"]
    assert ids(asked.model_copy(update={"exclude_categories": ["흑돼지"]})) == [
        "M2",
        "M3",
        "M4",
        "M5",
    ]
    assert ids(asked.model_copy(update={"exclude_menus": ["전복죽"]})) == ["M1", "M3", "M4", "M5"]
    meal = asked.model_copy(update={"meal": True, "exclude_categories": ["해산물"]})
    assert ids(meal) == ["M1", "M2", "M3"]


def test_an_area_and_a_locals_wish_run_on_every_backend(store: GraphStore) -> None:
    rows = [  # merchant_id, region, rating, local_share
        ("A1", "성산읍", 4.9, 0.10),
        ("A2", "구좌읍", 4.6, 0.60),
        ("A3", "애월읍", 5.0, 0.90),
        ("A4", "표선면", 4.7, None),
    ]
    store.upsert_nodes(
        "Merchant",
        [
            {"merchant_id": m, "name": m, "category": "한식", "region": r, "rating": x}
            | ({"local_share": share} if share is not None else {})
            for m, r, x, share in rows
        ],
    )

    def ids(slots: Slots) -> list[str]:
        cypher, params = Q.candidate_query(slots, 10)
        return [r["merchant_id"] for r in store.read(cypher, params).rows]

    east = Slots(area="제주 동쪽", area_regions=["성산읍", "구좌읍", "표선면"])
    assert ids(east) == ["A1", "A4", "A2"]  # best rated first, 애월 left out
    # 4.6 + 2 × 0.6 = 5.8 > 4.9 + 0.2: the local favourite first; no share counts as 0
    assert ids(east.model_copy(update={"locals": True})) == ["A2", "A1", "A4"]
