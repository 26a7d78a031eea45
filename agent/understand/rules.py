"""The gazetteer parser: slots by keyword rules over the vocabulary, and the intent of an
ask (`parse_question`); a follow-up is handed to `refine`."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache

from agent.state import Intent, Slots, Turn
from agent.understand.matching import (
    Match,
    _compact,
    _first,
    _has,
    _has_word,
    _tokens,
    find_all,
    fuzzy_find,
)
from agent.understand.refine import refine, settle_exclusions
from agent.understand.unknown import (
    known_words,
    outside_place,
    place_slip,
    unknown_food,
    unknown_place,
)
from agent.understand.vocabulary import Vocabulary
from recsys_tools.nlu.features import common_noun
from tripgraph.vocab import (
    load_attributes,
    load_people,
)

_COUNT_WORDS = {"한": 1, "두": 2, "세": 3, "네": 4, "다섯": 5, "하나": 1, "둘": 2, "셋": 3, "넷": 4}
# The number must stand alone: '한적한 곳 골라줘' is not "one place".
_COUNT = re.compile(
    r"(?:^|\s)(\d+|한|두|세|네|다섯)\s*(?:곳|군데|개|집)\s*(?:만|정도|추천|골라|알려)"
)
_PRICE_CAP = re.compile(r"(\d+(?:\.\d+)?)?\s*만\s*원\s*(?:이하|아래|미만|까지|안쪽|내|이내)")
# A price band ('3만원대 흑돼지': 30,000-39,999 a person): read as its upper end, and said
# back so ('1인 4만원 이하').
_PRICE_BAND = re.compile(r"(\d{1,2})\s*만\s*원?\s*대(?!기)")
# A cap for the whole party, not per person ('둘이서 총 5만원 이하').
_TOTAL_BUDGET = re.compile(r"총|합쳐|합해서|다 해서|전부 해서|통틀어")
# A cap for N portions or N people's worth ('2인분 5만원 이하', '3인 기준 6만원까지').
_PORTIONS = re.compile(r"(\d{1,2})\s*인\s*(?:분|기준)")
_PRICE_CAP_WON = re.compile(r"(\d{4,6})\s*원\s*(?:이하|아래|미만|까지|안쪽|이내)")
# English: 'under 40000 won', 'below 30,000 KRW', 'less than 25000 won'.
_PRICE_CAP_EN = re.compile(
    r"\b(?:under|below|less than|max|up to)\s+(?:₩\s*)?"
    r"(\d{1,3}(?:,\d{3})+|\d{4,6})\s*(?:won|krw)?\b",
    re.IGNORECASE,
)
# Not \b: Korean particles are word characters ('U000042한테').
_USER_ID = re.compile(r"(?<![A-Za-z0-9])U\d{6}(?![0-9])", re.IGNORECASE)
_PRODUCT_ID = re.compile(r"(?<![A-Za-z0-9])P\d{5}(?![0-9])", re.IGNORECASE)
_CYPHER_START = re.compile(
    r"^\s*(MATCH|OPTIONAL\s+MATCH|CREATE|MERGE|CALL|RETURN|WITH|UNWIND|LOAD\s+CSV|FOREACH|"
    r"DETACH|DELETE|DROP|SET|REMOVE|USE|SHOW|GRANT|DENY|REVOKE|ALTER|START|STOP|TERMINATE|"
    r"ENABLE|RENAME|INSERT)\b",
    re.IGNORECASE,
)

# "1일차", "2일째", "day 3", "첫째 날", "첫날", "둘째날" … start a day of an itinerary.
DAY_MARK = re.compile(
    r"(?:(\d+)\s*(?:일\s*차|일째|번째\s*날|째\s*날)|day\s*(\d+)|"
    r"(첫|둘|셋|넷|다섯)(?:째)?\s*날)",
    re.IGNORECASE,
)


@dataclass
class Parsed:
    intent: Intent
    slots: Slots
    followup: bool = False
    raw_cypher: str | None = None
    signals: list[str] = field(default_factory=list)


def normalise_spelling(question: str, vocab: Vocabulary) -> str:
    """Known misspellings and romanised names replaced by the forms the vocabulary knows
    ('애윌' → '애월', 'Hamdeok' → '함덕'); Latin keys match as whole words, any case."""
    out = question
    for wrong, right in vocab.extra.spelling.items():
        if wrong.isascii():
            out = re.sub(rf"(?<![A-Za-z]){re.escape(wrong)}(?![A-Za-z])", right, out, flags=re.I)
        elif wrong in out:
            out = out.replace(wrong, right)
    return out


def _place_slots(
    text: str, vocab: Vocabulary, slots: Slots, signals: list[str], *, last: bool = False
) -> Match | None:
    """Region (or the region of a POI), else city, named in `text`; `last`: the latest
    named region wins ("애월 말고 협재로"). A place name with one vowel typo is read when
    nothing is named exactly ('서귀표'). Returns the span read, so the other readers can
    leave it alone ('성싼' holds 싼, and is no price)."""
    for word in vocab.extra.place_words.not_names:
        text = text.replace(word, " " * len(word))  # '사계절' is no place; positions kept
    pois = find_all(text, {k: f"{a}|{b}" for k, (a, b) in vocab.pois.items()})
    regions = find_all(text, vocab.regions)
    read: Match | None = None
    either = _either_places(text, regions, pois, vocab)
    if either is not None:  # '애월이나 한림 카페': both searched together, as a side is
        slots.area, slots.area_regions = either.canonical, either.canonical.split("·")
        slots.city = None
        signals.append("area")
        return either
    if regions:
        read = regions[-1] if last else _where_asked(text, regions, vocab)
        slots.region = read.canonical
    elif pois:
        read = pois[0]
        poi, region = read.canonical.split("|")
        slots.region, slots.poi = region, poi
    else:
        # Spelt as heard or with a vowel slip ('에월에서', '헙재 해변', '노헝동'): also when
        # a city is named, as the 읍면동 is the narrower place.
        named = {**vocab.poi_regions, **vocab.regions}
        read = fuzzy_find(text, named, marks=_place_marks(vocab), known=known_words(vocab))
        if read is not None and _inside_a_noun(text, read):
            read = None  # '고사리 육개장': 고사 + 리 is bracken, not 고산리
        if read is not None:
            slots.region = read.canonical
    if slots.region:
        slots.city = vocab.region_city.get(slots.region)
        signals.append("region")
        return read
    cities = find_all(text, vocab.cities)
    read = cities[0] if cities else fuzzy_find(text, vocab.cities)
    if read is not None:
        slots.city = read.canonical
        signals.append("city")
        return read
    for area in vocab.extra.areas:  # '제주 동쪽': its 읍면동 together
        if _has(text, area.words):
            slots.area, slots.area_regions = area.label, list(area.regions)
            signals.append("area")
            break
    return None


def _inside_a_noun(text: str, read: Match) -> bool:
    """Whether a slip read at the start of a word is part of a longer common noun there."""
    word = text[read.start :].split(maxsplit=1)[0]
    return len(word) > read.end - read.start and common_noun(word)


def _either_places(
    text: str, regions: list[Match], pois: list[Match], vocab: Vocabulary
) -> Match | None:
    """Two or more places named as alternatives ('애월이나 한림', '애월이랑 한림 중에',
    'Aewol or Hallim'), with an either-word between: one span whose canonical name is
    their 읍면동 joined by '·' (None unless there are two different ones)."""
    named = [*regions, *(Match(m.canonical.split("|")[1], m.surface, m.start, m.end) for m in pois)]
    named.sort(key=lambda m: (m.start, m.start - m.end))  # at one start, the longest first
    gap = _joiner_gap(vocab.extra.category_either)
    run = named[:1]
    for m in named[1:]:
        if m.start < run[-1].end:
            continue
        between = text[run[-1].end : m.start].lower()
        if not between.strip() or not gap.fullmatch(between):
            break  # a space alone is no 'or' ('성산 우도 흑돼지' is at 성산: `_where_asked`)
        run.append(m)
    places = list(dict.fromkeys(m.canonical for m in run))
    if len(places) < 2:
        return None
    return Match("·".join(places), text[run[0].start : run[-1].end], run[0].start, run[-1].end)


def _place_marks(vocab: Vocabulary) -> tuple[str, ...]:
    """What may follow a place name: a postposition or a place ending ('에서', '쪽', '해변',
    '읍'); a short name read by its sound must be followed by one."""
    words = vocab.extra.place_words
    return (*words.before, *words.suffixes, "읍", "면", "동")


def _where_asked(text: str, regions: list[Match], vocab: Vocabulary) -> Match:
    """Of several places named, the one the ask is at: the first whose word ends in a place
    postposition or is followed by one ('우도 들어가기 전에 성산항 근처에서' asks at 성산),
    else the first named."""
    if len(regions) > 1:
        before = vocab.extra.place_words.before
        for m in sorted(regions, key=lambda r: r.start):
            rest = text[m.end :]
            glued = bool(rest) and not rest[0].isspace()  # its word goes on: '성산항', '함덕에서'
            tokens = rest.split()
            word_tail = tokens[0] if glued and tokens else ""
            nxt = 1 if glued else 0
            following = tokens[nxt] if len(tokens) > nxt else ""
            if any(word_tail.endswith(b) or following.startswith(b) for b in before):
                return m
    return regions[0]


def _food_slots(text: str, vocab: Vocabulary, slots: Slots, signals: list[str]) -> None:
    """Category and menu named in `text`, and what the graph does not hold.

    A dish the graph's Menu nodes name narrows the search (SERVES). When the dish is also a
    category's alias ('전복죽' → 전복, '짬뽕' → 중식) both are read: the category is what a
    local would call the place, the menu what must be on it (relaxation may then keep the
    menu and drop the category). A dish that *is* a category's name (고기국수) stays the
    category. Words for what the graph holds nothing of (술집, 돼지국밥) are recorded in
    `not_in_graph`, their span hidden from the other tables ('국밥' in 돼지국밥 is not 해장국),
    and their nearest categories become `stand_ins` when no held category is named."""
    masked = text
    stand_ins: list[str] = []
    low = text.lower()
    hits: list[tuple[int, str, tuple[str, ...], str]] = []
    for u in vocab.extra.unheld:
        for w in sorted(u.words, key=len, reverse=True):
            wl = w.lower()
            pos = low.find(wl)
            if pos >= 0 and (len(w) > 1 or w in _tokens(text)):
                hits.append((pos, u.label, u.nearest, wl))
                break
    wishes = {u.label for u in vocab.extra.unheld if u.kind == "attribute"}
    food = [h for h in sorted(hits) if h[1] not in wishes]
    for pos, label, nearest, w in sorted(hits):
        # The first food named is the ask ('와인 한잔할 곳' is a bar, not also a pub); a
        # wish no property records (opening hours) is said as well, and stands in for nothing.
        if label in wishes or (food and (pos, label, nearest, w) == food[0]):
            slots.not_in_graph.append(label)
            stand_ins = stand_ins or list(nearest)
        masked = masked[:pos] + " " * len(w) + masked[pos + len(w) :]
    if food:
        signals.append("unheld")
    cats = find_all(masked, vocab.categories)
    menus = find_all(masked, vocab.menus)
    if not cats and not menus:
        # Spelt as heard ('돈가스', '고기국쑤', '갈치졸임', '카패'): food words are distinct
        # enough to read from two syllables on.
        heard = fuzzy_find(masked, vocab.categories, min_len=2) or fuzzy_find(
            masked, vocab.menus, min_len=2
        )
        if heard is not None:
            (cats if heard.canonical in vocab.categories.values() else menus).append(heard)
    if not cats and not menus and (meat := _MEAT.search(masked)):
        # '고기' as a word of its own is the 흑돼지 a local means ('아 그럼 고기는?'); inside
        # a word it is not (물고기, 닭고기, 소고기)
        cats.append(Match("흑돼지", "고기", meat.start(1), meat.end(1)))
    # A category word starting inside a dish name ('국수' in 칼국수, '국수 맛집') names the
    # place only where the places serving that dish are of that kind (흑돼지 in 흑돼지
    # 오겹살, not 고기국수 in 보말칼국수, which 한식 places serve).
    cats = [
        c
        for c in cats
        if not any(
            m.start <= c.start < m.end
            and (c.start, c.end) != (m.start, m.end)
            and c.canonical not in vocab.menu_categories.get(m.canonical, ())
            for m in menus
        )
    ]
    names = set(vocab.categories.values())
    dish = next((m for m in menus if m.canonical not in names), None)
    if dish is not None:
        slots.menu = dish.canonical
        signals.append("menu")
    either = _either(text, cats, vocab)
    # A dish alias naming a category ('hairtail stew' = 갈치조림) is that category.
    cat = next((c for c in cats), None) or next(
        (m for m in menus if m.canonical in names and not (dish and m.overlaps(dish))), None
    )
    if either:
        slots.stand_ins = either
        signals.append("category")
    elif cat is not None:
        slots.category = cat.canonical
        signals.append("category")
    elif stand_ins:
        slots.stand_ins = stand_ins


def _meal_kind(text: str, vocab: Vocabulary, slots: Slots, signals: list[str]) -> None:
    """A kind of meal and no food named ('성산항 근처 아침 먹을 데', '국물 있는 걸로'): the
    kinds of place a local names for it are searched instead of any place at all."""
    for mt in vocab.extra.meal_kinds:
        if _has_word(text, mt.words):
            slots.meal_kind, slots.stand_ins = mt.key, list(mt.kinds)
            signals.append("meal_kind")
            return


def _either(text: str, cats: list[Match], vocab: Vocabulary) -> list[str]:
    """The kinds of place an ask names as alternatives ('돈까스나 분식', '회 아니면 초밥'):
    two or more categories in a row with only an either-word between ([] otherwise)."""
    gap = _joiner_gap(vocab.extra.category_either)
    run = sorted(cats, key=lambda m: m.start)[:1]
    for m in sorted(cats, key=lambda m: m.start)[1:]:
        if not gap.fullmatch(text[run[-1].end : m.start].lower()):
            break
        run.append(m)
    kinds = list(dict.fromkeys(m.canonical for m in run))
    return kinds if len(kinds) > 1 else []


def _without_unneeded(text: str, markers: tuple[str, ...]) -> str:
    """`text` with the word before a not-needed marker blanked, marker and all ('주차 안
    돼도 괜찮아' → '          괜찮아'): what the ask says it can do without is no must-have."""
    alt = "|".join(sorted(map(re.escape, markers), key=len, reverse=True))
    return re.sub(rf"\S+\s*(?:{alt})", lambda m: " " * len(m.group()), text)


def _profile_slots(text: str, vocab: Vocabulary, slots: Slots, signals: list[str]) -> None:
    """Party, party size, occasion, age band, must-haves and price wish from the words in
    `text` (the words of `tripgraph.vocab` joined with `understanding.toml`)."""
    extra = vocab.extra
    people, attributes = load_people(), load_attributes()
    party_text = text
    for word in extra.party_not_inside:
        party_text = re.sub(re.escape(word), " " * len(word), party_text, flags=re.I)
    # '1인 3만원', '1인당', '2인분' price or portion, not a party ('4명 1인 3만원' is no solo)
    party_text = _PER_HEAD.sub(lambda m: " " * len(m.group()), party_text)
    for party in extra.party_order:
        words = (*people.party_words.get(party, ()), *extra.party_words.get(party, ()))  # type: ignore[call-overload]
        if _has_word(party_text, words):
            slots.party = party
            signals.append("party")
            break
    size = party_size(text, vocab)
    if size is not None:
        slots.party_size = size
        signals.append("party_size")
    for occ in extra.occasions:
        if _has_word(text, occ.words):
            slots.occasion = occ.key
            signals.append("occasion")
            if slots.party is None and occ.party:
                slots.party = occ.party
            for need in occ.needs:
                if need not in slots.must_haves:
                    slots.must_haves.append(need)
                    signals.append("must_have")
            break
    if _has(text, extra.locals_words):
        slots.locals = True
        signals.append("locals")
    for band, words in people.age_words.items():
        if _has(text, words):
            slots.age_band = band
            signals.append("age")
            break
    wants = _without_unneeded(text, extra.not_needed)  # for must-haves only: '비싸도 상관없'
    for attr, gz_words in attributes.words.items():
        own = extra.attribute_words.get(attr, ())
        if attr in extra.attribute_cues:
            # '키즈' names a party *and* a need; '아이랑' alone is the party, not a must-have.
            cues = extra.attribute_cues[attr]
            if attr == "group_seating":
                cues = (*cues, *extra.group_words)
            if not _has(wants, (*cues, *own)):
                continue
        if _has_word(wants, (*gz_words, *own)) and attr not in slots.must_haves:
            slots.must_haves.append(attr)
            signals.append("must_have")
    if (
        slots.party_size is not None
        and slots.party_size >= extra.group_min_size
        and "group_seating" not in slots.must_haves
    ):
        # A table for eight is a must-have, whether or not the ask says 단체.
        slots.must_haves.append("group_seating")
        signals.append("must_have")
    if _has(text, (*attributes.price_words["cheap"], *extra.price_words.get("cheap", ()))):
        slots.price = "cheap"
        signals.append("price")
    elif _has(
        text, (*attributes.price_words["expensive"], *extra.price_words.get("expensive", ()))
    ):
        slots.price = "expensive"
        signals.append("price")


# '고기' as a word of its own ('고기는?'), not inside one (물고기, 닭고기).
_MEAT = re.compile(r"(?:^|\s)(고기)(?=[는도로요가나랑]|\s|$|[?!.])")
# A no-kids zone, and one said not to be wanted ('노키즈존 아닌').
_NO_KIDS = re.compile(r"노\s?키즈\s?존|no[- ]kids?[- ]zone|adults[- ]only", re.IGNORECASE)
_NO_KIDS_NOT = re.compile(r"노\s?키즈\s?존\s*(?:이\s*)?(?:아닌|아니|말고|빼고|제외)")
NO_KIDS_LABEL = "노키즈존 여부"  # an `[[unheld]]` attribute of understanding.toml
# 'N인' is a party unless a price or a portion follows it ('1인 2만원', '2인분', '1인당').
_PER_HEAD = re.compile(r"\d{1,2}\s*인(?=\s*(?:분|당|기준|\d))")
_SIZE_DIGITS = re.compile(r"(\d{1,3})\s*(?:명|사람)|(\d{1,2})\s*인(?!\s*(?:분|당|기준|\d))")


# English asks ('Hallim black pork for 4 people', 'Aewol seafood for two', 'party of 6'):
# a number before people words, after 'party of', or after 'for' unless a unit of time or
# money follows ('for 2 nights', 'for 30000 won' are not a party).
_EN_NUMBERS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6,
    "seven": 7, "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12,
    "fifteen": 15, "twenty": 20,
}  # fmt: skip
_EN_N = r"(\d{1,2}|" + "|".join(_EN_NUMBERS) + ")"
_PEOPLE_EN = r"(?:people|persons|adults|pax|of us|guests)"
_SIZE_EN = re.compile(
    rf"\b{_EN_N}\s+{_PEOPLE_EN}\b"
    rf"|\b(?:for|table for)\s+{_EN_N}\b"
    r"(?!\s*(?:nights?|days?|hours?|weeks?|months?|years?|won|krw|만|,\d))"
    rf"|\bparty of\s+{_EN_N}\b",
    re.IGNORECASE,
)


def party_size(text: str, vocab: Vocabulary) -> int | None:
    """How many people the ask is for: '8명', '4인 가족', '여덟 명', '넷이서', 'for 4
    people', 'for two'; None when no number of people is said ('1인 2만원' is a price per
    person, not a party)."""
    if m := _SIZE_DIGITS.search(text):
        n = int(m.group(1) or m.group(2))
        return n if n > 0 else None
    if m := _SIZE_EN.search(text):
        word = next(g for g in m.groups() if g).lower()
        n = int(word) if word.isdigit() else _EN_NUMBERS[word]
        return n if n > 0 else None
    words = "|".join(sorted(map(re.escape, vocab.extra.number_words), key=len, reverse=True))
    if m := re.search(rf"(?:^|\s)({words})\s*(?:명|사람|이서)", text):
        return vocab.extra.number_words[m.group(1)]
    if m := re.search(r"(?:^|\s)(?:단)?(둘|셋|넷)이(?=\s|$)", text):  # '둘이 먹을', '단둘이'
        return vocab.extra.number_words[m.group(1)]
    return None


_ROUTE = re.compile(r"\d{1,2}\s*코스")

_JEJU_NAMES = ("제주", "제주도", "제주시", "서귀포", "서귀포시")


def _generic_name(name: str, vocab: Vocabulary) -> bool:
    """A business name made only of a place and a kind of food ('애월 카페', '제주 흑돼지'):
    in a question those words are the place and the food, not the business."""
    rest = name
    for table in (vocab.regions, vocab.cities, vocab.categories):
        for m in find_all(rest, table):
            rest = rest[: m.start] + " " * (m.end - m.start) + rest[m.end :]
    return not _compact(rest)


def _rule_slots(q: str, vocab: Vocabulary, slots: Slots, signals: list[str]) -> None:
    """Slots no entity label covers (ids, price caps, pick count, merchant names, product
    city and type): read by patterns from the whole question on every path."""
    if m := _PRICE_CAP.search(q):
        man = float(m.group(1)) if m.group(1) else 1.0
        slots.max_avg_price = int(man * 10_000)
        signals.append("price_cap")
    elif m := _PRICE_CAP_WON.search(q):
        slots.max_avg_price = int(m.group(1))
    elif m := _PRICE_CAP_EN.search(q):
        slots.max_avg_price = int(m.group(1).replace(",", ""))
        signals.append("price_cap")
    elif m := _PRICE_BAND.search(q):
        slots.max_avg_price = (int(m.group(1)) + 1) * 10_000
        signals.append("price_cap")
    # The graph holds spend per person: a cap for the whole party or for N portions is
    # divided (the answer says the cap back per person).
    portions = _PORTIONS.search(q)
    if slots.max_avg_price and portions and int(portions.group(1)) > 1:
        slots.max_avg_price //= int(portions.group(1))
    elif slots.max_avg_price and (slots.party_size or 1) > 1 and _TOTAL_BUDGET.search(q):
        slots.max_avg_price //= slots.party_size or 1
    if m := _COUNT.search(q):
        raw = m.group(1)
        n = int(raw) if raw.isdigit() else _COUNT_WORDS.get(raw, 3)
        slots.count = max(1, min(5, n))
    if m := _USER_ID.search(q):
        slots.user_id = m.group(0).upper()
    if m := _PRODUCT_ID.search(q):
        slots.product_id = m.group(0).upper()
    compact = _compact(q)
    # '성산 횟집 메뉴 뭐 있어?' asks about the business of that name; '성산 횟집 추천' does not
    one_business = _has(q, vocab.extra.intent_words.merchant_facts)
    for key in sorted(vocab.merchants, key=len, reverse=True):
        name = vocab.merchants[key]
        if len(key) >= 3 and key in compact and (one_business or not _generic_name(name, vocab)):
            # Spelt as the ask spells it, where two businesses differ only by a space.
            spelt = [n for n in vocab.merchant_spellings.get(key, ()) if n.lower() in q.lower()]
            slots.merchant_name = spelt[0] if spelt else name
            signals.append("merchant")
            break
    pcity = _first(q, {k: v for k, v in vocab.product_cities.items() if len(k) >= 2})
    if pcity and not slots.region and not slots.city:
        slots.product_city = pcity
        signals.append("product_city")
    for ptype, words in vocab.extra.product_types.items():
        if _has(q, words):
            slots.product_type = ptype
            break


@dataclass
class Exclusions:
    """What an ask rules out: the foods named right before an exclusion word, and the text
    with those foods and their words blanked (positions kept) for the other readers."""

    text: str
    categories: list[str] = field(default_factory=list)
    menus: list[str] = field(default_factory=list)


@cache
def _joiner_gap(joiners: tuple[str, ...]) -> re.Pattern[str]:
    alt = "|".join(sorted(map(re.escape, joiners), key=len, reverse=True))
    return re.compile(rf"(?:\s|{alt})*")


def exclusions(text: str, vocab: Vocabulary) -> Exclusions:
    """The foods the ask rules out ('흑돼지 말고 다른 거', '회 안 먹는 부모님', '회나 초밥은
    빼고'): each category or dish followed by an exclusion word with only joiners between,
    chained backwards over joiners. A place before '말고' ('애월 말고 협재') is left alone:
    that is a place moved away from, read by `_place_slots`."""
    words = vocab.extra.exclusion_words
    gap = _joiner_gap(words.joiners)
    foods = sorted(
        [*find_all(text, vocab.categories), *find_all(text, vocab.menus)], key=lambda m: m.start
    )
    low = text.lower()
    out = Exclusions(text)
    taken: list[Match] = []
    for word in sorted(words.after, key=len, reverse=True):
        start = 0
        while (pos := low.find(word, start)) >= 0:
            start = pos + len(word)
            if out.text[pos : pos + len(word)] != text[pos : pos + len(word)]:
                continue  # inside a longer word already read ('말고는' before '말고')
            end, chain = pos, list[Match]()
            for m in reversed([f for f in foods if f.end <= pos]):
                if not gap.fullmatch(text[m.end : end]):
                    break
                if not any(m.overlaps(t) for t in chain):
                    chain.append(m)
                end = m.start
            if not chain:
                continue
            for m in chain:
                kind = out.categories if m.canonical in vocab.categories.values() else out.menus
                if m.canonical not in kind:
                    kind.append(m.canonical)
                taken.append(m)
            out.text = out.text[:pos] + " " * len(word) + out.text[pos + len(word) :]
    for m in taken:
        out.text = out.text[: m.start] + " " * (m.end - m.start) + out.text[m.end :]
    return out


def exclusion_slots(q: str, vocab: Vocabulary, slots: Slots, signals: list[str]) -> str:
    """What `q` rules out and whether it asks for a meal, into `slots`; returns `q` with
    the ruled-out foods and their words blanked, for the readers of what is wanted."""
    ruled_out = exclusions(q, vocab)
    if ruled_out.categories or ruled_out.menus:
        slots.exclude_categories, slots.exclude_menus = ruled_out.categories, ruled_out.menus
        signals.append("exclusion")
    slots.meal = _has(q, vocab.extra.exclusion_words.meal)
    return ruled_out.text


# A place ruled out by the words around it: '애월 빼고', '애월은 제외하고' (말고 is read by
# `extract_slots`: a place after it is the one asked), 'not in Aewol', 'except Aewol'.
_RULED_OUT_AFTER = re.compile(r"\s*(?:은|는|이랑|쪽은)?\s*(?:빼고|제외하고|제외|말곤)")
_RULED_OUT_BEFORE = re.compile(
    r"(?:\bnot (?:in|at|near)|\bexcept(?: in)?|\bother than|\banywhere but|\bapart from"
    r"|\baway from|\bavoid(?:ing)?|\boutside(?: of)?)\s*$",
    re.IGNORECASE,
)


def _places_ruled_out(text: str, vocab: Vocabulary) -> tuple[str, list[str]]:
    """`text` with the places it rules out blanked (lengths kept), and their regions."""
    regions: list[str] = []
    named = [*find_all(text, vocab.regions), *find_all(text, vocab.poi_regions)]
    for m in sorted(named, key=lambda m: m.start):
        if _RULED_OUT_AFTER.match(text, m.end) or _RULED_OUT_BEFORE.search(text[: m.start]):
            regions.append(m.canonical)
            text = _blank(text, m.start, m.end)
    return text, regions


def _blank(text: str, start: int, end: int) -> str:
    return text[:start] + " " * (end - start) + text[end:]


def _regions_named(text: str, vocab: Vocabulary, slots: Slots) -> list[str]:
    """The regions (of the POIs) named in `text`, other than the one asked."""
    named = [m.canonical for t in (vocab.regions, vocab.poi_regions) for m in find_all(text, t)]
    return [r for r in dict.fromkeys(named) if r != slots.region]


def _without_unheld_wishes(text: str, vocab: Vocabulary) -> str:
    """`text` with the words of wishes no Merchant property records blanked (lengths kept)."""
    low = text.lower()
    for u in vocab.extra.unheld:
        if u.kind != "attribute":
            continue
        for w in sorted(u.words, key=len, reverse=True):
            pos = low.find(w.lower())
            if pos >= 0:
                text = text[:pos] + " " * len(w) + text[pos + len(w) :]
                low = text.lower()
    return text


def extract_slots(question: str, vocab: Vocabulary) -> tuple[Slots, list[str]]:
    """Slots present in this question alone, and which signals fired."""
    q = question
    signals: list[str] = []
    slots = Slots()
    text = exclusion_slots(q, vocab, slots, signals)
    # "애월 말고 협재로": a place before a '말고' left after the foods is the place the
    # user moves away from; the food is read from the whole ask. A wish no property
    # records names no place ('한라산 보이는 카페' is a view, not 서홍동).
    place_text, ruled_out = _places_ruled_out(_without_unheld_wishes(text, vocab), vocab)
    moved = "말고" in place_text
    head = place_text.split("말고", 1)[1] if moved else place_text
    place = _place_slots(head, vocab, slots, signals, last=moved)
    if moved:  # '애월 말고 카페': no pick in 애월 (before: read as 애월, the opposite)
        ruled_out += _regions_named(place_text.split("말고", 1)[0], vocab, slots)
    slots.exclude_regions = [r for r in dict.fromkeys(ruled_out) if r != slots.region]
    if slots.exclude_regions:
        signals.append("exclusion")
    profile_text = q
    if place is not None:  # the words of a place are not wishes ('성싼' holds 싼)
        at = len(text) - len(head)  # blanking keeps lengths: offsets carry over to q
        start, end = at + place.start, at + place.end
        profile_text = q[:start] + " " * (end - start) + q[end:]
    _food_slots(text, vocab, slots, signals)
    if not ({"category", "menu", "unheld"} & set(signals) or slots.stand_ins):
        # A dish no table holds ('닭갈비 먹고 싶은데'): said in the answer, never dropped
        # silently; it is a meal, so no cafe is picked, unless a cafe may sell it ('오메기떡').
        slots.unknown_food = unknown_food(text, vocab)
        if slots.unknown_food:
            sweet = slots.unknown_food.endswith(vocab.extra.food_words.sweet_endings)
            slots.meal = slots.meal or not sweet
            if sweet and not slots.meal:  # '오메기떡 파는 곳': where such things are sold
                slots.stand_ins = list(vocab.extra.food_words.sweet_kinds)
            signals.append("unknown_food")
        else:
            _meal_kind(text, vocab, slots, signals)
    if _NO_KIDS_NOT.search(q):  # '노키즈존 아닌 카페': a kid-friendly ask, read as one
        slots.not_in_graph = [x for x in slots.not_in_graph if x != NO_KIDS_LABEL]
    elif no_kids := _NO_KIDS.search(profile_text):
        # '노키즈존 카페' asks for a place without children (said not checked, as an unheld
        # wish): no party, no kid-friendly need (before: 키즈 inside it made both)
        profile_text = _blank(profile_text, no_kids.start(), no_kids.end())
    _profile_slots(profile_text, vocab, slots, signals)
    _rule_slots(q, vocab, slots, signals)
    settle_exclusions(slots, vocab)
    return slots, signals


def parse_question(question: str, vocab: Vocabulary, previous: Turn | None = None) -> Parsed:
    """Intent + slots of a question; a follow-up refines the previous turn's slots."""
    q = question.strip()
    if _CYPHER_START.match(q):
        return Parsed("graph_question", Slots(), raw_cypher=q, signals=["raw_cypher"])
    q = normalise_spelling(q, vocab)
    slots, signals = extract_slots(q, vocab)
    outside = outside_place(q, vocab, slots)
    if outside is not None and (
        {"category", "menu", "unheld"} & set(signals) or _has(q, vocab.extra.outside_dining_words)
    ):
        signals.append("outside")
    else:
        outside = None

    domain = {
        "region",
        "city",
        "area",
        "category",
        "menu",
        "merchant",
        "product_city",
        "unheld",
        "outside",
        "exclusion",
    } & set(signals)
    iw, fw = vocab.extra.intent_words, vocab.extra.followup_words
    if _has(q, iw.graph) and (domain or any(w in q for w in iw.graph_subjects)):
        return Parsed("graph_question", slots, signals=signals)
    if _has(q, iw.viewed) or (slots.product_id and "같이" in q):
        return Parsed("viewed_together", slots, signals=signals)
    # An itinerary asks for a package too ('일정에 맞는 패키지 추천'): checked first. A
    # numbered 코스 is a trail route, a place ('올레 7코스 근처 점심'), not a plan.
    plan = _ROUTE.sub(" ", q)
    if _has(plan, iw.itinerary) and any(w in plan for w in iw.itinerary_asks):
        return Parsed("itinerary", slots, signals=signals)
    if _has(q, iw.product) or (slots.user_id and "추천" in q):
        return Parsed("recommend_products", slots, signals=signals)
    if _has(q, iw.mapping):
        return Parsed("place_mapping", slots, signals=signals)

    # Only a dining ask can be answered "from all of Jeju" (tool asks name places of their own),
    # and only when no place outside Jeju is named ('오사카 도톤보리' is a trip, not a 리).
    abroad = slots.product_city not in (None, *_JEJU_NAMES)
    if not (slots.place or outside or abroad):
        slots.unknown_place = unknown_place(q, vocab)
        if slots.unknown_place:
            signals.append("unknown_place")
    is_followup = (
        previous is not None
        and previous.intent == "recommend_place"
        and (
            _has(q, fw.markers)
            or _has(q, fw.cheaper)
            or not ({"region", "category", "menu", "unheld"} & set(signals))
            # A new food and no place ('카페도 알려줘', '분식으로 갈래'): the same place
            # as the last turn, as in a conversation.
            or (
                bool({"category", "menu", "unheld"} & set(signals))
                and not {"region", "city", "area", "unknown_place"} & set(signals)
                and outside is None
            )
        )
    )
    if is_followup and previous is not None and not _has(q, iw.offtopic):
        return Parsed(
            "recommend_place",
            refine(previous, slots, signals, q, vocab),
            followup=True,
            signals=[*signals, "followup"],
        )

    # A meal word is an ask for food too ('아이 먹일 수 있는 식당' had been out of scope).
    food = (
        _has(q, iw.recommend)
        or slots.meal
        or bool({"category", "menu", "unheld", "exclusion", "unknown_food"} & set(signals))
    )
    if food and _has(q, vocab.extra.outside_dining_words):
        signals.append("dining")  # '제주 맛집 추천해줘': a dining ask, from all of Jeju
    wish = {"party", "must_have", "price", "locals", "unknown_place", "unknown_food", "dining"}
    if _has(q, iw.offtopic) or not (domain or (food and wish & set(signals))):
        return Parsed("out_of_scope", slots, signals=signals)
    if not (
        {
            "region",
            "city",
            "area",
            "category",
            "menu",
            "party",
            "must_have",
            "unheld",
            "outside",
            "unknown_place",
            "unknown_food",
            "dining",
            "exclusion",
        }
        & set(signals)
    ):
        return Parsed("out_of_scope", slots, signals=signals)
    if not (slots.place or slots.unknown_place or slots.exclude_regions or outside or abroad):
        # A new ask only: in a follow-up the word would move the ask away from its place.
        slip = place_slip(q, vocab)
        if slip is not None and slip.unknown:
            # No Korean word: a slip of the place ('중믄 돈까스'), read so and said so.
            slots.region, slots.place_read = slip.region, slip.word
            slots.city = vocab.region_city.get(slip.region)
            signals += ["region", "place_slip_read"]
        elif slip is not None:
            slots.unknown_place, slots.place_guess = slip.word, slip.name
            signals.append("place_slip")
    if outside is not None:
        # The graph's merchants are all in Jeju: say so, and answer for Jeju.
        slots.not_in_graph.insert(0, outside)
        slots.product_city = None
    return Parsed("recommend_place", slots, signals=signals)
