"""Scorers of the agent eval that need no graph: tool answers and the understanding
ablation (no DB, no network)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from agent.understand import Vocabulary
from evals.agent import load_gold
from evals.agent_scorers import itinerary_checks, mapping_checks
from evals.agent_understanding import understanding_ablation

EXPECTED_ITINERARY: dict[str, Any] = {
    "itinerary": [{"day": 1, "places": ["도톤보리"]}, {"day": 2, "places": ["오사카성"]}],
    "best_match_rate": 1.0,
    "best_products": ["P1", "P3"],
}


def _tool(days: list[dict[str, Any]], top: tuple[str, float] | None) -> dict[str, Any]:
    items = [{"product_id": top[0], "match_rate": top[1]}] if top else []
    return {"items": items, "data": {"itinerary": days}}


def test_itinerary_checks() -> None:
    days = EXPECTED_ITINERARY["itinerary"]
    ok = itinerary_checks(EXPECTED_ITINERARY, _tool(days, ("P3", 1.0)))
    assert ok == {"itinerary_parse_ok": True, "package_ok": True}
    # A product outside the best set, or a lower rate, is wrong; so is a misread day.
    assert not itinerary_checks(EXPECTED_ITINERARY, _tool(days, ("P2", 1.0)))["package_ok"]
    assert not itinerary_checks(EXPECTED_ITINERARY, _tool(days, ("P1", 0.5)))["package_ok"]
    merged = [{"day": 1, "places": ["도톤보리", "오사카성"]}]
    assert not itinerary_checks(EXPECTED_ITINERARY, _tool(merged, ("P1", 1.0)))[
        "itinerary_parse_ok"
    ]
    # When no product visits any place, answering none is right.
    none = {**EXPECTED_ITINERARY, "best_match_rate": 0.0, "best_products": []}
    assert itinerary_checks(none, _tool(days, None))["package_ok"]


def test_mapping_checks() -> None:
    exp = {"internal_id": "IP1", "external_id": "ChIJa"}
    hit = {"items": [{"internal_id": "IP1", "mapped": {"external_id": "ChIJa"}}]}
    assert mapping_checks(exp, hit) == {"mapping_resolved_ok": True, "mapping_ok": True}
    wrong = {"items": [{"internal_id": "IP1", "mapped": {"external_id": "ChIJb"}}]}
    assert mapping_checks(exp, wrong) == {"mapping_resolved_ok": True, "mapping_ok": False}
    # Gold "no counterpart": not mapping is right, mapping anything is wrong.
    gone = {"internal_id": "IP1", "external_id": None}
    assert mapping_checks(gone, {"items": [{"internal_id": "IP1", "mapped": None}]})["mapping_ok"]
    assert not mapping_checks(gone, hit)["mapping_ok"]
    assert not mapping_checks(exp, {"items": []})["mapping_resolved_ok"]


def test_ablation_without_a_model_reports_the_parser_for_every_policy(tmp_path: Path) -> None:
    gold = [g for g in load_gold() if g["kind"] in ("recommend", "followup")][:12]
    out = understanding_ablation(gold, Vocabulary.from_gazetteer(), tmp_path)
    assert set(out) == {"gazetteer", "model", "model_intent", "hybrid"}
    assert not any(v["model_used"] for v in out.values())
    first = out["gazetteer"]
    assert first["intent_accuracy_by_intent"]["recommend_place"]["n"] == len(gold)
    assert set(first["slot_accuracy_by_slot"]) >= {"region", "category"}
    # Without a model every policy is the parser, so the figures agree.
    assert all(v["slot_accuracy"] == first["slot_accuracy"] for v in out.values())


def test_a_merchant_name_matches_the_graphs_spelling_whatever_the_spacing() -> None:
    from evals.agent_scorers import slot_matches

    assert slot_matches({"merchant_name": "귤빛밥집"}, {"merchant_name": "귤빛 밥집"}) == {
        "merchant_name": True
    }
    assert not slot_matches({"merchant_name": "귤빛밥집"}, {"merchant_name": "귤빛 식당"})[
        "merchant_name"
    ]
    assert not slot_matches({"merchant_name": "귤빛밥집"}, {})["merchant_name"]
