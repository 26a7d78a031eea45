"""The second gold set (evals/gold/paraphrase_gold.jsonl): it is what its generator writes,
large enough, split by family, apart from the first gold set, and every expected reading
names things the product's vocabulary holds (or labels of what it does not); the scorer
reads follow-ups with their previous turn and can tell a right reading from a wrong one."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest

from evals.gold import build_paraphrase_gold as B
from evals.gold.paraphrase_words import OUTSIDE
from evals.paraphrase import GOLD, conversation_parser, load_paraphrase_gold
from evals.understanding import FIELDS, score_understanding
from tripgraph import vocab as V
from tripgraph.vocab.understanding import load_understanding_vocab

FIRST_GOLD = Path(B.__file__).with_name("agent_gold.jsonl")
HELDOUT = Path(B.__file__).with_name("understanding_heldout.jsonl")


@pytest.fixture(scope="module")
def items() -> list[dict[str, Any]]:
    return load_paraphrase_gold(None)


def test_the_file_is_what_the_generator_writes(items: list[dict[str, Any]]) -> None:
    assert items == B.build(), "rerun: .venv/bin/python evals/gold/build_paraphrase_gold.py"


def test_size_splits_and_ids(items: list[dict[str, Any]]) -> None:
    assert len(items) >= 200
    assert len({i["id"] for i in items}) == len(items)
    assert len({i["question"] for i in items}) == len(items)
    split_of: dict[str, set[str]] = defaultdict(set)
    for i in items:
        split_of[i["family"]].add(i["split"])
    assert all(len(s) == 1 for s in split_of.values()), "a family lies in one split"
    families = {s: {f for f, v in split_of.items() if s in v} for s in ("dev", "test")}
    assert len(families["test"]) >= 8 and len(families["dev"]) >= 4
    assert sum(i["split"] == "test" for i in items) >= 150
    # follow-ups: every conversation has its turns in order, in one family
    turns: dict[str, list[str]] = defaultdict(list)
    for i in items:
        if i["conversation"]:
            turns[i["conversation"]].append(i["id"])
    assert turns and all(ids == sorted(ids) and len(ids) == 2 for ids in turns.values())


def test_no_question_of_the_first_gold_sets(items: list[dict[str, Any]]) -> None:
    others = {
        json.loads(line)["question"]
        for path in (FIRST_GOLD, HELDOUT)
        for line in path.read_text(encoding="utf-8").splitlines()
        if line
    }
    assert not {i["question"] for i in items} & others


def test_expected_readings_name_what_the_vocabulary_holds(items: list[dict[str, Any]]) -> None:
    jeju = V.load_jeju()
    city_of = {r.name: r.city for r in jeju.regions}
    dining = V.load_categories()
    und = load_understanding_vocab()
    parties = set(V.load_people().party_words)
    attributes = set(V.load_attributes().words)
    missing_labels = {u.label for u in und.unheld} | set(OUTSIDE)
    for i in items:
        e = i["expected"]
        assert set(e) <= set(FIELDS) | {"intent"}, i["id"]
        if e["region"] is not None:
            assert city_of[e["region"]] == e["city"], i["id"]
        assert e["city"] in (None, "제주시", "서귀포시"), i["id"]
        assert e.get("category") in (None, *dining.category_names), i["id"]
        assert e["menu"] in (None, *dining.menu_names), i["id"]
        assert e["party"] in (None, *parties), i["id"]
        assert e["occasion"] in (None, *(o.key for o in und.occasions)), i["id"]
        assert set(e["must_haves"]) <= attributes, i["id"]
        assert set(e["not_in_graph"]) <= missing_labels, i["id"]
        if (e["party_size"] or 0) >= B.GROUP_SIZE or e["occasion"] == "company_dinner":
            assert "group_seating" in e["must_haves"], i["id"]
        if e["menu"] is not None:
            assert "category" not in e, f"{i['id']}: a dish leaves the category unscored"


def test_korean_particles() -> None:
    assert B.josa("애월", "이랑/랑") == "애월이랑"
    assert B.josa("친구", "이랑/랑") == "친구랑"
    assert B.josa("Aewol", "이/가") == "Aewol가"


def test_the_scorer_tells_right_from_wrong_readings() -> None:
    items = load_paraphrase_gold("test")
    expected = {i["question"]: i["expected"] for i in items}

    def oracle(question: str) -> tuple[str, dict[str, Any]]:
        e = expected[question]
        return e["intent"], {k: v for k, v in e.items() if k != "intent"}

    def nothing(question: str) -> tuple[str, dict[str, Any]]:
        return "out_of_scope", {}

    right = score_understanding(items, oracle)
    assert right["intent_accuracy"] == 1.0 and right["exact_match"] == 1.0
    wrong = score_understanding(items, nothing)
    assert wrong["intent_accuracy"] == 0.0 and wrong["exact_match"] == 0.0


def test_follow_ups_are_read_with_their_previous_turn() -> None:
    from agent.state import Turn
    from agent.understand import Parsed, Vocabulary, parse_question

    items = load_paraphrase_gold("test")
    seen: dict[str, str | None] = {}

    def recording(question: str, vocab: Vocabulary, previous: Turn | None) -> Parsed:
        seen[question] = previous.question if previous else None
        return parse_question(question, vocab, previous)

    score_understanding(items, conversation_parser(items, Vocabulary.from_gazetteer(), recording))
    first_of = {i["conversation"]: i["question"] for i in items if i["id"].endswith("-t1")}
    for i in items:
        want = first_of[i["conversation"]] if i["id"].endswith("-t2") else None
        assert seen[i["question"]] == want, i["id"]


def test_gold_path_is_the_generators() -> None:
    assert GOLD == B.OUT
