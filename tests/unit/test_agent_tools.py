"""Tool adapters without a database: what the itinerary and mapping tools read from a
question, how their answers are rendered, and honest answers for missing trained models."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from unittest.mock import MagicMock

import pytest

from agent.answer import tool_text
from agent.state import Slots, ToolOutcome
from agent.tools import AgentTools, mapping_names, parse_itinerary
from graph_schema.store import GraphStore
from recsys_tools import tools as recsys

POIS = {  # alias (lower case) → graph POI name, as AgentTools.poi_table builds it
    "협재해수욕장": "협재해수욕장",
    "협재": "협재해수욕장",
    "hyeopjae beach": "협재해수욕장",
    "한담해안산책로": "한담해안산책로",
    "성산일출봉": "성산일출봉",
    "일출봉": "성산일출봉",
    "우도": "우도",
    "도톤보리": "도톤보리",
    "호젠지 요코초": "호젠지 요코초",
    "hozenji yokocho": "호젠지 요코초",
    "오사카성": "오사카성",
}


def _days(question: str, entities: list[dict[str, Any]] | None = None) -> list[list[str]]:
    return [d.places for d in parse_itinerary(question, POIS, entities or [])]


@pytest.mark.parametrize(
    ("question", "days"),
    [
        (
            "1일차 협재, 한담해안산책로 / 2일차 성산일출봉, 우도 일정에 맞는 패키지 찾아줘",
            [["협재해수욕장", "한담해안산책로"], ["성산일출봉", "우도"]],
        ),
        (
            "첫째 날 Hyeopjae Beach, 둘째 날 일출봉 가는 코스에 맞는 패키지 있어?",
            [["협재해수욕장"], ["성산일출봉"]],
        ),
        ("Day 1 도톤보리 / Day 2 오사카성 동선이랑 비슷한 패키지", [["도톤보리"], ["오사카성"]]),
        (
            "도톤보리, 호젠지 요코초 도는 일정인데 맞는 여행 상품 추천해줘",
            [["도톤보리", "호젠지 요코초"]],
        ),
        # No day markers, but slashes: each part is a day.
        ("협재 / 우도 일정표에 맞는 패키지", [["협재해수욕장"], ["우도"]]),
    ],
)
def test_itinerary_places_per_day(question: str, days: list[list[str]]) -> None:
    assert _days(question) == days


def test_itinerary_uses_model_spans_for_names_the_graph_lacks() -> None:
    q = "1일차 도톤보리, 구로몬 시장 일정에 맞는 패키지 찾아줘"
    start = q.index("구로몬 시장")
    spans = [{"label": "POI", "text": "구로몬 시장", "start": start, "end": start + 6}]
    assert _days(q, spans) == [["도톤보리", "구로몬 시장"]]
    # Without the model, names the graph lacks are read from the comma-separated list.
    assert _days(q) == [["도톤보리"]]
    assert _days("1일차 구로몬 시장, 신세카이 일정에 맞는 패키지 찾아줘") == [
        ["구로몬 시장", "신세카이"]
    ]


def test_itinerary_without_places_is_empty() -> None:
    assert _days("패키지 일정 추천해줘") == []


def test_mapping_names() -> None:
    assert mapping_names("Hozenji Yokocho 는 구글 장소 DB에서 뭐야?", POIS, []) == [
        "Hozenji Yokocho"
    ]
    assert mapping_names("이 두 장소가 같은 장소인지 매핑해줘: 협재, 협재해수욕장", POIS, []) == [
        "협재",
        "협재해수욕장",
    ]
    # A name the graph lacks: the model's span, else a run of Latin words.
    q = "Janjan Yokocho Alley 구글 장소 DB 매핑 알려줘"
    assert mapping_names(q, POIS, []) == ["Janjan Yokocho Alley"]
    span = [{"label": "POI", "text": "잔잔 요코초", "start": 0, "end": 6}]
    assert mapping_names("잔잔 요코초는 구글 장소 DB에서 뭐야?", POIS, span) == ["잔잔 요코초"]


def test_itinerary_answer_lists_packages_with_matched_places() -> None:
    items = [
        {
            "product_id": "P1",
            "name": "오사카 2박3일",
            "product_type": "package",
            "price": 500000,
            "match_rate": 0.667,
            "coverage": 1.0,
            "matched": ["도톤보리", "호젠지 요코초"],
        }
    ]
    data = {
        "itinerary": [{"day": 1, "places": ["도톤보리", "호젠지 요코초", "없는곳"]}],
        "resolved": {"도톤보리": "a", "호젠지 요코초": "b", "없는곳": None},
    }
    text = tool_text(
        ToolOutcome(
            available=True, feature="일정 → 패키지 매칭", items=items, kind="itinerary", data=data
        ),
        "오프라인 모드",
    )
    assert "1일차 도톤보리, 호젠지 요코초, 없는곳" in text
    assert "오사카 2박3일 (P1, package, 500,000원)" in text and "일치율 67%" in text
    assert "겹치는 장소: 도톤보리, 호젠지 요코초" in text
    assert "그래프에서 찾지 못한 장소: 없는곳" in text


def test_mapping_answer_shows_the_mapping_and_candidates() -> None:
    items: list[dict[str, Any]] = [
        {
            "query": "Hozenji Yokocho",
            "internal_id": "IP36",
            "mapped": {
                "external_id": "ChIJx",
                "name": "호젠지",
                "name_en": "Hozenji",
                "score": 0.9,
            },
            "source": "graph SAME_AS",
            "candidates": [],
        },
        {
            "query": "Janjan",
            "internal_id": "IP37",
            "mapped": None,
            "verdict": "extra words ['alley']",
            "source": "offline stage 1 + 2",
            "candidates": [
                {
                    "external_id": "ChIJy",
                    "name": "잔잔",
                    "name_en": "Janjan Alley",
                    "distance_m": 20,
                    "score": 0.8,
                }
            ],
        },
    ]
    text = tool_text(
        ToolOutcome(available=True, feature="장소 DB 매핑", items=items, kind="mapping"),
        "오프라인 모드",
    )
    assert "Hozenji Yokocho (IP36) → 구글 장소 DB: 호젠지 / Hozenji (ChIJx, 점수 0.90)" in text
    assert "Janjan (IP37) → 구글 장소 DB에서 같은 장소를 찾지 못했어요: extra words" in text
    assert "후보 잔잔 / Janjan Alley (ChIJy, 20 m" in text


def test_missing_recommender_is_not_available(tmp_path: Path) -> None:
    # A real toolbox over an empty model directory: no trained model, said plainly.
    tools = AgentTools(MagicMock(spec=GraphStore), toolbox=recsys.RecsysToolbox(tmp_path))
    out = tools.run("recommend_products", Slots(user_id="U000001"), "U000001 상품 추천")
    assert not out.available and "tripgraph train" in out.detail
    text = tool_text(out, "오프라인 모드")
    assert "not available" in text
    # Without a user id the tool asks for one instead of guessing.
    asks = tools.run("recommend_products", Slots(), "상품 추천해줘")
    assert asks.available and "U000123" in asks.detail
    # Without a toolbox at all, the tool says so (it never builds one from the settings).
    bare = AgentTools(MagicMock(spec=GraphStore)).run(
        "viewed_together", Slots(product_id="P00012"), "P00012 같이 본 상품"
    )
    assert not bare.available and "no recommender models configured" in bare.detail


def test_products_are_rendered_from_the_typed_result() -> None:
    result = recsys.ViewedTogetherResult(
        product_id="P00012",
        items=[recsys.ScoredProduct(product_id="P00013", score=0.91, rank=1)],
        cold_start=False,
        model="meta-prod2vec",
    )
    toolbox = MagicMock(spec=recsys.RecsysToolbox)
    toolbox.viewed_together.return_value = result
    out = AgentTools(MagicMock(spec=GraphStore), toolbox=toolbox).run(
        "viewed_together", Slots(product_id="P00012"), "P00012 같이 본 상품"
    )
    text = tool_text(out, "m")
    assert "1. 상품 (P00013)" in text and "model=meta-prod2vec" in text  # no title in a mock graph
    assert out.items[0]["score"] == pytest.approx(0.91)  # the score stays in the items
