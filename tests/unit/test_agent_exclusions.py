"""What an ask rules out ('흑돼지 말고', '회 안 먹는 부모님') and meal asks (점심, 밥집), as a
traveller says them: read by the parser and the model path, kept through follow-ups and
relaxation, in the Cypher, and said back in the answer. Gazetteer vocabulary, no DB."""

from __future__ import annotations

import pytest

from agent import cypher as Q
from agent import relaxation as R
from agent.answer import recommendation_text
from agent.config import AgentConfig
from agent.state import Candidate, Pick, Slots, Turn
from agent.understand import Vocabulary, parse_question
from agent.understand.model import slots_from_entities
from tests.unit.test_agent_relaxation import _deps
from tests.unit.test_agent_understand_model import _ex

SEAFOOD = ["회", "전복", "갈치조림"]


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.from_gazetteer()


@pytest.mark.parametrize(
    ("question", "region", "category", "excluded", "meal"),
    [
        # Before this change: out of scope (the place was cut off with what came before 말고).
        ("표선에서 흑돼지 말고 다른 거 먹고 싶어", "표선면", None, ["흑돼지"], True),
        # Before: category 회, the very food the parents do not eat.
        ("회 안 먹는 부모님이랑 성산에서 저녁", "성산읍", None, ["회"], True),
        ("돼지고기 못 먹는 친구랑 함덕에서 점심", "조천읍", None, ["흑돼지"], True),
        ("애월 카페 말고 밥집", "애월읍", "한식", ["카페"], True),
        ("회나 초밥은 빼고 중문에서 저녁 먹을 곳", "중문동", None, ["일식", "회"], True),
        # 해산물 covers the 횟집, 전복 and 갈치조림 places (before: a 횟집 could be picked).
        ("아이가 해산물 알레르기 있어요 한림 식당 추천", "한림읍", None, [*SEAFOOD, "해산물"], 1),
        ("해산물 말고 회 먹을 데 성산", "성산읍", "회", ["해산물", "전복", "갈치조림"], 0),
        ("흑돼지는 질려서 다른 거 애월", "애월읍", None, ["흑돼지"], True),  # another meal
        ("카페 말고 애월", "애월읍", None, ["카페"], False),  # a cafe ruled out: no meal said
        ("점심 먹고 갈 카페 애월", "애월읍", "카페", [], False),  # a cafe named: no meal ask
    ],
)
def test_ruled_out_food_is_excluded_and_the_place_still_read(
    vocab: Vocabulary,
    question: str,
    region: str,
    category: str | None,
    excluded: list[str],
    meal: bool,
) -> None:
    parsed = parse_question(question, vocab)
    s = parsed.slots
    assert parsed.intent == "recommend_place", question
    assert (s.region, s.category, s.meal) == (region, category, meal), s
    assert sorted(s.exclude_categories) == sorted(excluded)


def test_the_excluded_food_asked_again_becomes_its_related_kinds(vocab: Vocabulary) -> None:
    s = parse_question("고기국수 말고 다른 국수 먹을 데 제주시", vocab).slots
    assert s.city == "제주시" and s.category is None
    assert s.exclude_categories == ["고기국수"] and s.stand_ins == ["해장국", "한식"]


def test_a_place_before_malgo_is_still_a_place_moved_from(vocab: Vocabulary) -> None:
    s = parse_question("애월 말고 협재 흑돼지", vocab).slots
    assert (s.region, s.category, s.exclude_categories) == ("한림읍", "흑돼지", [])


def test_a_food_not_next_to_the_word_is_not_excluded(vocab: Vocabulary) -> None:
    # '흑돼지' is what is wanted; '말고' refers to the place.
    s = parse_question("흑돼지 먹고 싶은데 애월 말고 한림에서", vocab).slots
    assert (s.region, s.category, s.exclude_categories) == ("한림읍", "흑돼지", [])


def _turn(**slots: object) -> Turn:
    pick = Pick(
        merchant_id="M1", name="a", region="애월읍", category="흑돼지", reasons=["r"], evidence=[]
    )
    return Turn(question="q", intent="recommend_place", slots=Slots(**slots), picks=[pick])


def test_a_followup_rules_out_the_last_food_and_keeps_it_out(vocab: Vocabulary) -> None:
    prev = _turn(region="애월읍", city="제주시", category="흑돼지", party="부모님")
    first = parse_question("흑돼지 말고 다른 거는?", vocab, prev)
    s = first.slots
    assert first.followup and (s.region, s.party) == ("애월읍", "부모님")
    assert s.category is None and s.exclude_categories == ["흑돼지"]
    assert s.stand_ins == ["돈까스", "한식"]  # what a local names instead
    cheaper = parse_question("더 저렴한 곳은?", vocab, Turn(**{**prev.model_dump(), "slots": s}))
    assert cheaper.slots.exclude_categories == ["흑돼지"]
    again = parse_question("그럼 흑돼지로", vocab, Turn(**{**prev.model_dump(), "slots": s}))
    assert again.slots.category == "흑돼지" and again.slots.exclude_categories == []


def test_the_model_path_drops_the_spans_of_a_ruled_out_food(vocab: Vocabulary) -> None:
    q = "표선에서 흑돼지 말고 다른 거 먹고 싶어"
    ex = _ex(q, "recommend_place", 0.9, ("REGION", "표선"), ("CATEGORY", "흑돼지"))
    slots, signals = slots_from_entities(q, ex, vocab)
    assert slots.region == "표선면" and slots.category is None
    assert slots.exclude_categories == ["흑돼지"] and "exclusion" in signals


def test_the_query_rules_out_categories_dishes_and_cafes_on_a_meal() -> None:
    slots = Slots(
        region="애월읍", exclude_categories=["흑돼지"], exclude_menus=["전복죽"], meal=True
    )
    cypher, params = Q.candidate_query(slots, 10)
    assert "NOT m.category IN $exclude_categories" in cypher
    assert "NOT (m)-[:SERVES]->(:Menu {name: $exclude_menu_0})" in cypher
    assert params["exclude_categories"] == ["흑돼지", "카페", "베이커리", "브런치"]
    assert params["exclude_menu_0"] == "전복죽" and "전복죽" not in cypher  # a parameter


def _candidate(mid: str, category: str) -> Candidate:
    return Candidate(merchant_id=mid, name=mid, region="애월읍", category=category)


def test_a_ruled_out_category_is_never_shown_on_any_rung(vocab: Vocabulary) -> None:
    deps = _deps(lambda cypher, params: [])
    slots = Slots(region="애월읍", exclude_categories=["흑돼지"], meal=True)
    assert R.violations(deps, _candidate("A", "흑돼지"), slots, None) is None
    assert R.violations(deps, _candidate("B", "카페"), slots, None) is None
    assert R.violations(deps, _candidate("C", "한식"), slots, None) == []
    asked = Slots(region="애월읍", category="돈까스", exclude_categories=["흑돼지"])
    for rung in R.relaxation_ladder(asked, vocab, AgentConfig()):
        assert rung.slots.exclude_categories == ["흑돼지"]
        assert "흑돼지" not in rung.slots.stand_ins  # 돈까스's related kinds, less 흑돼지


def test_the_answer_says_what_it_left_out_and_who_it_is_for() -> None:
    pick = Pick(
        merchant_id="A", name="가", region="성산읍", category="한식", reasons=["r"], evidence=[]
    )
    slots = Slots(region="성산읍", party="부모님", exclude_categories=["회"], meal=True)
    text = recommendation_text(slots, [pick], [], "오프라인 모드")
    assert "회는 빼고 골랐어요" in text
    assert "식사할 곳이라 카페·베이커리·브런치는 뺐어요" in text
    assert "부모님과 함께 갈" in text
    solo = recommendation_text(Slots(party="혼자", category="한식"), [pick], [], "m")
    couple = recommendation_text(Slots(party="커플", category="한식"), [pick], [], "m")
    assert "혼자 갈 한식" in solo and "둘이 갈 한식" in couple
    assert "식사할 곳" not in solo  # no meal ask
    # the size is said once, in the words a person uses
    pair = recommendation_text(Slots(party="커플", party_size=2, category="한식"), [pick], [], "m")
    assert "둘이 갈 한식" in pair and "2명" not in pair
    eight = recommendation_text(
        Slots(region="서귀동", party_size=8, category="한식"), [pick], [], "m"
    )
    assert "서귀동 8명이 갈 한식" in eight and "(8명)" not in eight
    two = recommendation_text(Slots(party_size=2, category="흑돼지"), [pick], [], "m")
    assert "둘이 갈 흑돼지" in two
    family = recommendation_text(
        Slots(party="부모님", party_size=4, category="한식"), [pick], [], "m"
    )
    assert "부모님과 함께 4명이 갈 한식" in family
    party = recommendation_text(
        Slots(party="부모님", party_size=10, occasion="birthday", category="한식"), [pick], [], "m"
    )
    assert "부모님과 함께 10명이 갈 (생일) 한식" in party


def test_a_pick_outside_the_asked_side_of_the_island_says_so() -> None:
    deps = _deps(lambda cypher, params: [])
    slots = Slots(area="제주 동쪽", area_regions=["성산읍", "구좌읍"], category="한식")
    inside = Candidate(merchant_id="A", name="A", region="성산읍", category="한식")
    outside = Candidate(merchant_id="B", name="B", region="애월읍", category="한식")
    assert R.violations(deps, inside, slots, None) == []
    assert R.violations(deps, outside, slots, None) == ["지역: 애월읍 (제주 동쪽 밖)"]
    rungs = R.relaxation_ladder(slots, deps.vocab, deps.config)
    beyond = [r for r in rungs if r.rank == R.RUNG_BEYOND]
    assert [r.slots.area_regions for r in beyond] == [[]]  # past the side: all of Jeju


def test_a_place_moved_away_from_is_ruled_out_not_read(vocab: Vocabulary) -> None:
    # Before: '애월 말고 카페 추천' was read as 애월 (a slip of 애월읍), the opposite of the ask.
    s = parse_question("애월 말고 카페 추천", vocab).slots
    assert (s.region, s.category, s.exclude_regions) == (None, "카페", ["애월읍"])
    s = parse_question("애월 말고 협재 흑돼지", vocab).slots
    assert (s.region, s.exclude_regions) == ("한림읍", ["애월읍"])
    prev = _turn(region="애월읍", city="제주시", category="흑돼지")
    moved = parse_question("애월 말고 다른 데는?", vocab, prev).slots
    assert (moved.region, moved.category, moved.exclude_regions) == (None, "흑돼지", ["애월읍"])
    back = parse_question("애월은?", vocab, Turn(**{**prev.model_dump(), "slots": moved}))
    assert (back.slots.region, back.slots.exclude_regions) == ("애월읍", [])
    cypher, params = Q.candidate_query(moved, 10)
    assert "NOT m.region IN $exclude_regions" in cypher
    assert params["exclude_regions"] == ["애월읍"]
    deps = _deps(lambda cypher, params: [])
    assert R.violations(deps, _candidate("A", "흑돼지"), moved, None) is None  # in 애월읍
    pick = Pick(
        merchant_id="B", name="나", region="한림읍", category="흑돼지", reasons=["r"], evidence=[]
    )
    assert "애월읍은 빼고 골랐어요" in recommendation_text(moved, [pick], [], "m")


def test_a_view_of_hallasan_names_no_place(vocab: Vocabulary) -> None:
    # Before: the POI 한라산 put '한라산 보이는 카페' in 서홍동.
    s = parse_question("한라산 보이는 카페 추천", vocab).slots
    assert (s.region, s.category, s.not_in_graph) == (None, "카페", ["한라산 전망"])
    s = parse_question("애월에 한라산 뷰 카페", vocab).slots
    assert (s.region, s.not_in_graph) == ("애월읍", ["한라산 전망"])


def test_a_new_place_drops_the_place_moved_from_and_gogi_alone_is_heukdwaeji(
    vocab: Vocabulary,
) -> None:
    prev = _turn(category="흑돼지", exclude_regions=["애월읍"])
    s = parse_question("협재는?", vocab, prev).slots
    assert (s.region, s.exclude_regions) == ("한림읍", [])  # no "애월읍은 빼고" said any more
    prev = _turn(region="중문동", exclude_categories=[*SEAFOOD, "해산물"], meal=True)
    s = parse_question("아 그럼 고기는?", vocab, prev).slots
    assert (s.region, s.category) == ("중문동", "흑돼지")
    assert parse_question("물고기 보이는 카페", vocab).slots.category == "카페"  # inside a word


@pytest.mark.parametrize(
    ("question", "region", "excluded"),
    [
        # Before: each was read as 애월, the place ruled out.
        ("애월 빼고 카페", None, ["애월읍"]),
        ("애월 제외하고 흑돼지", None, ["애월읍"]),
        ("except Aewol black pork", None, ["애월읍"]),
        ("outside Aewol cafe", None, ["애월읍"]),
        ("not in Aewol, somewhere quieter", None, ["애월읍"]),
        ("표선 말고 남원 쪽 갈치조림", "남원읍", ["표선면"]),
        ("흑돼지 빼고 애월 카페", "애월읍", []),  # a food ruled out, not the place
        ("Aewol cafe", "애월읍", []),
    ],
)
def test_a_place_ruled_out_in_korean_or_english(
    vocab: Vocabulary, question: str, region: str | None, excluded: list[str]
) -> None:
    parsed = parse_question(question, vocab)
    assert parsed.intent == "recommend_place", question
    assert (parsed.slots.region, parsed.slots.exclude_regions) == (region, excluded), question


def test_two_places_named_as_alternatives_are_searched_together(vocab: Vocabulary) -> None:
    # Before: '애월이나 한림 카페' searched 애월 alone.
    for q in ("애월이나 한림 카페", "애월이랑 한림 중에 카페", "Aewol or Hallim cafe"):
        s = parse_question(q, vocab).slots
        assert (s.region, s.area, s.area_regions) == (
            None,
            "애월읍·한림읍",
            ["애월읍", "한림읍"],
        ), q
    assert parse_question("성산 우도 흑돼지", vocab).slots.region == "성산읍"  # no 'or' said
    cypher, params = Q.candidate_query(parse_question("애월이나 한림 카페", vocab).slots, 10)
    assert "m.region IN $regions" in cypher and params["regions"] == ["애월읍", "한림읍"]
