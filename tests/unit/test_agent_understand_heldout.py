"""The Understand step on held-out questions written for issue 12 (not from the parser's
templates): menus, parties, party sizes, occasions, price words, romanised and misspelt
places, and asks for what the graph does not hold. Gazetteer vocabulary only (no graph)."""

from __future__ import annotations

import pytest

from agent.understand import Vocabulary, parse_question
from evals.understanding import (
    FIELDS,
    field_ok,
    load_heldout,
    parser_fn,
    score_understanding,
)

ITEMS = load_heldout()


def test_heldout_set_is_big_enough_and_well_formed() -> None:
    recs = [it for it in ITEMS if it["expected"]["intent"] == "recommend_place"]
    assert len(recs) >= 40
    assert len({it["question"] for it in ITEMS}) == len(ITEMS)
    for it in recs:
        assert set(it["expected"]) == {"intent", *FIELDS}, it["id"]


def test_understander_scores_on_the_heldout_set() -> None:
    result = score_understanding(ITEMS, parser_fn())
    # Measured 0.973 exact / 0.987 intent (76 questions; the two misses are listed in
    # the report: a negated food word ('아이스크림 말고') and a category named inside a
    # dish ('전복돌솥밥')). The code before issue 12 read 0.43 exact on the first 56.
    assert result["intent_accuracy"] >= 0.95
    assert result["exact_match"] >= 0.9, result["misses"]
    for key in ("menu", "party", "party_size", "occasion", "not_in_graph"):
        assert result["by_field"][key] >= 0.95, (key, result["misses"])


def test_scorer_counts_a_wrong_field() -> None:
    item = {
        "id": "x",
        "question": "애월 흑돼지",
        "expected": {"intent": "recommend_place", "region": "한림읍"},
    }
    result = score_understanding([item], parser_fn())
    assert result["by_field"]["region"] == 0.0 and result["exact_match"] == 0.0
    assert field_ok("must_haves", ["quiet", "parking"], {"must_haves": ["parking", "quiet"]})


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.from_gazetteer()


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("남원읍 전복죽 맛집 어디야", {"region": "남원읍", "menu": "전복죽", "category": "전복"}),
        (
            "이번 토요일에 할머니 생신이라 서귀포 시내에서 8명 단체로 갈 수 있는 조용한 한정식집",
            {
                "region": "서귀동",
                "party": "부모님",
                "party_size": 8,
                "occasion": "birthday",
                "category": "한식",
            },
        ),
        (
            "제주시 연동 20대 친구들 술집 추천해줘",
            {"region": "연동", "party": "친구", "not_in_graph": ["술집"]},
        ),
    ],
)
def test_issue_examples(vocab: Vocabulary, question: str, expected: dict[str, object]) -> None:
    parsed = parse_question(question, vocab)
    got = parsed.slots.model_dump()
    assert parsed.intent == "recommend_place"
    for key, want in expected.items():
        assert got[key] == want, key


def test_bar_ask_gets_stand_ins_and_no_category(vocab: Vocabulary) -> None:
    slots = parse_question("제주시 연동 20대 친구들 술집 추천해줘", vocab).slots
    assert slots.category is None and slots.stand_ins[:2] == ["흑돼지", "회"]


def test_outside_jeju_is_recorded_only_for_dining_asks(vocab: Vocabulary) -> None:
    p = parse_question("부산 해운대 돼지국밥 맛집", vocab)
    assert p.intent == "recommend_place" and p.slots.not_in_graph == ["부산", "돼지국밥"]
    assert p.slots.category is None  # '국밥' inside 돼지국밥 is not read as 해장국
    assert parse_question("이번 주 오사카 뭐 먹지?", vocab).intent == "out_of_scope"


@pytest.mark.parametrize(
    ("question", "size"),
    [
        ("8명", 8),
        ("4인 가족", 4),
        ("여덟 명이서", 8),
        ("넷이서", 4),
        ("1인 2만원 이하", None),
        ("2인분 포장", None),
        ("6인 갈 거라 다시 찾아줘", 6),
        ("8인 모슬포항에서", 8),
        ("1인당 3만원", None),
    ],
)
def test_party_size(vocab: Vocabulary, question: str, size: int | None) -> None:
    from agent.understand import party_size

    assert party_size(question, vocab) == size


def test_an_occasion_can_need_a_must_have(vocab: Vocabulary) -> None:
    # A company dinner is a group whether or not it says how many (understanding.toml
    # `needs`); a birthday only wishes for group seating (soft).
    assert "group_seating" in parse_question("송년회 자리 노형 흑돼지", vocab).slots.must_haves
    assert parse_question("생일이라 노형 흑돼지", vocab).slots.must_haves == []


def test_typos_spacing_and_romanised_names(vocab: Vocabulary) -> None:
    assert parse_question("애윌 카페", vocab).slots.region == "애월읍"
    assert parse_question("Aewol-eup 카페", vocab).slots.region == "애월읍"
    assert parse_question("서귀포시내 해장국", vocab).slots.region == "서귀동"
    assert parse_question("성산 전복 죽 맛집", vocab).slots.menu == "전복죽"
    assert parse_question("서귀퍼 흑돼지", vocab).slots.city == "서귀포시"  # one vowel off
    # Two-syllable names are not read fuzzily: '아래' is not 아라동.
    assert parse_question("만원 아래 분식 추천", vocab).slots.region is None
    # Latin names match whole words only ('ora' is not in 'korean').
    assert parse_question("korean food 추천", vocab).slots.region is None
    assert parse_question("딸기 케이크 카페 추천", vocab).slots.party is None


def test_followups_keep_the_party_and_drop_what_was_replaced(vocab: Vocabulary) -> None:
    from agent.state import Turn

    first = parse_question("할머니 생신이라 8명이 서귀포 시내 한식집", vocab)
    turn = Turn(question="q", intent=first.intent, slots=first.slots)
    cheaper = parse_question("더 저렴한 곳은?", vocab, turn)
    assert cheaper.followup
    assert (cheaper.slots.party, cheaper.slots.party_size, cheaper.slots.occasion) == (
        "부모님",
        8,
        "birthday",
    )
    bar = parse_question("연동 술집 추천해줘", vocab)
    moved = parse_question(
        "흑돼지로 바꿔줘", vocab, Turn(question="q", intent=bar.intent, slots=bar.slots)
    )
    assert moved.slots.category == "흑돼지"
    assert moved.slots.not_in_graph == [] and moved.slots.stand_ins == []


@pytest.mark.parametrize(
    ("question", "place"),
    [
        ("소천지에서 카페 먹을 건데 애견 동반 가능한 데 있냐", "소천지"),
        ("황우치해변 집밥 같은 식당 추천해 줄래?", "황우치해변"),
        ("원앙폭포 해장국 추천", "원앙폭포"),
        # known names, words holding one, and words that are not places
        ("애월 흑돼지 추천", None),
        ("흑돼지집 근처 카페 추천", None),
        ("여기서 가까운 카페 추천", None),
        ("전복 요리 맛집 추천", None),
        ("중문 관광단지 횟집", None),
    ],
)
def test_a_place_the_vocabulary_does_not_hold_is_kept(
    vocab: Vocabulary, question: str, place: str | None
) -> None:
    parsed = parse_question(question, vocab)
    assert parsed.slots.unknown_place == place
    if place:
        # an unknown place is still a dining ask, answered for all of Jeju
        assert parsed.intent == "recommend_place" and parsed.slots.region is None


@pytest.mark.parametrize(
    ("question", "region"),
    [
        ("금능에서 카페 먹을 건데 애견 동반 가능한 데 있냐", "한림읍"),  # a village (리)
        ("광치기해변 집밥 같은 식당 추천해 줄래?", "성산읍"),  # a beach
        ("평대리 해장국 추천", "구좌읍"),
        ("도련1동 고기국수", "삼양동"),  # a 법정동 of the region, as written
        ("Hyeopjae beach cafe", "한림읍"),  # romanised stem
        ("woljeong-ri 카페", "구좌읍"),
        ("Jeju airport near haejangguk", "용담동"),  # 'jeju' alone is the province, not 제주항
        ("jeju heukdwaeji", None),
        ("에월에서 흑돼지", "애월읍"),  # ㅐ/ㅔ, two syllables before a postposition
        ("헙재 해변 근처 카페", "한림읍"),  # a vowel slip in a POI's name
        ("사계절 내내 좋은 카페", None),  # holds 사계 (안덕면) and is no place
        ("닭강정 맛집", None),  # holds 강정 (대천동)
    ],
)
def test_villages_sights_spellings_read_as_their_region(
    vocab: Vocabulary, question: str, region: str | None
) -> None:
    assert parse_question(question, vocab).slots.region == region


@pytest.mark.parametrize(
    ("question", "category"),
    [
        ("돈가스 맛있는 곳", "돈까스"),
        ("고기국쑤 집", "고기국수"),
        ("갈치졸임", "갈치조림"),
        ("카패 추천", "카페"),
        ("배이커리", "베이커리"),
        ("한싴 맛집", "한식"),
    ],
)
def test_food_words_spelt_as_heard(vocab: Vocabulary, question: str, category: str) -> None:
    assert parse_question(question, vocab).slots.category == category


def test_a_followup_to_a_known_place_drops_the_unknown_one(vocab: Vocabulary) -> None:
    from agent.state import Turn

    first = parse_question("소천지에서 카페 추천해줘", vocab)
    turn = Turn(question="q", intent=first.intent, slots=first.slots)
    moved = parse_question("그럼 애월 쪽은?", vocab, turn)
    assert (moved.slots.region, moved.slots.unknown_place) == ("애월읍", None)
    assert moved.slots.category == "카페"


def test_the_answer_says_an_unknown_place_was_not_applied() -> None:
    from agent.answer import recommendation_text
    from agent.state import Pick, Slots

    slots = Slots(category="카페", unknown_place="금능")
    pick = Pick(
        merchant_id="M1",
        name="카페",
        region="한림읍",
        category="카페",
        reasons=["평점 4.9"],
        evidence=[],
        relaxed=["지역: '금능' 위치를 몰라 제주 전체에서 찾음"],
    )
    text = recommendation_text(slots, [pick], [], "오프라인 모드")
    assert "'금능'은 제가 아는 제주 지명에 없어서 제주 전체에서 골랐어요" in text
    assert "위치를 몰라" in text


def test_of_several_places_the_one_the_ask_is_at_wins(vocab: Vocabulary) -> None:
    # '우도' is where the traveller goes next; the ask is at 성산 (성산항 근처에서)
    q = "우도 들어가기 전에 성산항 근처에서 아침으로 해장국 먹을 데 있을까요"
    assert parse_question(q, vocab).slots.region == "성산읍"
    assert parse_question("애월에서 한림까지 가는 길에 카페", vocab).slots.region == "애월읍"
    assert parse_question("성산 우도 흑돼지", vocab).slots.region == "성산읍"  # no marker: first


def test_a_beer_is_an_ask_for_a_bar(vocab: Vocabulary) -> None:
    p = parse_question("함덕에서 강아지랑 들어갈 수 있는 카페랑 근처 맥주 한잔할 곳", vocab)
    assert p.slots.category == "카페" and p.slots.not_in_graph == ["술집"]


def test_a_wish_no_property_records_is_said_and_stands_in_for_nothing(vocab: Vocabulary) -> None:
    from agent.answer import not_in_graph_lines

    slots = parse_question("세화해변 쪽에서 아침 일찍 문 여는 해장국집 있어?", vocab).slots
    assert (slots.region, slots.category) == ("구좌읍", "해장국")
    assert slots.not_in_graph == ["영업시간"] and slots.stand_ins == []
    assert "영업시간 정보가 없어서" in not_in_graph_lines(slots)[0]
    # beside a food the graph does not hold, both are said
    both = parse_question("애월 술집 늦게까지 하는 곳", vocab).slots
    assert both.not_in_graph == ["술집", "영업시간"] and both.stand_ins


@pytest.mark.parametrize(
    ("question", "label", "category"),
    [
        ("서귀포 올레시장 근처 회 포장되는 집", "포장 가능 여부", "회"),
        ("애월 흑돼지 배달 가능한 곳", "배달 가능 여부", "흑돼지"),
        ("함덕 김밥 테이크아웃 되는 분식집", "포장 가능 여부", "분식"),
    ],
)
def test_takeout_and_delivery_are_said_not_dropped(
    vocab: Vocabulary, question: str, label: str, category: str
) -> None:
    slots = parse_question(question, vocab).slots
    assert slots.category == category and slots.not_in_graph == [label] and not slots.stand_ins


def test_a_pojangmacha_is_still_a_bar(vocab: Vocabulary) -> None:
    assert parse_question("애월 포장마차 같은 데", vocab).slots.not_in_graph == ["술집"]


@pytest.mark.parametrize(
    "question", ["카페도 알려줘", "분식으로 갈래", "중국집은 없어?", "돈가스로 변경"]
)
def test_a_new_food_without_a_place_keeps_the_last_place(vocab: Vocabulary, question: str) -> None:
    from agent.state import Turn

    first = parse_question("애월 흑돼지 추천해줘", vocab)
    turn = Turn(question="q", intent=first.intent, slots=first.slots)
    moved = parse_question(question, vocab, turn)
    assert moved.followup and moved.slots.region == "애월읍"
    assert moved.slots.category not in (None, "흑돼지")
    # a fresh ask with its own place is no follow-up
    assert not parse_question("성산 카페 추천", vocab, turn).followup


@pytest.mark.parametrize(
    ("question", "stand_ins"),
    [
        ("한림 아이랑 먹기 좋은 돈까스나 분식", ["돈까스", "분식"]),
        ("서귀포 회 아니면 초밥", ["회", "일식"]),
        ("카페, 베이커리 애월", ["카페", "베이커리"]),
    ],
)
def test_two_kinds_of_place_joined_ask_for_either(
    vocab: Vocabulary, question: str, stand_ins: list[str]
) -> None:
    slots = parse_question(question, vocab).slots
    assert slots.category is None and slots.stand_ins == stand_ins
    # Two foods in two asks are not alternatives: the first is the ask.
    assert parse_question("애월 흑돼지 먹고 카페 갈 곳", vocab).slots.category == "흑돼지"


def test_a_category_word_inside_a_dish_name_is_not_the_place(vocab: Vocabulary) -> None:
    # 칼국수 is served by 한식 places: '국수' in it is not the 고기국수 category.
    slots = parse_question("서귀포 칼국수", vocab).slots
    assert (slots.menu, slots.category) == ("보말칼국수", None)
    assert parse_question("칼국수 맛집", vocab).slots.category is None
    # ... but 흑돼지 in 흑돼지 오겹살 is, as 흑돼지 places serve it; 전복죽 names both.
    slots = parse_question("애월 흑돼지 오겹살", vocab).slots
    assert (slots.menu, slots.category) == ("흑돼지 오겹살", "흑돼지")
    assert parse_question("남원 전복죽", vocab).slots.category == "전복"


def test_view_and_price_phrasings(vocab: Vocabulary) -> None:
    slots = parse_question("애월읍 카페중에 바다보이고 주차되는데", vocab).slots
    assert set(slots.must_haves) == {"parking", "ocean_view"}
    assert parse_question("협재 근처 회 너무 비싸지 않은 곳", vocab).slots.price == "cheap"
    assert parse_question("비싸지 않아도 되니까 애월 흑돼지", vocab).slots.price is None


@pytest.mark.parametrize(
    ("question", "size"),
    [
        ("Hallim black pork for 4 people", 4),
        ("Aewol seafood for two", 2),
        ("party of 6 black pork in Aewol", 6),
        ("table for three.", 3),
        ("Jeju seafood for 2 nights", None),  # nights, not people
    ],
)
def test_english_party_sizes_are_read(vocab: Vocabulary, question: str, size: int | None) -> None:
    assert parse_question(question, vocab).slots.party_size == size


def test_an_english_ask_reads_meal_must_have_party_and_price_cap(vocab: Vocabulary) -> None:
    s = parse_question("Jungmun quiet dinner for two under 40000 won", vocab).slots
    assert (s.region, s.meal, s.must_haves, s.party_size, s.max_avg_price) == (
        "중문동",
        True,
        ["quiet"],
        2,
        40000,
    )
    assert parse_question("Aewol lunch for 30000 won", vocab).slots.party_size is None


def test_a_matjip_with_no_food_named_is_a_meal_but_a_named_cafe_or_bread_stays(
    vocab: Vocabulary,
) -> None:
    # "실내 맛집" picked two bakeries: 맛집 alone is a place for a meal
    indoor = parse_question("중문 근처 비 오는 날 가기 좋은 실내 맛집", vocab).slots
    assert indoor.meal and indoor.category is None
    assert parse_question("애월 맛집 추천해줘", vocab).slots.meal
    # a cafe or bread named with 맛집 keeps its kind (the meal rule yields to a named kind)
    assert parse_question("성산 카페 맛집 알려줘", vocab).slots.category == "카페"
    assert parse_question("애월 빵 맛집", vocab).slots.category == "베이커리"


def test_a_meal_followup_after_cafes_asks_for_a_meal_and_either_kinds_carry(
    vocab: Vocabulary,
) -> None:
    from agent.state import Turn

    cafe = parse_question("함덕 카페", vocab)
    meal = parse_question(
        "밥 먹을 데도", vocab, Turn(question="q", intent=cafe.intent, slots=cafe.slots)
    )
    assert (meal.slots.region, meal.slots.category, meal.slots.meal) == ("조천읍", None, True)
    either = parse_question(
        "회나 초밥은?", vocab, Turn(question="q", intent=meal.intent, slots=meal.slots)
    )
    assert either.slots.category is None and either.slots.stand_ins == ["회", "일식"]
    # a meal word beside a food keeps the food
    pork = parse_question("애월 흑돼지", vocab)
    lunch = parse_question(
        "점심으로 흑돼지 먹을 곳", vocab, Turn(question="q", intent=pork.intent, slots=pork.slots)
    )
    assert lunch.slots.category == "흑돼지"


@pytest.mark.parametrize(
    ("question", "region"),
    [
        ("에월 카페", "애월읍"),  # spelt as it sounds: read without a place word after it
        ("함떡 카페", "조천읍"),
        ("세와 카페", None),  # a slip of a two-syllable name needs a place word after it
        ("오래 기다리지 않는 카페", None),
        ("이후에 갈 카페", None),
        ("주차 걱정 없는 곳으로 다시 골라줘", None),  # 주차 sounds like 추자: a known word
        ("추자 맛집", "추자면"),
    ],
)
def test_short_names_spelt_as_they_sound(
    vocab: Vocabulary, question: str, region: str | None
) -> None:
    assert parse_question(question, vocab).slots.region == region


@pytest.mark.parametrize(
    ("question", "food"),
    [
        ("닭갈비 먹고 싶은데 제주시청 근처 어디 없나", "닭갈비"),
        ("애월에서 쭈꾸미 파는 곳 있어?", "쭈꾸미"),
        ("노형동 족발 잘하는 집", "족발"),
        # nothing of the kind: a held food, an everyday word, a party word, a how-word
        ("애월 흑돼지를 파는 곳", None),
        ("노형동 점심 먹을 데", None),
        ("애월에서 뭐 먹고 싶은데 추천해줘", None),
        ("애월 아이랑 먹을 만한 곳", None),
        ("애월 부모님 모시고 먹을 만한 곳", None),
        ("함덕 바다 보면서 먹을 수 있는 곳", None),
        ("성산 돈가쓰 잘하는 집", None),  # a held food misspelt
        ("제주공항 근처 렌트카 반납 전에 먹을 곳", None),  # when, not what
    ],
)
def test_a_dish_no_table_holds_is_kept(vocab: Vocabulary, question: str, food: str | None) -> None:
    p = parse_question(question, vocab)
    assert p.intent == "recommend_place"
    assert p.slots.unknown_food == food
    if food:  # a dish is a meal: no cafe is picked, and no food kind is guessed
        assert p.slots.meal and p.slots.category is None and p.slots.menu is None
    sweet = parse_question("함덕 근처 오메기떡 파는 가게", vocab).slots
    assert sweet.unknown_food == "오메기떡" and not sweet.meal  # a cafe may sell it


def test_dishes_and_places_the_old_tables_misread(vocab: Vocabulary) -> None:
    milmyeon = parse_question("한경면 저지리 쪽 밀면 파는 곳", vocab).slots
    assert milmyeon.not_in_graph == ["밀면"] and milmyeon.unknown_food is None
    assert milmyeon.stand_ins[:1] == ["고기국수"]
    pho = parse_question("제주시 쌀국수 잘하는 집", vocab).slots
    assert pho.category is None and pho.not_in_graph == ["쌀국수·동남아 음식"]
    assert parse_question("구좌읍 해녀가 하는 식당", vocab).slots.category == "해산물"
    assert parse_question("애월 빙수 맛집", vocab).slots.category == "카페"


def test_a_followup_dish_no_table_holds_replaces_the_food(vocab: Vocabulary) -> None:
    from agent.state import Turn

    first = parse_question("애월 흑돼지 맛집", vocab)
    turn = Turn(question="q", intent=first.intent, slots=first.slots)
    moved = parse_question("닭갈비 파는 데는?", vocab, turn)
    assert moved.followup and moved.slots.region == "애월읍"
    assert (moved.slots.category, moved.slots.unknown_food) == (None, "닭갈비")
    back = parse_question(
        "그럼 흑돼지로", vocab, Turn(question="q", intent="recommend_place", slots=moved.slots)
    )
    assert (back.slots.category, back.slots.unknown_food) == ("흑돼지", None)


def test_the_answer_says_an_unknown_dish_was_not_applied() -> None:
    from agent.answer import recommendation_text
    from agent.state import Slots

    text = recommendation_text(Slots(region="애월읍", unknown_food="닭갈비"), [], [], "오프라인")
    assert "그래프의 메뉴에는 '닭갈비'가 없어서" in text


def test_breakfast_with_no_food_searches_the_kinds_a_local_names(vocab: Vocabulary) -> None:
    from agent.answer import recommendation_text
    from agent.state import Turn

    slots = parse_question("성산항 근처 아침 먹을 만한 데", vocab).slots
    assert (slots.region, slots.meal_kind, slots.category) == ("성산읍", "breakfast", None)
    assert "해장국" in slots.stand_ins and "회" not in slots.stand_ins
    text = recommendation_text(slots, [], [], "오프라인")
    assert "아침 식사로 흔히 찾는 해장국" in text and "영업시간" in text
    # a food named is the food; a follow-up for breakfast replaces the last food
    assert parse_question("성산 아침으로 해장국", vocab).slots.stand_ins == []
    pork = parse_question("애월 흑돼지", vocab)
    later = parse_question(
        "아침은?", vocab, Turn(question="q", intent=pork.intent, slots=pork.slots)
    )
    assert (later.slots.region, later.slots.category, later.slots.meal_kind) == (
        "애월읍",
        None,
        "breakfast",
    )


def test_indoors_is_not_downtown(vocab: Vocabulary) -> None:
    assert parse_question("서귀포 실내 맛집", vocab).slots.city == "서귀포시"
    assert parse_question("서귀포 실내 맛집", vocab).slots.region is None
    assert parse_question("서귀포 시내 맛집", vocab).slots.region == "서귀동"


@pytest.mark.parametrize(
    ("question", "kind", "first"),
    [
        ("애월에서 따뜻한 국물 먹고 싶어", "soup", "해장국"),
        ("가볍게 한끼 할 데 함덕", "light", "고기국수"),
        ("성산항 근처 아침 먹을 만한 데", "breakfast", "해장국"),
        ("애월에서 국물 있는 고기국수", None, None),  # a food named is the food
    ],
)
def test_a_kind_of_meal_with_no_food_names_the_kinds_a_local_would(
    vocab: Vocabulary, question: str, kind: str | None, first: str | None
) -> None:
    slots = parse_question(question, vocab).slots
    assert slots.meal_kind == kind
    assert (slots.stand_ins[:1] or [None])[0] == first


def test_followups_for_another_kind_of_food(vocab: Vocabulary) -> None:
    from agent.answer import recommendation_text
    from agent.state import Turn

    pork = parse_question("애월 흑돼지 맛집 추천해줘", vocab)
    turn = Turn(question="q", intent=pork.intent, slots=pork.slots)
    other = parse_question("다른 메뉴로 추천해줘", vocab, turn).slots
    assert (other.region, other.category, other.exclude_categories) == ("애월읍", None, ["흑돼지"])
    assert other.meal  # another meal, not a cafe
    assert "흑돼지는 빼고" in recommendation_text(other, [], [], "오프라인")
    soup = parse_question("국물 있는 걸로", vocab, turn).slots
    assert (soup.category, soup.meal_kind) == (None, "soup")
    assert parse_question("고기 말고 생선 요리로", vocab, turn).slots.category == "갈치조림"
    # other places, same food
    assert parse_question("다른 곳 알려줘", vocab, turn).slots.category == "흑돼지"
    # a dish served elsewhere drops the last kind; a dish of that kind keeps it
    dish = parse_question("회덮밥 되는 데", vocab, turn).slots
    assert (dish.category, dish.menu) == (None, "회덮밥")
    assert parse_question("오겹살 되는 데", vocab, turn).slots.category == "흑돼지"
    assert parse_question("그럼 중국 음식은", vocab, turn).slots.category == "중식"
    kid = parse_question("아이도 같이 가", vocab, turn)  # 아이도 holds 이도(동)
    assert kid.followup and (kid.slots.region, kid.slots.party) == ("애월읍", "아이")
    moved = parse_question("한림 쪽으로 옮겨서", vocab, turn)
    assert moved.followup and (moved.slots.region, moved.slots.category) == ("한림읍", "흑돼지")


def test_a_business_named_by_a_place_and_a_food_only_in_a_fact_question() -> None:
    vocab = Vocabulary.from_gazetteer()
    vocab.merchants.update({"성산횟집": "성산 횟집", "귤빛밥집": "귤빛 밥집"})
    fact = parse_question("성산 횟집 메뉴 뭐 있어?", vocab)
    assert (fact.intent, fact.slots.merchant_name) == ("graph_question", "성산 횟집")
    ask = parse_question("성산 횟집 추천해줘", vocab)
    assert ask.intent == "recommend_place" and ask.slots.merchant_name is None
    assert (ask.slots.region, ask.slots.category) == ("성산읍", "회")
    assert parse_question("귤빛밥집 리뷰 몇 개야?", vocab).slots.merchant_name == "귤빛 밥집"


@pytest.mark.parametrize(
    ("question", "must"),
    [
        ("애월 사람 별로 없는 카페", "quiet"),
        ("애월 얘기하기 좋은 카페", "quiet"),
        ("애월 관광객 적은 카페", "quiet"),
        ("애월 차 세우기 좋은 카페", "parking"),
        ("애월 해변 앞 카페", "ocean_view"),
        ("애월 개 데려가도 되는 카페", "pet_friendly"),
        ("애월 모임 하기 좋은 식당", "group_seating"),
    ],
)
def test_everyday_words_for_must_haves(vocab: Vocabulary, question: str, must: str) -> None:
    assert parse_question(question, vocab).slots.must_haves == [must]


def test_a_child_named_is_the_party_not_a_must_have(vocab: Vocabulary) -> None:
    slots = parse_question("애들 데리고 가기 좋은 협재해변 식당", vocab).slots
    assert (slots.party, slots.must_haves) == ("아이", [])


@pytest.mark.parametrize(
    ("question", "word", "region"),
    [
        ("애워 흑돼지 맛집", "애워", "애월읍"),
        ("할림 흑돼지", "할림", "한림읍"),
        ("헙재 고기 국수", "헙재", "한림읍"),  # 협재 is a beach's name
        ("중믄 돈 까스 추천", "중믄", "중문동"),
    ],
)
def test_a_slip_no_dictionary_knows_is_read_as_the_place_and_said(
    vocab: Vocabulary, question: str, word: str, region: str
) -> None:
    from agent.answer import recommendation_text

    slots = parse_question(question, vocab).slots
    assert (slots.region, slots.place_read, slots.unknown_place) == (region, word, None)
    text = recommendation_text(slots, [], [], "오프라인")
    assert f"'{word}'" in text and f"'{region}'" in text and "읽었어요" in text


@pytest.mark.parametrize(
    ("question", "word", "guess"),
    [
        ("각지 흑돼지 맛집", "각지", "곽지"),  # 각지 is a Korean word: asked back
        ("가정 흑돼지 맛집", "가정", "강정"),
        ("대형 카페 추천", None, None),  # one jamo from 대평: an everyday word
        ("애워요 흑돼지", None, None),  # not a whole word
        ("애월 흑돼지", None, None),
    ],
)
def test_a_slip_that_is_also_a_word_is_asked_back_not_applied(
    vocab: Vocabulary, question: str, word: str | None, guess: str | None
) -> None:
    slots = parse_question(question, vocab).slots
    assert (slots.unknown_place, slots.place_guess) == (word, guess)
    if guess:
        from agent.answer import recommendation_text

        assert slots.region is None and slots.place_read is None  # never applied
        text = recommendation_text(slots, [], [], "오프라인")
        assert f"혹시 '{guess}'" in text and "제주 전체에서 골랐어요" in text


def test_a_followup_never_reads_a_slip(vocab: Vocabulary) -> None:
    from agent.state import Turn

    first = parse_question("애월 카페 추천해줘", vocab)
    turn = Turn(question="q", intent=first.intent, slots=first.slots)
    # a slip in a follow-up would move the ask off its place on a guess: the place stays
    later = parse_question("중믄 카페도 있어?", vocab, turn)
    assert later.followup and (later.slots.region, later.slots.place_guess) == ("애월읍", None)


@pytest.mark.parametrize(
    ("question", "region", "price"),
    [
        ("성싼 돈 까스 추천 해주세요", "성산읍", None),  # 싼 is in the place as written
        ("성산 싼 횟집 알려줘", "성산읍", "cheap"),
        ("싼 횟집 알려줘", None, "cheap"),
    ],
)
def test_the_words_of_a_place_are_not_read_as_wishes(
    vocab: Vocabulary, question: str, region: str | None, price: str | None
) -> None:
    slots = parse_question(question, vocab).slots
    assert (slots.region, slots.price) == (region, price)


@pytest.mark.parametrize(
    "question", ["함덕 속 풀 데 있어?", "애월에서 속풀이 하러 갈 곳", "속 풀러 갈 데"]
)
def test_a_hangover_cure_asks_for_haejangguk(vocab: Vocabulary, question: str) -> None:
    assert parse_question(question, vocab).slots.category == "해장국"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("cheap noodles in Seogwipo", {"category": "고기국수", "price": "cheap"}),
        ("not too expensive korean food in Jeju city", {"category": "한식", "price": "cheap"}),
        ("fancy dinner in Jungmun for our anniversary", {"price": "expensive"}),
        ("fancy dinner in Jungmun for our anniversary", {"occasion": "anniversary"}),
        ("kid friendly seafood in Aewol", {"must_haves": ["kid_friendly"]}),
        ("black pork with my parents in Hallim", {"party": "부모님"}),
        ("brunch with kids near Hamdeok", {"party": "아이", "category": "브런치"}),
        ("seafood alone in Seongsan", {"party": "혼자"}),
        ("any good cafes in Aewol", {"category": "카페"}),  # a plural is the word
        ("신혼여행인데 중문에서 분위기 좋은 저녁", {"occasion": "anniversary", "party": "커플"}),
    ],
)
def test_english_and_everyday_wishes(
    vocab: Vocabulary, question: str, expected: dict[str, object]
) -> None:
    slots = parse_question(question, vocab).slots.model_dump()
    assert {k: slots[k] for k in expected} == expected


def test_a_spacing_variant_starts_a_word(vocab: Vocabulary) -> None:
    # '갈만한 식당' holds 한식당 with the space dropped, across the end of 갈만한: no food named
    assert parse_question("애월 아이랑 갈만한 식당", vocab).slots.category is None
    assert parse_question("애월 한 식당 추천", vocab).slots.category == "한식"


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("올레길 7코스 근처 점심", {"intent": "recommend_place", "region": "서홍동"}),
        ("올레 18코스 시작점 근처 국밥", {"intent": "recommend_place", "region": "삼도동"}),
        ("lunch near olle route 7", {"intent": "recommend_place", "region": "서홍동"}),
        ("제주 여행 3박4일 코스 짜줘", {"intent": "itinerary"}),  # a plan, not a route
        ("서쪽 해안도로 드라이브하다 들를 카페", {"region": None}),  # 해안도로 holds no 해안동
        ("무지개해안도로 카페", {"region": "도두동"}),
        ("where to eat abalone porridge in Seongsan", {"menu": "전복죽", "party": None}),
        ("seafood hot pot in Seogwipo", {"menu": "해물뚝배기"}),
        ("vegetarian restaurant in Jeju", {"intent": "recommend_place"}),
        ("아버지 팔순 잔치 열다섯 명 서귀포 식당", {"party_size": 15, "party": "부모님"}),
        ("dinner for twelve in Aewol", {"party_size": 12}),
    ],
)
def test_routes_roads_dishes_and_numbers_travellers_say(
    vocab: Vocabulary, question: str, expected: dict[str, object]
) -> None:
    parsed = parse_question(question, vocab)
    got = {"intent": parsed.intent, **parsed.slots.model_dump()}
    assert {k: got[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("question", "area", "region"),
    [
        ("제주 동쪽에 해산물 뚝배기 맛있는 곳", "제주 동쪽", None),
        ("서쪽 해안도로 드라이브하다 들를 카페", "제주 서쪽", None),
        ("east jeju black pork for 4 people", "제주 동쪽", None),
        ("성산 동쪽 카페", None, "성산읍"),  # a named 읍면동 is narrower than a side
    ],
)
def test_a_side_of_the_island_is_its_regions_together(
    vocab: Vocabulary, question: str, area: str | None, region: str | None
) -> None:
    slots = parse_question(question, vocab).slots
    assert (slots.area, slots.region, slots.unknown_place) == (area, region, None)
    if area:
        assert "구좌읍" in slots.area_regions if "동쪽" in area else "애월읍" in slots.area_regions


def test_an_area_is_a_where_condition_and_a_relaxation(vocab: Vocabulary) -> None:
    from agent import cypher as Q

    slots = parse_question("동부 흑돼지 맛집", vocab).slots
    cypher, params = Q.candidate_query(slots, 10)
    assert "m.region IN $regions" in cypher and set(params["regions"]) == set(slots.area_regions)
    assert "성산읍" in params["regions"] and "애월읍" not in params["regions"]


@pytest.mark.parametrize(
    ("question", "wants"),
    [
        ("제주 시내 현지인 맛집", True),
        ("관광객 말고 도민들 가는 고기국수", True),
        ("where locals eat black pork in Seogwipo", True),
        ("관광객 적은 조용한 카페", False),  # fewer tourists is quiet, not where locals eat
        ("애월 흑돼지", False),
    ],
)
def test_where_locals_eat_is_a_wish(vocab: Vocabulary, question: str, wants: bool) -> None:
    slots = parse_question(question, vocab).slots
    assert slots.locals is wants
    if wants:
        from agent.answer import recommendation_text

        assert "현지인이 찾는" in recommendation_text(slots, [], [], "m")


@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        ("제주 동쪽 오션뷰 카페", "애월은?", {"region": "애월읍", "category": "카페"}),
        ("성산 흑돼지 주차 되는 곳", "한림도?", {"region": "한림읍", "must_haves": ["parking"]}),
        ("where can I eat seafood in Hallim", "cheaper ones?", {"category": "해산물"}),
        ("seafood in Hallim", "what about Aewol", {"region": "애월읍", "category": "해산물"}),
        ("애월 카페", "동쪽은?", {"area": "제주 동쪽", "region": None, "category": "카페"}),
    ],
)
def test_a_place_asked_back_or_an_english_followup_refines_the_last_ask(
    vocab: Vocabulary, first: str, then: str, expected: dict[str, object]
) -> None:
    from agent.state import Turn

    one = parse_question(first, vocab)
    later = parse_question(then, vocab, Turn(question=first, intent=one.intent, slots=one.slots))
    assert later.followup and later.intent == "recommend_place"
    got = later.slots.model_dump()
    assert {k: got[k] for k in expected} == expected


@pytest.mark.parametrize(
    ("question", "unheld"),
    [
        ("웨이팅 없는 애월 흑돼지", "대기 시간"),
        ("줄 안 서는 성산 해산물", "대기 시간"),
        ("할랄 음식 제주시", "할랄 인증"),
    ],
)
def test_waiting_and_halal_are_said_not_checked(
    vocab: Vocabulary, question: str, unheld: str
) -> None:
    assert unheld in parse_question(question, vocab).slots.not_in_graph


@pytest.mark.parametrize(
    ("question", "must_haves"),
    [
        ("주차 안 돼도 괜찮아 연동 국수", []),
        ("주차 되는 연동 국수", ["parking"]),
        ("아기 의자 없어도 괜찮아요 애월 카페", []),
    ],
)
def test_a_must_have_said_not_needed_is_none(
    vocab: Vocabulary, question: str, must_haves: list[str]
) -> None:
    assert parse_question(question, vocab).slots.must_haves == must_haves


def test_a_price_word_before_not_needed_still_reads() -> None:
    v = Vocabulary.from_gazetteer()
    assert parse_question("비싸도 상관없어 중문 회", v).slots.price == "expensive"


@pytest.mark.parametrize("question", ["오메기떡 파는 곳", "성산 오메기떡 사갈 데"])
def test_a_sweet_no_menu_lists_is_searched_where_sweets_are_sold(
    vocab: Vocabulary, question: str
) -> None:
    from agent.answer import recommendation_text

    slots = parse_question(question, vocab).slots
    assert (slots.unknown_food, slots.stand_ins, slots.meal) == (
        "오메기떡",
        ["베이커리", "카페"],
        False,
    )
    assert "그런 걸 파는 베이커리·카페 가운데서" in recommendation_text(slots, [], [], "m")


def test_a_business_is_read_as_the_ask_spells_it_where_two_differ_by_a_space() -> None:
    v = Vocabulary.from_gazetteer()
    v.add_graph_names({"merchants": [{"name": "놀멍 coffee"}, {"name": "놀멍coffee"}]})
    assert parse_question("놀멍 coffee 리뷰 몇 개야?", v).slots.merchant_name == "놀멍 coffee"
    assert parse_question("놀멍coffee 리뷰 몇 개야?", v).slots.merchant_name == "놀멍coffee"
    assert parse_question("놀멍 커피 아니고 놀멍coffee 메뉴", v).slots.merchant_name == "놀멍coffee"


@pytest.mark.parametrize(
    ("question", "cap", "size"),
    [
        ("애월 흑돼지 2인분 5만원 이하", 25_000, None),  # before: 50,000 a person
        ("3인 기준 6만원까지 한림 해산물", 20_000, None),
        ("둘이서 총 5만원 이하 성산 회", 25_000, 2),
        ("1인 2만원 이하 표선 고기국수", 20_000, None),  # already per person
        ("둘이 3만원 이하 애월 카페", 30_000, 2),  # no word for a total: per person, said back
    ],
)
def test_a_cap_for_portions_or_the_whole_party_is_read_per_person(
    vocab: Vocabulary, question: str, cap: int, size: int | None
) -> None:
    s = parse_question(question, vocab).slots
    assert (s.max_avg_price, s.party_size) == (cap, size), question


@pytest.mark.parametrize(
    ("question", "region", "unknown_food"),
    [
        ("고사리 육개장 맛집", None, "육개장"),  # before: 고사 + 리 read as 고산 (한경면)
        ("닭갈비 맛집 제주시", None, "닭갈비"),
        ("숨은 맛집 애월", "애월읍", None),  # no dish-shaped word: no food asked
        ("분위기 맛집 서귀포", None, None),
        ("평대리에서 카페", "구좌읍", None),  # a village name ending in 리 is still a place
    ],
)
def test_a_dish_before_a_shop_word_and_a_noun_ending_like_a_village(
    vocab: Vocabulary, question: str, region: str | None, unknown_food: str | None
) -> None:
    s = parse_question(question, vocab).slots
    assert (s.region, s.unknown_food, s.unknown_place) == (region, unknown_food, None), question


def test_a_price_per_person_is_no_solo_party_and_no_place_slip(vocab: Vocabulary) -> None:
    # Before: '1인' made a party of four '혼자', and '이하' was asked back as a slip of 이호.
    s = parse_question("서귀포 매일올레시장 근처 저녁 4명 1인 3만원 이하", vocab).slots
    assert (s.region, s.party, s.party_size, s.max_avg_price) == ("서귀동", None, 4, 30_000)
    s = parse_question("2만원 이하 흑돼지", vocab).slots
    assert (s.max_avg_price, s.unknown_place, s.place_guess) == (20_000, None, None)
    assert parse_question("1인 식사 가능한 고기국수", vocab).slots.party == "혼자"
    assert parse_question("이호 흑돼지", vocab).slots.region == "이호동"


def test_a_fair_price_is_cheap_and_a_reservation_is_said_not_checked(vocab: Vocabulary) -> None:
    s = parse_question("갈치조림 가격 괜찮은 곳 중문 4인 가족", vocab).slots
    assert (s.region, s.category, s.party_size, s.price) == ("중문동", "갈치조림", 4, "cheap")
    s = parse_question("시부모님이랑 한정식 서귀포 예약", vocab).slots
    assert (s.party, s.not_in_graph) == ("부모님", ["예약 가능 여부"])


def test_dan_dul_i_is_two_and_a_restaurant_is_a_meal(vocab: Vocabulary) -> None:
    s = parse_question("엄마랑 단둘이 애월 브런치", vocab).slots
    assert (s.party, s.party_size, s.category) == ("부모님", 2, "브런치")
    s = parse_question("kid friendly restaurant in Seogwipo with parking", vocab).slots
    assert (s.city, s.meal, sorted(s.must_haves)) == ("서귀포시", True, ["kid_friendly", "parking"])


@pytest.mark.parametrize(
    ("question", "party", "must_haves", "not_in_graph"),
    [
        # Before: 키즈 inside 노키즈존 made a party with a child and a kid-friendly need.
        ("노키즈존 카페 추천", None, [], ["노키즈존 여부"]),
        ("no kids zone cafe in Aewol", None, [], ["노키즈존 여부"]),
        ("노키즈존 아닌 카페 애월", "아이", ["kid_friendly"], []),
        ("제주시 연동에 새벽까지 하는 해장국", None, [], ["영업시간"]),
    ],
)
def test_a_no_kids_zone_is_said_not_checked_and_its_negation_is_kid_friendly(
    vocab: Vocabulary,
    question: str,
    party: str | None,
    must_haves: list[str],
    not_in_graph: list[str],
) -> None:
    s = parse_question(question, vocab).slots
    assert (s.party, s.must_haves, s.not_in_graph) == (party, must_haves, not_in_graph), question


def test_a_meal_word_with_a_party_is_an_ask_and_an_alias_of_a_category_is_it(
    vocab: Vocabulary,
) -> None:
    # Before: out of scope (no 추천 word), and 'hairtail stew' read as nothing.
    parsed = parse_question("아이 먹일 수 있는 식당", vocab)
    assert parsed.intent == "recommend_place" and parsed.slots.party == "아이"
    assert parse_question("내일 점심 약속 있어", vocab).intent == "out_of_scope"
    s = parse_question("hairtail stew in Seogwipo", vocab).slots
    assert (s.city, s.category) == ("서귀포시", "갈치조림")


def test_a_price_band_reads_as_its_upper_end_and_vs_is_either(vocab: Vocabulary) -> None:
    s = parse_question("3만원대 흑돼지 애월", vocab).slots
    assert (s.region, s.category, s.max_avg_price) == ("애월읍", "흑돼지", 40_000)
    assert parse_question("2만원대로 먹을 수 있는 회", vocab).slots.max_avg_price == 30_000
    s = parse_question("고기국수 vs 해장국 어디가 나아 제주시", vocab).slots
    assert (s.city, s.category, s.stand_ins) == ("제주시", None, ["고기국수", "해장국"])
