"""The place hierarchy: country → city → region (읍·면·동 / neighbourhood) → poi.

Built from the gazetteer alone (no randomness), so place ids are stable across scales and
seeds: other tables and the agent can refer to 'KR-JEJU-aewol' or 'JP-OSA-poi-dotonbori'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyarrow as pa

from tripgraph.vocab import City, Poi, load_cities, load_jeju

JEJU_ID = "KR-JEJU"

PLACE_SCHEMA = pa.schema(
    [
        ("place_id", pa.string()),
        ("name", pa.string()),
        ("name_en", pa.string()),
        ("level", pa.string()),
        ("city_code", pa.string()),
        ("country_code", pa.string()),
        ("lat", pa.float64()),
        ("lon", pa.float64()),
        ("aliases", pa.list_(pa.string())),
        ("parent_id", pa.string()),
    ]
)


@dataclass(frozen=True)
class PlaceRow:
    place_id: str
    name: str
    name_en: str
    level: str
    city_code: str | None
    country_code: str
    lat: float
    lon: float
    aliases: tuple[str, ...]
    parent_id: str | None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


def city_place_id(city: City) -> str:
    return JEJU_ID if city.code == "CJU" else f"{city.country}-{city.code}"


def poi_place_id(city: City, poi: Poi) -> str:
    return f"{city_place_id(city)}-poi-{poi.slug}"


def jeju_region_id(slug: str) -> str:
    return f"{JEJU_ID}-{slug}"


def jeju_city_id(slug: str) -> str:
    return f"{JEJU_ID}-{slug}"


def _dedupe(names: tuple[str, ...], *exclude: str) -> tuple[str, ...]:
    return tuple(n for n in dict.fromkeys(names) if n not in exclude)


def build_places() -> list[PlaceRow]:
    cities = load_cities().cities
    countries = load_cities().countries
    province = load_jeju().province_name
    rows: list[PlaceRow] = []
    for c in countries:
        rows.append(
            PlaceRow(
                c.code,
                c.name,
                c.name_en,
                "country",
                None,
                c.code,
                c.lat,
                c.lon,
                _dedupe(c.aliases, c.name),
                None,
            )
        )
    for city in cities:
        cid = city_place_id(city)
        if city.code == "CJU":
            rows.append(
                PlaceRow(
                    cid,
                    province,
                    city.name_en,
                    "city",
                    "CJU",
                    "KR",
                    city.lat,
                    city.lon,
                    _dedupe(city.aliases, province),
                    "KR",
                )
            )
            rows.extend(_jeju_rows())
            continue
        rows.append(
            PlaceRow(
                cid,
                city.name,
                city.name_en,
                "city",
                city.code,
                city.country,
                city.lat,
                city.lon,
                _dedupe(city.aliases, city.name),
                city.country,
            )
        )
        for ko, en, lat, lon in city.areas:
            rows.append(
                PlaceRow(
                    f"{cid}-{_slug(en)}",
                    ko,
                    en,
                    "region",
                    city.code,
                    city.country,
                    lat,
                    lon,
                    _dedupe((en, en.lower()), ko),
                    cid,
                )
            )
        for poi in city.pois:
            rows.append(
                PlaceRow(
                    poi_place_id(city, poi),
                    poi.name,
                    poi.name_en,
                    "poi",
                    city.code,
                    city.country,
                    poi.lat,
                    poi.lon,
                    _dedupe((*poi.aliases, poi.name_en), poi.name),
                    cid,
                )
            )
    return rows


def _jeju_rows() -> list[PlaceRow]:
    cities = load_cities().cities
    jeju_cities = load_jeju().cities
    regions = load_jeju().regions
    rows: list[PlaceRow] = []
    city_ids = {c.name: jeju_city_id(c.slug) for c in jeju_cities}
    for c in jeju_cities:
        rows.append(
            PlaceRow(
                city_ids[c.name],
                c.name,
                c.name_en,
                "city",
                "CJU",
                "KR",
                c.lat,
                c.lon,
                _dedupe(c.aliases, c.name),
                JEJU_ID,
            )
        )
    for r in regions:
        rows.append(
            PlaceRow(
                jeju_region_id(r.slug),
                r.name,
                r.name_en,
                "region",
                "CJU",
                "KR",
                r.lat,
                r.lon,
                _dedupe((*r.aliases, r.name_en), r.name),
                city_ids[r.city],
            )
        )
    jeju = next(c for c in cities if c.code == "CJU")
    for poi in jeju.pois:
        assert poi.region is not None, poi.slug
        rows.append(
            PlaceRow(
                poi_place_id(jeju, poi),
                poi.name,
                poi.name_en,
                "poi",
                "CJU",
                "KR",
                poi.lat,
                poi.lon,
                _dedupe((*poi.aliases, poi.name_en), poi.name),
                jeju_region_id(poi.region),
            )
        )
    return rows


def places_table(rows: list[PlaceRow]) -> pa.Table:
    return pa.table(
        {
            "place_id": [r.place_id for r in rows],
            "name": [r.name for r in rows],
            "name_en": [r.name_en for r in rows],
            "level": [r.level for r in rows],
            "city_code": [r.city_code for r in rows],
            "country_code": [r.country_code for r in rows],
            "lat": [r.lat for r in rows],
            "lon": [r.lon for r in rows],
            "aliases": [list(r.aliases) for r in rows],
            "parent_id": [r.parent_id for r in rows],
        },
        schema=PLACE_SCHEMA,
    )
