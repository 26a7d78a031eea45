"""Cross-domain tastes: what a user's travel-product clicks say about where they like to eat.

PALR's personalisation-aware step reads a user's reviews (`agent/profile.py`); a traveller who
has only browsed packages has none. The bridge is fitted on the users who have both: the
share of their well-rated places having each attribute, regressed on the theme mix of the
products they viewed (one rate per theme and attribute: shares sum to 1, no intercept;
ridge-shrunk towards the overall rate). Applied to a user's views it gives the attributes
they are likelier than most to look for, as lifts over the fitted users' base rate.

Price is left out on purpose: the liked places' price level does follow the price band
viewed (+0.24 levels per band on the dense graph, within an age band), but a price
component lowered the personalisation eval's NDCG@3 at every weight tried, even fed the
generator's true latent price level (`agent/profile.py` TASTE_WEIGHTS).

Fitted by `tripgraph train taste-bridge` (seconds on the dense graph) into
`models/taste_bridge.json`; without that file the profile simply ignores clicks.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

from graph_schema.store import GraphStore
from tripgraph.vocab import ATTRIBUTES, PRICE_BANDS, load_cities

BRIDGE_FILE = "taste_bridge.json"
LIKED_RATING = 4  # a review at or above this counts as "liked" (here and in the profile)
MIN_LIKED = 2  # fewer liked reviews than this say nothing about a taste
MIN_LIFT = 1.2  # a click-suggested attribute is at least this much likelier than the base
RIDGE = 50.0  # liked places' worth of shrinkage of each theme's rates towards the base

# One row per user: their views by theme and price band (collected, summed in Python).
VIEWS_QUERY = (
    "MATCH (u:User)-[v:VIEWED]->(p:Product) "
    "RETURN u.user_id AS user_id, "
    "collect([p.theme, p.price_band, v.count]) AS views"
)
_ATTR_SUMS = ", ".join(f"sum(CASE WHEN m.{a} THEN 1 ELSE 0 END) AS {a}" for a in ATTRIBUTES)
LIKED_QUERY = (
    "MATCH (u:User)-[:WROTE]->(r:Review)-[:ABOUT]->(m:Merchant) "
    "WHERE r.rating >= $liked "
    f"RETURN u.user_id AS user_id, count(r) AS n, {_ATTR_SUMS}"
)


class ClickTastes(BaseModel):
    """A user's views summarised: what the bridge reads."""

    n_views: int = 0
    themes: dict[str, int] = Field(default_factory=dict, description="views per theme")
    mean_band: float | None = Field(None, description="mean price band index (0 = low)")

    @classmethod
    def from_views(cls, views: Iterable[Any]) -> ClickTastes:
        """From [theme, price_band, count] triples (PROFILE_QUERY / VIEWS_QUERY rows)."""
        bands = {b: i for i, b in enumerate(PRICE_BANDS)}
        themes: dict[str, int] = {}
        band_sum, band_n = 0.0, 0
        for view in views:
            if not view or view[0] is None:
                continue
            theme, band, count = view[0], view[1], int(view[2] or 1)
            themes[str(theme)] = themes.get(str(theme), 0) + count
            if band in bands:
                band_sum += bands[band] * count
                band_n += count
        return cls(
            n_views=sum(themes.values()),
            themes=themes,
            mean_band=round(band_sum / band_n, 4) if band_n else None,
        )


class TasteBridge(BaseModel):
    """The fitted mapping from a user's views to dining tastes."""

    themes: list[str]
    attributes: list[str]
    rates: list[list[float]] = Field(description="[theme][attribute] liked-place share")
    base_rates: list[float] = Field(description="[attribute] over all fitted users")
    n_users: int = Field(description="users the fit used (both views and liked places)")

    def _shares(self, clicks: ClickTastes) -> np.ndarray | None:
        total = sum(clicks.themes.get(t, 0) for t in self.themes)
        if total == 0:
            return None
        return np.array([clicks.themes.get(t, 0) / total for t in self.themes])

    def attribute_lifts(self, clicks: ClickTastes) -> dict[str, float]:
        """Attributes this user is likelier than the fitted users to look for, with the lift
        (expected share / base share), strongest first; {} when the views say nothing."""
        shares = self._shares(clicks)
        if shares is None:
            return {}
        expected = shares @ np.array(self.rates)
        lifts = {
            a: round(float(e / b), 3)
            for a, e, b in zip(self.attributes, expected, self.base_rates, strict=True)
            if b > 0 and e / b >= MIN_LIFT
        }
        return dict(sorted(lifts.items(), key=lambda kv: -kv[1]))

    def driving_theme(self, clicks: ClickTastes, attribute: str) -> str | None:
        """The viewed theme that contributes most to the attribute's expected share."""
        shares = self._shares(clicks)
        if shares is None:
            return None
        col = np.array(self.rates)[:, self.attributes.index(attribute)]
        return self.themes[int(np.argmax(shares * col))]

    def save(self, model_dir: Path) -> Path:
        path = model_dir / BRIDGE_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.model_dump_json(indent=2) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, model_dir: Path) -> TasteBridge | None:
        """The fitted bridge, or None when it was never trained."""
        path = model_dir / BRIDGE_FILE
        if not path.exists():
            return None
        return cls.model_validate(json.loads(path.read_text(encoding="utf-8")))


def fit_bridge(store: GraphStore, exclude_users: Iterable[str] = ()) -> TasteBridge:
    """Fit on every user with views and >= MIN_LIKED well-rated places, except
    `exclude_users` (an eval's held-out users)."""
    # Excluded in Python: a long `NOT IN $list` is checked per row by the database.
    skip = set(exclude_users)
    views = store.read(VIEWS_QUERY, max_rows=10_000_000, timeout_ms=600_000).rows
    liked = store.read(
        LIKED_QUERY, {"liked": LIKED_RATING}, max_rows=10_000_000, timeout_ms=600_000
    ).rows
    by_user = {
        r["user_id"]: r for r in liked if (r["n"] or 0) >= MIN_LIKED and r["user_id"] not in skip
    }
    themes = list(load_cities().themes)
    shares, attrs, weights = [], [], []
    for row in views:
        lk = by_user.get(row["user_id"])
        clicks = ClickTastes.from_views(row["views"])
        if lk is None or clicks.n_views == 0:
            continue
        total = sum(clicks.themes.get(t, 0) for t in themes)
        shares.append([clicks.themes.get(t, 0) / total for t in themes])
        attrs.append([(lk[a] or 0) / lk["n"] for a in ATTRIBUTES])
        weights.append(lk["n"])
    if len(shares) < 10 * len(themes):
        raise ValueError(f"too few users with both views and liked places to fit: {len(shares)}")
    s, a = np.array(shares), np.array(attrs)
    w = np.array(weights, dtype=float)[:, None]
    base = np.average(a, axis=0, weights=w[:, 0])
    # Weighted ridge, shrunk towards the base rates: a theme few users view keeps about the
    # base rate instead of a noisy extrapolation.
    gram = (s * w).T @ s + RIDGE * np.eye(len(themes))
    rhs = (s * w).T @ a + RIDGE * np.tile(base, (len(themes), 1))
    rates = np.linalg.solve(gram, rhs).clip(0.0, 1.0)
    return TasteBridge(
        themes=themes,
        attributes=list(ATTRIBUTES),
        rates=[[round(float(x), 4) for x in row] for row in rates],
        base_rates=[round(float(x), 4) for x in base],
        n_users=len(shares),
    )
