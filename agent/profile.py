"""PALR's personalisation-aware step: a user's own history in the graph, read in one query,
as a typed profile, and the bounded "taste" part it adds to the 0-100 match.

The profile holds what the user's reviews say about them (categories and merchant
attributes of the places they rated well, their mean price level), the User node's age
band, and what their travel-product views say about their dining tastes through the fitted
bridge (`agent/taste_bridge.py`: the attributes they are likelier than most to look for):
a traveller who has only browsed packages still gets a profile. No user id, or an id the
graph does not know, gives no profile: selection is then exactly what it is without
personalisation (the taste part is absent, not 0).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from pydantic import BaseModel, Field

from agent.cypher import PROFILE_QUERY
from agent.state import Candidate
from agent.taste_bridge import LIKED_RATING, MIN_LIKED, ClickTastes, TasteBridge
from graph_schema.store import GraphStore
from prompts import agent as P
from tripgraph.vocab import ATTRIBUTES, load_people

MIN_ATTR_SHARE = 0.6  # an attribute is a taste when this share of liked places has it
# User.party_type (the app's usual-party field) -> the merchant's customer-mix share.
USER_PARTY_SHARE = {
    "family": "share_family",
    "couple": "share_couple",
    "friends": "share_friends",
    "solo": "share_solo",
}


class ClickAttribute(BaseModel):
    """An attribute the user's views suggest, with the theme that suggests it most."""

    lift: float = Field(description="expected liked-place share / the fitted users' share")
    theme: str
    views: int = Field(description="the user's views of that theme")


class UserProfile(BaseModel):
    user_id: str
    age_band: str | None = Field(None, description="User.age_band: 20s/30s/40s/50plus")
    party_type: str | None = Field(None, description="User.party_type (usual party)")
    home_city: str | None = Field(None, description="User.home_city (제주: a local)")
    n_reviews: int = Field(0, description="reviews the user wrote (held-out ones excluded)")
    n_liked: int = Field(0, description="of them rated >= LIKED_RATING")
    categories: dict[str, int] = Field(default_factory=dict, description="liked, per category")
    regions: dict[str, int] = Field(default_factory=dict, description="liked, per region")
    attributes: dict[str, int] = Field(
        default_factory=dict, description="liked places having each attribute"
    )
    mean_price_level: float | None = Field(None, description="of the liked places")
    reviewed_ids: list[str] = Field(default_factory=list)
    clicks: ClickTastes = Field(default_factory=ClickTastes, description="travel views")
    click_attributes: dict[str, ClickAttribute] = Field(
        default_factory=dict, description="attributes the views suggest (via the bridge)"
    )
    taste_weights: dict[str, float] | None = Field(
        None, description="fitted weights of the taste components (None: TASTE_WEIGHTS)"
    )

    def without_reviews(self) -> UserProfile:
        """What the profile would be had the user written no review (a new user)."""
        return self.model_copy(
            update={
                "n_reviews": 0,
                "n_liked": 0,
                "categories": {},
                "regions": {},
                "attributes": {},
                "mean_price_level": None,
                "reviewed_ids": [],
            }
        )

    def without_clicks(self) -> UserProfile:
        """What the profile would be had the user viewed no product."""
        return self.model_copy(update={"clicks": ClickTastes(), "click_attributes": {}})

    def liked_attributes(self) -> list[str]:
        """Attributes most of the liked places have (the user's tastes), strongest first."""
        if self.n_liked < MIN_LIKED:
            return []
        out = [a for a, k in self.attributes.items() if k / self.n_liked >= MIN_ATTR_SHARE]
        return sorted(out, key=lambda a: -self.attributes[a])

    def top_category_share(self, category: str) -> float:
        if self.n_liked < MIN_LIKED or not self.categories:
            return 0.0
        return self.categories.get(category, 0) / max(self.categories.values())


def profile_from_row(
    user_id: str, row: dict[str, Any], bridge: TasteBridge | None = None
) -> UserProfile:
    reviews = [r for r in row.get("reviews") or [] if r and r.get("merchant_id")]
    liked = [r for r in reviews if (r.get("rating") or 0) >= LIKED_RATING]
    prices = [r["price_level"] for r in liked if r.get("price_level") is not None]
    clicks = ClickTastes.from_views(row.get("views") or [])
    profile = UserProfile(
        user_id=user_id,
        age_band=row.get("age_band"),
        party_type=row.get("party_type"),
        home_city=row.get("home_city"),
        n_reviews=len(reviews),
        n_liked=len(liked),
        categories=dict(Counter(str(r["category"]) for r in liked if r.get("category"))),
        regions=dict(Counter(str(r["region"]) for r in liked if r.get("region"))),
        attributes={a: k for a in ATTRIBUTES if (k := sum(1 for r in liked if r.get(a)))},
        mean_price_level=round(sum(prices) / len(prices), 3) if prices else None,
        reviewed_ids=sorted({str(r["merchant_id"]) for r in reviews}),
        clicks=clicks,
    )
    return with_clicks(profile, bridge) if bridge is not None else profile


def with_clicks(profile: UserProfile, bridge: TasteBridge) -> UserProfile:
    """The profile with what its views say through the bridge (the views already read)."""
    clicks = profile.clicks
    attributes = {
        a: ClickAttribute(lift=lift, theme=theme, views=clicks.themes.get(theme, 0))
        for a, lift in bridge.attribute_lifts(clicks).items()
        if (theme := bridge.driving_theme(clicks, a)) is not None
    }
    return profile.model_copy(update={"click_attributes": attributes})


def read_profile(
    store: GraphStore,
    user_id: str,
    exclude_reviews: list[str] | None = None,
    bridge: TasteBridge | None = None,
) -> UserProfile | None:
    """The user's profile, or None when the graph has no such user. Without a bridge the
    views are read but say nothing about dining."""
    rows = store.read(
        PROFILE_QUERY, {"user_id": user_id, "exclude": list(exclude_reviews or [])}, max_rows=1
    ).rows
    return profile_from_row(user_id, rows[0], bridge) if rows else None


# Weights of the taste components, chosen on dev seeds of `evals.personalisation` (10-12, 200
# users each; figures reported on seeds 0-4): the customer-mix components (age band, usual
# party, local) predict a user's next review best; the history's own components at full
# weight lowered NDCG@3 (mix only 0.192, + reviews at 1.0 0.172, at 0.5 0.187), and a price
# component lowered it at any weight, even fed the generator's true latent price level.
# A profile may carry fitted weights instead (`UserProfile.taste_weights`).
TASTE_WEIGHTS = {
    "history_attributes": 0.5,
    "history_category": 0.5,
    "views": 0.5,
    "age_mix": 1.0,
    "party_mix": 1.0,
    "local": 1.0,
}


def taste_components(c: Candidate, profile: UserProfile) -> dict[str, float]:
    """Each taste component the profile supports, 0-1: liked attributes the candidate has
    and the liked share of its category; the attributes the user's travel views suggest;
    its customers' share in the user's age band and usual party (scaled so 50 % counts as
    1), its local share for a local (its visitor share for a visitor)."""
    comps: dict[str, float] = {}
    liked = profile.liked_attributes()
    if liked:
        comps["history_attributes"] = sum(1 for a in liked if c.attributes.get(a)) / len(liked)
    if profile.n_liked >= MIN_LIKED and profile.categories:
        comps["history_category"] = profile.top_category_share(c.category)
    if profile.click_attributes:
        # weighted by how much likelier than most the views make each attribute
        weight = {a: x.lift - 1.0 for a, x in profile.click_attributes.items()}
        has = sum(w for a, w in weight.items() if c.attributes.get(a)) / sum(weight.values())
        comps["views"] = has
    age_key = P.AGE_SHARE_KEYS.get(profile.age_band or "")
    if age_key and age_key[0] in c.mix:
        comps["age_mix"] = min(1.0, c.mix[age_key[0]] / 0.5)
    party_key = USER_PARTY_SHARE.get(profile.party_type or "")
    if party_key and party_key in c.mix:
        comps["party_mix"] = min(1.0, c.mix[party_key] / 0.5)
    if profile.home_city and "local_share" in c.mix:
        local = c.mix["local_share"]
        is_local = profile.home_city == load_people().local_home_city
        comps["local"] = local if is_local else 1.0 - local
    return comps


def taste_part(c: Candidate, profile: UserProfile | None) -> float | None:
    """How well a candidate fits the user's history, 0-1 (None: nothing to say): the
    weighted mean of `taste_components`, by the profile's fitted weights or TASTE_WEIGHTS."""
    if profile is None:
        return None
    weights = profile.taste_weights or TASTE_WEIGHTS
    comps = taste_components(c, profile)
    den = sum(weights.get(k, 0.0) for k in comps)
    return round(sum(weights.get(k, 0.0) * v for k, v in comps.items()) / den, 4) if den else None


def taste_reasons(c: Candidate, profile: UserProfile | None) -> list[str]:
    """Reason lines grounded in the user's own history, for what this candidate matches."""
    if profile is None:
        return []
    out = []
    for a in profile.liked_attributes():
        if c.attributes.get(a):
            label = P.ATTRIBUTE_LABELS[a]
            out.append(
                P.REASONS["taste_attribute"].format(
                    label=label, n=profile.n_liked, k=profile.attributes[a]
                )
            )
    if profile.n_liked >= MIN_LIKED and profile.categories.get(c.category, 0) >= MIN_LIKED:
        out.append(
            P.REASONS["taste_category"].format(
                category=c.category, k=profile.categories[c.category]
            )
        )
    # One line for the views: the strongest suggested attribute this place has, unless the
    # reviews already said it.
    for a, x in profile.click_attributes.items():
        if c.attributes.get(a) and a not in profile.liked_attributes():
            out.append(
                P.REASONS["taste_clicks"].format(
                    n=profile.clicks.n_views,
                    k=x.views,
                    theme=x.theme,
                    label=P.ATTRIBUTE_LABELS[a],
                    lift=f"{x.lift:.1f}",
                )
            )
            break
    age_key = P.AGE_SHARE_KEYS.get(profile.age_band or "")
    if age_key and c.mix.get(age_key[0], 0.0) >= 0.3:
        out.append(
            P.REASONS["taste_age"].format(pct=round(100 * c.mix[age_key[0]]), label=age_key[1])
        )
    return out
