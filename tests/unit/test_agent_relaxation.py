"""Relaxation the way a local relaxes, evidence that fits the ask, a 0-100 match, and an
answer that says what the graph does not hold (issue 12.2-3). Fake store, no DB."""

from __future__ import annotations

from typing import Any
from unittest.mock import MagicMock

import pytest

from agent import cypher as Q
from agent import relaxation as R
from agent import selection as SEL
from agent.answer import recommendation_text
from agent.config import AgentConfig
from agent.deps import AgentDeps
from agent.selection import choose_evidence, offline_select, score_candidate, total
from agent.state import Candidate, Evidence, Pick, Slots
from agent.understand import Vocabulary, parse_question
from embeddings.text.factory import make_embedder
from graph_schema.store import GraphStore, QueryResult
from prompts.examples import ExampleBank


@pytest.fixture(scope="module")
def vocab() -> Vocabulary:
    return Vocabulary.from_gazetteer()


def test_ladder_relaxes_food_before_place_and_place_within_the_bound(vocab: Vocabulary) -> None:
    slots = Slots(
        region="남원읍", city="서귀포시", category="전복", menu="전복죽", must_haves=["parking"]
    )
    cfg = AgentConfig()
    rungs = R.relaxation_ladder(slots, vocab, cfg)
    ranks = [r.rank for r in rungs]
    assert ranks == sorted(ranks)
    first = rungs[0]
    # 1: a merchant in 남원읍 serving 전복죽, whatever its category; must-haves kept.
    assert first.rank == R.RUNG_FOOD and first.regions is None
    assert first.slots.menu == "전복죽" and first.slots.category is None
    assert first.slots.must_haves == ["parking"]
    # then a related category (해산물, 회) in 남원읍
    assert rungs[1].rank == R.RUNG_FOOD and set(rungs[1].slots.stand_ins) == {"해산물", "회"}
    near = next(r for r in rungs if r.rank == R.RUNG_NEARBY)
    assert near.regions and "남원읍" not in near.regions
    dist = dict(vocab.nearby_regions("남원읍", 1000))
    assert all(dist[x] <= cfg.nearby_km + R.REGION_RADIUS_KM for x in near.regions)
    beyond = next(r for r in rungs if r.rank == R.RUNG_BEYOND)
    assert beyond.regions and len(beyond.regions) > len(near.regions)
    # must-haves give way after the food and the neighbouring 읍면동, before the bound does
    loose = [r for r in rungs if not r.slots.must_haves]
    assert loose and min(r.rank for r in loose) == R.RUNG_LOOSE
    assert loose[0].regions is None and loose[0].slots.region == "남원읍"
    assert max(r.rank for r in rungs if r.rank < R.RUNG_LOOSE) == R.RUNG_NEARBY_FOOD
    assert ranks.index(R.RUNG_LOOSE) < ranks.index(R.RUNG_BEYOND)


def test_the_bound_is_a_setting(vocab: Vocabulary) -> None:
    slots = Slots(region="남원읍", city="서귀포시", category="전복")
    wide = R.relaxation_ladder(slots, vocab, AgentConfig(nearby_km=30))
    narrow = R.relaxation_ladder(slots, vocab, AgentConfig(nearby_km=5))
    n_wide = next(r for r in wide if r.rank == R.RUNG_NEARBY).regions or ()
    n_narrow = next((r for r in narrow if r.rank == R.RUNG_NEARBY), None)
    assert len(n_wide) > len(n_narrow.regions if n_narrow and n_narrow.regions else ())


def test_only_merchants_within_the_bound_count_as_near() -> None:
    deps = _deps(lambda cypher, params: [])
    slots = Slots(region="남원읍", city="서귀포시")
    centre = deps.vocab.region_coords["남원읍"]
    near = Candidate(merchant_id="x", name="x", region="표선면", category="c",
                     lat=centre[0], lon=centre[1] + 0.08)  # ~7.5 km east  # fmt: skip
    far = near.model_copy(update={"lon": centre[1] + 0.2})  # ~19 km
    assert R.within_bound(deps, slots, near) and not R.within_bound(deps, slots, far)
    assert R.satisfies(deps, near, slots, None)[0] and not R.satisfies(deps, far, slots, None)[0]


def test_candidate_query_uses_menu_and_stand_ins() -> None:
    cypher, params = Q.candidate_query(Slots(region="남원읍", menu="전복죽"), 10)
    assert "SERVES" in cypher and params["menu"] == "전복죽" and params["region"] == "남원읍"
    assert "m.category" not in cypher
    cypher, params = Q.candidate_query(Slots(region="연동", stand_ins=["흑돼지", "회"]), 10)
    assert "m.category IN $categories" in cypher and params["categories"] == ["흑돼지", "회"]


MERCHANTS: dict[str, dict[str, Any]] = {
    # asked region, related category (해산물) serving 전복죽 → rung 1
    "A": {"merchant_id": "A", "name": "a", "region": "남원읍", "city": "서귀포시",
          "category": "해산물", "rating": 4.0, "lat": 33.28, "lon": 126.72},
    # neighbouring region, the asked category → rung 2 (rated higher: must still come after)
    "B": {"merchant_id": "B", "name": "b", "region": "표선면", "city": "서귀포시",
          "category": "전복", "rating": 5.0, "lat": 33.29, "lon": 126.80},
}  # fmt: skip


def _deps(rows_for: Any) -> AgentDeps:
    store = MagicMock(spec=GraphStore)

    def read(cypher: str, params: dict[str, Any] | None = None, **_: Any) -> QueryResult:
        params = params or {}
        if cypher == Q.MERCHANTS_BY_IDS:
            return QueryResult(
                ["m"], [{"m": MERCHANTS[i]} for i in params["ids"] if i in MERCHANTS]
            )
        ids = rows_for(cypher, params)
        return QueryResult(["merchant_id"], [{"merchant_id": i} for i in ids])

    store.read.side_effect = read
    return AgentDeps(
        store=store,
        embedder=make_embedder("hashing"),
        vocab=Vocabulary.from_gazetteer(),
        config=AgentConfig(),
        examples=ExampleBank.load(),
    )


def test_related_food_in_the_region_outranks_a_neighbour() -> None:
    def rows_for(cypher: str, params: dict[str, Any]) -> list[str]:
        if "$menu" in cypher and "category" not in params and params.get("region") == "남원읍":
            return ["A"]
        if "$regions" in cypher and "표선면" in params["regions"]:
            return ["B"]
        return []

    deps = _deps(rows_for)
    slots = Slots(region="남원읍", city="서귀포시", category="전복", menu="전복죽", count=2)
    found = R.relaxed_candidates(deps, slots, set(), 2, {"A"})
    by_id = {c.merchant_id: c for c in found}
    assert by_id["A"].relax_rank == R.RUNG_FOOD and by_id["A"].relaxed == [
        "분류: 해산물 (전복 아님)"
    ]
    assert by_id["B"].relax_rank == R.RUNG_NEARBY
    assert any(n.startswith("지역: 표선면") for n in by_id["B"].relaxed)
    assert by_id["B"].distance_km and by_id["B"].distance_km <= 15
    picks = offline_select(found, slots, 1)
    assert [p.merchant_id for p in picks] == ["A", "B"]  # by rung, not by rating


def _cand(snippets: list[Evidence], **kw: Any) -> Candidate:
    base = {"merchant_id": "M1", "name": "가게", "region": "서귀동", "category": "한식",
            "rating": 4.5, "similarity": 0.8, "snippets": snippets}  # fmt: skip
    return Candidate(**{**base, **kw})


def test_group_ask_never_quotes_a_solo_diner() -> None:
    solo = Evidence(review_id="R1", text="혼밥하러 갔는데 한적해서 좋았어요.", party_type="혼자",
                    rating=5, similarity=0.99)  # fmt: skip
    hidden = Evidence(review_id="R2", text="혼자 갔는데 조용했어요. 음식이 맛있어요.",
                      party_type=None, rating=5, similarity=0.98)  # fmt: skip
    family = Evidence(review_id="R3", text="할머니 생신이라 식구들 다 같이 갔어요. 단체 예약 돼요.",
                      party_type="가족", rating=5, similarity=0.5)  # fmt: skip
    slots = Slots(region="서귀동", category="한식", party="부모님", party_size=8,
                  occasion="birthday", must_haves=["group_seating", "quiet"])  # fmt: skip
    ev = choose_evidence(_cand([solo, hidden, family]), slots, 2)
    assert [e.review_id for e in ev] == ["R3"]
    # a solo ask may quote them
    alone = Slots(region="서귀동", category="한식", party="혼자")
    assert {e.review_id for e in choose_evidence(_cand([solo, hidden, family]), alone, 2)} >= {"R1"}


def test_evidence_prefers_the_asked_dish() -> None:
    photo = Evidence(review_id="R1", text="식구들이랑 갔는데 사진 찍기 좋은 곳이에요.", rating=5,
                     similarity=0.95)  # fmt: skip
    dish = Evidence(review_id="R2", text="참고로 전복죽이 진짜 맛있어요.", rating=5, similarity=0.9)
    ev = choose_evidence(_cand([photo, dish]), Slots(region="남원읍", menu="전복죽"), 1)
    assert ev[0].review_id == "R2" and "전복죽" in ev[0].text


@pytest.mark.parametrize("sim", [-0.4, 0.0, 0.3, 1.0])
@pytest.mark.parametrize("relaxed", [[], ["지역: 표선면"], ["a", "b", "c", "d", "e", "f"]])
def test_match_is_0_to_100_and_never_negative(sim: float, relaxed: list[str]) -> None:
    c = _cand([], similarity=sim, rating=1.0, relaxed=relaxed)
    for slots in (Slots(), Slots(region="서귀동", party="부모님", must_haves=["quiet"])):
        parts = score_candidate(c, slots, [])
        assert all(0.0 <= v <= 1.0 for v in parts.values())
        assert 0.0 <= total(parts) <= 100.0


def test_plain_ask_is_not_marked_down_for_what_it_did_not_ask() -> None:
    c = _cand([], similarity=0.9, rating=5.0)
    parts = score_candidate(c, Slots(region="서귀동"), [])
    assert set(parts) == {"sim", "rating", "constraints"} and total(parts) >= 90


def test_a_locals_wish_ranks_and_reasons_by_the_local_share() -> None:
    slots = Slots(region="서귀동", locals=True)
    local = _cand([], mix={"local_share": 0.55})
    tourist = _cand([], merchant_id="M2", mix={"local_share": 0.05})
    a, b = score_candidate(local, slots, []), score_candidate(tourist, slots, [])
    assert a["locals"] == 1.0 and b["locals"] == 0.1 and total(a) > total(b)
    reasons = SEL.offline_reasons(local, slots, a, [])
    assert "제주 도민 리뷰 비중 55%" in reasons


def _pick(mid: str, relaxed: list[str], rank: int = 0, km: float | None = None) -> Pick:
    return Pick(merchant_id=mid, name=mid, region="r", category="c", reasons=["x"], evidence=[],
                score=80.0, relaxed=relaxed, relax_rank=rank, distance_km=km)  # fmt: skip


def test_summary_line_agrees_with_the_picks() -> None:
    slots = Slots(region="남원읍", menu="전복죽")
    exact = recommendation_text(slots, [_pick("a", [])], [], "오프라인")
    assert "추천 1곳이에요" in exact and "완화" not in exact.splitlines()[0]
    mixed = recommendation_text(slots, [_pick("a", []), _pick("b", ["지역: x"], 2)], [], "m")
    assert "모두 맞는 곳 1곳, 조건을 완화한 곳 1곳" in mixed.splitlines()[0]
    far = recommendation_text(slots, [_pick("a", ["지역: x"], R.RUNG_BEYOND, 23.4)], [], "m", 10)
    first, second = far.splitlines()[:2]
    assert "찾지 못해" in first and "10km 안에는" in second and "23km" in second
    assert "일치도 80/100" in far


def test_answer_says_what_the_graph_does_not_hold(vocab: Vocabulary) -> None:
    slots = parse_question("제주시 연동 20대 친구들 술집 추천해줘", vocab).slots
    text = recommendation_text(slots, [_pick("a", [])], [], "m")
    assert text.startswith("그래프에는 술집 정보가 없어요") and "고깃집" in text
    busan = parse_question("부산 해운대 돼지국밥 맛집", vocab).slots
    text = recommendation_text(busan, [_pick("a", [])], [], "m")
    assert "제주 가게만 있어서 부산" in text and "돼지국밥 정보가 없어요" in text


def test_past_the_bound_the_nearest_comes_first() -> None:
    far_good = _cand([], merchant_id="F", rating=5.0, relaxed=["지역: a"], distance_km=20.0,
                     relax_rank=R.RUNG_BEYOND)  # fmt: skip
    near_ok = _cand([], merchant_id="N", rating=3.0, relaxed=["지역: b"], distance_km=14.0,
                    relax_rank=R.RUNG_BEYOND)  # fmt: skip
    picks = offline_select([far_good, near_ok], Slots(region="남원읍", count=2), 1)
    assert [p.merchant_id for p in picks] == ["N", "F"]


def test_a_cheap_wish_gives_way_before_the_place_and_least_first() -> None:
    """'성산 가성비 해산물' with no cheap seafood within the bound: a dearer seafood place in
    성산 (the loose rung) before the closest cheap one past the bound, the least dear first."""
    slots = Slots(region="성산읍", city="서귀포시", category="해산물", price="cheap", count=3)
    ranks = [r.rank for r in R.relaxation_ladder(slots, Vocabulary.from_gazetteer(), AgentConfig())]
    assert ranks.index(R.RUNG_LOOSE) < ranks.index(R.RUNG_BEYOND)
    dear = _cand([], merchant_id="D", rating=5.0, price_level=4, relax_rank=R.RUNG_LOOSE,
                 relaxed=["가격대 4 (저렴한 곳 아님)"])  # fmt: skip
    less = _cand([], merchant_id="L", rating=4.0, price_level=3, relax_rank=R.RUNG_LOOSE,
                 relaxed=["가격대 3 (저렴한 곳 아님)"])  # fmt: skip
    far = _cand([], merchant_id="F", rating=5.0, price_level=1, relax_rank=R.RUNG_BEYOND,
                relaxed=["지역: 삼양동 (성산읍에서 32km)"], distance_km=32.0)  # fmt: skip
    assert [c.merchant_id for c in SEL.shortlist([far, dear, less], 2, None, slots)] == ["L", "D"]
    picks = offline_select([far, dear, less], slots, 1)
    assert [p.merchant_id for p in picks] == ["L", "D", "F"]
    assert R.price_gap(less, slots) == 1.0 and R.price_gap(far, slots) == 0.0
    capped = Slots(max_avg_price=20_000)
    assert R.price_gap(_cand([], avg_price=25_000), capped) == pytest.approx(0.25)


def test_a_price_wish_gives_way_before_the_food_and_the_place(vocab: Vocabulary) -> None:
    """'화순항 가성비 횟집': a 횟집 in 안덕면 that says its price level comes before a cheap one
    in the next 읍면 or a cheap place of a related kind; a price cap is kept longer."""
    wish = Slots(region="안덕면", city="서귀포시", category="회", price="cheap")
    rungs = R.relaxation_ladder(wish, vocab, AgentConfig())
    assert rungs[0].rank == R.RUNG_PRICE and rungs[0].regions is None
    assert (rungs[0].slots.category, rungs[0].slots.price) == ("회", None)
    assert [r.rank for r in rungs] == sorted(r.rank for r in rungs)
    capped = Slots(region="안덕면", city="서귀포시", category="회", max_avg_price=20_000)
    first = R.relaxation_ladder(capped, vocab, AgentConfig())[0]
    assert first.rank == R.RUNG_FOOD and first.slots.max_avg_price == 20_000


def test_evidence_speaks_to_the_must_have_before_the_kind_of_place() -> None:
    dessert = Evidence(review_id="R1", text="디저트가 맛있고 커피가 고소해요.", rating=5,
                       similarity=0.95)  # fmt: skip
    quiet = Evidence(review_id="R2", text="사람이 많지 않아 조용히 쉬다 왔어요.", rating=5,
                     similarity=0.85)  # fmt: skip
    slots = Slots(region="애월읍", category="카페", must_haves=["quiet"])
    ev = choose_evidence(_cand([dessert, quiet], category="카페"), slots, 2)
    assert [e.review_id for e in ev] == ["R2", "R1"]


def test_a_large_group_is_shown_a_groups_review_before_a_pairs() -> None:
    pair = Evidence(review_id="R1", text="친구랑 둘이 갔는데 흑돼지가 맛있었어요.",
                    party_type="친구", rating=5, similarity=0.95)  # fmt: skip
    group = Evidence(review_id="R2", text="친구들이랑 갔는데 단체석이 있어서 모임하기 좋아요.",
                     party_type="친구", rating=5, similarity=0.8)  # fmt: skip
    slots = Slots(region="노형동", category="흑돼지", party="친구", party_size=8,
                  must_haves=["group_seating"])  # fmt: skip
    ev = choose_evidence(_cand([pair, group], category="흑돼지"), slots, 2)
    assert [e.review_id for e in ev] == ["R2", "R1"]
    two = Slots(region="노형동", category="흑돼지", party="친구", party_size=2)
    assert choose_evidence(_cand([pair, group], category="흑돼지"), two, 1)[0].review_id == "R1"
