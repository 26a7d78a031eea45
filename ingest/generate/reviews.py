"""Reviews: who wrote them (users drawn from the merchant's customer mix, and within it by
their own dining tastes), when, how many stars (from the merchant's latent quality plus
noise) and the Korean text (`review_text.compose_review`) written from aspects consistent
with the merchant.

Each user has latent dining tastes (`user_dining_tastes`, never written): a price level they
tend to choose and, for most, one attribute they look for (a quiet room, a sea view, …). A
merchant's reviewers are drawn from its customer mix as before, and among the users of each
(party, local, age) group by how well the merchant fits their tastes, so a user's history says
something about their next review: the agent's personalisation is checkable against it
(`evals/personalisation.py`)."""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ingest.generate.clicks import TravelTastes
from ingest.generate.config import ScaleConfig, stream
from ingest.generate.merchants import AGE_SHARE_COLS, PARTY_SHARE_COLS, Merchants
from ingest.generate.review_text import ASPECTS, ReviewContext, compose_review
from ingest.generate.vocab import load_review_phrases
from tripgraph.vocab import (
    AGE_BANDS,
    REVIEW_PARTIES,
    USER_PARTIES,
    load_categories,
    load_cities,
    load_jeju,
    load_people,
)

REVIEW_SCHEMA = pa.schema(
    [
        ("review_id", pa.string()),
        ("merchant_id", pa.string()),
        ("user_id", pa.string()),
        ("text", pa.string()),
        ("rating", pa.int64()),
        ("party_type", pa.string()),
        ("created_at", pa.string()),
    ]
)

_FIRST_DAY = np.datetime64("2021-01-01")
_N_DAYS = int((np.datetime64("2025-06-30") - _FIRST_DAY).astype(int))
# Sentiment → stars. Sentiment ~ N(quality, 0.75) with quality ~ N(0.55, 0.55) gives
# roughly 45% 5★, 28% 4★, 15% 3★ and a tail of 2★/1★, as on Korean map apps.
_STAR_CUTS = np.array([-0.75, -0.45, 0.1, 0.8])
_SENTIMENT_CENTRE = 0.8
# Quality aspects: polarity = P(sigmoid(3 * (slope * sentiment + latent + bias))).
_QUALITY_POLARITY: dict[str, tuple[float, str | None, float]] = {
    "taste": (1.0, None, 0.6),
    "service": (0.8, "service", 0.5),
    "price": (0.5, "value", 0.3),
    "atmosphere": (0.6, "atmosphere", 0.6),
    "portion": (0.6, "portion", 0.5),
    "cleanliness": (0.6, "cleanliness", 0.7),
}
_A = {a: i for i, a in enumerate(ASPECTS)}


def review_counts(cfg: ScaleConfig, popularity: np.ndarray) -> np.ndarray:
    """Reviews per merchant: at least one each, the rest proportional to popularity, summing
    exactly to `cfg.n_reviews` (largest-remainder rounding, ties broken by index)."""
    n = len(popularity)
    spare = cfg.n_reviews - n
    if spare < 0:
        raise ValueError("fewer reviews than merchants")
    share = popularity / popularity.sum() * spare
    counts = np.floor(share).astype(np.int64)
    left = spare - int(counts.sum())
    order = np.lexsort((np.arange(n), -(share - counts)))
    counts[order[:left]] += 1
    return counts + 1


# Dining tastes: the attributes a user may look for, and how strongly a merchant's fit with
# the tastes draws its reviewers (a price level off by one halves the chance at slope 0.7).
TASTE_ATTRIBUTES = (
    "parking",
    "ocean_view",
    "kid_friendly",
    "group_seating",
    "quiet",
    "pet_friendly",
)
_PRICE_CENTRE_BY_AGE = {"20s": 1.7, "30s": 2.1, "40s": 2.4, "50plus": 2.7}
_P_LIKES_ATTRIBUTE = 0.7
_TASTE_PRICE_SLOPE = 0.7
_TASTE_ATTRIBUTE_BOOST = 2.0
_N_TASTES = 4 * (len(TASTE_ATTRIBUTES) + 1)  # price level 1-4 × liked attribute (or none)


# Dining tastes follow travel tastes (the cross-domain signal the agent's profile reads from
# product clicks): a theme's weight on the attributes its travellers look for in a place to
# eat, and how strongly the theme mix tilts the liked attribute (0: uniform, as in 1.3).
_ATTRIBUTE_BY_THEME: dict[str, dict[str, float]] = {
    "휴양": {"ocean_view": 1.0, "quiet": 0.5},
    "액티비티": {"group_seating": 1.0, "parking": 0.5},
    "문화": {"quiet": 1.0},
    "쇼핑": {"parking": 1.0},
    "가족": {"kid_friendly": 1.0, "parking": 0.5},
}
_THEME_TILT = 5.0


def user_dining_tastes(
    users: pd.DataFrame, seed: int, travel: TravelTastes
) -> tuple[np.ndarray, np.ndarray]:
    """Each user's preferred price level (1-4) and liked attribute (an index into
    TASTE_ATTRIBUTES, or len(TASTE_ATTRIBUTES) for none): latent, from their own stream.
    The price level is centred on the age band's plus the user's personal price-band lean
    in travel (`travel.band_residual`, the same unit: one step of a four-step scale); the
    liked attribute is drawn with weights tilted by their travel theme mix."""
    rng = stream(seed, "dining_tastes")
    n = len(users)
    centre = users["age_band"].map(_PRICE_CENTRE_BY_AGE).to_numpy(dtype=float)
    centre = centre + travel.band_residual
    level = np.clip(np.rint(centre + rng.normal(0.0, 0.5, n)), 1, 4).astype(np.int64)
    themes = load_cities().themes
    tilt = np.zeros((len(themes), len(TASTE_ATTRIBUTES)))
    for theme, weights in _ATTRIBUTE_BY_THEME.items():
        for attr, w in weights.items():
            tilt[themes.index(theme), TASTE_ATTRIBUTES.index(attr)] = w
    liked = _pick(rng, 1.0 + _THEME_TILT * (travel.theme @ tilt))
    liked = np.where(rng.random(n) < _P_LIKES_ATTRIBUTE, liked, len(TASTE_ATTRIBUTES))
    return level, liked


def _taste_weights(level: np.ndarray, attrs: np.ndarray) -> np.ndarray:
    """[reviews × tastes] how well each merchant (its price level, its attributes as a bool
    matrix over TASTE_ATTRIBUTES) fits each taste."""
    t = np.arange(_N_TASTES)
    t_level, t_attr = t // (len(TASTE_ATTRIBUTES) + 1) + 1, t % (len(TASTE_ATTRIBUTES) + 1)
    w = np.exp(-_TASTE_PRICE_SLOPE * np.abs(level[:, None] - t_level[None, :]))
    has = np.concatenate([attrs, np.zeros((len(attrs), 1), dtype=bool)], axis=1)[:, t_attr]
    return w * (1.0 + _TASTE_ATTRIBUTE_BOOST * has)


@dataclass
class _UserPools:
    """Users grouped by (party, local, age) so reviewers match the merchant's customers, and
    by dining taste within a group."""

    pools: dict[tuple[int, int, int], np.ndarray]
    by_party_local: dict[tuple[int, int], np.ndarray]
    by_local: dict[int, np.ndarray]
    all_users: np.ndarray
    taste: np.ndarray  # taste index per user: (price level - 1) × 7 + liked attribute

    @classmethod
    def build(cls, users: pd.DataFrame, seed: int, travel: TravelTastes) -> _UserPools:
        local_city = load_people().local_home_city
        party = users["party_type"].map({p: i for i, p in enumerate(USER_PARTIES)}).to_numpy()
        age = users["age_band"].map({a: i for i, a in enumerate(AGE_BANDS)}).to_numpy()
        local = (users["home_city"] == local_city).to_numpy().astype(int)
        idx = np.arange(len(users))
        pools = {
            (p, lo, a): idx[(party == p) & (local == lo) & (age == a)]
            for p in range(4)
            for lo in range(2)
            for a in range(4)
        }
        by_pl = {(p, lo): idx[(party == p) & (local == lo)] for p in range(4) for lo in range(2)}
        by_l = {lo: idx[local == lo] for lo in range(2)}
        level, liked = user_dining_tastes(users, seed, travel)
        taste = (level - 1) * (len(TASTE_ATTRIBUTES) + 1) + liked
        # Each pool sorted by taste, so a taste's users are one slice of it.
        order = {k: v[np.argsort(taste[v], kind="stable")] for k, v in pools.items()}
        by_pl = {k: v[np.argsort(taste[v], kind="stable")] for k, v in by_pl.items()}
        by_l = {k: v[np.argsort(taste[v], kind="stable")] for k, v in by_l.items()}
        return cls(order, by_pl, by_l, idx[np.argsort(taste, kind="stable")], taste)

    def _by_taste(self, rng: np.random.Generator, pool: np.ndarray, fit: np.ndarray) -> np.ndarray:
        """One user of `pool` (sorted by taste) per row of `fit` [rows × tastes]: a taste
        by its share of the pool times the merchant's fit with it, then a user of it."""
        counts = np.bincount(self.taste[pool], minlength=_N_TASTES)
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        t = _pick(rng, fit * counts[None, :])
        return pool[starts[t] + (rng.random(len(t)) * counts[t]).astype(np.int64)]

    def draw(
        self,
        rng: np.random.Generator,
        party: np.ndarray,
        local: np.ndarray,
        age: np.ndarray,
        fit: np.ndarray,
    ) -> np.ndarray:
        out = np.empty(len(party), dtype=np.int64)
        for p in range(4):
            for lo in range(2):
                for a in range(4):
                    sel = np.flatnonzero((party == p) & (local == lo) & (age == a))
                    if len(sel) == 0:
                        continue
                    pool = self.pools[(p, lo, a)]
                    for fallback in (
                        self.by_party_local[(p, lo)],
                        self.by_local[lo],
                        self.all_users,
                    ):
                        if len(pool):
                            break
                        pool = fallback
                    out[sel] = self._by_taste(rng, pool, fit[sel])
        return out


def _pick(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One categorical draw per row of `probs`."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(len(probs))[:, None] * cum[:, -1:]
    return np.minimum((u > cum).sum(axis=1), probs.shape[1] - 1)


def iter_review_chunks(
    cfg: ScaleConfig, seed: int, merchants: Merchants, users: pd.DataFrame, travel: TravelTastes
) -> Iterator[pa.Table]:
    """Yield review tables chunk by chunk and fill the merchants' rating/review_count.
    `travel`: the users' travel tastes (`clicks.travel_tastes`), which their dining tastes
    follow."""
    jeju_pois = load_cities().jeju_pois
    regions = load_jeju().regions
    user_party = load_people().review_party_to_user_party
    rng = stream(seed, "reviews")
    table, latent = merchants.table, merchants.latent
    n_m = len(table)
    counts = review_counts(cfg, latent["popularity"].to_numpy())
    rating_sum = np.zeros(n_m)
    pools = _UserPools.build(users, seed, travel)
    user_ids = users["user_id"].to_numpy()
    merchant_ids = table["merchant_id"].to_numpy()

    ages = table[list(AGE_SHARE_COLS)].to_numpy()
    parties = table[list(PARTY_SHARE_COLS)].to_numpy()
    local_share = table["local_share"].to_numpy()
    attrs = {
        a: table[a].to_numpy()
        for a in ("parking", "ocean_view", "kid_friendly", "group_seating", "quiet", "pet_friendly")
    }
    cafes = [c.name for c in load_categories().categories if c.kind == "cafe"]
    is_cafe = table["category"].isin(cafes).to_numpy()
    price_level = table["price_level"].to_numpy()
    taste_attrs = np.stack([attrs[a] for a in TASTE_ATTRIBUTES], axis=1).astype(bool)
    pop = latent["popularity"].to_numpy()
    pop_pct = pop.argsort().argsort() / max(n_m - 1, 1)
    quality = latent["quality"].to_numpy()
    categories = table["category"].tolist()
    shorts = {r.name: r.aliases[0] for r in regions}
    region_short = [shorts[r] for r in table["region"]]
    # Landmarks and names near the merchant for "협재해수욕장 구경하고 들렀어요".
    landmarks = load_review_phrases().places_by_region
    near = {
        r.name: tuple(p.name for p in jeju_pois if p.region == r.slug)
        + landmarks.get(r.slug, ())
        + tuple(a for a in r.aliases if not a.isascii())
        for r in regions
    }
    places = [near[r] for r in table["region"]]
    avg_price = table["avg_price"].astype(int).tolist()
    menu_sorted = merchants.menus.sort_values(
        ["merchant_id", "signature"], ascending=[True, False], kind="stable"
    )
    menus_by_id = {k: tuple(g["menu"]) for k, g in menu_sorted.groupby("merchant_id", sort=False)}
    menus = [menus_by_id.get(mid, ()) for mid in merchant_ids]

    party_code = {p: i for i, p in enumerate(REVIEW_PARTIES)}
    user_party_of_review = np.array([USER_PARTIES.index(user_party[p]) for p in REVIEW_PARTIES])
    ends = np.cumsum(counts)
    start_m = 0
    next_id = 1
    while start_m < n_m:
        # Whole merchants per chunk, about chunk_rows reviews.
        base = ends[start_m - 1] if start_m else 0
        stop_m = int(np.searchsorted(ends, base + cfg.chunk_rows, side="right"))
        stop_m = max(stop_m, start_m + 1)
        m = np.repeat(np.arange(start_m, stop_m), counts[start_m:stop_m])
        n = len(m)

        # Who: user party from the merchant's mix; families split into 가족/부모님/아이.
        up = _pick(rng, parties[m])
        kid = attrs["kid_friendly"][m]
        p_kid = np.where(kid, 0.35, 0.12)
        p_parents = 0.2 + 0.35 * ages[m, 3]
        u = rng.random(n)
        fam = np.where(
            u < p_kid,
            party_code["아이"],
            np.where(u < p_kid + p_parents, party_code["부모님"], party_code["가족"]),
        )
        other = np.array(
            [party_code["가족"], party_code["커플"], party_code["친구"], party_code["혼자"]]
        )[up]
        rparty = np.where(up == 0, fam, other)
        local = (rng.random(n) < local_share[m]).astype(int)
        age = _pick(rng, ages[m])
        fit = _taste_weights(price_level[m], taste_attrs[m])
        writer = pools.draw(rng, user_party_of_review[rparty], local, age, fit)

        # How it went.
        sentiment = quality[m] + rng.normal(0.0, 0.75, n)
        stars = (np.searchsorted(_STAR_CUTS, sentiment) + 1).astype(np.int64)
        sc = sentiment - _SENTIMENT_CENTRE

        w = np.zeros((n, len(ASPECTS)))
        w[:, _A["taste"]] = 1.0
        w[:, _A["service"]] = 0.45
        w[:, _A["price"]] = 0.2 + 0.1 * price_level[m]
        w[:, _A["atmosphere"]] = 0.3 + 0.3 * is_cafe[m] + 0.2 * attrs["ocean_view"][m]
        w[:, _A["portion"]] = np.where(is_cafe[m], 0.05, 0.3)
        w[:, _A["cleanliness"]] = 0.2
        w[:, _A["waiting"]] = 0.1 + 0.4 * pop_pct[m]
        w[:, _A["parking"]] = np.where(attrs["parking"][m], 0.45, 0.12)
        w[:, _A["ocean_view"]] = np.where(attrs["ocean_view"][m], 0.9, 0.0)
        is_kid_party = rparty == party_code["아이"]
        is_family = rparty == party_code["가족"]
        w[:, _A["kid_friendly"]] = np.where(
            is_kid_party,
            np.where(kid, 0.9, 0.6),
            np.where(is_family, np.where(kid, 0.3, 0.1), np.where(kid, 0.03, 0.0)),
        )
        groupish = (rparty == party_code["친구"]) | is_family
        grp = attrs["group_seating"][m]
        w[:, _A["group_seating"]] = np.where(
            groupish, np.where(grp, 0.35, 0.12), np.where(grp, 0.02, 0.0)
        )
        calm_party = (rparty == party_code["부모님"]) | (rparty == party_code["커플"])
        w[:, _A["quiet"]] = np.where(attrs["quiet"][m], 0.35 + 0.15 * calm_party, 0.1)
        w[:, _A["pet_friendly"]] = np.where(attrs["pet_friendly"][m], 0.25, 0.0)

        k = rng.choice(np.array([2, 3, 4]), size=n, p=[0.35, 0.4, 0.25])
        keys = np.where(w > 0, np.log(np.maximum(w, 1e-12)) + rng.gumbel(size=w.shape), -np.inf)
        ranked = np.argsort(-keys, axis=1, kind="stable")

        pol = np.zeros((n, len(ASPECTS)), dtype=bool)
        for aspect, (slope, trait, bias) in _QUALITY_POLARITY.items():
            lat = latent[trait].to_numpy()[m] if trait else 0.0
            p = 1 / (1 + np.exp(-3 * (slope * sc + lat + bias)))
            pol[:, _A[aspect]] = rng.random(n) < p
        p_wait = 1 / (1 + np.exp(-3 * (0.6 - 1.2 * pop_pct[m] + 0.2 * sc)))
        pol[:, _A["waiting"]] = rng.random(n) < p_wait
        for a, values in attrs.items():
            pol[:, _A[a]] = values[m]
        reaction = rng.random(n) < 0.3

        day = np.floor(_N_DAYS * rng.random(n) ** 0.7).astype("timedelta64[D]")
        visit = _FIRST_DAY + day
        created = visit.astype(str)
        month = visit.astype("datetime64[M]").astype(np.int64) % 12 + 1
        text_rnd = random.Random(int(rng.integers(2**62)))

        # Python lists for the per-review loop: indexing numpy arrays one scalar at a time
        # cost as much as writing the text.
        top = ranked[:, :4]  # at most 4 aspects per review
        usable = (np.take_along_axis(keys, top, axis=1) > -np.inf).tolist()
        top_l, k_l, pol_l = top.tolist(), k.tolist(), pol.tolist()
        m_l, party_l, local_l = m.tolist(), rparty.tolist(), local.astype(bool).tolist()
        stars_l, reaction_l, age_l, month_l = (
            stars.tolist(),
            reaction.tolist(),
            age.tolist(),
            month.tolist(),
        )
        texts: list[str] = []
        for i in range(n):
            mi = m_l[i]
            n_k = k_l[i]
            chosen = [a for a, ok in zip(top_l[i][:n_k], usable[i][:n_k], strict=True) if ok]
            pol_i = pol_l[i]
            ctx = ReviewContext(
                party=REVIEW_PARTIES[party_l[i]],
                local=local_l[i],
                rating=stars_l[i],
                aspects=tuple(ASPECTS[a] for a in chosen),
                polarity=tuple(pol_i[a] for a in chosen),
                category=categories[mi],
                menus=menus[mi],
                region_short=region_short[mi],
                reaction=reaction_l[i],
                age=age_l[i],
                month=month_l[i],
                places=places[mi],
                avg_price=avg_price[mi],
            )
            texts.append(compose_review(ctx, text_rnd))

        np.add.at(rating_sum, m, stars)
        yield pa.table(
            {
                "review_id": [f"R{j:07d}" for j in range(next_id, next_id + n)],
                "merchant_id": merchant_ids[m],
                "user_id": user_ids[writer],
                "text": texts,
                "rating": stars,
                "party_type": np.array(REVIEW_PARTIES, dtype=object)[rparty],
                "created_at": created,
            },
            schema=REVIEW_SCHEMA,
        )
        next_id += n
        start_m = stop_m

    table["review_count"] = counts
    table["rating"] = np.round(rating_sum / counts, 2)
