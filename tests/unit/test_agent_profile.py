"""The user profile (agent.profile) and the taste part it adds to selection."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest

from agent import selection as SEL
from agent.cypher import PROFILE_QUERY
from agent.profile import UserProfile, profile_from_row, read_profile, taste_part
from agent.state import Candidate, Evidence, Slots
from graph_schema.store import GraphStore, QueryResult


def _review(mid: str, rating: int, **attrs: object) -> dict[str, object]:
    return {
        "merchant_id": mid,
        "category": attrs.pop("category", "한식"),
        "region": "애월읍",
        "rating": rating,
        "price_level": attrs.pop("price_level", 2),
        **attrs,
    }


QUIET_USER = {
    "age_band": "50plus",
    "party_type": "family",
    "reviews": [
        _review("M1", 5, quiet=True, parking=True),
        _review("M2", 4, quiet=True),
        _review("M3", 5, quiet=True, category="카페", price_level=3),
        _review("M4", 2, ocean_view=True),  # disliked: says nothing about a taste
    ],
}


def _cand(mid: str, quiet: bool, rating: float = 4.0, **kw: object) -> Candidate:
    return Candidate(
        merchant_id=mid,
        name=mid,
        region="애월읍",
        category=str(kw.get("category", "한식")),
        price_level=2,
        rating=rating,
        review_count=10,
        attributes={"quiet": quiet},
        mix={"share_50plus": float(kw.get("old", 0.1))},  # type: ignore[arg-type]
        similarity=0.5,
        snippets=[Evidence(review_id=f"R{mid}", text="맛있어요.", rating=5)],
    )


def test_profile_from_row_counts_liked_reviews_only() -> None:
    p = profile_from_row("U1", QUIET_USER)
    assert (p.n_reviews, p.n_liked) == (4, 3)
    assert p.attributes == {"quiet": 3, "parking": 1}
    assert p.liked_attributes() == ["quiet"]
    assert p.categories == {"한식": 2, "카페": 1}
    assert p.mean_price_level == pytest.approx(7 / 3, abs=1e-3)
    assert p.reviewed_ids == ["M1", "M2", "M3", "M4"]


def test_profile_of_a_user_without_reviews_has_no_tastes() -> None:
    # OPTIONAL MATCH with no review collects one all-null map.
    p = profile_from_row("U2", {"age_band": "20s", "reviews": [{"merchant_id": None}]})
    assert p.n_reviews == 0 and p.liked_attributes() == []
    # Only the age band speaks.
    c = _cand("A", quiet=True)
    c.mix = {"share_20s": 0.25}
    assert taste_part(c, p) == 0.5


def test_read_profile_is_one_query_and_none_for_unknown_user() -> None:
    store = MagicMock(spec=GraphStore)
    store.read.return_value = QueryResult(columns=[], rows=[])
    assert read_profile(store, "U404") is None
    store.read.return_value = QueryResult(columns=[], rows=[QUIET_USER])
    p = read_profile(store, "U1", exclude_reviews=["R9"])
    assert p is not None and p.n_liked == 3
    cypher, params = store.read.call_args.args[:2]
    assert cypher == PROFILE_QUERY and params == {"user_id": "U1", "exclude": ["R9"]}


def test_taste_part_is_bounded_and_prefers_the_users_tastes() -> None:
    p = profile_from_row("U1", QUIET_USER)
    quiet, loud = _cand("A", True, old=0.6), _cand("B", False, category="카페")
    tq, tl = taste_part(quiet, p), taste_part(loud, p)
    assert tq is not None and tl is not None
    assert 0.0 <= tl < tq <= 1.0
    assert taste_part(quiet, None) is None


def test_a_profile_with_fitted_weights_weighs_its_components_by_them() -> None:
    from agent.profile import taste_components

    p = profile_from_row("U1", QUIET_USER)
    quiet = _cand("A", True, old=0.6)
    comps = taste_components(quiet, p)
    assert set(comps) >= {"history_attributes", "history_category"}
    only = {k: float(k == "history_attributes") for k in comps}
    fitted = p.model_copy(update={"taste_weights": only})
    assert taste_part(quiet, fitted) == round(comps["history_attributes"], 4)


def test_no_profile_leaves_selection_exactly_as_before() -> None:
    slots = Slots(region="애월읍", category="한식")
    cands = [_cand("A", False, rating=4.5), _cand("B", True, rating=4.0)]
    base = SEL.offline_select(cands, slots, 2)
    again = SEL.offline_select(cands, slots, 2, None)
    assert [p.model_dump() for p in base] == [p.model_dump() for p in again]
    assert all("taste" not in p.score_parts for p in base)
    assert SEL.shortlist(cands, 1) == SEL.shortlist(cands, 1, None)


def test_profile_reranks_and_gives_a_grounded_reason() -> None:
    slots = Slots(region="애월읍", category="한식", count=2)
    # A is a little better rated, B is quiet with older customers, like the user's places.
    cands = [_cand("A", False, rating=4.3), _cand("B", True, rating=4.0, old=0.6)]
    assert [p.merchant_id for p in SEL.offline_select(cands, slots, 2)] == ["A", "B"]
    p = UserProfile.model_validate(profile_from_row("U1", QUIET_USER).model_dump())
    picks = SEL.offline_select(cands, slots, 2, p)
    assert [x.merchant_id for x in picks] == ["B", "A"]
    b = picks[0]
    assert 0.0 <= b.score_parts["taste"] <= 1.0 and b.score is not None and b.score <= 100
    assert any(
        r.startswith("취향:") and "조용한 분위기" in r and "3곳 중 3곳" in r for r in b.reasons
    )
    # A matches no liked attribute: no attribute taste line for it.
    assert not any("조용한" in r for r in picks[1].reasons if r.startswith("취향:"))


@pytest.mark.parametrize(("home", "local_first"), [("제주", True), ("서울", False)])
def test_locals_lean_to_local_places_visitors_the_other_way(home: str, local_first: bool) -> None:
    p = profile_from_row("U3", {"party_type": "couple", "home_city": home, "reviews": []})
    local, touristy = _cand("L", False), _cand("T", False)
    local.mix = {"local_share": 0.8, "share_couple": 0.25}
    touristy.mix = {"local_share": 0.2, "share_couple": 0.25}
    tl, tt = taste_part(local, p), taste_part(touristy, p)
    assert tl is not None and tt is not None
    assert (tl > tt) is local_first
    assert tl == pytest.approx((0.5 + (0.8 if local_first else 0.2)) / 2)
