"""What an ask names that the vocabulary does not hold: a Jeju place it has no name for
('금능에서'), a place outside Jeju ('부산'), a dish no table lists ('닭갈비 먹고 싶은데'). The
agent cannot narrow to such a word, so the answer says so instead of answering as if it had."""

from __future__ import annotations

import re
from functools import cache
from typing import NamedTuple

from agent.state import Slots
from agent.understand.matching import _compact, find_all, fuzzy_find
from agent.understand.vocabulary import Vocabulary
from recsys_tools.nlu.features import common_noun
from tripgraph.vocab import load_attributes, load_jeju, load_people


def known_words(vocab: Vocabulary) -> frozenset[str]:
    """Words a place-name slip must not be: places outside Jeju, food, must-have and party
    words, and the everyday words `[place] not_places` lists ('주차' sounds like 추자)."""
    tables = (vocab.outside, vocab.product_cities, vocab.categories, vocab.menus)
    extra = vocab.extra
    words = [
        *(w for t in tables for w in t),
        *(w for ws in load_attributes().words.values() for w in ws),
        *(w for ws in extra.attribute_words.values() for w in ws),
        *(w for ws in load_people().party_words.values() for w in ws),
        *(w for ws in extra.party_words.values() for w in ws),
        *extra.place_words.not_places,
    ]
    return frozenset(_compact(w.lower()) for w in words)


@cache
def _place_patterns(
    before: tuple[str, ...], suffixes: tuple[str, ...]
) -> tuple[re.Pattern[str], ...]:
    """A word right before a place postposition ('금능에서', '용연구름다리 쪽'), and a word
    that ends like a Jeju place name ('광치기해변', '평대리'); from `understanding.toml`."""

    def alt(words: tuple[str, ...]) -> str:
        return "|".join(sorted(map(re.escape, words), key=len, reverse=True))

    return (
        re.compile(rf"([가-힣A-Za-z][가-힣A-Za-z0-9]{{1,14}})\s*(?:{alt(before)})"),
        re.compile(rf"(?:^|\s)([가-힣]{{1,12}}(?:{alt(suffixes)}))(?=\s|$|에|의|쪽)"),
    )


def unknown_place(text: str, vocab: Vocabulary) -> str | None:
    """A place the ask names that no table of the vocabulary holds ('금능에서 카페' when
    금능 is not a known name): the agent cannot narrow to it, and the answer must say so
    instead of answering from anywhere as if it had."""
    words = vocab.extra.place_words
    pois = dict.fromkeys(vocab.pois, "")
    tables = (vocab.categories, vocab.menus, vocab.regions, vocab.cities, pois)
    for pattern in _place_patterns(words.before, words.suffixes):
        for m in pattern.finditer(text):
            word = m.group(1)
            if word.lower() in words.not_places or (word.isascii() and len(word) <= 3):
                continue  # not a place, or an acronym ('DB에서')
            if common_noun(word):
                continue  # a word Korean has that ends like a place ('고사리', not 고사 + 리)
            if any(find_all(word, table) for table in tables):
                continue  # a known name, or a word holding one ('흑돼지집 근처')
            if any(fuzzy_find(word, t, min_len=2) for t in (vocab.categories, vocab.menus)):
                continue  # a food word misspelt ('배이커리')
            return word
    return None


class PlaceSlip(NamedTuple):
    word: str  # as written ('중믄')
    name: str  # the place name it is one jamo off ('중문')
    region: str  # that name's 읍면동 (중문동)
    unknown: bool  # not a Korean word at all: safe to read as the place


def place_slip(text: str, vocab: Vocabulary) -> PlaceSlip | None:
    """A word one jamo off a two-syllable Jeju place name, where no place is read ('애워
    흑돼지', '중믄 카페'). Such a slip is often an ordinary word ('대형' is one jamo from 대평,
    '신상' from 신창), so it is read as the place only when kiwipiepy's dictionary does not
    know the word (`unknown`), and the answer says how it was read; else the answer asks
    back. The everyday words found so are also in `[place] not_places`."""
    from recsys_tools.nlu.features import unknown_word

    named = {**vocab.poi_regions, **vocab.regions}  # 협재 is a beach
    two = {k: r for k, r in named.items() if len(_compact(k)) == 2 and not k.isascii()}
    m = fuzzy_find(text, two, marks=("",), known=known_words(vocab))
    if m is None:
        return None
    word = text[m.start : m.end]
    rest = text[m.end :]
    if rest[:1] not in ("", " ") and not rest.startswith(vocab.extra.place_words.before):
        return None  # the slip must be the whole word ('애워요' is not a place)
    return PlaceSlip(word, m.surface, m.canonical, unknown_word(word))


def outside_place(text: str, vocab: Vocabulary, slots: Slots) -> str | None:
    """A dining place outside Jeju named in a recommendation ('부산', '강남'), when no Jeju
    place is named: every merchant of the graph is in Jeju, and the answer says so."""
    if slots.region or slots.city:
        return None
    jeju = {c.name for c in load_jeju().cities} | {"제주"}
    found = [
        m
        for m in find_all(text, {**vocab.outside, **vocab.product_cities})
        if m.canonical not in jeju
    ]
    return found[0].canonical if found else None


# How a word before an eating word ends when it says how or when, not what ('모시고 먹을',
# '바다 보면서 먹을', '편하게 먹을', '반납 전에 먹을'): the few dishes ending so (망고) are not
# worth the misreads.
# fmt: off
_NOT_DISH_ENDS = (
    "고", "서", "히", "에", "하게", "좋게", "있게", "없게", "롭게", "쉽게", "싸게", "크게",
)
# fmt: on


@cache
def _food_pattern(before: tuple[str, ...]) -> re.Pattern[str]:
    """A word, with an optional particle, right before an eating or selling word ('닭갈비
    먹고 싶', '쌀국수를 잘하는'); the word starts a word of the ask."""
    alt = "|".join(sorted(map(re.escape, before), key=len, reverse=True))
    return re.compile(
        rf"(?<![가-힣A-Za-z])([가-힣]{{2,10}}?)(을|를|이|가|도|만|은|는|에서|에|으로|로)?\s*"
        rf"(?:{alt})"
    )


def unknown_food(text: str, vocab: Vocabulary) -> str | None:
    """A food the ask wants that no table holds ('닭갈비 먹고 싶은데', '밀면 파는 곳'): read
    only right before the `[menu.unknown] before` words, and never when the span holds a
    name the vocabulary knows (a place, a food, a party or must-have word) or an everyday
    word of `not_foods` ('뭐 먹고 싶', '점심 먹을 데')."""
    words = vocab.extra.food_words
    pois = dict.fromkeys(vocab.pois, "")
    tables = (vocab.categories, vocab.menus, vocab.regions, vocab.cities, pois)
    known = known_words(vocab)
    stems = tuple(w for w in (*known, *words.not_foods) if len(w) >= 2)
    dish_shaped = (
        m
        for m in _food_pattern(words.shop_words).finditer(text)
        if m.group(1).endswith(words.dish_endings)
    )
    for m in (*_food_pattern(words.before).finditer(text), *dish_shaped):
        word, span = m.group(1), text[m.start(1) : m.end()]
        if m.group(2) in ("에", "에서"):
            continue  # when or where, not what ('새벽에 먹을', '바다 앞에서 먹을')
        if word in words.not_foods or word.startswith(stems) or word.endswith(_NOT_DISH_ENDS):
            continue  # an everyday, party or place word, maybe with a particle ('아이랑')
        if any(find_all(span, table) for table in tables):
            continue  # a known name, or a word holding one ('흑돼지를 파는')
        if any(fuzzy_find(word, t, min_len=2) for t in (vocab.categories, vocab.menus)):
            continue  # a food word misspelt, read by the food reader ('돈가쓰')
        return word
    return None
