"""The itinerary and place-mapping tools through the agent's adapter, on a real store:
questions in, `match_itinerary` / SAME_AS / the mapping stages called, Korean answers out."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from agent.answer import tool_text
from agent.state import Slots
from agent.tools import AgentTools
from graph_schema.store import GraphStore

pytestmark = pytest.mark.integration

POIS = [  # place_id, name, name_en, aliases, lat, lon
    ("JP-OSA-poi-dotonbori", "도톤보리", "Dotonbori", ["Dotonbori"], 34.6687, 135.5013),
    ("JP-OSA-poi-hozenji", "호젠지 요코초", "Hozenji Yokocho", ["호젠지"], 34.6685, 135.5023),
    ("JP-OSA-poi-janjan", "잔잔 요코초", "Janjan Yokocho", [], 34.6496, 135.5061),
    ("JP-OSA-poi-castle", "오사카성", "Osaka Castle", ["오사카 성"], 34.6873, 135.5262),
]
COLUMNS = ["place_id", "name", "name_en", "address", "lat", "lon", "city_code", "category"]


def _graph(store: GraphStore) -> None:
    store.upsert_nodes(
        "Place",
        [
            {
                "place_id": pid,
                "name": name,
                "name_en": en,
                "level": "poi",
                "city_code": "OSA",
                "country_code": "JP",
                "lat": lat,
                "lon": lon,
                "aliases": aliases,
            }
            for pid, name, en, aliases, lat, lon in POIS
        ],
    )
    store.upsert_nodes(
        "Product",
        [
            {"product_id": "P1", "name": "오사카 미식 2일", "product_type": "package", "price": 1},
            {"product_id": "P2", "name": "오사카성 입장권", "product_type": "activity", "price": 2},
        ],
    )
    store.upsert_relationships(
        "VISITS",
        [
            {"start": "P1", "end": "JP-OSA-poi-dotonbori", "day": 1},
            {"start": "P1", "end": "JP-OSA-poi-hozenji", "day": 1},
            {"start": "P1", "end": "JP-OSA-poi-castle", "day": 2},
            {"start": "P2", "end": "JP-OSA-poi-castle", "day": 1},
        ],
    )


@pytest.fixture
def dataset_dir(tmp_path: Path) -> Path:
    internal = [
        ("IP1", "호젠지 요코초", "Hozenji Yokocho", "", 34.6685, 135.5023, "OSA", "attraction"),
        ("IP2", "잔잔 요코초", "Janjan Yokocho", "", 34.6496, 135.5061, "OSA", "attraction"),
    ]
    external = [
        ("ChIJhozenji", "호젠지 요코초", "Hozenji Yookocho", "", 34.66851, 135.50232, "OSA",
         "tourist_attraction"),
        ("ChIJjanjanalley", "Janjan Yokocho Alley Parking", "Janjan Yokocho Alley Parking", "",
         34.6497, 135.5062, "OSA", "parking"),
        ("ChIJtakoyaki", "Yama Takoyaki - Janjan Yokocho", "Yama Takoyaki - Janjan Yokocho", "",
         34.6502, 135.5079, "OSA", "restaurant"),
    ]  # fmt: skip
    pd.DataFrame(internal, columns=COLUMNS).to_parquet(tmp_path / "place_db_internal.parquet")
    pd.DataFrame(external, columns=COLUMNS).to_parquet(tmp_path / "place_db_external.parquet")
    return tmp_path


def test_itinerary_question_to_ranked_packages(store: GraphStore, dataset_dir: Path) -> None:
    _graph(store)
    tools = AgentTools(store, dataset_dir)
    q = "1일차 도톤보리, 호젠지 / 2일차 오사카성 일정에 맞는 패키지 찾아줘"
    out = tools.run("itinerary", Slots(), q)
    assert out.available and out.kind == "itinerary"
    assert out.data["itinerary"] == [
        {"day": 1, "places": ["도톤보리", "호젠지 요코초"]},
        {"day": 2, "places": ["오사카성"]},
    ]
    assert [i["product_id"] for i in out.items] == ["P1", "P2"]
    assert out.items[0]["match_rate"] == 1.0
    assert out.items[1]["matched"] == ["오사카성"]
    text = tool_text(out, "오프라인")
    assert "오사카 미식 2일 (P1, package" in text and "일치율 100%" in text


def test_place_mapping_live_then_from_same_as(store: GraphStore, dataset_dir: Path) -> None:
    _graph(store)
    tools = AgentTools(store, dataset_dir)
    out = tools.run("place_mapping", Slots(), "Hozenji Yokocho 는 구글 장소 DB에서 뭐야?")
    item = out.items[0]
    assert out.available and item["internal_id"] == "IP1"
    assert item["mapped"]["external_id"] == "ChIJhozenji"
    assert item["source"].startswith("offline stage 1 + 2")
    # The confusable neighbour is only a candidate, and stage 2 keeps it out.
    janjan = tools.run("place_mapping", Slots(), "잔잔 요코초 구글 장소 DB 매핑 알려줘").items[0]
    assert janjan["internal_id"] == "IP2" and janjan["mapped"] is None
    assert janjan["candidates"] and janjan["verdict"]
    # Once the pipeline wrote SAME_AS, the stored edge answers.
    store.upsert_nodes(
        "Place",
        [
            {"place_id": "INT-IP1", "name": "호젠지 요코초", "name_en": "Hozenji Yokocho",
             "level": "poi", "city_code": "OSA", "country_code": "JP", "lat": 34.6685,
             "lon": 135.5023, "aliases": []},
            {"place_id": "EXT-ChIJhozenji", "name": "호젠지 요코초",
             "name_en": "Hozenji Yookocho", "level": "poi", "city_code": "OSA",
             "country_code": "JP", "lat": 34.66851, "lon": 135.50232, "aliases": []},
        ],
    )  # fmt: skip
    store.upsert_relationships(
        "SAME_AS", [{"start": "INT-IP1", "end": "EXT-ChIJhozenji", "score": 0.97}]
    )
    stored = tools.run("place_mapping", Slots(), "Hozenji Yokocho 는 구글 장소 DB에서 뭐야?")
    assert stored.items[0]["source"] == "graph SAME_AS"
    assert stored.items[0]["mapped"]["external_id"] == "ChIJhozenji"
    text = tool_text(stored, "오프라인")
    assert "구글 장소 DB: 호젠지 요코초 / Hozenji Yookocho (ChIJhozenji, 점수 0.97)" in text


def test_two_names_of_one_place(store: GraphStore, dataset_dir: Path) -> None:
    _graph(store)
    out = AgentTools(store, dataset_dir).run(
        "place_mapping", Slots(), "이 두 장소가 같은 장소인지 매핑해줘: 오사카성, 오사카 성"
    )
    assert out.data["pair"]["same"] is True


def test_no_place_databases_is_honest(store: GraphStore, tmp_path: Path) -> None:
    _graph(store)
    out = AgentTools(store, tmp_path).run("place_mapping", Slots(), "잔잔 요코초 매핑 알려줘")
    assert not out.available and "tripgraph data" in out.detail
