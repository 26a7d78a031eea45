"""The names the parser reads: the project gazetteer (`tripgraph.vocab`) joined with the
names the graph itself holds, and the geometry of its regions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from agent.understand.hangul import romanise
from agent.understand.matching import _compact
from tripgraph.vocab import (
    JejuGeography,
    load_categories,
    load_cities,
    load_jeju,
)
from tripgraph.vocab.understanding import (
    UnderstandingVocab,
    load_understanding_vocab,
)


@dataclass
class Vocabulary:
    """Surface form → canonical name tables used by the offline parser."""

    regions: dict[str, str] = field(default_factory=dict)
    region_city: dict[str, str] = field(default_factory=dict)
    region_coords: dict[str, tuple[float, float]] = field(default_factory=dict)
    pois: dict[str, tuple[str, str]] = field(default_factory=dict)  # alias → (poi, region)
    cities: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    menus: dict[str, str] = field(default_factory=dict)
    merchants: dict[str, str] = field(default_factory=dict)  # compact name → name
    # compact name → every name spelt so: '놀멍 coffee' and '놀멍coffee' are two businesses
    merchant_spellings: dict[str, list[str]] = field(default_factory=dict)
    product_cities: dict[str, str] = field(default_factory=dict)
    menu_categories: dict[str, tuple[str, ...]] = field(default_factory=dict)  # menu → cats
    outside: dict[str, str] = field(default_factory=dict)  # non-Jeju dining place → label
    # Party, occasion, price and spelling words, stand-ins for what the graph does not hold.
    extra: UnderstandingVocab = field(default_factory=load_understanding_vocab)

    @property
    def poi_regions(self) -> dict[str, str]:
        """POI alias → the 읍면동 it lies in (협재 → 한림읍): a POI read as its region."""
        return {alias: region for alias, (_, region) in self.pois.items()}

    @classmethod
    def from_gazetteer(cls) -> Vocabulary:
        v = cls()
        jeju, dining = load_jeju(), load_categories()
        hangul: dict[str, set[str]] = {}  # Hangul name → regions, for the romanised forms
        for r in jeju.regions:
            own = v.extra.region_aliases.get(r.name, ())
            for alias in (r.name, *r.aliases, *_romanised(r.name_en), *own, *_dongs(r)):
                v.regions[alias.lower()] = r.name
                hangul.setdefault(alias, set()).add(r.name)
            v.region_city[r.name] = r.city
            v.region_coords[r.name] = (r.lat, r.lon)
        by_slug = {r.slug: r.name for r in jeju.regions}
        for p in load_cities().jeju_pois:
            if p.region in by_slug:
                for alias in (p.name, *p.aliases):
                    v.pois[alias.lower()] = (p.name, by_slug[p.region])
                    hangul.setdefault(alias, set()).add(by_slug[p.region])
        # 'Hyeopjae', 'Gimnyeong beach': every Hangul name also as visitors spell it, unless
        # the spelling would name two regions or is already a name of the tables.
        for c in jeju.cities:
            for alias in (c.name, *c.aliases, *_romanised(c.name_en)):
                v.cities[alias.lower()] = c.name
        for cat, aliases in dining.aliases.items():
            for alias in (cat, *aliases, *v.extra.category_aliases.get(cat, ())):
                v.categories[alias.lower()] = cat
        for name in dining.category_names:
            v.categories.setdefault(name.lower(), name)
        for spec in dining.categories:
            for item in spec.menus:
                v.menus[item.name.lower()] = item.name
                v.menu_categories[item.name] = (*v.menu_categories.get(item.name, ()), spec.name)
        for alias, menu in v.extra.menu_aliases.items():
            if menu in v.menu_categories:
                v.menus.setdefault(alias.lower(), menu)
        for city in load_cities().cities:
            for alias in (city.name, *city.aliases):
                v.product_cities[alias.lower()] = city.name
        for place in v.extra.outside_places:
            v.outside[place.lower()] = place
        v._add_spellings(hangul, jeju)
        return v

    def _add_spellings(self, hangul: dict[str, set[str]], jeju: JejuGeography) -> None:
        """Every Hangul place, category and dish name also as visitors spell it
        ('Hyeopjae', 'haejangguk'), unless the spelling names two things or is the
        romanisation of a city or of the province ('jeju' from 제주항 is not 건입동)."""
        taken = {
            romanise(_compact(a))
            for a in (*jeju.province_aliases, *self.cities, *self.product_cities, *self.outside)
        }
        spelt: dict[str, set[str]] = {}
        for alias, regions in hangul.items():
            for roman in _spellings(alias):
                spelt.setdefault(roman, set()).update(regions)
        for roman, regions in spelt.items():
            if len(regions) == 1 and roman not in self.regions and roman not in taken:
                self.regions[roman] = next(iter(regions))
        for table in (self.categories, self.menus):
            foods: dict[str, set[str]] = {}
            for alias, name in table.items():
                roman = romanise(_compact(alias))
                if not alias.isascii() and len(roman) >= 3:
                    foods.setdefault(roman, set()).add(name)
            for roman, names in foods.items():
                if len(names) == 1 and roman not in taken:
                    table.setdefault(roman, next(iter(names)))

    def add_graph_names(self, rows: dict[str, list[dict[str, Any]]]) -> None:
        """Add names read from the graph (see `agent.cypher.VOCABULARY_QUERIES`)."""
        for r in rows.get("regions", []):
            name = r["name"]
            for alias in (name, *(r.get("aliases") or [])):
                self.regions.setdefault(str(alias).lower(), name)
            if r.get("lat") is not None and name not in self.region_coords:
                self.region_coords[name] = (float(r["lat"]), float(r["lon"]))
        for r in rows.get("categories", []):
            self.categories.setdefault(r["name"].lower(), r["name"])
        for r in rows.get("menus", []):
            self.menus.setdefault(r["name"].lower(), r["name"])
        for r in rows.get("merchants", []):
            self.merchants[_compact(r["name"])] = r["name"]
            self.merchant_spellings.setdefault(_compact(r["name"]), []).append(r["name"])
        for r in rows.get("product_cities", []):
            name = r["name"]
            for alias in (name, *(r.get("aliases") or [])):
                self.product_cities.setdefault(str(alias).lower(), name)

    def nearby_regions(self, region: str, km: float) -> list[tuple[str, float]]:
        """Other regions whose centre lies within `km` of this one, nearest first."""
        if region not in self.region_coords:
            return []
        lat0, lon0 = self.region_coords[region]
        out = []
        for name, (lat, lon) in self.region_coords.items():
            if name == region:
                continue
            d = haversine_km(lat0, lon0, lat, lon)
            if d <= km:
                out.append((name, round(d, 1)))
        return sorted(out, key=lambda x: x[1])


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 6371.0 * 2 * math.asin(math.sqrt(a))


# Endings of Jeju place names, romanised apart so that 'Woljeong-ri' and 'Hyeopjae beach'
# read too: the stem alone is how visitors name the place.
_SUFFIXES = ("해수욕장", "해변", "포구", "항", "오름", "폭포", "리", "동", "읍", "면")


def _spellings(name: str) -> set[str]:
    """The romanised spellings of a Hangul place name: the whole ('hyeopjaehaebyeon'), and
    for a name with a place ending the stem alone and stem + ending ('woljeong',
    'woljeong-ri', 'woljeong ri', 'woljeongri'); stems under 3 letters are left out."""
    compact = _compact(name)
    if not compact or not all("가" <= ch <= "힣" or ch.isdigit() for ch in compact):
        return set()
    out = {romanise(compact)}
    for suffix in _SUFFIXES:
        stem = compact[: -len(suffix)]
        whole = compact.endswith(("거리", "절리", "공항"))  # street, cliff, airport: not 리/항
        if compact.endswith(suffix) and len(stem) >= 2 and not whole:
            head, tail = romanise(stem), romanise(suffix)
            out |= {head, f"{head}-{tail}", f"{head} {tail}", head + tail}
            break
    return {s for s in out if len(s) >= 3}


def _dongs(region: Any) -> tuple[str, ...]:
    """A region's 법정동 as people write them: '도련일동' → '도련동', '도련1동'."""
    out: list[str] = []
    for d in region.legal_dongs:
        for n, digit in (("일동", "1"), ("이동", "2"), ("삼동", "3")):
            if d.endswith(n) and len(d) > 3:
                out += [d[: -len(n)] + "동", d[: -len(n)] + digit + "동"]
                break
        else:
            out.append(d)
    return tuple(dict.fromkeys(out))


def _romanised(name_en: str) -> tuple[str, ...]:
    """'Aewol-eup' → ('aewol-eup', 'aewoleup', 'aewol eup'): the ways users type it."""
    low = name_en.lower()
    return (low, low.replace("-", ""), low.replace("-", " "))
