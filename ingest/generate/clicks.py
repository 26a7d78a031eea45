"""Click sessions on travel products, driven by latent user tastes.

Each user has favourite destinations, a theme taste, a price-band centre and product-type
affinities (all derived from their age band and party, plus noise). A session picks one of
the user's destinations and a theme; each next click either follows a "related" product
(same city, shared theme or POIs: item-to-item signal for ids), stays in the (city, theme)
bucket, changes theme inside the city, hops to a sister city of the same country or to
another favourite destination. Inside a bucket items are drawn by a heavy-tailed popularity,
re-weighted by the user's band and type affinity. So the sequence carries signal, and long-
tail items, rare as ids, are predictable from their city / theme / band / type.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
import pyarrow as pa

from ingest.gazetteer import AGE_BANDS, CITIES, PRICE_BANDS, PRODUCT_TYPES, THEMES, USER_PARTIES
from ingest.generate.config import ScaleConfig, stream
from ingest.generate.products import Products

CLICK_SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("product_id", pa.string()),
        ("session_id", pa.string()),
        ("ts", pa.int64()),
    ]
)

_START_TS = 1_704_067_200  # 2024-01-01T00:00:00Z
_N_RELATED = 4
_P_NEW_SESSION = 0.22
# Next-click moves (cumulative): related item, same bucket, new theme in city, sister city.
_MOVES = np.cumsum([0.25, 0.37, 0.18, 0.10])
_USER_CITY_P = np.array([0.6, 0.28, 0.12])
_CITY_CODES = [c.code for c in CITIES]

# Theme taste boosts by party and age (added to a flat Dirichlet prior).
_THEME_BY_PARTY = {
    "family": {"가족": 3.0, "휴양": 1.0},
    "couple": {"휴양": 2.0, "미식": 1.5},
    "friends": {"액티비티": 2.0, "미식": 1.5, "쇼핑": 1.0},
    "solo": {"문화": 2.0, "미식": 1.0},
}
_THEME_BY_AGE = {
    "20s": {"쇼핑": 1.0, "액티비티": 1.0},
    "30s": {"미식": 0.5},
    "40s": {"휴양": 0.5},
    "50plus": {"문화": 1.5, "휴양": 1.0},
}
_CITY_BOOST = {
    "family": {"GUM": 1.8, "OKA": 1.8, "CJU": 1.6, "CXR": 1.6, "DAD": 1.5},
    "couple": {"HKT": 1.6, "HNL": 1.6, "PAR": 1.5, "OKA": 1.4},
    "20s": {"OSA": 1.6, "TYO": 1.6, "FUK": 1.6, "BKK": 1.5, "TPE": 1.5},
    "50plus": {"PAR": 1.6, "HNL": 1.5, "SPK": 1.6, "CJU": 1.5, "DAD": 1.3},
}
_BAND_CENTRE = {"20s": 0.8, "30s": 1.3, "40s": 1.7, "50plus": 2.0}
_TYPE_AFF = {
    "family": (1.0, 0.6, 0.5),
    "couple": (0.5, 1.0, 0.6),
    "friends": (0.5, 0.6, 1.0),
    "solo": (0.4, 0.8, 0.9),
}


class _Catalogue:
    """Products grouped into (city, theme) buckets with one global popularity CDF."""

    def __init__(self, products: Products, rng: np.random.Generator) -> None:
        t = products.table
        self.n = len(t)
        self.city = t["city_code"].map({c: i for i, c in enumerate(_CITY_CODES)}).to_numpy()
        self.theme = t["theme"].map({x: i for i, x in enumerate(THEMES)}).to_numpy()
        self.band = t["price_band"].map({b: i for i, b in enumerate(PRICE_BANDS)}).to_numpy()
        self.ptype = t["product_type"].map({p: i for i, p in enumerate(PRODUCT_TYPES)}).to_numpy()
        n_b = len(CITIES) * len(THEMES)
        bucket = self.city * len(THEMES) + self.theme
        self.order = np.argsort(bucket, kind="stable")
        w = products.popularity[self.order]
        self.cum = np.cumsum(w)
        sizes = np.bincount(bucket, minlength=n_b)
        self.start = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        self.size = sizes
        cum0 = np.concatenate([[0.0], self.cum])
        self.lo = cum0[self.start]
        self.total = cum0[self.start + sizes] - self.lo
        self.avail = (sizes > 0).reshape(len(CITIES), len(THEMES))
        self.city_has = self.avail.any(axis=1)
        self.related = self._related(products, rng)

    def _related(self, products: Products, rng: np.random.Generator) -> np.ndarray:
        visits = products.places.groupby("product_id")["place_id"].apply(frozenset)
        pids = products.table["product_id"].tolist()
        places = [visits.get(p, frozenset()) for p in pids]
        out = np.empty((self.n, _N_RELATED), dtype=np.int64)
        pop = np.sqrt(products.popularity)
        for i in range(self.n):
            cand = np.flatnonzero((self.city == self.city[i]) & (np.arange(self.n) != i))
            if len(cand) == 0:
                out[i] = i
                continue
            w = pop[cand] * np.where(self.theme[cand] == self.theme[i], 3.0, 1.0)
            w = w * np.array([3.0 if places[j] & places[i] else 1.0 for j in cand])
            out[i] = rng.choice(
                cand, size=_N_RELATED, replace=len(cand) < _N_RELATED, p=w / w.sum()
            )
        return out

    def draw(
        self,
        rng: np.random.Generator,
        city: np.ndarray,
        theme: np.ndarray,
        band_aff: np.ndarray,
        type_aff: np.ndarray,
    ) -> np.ndarray:
        """One item per row from bucket (city, theme) by popularity × the row's affinities
        (rejection sampling, four rounds; the last draw is kept)."""
        b = city * len(THEMES) + theme
        out = np.empty(len(b), dtype=np.int64)
        todo = np.arange(len(b))
        for rnd in range(4):
            target = self.lo[b[todo]] + rng.random(len(todo)) * self.total[b[todo]]
            pos = np.searchsorted(self.cum, target, side="right")
            pos = np.clip(pos, self.start[b[todo]], self.start[b[todo]] + self.size[b[todo]] - 1)
            item = self.order[pos]
            out[todo] = item
            if rnd == 3:
                break
            acc = band_aff[todo, self.band[item]] * type_aff[todo, self.ptype[item]]
            todo = todo[rng.random(len(todo)) >= acc]
            if len(todo) == 0:
                break
        return out


def _categorical(rng: np.random.Generator, w: np.ndarray) -> np.ndarray:
    cum = np.cumsum(w, axis=1)
    u = rng.random(len(w))[:, None] * cum[:, -1:]
    return np.minimum((u > cum).sum(axis=1), w.shape[1] - 1)


def _user_tastes(
    users: pd.DataFrame, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """theme taste [U T], favourite cities [U 3], band affinity [U 4], type affinity [U 3]."""
    n = len(users)
    ages = users["age_band"].to_numpy()
    parties = users["party_type"].to_numpy()
    alpha = np.full((n, len(THEMES)), 0.6)
    for party in USER_PARTIES:
        for theme, boost in _THEME_BY_PARTY[party].items():
            alpha[parties == party, THEMES.index(theme)] += boost
    for age in AGE_BANDS:
        for theme, boost in _THEME_BY_AGE[age].items():
            alpha[ages == age, THEMES.index(theme)] += boost
    taste = rng.gamma(alpha)
    taste /= taste.sum(axis=1, keepdims=True)

    city_w = np.tile(np.array([c.popularity for c in CITIES]), (n, 1))
    for key, boosts in _CITY_BOOST.items():
        rows = (parties == key) | (ages == key)
        for code, boost in boosts.items():
            city_w[rows, _CITY_CODES.index(code)] *= boost
    keys = np.log(city_w) + rng.gumbel(size=city_w.shape)
    fav = np.argsort(-keys, axis=1, kind="stable")[:, :3]

    centre = np.array([_BAND_CENTRE[a] for a in ages]) + rng.normal(0.0, 0.5, n)
    band_aff = np.exp(-1.2 * np.abs(np.arange(len(PRICE_BANDS))[None, :] - centre[:, None]))
    type_aff = np.array([_TYPE_AFF[p] for p in parties]) * rng.lognormal(0.0, 0.3, (n, 3))
    type_aff[ages == "50plus", 0] *= 1.5
    type_aff /= type_aff.max(axis=1, keepdims=True)
    return taste, fav, band_aff, type_aff


def iter_click_chunks(
    cfg: ScaleConfig, seed: int, users: pd.DataFrame, products: Products
) -> Iterator[pa.Table]:
    rng = stream(seed, "clicks")
    cat = _Catalogue(products, rng)
    taste, fav, band_aff, type_aff = _user_tastes(users, rng)
    n_users = len(users)
    shape = 2.0
    raw_len = cfg.min_seq_len + rng.gamma(
        shape, (cfg.mean_clicks_per_user - cfg.min_seq_len) / shape, n_users
    )
    lengths = np.clip(np.round(raw_len), cfg.min_seq_len, cfg.max_seq_len).astype(np.int64)
    city_pop = np.array([c.popularity for c in CITIES]) * cat.city_has
    country = np.array([c.country for c in CITIES])
    user_ids = users["user_id"].to_numpy()
    product_ids = products.table["product_id"].to_numpy()

    # Users in blocks of about chunk_rows clicks; sessions are numbered across blocks.
    ends = np.cumsum(lengths)
    first_user, session_base = 0, 0
    while first_user < n_users:
        base = ends[first_user - 1] if first_user else 0
        last = int(np.searchsorted(ends, base + cfg.chunk_rows, side="right"))
        last = max(last, first_user + 1)
        u = np.repeat(np.arange(first_user, last), lengths[first_user:last])
        n = len(u)
        first_of_user = np.ones(n, dtype=bool)
        first_of_user[1:] = u[1:] != u[:-1]
        new_sess = first_of_user | (rng.random(n) < _P_NEW_SESSION)
        sess = np.cumsum(new_sess) - 1
        sess_start = np.flatnonzero(new_sess)
        pos = np.arange(n) - sess_start[sess]

        # Session destination: a favourite (85%) or any city by popularity.
        su = u[sess_start]
        fav_pick = fav[su, _categorical(rng, np.tile(_USER_CITY_P, (len(su), 1)))]
        anywhere = _categorical(rng, np.tile(city_pop, (len(su), 1)))
        s_city = np.where(rng.random(len(su)) < 0.85, fav_pick, anywhere)
        s_city = np.where(cat.city_has[s_city], s_city, anywhere)

        city = np.empty(n, dtype=np.int64)
        theme = np.empty(n, dtype=np.int64)
        item = np.empty(n, dtype=np.int64)
        for t in range(int(pos.max()) + 1):
            idx = np.flatnonzero(pos == t)
            uu = u[idx]
            if t == 0:
                c = s_city[sess[idx]]
                th = _categorical(rng, taste[uu] * cat.avail[c])
                it = cat.draw(rng, c, th, band_aff[uu], type_aff[uu])
            else:
                prev = idx - 1
                c, th = city[prev].copy(), theme[prev].copy()
                move = np.searchsorted(_MOVES, rng.random(len(idx)), side="right")
                # 2: new theme in the city; 3: sister city; 4: another favourite city.
                sister = move == 3
                if sister.any():
                    same_country = (country[None, :] == country[c[sister]][:, None]) & (
                        np.arange(len(CITIES))[None, :] != c[sister][:, None]
                    )
                    w = same_country * city_pop[None, :]
                    has = w.sum(axis=1) > 0
                    pick = _categorical(rng, np.where(has[:, None], w, 1.0))
                    c[sister] = np.where(has, pick, c[sister])
                other = move == 4
                if other.any():
                    c[other] = fav[
                        uu[other], _categorical(rng, np.tile(_USER_CITY_P, (int(other.sum()), 1)))
                    ]
                    c[other] = np.where(cat.city_has[c[other]], c[other], city[prev][other])
                retheme = (move >= 2) & ((move == 2) | ~cat.avail[c, th])
                if retheme.any():
                    th[retheme] = _categorical(rng, taste[uu[retheme]] * cat.avail[c[retheme]])
                it = cat.draw(rng, c, th, band_aff[uu], type_aff[uu])
                rel = move == 0
                it[rel] = cat.related[
                    item[prev[rel]], rng.integers(_N_RELATED, size=int(rel.sum()))
                ]
                for _ in range(2):  # re-clicking the same item is rare; redraw
                    again = np.flatnonzero(it == item[prev])
                    if len(again) == 0:
                        break
                    it[again] = cat.draw(
                        rng, c[again], th[again], band_aff[uu[again]], type_aff[uu[again]]
                    )
                c = np.where(rel, cat.city[it], c)
                th = np.where(rel, cat.theme[it], th)
            city[idx], theme[idx], item[idx] = c, th, it

        # Time: start somewhere in the first 200 days, sessions days apart, clicks seconds.
        gap = np.clip(rng.lognormal(np.log(60.0), 0.8, n), 5, 1800)
        session_gap = 3600 + rng.exponential(3 * 86_400, n)
        start = rng.integers(0, 200 * 86_400, n)
        delta = np.where(first_of_user, start, np.where(new_sess, session_gap, gap)).astype(
            np.int64
        )
        csum = np.cumsum(delta)
        user_first_idx = np.flatnonzero(first_of_user)
        user_of = np.cumsum(first_of_user) - 1
        ts = _START_TS + csum - (csum[user_first_idx] - delta[user_first_idx])[user_of]

        yield pa.table(
            {
                "user_id": user_ids[u],
                "product_id": product_ids[item],
                "session_id": [f"S{session_base + s + 1:07d}" for s in sess],
                "ts": ts,
            },
            schema=CLICK_SCHEMA,
        )
        session_base += int(sess[-1]) + 1
        first_user = last
