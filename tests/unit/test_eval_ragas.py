"""ragas metrics of the agent eval on hand-made samples whose values are known."""

from __future__ import annotations

from typing import Any

import pytest

from evals import agent_ragas
from evals.agent_report import ragas_summary
from evals.agent_scorers import qualifying_reviews_query

REFS = ["주차장이 넓어서 부모님 모시고 가기 편했어요", "흑돼지가 두툼하고 직원분들이 친절해요"]


def test_context_precision_is_rank_weighted_average_precision() -> None:
    retrieved = [REFS[0], "바다가 보이는 카페인데 디저트는 평범했어요", REFS[1]]
    # verdicts 1, 0, 1 -> (1/1 + 2/3) / 2
    value = agent_ragas.context_precision(retrieved, REFS, agent_ragas.REVIEW_THRESHOLD)
    assert value == pytest.approx(5 / 6, abs=1e-6)
    # the relevant review first and last swapped: the irrelevant one is now ranked first
    value = agent_ragas.context_precision(retrieved[::-1][1:], REFS, 0.9)
    assert value == pytest.approx(0.5, abs=1e-6)


def test_narrowing_keeps_the_ragas_value() -> None:
    pool = [*REFS, "흑돼지가 두툼하고 직원분들이 친절해요!!", "회가 싱싱해요", "웨이팅이 길었어요"]
    retrieved = ["흑돼지가 두툼하고 직원분들이 친절했어요", "조용하고 아늑해요", REFS[0]]
    for threshold in (0.5, 0.9):
        narrowed = agent_ragas.context_precision(retrieved, pool, threshold)
        full = agent_ragas.context_precision(retrieved, pool, threshold, narrow=False)
        assert narrowed == pytest.approx(full)


def test_graph_question_precision_recall_and_values_in_the_answer() -> None:
    gold = [{"name": "돌집", "n": 1234}, {"name": "바당", "n": 7}]
    got = [{"name": "돌집", "n": 1234}, {"name": "한라", "n": 3}, {"name": "오름", "n": 5}]
    scores = agent_ragas.score_graph_question(got, gold, "돌집 1,234건, 바당 7건입니다")
    assert scores is not None
    # one of the 3 rows found is gold; one of the 2 gold rows was found
    assert scores["result_precision"] == pytest.approx(1 / 3)
    assert scores["result_recall"] == pytest.approx(0.5)
    assert scores["answer_states_gold"] == pytest.approx(1.0)  # 1234 written as 1,234
    assert agent_ragas.score_graph_question([], gold, "모름") == {
        "result_precision": 0.0,
        "result_recall": 0.0,
        "answer_states_gold": 0.0,
    }
    assert agent_ragas.score_graph_question(got, [], "") is None


def test_qualifying_reviews_query_uses_parameters_and_known_attributes() -> None:
    q = qualifying_reviews_query(
        {"region": "애월읍", "category": "흑돼지", "must_haves": ["parking"]}
    )
    assert "m.region = $region AND m.category = $category AND m.parking = true" in q
    assert "애월읍" not in q
    with pytest.raises(ValueError):
        qualifying_reviews_query({"must_haves": ["x = true OR true"]})


def test_summary_averages_and_counts_questions_without_reference() -> None:
    items: list[dict[str, Any]] = [
        {"ragas": {"evidence_precision": 1.0}},
        {"ragas": {"evidence_precision": 0.5, "evidence_precision_core": 1.0}},
        {"ragas": {"evidence_precision": None}},
        {"ragas": {"result_precision": 1.0, "result_recall": 0.5, "answer_states_gold": 0.0}},
        {},
    ]
    s = ragas_summary(items)
    assert s["evidence_context_precision"]["value"] == 0.75
    assert s["evidence_context_precision"]["n"] == 2
    assert s["evidence_context_precision"]["skipped_no_reference"] == 1
    assert s["evidence_context_precision_core"]["value"] == 1.0
    assert s["text2cypher_result_recall"] == {**s["text2cypher_result_recall"], "value": 0.5}
