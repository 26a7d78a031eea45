"""Travel products (packages, hotels, activities) in real cities, with Korean titles, prices
consistent with destination, length and price band, and the POIs each one visits."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ingest.generate.config import ScaleConfig, stream
from ingest.generate.places import poi_place_id
from tripgraph.vocab import PRICE_BANDS, PRODUCT_TYPES, City, load_cities

PRODUCT_SCHEMA = pa.schema(
    [
        ("product_id", pa.string()),
        ("name", pa.string()),
        ("product_type", pa.string()),
        ("country_code", pa.string()),
        ("city_code", pa.string()),
        ("city", pa.string()),
        ("theme", pa.string()),
        ("price", pa.int64()),
        ("price_band", pa.string()),
        ("nights", pa.int64()),
    ]
)
PRODUCT_PLACE_SCHEMA = pa.schema(
    [
        ("product_id", pa.string()),
        ("place_id", pa.string()),
        ("day", pa.int64()),
    ]
)

# KRW: package per night, hotel per night, activity — by destination.
_COST: dict[str, tuple[int, int, int]] = {
    "CJU": (140_000, 110_000, 30_000),
    "SEL": (130_000, 120_000, 35_000),
    "PUS": (130_000, 110_000, 30_000),
    "OSA": (250_000, 150_000, 60_000),
    "TYO": (280_000, 170_000, 65_000),
    "FUK": (230_000, 130_000, 50_000),
    "SPK": (300_000, 160_000, 70_000),
    "OKA": (260_000, 170_000, 60_000),
    "BKK": (200_000, 90_000, 45_000),
    "PYX": (190_000, 80_000, 45_000),
    "HKT": (230_000, 110_000, 60_000),
    "DAD": (190_000, 80_000, 45_000),
    "CXR": (190_000, 80_000, 45_000),
    "GUM": (300_000, 220_000, 80_000),
    "HNL": (450_000, 320_000, 100_000),
    "PAR": (550_000, 280_000, 90_000),
    "TPE": (220_000, 120_000, 45_000),
    "CEB": (210_000, 100_000, 55_000),
}
_NIGHTS: dict[str, tuple[int, int]] = {  # package nights range by country
    "KR": (1, 2),
    "JP": (2, 3),
    "TW": (2, 3),
    "TH": (3, 4),
    "VN": (3, 4),
    "PH": (3, 4),
    "US": (3, 5),
    "FR": (5, 7),
}
_BAND_P = np.array([0.30, 0.35, 0.25, 0.10])
_BAND_MULT = {
    "package": (0.7, 1.0, 1.45, 2.3),
    "hotel": (0.6, 1.0, 1.8, 3.5),
    "activity": (0.6, 1.0, 1.6, 2.6),
}
_BAND_WORDS = {
    "low": ("실속", "특가", "얼리버드"),
    "mid": ("", "베스트", "인기"),
    "high": ("노쇼핑", "품격"),
    "luxury": ("프리미엄", "5성급 럭셔리"),
}
_THEME_PACKAGE = {
    "휴양": ("힐링 자유여행", "휴양 패키지"),
    "미식": ("미식 투어", "먹방 자유여행"),
    "액티비티": ("액티비티 패키지", "어드벤처 투어"),
    "문화": ("역사문화 탐방", "문화 기행"),
    "쇼핑": ("쇼핑 자유여행", "쇼핑 핵심 일주"),
    "가족": ("가족여행 패키지", "키즈 동반 패키지"),
}
_HOTEL_WORDS = {
    "low": ("게스트하우스", "비즈니스 호텔", "스테이"),
    "mid": ("호텔", "부티크 호텔"),
    "high": ("리조트 & 스파", "그랜드 호텔"),
    "luxury": ("럭셔리 리조트", "풀빌라 리조트"),
}
_ACTIVITY_WORDS = {
    "휴양": ("스파 패키지", "선셋 크루즈"),
    "미식": ("미식 투어", "야시장 먹방 투어", "쿠킹 클래스"),
    "액티비티": ("스노클링 투어", "일일 투어", "ATV 체험"),
    "문화": ("입장권", "가이드 투어", "반일 투어"),
    "쇼핑": ("쇼핑 투어", "할인 쿠폰팩"),
    "가족": ("입장권", "가족 체험 투어"),
}


@dataclass
class Products:
    table: pd.DataFrame  # PRODUCT_SCHEMA columns
    places: pd.DataFrame  # PRODUCT_PLACE_SCHEMA columns
    popularity: np.ndarray  # latent popularity, used by the click generator


def _theme_probs(city: City) -> np.ndarray:
    themes = load_cities().themes
    counts = np.full(len(themes), 0.5)
    for poi in city.pois:
        for t in poi.themes:
            counts[themes.index(t)] += 1
    return counts / counts.sum()


def _round_price(p: float) -> int:
    """Prices end in 9,900 / 900 like real listings."""
    step = 10_000 if p >= 100_000 else 1_000
    return int(max(round(p / step), 1) * step - 100)


def build_products(cfg: ScaleConfig, seed: int) -> Products:
    cities = load_cities().cities
    themes = load_cities().themes
    rng = stream(seed, "products")
    n = cfg.n_products
    city_w = np.array([c.popularity for c in cities])
    city_idx = rng.choice(len(cities), size=n, p=city_w / city_w.sum())
    if n >= 2 * len(cities):  # every destination has products
        city_idx[: len(cities)] = np.arange(len(cities))
    rows: list[dict[str, object]] = []
    visits: list[tuple[str, str, int]] = []
    for i in range(n):
        city = cities[city_idx[i]]
        pid = f"P{i + 1:05d}"
        ptype = PRODUCT_TYPES[
            rng.choice(3, p=[0.25, 0.45, 0.30] if city.country == "KR" else [0.45, 0.30, 0.25])
        ]
        theme = themes[rng.choice(len(themes), p=_theme_probs(city))]
        b = int(rng.choice(4, p=_BAND_P))
        band = PRICE_BANDS[b]
        pkg_night, hotel_night, activity = _COST[city.code]
        poi_w = np.array([3.0 if theme in p.themes else 1.0 for p in city.pois])
        poi_order = rng.choice(
            len(city.pois), size=len(city.pois), replace=False, p=poi_w / poi_w.sum()
        )
        pois = [city.pois[j] for j in poi_order]
        noise = float(rng.lognormal(0.0, 0.08))
        if ptype == "package":
            lo, hi = _NIGHTS[city.country]
            nights = int(rng.integers(lo, hi + 1))
            price = pkg_night * (nights + 1) * _BAND_MULT[ptype][b] * noise
            band_word = _BAND_WORDS[band][rng.integers(len(_BAND_WORDS[band]))]
            theme_word = _THEME_PACKAGE[theme][rng.integers(2)]
            sights = "·".join(p.name for p in pois[:2])
            name = f"[{city.name} {nights}박{nights + 1}일] {sights} {band_word} {theme_word}"
            n_visit = min(nights + 1, len(pois), 4)
            for d, poi in enumerate(pois[:n_visit]):
                visits.append((pid, poi_place_id(city, poi), d + 1))
        elif ptype == "hotel":
            nights = int(rng.integers(1, 4))
            price = hotel_night * nights * _BAND_MULT[ptype][b] * noise
            area = (
                city.areas[rng.integers(len(city.areas))][0]
                if city.areas and rng.random() < 0.6
                else pois[0].name
            )
            word = _HOTEL_WORDS[band][rng.integers(len(_HOTEL_WORDS[band]))]
            breakfast = " 조식 포함" if rng.random() < 0.5 else ""
            name = f"[{city.name}] {area} {word} {nights}박{breakfast}"
            visits.append((pid, poi_place_id(city, pois[0]), 1))
        else:
            nights = 0
            price = activity * _BAND_MULT[ptype][b] * noise
            word = _ACTIVITY_WORDS[theme][rng.integers(len(_ACTIVITY_WORDS[theme]))]
            name = f"[{city.name}] {pois[0].name} {word}"
            visits.append((pid, poi_place_id(city, pois[0]), 1))
        rows.append(
            {
                "product_id": pid,
                "name": " ".join(name.split()),
                "product_type": ptype,
                "country_code": city.country,
                "city_code": city.code,
                "city": city.name,
                "theme": theme,
                "price": _round_price(price),
                "price_band": band,
                "nights": nights,
            }
        )
    popularity = rng.lognormal(0.0, 1.0, n) * np.sqrt(city_w[city_idx])
    return Products(
        pd.DataFrame(rows),
        pd.DataFrame(visits, columns=["product_id", "place_id", "day"]),
        popularity,
    )
