"""Two place databases for the name-mapping task, and the gold mapping between them.

The internal one is how a Korean travel company stores places (Korean names with branch
suffixes, Korean addresses). The external one looks like Google Places: English or
romanised names, spacing changes and typos, branch written differently, jittered
coordinates, Google-like ids, and confusable near-duplicates: different places with similar
names close by (another branch of the same brand, "… Station" / "… Parking" next to a
sight, two 요코초 alleys in one city). Gold: every true match (is_same = True) plus the hard
negatives (is_same = False) a mapper must reject.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa

from ingest.generate.config import ScaleConfig, stream
from tripgraph.vocab import City, load_cities

PLACE_DB_SCHEMA = pa.schema(
    [
        ("place_id", pa.string()),
        ("name", pa.string()),
        ("name_en", pa.string()),
        ("address", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("city_code", pa.string()),
        ("category", pa.string()),
    ]
)
GOLD_SCHEMA = pa.schema(
    [
        ("internal_id", pa.string()),
        ("external_id", pa.string()),
        ("is_same", pa.bool_()),
    ]
)

_BRANDS: tuple[tuple[str, str], ...] = (
    ("사쿠라", "Sakura"),
    ("하나", "Hana"),
    ("골든", "Golden"),
    ("블루", "Blue"),
    ("로얄", "Royal"),
    ("킹", "King"),
    ("미도리", "Midori"),
    ("타이거", "Tiger"),
    ("선셋", "Sunset"),
    ("오션", "Ocean"),
    ("해피", "Happy"),
    ("그린", "Green"),
    ("문라이트", "Moonlight"),
    ("스타", "Star"),
    ("이치방", "Ichiban"),
    ("야마", "Yama"),
    ("코코", "Coco"),
    ("마루", "Maru"),
    ("라온", "Raon"),
    ("실버", "Silver"),
    ("파라다이스", "Paradise"),
    ("럭키", "Lucky"),
    ("시티", "City"),
    ("뉴", "New"),
    ("오리엔탈", "Oriental"),
    ("팜", "Palm"),
    ("코지", "Cozy"),
    ("어반", "Urban"),
    ("트리", "Tree"),
    ("하모니", "Harmony"),
)
_TYPES: dict[str, dict[str, tuple[tuple[str, str], ...]]] = {
    "restaurant": {
        "JP": (
            ("라멘", "Ramen"),
            ("스시", "Sushi"),
            ("이자카야", "Izakaya"),
            ("야키니쿠", "Yakiniku"),
            ("우동", "Udon"),
            ("규카츠", "Gyukatsu"),
            ("타코야키", "Takoyaki"),
        ),
        "TH": (
            ("팟타이", "Pad Thai"),
            ("씨푸드", "Seafood"),
            ("똠얌", "Tom Yum"),
            ("타이 키친", "Thai Kitchen"),
        ),
        "VN": (("쌀국수", "Pho"), ("반미", "Banh Mi"), ("씨푸드", "Seafood"), ("분짜", "Bun Cha")),
        "US": (
            ("버거", "Burger"),
            ("스테이크하우스", "Steakhouse"),
            ("팬케이크", "Pancakes"),
            ("포케", "Poke"),
        ),
        "FR": (("비스트로", "Bistro"), ("브라세리", "Brasserie"), ("크레페리", "Creperie")),
        "TW": (("딤섬", "Dim Sum"), ("우육면", "Beef Noodle"), ("훠궈", "Hot Pot")),
        "PH": (("씨푸드", "Seafood"), ("레촌", "Lechon"), ("그릴", "Grill")),
        "KR": (("국밥", "Gukbap"), ("고기", "BBQ"), ("횟집", "Sashimi"), ("칼국수", "Kalguksu")),
    },
    "cafe": {
        "*": (
            ("카페", "Cafe"),
            ("커피", "Coffee"),
            ("베이커리", "Bakery"),
            ("티하우스", "Tea House"),
        )
    },
    "hotel": {"*": (("호텔", "Hotel"), ("인", "Inn"), ("리조트", "Resort"), ("스테이", "Stay"))},
    "shop": {
        "*": (
            ("드럭스토어", "Drugstore"),
            ("기념품점", "Souvenir Shop"),
            ("마트", "Mart"),
            ("아울렛", "Outlet"),
        )
    },
}
_VENUE_P = {"restaurant": 0.45, "cafe": 0.15, "hotel": 0.2, "shop": 0.2}
_GOOGLE_TYPE = {
    "restaurant": "restaurant",
    "cafe": "cafe",
    "hotel": "lodging",
    "shop": "store",
    "attraction": "tourist_attraction",
}
_POI_DECOYS: tuple[tuple[str, str], ...] = (
    ("역", "Station"),
    ("주차장", "Parking"),
    ("방문자센터", "Visitor Center"),
    ("기념품점", "Gift Shop"),
    ("입구", "Entrance"),
    ("호텔", "Hotel"),
)
_B62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-_"


@dataclass
class _Place:
    pid: str
    name: str
    name_en: str
    lat: float
    lon: float
    city: City
    category: str
    brand: int = -1  # venues: index into _BRANDS
    vtype: tuple[str, str] = ("", "")
    anchor: tuple[str, str] = ("", "")


@dataclass
class PlaceDatabases:
    internal: pd.DataFrame
    external: pd.DataFrame
    gold: pd.DataFrame


def _offset(rng: np.random.Generator, lat: float, lon: float, metres: float) -> tuple[float, float]:
    a = rng.uniform(0, 2 * math.pi)
    d = metres / 111_000
    return (
        round(lat + d * math.sin(a), 6),
        round(lon + d * math.cos(a) / math.cos(math.radians(lat)), 6),
    )


def _typo(rng: np.random.Generator, s: str) -> str:
    letters = [i for i, ch in enumerate(s) if ch.isalpha()]
    if len(letters) < 4:
        return s
    i = letters[int(rng.integers(1, len(letters) - 1))]
    kind = rng.integers(3)
    if kind == 0:
        return s[:i] + s[i + 1 :]
    if kind == 1 and i + 1 < len(s) and s[i + 1].isalpha():
        return s[:i] + s[i + 1] + s[i] + s[i + 2 :]
    return s[:i] + s[i] + s[i:]


def _google_id(rng: np.random.Generator) -> str:
    return "ChIJ" + "".join(_B62[j] for j in rng.integers(0, 64, 23))


def _internal_address(p: _Place, rng: np.random.Generator) -> str:
    country = load_cities().country_by_code(p.city.country).name
    where = p.anchor[0] or p.name.split()[0]
    return f"{country} {p.city.name} {where} {rng.integers(1, 30)}-{rng.integers(1, 20)}"


def _external_address(p: _Place, rng: np.random.Generator) -> str:
    country = load_cities().country_by_code(p.city.country).name_en
    where = p.anchor[1] or p.name_en
    num = f"{rng.integers(1, 300)} " if rng.random() < 0.8 else ""
    return f"{num}{where}, {p.city.name_en}, {country}"


def _internal_places(cfg: ScaleConfig, rng: np.random.Generator) -> list[_Place]:
    cities = load_cities().cities
    places: list[_Place] = []
    for city in cities:
        for poi in city.pois:
            places.append(_Place("", poi.name, poi.name_en, poi.lat, poi.lon, city, "attraction"))
    city_w = np.array([c.popularity for c in cities])
    seen: set[tuple[str, int, str, str]] = set()
    cats = list(_VENUE_P)
    cat_p = np.array(list(_VENUE_P.values()))
    while len(places) < cfg.n_internal_places:
        city = cities[rng.choice(len(cities), p=city_w / city_w.sum())]
        anchors = [(ko, en, la, lo) for ko, en, la, lo in city.areas] + [
            (p.name, p.name_en, p.lat, p.lon) for p in city.pois
        ]
        ko, en, la, lo = anchors[rng.integers(len(anchors))]
        cat = cats[rng.choice(len(cats), p=cat_p)]
        types = _TYPES[cat].get(city.country) or _TYPES[cat].get("*") or _TYPES[cat]["KR"]
        vtype = types[rng.integers(len(types))]
        brand = int(rng.integers(len(_BRANDS)))
        key = (city.code, brand, vtype[1], en)
        if key in seen:
            continue
        seen.add(key)
        lat, lon = _offset(rng, la, lo, abs(float(rng.normal(0, 300))))
        suffix = "점" if cat != "hotel" else ""
        name = f"{_BRANDS[brand][0]} {vtype[0]} {ko}{suffix}"
        name_en = f"{_BRANDS[brand][1]} {vtype[1]} {en}"
        places.append(_Place("", name, name_en, lat, lon, city, cat, brand, vtype, (ko, en)))
    for i, p in enumerate(places):
        p.pid = f"IP{i + 1:06d}"
    return places


def _external_name(p: _Place, rng: np.random.Generator) -> tuple[str, str]:
    """(name, name_en) of the same place as an external database would write it."""
    u = rng.random()
    if p.category == "attraction":
        poi = next(x for x in p.city.pois if x.name == p.name)
        if u < 0.45:
            name = p.name_en
        elif u < 0.7 and poi.aliases:
            name = poi.aliases[int(rng.integers(len(poi.aliases)))]
        elif u < 0.85:
            name = _typo(rng, p.name_en)
        else:
            name = p.name
        en = _typo(rng, p.name_en) if rng.random() < 0.15 else p.name_en
        return name, en
    brand_en, type_en, area_en = _BRANDS[p.brand][1], p.vtype[1], p.anchor[1]
    branch = (
        f"{brand_en} {type_en} {area_en}",
        f"{brand_en} {type_en} ({area_en})",
        f"{brand_en} {type_en} - {area_en}",
        f"{brand_en} {type_en} {area_en} Branch",
        f"{brand_en} {type_en}",
    )[int(rng.integers(5))]
    if u < 0.35:
        name = branch
    elif u < 0.5:
        name = re.sub(r"\s+", "", p.name, count=1)  # "사쿠라 라멘 난바점" → "사쿠라라멘 난바점"
    elif u < 0.7:
        name = _typo(rng, branch)
    elif u < 0.8:
        name = branch.upper() if rng.random() < 0.5 else branch.lower()
    else:
        name = p.name.removesuffix("점") if rng.random() < 0.5 else p.name
    en = _typo(rng, branch) if rng.random() < 0.1 else branch
    return name, en


def _table(rows: list[dict[str, object]]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[f.name for f in PLACE_DB_SCHEMA])


def build_place_databases(cfg: ScaleConfig, seed: int) -> PlaceDatabases:
    cities = load_cities().cities
    rng = stream(seed, "placedb")
    internal = _internal_places(cfg, rng)
    internal_keys = {(p.city.code, p.brand, p.vtype[1], p.anchor[1]) for p in internal}
    int_rows = [
        {
            "place_id": p.pid,
            "name": p.name,
            "name_en": p.name_en,
            "address": _internal_address(p, rng),
            "lat": p.lat,
            "lon": p.lon,
            "city_code": p.city.code,
            "category": p.category,
        }
        for p in internal
    ]

    ext: list[dict[str, object]] = []
    gold: list[tuple[str, str, bool]] = []
    twin: dict[str, str] = {}

    def add_external(
        src: _Place, name: str, name_en: str, lat: float, lon: float, category: str
    ) -> str:
        gid = _google_id(rng)
        ext.append(
            {
                "place_id": gid,
                "name": name,
                "name_en": name_en,
                "address": _external_address(src, rng),
                "lat": lat,
                "lon": lon,
                "city_code": src.city.code,
                "category": _GOOGLE_TYPE[category],
            }
        )
        return gid

    for p in internal:
        if rng.random() < 0.9:  # the rest are missing from the external database
            name, en = _external_name(p, rng)
            far = rng.random() < 0.05
            lat, lon = _offset(rng, p.lat, p.lon, abs(float(rng.normal(0, 150 if far else 25))))
            gid = add_external(p, name, en, lat, lon, p.category)
            twin[p.pid] = gid
            gold.append((p.pid, gid, True))
        if rng.random() >= 0.3:
            continue
        # A confusable neighbour: a different place with a similar name close by.
        if p.category == "attraction":
            ko, en = _POI_DECOYS[int(rng.integers(len(_POI_DECOYS)))]
            lat, lon = _offset(rng, p.lat, p.lon, float(rng.uniform(100, 500)))
            gid = add_external(
                p,
                f"{p.name} {ko}" if rng.random() < 0.4 else f"{p.name_en} {en}",
                f"{p.name_en} {en}",
                lat,
                lon,
                "shop" if ko != "호텔" else "hotel",
            )
        else:
            anchors = [(a[0], a[1]) for a in p.city.areas] + [
                (x.name, x.name_en) for x in p.city.pois
            ]
            other = anchors[int(rng.integers(len(anchors)))]
            key = (p.city.code, p.brand, p.vtype[1], other[1])
            if other[1] == p.anchor[1] or key in internal_keys:
                continue
            internal_keys.add(key)
            en = f"{_BRANDS[p.brand][1]} {p.vtype[1]} {other[1]}"
            lat, lon = _offset(rng, p.lat, p.lon, float(rng.uniform(60, 400)))
            neighbour = _Place("", "", en, lat, lon, p.city, p.category, anchor=other)
            gid = add_external(
                neighbour,
                en if rng.random() < 0.6 else f"{_BRANDS[p.brand][0]} {p.vtype[0]} {other[0]}점",
                en,
                lat,
                lon,
                p.category,
            )
        gold.append((p.pid, gid, False))

    # Sights of one city that share a word ("Yokocho", "Beach", "Market") are hard negatives.
    pois = [p for p in internal if p.category == "attraction"]
    for a in pois:
        words_a = set(a.name_en.lower().split())
        for b in pois:
            if a is b or a.city.code != b.city.code or b.pid not in twin:
                continue
            if words_a & set(b.name_en.lower().split()) - {"the", "of", "de", "du"}:
                gold.append((a.pid, twin[b.pid], False))

    # Places only the external database knows, shuffled so row order says nothing.
    n_noise = max(len(internal) // 10, 1)
    for _ in range(n_noise):
        city = cities[int(rng.integers(len(cities)))]
        ko, en, la, lo = (
            city.areas[0] if city.areas else (city.name, city.name_en, city.lat, city.lon)
        )
        brand = _BRANDS[int(rng.integers(len(_BRANDS)))]
        dummy = _Place("", "", "", la, lo, city, "shop", anchor=(ko, en))
        lat, lon = _offset(rng, la, lo, float(rng.uniform(50, 1500)))
        add_external(dummy, f"{brand[1]} Market {en}", f"{brand[1]} Market {en}", lat, lon, "shop")
    order = rng.permutation(len(ext))
    external = _table([ext[i] for i in order])
    gold_df = pd.DataFrame(gold, columns=["internal_id", "external_id", "is_same"])
    gold_df = gold_df.drop_duplicates(["internal_id", "external_id"]).reset_index(drop=True)
    return PlaceDatabases(_table(int_rows), external, gold_df)
