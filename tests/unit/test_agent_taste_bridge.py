"""The taste bridge (agent.taste_bridge): fitting what views say about dining tastes, and
the profile of a user who has only browsed products."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import MagicMock

import numpy as np
import pytest

from agent import selection as SEL
from agent.profile import profile_from_row, taste_part
from agent.state import Candidate, Evidence, Slots
from agent.taste_bridge import LIKED_QUERY, VIEWS_QUERY, ClickTastes, TasteBridge, fit_bridge
from graph_schema.store import GraphStore, QueryResult
from tripgraph.vocab import ATTRIBUTES

FAMILY_VIEWS = [["가족", "high", 5], ["가족", "luxury", 2], ["휴양", "high", 1]]


def _store(n_users: int = 200, seed: int = 0) -> MagicMock:
    """Users who view family packages like kid-friendly places."""
    rng = np.random.default_rng(seed)
    views, liked = [], []
    for i in range(n_users):
        family = i % 2 == 0
        band = ["low", "mid", "high", "luxury"][i % 4]
        theme = "가족" if family else "문화"
        views.append({"user_id": f"U{i}", "views": [[theme, band, 3], ["미식", band, 1]]})
        n = 5
        kid = int(rng.binomial(n, 0.8 if family else 0.2))
        row = {a: int(rng.binomial(n, 0.3)) for a in ATTRIBUTES}
        row |= {"user_id": f"U{i}", "n": n, "kid_friendly": kid}
        liked.append(row)
    store = MagicMock(spec=GraphStore)

    def read(cypher: str, params: object = None, **_: object) -> QueryResult:
        return QueryResult(columns=[], rows=views if cypher == VIEWS_QUERY else liked)

    store.read.side_effect = read
    return store


def test_click_tastes_sum_views_by_theme_and_band() -> None:
    c = ClickTastes.from_views([*FAMILY_VIEWS, [None, None, None]])  # OPTIONAL MATCH: nulls
    assert c.n_views == 8 and c.themes == {"가족": 7, "휴양": 1}
    assert c.mean_band == pytest.approx((2 * 5 + 3 * 2 + 2 * 1) / 8, abs=1e-4)
    assert ClickTastes.from_views([]).mean_band is None


def test_fit_recovers_the_theme_attribute_link(tmp_path: Path) -> None:
    bridge = fit_bridge(_store())
    assert bridge.n_users == 200
    family = ClickTastes(n_views=4, themes={"가족": 3, "미식": 1}, mean_band=2.0)
    culture = ClickTastes(n_views=4, themes={"문화": 3, "미식": 1}, mean_band=0.0)
    assert list(bridge.attribute_lifts(family)) == ["kid_friendly"]
    assert bridge.attribute_lifts(family)["kid_friendly"] == pytest.approx(1.6, abs=0.2)
    assert "kid_friendly" not in bridge.attribute_lifts(culture)
    assert bridge.driving_theme(family, "kid_friendly") == "가족"
    # saved and loaded as is; a directory without the file has no bridge
    bridge.save(tmp_path)
    assert TasteBridge.load(tmp_path) == bridge
    assert TasteBridge.load(tmp_path / "none") is None


def test_fit_leaves_out_excluded_users_and_refuses_too_few() -> None:
    store = _store()
    assert fit_bridge(store, exclude_users={"U0", "U1"}).n_users == 198
    # two reads over the whole graph, nothing per user
    assert [c.args[0] for c in store.read.call_args_list] == [VIEWS_QUERY, LIKED_QUERY]
    with pytest.raises(ValueError, match="too few users"):
        fit_bridge(_store(n_users=20))


def _cand(mid: str, kid: bool, rating: float, price: int = 2) -> Candidate:
    return Candidate(
        merchant_id=mid,
        name=mid,
        region="애월읍",
        category="한식",
        price_level=price,
        rating=rating,
        review_count=10,
        attributes={"kid_friendly": kid},
        similarity=0.5,
        snippets=[Evidence(review_id=f"R{mid}", text="맛있어요.", rating=5)],
    )


def test_a_user_with_views_only_gets_tastes_and_a_grounded_reason() -> None:
    bridge = fit_bridge(_store())
    row = {"age_band": "30s", "reviews": [{"merchant_id": None}], "views": FAMILY_VIEWS}
    without = profile_from_row("U1", row)  # no bridge: the views say nothing about dining
    assert without.clicks.n_views == 8 and not without.click_attributes
    p = profile_from_row("U1", row, bridge)
    assert p.n_reviews == 0 and list(p.click_attributes) == ["kid_friendly"]
    assert p.click_attributes["kid_friendly"].theme == "가족"
    kid, plain = _cand("K", True, 4.0), _cand("P", False, 4.3)
    assert taste_part(kid, p) > taste_part(plain, p)  # type: ignore[operator]
    slots = Slots(region="애월읍", category="한식", count=2)
    assert [x.merchant_id for x in SEL.offline_select([plain, kid], slots, 1)] == ["P", "K"]
    picks = SEL.offline_select([plain, kid], slots, 1, p)
    assert picks[0].merchant_id == "K"
    assert any(
        r.startswith("취향:") and "8개 중 7개" in r and "'가족'" in r and "아이 동반" in r
        for r in picks[0].reasons
    )
    # the eval's arms: without views the same user is back to nothing but the age band
    assert not p.without_clicks().click_attributes and p.without_clicks().clicks.n_views == 0
