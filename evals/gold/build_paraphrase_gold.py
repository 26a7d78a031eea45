# ruff: noqa: E501  (data tables: surface forms per canonical value, one row per line)
"""Build the second gold set (`paraphrase_gold.jsonl`, issue 12 item 5): Korean dining asks
written by a paraphrase generator that shares no sentence frame with the parser's rules, the
NER templates or the first gold set (`build_agent_gold.py`).

How it is written, and why it can be trusted as a test:

- **Canonical first, words second.** Each item first draws what the user wants (a 읍면동,
  a category or a dish, who comes, how many, the occasion, price, must-haves, or something
  the graph does not hold), then writes it with surface forms from the tables below. The
  expected reading is known by construction, never read back from the parser.
- **Own words.** The tables hold the forms travellers write: landmarks (곽지, 김녕, 송악산),
  romanised names (Aewol, Gimnyeong), spacing variants and typos (애 월, 흑돼쥐), colloquial
  dish and place words (돼지 구워 먹는 데, 속 풀 데), paraphrased needs (차 대기 쉬운,
  창밖으로 바다 보이는), family words (장인 장모님, 초등학생 딸). They were written without
  looking at the parser's word lists: some of them the parser knows, many it does not.
- **Own frames, grouped in families.** Sixteen sentence frames (반말 and 존댓말, situation
  first, search-box keywords, multi-constraint, menu cravings, group counts, occasions,
  romanised, asks for what the graph does not hold, follow-ups). Families, not items, are
  split: ten families are `test`, six are `dev`. Figures are reported on `test` only; `dev`
  is where a word list may be grown.

Conventions of the expected reading (the product's contract, `agent/state.py` `Slots`):
a party of five or more, or a company dinner, needs `group_seating`; an occasion implies its
party when none is named (date and anniversary: 커플, family meal: 부모님; 환갑/칠순: 부모님);
a dish asked for sets `menu` and leaves `category` unscored (a dish may belong to several);
`not_in_graph` holds the label of what is missing (술집, 바, 이자카야, 치킨, 양식, 마라탕,
햄버거, 삼계탕) or the outside place as named. A follow-up's expected reading is the whole
reading after the change.

    .venv/bin/python evals/gold/build_paraphrase_gold.py
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

OUT = Path(__file__).with_name("paraphrase_gold.jsonl")
SEED = 20261204
PER_FAMILY = 16  # items (conversations for follow-up families) per family

# 읍면동 → (city, plain forms, landmarks inside it, romanised, misspelt or spaced forms)
REGIONS: dict[str, tuple[str, list[str], list[str], list[str], list[str]]] = {
    "애월읍": (
        "제주시",
        ["애월", "애월읍"],
        ["곽지", "한담해변", "애월 해안도로"],
        ["Aewol", "aewol"],
        ["애월 읍", "에월"],
    ),
    "한림읍": (
        "제주시",
        ["한림"],
        ["협재해변", "금능", "한림항"],
        ["Hallim", "Hyeopjae"],
        ["한림 읍", "헙재"],
    ),
    "구좌읍": (
        "제주시",
        ["구좌"],
        ["김녕", "평대리", "월정리 해변"],
        ["Gimnyeong", "Gujwa"],
        ["구좌 읍", "월정이"],
    ),
    "조천읍": (
        "제주시",
        ["조천"],
        ["함덕해변", "선흘", "북촌"],
        ["Hamdeok", "Jocheon"],
        ["조천 읍", "햄덕"],
    ),
    "성산읍": (
        "서귀포시",
        ["성산"],
        ["섭지코지", "광치기해변", "성산일출봉"],
        ["Seongsan", "seongsan"],
        ["성산 읍", "성싼"],
    ),
    "표선면": ("서귀포시", ["표선"], ["표선해변", "가시리"], ["Pyoseon"], ["표선 면", "표썬"]),
    "남원읍": ("서귀포시", ["남원"], ["위미", "태흥리"], ["Namwon", "Wimi"], ["남원 읍", "위미리"]),
    "안덕면": (
        "서귀포시",
        ["안덕"],
        ["사계리", "화순항", "산방산 아래"],
        ["Andeok", "Sagye"],
        ["안덕 면", "싸계"],
    ),
    "대정읍": (
        "서귀포시",
        ["대정"],
        ["모슬포항", "송악산"],
        ["Moseulpo", "Daejeong"],
        ["대정 읍", "모슬뽀"],
    ),
    "한경면": (
        "제주시",
        ["한경"],
        ["고산리", "신창 풍차해안", "저지리"],
        ["Hangyeong"],
        ["한경 면"],
    ),
    "중문동": (
        "서귀포시",
        ["중문"],
        ["중문관광단지", "색달"],
        ["Jungmun", "jungmun"],
        ["중문 동", "중믄"],
    ),
    "연동": ("제주시", ["연동"], ["누웨마루거리"], ["Yeon-dong"], ["연동쪽"]),
    "노형동": ("제주시", ["노형"], ["노형오거리"], ["Nohyeong"], ["노형 동", "노항동"]),
    "이호동": ("제주시", ["이호"], ["이호테우해변"], ["Iho"], ["이호 동"]),
    "용담동": ("제주시", ["용담"], ["용두암", "용연구름다리"], ["Yongdam"], ["용담 동"]),
    "건입동": ("제주시", ["건입동"], ["제주항", "사라봉"], ["Geonip"], ["건입 동"]),
    "우도면": ("제주시", ["우도"], ["우도 하고수동", "우도 천진항"], ["Udo"], ["우도 면"]),
    "대륜동": ("서귀포시", ["대륜동"], ["법환포구"], ["Beophwan"], ["대륜 동"]),
}
CITIES = {"제주시": ["제주시", "제주 시내 쪽"], "서귀포시": ["서귀포시", "서귀포 쪽"]}

# category → (plain, colloquial, misspelt or spaced)
CATEGORIES: dict[str, tuple[list[str], list[str], list[str]]] = {
    "흑돼지": (
        ["흑돼지"],
        ["흑돼지 구이집", "돼지 구워 먹는 데", "근고기집", "흑돼지 고깃집"],
        ["흑돼쥐", "흑 돼지"],
    ),
    "해산물": (
        ["해산물"],
        ["해물 요리집", "해산물 파는 식당", "해물 먹을 곳"],
        ["해산물 집", "해산뮬"],
    ),
    "고기국수": (["고기국수"], ["고기 국수집", "국수 한 그릇 할 데"], ["고기국쑤", "고기 국수"]),
    "갈치조림": (["갈치조림"], ["갈치 요리", "갈치 조림집"], ["갈치졸임", "갈치 조림"]),
    "회": (["횟집"], ["회 먹을 데", "활어회집", "싱싱한 회 뜨는 곳"], ["횟 집", "훼집"]),
    "카페": (["카페"], ["커피 마실 곳", "디저트 카페", "커피 한잔할 데"], ["카패", "까페"]),
    "베이커리": (
        ["베이커리"],
        ["빵 맛있는 집", "빵집", "빵 사러 갈 곳"],
        ["배이커리", "베이 커리"],
    ),
    "한식": (["한식"], ["한정식집", "집밥 같은 식당", "백반 집"], ["한싴", "한식 집"]),
    "분식": (["분식"], ["분식집", "분식 먹을 데", "분식 파는 가게"], ["분싴", "분식 집"]),
    "중식": (["중식"], ["중국 음식점", "중국집", "중화요리"], ["중식 집", "중화 요리"]),
    "일식": (["일식"], ["초밥집", "스시 먹을 곳", "일본 가정식"], ["일싴", "일식 집"]),
    "브런치": (["브런치"], ["브런치 카페", "아점 먹을 데"], ["브런 치", "브런취"]),
    "해장국": (["해장국"], ["해장국집", "속 풀 데", "국밥집"], ["해장 국", "해장꾹"]),
    "전복": (["전복 요리"], ["전복 요리 전문점", "전복 전문점"], ["전복 요리집", "전뽁 요리"]),
    "돈까스": (["돈까스"], ["돈가스 집", "카츠 맛집", "돈카츠"], ["돈까쓰", "돈 까스"]),
}

# dish → forms (dishes whose name is not itself a category word)
MENUS: dict[str, list[str]] = {
    "한치물회": ["한치물회", "한치 물회"],
    "방어회": ["방어회", "대방어회"],
    "고등어회": ["고등어회", "고등어 회"],
    "자리물회": ["자리물회", "자리돔 물회"],
    "성게미역국": ["성게미역국", "성게 미역국"],
    "보말죽": ["보말죽", "보말 죽"],
    "딱새우회": ["딱새우회", "딱새우 회"],
    "해물뚝배기": ["해물뚝배기", "해물 뚝배기"],
    "통갈치구이": ["통갈치구이", "갈치 통구이"],
    "옥돔구이": ["옥돔구이", "옥돔 구이"],
    "전복돌솥밥": ["전복돌솥밥", "전복 돌솥밥"],
    "돔베고기": ["돔베고기", "돔베 고기"],
    "성게비빔밥": ["성게비빔밥", "성게 비빔밥"],
    "카이센동": ["카이센동"],
    "소금빵": ["소금빵"],
    "감귤타르트": ["감귤타르트", "감귤 타르트"],
    "모닥치기": ["모닥치기"],
    "아강발": ["아강발"],
    "접짝뼈국": ["접짝뼈국"],
    "멸치국수": ["멸치국수", "멸치 국수"],
    "에그베네딕트": ["에그베네딕트", "에그 베네딕트"],
    "전복버터구이": ["전복버터구이", "전복 버터구이"],
}

# party → forms (who comes); elders and children take their own verbs
PARTIES: dict[str, list[str]] = {
    "부모님": [
        "부모님",
        "할머니",
        "할아버지",
        "장인 장모님",
        "시부모님",
        "연세 드신 부모님",
        "외할머니",
    ],
    "아이": ["아이", "아기", "다섯 살 아들", "초등학생 딸", "애들", "세 살 아기"],
    "커플": ["여자친구", "남자친구", "와이프", "남편", "애인", "여친"],
    "친구": ["친구들", "대학 동기들", "친구", "고등학교 친구들", "베프"],
    "가족": ["가족", "온 가족", "식구들"],
}
# numbers of people: (size, forms)
SIZES: list[tuple[int, list[str]]] = [
    (2, ["둘이서", "두 명이서", "2명이서"]),
    (3, ["셋이서", "세 명", "3명이서"]),
    (4, ["넷이서", "네 명", "4명"]),
    (6, ["여섯 명", "6명이서", "6인"]),
    (8, ["여덟 명", "8명", "8인"]),
    (10, ["열 명", "10명", "10명 정도"]),
    (12, ["12명", "열두 명"]),
    (20, ["20명", "스무 명"]),
]
GROUP_SIZE = 5  # from here on a table for a group is a must-have

# occasion → (forms, implied party)
OCCASIONS: dict[str, tuple[list[str], str | None]] = {
    "birthday": (["생일", "생신", "생일 파티"], None),
    "anniversary": (["결혼기념일", "기념일", "1주년"], "커플"),
    "date": (["데이트", "소개팅"], "커플"),
    "company_dinner": (["회식", "팀 회식", "송년회"], None),
    "family_meal": (["상견례", "어버이날 식사", "양가 상견례"], "부모님"),
}
ELDER_BIRTHDAYS = ["환갑", "칠순", "팔순"]  # a birthday of an elder: party 부모님

PRICES: dict[str, list[str]] = {
    "cheap": ["저렴한", "가성비 좋은", "싸게 먹을 수 있는", "부담 없는 가격의", "값싼"],
    "expensive": ["고급스러운", "비싸도 제대로 된", "고급진", "좀 비싸도 괜찮은"],
}
MUST_HAVES: dict[str, list[str]] = {
    "parking": ["주차 편한", "주차 걱정 없는", "차 대기 쉬운", "주차장 넓은"],
    "ocean_view": ["바다 보이는", "오션뷰 좋은", "창밖으로 바다 보이는", "바다 전망 좋은"],
    "quiet": ["조용한", "한적한", "시끄럽지 않은", "대화 나누기 좋은"],
    "pet_friendly": ["강아지 데려갈 수 있는", "반려견 동반 되는", "애견 동반 가능한"],
    "kid_friendly": ["아기 의자 있는", "키즈존 있는", "아이 동반 가능한"],
}
# what the graph does not hold: (label, forms)
UNHELD_PLACES: list[tuple[str, list[str]]] = [
    ("술집", ["술집", "포차", "호프집", "술 한잔 할 데"]),
    ("바", ["와인바", "칵테일 바", "위스키 한잔할 바"]),
    ("이자카야", ["이자카야"]),
]
UNHELD_FOOD: list[tuple[str, list[str]]] = [
    ("치킨", ["치킨", "치킨집"]),
    ("양식", ["파스타", "피자", "스테이크"]),
    ("마라탕", ["마라탕"]),
    ("햄버거", ["햄버거", "수제버거"]),
    ("삼계탕", ["삼계탕"]),
]
OUTSIDE = ["서울", "부산", "강릉", "전주", "여수", "속초", "경주"]


# --------------------------------------------------------------------------- Korean


def _batchim(word: str) -> bool:
    """Whether the last syllable has a final consonant (Latin letters: as if not)."""
    ch = word.strip()[-1]
    return "가" <= ch <= "힣" and (ord(ch) - 0xAC00) % 28 != 0


def josa(word: str, pair: str) -> str:
    """word + the right form of a particle pair written "with/without" a final consonant
    ("이/가", "은/는", "을/를", "과/와", "이랑/랑", "이라서/라서", "으로/로")."""
    with_, without = pair.split("/")
    return word + (with_ if _batchim(word) else without)


# --------------------------------------------------------------------------- items

Expected = dict[str, Any]


def blank() -> Expected:
    return {
        "intent": "recommend_place",
        "region": None,
        "city": None,
        "category": None,
        "menu": None,
        "party": None,
        "party_size": None,
        "occasion": None,
        "price": None,
        "must_haves": [],
        "not_in_graph": [],
    }


class Draw:
    """Seeded choices, each returning (surface form, what it means)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.split = "test"  # whose share of the surface forms `forms` draws from

    def pick(self, xs: list[Any]) -> Any:
        return self.rng.choice(xs)

    def forms(self, xs: list[str]) -> list[str]:
        """This split's share of a list of surface forms: of two or more, dev takes the
        1st, 3rd … and test the 2nd, 4th …, so that a word list grown from dev misses
        never learns a test form; a lone form (most often the plain name) is shared."""
        if len(xs) < 2:
            return xs
        return xs[0::2] if self.split == "dev" else xs[1::2]

    def form(self, xs: list[str]) -> str:
        return str(self.pick(self.forms(xs)))

    def region(self, e: Expected, kinds: tuple[str, ...] = ("plain", "landmark")) -> str:
        name = self.pick(list(REGIONS))
        city, plain, landmark, roman, typo = REGIONS[name]
        forms = {"plain": plain, "landmark": landmark, "roman": roman, "typo": typo}
        e["region"], e["city"] = name, city
        return str(self.pick([f for k in kinds for f in self.forms(forms[k])]))

    def city(self, e: Expected) -> str:
        name = self.pick(list(CITIES))
        e["city"] = name
        return self.form(CITIES[name])

    def category(self, e: Expected, kinds: tuple[str, ...] = ("plain", "colloquial")) -> str:
        name = self.pick(list(CATEGORIES))
        plain, colloquial, typo = CATEGORIES[name]
        forms = {"plain": plain, "colloquial": colloquial, "typo": typo}
        e["category"] = name
        return str(self.pick([f for k in kinds for f in self.forms(forms[k])]))

    def menu(self, e: Expected) -> str:
        name = self.pick(list(MENUS))
        e["menu"] = name
        e.pop("category", None)  # a dish may belong to several categories: unscored
        return self.form(MENUS[name])

    def party(self, e: Expected, parties: list[str] | None = None) -> str:
        name = self.pick(parties or list(PARTIES))
        e["party"] = name
        return self.form(PARTIES[name])

    def size(self, e: Expected, minimum: int = 2) -> str:
        n, forms = self.pick([s for s in SIZES if s[0] >= minimum])
        e["party_size"] = n
        if n >= GROUP_SIZE:
            add(e, "group_seating")
        return self.form(forms)

    def occasion(self, e: Expected, occasions: list[str] | None = None) -> str:
        name = self.pick(occasions or list(OCCASIONS))
        forms, implied = OCCASIONS[name]
        e["occasion"] = name
        if implied and not e.get("party"):
            e["party"] = implied
        if name == "company_dinner":
            add(e, "group_seating")
        return self.form(forms)

    def price(self, e: Expected) -> str:
        name = self.pick(list(PRICES))
        e["price"] = name
        return self.form(PRICES[name])

    def must(self, e: Expected, exclude: tuple[str, ...] = ()) -> str:
        name = self.pick([m for m in MUST_HAVES if m not in exclude and m not in e["must_haves"]])
        add(e, name)
        return self.form(MUST_HAVES[name])

    def unheld(self, e: Expected, table: list[tuple[str, list[str]]]) -> str:
        label, forms = self.pick(table)
        e["not_in_graph"] = [*e["not_in_graph"], label]
        return self.form(forms)


def add(e: Expected, must: str) -> None:
    if must not in e["must_haves"]:
        e["must_haves"] = [*e["must_haves"], must]


def with_party(form: str, party: str) -> str:
    """How the party joins the sentence: elders are 모시고, children 데리고, others 랑."""
    if party == "부모님":
        return f"{form} 모시고"
    if party == "아이":
        return f"{form} 데리고"
    return josa(form, "이랑/랑")


Turn = tuple[str, Expected]
Family = Callable[[Draw], list[Turn]]


def f_polite_situation(d: Draw) -> list[Turn]:
    e = blank()
    p = d.party(e)
    r = d.region(e)
    m = d.must(e, exclude=("kid_friendly",))
    c = d.category(e)
    when = d.pick(["다음 달에", "이번 연휴에", "주말에", "내일"])
    return [(f"{when} {with_party(p, e['party'])} 제주 가는데요, {r} 쪽에 {m} {c} 있을까요?", e)]


def f_banmal_short(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e)
    c = d.category(e)
    m = d.must(e, exclude=("kid_friendly",))
    tail = d.pick(["알려줘봐", "아는 데 있음?", "좀 찾아봐", "있냐"])
    return [(f"{r}에서 {c} 먹을 건데 {m} 데 {tail}", e)]


def f_menu_craving(d: Draw) -> list[Turn]:
    e = blank()
    m = d.menu(e)
    r = d.region(e)
    tail = d.pick(["하는 곳 있나요?", "파는 데 있을까요?", "잘하는 집 아세요?"])
    return [(f"갑자기 {josa(m, '이/가')} 너무 먹고 싶네요. {r} 근처에 {tail}", e)]


def f_group_count(d: Draw) -> list[Turn]:
    e = blank()
    s = d.size(e, minimum=GROUP_SIZE)
    r = d.region(e)
    c = d.category(e)
    tail = d.pick(
        ["자리 넉넉한 곳 추천 좀", "한 번에 앉을 수 있는 데 있어?", "예약 가능한 곳 찾아줘"]
    )
    return [(f"{s} {r}에서 {c} 먹으려는데 {tail}", e)]


def f_occasion_price(d: Draw) -> list[Turn]:
    e = blank()
    o = d.occasion(e, ["birthday", "anniversary", "date", "family_meal"])
    r = d.region(e)
    pr = d.price(e)
    c = d.category(e)
    return [(f"{josa(o, '이라서/라서')} {r}에서 {pr} {c} 찾고 있어요", e)]


def f_romanised(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e, kinds=("roman",))
    c = d.category(e, kinds=("plain",))
    tail = d.pick(["근처 {c} 추천해 주세요", "쪽 {c} 어디 가면 돼요?", "에서 {c} 맛집 알려줘"])
    return [(f"{r} " + tail.format(c=c), e)]


def f_unheld_place(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e)
    p = d.party(e, ["친구", "커플"])
    u = d.unheld(e, UNHELD_PLACES)
    return [(f"오늘 밤 {r}에서 {with_party(p, e['party'])} {u} 갈 만한 데 있어?", e)]


def f_typo_spacing(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e, kinds=("typo",))
    c = d.category(e, kinds=("typo",))
    tail = d.pick(["추천 해주세요", "맛집 알려주세여", "어디가 조아요?"])
    return [(f"{r} {c} {tail}", e)]


def f_multi_constraint(d: Draw) -> list[Turn]:
    e = blank()
    p = d.party(e, ["부모님", "가족", "아이"])
    r = d.region(e)
    # a need for children's chairs belongs to a party with children (with 가족 it would
    # make the party ambiguous: 온 가족 + 아이 동반 reads as either)
    skip = ("pet_friendly",) if e["party"] == "아이" else ("pet_friendly", "kid_friendly")
    m1 = d.must(e, exclude=skip)
    m2 = d.must(e, exclude=skip)
    c = d.category(e)
    return [
        (
            f"{with_party(p, e['party'])} {r} 가요. {m1} 곳이면 좋겠고, {m2} {josa(c, '이면/면')} 더 좋아요",
            e,
        )
    ]


def f_followup_change(d: Draw) -> list[Turn]:
    e1 = blank()
    r = d.region(e1)
    c = d.category(e1)
    first = f"{r} {c} 추천해 줄래?"
    e2 = json.loads(json.dumps(e1))
    if d.rng.random() < 0.5:
        m = d.must(e2, exclude=("kid_friendly",))
        lead = d.pick(["음", "그럼", "아니면", "혹시"])
        second = f"{lead} {m} 곳으로 다시 골라줘"
    else:
        e2["region"] = None
        r2 = d.region(e2, kinds=("plain",))
        while e2["region"] == e1["region"]:
            r2 = d.region(e2, kinds=("plain",))
        second = d.pick([f"거기 말고 {r2} 쪽은 어때?", f"{r2} 쪽으로 바꾸면?"])
    return [(first, e1), (second, e2)]


# dev families: where word lists may be grown (never scored as the reported figure)


def f_keyword(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e, kinds=("plain", "landmark", "typo"))
    c = d.category(e)
    m = d.must(e, exclude=("kid_friendly",))
    return [(f"{r} {c} {m}", e)]


def f_outside(d: Draw) -> list[Turn]:
    e = blank()
    place = d.form(OUTSIDE)
    e["not_in_graph"] = [place]
    c = d.category(e, kinds=("plain",))
    tail = d.pick(["맛집 알려줘", "잘하는 식당 추천", "먹으러 갈 데 있어?"])
    return [(f"{place} {c} {tail}", e)]


def f_menu_banmal(d: Draw) -> list[Turn]:
    e = blank()
    r = d.region(e, kinds=("plain", "landmark", "roman"))
    m = d.menu(e)
    return [(f"{r}에 {m} 잘하는 집 있냐", e)]


def f_party_only(d: Draw) -> list[Turn]:
    e = blank()
    p = d.party(e)
    r = d.region(e)
    return [(f"{with_party(p, e['party'])} 가기 좋은 {r} 식당", e)]


def f_unheld_food(d: Draw) -> list[Turn]:
    e = blank()
    where = d.city(e) if d.rng.random() < 0.3 else d.region(e)
    u = d.unheld(e, UNHELD_FOOD)
    return [(f"{where}에 {u} 먹을 데 있어요?", e)]


def f_followup_party(d: Draw) -> list[Turn]:
    e1 = blank()
    r = d.region(e1)
    c = d.category(e1)
    first = f"{r} {c} 괜찮은 데 있어?"
    e2 = json.loads(json.dumps(e1))
    if d.rng.random() < 0.5:
        o = d.occasion(e2, ["birthday", "company_dinner"])
        lead = d.pick(["아 맞다", "참", "그리고"])
        second = f"{lead} {o} 자리라서 그걸로 다시 추천해줘"
    else:
        s = d.size(e2, minimum=GROUP_SIZE)
        lead = d.pick(["아", "참", "근데"])
        second = f"{lead} {s} 갈 거라 다시 찾아줘"
    return [(first, e1), (second, e2)]


FAMILIES: dict[str, tuple[str, Family]] = {
    "polite_situation": ("test", f_polite_situation),
    "banmal_short": ("test", f_banmal_short),
    "menu_craving": ("test", f_menu_craving),
    "group_count": ("test", f_group_count),
    "occasion_price": ("test", f_occasion_price),
    "romanised": ("test", f_romanised),
    "unheld_place": ("test", f_unheld_place),
    "typo_spacing": ("test", f_typo_spacing),
    "multi_constraint": ("test", f_multi_constraint),
    "followup_change": ("test", f_followup_change),
    "keyword": ("dev", f_keyword),
    "outside": ("dev", f_outside),
    "menu_banmal": ("dev", f_menu_banmal),
    "party_only": ("dev", f_party_only),
    "unheld_food": ("dev", f_unheld_food),
    "followup_party": ("dev", f_followup_party),
}


def build(seed: int = SEED, per_family: int = PER_FAMILY) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    draw = Draw(rng)
    items: list[dict[str, Any]] = []
    seen: set[str] = set()
    for family, (split, make) in FAMILIES.items():
        draw.split = split
        made = 0
        tries = 0
        while made < per_family:
            tries += 1
            if tries > 100 * per_family:
                raise RuntimeError(f"{family}: cannot write {per_family} distinct items")
            turns = make(draw)
            if any(q in seen for q, _ in turns):
                continue
            conv = f"pg-{family}-{made:02d}" if len(turns) > 1 else None
            for turn, (question, expected) in enumerate(turns, 1):
                seen.add(question)
                items.append(
                    {
                        "id": f"pg-{family}-{made:02d}" + (f"-t{turn}" if conv else ""),
                        "family": family,
                        "split": split,
                        "conversation": conv,
                        "question": question,
                        "expected": expected,
                    }
                )
            made += 1
    return items


def main() -> None:
    items = build()
    OUT.write_text(
        "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8"
    )
    n_test = sum(i["split"] == "test" for i in items)
    print(f"wrote {OUT}: {len(items)} questions ({n_test} test, {len(items) - n_test} dev)")


if __name__ == "__main__":
    main()
