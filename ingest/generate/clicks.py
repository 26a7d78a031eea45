"""Click sessions on travel products, driven by latent user tastes over destinations,
themes, price bands and product types — and by a catalogue that keeps growing.

Each user has favourite destinations, a theme taste, a price-band centre and product-type
affinities (all derived from their age band and party, plus noise). A session picks one of
the user's destinations and a theme; each next click either follows a "related" product
(same city, shared theme or POIs: item-to-item signal for ids), stays in the (city, theme)
bucket, changes theme inside the city, hops to a sister city of the same country or to
another favourite destination. Inside a bucket an item is drawn with probability
popularity × the user's band and type affinity × a new-arrival boost, and items the user
already viewed are less likely (a revisit is a weaker signal than a new find).

Late launches, as in real travel catalogues: a share of the products (never the first one
of each city) is launched during the last days of the log and is only clickable after its
launch, promoted for a few days ("new arrivals"). Most users' latest sessions fall into that
window, so their most recent clicks — the held-out items of a leave-one-out split — often
land on products with a handful of clicks as ids. Their city / country / theme / band /
type, however, follow the same tastes as the user's older clicks: a model that sees item
metadata can rank them, an id-only model has barely seen them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ingest.generate.config import ScaleConfig, stream
from ingest.generate.products import Products
from tripgraph.vocab import AGE_BANDS, PRICE_BANDS, PRODUCT_TYPES, USER_PARTIES, load_cities

CLICK_SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("product_id", pa.string()),
        ("session_id", pa.string()),
        ("ts", pa.int64()),
    ]
)

_START_TS = 1_704_067_200  # 2024-01-01T00:00:00Z
_DAY = 86_400
_LOG_DAYS = 240  # the log ends _LOG_DAYS after _START_TS
_N_RELATED = 4
_P_NEW_SESSION = 0.22
# Next-click moves (cumulative): related item, same bucket, new theme in city, sister city.
_MOVES = np.cumsum([0.25, 0.37, 0.18, 0.10])
_USER_CITY_P = np.array([0.6, 0.28, 0.12])

# Catalogue growth and user activity (see the module docstring).
_LATE_SHARE = 0.7  # products launched inside the launch window
_LAUNCH_WINDOW_DAYS = 2.0  # late launches are spread over the log's last days
_NEW_BOOST, _NEW_DAYS = 30.0, 2.0
_ACTIVE_SHARE = 0.8  # users still active at the end of the log (others churned earlier)
_SESSION_GAP_DAYS = 7.0  # mean gap between a user's sessions (plus one hour)
_REVISIT_WEIGHT = 0.05  # an item the user already viewed (the item just viewed: 0)

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
    """Products grouped into (city, theme) buckets, with launch times."""

    def __init__(self, products: Products, rng: np.random.Generator) -> None:
        t = products.table
        dest = load_cities()
        codes = [c.code for c in dest.cities]
        self.n_cities, self.n_themes = len(dest.cities), len(dest.themes)
        self.n = len(t)
        self.city = t["city_code"].map({c: i for i, c in enumerate(codes)}).to_numpy()
        self.theme = t["theme"].map({x: i for i, x in enumerate(dest.themes)}).to_numpy()
        self.band = t["price_band"].map({b: i for i, b in enumerate(PRICE_BANDS)}).to_numpy()
        self.ptype = t["product_type"].map({p: i for i, p in enumerate(PRODUCT_TYPES)}).to_numpy()
        self.pop = products.popularity
        n_b = self.n_cities * self.n_themes
        bucket = self.city * self.n_themes + self.theme
        # members[b] = the items of bucket b, padded with -1: [n_buckets M]
        sizes = np.bincount(bucket, minlength=n_b)
        self.members = np.full((n_b, max(1, int(sizes.max()))), -1, dtype=np.int64)
        order = np.argsort(bucket, kind="stable")
        starts = np.concatenate([[0], np.cumsum(sizes)[:-1]])
        for b in range(n_b):
            self.members[b, : sizes[b]] = order[starts[b] : starts[b] + sizes[b]]
        self.related = self._related(products, rng)
        self.launch = self._launch_times(rng)
        # A new product has no sales history yet: its latent appeal is flatter (sqrt), so
        # late launches form a long tail instead of a few instant hits.
        self.pop = np.where(self.launch > 0, np.sqrt(self.pop), self.pop)
        # earliest launch in each bucket: a bucket is open once its first item is out
        first = np.full(n_b, np.iinfo(np.int64).max, dtype=np.int64)
        np.minimum.at(first, bucket, self.launch)
        self.first_launch = first.reshape(self.n_cities, self.n_themes)

    def _launch_times(self, rng: np.random.Generator) -> np.ndarray:
        """Unix launch time per item; the catalogue at the log's start launches at 0."""
        late = rng.random(self.n) < _LATE_SHARE
        # The first product of every city (products.py puts one per city first) is old, so
        # every destination stays clickable for the whole log.
        late[: min(self.n, self.n_cities)] = False
        end = _START_TS + _LOG_DAYS * _DAY
        when = end - (rng.random(self.n) * _LAUNCH_WINDOW_DAYS * _DAY).astype(np.int64)
        return np.where(late, when, 0).astype(np.int64)

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

    def open_themes(self, city: np.ndarray, ts: np.ndarray) -> np.ndarray:
        """[R T] bool: themes of each row's city with at least one launched product."""
        return self.first_launch[city] <= ts[:, None]

    def draw(
        self,
        rng: np.random.Generator,
        city: np.ndarray,
        theme: np.ndarray,
        ts: np.ndarray,
        band_aff: np.ndarray,
        type_aff: np.ndarray,
        seen: np.ndarray,
        prev: np.ndarray,
    ) -> np.ndarray:
        """One item per row from its open bucket (city, theme).

        band_aff [R 4], type_aff [R 3], seen [R n_items] bool (the row's user's history),
        prev [R] the item just viewed (-1 for none). Rows whose bucket holds no launched item
        other than `prev` get `prev` back (the caller only asks for open buckets)."""
        members = self.members[city * self.n_themes + theme]  # [R M]
        real = members >= 0
        m = np.where(real, members, 0)
        age = (ts[:, None] - self.launch[m]) / _DAY  # [R M] days since launch
        launched = real & (age >= 0)
        boost = np.where(
            self.launch[m] > 0, 1.0 + _NEW_BOOST * np.exp(-np.clip(age, 0, None) / _NEW_DAYS), 1.0
        )
        rows = np.arange(len(members))[:, None]
        w = (
            self.pop[m]
            * band_aff[rows, self.band[m]]
            * type_aff[rows, self.ptype[m]]
            * boost
            * np.where(seen[rows, m], _REVISIT_WEIGHT, 1.0)
            * launched
        )
        w = np.where(m == prev[:, None], 0.0, w)
        empty = w.sum(axis=1) <= 0
        col = _categorical(rng, np.where(empty[:, None], 1.0, w))
        return np.where(empty, np.maximum(prev, m[:, 0]), m[np.arange(len(m)), col])


def _categorical(rng: np.random.Generator, w: np.ndarray) -> np.ndarray:
    cum = np.cumsum(w, axis=1)
    u = rng.random(len(w))[:, None] * cum[:, -1:]
    return np.minimum((u > cum).sum(axis=1), w.shape[1] - 1)


@dataclass(frozen=True)
class TravelTastes:
    """Each user's latent travel tastes (never written): what drives their clicks, and
    what their dining tastes are drawn around (`reviews.user_dining_tastes`)."""

    theme: np.ndarray  # [U T] theme taste, rows sum to 1 (themes in cities.toml order)
    fav: np.ndarray  # [U 3] favourite cities
    band_aff: np.ndarray  # [U 4] price-band affinity
    type_aff: np.ndarray  # [U 3] product-type affinity
    band_residual: np.ndarray  # [U] band centre minus the age band's: the personal part


def _user_tastes(users: pd.DataFrame, rng: np.random.Generator) -> TravelTastes:
    n = len(users)
    dest = load_cities()
    themes, codes = dest.themes, [c.code for c in dest.cities]
    ages = users["age_band"].to_numpy()
    parties = users["party_type"].to_numpy()
    alpha = np.full((n, len(themes)), 0.6)
    for party in USER_PARTIES:
        for theme, boost in _THEME_BY_PARTY[party].items():
            alpha[parties == party, themes.index(theme)] += boost
    for age in AGE_BANDS:
        for theme, boost in _THEME_BY_AGE[age].items():
            alpha[ages == age, themes.index(theme)] += boost
    taste = rng.gamma(alpha)
    taste /= taste.sum(axis=1, keepdims=True)

    city_w = np.tile(np.array([c.popularity for c in dest.cities]), (n, 1))
    for key, boosts in _CITY_BOOST.items():
        rows = (parties == key) | (ages == key)
        for code, boost in boosts.items():
            city_w[rows, codes.index(code)] *= boost
    keys = np.log(city_w) + rng.gumbel(size=city_w.shape)
    fav = np.argsort(-keys, axis=1, kind="stable")[:, :3]

    residual = rng.normal(0.0, 0.5, n)
    centre = np.array([_BAND_CENTRE[a] for a in ages]) + residual
    band_aff = np.exp(-1.2 * np.abs(np.arange(len(PRICE_BANDS))[None, :] - centre[:, None]))
    type_aff = np.array([_TYPE_AFF[p] for p in parties]) * rng.lognormal(0.0, 0.3, (n, 3))
    type_aff[ages == "50plus", 0] *= 1.5
    type_aff /= type_aff.max(axis=1, keepdims=True)
    return TravelTastes(taste, fav, band_aff, type_aff, residual)


def travel_tastes(users: pd.DataFrame, products: Products, seed: int) -> TravelTastes:
    """The users' travel tastes exactly as `iter_click_chunks` draws them: the click stream
    replayed up to that point (the catalogue draws first), so clicks stay byte-identical."""
    rng = stream(seed, "clicks")
    _Catalogue(products, rng)
    return _user_tastes(users, rng)


def _timestamps(
    rng: np.random.Generator, first_of_user: np.ndarray, new_sess: np.ndarray, end: np.ndarray
) -> np.ndarray:
    """Click times: seconds apart inside a session, days between sessions, each user's last
    click at `end` [n] (the user's end time repeated per click)."""
    n = len(new_sess)
    gap = np.clip(rng.lognormal(np.log(60.0), 0.8, n), 5, 1800)
    session_gap = 3600 + rng.exponential(_SESSION_GAP_DAYS * _DAY, n)
    delta = np.where(first_of_user, 0.0, np.where(new_sess, session_gap, gap)).astype(np.int64)
    csum = np.cumsum(delta)
    last_of_user = np.append(first_of_user[1:], True)
    user_of = np.cumsum(first_of_user) - 1
    since_start = csum - csum[first_of_user][user_of]  # [n] seconds since the user's first
    span = since_start[last_of_user][user_of]
    return np.maximum(end - span + since_start, _START_TS)


def iter_click_chunks(
    cfg: ScaleConfig, seed: int, users: pd.DataFrame, products: Products
) -> Iterator[pa.Table]:
    rng = stream(seed, "clicks")
    cat = _Catalogue(products, rng)
    cities = load_cities().cities
    tastes = _user_tastes(users, rng)
    taste, fav, band_aff, type_aff = tastes.theme, tastes.fav, tastes.band_aff, tastes.type_aff
    n_users = len(users)
    shape = 2.0
    raw_len = cfg.min_seq_len + rng.gamma(
        shape, (cfg.mean_clicks_per_user - cfg.min_seq_len) / shape, n_users
    )
    lengths = np.clip(np.round(raw_len), cfg.min_seq_len, cfg.max_seq_len).astype(np.int64)
    # Last click: active users within the log's last two days, the others any time before.
    log_end = _START_TS + _LOG_DAYS * _DAY
    active = rng.random(n_users) < _ACTIVE_SHARE
    lag_days = np.where(active, rng.random(n_users) * 1.0, 2.0 + rng.random(n_users) * 150.0)
    user_end = (log_end - lag_days * _DAY).astype(np.int64)
    city_pop = np.array([c.popularity for c in cities])
    city_has = (cat.members >= 0).reshape(len(cities), cat.n_themes, -1).any(axis=(1, 2))
    city_pop = city_pop * city_has
    country = np.array([c.country for c in cities])
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
        ts = _timestamps(rng, first_of_user, new_sess, user_end[u])
        seen = np.zeros((last - first_user, cat.n), dtype=bool)  # [users of block, items]

        # Session destination: a favourite (85%) or any city by popularity.
        su = u[sess_start]
        fav_pick = fav[su, _categorical(rng, np.tile(_USER_CITY_P, (len(su), 1)))]
        anywhere = _categorical(rng, np.tile(city_pop, (len(su), 1)))
        s_city = np.where(rng.random(len(su)) < 0.85, fav_pick, anywhere)
        s_city = np.where(city_has[s_city], s_city, anywhere)

        city = np.empty(n, dtype=np.int64)
        theme = np.empty(n, dtype=np.int64)
        item = np.empty(n, dtype=np.int64)
        # Clicks are drawn vectorised over users in time order: session k of every user,
        # position t inside it, so `seen` holds each user's earlier clicks.
        sess_k = sess - sess[np.flatnonzero(first_of_user)][np.cumsum(first_of_user) - 1]
        order = np.lexsort((pos, sess_k))
        steps = np.flatnonzero(np.diff(sess_k[order]) | np.diff(pos[order])) + 1
        for idx in np.split(order, steps):
            t = int(pos[idx[0]])
            uu, tt = u[idx], ts[idx]
            row_seen = seen[uu - first_user]
            if t == 0:
                c = s_city[sess[idx]]
                th = _categorical(rng, taste[uu] * cat.open_themes(c, tt))
                no_prev = np.full(len(idx), -1)
                it = cat.draw(rng, c, th, tt, band_aff[uu], type_aff[uu], row_seen, no_prev)
            else:
                prev = idx - 1
                c, th = city[prev].copy(), theme[prev].copy()
                move = np.searchsorted(_MOVES, rng.random(len(idx)), side="right")
                # 2: new theme in the city; 3: sister city; 4: another favourite city.
                sister = move == 3
                if sister.any():
                    same_country = (country[None, :] == country[c[sister]][:, None]) & (
                        np.arange(len(cities))[None, :] != c[sister][:, None]
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
                    c[other] = np.where(city_has[c[other]], c[other], city[prev][other])
                open_now = cat.open_themes(c, tt)  # [R T]
                retheme = (move >= 2) & ((move == 2) | ~open_now[np.arange(len(idx)), th])
                if retheme.any():
                    th[retheme] = _categorical(rng, taste[uu[retheme]] * open_now[retheme])
                it = cat.draw(rng, c, th, tt, band_aff[uu], type_aff[uu], row_seen, item[prev])
                rel = move == 0
                linked = cat.related[item[prev], rng.integers(_N_RELATED, size=len(idx))]
                # a related product not launched yet cannot be clicked; keep the bucket draw
                rel &= (cat.launch[linked] <= tt) & (linked != item[prev])
                it = np.where(rel, linked, it)
                c = np.where(rel, cat.city[it], c)
                th = np.where(rel, cat.theme[it], th)
            city[idx], theme[idx], item[idx] = c, th, it
            seen[uu - first_user, it] = True

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
