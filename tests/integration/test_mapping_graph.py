"""SAME_AS written through a real store, and itinerary → package matching over it."""

from __future__ import annotations

from pathlib import Path

from graph_schema.store import GraphStore
from recsys_tools.itinerary import ItineraryDay, match_itinerary
from recsys_tools.mapping.batch import OfflineBatchExecutor
from recsys_tools.mapping.pipeline import (
    MappingConfig,
    MappingPipeline,
    MappingState,
    offline_handler,
)
from recsys_tools.mapping.records import PlaceRecord

POIS = [  # gazetteer POI nodes that products VISIT
    ("JP-OSA-poi-dotonbori", "도톤보리", "Dotonbori", 34.6687, 135.5013),
    ("JP-OSA-poi-hozenji_yokocho", "호젠지 요코초", "Hozenji Yokocho", 34.6685, 135.5023),
    ("JP-OSA-poi-osaka_castle", "오사카성", "Osaka Castle", 34.6873, 135.5262),
]


def _poi(pid: str, name: str, en: str, lat: float, lon: float) -> dict:
    return {
        "place_id": pid,
        "name": name,
        "name_en": en,
        "level": "poi",
        "city_code": "OSA",
        "country_code": "JP",
        "lat": lat,
        "lon": lon,
        "aliases": [],
    }


def test_same_as_and_itinerary_match(store: GraphStore, tmp_path: Path) -> None:
    store.upsert_nodes("Place", [_poi(*p) for p in POIS])
    store.upsert_nodes(
        "Product",
        [
            {
                "product_id": "P1",
                "name": "오사카 2박3일",
                "product_type": "package",
                "price": 500000,
            },
            {
                "product_id": "P2",
                "name": "오사카성 입장권",
                "product_type": "activity",
                "price": 20000,
            },
        ],
    )
    store.upsert_relationships(
        "VISITS",
        [
            {"start": "P1", "end": "JP-OSA-poi-dotonbori", "day": 1},
            {"start": "P1", "end": "JP-OSA-poi-hozenji_yokocho", "day": 1},
            {"start": "P1", "end": "JP-OSA-poi-osaka_castle", "day": 2},
            {"start": "P2", "end": "JP-OSA-poi-osaka_castle", "day": 1},
        ],
    )
    internal = [
        PlaceRecord(f"IP{i}", n, en, "", la, lo, "OSA", "attraction")
        for i, (_, n, en, la, lo) in enumerate(POIS)
    ]
    external = [
        PlaceRecord(
            "ChIJdoton",
            "Dotonbori",
            "Dotonbori",
            "",
            34.66871,
            135.50131,
            "OSA",
            "tourist_attraction",
        ),
        PlaceRecord(
            "ChIJcastle",
            "Osaka Castel",
            "Osaka Castle",
            "",
            34.68728,
            135.52621,
            "OSA",
            "tourist_attraction",
        ),
        PlaceRecord(
            "ChIJjanjan",
            "Janjan Yokocho Alley",
            "Janjan Yokocho Alley",
            "",
            34.6692,
            135.5031,
            "OSA",
            "tourist_attraction",
        ),
    ]
    cfg = MappingConfig()
    state = MappingState(tmp_path)
    pipe = MappingPipeline(
        internal,
        external,
        OfflineBatchExecutor(tmp_path / "jobs", offline_handler(cfg)),
        state,
        cfg,
    )
    report = pipe.run(store)
    assert report.same_as_written == 2 + 3  # two INT→EXT, three INT→gazetteer POI
    rows = store.read(
        "MATCH (a:Place)-[r:SAME_AS]->(b:Place) WHERE b.place_id STARTS WITH "
        "'EXT-' RETURN a.place_id AS a, b.place_id AS b, r.score AS s"
    ).rows
    assert {(r["a"], r["b"]) for r in rows} == {
        ("INT-IP0", "EXT-ChIJdoton"),
        ("INT-IP2", "EXT-ChIJcastle"),
    }
    assert all(0 < r["s"] <= 1 for r in rows)
    # A second run writes nothing new and keeps one relationship per pair.
    pipe.run(store)
    n = store.read("MATCH ()-[r:SAME_AS]->() RETURN count(r) AS n").value()
    assert n == 5

    # The planner holds external ids: they reach the products' POIs through SAME_AS.
    result = match_itinerary(
        store,
        [
            ItineraryDay(day=1, places=["EXT-ChIJdoton"]),
            ItineraryDay(day=2, places=["EXT-ChIJcastle", "오사카성"]),
        ],
    )
    assert result.resolved["오사카성"] == "JP-OSA-poi-osaka_castle"
    top = result.packages[0]
    assert top.product_id == "P1" and top.match_rate == 1.0
    assert {m.product_place_id for m in top.matched} == {
        "JP-OSA-poi-dotonbori",
        "JP-OSA-poi-osaka_castle",
    }
    p2 = next(p for p in result.packages if p.product_id == "P2")
    assert abs(p2.match_rate - 2 / 3) < 1e-9
    assert match_itinerary(store, [ItineraryDay(day=1, places=["nowhere"])]).packages == []
