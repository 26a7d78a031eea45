"""Node logic with a scripted fake chat model and a fake store (no DB, no network)."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import MagicMock

import pytest

from agent.config import AgentConfig
from agent.deps import AgentDeps
from agent.llm import LLMError
from agent.nodes import AgentNodes
from agent.routing import route_after_backfill, route_after_hyde, route_intent
from agent.selection import best_excerpt, offline_select, validate_llm_picks
from agent.state import Candidate, Evidence, Slots
from agent.understand import Vocabulary
from embeddings.text.factory import make_embedder
from graph_schema.store import GraphStore, QueryResult
from prompts.examples import ExampleBank
from tests.fakes import ScriptedChatModel

MERCHANTS = {
    f"M{i}": {
        "merchant_id": f"M{i}",
        "name": f"가게{i}",
        "region": "애월읍",
        "city": "제주시",
        "category": "흑돼지",
        "price_level": 2,
        "avg_price": 15000 + 1000 * i,
        "rating": 4.0 + i / 10,
        "review_count": 10,
        "parking": i % 2 == 0,
        "quiet": True,
        "share_family": 0.4,
        "share_50plus": 0.3,
    }
    for i in range(1, 5)
}


def fake_store() -> MagicMock:
    store = MagicMock(spec=GraphStore)
    store.dialect = MagicMock()
    store.dialect.name = "falkordb"
    store.explain_is_read_only.return_value = True

    def read(cypher: str, params: dict[str, Any] | None = None, **_: Any) -> QueryResult:
        params = params or {}
        if "RETURN m" in cypher and "$ids" in cypher and "merchant_id AS" not in cypher:
            rows = [{"m": MERCHANTS[i]} for i in params["ids"] if i in MERCHANTS]
            return QueryResult(["m"], rows)
        if "merchant_id AS merchant_id" in cypher and "$ids" not in cypher:
            rows = [{"merchant_id": k, "rating": v["rating"]} for k, v in MERCHANTS.items()]
            return QueryResult(["merchant_id", "rating"], rows)
        return QueryResult(["x"], [])

    store.read.side_effect = read
    return store


@pytest.fixture
def deps() -> AgentDeps:
    return AgentDeps(
        store=fake_store(),
        embedder=make_embedder("hashing"),
        vocab=Vocabulary.from_gazetteer(),
        config=AgentConfig(),
        examples=ExampleBank.load(),
    )


SLOTS = Slots(region="애월읍", city="제주시", category="흑돼지", party="부모님")
STATE: dict[str, Any] = {"question": "애월 부모님 흑돼지 추천", "slots": SLOTS, "steps": []}


def test_text2cypher_repairs_then_succeeds(deps: AgentDeps) -> None:
    good = "MATCH (m:Merchant) RETURN m.merchant_id AS merchant_id, m.rating AS rating"
    llm = ScriptedChatModel(["MATCH (n) DETACH DELETE n", f"```cypher\n{good}\n```"])
    deps.llm = llm
    out = AgentNodes(deps).text2cypher(dict(STATE))  # type: ignore[arg-type]
    assert out["steps"][-1].mode == "llm" and out["cypher"] == good
    assert [a.error is None for a in out["cypher_attempts"]] == [False, True]
    repair = llm.calls[1][-1].content
    assert "rejected" in repair and "DELETE" in repair
    assert len(out["candidates"]) == 4
    # The few-shot examples nearest to the question were put in the prompt.
    assert "Examples:" in llm.calls[0][0].content and "애월" in llm.calls[0][0].content


def test_text2cypher_falls_back_to_template_after_repairs(deps: AgentDeps) -> None:
    deps.llm = ScriptedChatModel(["CREATE (:Evil)"] * 4)
    out = AgentNodes(deps).text2cypher(dict(STATE))  # type: ignore[arg-type]
    step = out["steps"][-1]
    assert step.mode == "fallback" and step.reason.startswith("invalid_cypher")
    assert len(out["cypher_attempts"]) == 4 and "$region" in out["cypher"]
    assert deps.store.explain_is_read_only.call_count == 0  # static check refused them all


def test_understand_malformed_json_falls_back(deps: AgentDeps) -> None:
    deps.llm = ScriptedChatModel(["sure! here you go"])
    out = AgentNodes(deps).understand({"question": "애월에서 부모님 모시고 갈 흑돼지집"})  # type: ignore[arg-type]
    assert out["steps"][0].mode == "fallback" and out["steps"][0].reason == "malformed_json"
    assert out["slots"].region == "애월읍"


def test_understand_llm_slots_are_normalised(deps: AgentDeps) -> None:
    reply = json.dumps(
        {
            "intent": "recommend_place",
            "slots": {"region": "애월", "category": "흑돼지", "must_haves": ["parking", "jacuzzi"]},
        }
    )
    deps.llm = ScriptedChatModel([reply])
    out = AgentNodes(deps).understand({"question": "q"})  # type: ignore[arg-type]
    assert out["steps"][0].mode == "llm"
    assert out["slots"].region == "애월읍" and out["slots"].city == "제주시"
    assert out["slots"].must_haves == ["parking"]


def test_understand_llm_keeps_what_only_the_vocabulary_knows(deps: AgentDeps) -> None:
    # the LLM read the place and no food; the dish no table holds and the meal kind are the
    # vocabulary's, whatever the LLM said about them
    for question, field, want in [
        ("애월 닭갈비 먹고 싶어", "unknown_food", "닭갈비"),
        ("애월 아침 먹을 데", "meal_kind", "breakfast"),
    ]:
        reply = json.dumps({"intent": "recommend_place", "slots": {"region": "애월", field: "x"}})
        deps.llm = ScriptedChatModel([reply])
        out = AgentNodes(deps).understand({"question": question})  # type: ignore[arg-type]
        assert out["steps"][0].mode == "llm" and getattr(out["slots"], field) == want


def _cands() -> list[Candidate]:
    out = []
    for i in range(1, 5):
        m = MERCHANTS[f"M{i}"]
        out.append(
            Candidate(
                merchant_id=m["merchant_id"],
                name=m["name"],
                region=m["region"],
                category=m["category"],
                rating=m["rating"],
                avg_price=m["avg_price"],
                attributes={"parking": m["parking"], "quiet": True},
                mix={"share_family": 0.4, "share_50plus": 0.3},
                similarity=0.5 + i / 100,
                snippets=[
                    Evidence(
                        review_id=f"R{i}a",
                        text="부모님 모시고 왔어요. 주차장이 넓어요!",
                        party_type="부모님",
                        rating=5,
                    ),
                    Evidence(review_id=f"R{i}b", text="맛있어요.", party_type="친구", rating=4),
                ],
            )
        )
    return out


def test_select_wrong_ids_retry_then_fallback(deps: AgentDeps) -> None:
    wrong = json.dumps({"picks": [{"merchant_id": "M9", "reasons": ["x"], "review_ids": []}]})
    deps.llm = ScriptedChatModel([wrong, wrong])
    state = {**STATE, "candidates": _cands()}
    out = AgentNodes(deps).select(state)  # type: ignore[arg-type]
    step = out["steps"][-1]
    assert step.mode == "fallback" and step.reason.startswith("wrong_ids")
    assert len(out["picks"]) == 3 and all(p.score is not None for p in out["picks"])


def test_select_llm_valid_picks(deps: AgentDeps) -> None:
    reply = json.dumps(
        {
            "picks": [
                {
                    "merchant_id": f"M{i}",
                    "reasons": ["부모님이 좋아할 곳"],
                    "review_ids": [f"R{i}a"],
                }
                for i in (4, 2, 1)
            ]
        }
    )
    deps.llm = ScriptedChatModel([reply])
    out = AgentNodes(deps).select({**STATE, "candidates": _cands()})  # type: ignore[arg-type]
    assert out["steps"][-1].mode == "llm"
    assert [p.merchant_id for p in out["picks"]] == ["M4", "M2", "M1"]
    assert out["picks"][0].evidence[0].review_id == "R4a"


def test_validate_rejects_foreign_review_ids() -> None:
    reply = json.dumps({"picks": [{"merchant_id": "M1", "reasons": ["r"], "review_ids": ["R2a"]}]})
    with pytest.raises(LLMError) as err:
        validate_llm_picks(reply, _cands(), SLOTS.model_copy(update={"count": 1}), 2)
    assert err.value.reason == "wrong_ids"


def test_offline_scorer_reasons_quote_real_reviews() -> None:
    picks = offline_select(_cands(), SLOTS, 2)
    assert len(picks) == 3
    for p in picks:
        quotes = [r for r in p.reasons if r.startswith("리뷰에서")]
        assert quotes and p.evidence[0].review_id in quotes[0]
        assert p.evidence[0].party_type == "부모님"  # same-party reviews are cited first
        assert set(p.score_parts) == {
            "sim",
            "rating",
            "party_mix",
            "age_mix",
            "party_reviews",
            "fit",
            "constraints",
        }
        assert p.score is not None and 0 <= p.score <= 100


def test_best_excerpt_is_verbatim_and_avoids_complaints() -> None:
    text = "주차장이 넓어서 좋아요. 하지만 직원이 불친절했어요 ㅠㅠ 부모님이 좋아하셨어요."
    ex = best_excerpt(text, ["주차", "부모님", "친절"])
    assert ex in text and "불친절" not in ex


def test_routing() -> None:
    assert route_intent({"intent": "recommend_place"}) == "text2cypher"  # type: ignore[typeddict-item]
    assert route_intent({"intent": "viewed_together"}) == "tool"  # type: ignore[typeddict-item]
    assert route_intent({"intent": "out_of_scope"}) == "answer"  # type: ignore[typeddict-item]
    with pytest.raises(ValueError):
        route_intent({"intent": "weird"})  # type: ignore[typeddict-item]
    assert route_after_hyde({"candidates": []}, 6) == "backfill"  # type: ignore[typeddict-item]
    assert route_after_hyde({"candidates": _cands() * 2}, 6) == "select"  # type: ignore[typeddict-item]
    # After backfill: the ladder only while fewer than the wanted picks meet every constraint.
    relaxed = [c.model_copy(update={"relaxed": ["지역: x"]}) for c in _cands()]
    met = _cands()[:3] + relaxed
    assert route_after_backfill({"slots": Slots(), "candidates": met}) == "select"  # type: ignore[typeddict-item]
    assert route_after_backfill({"slots": Slots(count=4), "candidates": met}) == "relax"  # type: ignore[typeddict-item]
    with pytest.raises(ValueError):
        route_after_backfill({"candidates": met})  # type: ignore[typeddict-item]
