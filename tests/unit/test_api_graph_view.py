"""Result rows → nodes/edges → SVG/HTML, and the chat UI's markdown (pure functions)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from agent.graph_view import GraphView, graph_from_rows, layout, render_html, render_svg
from agent.service import AgentAnswer, StageEvent
from agent.state import Evidence, Pick, Slots
from agent.ui.offline import strip_external_links
from agent.ui.render import answer_markdown, stage_markdown, table_markdown

M1 = {"_id": 1, "_labels": ["Merchant"], "merchant_id": "M1", "name": "애월 흑돼지"}
P1 = {"_id": 2, "_labels": ["Place"], "place_id": "KR-aewol", "name": "애월읍"}
R1 = {"_id": 7, "_type": "LOCATED_IN", "_start": 1, "_end": 2}


def test_nodes_and_edges_are_collected_once_from_any_shape() -> None:
    rows = [
        {"m": M1, "r": R1, "p": P1},
        {"path": {"nodes": [M1, P1], "relationships": [R1]}},
        {"xs": [M1, {"nested": P1}], "n": 3, "s": "text"},
    ]
    view = graph_from_rows(rows)
    assert [n.id for n in view.nodes] == ["1", "2"]
    assert [n.caption for n in view.nodes] == ["애월 흑돼지", "애월읍"]
    assert len(view.edges) == 1 and view.edges[0].source == "1" and view.edges[0].target == "2"
    assert view.nodes[0].properties == {"merchant_id": "M1", "name": "애월 흑돼지"}


def test_dangling_relationship_gets_a_placeholder_node() -> None:
    view = graph_from_rows([{"r": {"_id": 5, "_type": "ABOUT", "_start": 10, "_end": 11}}])
    assert {n.id for n in view.nodes} == {"10", "11"} and len(view.edges) == 1


def test_caption_falls_back_to_the_model_key() -> None:
    review = {"_id": 3, "_labels": ["Review"], "review_id": "R9", "text": "좋아요"}
    assert graph_from_rows([{"r": review}]).nodes[0].caption == "R9"


def test_node_limit_marks_truncated() -> None:
    rows = [{"n": {"_id": i, "_labels": ["Merchant"], "name": f"m{i}"}} for i in range(20)]
    view = graph_from_rows(rows, max_nodes=5)
    assert len(view.nodes) == 5 and view.truncated


def test_layout_is_deterministic_and_inside_the_canvas() -> None:
    rows = [
        {"m": {**M1, "_id": i}, "r": {**R1, "_id": 100 + i, "_start": i}, "p": P1}
        for i in range(10, 20)
    ]
    view = graph_from_rows(rows)
    a, b = layout(view, 400, 300), layout(view, 400, 300)
    assert a == b
    assert all(0 <= x <= 400 and 0 <= y <= 300 for x, y in a.values())
    assert len(set(a.values())) == len(view.nodes)  # no two nodes on one spot


def test_svg_is_well_formed_and_escapes_text() -> None:
    evil = {"_id": 1, "_labels": ["Merchant"], "name": "<script>alert(1)</script> & co"}
    svg = render_svg(graph_from_rows([{"m": evil, "r": R1, "p": P1}]))
    root = ET.fromstring(svg)  # raises if not well-formed
    assert root.tag.endswith("svg") and "<script>" not in svg
    assert len(root.findall(".//{http://www.w3.org/2000/svg}circle")) >= 2
    assert "no nodes" in render_svg(GraphView())
    page = render_html(graph_from_rows([{"m": M1}]), query="MATCH (m) RETURN m")
    assert page.startswith("<!doctype html>") and "http" not in page.replace(
        "http://www.w3.org/2000/svg", ""
    )


def test_offline_page_drops_cdn_links_only() -> None:
    html = (
        b'<head><link rel="preconnect" href="https://fonts.googleapis.com" />'
        b'<link href="https://fonts.googleapis.com/css2?family=Inter" rel="stylesheet" />'
        b'<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/katex.min.css" />'
        b'<link rel="stylesheet" crossorigin href="/assets/index.css"></head>'
    )
    out = strip_external_links(html)
    assert b"googleapis" not in out and b"jsdelivr" not in out
    assert b'href="/assets/index.css"' in out


def _pick(i: int) -> Pick:
    return Pick(
        merchant_id=f"M{i}",
        name=f"가게{i}",
        region="애월읍",
        category="흑돼지",
        rating=4.5,
        avg_price=20000,
        reasons=["주차 가능"],
        evidence=[Evidence(review_id=f"R{i}", text="부모님이 좋아하셨어요")],
    )


def test_stage_and_answer_markdown() -> None:
    ev = StageEvent(
        stage="text2cypher",
        status="done",
        ms=12.0,
        data={
            "summary": {
                "cypher": "MATCH (m) RETURN m",
                "candidates": ["M1", "M2"],
                "mode": "offline",
            }
        },
    )
    md = stage_markdown(
        ev, {"M1": {"name": "가게1", "region": "애월읍", "category": "흑돼지", "rating": 4.2}}
    )
    assert "```cypher\nMATCH (m) RETURN m\n```" in md
    assert "**가게1**" in md and "`M2`" in md and "후보 2곳" in md
    und = StageEvent(
        stage="understand",
        status="done",
        data={
            "summary": {
                "intent": "recommend_place",
                "slots": {"region": "애월읍", "party": "부모님", "must_haves": [], "count": 3},
            }
        },
    )
    md = stage_markdown(und)
    assert "| 지역 | 애월읍 |" in md and "| 동행 | 부모님 |" in md and "필수" not in md
    answer = AgentAnswer(
        thread_id="t",
        question="q",
        mode="offline",
        mode_reason="r",
        intent="recommend_place",
        slots=Slots(),
        picks=[_pick(1), _pick(2)],
        answer="애월읍 흑돼지 추천 2곳이에요.\n1. ...",
        timings_ms={"total": 1500},
    )
    md = answer_markdown(answer)
    assert md.startswith("애월읍 흑돼지 추천 2곳이에요.") and "**2. 가게2**" in md
    assert "리뷰 `R2`" in md and "오프라인 모드 · 1.5초" in md


def test_table_markdown_escapes_and_limits() -> None:
    rows = [{"a": "x|y", "b": {"k": 1}} for _ in range(25)]
    md = table_markdown(["a", "b"], rows, limit=3)
    assert md.count("\n| x\\|y |") == 3 and "처음 3행" in md
    assert "결과 없음" in table_markdown(["a"], [])


def test_table_cells_describe_graph_values_and_escape_directives() -> None:
    md = table_markdown(["m", "r"], [{"m": M1, "r": R1}])
    assert "(\\:Merchant) 애월 흑돼지" in md and "[\\:LOCATED_IN]" in md
