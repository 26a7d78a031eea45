"""The profile query (reviews and views in one read) and the taste bridge's two fitting
reads run the same on every backend (embedded FalkorDB, FalkorDB server, Neo4j)."""

from __future__ import annotations

import pytest

from agent.profile import read_profile
from agent.taste_bridge import LIKED_QUERY, LIKED_RATING, VIEWS_QUERY
from graph_schema.store import GraphStore

pytestmark = pytest.mark.integration


def _fill(store: GraphStore) -> None:
    store.upsert_nodes(
        "User",
        [
            {"user_id": "U1", "age_band": "30s", "party_type": "family", "home_city": "서울"},
            {"user_id": "U2", "age_band": "20s", "party_type": "solo", "home_city": "제주"},
        ],
    )
    store.upsert_nodes(
        "Merchant",
        [
            {"merchant_id": "M1", "name": "M1", "category": "한식", "region": "애월읍",
             "price_level": 3, "kid_friendly": True, "quiet": False},
            {"merchant_id": "M2", "name": "M2", "category": "카페", "region": "애월읍",
             "price_level": 1, "kid_friendly": False, "quiet": True},
        ],
    )  # fmt: skip
    store.upsert_nodes(
        "Review",
        [
            {"review_id": "R1", "text": "좋아요", "rating": 5},
            {"review_id": "R2", "text": "별로", "rating": 2},
        ],
    )
    store.upsert_relationships(
        "WROTE", [{"start": "U1", "end": "R1"}, {"start": "U1", "end": "R2"}]
    )
    store.upsert_relationships(
        "ABOUT", [{"start": "R1", "end": "M1"}, {"start": "R2", "end": "M2"}]
    )
    store.upsert_nodes(
        "Product",
        [
            {"product_id": "P1", "name": "괌 가족여행", "theme": "가족", "price_band": "high"},
            {"product_id": "P2", "name": "교토 문화", "theme": "문화", "price_band": "low"},
        ],
    )
    store.upsert_relationships(
        "VIEWED",
        [
            {"start": "U1", "end": "P1", "count": 3, "ts": 1},
            {"start": "U1", "end": "P2", "count": 1, "ts": 2},
            {"start": "U2", "end": "P2", "count": 2, "ts": 3},
        ],
    )


def test_profile_reads_reviews_and_views_in_one_query(store: GraphStore) -> None:
    _fill(store)
    p = read_profile(store, "U1")
    assert p is not None and (p.n_reviews, p.n_liked) == (2, 1)
    assert p.clicks.themes == {"가족": 3, "문화": 1} and p.clicks.mean_band == 1.5
    held = read_profile(store, "U1", exclude_reviews=["R1", "R2"])
    assert held is not None and held.n_reviews == 0 and held.clicks.n_views == 4
    # a user with views and no review, and one with neither
    u2 = read_profile(store, "U2")
    assert u2 is not None and u2.n_reviews == 0 and u2.clicks.themes == {"문화": 2}
    store.upsert_nodes("User", [{"user_id": "U3", "age_band": "40s"}])
    u3 = read_profile(store, "U3")
    assert u3 is not None and u3.clicks.n_views == 0 and u3.clicks.mean_band is None


def test_the_bridge_reads_views_and_liked_places_per_user(store: GraphStore) -> None:
    _fill(store)
    views = {r["user_id"]: r for r in store.read(VIEWS_QUERY).rows}
    assert set(views) == {"U1", "U2"}
    assert sorted(tuple(v) for v in views["U1"]["views"]) == [
        ("가족", "high", 3),
        ("문화", "low", 1),
    ]
    liked = store.read(LIKED_QUERY, {"liked": LIKED_RATING}).rows
    assert len(liked) == 1 and liked[0]["user_id"] == "U1"
    row = liked[0]
    assert (row["n"], row["kid_friendly"], row["quiet"]) == (1, 1, 0)
