"""The agent's understanding vocabulary as data (`understanding.toml`), read into typed,
immutable tables.

What the file holds and why is written at its top. Like the rest of `tripgraph.vocab` this
imports nothing of the project; `agent.understand` joins these tables with the shared
vocabulary (`tripgraph.vocab`) and the graph's own names.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, fields
from functools import cache
from pathlib import Path
from typing import Any

UNDERSTANDING_PATH = Path(__file__).parent / "understanding.toml"


@dataclass(frozen=True)
class Occasion:
    """An occasion (생일, 기념일 …): the words naming it and what it implies (soft)."""

    key: str
    label: str
    words: tuple[str, ...]
    wishes: tuple[str, ...]  # Merchant attributes it makes welcome; never a filter
    evidence: tuple[str, ...]  # review words showing a place suits it
    party: str | None = None  # the party it implies when none is named
    needs: tuple[str, ...] = ()  # Merchant attributes it makes must-haves (a company dinner)


@dataclass(frozen=True)
class Unheld:
    """Something users ask for that the graph holds nothing of, and what it does hold."""

    label: str
    kind: str  # "category", "menu", or "attribute" (a wish no Merchant property records)
    words: tuple[str, ...]
    nearest: tuple[str, ...]  # categories standing in for it, nearest first
    why: str  # how the answer names the stand-ins


@dataclass(frozen=True)
class IntentWords:
    """The words that say what an ask is for (`[intent]`; see the file for each list)."""

    recommend: tuple[str, ...]
    graph: tuple[str, ...]
    graph_subjects: tuple[str, ...]
    merchant_facts: tuple[str, ...]
    product: tuple[str, ...]
    viewed: tuple[str, ...]
    itinerary: tuple[str, ...]
    itinerary_asks: tuple[str, ...]
    mapping: tuple[str, ...]
    package: tuple[str, ...]
    place_db: tuple[str, ...]
    offtopic: tuple[str, ...]


@dataclass(frozen=True)
class FollowupWords:
    """How a follow-up changes the last recommendation (`[followup]`)."""

    markers: tuple[str, ...]
    cheaper: tuple[str, ...]
    pricier: tuple[str, ...]
    other: tuple[str, ...]
    other_food: tuple[str, ...]


@dataclass(frozen=True)
class ExclusionWords:
    """What an ask rules out and that it is for a meal (`[exclusion]`)."""

    after: tuple[str, ...]  # after a food: it is excluded ('말고', '안 먹', '빼고' …)
    joiners: tuple[str, ...]  # may stand between the food and the word ('랑', '나', ',')
    meal: tuple[str, ...]  # an ask for a meal: no cafe unless one is named


@dataclass(frozen=True)
class PlaceWords:
    """How an ask names a place the vocabulary does not hold (`[place]`)."""

    before: tuple[str, ...]  # postpositions after a place word (에서, 근처, 쪽 …)
    suffixes: tuple[str, ...]  # endings of Jeju place names (해변, 포구, 리 …)
    not_places: frozenset[str]  # words in those positions that are not places
    # Words that hold a place name and are not places ('사계절' holds 사계, '닭강정' 강정):
    # hidden from the place tables before they are read.
    not_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Area:
    """A side of the island travellers name instead of a 읍면동 ('제주 동쪽', 'west Jeju'):
    searched as its 읍면동 together (`[area]`)."""

    key: str
    label: str  # as the answer says it ('제주 동쪽')
    words: tuple[str, ...]
    regions: tuple[str, ...]


@dataclass(frozen=True)
class MealKind:
    """A kind of meal (아침, 가벼운 거, 국물 …) and the kinds of place a local names for it
    (`[mealkind]`)."""

    key: str
    label: str
    words: tuple[str, ...]
    kinds: tuple[str, ...]  # categories searched as either-or when the ask names no food
    hours: bool = False  # a time of day: the answer says opening hours were not checked


@dataclass(frozen=True)
class FoodWords:
    """How an ask names a dish the vocabulary does not hold (`[menu.unknown]`)."""

    before: tuple[str, ...]  # eating or selling words after a dish ('먹고 싶', '파는' …)
    not_foods: frozenset[str]  # words in that position that are not dishes ('뭐', '점심')
    sweet_endings: tuple[str, ...] = ()  # a dish a cafe may sell ('오메기떡'): not a meal
    sweet_kinds: tuple[str, ...] = ()  # where such a dish is searched (베이커리, 카페)
    # '육개장 맛집': after a shop word only a word shaped like a dish is one ('숨은 맛집' is not)
    shop_words: tuple[str, ...] = ()
    dish_endings: tuple[str, ...] = ()


@dataclass(frozen=True)
class UnderstandingVocab:
    version: int
    intent_words: IntentWords
    followup_words: FollowupWords
    exclusion_words: ExclusionWords
    product_types: dict[str, tuple[str, ...]]  # product type → words, first match wins
    party_order: tuple[str, ...]
    party_words: dict[str, tuple[str, ...]]
    party_not_inside: tuple[str, ...]
    party_wishes: dict[str, tuple[str, ...]]
    complaint_markers: tuple[str, ...]
    pair_markers: tuple[str, ...]
    compatible_parties: dict[str, tuple[str, ...]]
    group_min_size: int
    group_words: tuple[str, ...]
    number_words: dict[str, int]
    solo_markers: tuple[str, ...]
    locals_words: tuple[str, ...]  # the ask wants where locals eat
    occasions: tuple[Occasion, ...]
    price_words: dict[str, tuple[str, ...]]
    region_aliases: dict[str, tuple[str, ...]]  # 읍면동 → names only the parser reads
    place_words: PlaceWords
    areas: tuple[Area, ...]
    category_aliases: dict[str, tuple[str, ...]]
    category_either: tuple[str, ...]  # between two kinds of place: either will do
    attribute_words: dict[str, tuple[str, ...]]
    attribute_cues: dict[str, tuple[str, ...]]  # an attribute counts only with a cue
    not_needed: tuple[str, ...]  # after a must-have word: it is not wanted ('주차 안 돼도')
    menu_aliases: dict[str, str]
    food_words: FoodWords
    meal_kinds: tuple[MealKind, ...]
    related_categories: dict[str, tuple[str, ...]]
    exclusion_covers: dict[str, tuple[str, ...]]  # a category ruled out rules these out too
    unheld: tuple[Unheld, ...]
    outside_places: tuple[str, ...]
    outside_dining_words: tuple[str, ...]
    spelling: dict[str, str]

    def occasion(self, key: str | None) -> Occasion | None:
        return next((o for o in self.occasions if o.key == key), None)

    def area(self, key: str | None) -> Area | None:
        return next((a for a in self.areas if a.key == key), None)

    def meal_kind(self, key: str | None) -> MealKind | None:
        return next((m for m in self.meal_kinds if m.key == key), None)


def _with_olle(
    aliases: dict[str, tuple[str, ...]], olle: dict[str, str]
) -> dict[str, tuple[str, ...]]:
    """`aliases` plus the names of each Olle route for the 읍면동 it starts in ('올레 7코스',
    '올레길 7코스', 'olle route 7')."""
    out = dict(aliases)
    for n, region in olle.items():
        names = (f"올레 {n}코스", f"올레길 {n}코스", f"olle route {n}", f"olle trail {n}")
        out[region] = (*out.get(region, ()), *names)
    return out


def _strs(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def _word_lists[T](cls: type[T], table: dict[str, Any], where: str) -> T:
    """`cls` (a dataclass of word lists) from `table`, which must name each field once: a
    misspelt key would otherwise leave its list silently unread."""
    names = [f.name for f in fields(cls)]  # type: ignore[arg-type]
    unknown = sorted(set(table) - set(names))
    if unknown:
        raise KeyError(f"[{where}]: unknown lists {unknown}; known: {names}")
    return cls(**{name: _strs(table[name]) for name in names})


def parse_understanding_vocab(data: dict[str, Any]) -> UnderstandingVocab:
    """The typed tables of a parsed `understanding.toml` (KeyError names a missing table)."""
    party = data["party"]
    group = data["group"]
    return UnderstandingVocab(
        version=int(data["version"]),
        intent_words=_word_lists(IntentWords, data["intent"], "intent"),
        followup_words=_word_lists(FollowupWords, data["followup"], "followup"),
        exclusion_words=_word_lists(ExclusionWords, data["exclusion"], "exclusion"),
        product_types={k: _strs(v) for k, v in data["product_types"].items()},
        party_order=_strs(party["order"]),
        party_words={k: _strs(v) for k, v in party["words"].items()},
        party_not_inside=_strs(party.get("not_inside", ())),
        party_wishes={k: _strs(v) for k, v in party["wishes"].items()},
        complaint_markers=_strs(data["evidence"]["complaints"]),
        pair_markers=_strs(data["evidence"].get("pair_markers", ())),
        compatible_parties={k: _strs(v) for k, v in party["compatible"].items()},
        group_min_size=int(group["min_size"]),
        group_words=_strs(group["words"]),
        number_words={str(k): int(v) for k, v in group["numbers"].items()},
        solo_markers=_strs(data["solo"]["markers"]),
        locals_words=_strs(data["locals"]["words"]),
        occasions=tuple(
            Occasion(
                key=key,
                label=str(o["label"]),
                words=_strs(o["words"]),
                wishes=_strs(o.get("wishes", ())),
                evidence=_strs(o.get("evidence", ())),
                party=o.get("party"),
                needs=_strs(o.get("needs", ())),
            )
            for key, o in data["occasion"].items()
        ),
        price_words={k: _strs(v) for k, v in data["price"].items()},
        region_aliases=_with_olle(
            {k: _strs(v) for k, v in data["region"]["aliases"].items()}, data["region"]["olle"]
        ),
        place_words=PlaceWords(
            before=_strs(data["place"]["before"]),
            suffixes=_strs(data["place"]["suffixes"]),
            not_places=frozenset(_strs(data["place"]["not_places"])),
            not_names=_strs(data["place"].get("not_names", ())),
        ),
        areas=tuple(
            Area(key=k, label=str(a["label"]), words=_strs(a["words"]), regions=_strs(a["regions"]))
            for k, a in data.get("area", {}).items()
        ),
        category_aliases={k: _strs(v) for k, v in data["category"]["aliases"].items()},
        category_either=_strs(data["category"].get("either", ())),
        attribute_words={k: _strs(v) for k, v in data["attribute"]["words"].items()},
        attribute_cues={k: _strs(v) for k, v in data["attribute"]["cues"].items()},
        not_needed=_strs(data["attribute"]["not_needed"]["words"]),
        menu_aliases={str(k): str(v) for k, v in data["menu"]["aliases"].items()},
        food_words=FoodWords(
            before=_strs(data["menu"]["unknown"]["before"]),
            not_foods=frozenset(_strs(data["menu"]["unknown"]["not_foods"])),
            sweet_endings=_strs(data["menu"]["unknown"].get("sweet_endings", ())),
            sweet_kinds=_strs(data["menu"]["unknown"].get("sweet_kinds", ())),
            shop_words=_strs(data["menu"]["unknown"].get("shop_words", ())),
            dish_endings=_strs(data["menu"]["unknown"].get("dish_endings", ())),
        ),
        meal_kinds=tuple(
            MealKind(
                key=k,
                label=str(m["label"]),
                words=_strs(m["words"]),
                kinds=_strs(m["kinds"]),
                hours=bool(m.get("hours", False)),
            )
            for k, m in data.get("mealkind", {}).items()
        ),
        related_categories={k: _strs(v) for k, v in data["related"].items()},
        exclusion_covers={k: _strs(v) for k, v in data["exclusion_covers"].items()},
        unheld=tuple(
            Unheld(
                label=str(u["label"]),
                kind=str(u["kind"]),
                words=_strs(u["words"]),
                nearest=_strs(u["nearest"]),
                why=str(u["why"]),
            )
            for u in data["unheld"]
        ),
        outside_places=_strs(data["outside"]["places"]),
        outside_dining_words=_strs(data["outside"]["dining_words"]),
        spelling={str(k): str(v) for k, v in data["spelling"].items()},
    )


@cache
def load_understanding_vocab(path: Path = UNDERSTANDING_PATH) -> UnderstandingVocab:
    """The vocabulary of `path`, read once per process (the file ships with the code)."""
    return parse_understanding_vocab(tomllib.loads(path.read_text(encoding="utf-8")))
