"""Schema of the domain vocabulary (tripgraph/vocab/*.toml): each file has a version, keys
are unique, every name one file uses exists in the file that owns it, Jeju's coordinates lie
in Jeju; and the loaders refuse a file that breaks the closed sets the code is built on."""

from __future__ import annotations

import tomllib
from collections import Counter
from dataclasses import replace
from pathlib import Path

import pytest

from tripgraph import vocab as V
from tripgraph.vocab.understanding import (
    UNDERSTANDING_PATH,
    load_understanding_vocab,
    parse_understanding_vocab,
)

# Jeju island with its near islets (마라도 33.11 N, 우도 126.97 E); the 추자 islands lie
# 45 km north of it (33.96 N) and are the only region outside this box, inside their own.
JEJU_LAT, JEJU_LON = (33.1, 33.6), (126.1, 127.0)
CHUJA_LAT, CHUJA_LON = (33.9, 34.0), (126.25, 126.4)


def _in_jeju(lat: float, lon: float, region: str = "") -> bool:
    lat_box, lon_box = (CHUJA_LAT, CHUJA_LON) if region == "추자면" else (JEJU_LAT, JEJU_LON)
    return lat_box[0] < lat < lat_box[1] and lon_box[0] < lon < lon_box[1]


def _dupes(values: list[str]) -> list[str]:
    return [v for v, n in Counter(values).items() if n > 1]


@pytest.mark.parametrize(
    "path",
    [
        V.PEOPLE_PATH,
        V.ATTRIBUTES_PATH,
        V.JEJU_PATH,
        V.CITIES_PATH,
        V.CATEGORIES_PATH,
        UNDERSTANDING_PATH,
    ],
    ids=lambda p: p.name,
)
def test_every_file_is_versioned_and_says_how_to_extend_it(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    version = tomllib.loads(text).get("version")
    assert isinstance(version, int) and version >= 1
    head = "\n".join(line for line in text.splitlines()[:20] if line.startswith("#"))
    assert "data change" in head or "change of this file alone" in head


def test_people() -> None:
    p = V.load_people()
    assert set(p.review_party_to_user_party) == set(V.REVIEW_PARTIES)
    assert set(p.review_party_to_user_party.values()) == set(V.USER_PARTIES)
    assert set(p.party_words) == set(V.REVIEW_PARTIES)
    assert set(p.age_words) == set(V.AGE_BANDS)
    assert all(words for words in (*p.party_words.values(), *p.age_words.values()))
    names = [name for name, _ in p.home_cities]
    assert not _dupes(names) and p.local_home_city in names
    assert all(w > 0 for _, w in p.home_cities)


def test_attributes() -> None:
    a = V.load_attributes()
    assert set(a.words) == set(V.ATTRIBUTES)
    assert set(a.price_words) == {"cheap", "expensive"}
    assert all(words for words in (*a.words.values(), *a.price_words.values()))


def test_jeju_regions() -> None:
    j = V.load_jeju()
    regions = j.regions
    assert not _dupes([r.slug for r in regions]) and not _dupes([r.name for r in regions])
    assert {r.city for r in regions} == {c.name for c in j.cities}
    # A name or alias names one region only, or `region_by_name` would depend on order.
    assert not _dupes([a for r in regions for a in {r.name, *r.aliases}])
    for r in regions:
        for lat, lon in ((r.lat, r.lon), *r.hubs):
            assert _in_jeju(lat, lon, r.name), r.name
        assert r.legal_dongs and not _dupes(list(r.legal_dongs)), r.name
        assert r.weight > 0 and 0 <= r.tourist <= 1 and r.roads, r.name
    # A 법정동 maps to one region of its city (월평동 is in both cities, once in each).
    keys = [(r.city, d) for r in regions for d in r.legal_dongs]
    assert not _dupes([f"{c}/{d}" for c, d in keys])
    assert len(j.legal_dong_to_region) == len(keys)
    assert j.region_by_name("애월").name == "애월읍"
    assert j.region_by_name("천지동").name == "서귀동"
    with pytest.raises(KeyError):
        j.region_by_name("강남")
    assert all(_in_jeju(c.lat, c.lon) for c in j.cities)


def test_cities_and_pois() -> None:
    d, j = V.load_cities(), V.load_jeju()
    assert not _dupes([c.code for c in d.countries])
    assert not _dupes([c.code for c in d.cities])
    assert {c.country for c in d.cities} <= {c.code for c in d.countries}
    assert not _dupes(list(d.themes))
    slugs = {r.slug for r in j.regions}
    for city in d.cities:
        assert city.popularity > 0
        assert not _dupes([p.slug for p in city.pois]), city.code
        for poi in city.pois:
            assert set(poi.themes) <= set(d.themes), poi.slug
            # Jeju's POIs name their region; no other city has regions.
            assert (poi.region in slugs) if city.code == V.JEJU_CITY_CODE else poi.region is None
    jeju = d.city_by_code(V.JEJU_CITY_CODE)
    assert set(j.province_aliases) <= set(jeju.aliases)
    assert all(_in_jeju(p.lat, p.lon) for p in d.jeju_pois)


def test_categories_menus_and_synonyms() -> None:
    dining = V.load_categories()
    names = [c.name for c in dining.categories]
    assert not _dupes(names) and dining.category_names == tuple(names)
    # Every synonym points to a category that exists (and every category has its entry).
    assert list(dining.aliases) == names
    for c in dining.categories:
        assert c.menus and not _dupes([m.name for m in c.menus]), c.name
        assert all(m.price > 0 for m in c.menus), c.name
        assert abs(sum(c.age_prior) - 1) < 1e-9 and abs(sum(c.party_prior) - 1) < 1e-9
        assert 0 < c.local_prior < 1 and c.weight > 0 and c.name_cores, c.name
        assert -1 <= c.tourist_affinity <= 1, c.name
    # Every menu name belongs to a category (menu_names is derived from the categories).
    owners = {m.name for c in dining.categories for m in c.menus}
    assert set(dining.menu_names) == owners and not _dupes(list(dining.menu_names))
    assert dining.name_prefixes and not _dupes(list(dining.name_prefixes))


def test_understanding_names_are_the_shared_vocabularys() -> None:
    v = load_understanding_vocab(UNDERSTANDING_PATH)
    dining = V.load_categories()
    parties, cats = set(V.REVIEW_PARTIES), set(dining.category_names)
    menus, attrs = set(dining.menu_names), set(V.ATTRIBUTES)
    assert set(v.party_order) == parties
    assert set(v.party_words) <= parties and set(v.compatible_parties) == parties
    assert all(set(c) <= parties and c[0] == p for p, c in v.compatible_parties.items())
    assert set(v.related_categories) == cats
    assert all(set(r) <= cats and p not in r for p, r in v.related_categories.items())
    assert set(v.category_aliases) <= cats
    assert set(v.attribute_words) <= attrs
    assert set(v.menu_aliases.values()) <= menus
    assert set(v.price_words) == {"cheap", "expensive"}
    for o in v.occasions:
        assert o.words and set(o.wishes) <= attrs and set(o.needs) <= attrs
        assert o.party is None or o.party in parties
    for u in v.unheld:
        assert u.kind in ("category", "menu", "attribute") and u.words
        assert set(u.nearest) <= cats and (u.kind != "attribute" or not u.nearest)
        # An unheld word must not be a name the graph holds.
        assert not set(u.words) & (cats | menus)
    assert v.group_min_size >= 2 and v.number_words["여덟"] == 8
    assert set(v.party_wishes) == parties
    assert all(set(w) <= attrs for w in v.party_wishes.values())
    assert v.complaint_markers and "별로" in v.complaint_markers
    words = [w for u in v.unheld for w in u.words]
    assert not _dupes(words) and not _dupes([u.label for u in v.unheld])
    assert v.version == 6
    fw = v.food_words
    # '맛집' names no dish ('제주 맛집'); a word that is not a dish is never a held name
    assert fw.before and "맛집" not in fw.before and not _dupes(list(fw.before))
    assert not fw.not_foods & (cats | menus)
    assert v.meal_kinds and all(m.words and set(m.kinds) <= cats for m in v.meal_kinds)
    ex = v.exclusion_words
    assert "말고" in ex.after and "안 먹" in ex.after and not _dupes(list(ex.after))
    assert ex.joiners and not set(ex.joiners) & set(ex.after)
    # a meal word never names a cafe-kind food: '식사' must not exclude what it asks for
    cafes = dining.names_of_kind("cafe")
    cafe_words = {w for c in cafes for w in (c, *dining.aliases[c])}
    assert ex.meal and not set(ex.meal) & cafe_words
    pw = v.place_words
    assert pw.before and pw.suffixes and not _dupes(list(pw.before) + list(pw.suffixes))
    assert "에서" in pw.before and "여기" in pw.not_places
    # the parser's own region names: for regions of jeju.toml, never another region's name
    jeju = V.load_jeju()
    names = {r.name: {r.name, *r.aliases} for r in jeju.regions}
    assert set(v.region_aliases) <= set(names)
    for region, aliases in v.region_aliases.items():
        others = set().union(*(n for k, n in names.items() if k != region))
        assert aliases and not set(aliases) & others, region
    # ... nor a name the file gives another region too (a shared village name is left out)
    listed = [a for aliases in v.region_aliases.values() for a in aliases]
    assert not _dupes(listed), _dupes(listed)
    for table in (v.intent_words, v.followup_words):
        lists = vars(table)
        assert all(ws and not _dupes(list(ws)) for ws in lists.values()), lists
    assert set(v.product_types) == {"package", "hotel", "activity"}
    assert set(v.attribute_cues) <= attrs and all(v.attribute_cues.values())


def test_an_intent_word_is_a_data_change() -> None:
    """A word added to `[intent]` is read by the parser with no code change; a misspelt
    list name is refused rather than silently unread."""
    from agent.understand import Vocabulary, parse_question

    data = tomllib.loads(UNDERSTANDING_PATH.read_text(encoding="utf-8"))
    q = "부모님이랑 조용한 데 가볼래"
    base = Vocabulary.from_gazetteer()
    assert parse_question(q, base).intent == "out_of_scope"
    data["intent"]["recommend"].append("가볼래")
    extended = replace(base, extra=parse_understanding_vocab(data))
    assert parse_question(q, extended).intent == "recommend_place"
    data["intent"]["recomend"] = ["골라봐"]
    with pytest.raises(KeyError, match="recomend"):
        parse_understanding_vocab(data)


def _categories_data() -> dict:
    return tomllib.loads(V.CATEGORIES_PATH.read_text(encoding="utf-8"))


def test_a_category_is_a_data_change() -> None:
    """A new [[category]] block is read like the shipped ones, with no code change."""
    data = _categories_data()
    data["category"].append(
        {
            **data["category"][0],
            "name": "와인바",
            "kind": "restaurant",
            "aliases": ["와인바", "wine bar"],
            "menus": [{"name": "하우스 와인", "price": 12000}],
        }
    )
    dining = V.parse_categories(data)
    assert dining.category_by_name("와인바").menus[0].price == 12000
    assert dining.aliases["와인바"] == ("와인바", "wine bar")
    assert "하우스 와인" in dining.menu_names


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["category"][0].update(kind="bar"), "is not one of"),
        (lambda d: d["category"][0].update(age_prior=[0.5, 0.5]), "4 shares"),
        (lambda d: d["category"][0].update(quiet_likely="yes"), "true or false"),
        (lambda d: d.pop("version"), "version"),
    ],
)
def test_the_loader_refuses_a_broken_file(change, message: str) -> None:
    data = _categories_data()
    change(data)
    with pytest.raises(V.VocabError, match=message):
        V.parse_categories(data)


def test_attribute_keys_are_the_graphs() -> None:
    data = tomllib.loads(V.ATTRIBUTES_PATH.read_text(encoding="utf-8"))
    data["words"]["wifi"] = ["와이파이"]
    with pytest.raises(V.VocabError, match="wifi"):
        V.parse_attributes(data)
