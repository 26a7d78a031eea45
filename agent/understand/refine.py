"""How a follow-up changes the previous turn's reading ('더 싼 데는?', '애월 말고 한림은?')."""

from __future__ import annotations

from agent.state import Slots, Turn
from agent.understand.matching import _has
from agent.understand.vocabulary import Vocabulary
from tripgraph.vocab import load_categories


def _cafe_kinds() -> set[str]:
    return set(load_categories().names_of_kind("cafe"))


def refine(
    previous: Turn, new: Slots, signals: list[str], question: str, vocab: Vocabulary
) -> Slots:
    """The previous turn's slots with this turn's changes applied (the vocabulary's
    follow-up words say what makes it cheaper, pricier or other places)."""
    words = vocab.extra.followup_words
    out = previous.slots.model_copy(deep=True)
    if {"region", "city", "area"} & set(signals):
        out.region, out.city, out.poi = new.region, new.city, new.poi
        out.area, out.area_regions = new.area, list(new.area_regions)
        out.unknown_place = out.place_guess = out.place_read = None
        out.exclude_regions = []  # a place named: what was moved away from no longer matters
    elif new.unknown_place or (out.region and out.region in new.exclude_regions):
        # moved to a place the vocabulary does not hold, or away from the last one ('애월
        # 말고 다른 데는?'): the last place no longer applies
        out.region = out.city = out.poi = out.place_read = out.area = None
        out.area_regions = []
        out.unknown_place = new.unknown_place
    if "category" in signals:
        out.category = new.category
        out.menu = new.menu
    elif "menu" in signals:
        out.menu = new.menu
        if out.category not in vocab.menu_categories.get(new.menu or "", (out.category,)):
            out.category = None  # '회덮밥 되는 데?' after 흑돼지: the dish, wherever it is served
    if "party" in signals:
        out.party = new.party
    if "locals" in signals:  # '현지인들 가는 데는?'
        out.locals = True
    if "party_size" in signals:
        out.party_size = new.party_size
    if "occasion" in signals:
        out.occasion = new.occasion
    if "unheld" in signals:
        out.category, out.menu = new.category, new.menu
        out.not_in_graph, out.stand_ins = new.not_in_graph, new.stand_ins
    elif {"category", "menu"} & set(signals):
        out.not_in_graph, out.stand_ins = [], new.stand_ins  # either kind ('회나 초밥은?')
    if "unknown_food" in signals:
        # '닭갈비 파는 데는?': a dish no table holds replaces the last food, said as such.
        unheld = {u.label for u in vocab.extra.unheld}
        out.category, out.menu, out.stand_ins = None, None, []
        out.not_in_graph = [x for x in out.not_in_graph if x not in unheld]
        out.unknown_food = new.unknown_food
    elif {"category", "menu", "unheld"} & set(signals):
        out.unknown_food = None
    if "meal_kind" in signals:
        # '아침은?' after 흑돼지: breakfast kinds replace the last food
        out.category, out.menu, out.unknown_food = None, None, None
        out.meal_kind, out.stand_ins = new.meal_kind, new.stand_ins
    elif {"category", "menu", "unheld", "unknown_food"} & set(signals):
        out.meal_kind = None
    food_signals = {"category", "menu", "unheld", "unknown_food", "meal_kind"}
    if _has(question, words.other_food) and not food_signals & set(signals):
        # '다른 메뉴로': the last food is ruled out (said back), any other is searched; after a
        # meal it is another meal, not a cafe
        last = [c for c in (out.category, *out.stand_ins) if c]
        out.meal = out.meal or bool(last and not set(last) <= _cafe_kinds())
        out.exclude_categories += last
        out.exclude_menus += [out.menu] if out.menu else []
        out.category, out.menu, out.stand_ins, out.meal_kind = None, None, [], None
        out.not_in_graph, out.unknown_food = [], None
    cafes = _cafe_kinds()
    # '밥 먹을 데도' after cafes: now a meal, so the cafe kind no longer applies.
    if (
        new.meal
        and not {"category", "menu", "unheld"} & set(signals)
        and (out.category in cafes or (out.stand_ins and set(out.stand_ins) <= cafes))
    ):
        out.category, out.menu, out.stand_ins = None, None, []
    if "age" in signals:
        out.age_band = new.age_band
    # What was ruled out stays ruled out ('흑돼지 말고' then '더 싼 데는?'); a food named
    # again is wanted again.
    wanted = {new.category, new.menu}
    out.exclude_categories = [
        c
        for c in dict.fromkeys([*out.exclude_categories, *new.exclude_categories])
        if c not in wanted
    ]
    out.exclude_menus = [
        m for m in dict.fromkeys([*out.exclude_menus, *new.exclude_menus]) if m not in wanted
    ]
    out.exclude_regions = [
        r for r in dict.fromkeys([*out.exclude_regions, *new.exclude_regions]) if r != out.region
    ]
    out.meal = out.meal or new.meal
    for attr in new.must_haves:
        if attr not in out.must_haves:
            out.must_haves.append(attr)
    if new.max_avg_price:
        out.max_avg_price = new.max_avg_price
    if _has(question, words.cheaper):
        prices = [p.avg_price for p in previous.picks if p.avg_price]
        if prices:
            # "cheaper": below the average spend of what was just shown, in whole thousands
            # of won, so the answer can say it back as a person would ('1인 11,000원 이하').
            below = int(sum(prices) / len(prices)) - 1
            out.max_avg_price = below // 1000 * 1000 or below
        out.price = "cheap" if not prices else out.price if out.price != "expensive" else None
    elif _has(question, words.pricier):
        out.price, out.max_avg_price = "expensive", None
    elif new.price:
        out.price = new.price
    if (
        _has(question, words.other)
        or _has(question, words.cheaper)
        or _has(question, words.pricier)
    ):
        out.exclude_ids = list(
            dict.fromkeys([*out.exclude_ids, *(p.merchant_id for p in previous.picks)])
        )
    if new.count != 3:
        out.count = new.count
    settle_exclusions(out, vocab)
    return out


def settle_exclusions(slots: Slots, vocab: Vocabulary) -> None:
    """An asked food that is also ruled out ('고기국수 말고 다른 국수') becomes its related
    categories less the excluded ones; a meal that names a cafe-kind food is no meal ask,
    and a dish ruled out with nothing named instead asks for another meal. A category ruled
    out rules out those it covers ('해산물 말고': no 횟집 either), unless one is asked for
    ('해산물 말고 회')."""
    covers = vocab.extra.exclusion_covers
    covered = [c for x in slots.exclude_categories for c in covers.get(x, ())]
    covered = [c for c in covered if c != slots.category]
    slots.exclude_categories = list(dict.fromkeys([*slots.exclude_categories, *covered]))
    excluded = set(slots.exclude_categories)
    if slots.category in excluded:
        related = vocab.extra.related_categories.get(slots.category or "", ())
        slots.category = None
        slots.stand_ins = [c for c in related if c not in excluded]
    if slots.menu in slots.exclude_menus:
        slots.menu = None
    slots.stand_ins = [c for c in slots.stand_ins if c not in excluded]
    cafes = _cafe_kinds()
    named = {slots.category, *slots.stand_ins, *vocab.menu_categories.get(slots.menu or "", ())}
    if named & cafes:
        slots.meal = False
    elif excluded and not (named - {None}) and not excluded & cafes:
        # '갈치조림 말고 다른 거': what is wanted instead of a dish is another meal, not a cafe.
        slots.meal = True
