"""The composer of Korean review texts, over the phrase banks of vocab/review_phrases.toml.

A review is an optional opening (who the writer came with, local or traveller), optional
context sentences (when, what was ordered), two to four aspect clauses whose polarity
follows the review's sentiment or, for attributes such as parking, the merchant's facts,
optional sentences after them (what it cost, a tip), an optional reaction of the party and
a closing that matches the rating. Clauses come in a full form ("직원분들이 친절해요") and,
where natural, a connective form ("직원분들이 친절하고") so that two of them can share one
sentence.

What makes texts read like many writers rather than one: a speech level per review
(해요 / 합니다 / 음슴 / 한다 / 반말, by the writer's age, see `korean.speech_levels`), a
heavy-tailed length (one-liners, one-clause reviews, up to six extra sentences), marks,
laughs and emoji, and for about half of the reviews typos and dropped spaces. The noise
never touches the words that name an attribute (tested), so aspect mentions stay findable.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from ingest.generate.korean import eul_reul, eun_neun, has_batchim, i_ga, speech_levels
from ingest.generate.vocab import Clause, load_review_phrases
from tripgraph.vocab import Attribute, ReviewParty

ASPECTS: tuple[str, ...] = (
    "taste",
    "service",
    "price",
    "atmosphere",
    "portion",
    "cleanliness",
    "waiting",
    "parking",
    "ocean_view",
    "kid_friendly",
    "group_seating",
    "quiet",
    "pet_friendly",
)
# Aspects whose polarity is the merchant's boolean attribute of the same name.
ATTRIBUTE_ASPECTS: tuple[Attribute, ...] = (
    "parking",
    "ocean_view",
    "kid_friendly",
    "group_seating",
    "quiet",
    "pet_friendly",
)

_P = load_review_phrases()
# A merchant only gets the True phrases of attributes it has and the False phrases of those
# it lacks (tested); no phrase of one side is a substring of the other side.
ATTRIBUTE_PHRASES: dict[Attribute, dict[bool, tuple[Clause, ...]]] = {
    a: _P.attributes[a] for a in ATTRIBUTE_ASPECTS
}
_CLOSINGS: dict[int, tuple[str, ...]] = _P.closings

Levels = tuple[str, str, str, str, str]  # one sentence in each of korean.SPEECH_LEVELS
LClause = tuple[Levels, str | None]


def _lc(bank: dict[bool, tuple[Clause, ...]]) -> dict[bool, tuple[LClause, ...]]:
    return {pos: tuple((speech_levels(f), c) for f, c in cl) for pos, cl in bank.items()}


def _lt(texts: tuple[str, ...]) -> tuple[Levels, ...]:
    return tuple(speech_levels(t) for t in texts)


_CLAUSES: dict[str, dict[bool, tuple[LClause, ...]]] = {
    **{a: _lc(b) for a, b in _P.attributes.items()},
    **{q: _lc(b) for q, b in _P.qualities.items()},
}
_PRICE_MONEY = {pos: _lt(t) for pos, t in _P.price_money.items()}
_TASTE_GENERIC = _lc(_P.taste_generic)
_TASTE_BY_CATEGORY = {c: _lc(b) for c, b in _P.taste_by_category.items()}
_TASTE_MENU = {pos: _lt(t) for pos, t in _P.taste_menu.items()}
_TASTE_MENU_CONN = _P.taste_menu_conn
_DESC_GENERIC = _P.descriptors
_DESC_NEG = _P.negative_descriptors
_DESC_BY_CATEGORY = _P.descriptors_by_category
_ADV = _P.words["adv"]
_HEDGES = _P.words["hedges"]
_FIRST_CONNECTIVES = _P.words["first"]
_POS_CONNECTIVES = _P.words["positive"]
_CONTRAST = _P.words["contrast"]
_AFTER_NEGATIVE = _P.words["after_negative"]
_EMOJI = {True: _P.words["emoji_positive"], False: _P.words["emoji_negative"]}
_OPENINGS_LEAD = _P.openings_lead
_OPENINGS_SENTENCE = {p: _lt(t) for p, t in _P.openings_sentence.items()}
_PARTY_REACTION = {p: {pos: _lt(t) for pos, t in r.items()} for p, r in _P.reactions.items()}
_CLOSINGS_L = {r: _lt(t) for r, t in _CLOSINGS.items()}
_ONELINERS = _P.oneliners
_LOCAL_NOTES = _lt(_P.local_notes)
_TOURIST_NOTES = _lt(_P.tourist_notes)
_WHEN = _lt(_P.when_templates)
_ORDER = _lt(_P.order_templates)
_PAID = _lt(_P.paid_templates)
_TIPS = _lt(_P.tips)
_DISHES = _P.dishes_by_category
_DISH_TEMPLATES = {pos: _lt(t) for pos, t in _P.dish_templates.items()}
_SIDES = {c: (*d, *_P.sides) for c, d in _DISHES.items()}
_TYPOS = _P.typos

# Speech level weights by the writer's age band (20s, 30s, 40s, 50plus), in the order of
# korean.SPEECH_LEVELS: the young write 음슴체 and 반말 more, the old 합니다체.
_LEVEL_WEIGHTS: tuple[tuple[float, ...], ...] = (
    (0.45, 0.06, 0.22, 0.09, 0.18),
    (0.55, 0.09, 0.16, 0.10, 0.10),
    (0.60, 0.16, 0.10, 0.10, 0.04),
    (0.50, 0.36, 0.04, 0.08, 0.02),
)
_LEVEL_CUM = tuple(tuple(sum(w[: i + 1]) for i in range(5)) for w in _LEVEL_WEIGHTS)
_EMOJI_P = (0.3, 0.22, 0.12, 0.08)
_LAUGHS, _SOBS = _P.laughs, _P.sobs
# sentence marks by speech level: positive, negative
_MARKS: tuple[tuple[tuple[str, ...], tuple[str, ...]], ...] = (
    ((".", ".", ".", "!", "!!", " ㅎㅎ", "~", "."), (".", ".", ".", " ㅠㅠ", "..", " ㅜㅜ")),
    ((".", ".", ".", ".", "!"), (".", ".", ".", "..")),
    (("", "", ".", " ㅎㅎ", " ㅋㅋ", "!", ""), ("", ".", "..", " ㅠㅠ", " ㅡㅡ")),
    ((".", ".", ".", "!", ""), (".", ".", "..", "...")),
    (("", " ㅋㅋ", " ㅋㅋㅋ", "!", "~", " ㅎㅎ", "."), ("", "..", " ㅠㅠ", " ㅋㅋ", "...")),
)
# Two characters that must not meet when a space is dropped: they would spell an attribute
# word ("좋아 이거" → "좋아이거" reads as a mention of 아이).
_JOIN_BLOCK = frozenset(_P.join_block)
_HEDGED = frozenset(("taste", "price", "atmosphere", "portion"))  # matters of taste
_HEADCOUNT: dict[ReviewParty, tuple[int, int]] = {
    "혼자": (1, 1),
    "커플": (2, 2),
    "친구": (2, 5),
    "가족": (3, 6),
    "부모님": (3, 5),
    "아이": (3, 4),
}


@dataclass(frozen=True)
class ReviewContext:
    """Everything the composer needs about one review."""

    party: ReviewParty
    local: bool
    rating: int
    aspects: tuple[str, ...]
    polarity: tuple[bool, ...]  # one per aspect
    category: str
    menus: tuple[str, ...]  # the merchant's menu, signature dishes first
    region_short: str
    reaction: bool  # add the party's reaction
    age: int = 1  # the writer's age band, index into tripgraph.vocab.AGE_BANDS
    month: int = 6  # month of the visit, 1-12
    places: tuple[str, ...] = ()  # landmarks and place names near the merchant
    avg_price: int = 0  # the merchant's spend per person in won (0: unknown)


def _ch[T](rnd: random.Random, seq: Sequence[T]) -> T:
    """rnd.choice without its overhead (a third of the composer's time with it)."""
    return seq[int(rnd.random() * len(seq))]


def _won(amount: float, rnd: random.Random) -> str:
    """A sum of money as reviewers write it: 23,000원 / 2만 3천원 / 2만3천원 / 2.3만원."""
    amount = max(1000, int(round(amount, -3)))
    man, cheon = divmod(amount // 1000, 10)
    u = rnd.random()
    if u < 0.4 or not man:
        return f"{amount:,}원"
    if u < 0.8:
        sep = " " if u < 0.65 else ""
        return f"{man}만{sep}{cheon}천원" if cheon else f"{man}만원"
    return f"{amount / 10000:.1f}만원" if cheon else f"{man}만원"


def _per_person(avg: int, rnd: random.Random) -> str:
    u = rnd.random()
    man, cheon = divmod(max(avg, 1000) // 1000, 10)
    if u < 0.45:
        return f"{_ch(rnd, ('1인', '인당', '한 사람당'))} " + (
            f"{man}만원대" if man else f"{cheon}천원대"
        )
    return f"{_ch(rnd, ('1인', '인당', '1인당'))} {_won(avg * rnd.uniform(0.85, 1.2), rnd)}"


@cache
def _with_particles(menu: str) -> tuple[str, str, str]:
    return i_ga(menu), eun_neun(menu), eul_reul(menu)


def _menu_fill(menu: str, ctx: ReviewContext, rnd: random.Random) -> dict[str, str]:
    descs = _DESC_BY_CATEGORY.get(ctx.category)
    desc = _ch(rnd, descs if descs and rnd.random() < 0.7 else _DESC_GENERIC)
    m_ig, m_en, m_eul = _with_particles(menu)
    return {
        "m": menu,
        "m_ig": m_ig,
        "m_en": m_en,
        "m_eul": m_eul,
        "adv": _ch(rnd, _ADV),
        "desc": desc,
        "neg": _ch(rnd, _DESC_NEG),
    }


def _clause(
    aspect: str, positive: bool, ctx: ReviewContext, level: int, rnd: random.Random
) -> tuple[str, str | None]:
    """(full sentence at the speech level, connective form or None) for one aspect."""
    if aspect == "taste":
        u = rnd.random()
        if u < 0.55 and ctx.menus:
            menu = ctx.menus[0] if rnd.random() < 0.55 else _ch(rnd, ctx.menus)
            fill = _menu_fill(menu, ctx, rnd)
            full = _ch(rnd, _TASTE_MENU[positive])[level].format(**fill)
            conn = None
            if rnd.random() < 0.5:
                conn = _ch(rnd, _TASTE_MENU_CONN[positive]).format(**fill)
            return full, conn
        bank = _TASTE_BY_CATEGORY.get(ctx.category) if u < 0.8 else None
        levels, conn = _ch(rnd, (bank or _TASTE_GENERIC)[positive])
        return levels[level], conn
    if aspect == "price" and ctx.avg_price and rnd.random() < 0.3:
        won = _per_person(ctx.avg_price, rnd)
        return _ch(rnd, _PRICE_MONEY[positive])[level].format(won=won), None
    levels, conn = _ch(rnd, _CLAUSES[aspect][positive])
    return levels[level], conn


def _context_sentence(
    ctx: ReviewContext, level: int, rnd: random.Random, used: set[int]
) -> str | None:
    """One sentence before the aspects: when it was (0), a local's or traveller's note (1),
    or what was ordered (2); None when the kind drawn is in `used` (one of each kind)."""
    u = rnd.random()
    kind = 0 if u < 0.35 else 1 if u < 0.65 else 2
    if kind in used:
        return None
    used.add(kind)
    if kind == 0:
        season = _ch(rnd, _P.seasons[ctx.month])
        return _ch(rnd, _WHEN)[level].format(
            season=season,
            season_ira=season + ("이라" if has_batchim(season) else "라"),
            time=_ch(rnd, _P.when_times),
            weather=_ch(rnd, _P.when_weather),
        )
    if kind == 1:
        note = _ch(rnd, _LOCAL_NOTES if ctx.local else _TOURIST_NOTES)[level]
        place = _ch(rnd, ctx.places) if ctx.places else ctx.region_short
        return note.format(r=ctx.region_short, p=place, n=2 + int(rnd.random() * 11))
    if not ctx.menus:
        return None
    lo, hi = _HEADCOUNT[ctx.party]
    heads = lo + int(rnd.random() * (hi - lo + 1))
    m = ctx.menus[0] if rnd.random() < 0.5 else _ch(rnd, ctx.menus)
    others = [x for x in ctx.menus if x != m]
    m2 = (
        _ch(rnd, others)
        if others and rnd.random() < 0.7
        else _ch(rnd, _SIDES.get(ctx.category, _P.sides))
    )
    return _ch(rnd, _ORDER)[level].format(
        m=m,
        m2=m2,
        k=max(heads, 2) if heads > 1 or rnd.random() < 0.5 else 1,
        people=_P.people[heads - 1],
        iran="이랑" if has_batchim(m) else "랑",
    )


def _after_sentence(
    ctx: ReviewContext, level: int, rnd: random.Random, used: list[int]
) -> tuple[str, bool] | None:
    """One sentence after the aspects and whether it is positive: what it cost (0), one more
    word on the food, as the review's taste or its stars have it (1), or a practical tip (2).
    `used` counts the kinds so far: the bill is told once, the others at most twice."""
    u = rnd.random()
    kind = 0 if u < 0.3 else 1 if u < 0.65 else 2
    if used[kind] >= (1, 2, 2)[kind]:
        return None
    used[kind] += 1
    if kind == 0 and ctx.avg_price:
        lo, hi = _HEADCOUNT[ctx.party]
        heads = lo + int(rnd.random() * (hi - lo + 1))
        total = _won(ctx.avg_price * heads * rnd.uniform(0.9, 1.4), rnd)
        return _ch(rnd, _PAID)[level].format(people=_P.people[heads - 1], total=total), True
    if kind == 1 and (ctx.rating != 3 or "taste" in ctx.aspects):
        positive = (
            ctx.polarity[ctx.aspects.index("taste")] if "taste" in ctx.aspects else ctx.rating > 3
        )
        dishes = _DISHES.get(ctx.category)
        if dishes and rnd.random() < 0.45:
            dish = _ch(rnd, dishes)
            s_ig, s_en, s_eul = _with_particles(dish)
            text = _ch(rnd, _DISH_TEMPLATES[positive])[level]
            return text.format(s=dish, s_ig=s_ig, s_en=s_en, s_eul=s_eul), positive
        return _clause("taste", positive, ctx, level, rnd)[0], positive
    return _ch(rnd, _TIPS)[level], True


def _noisy(text: str, rnd: random.Random) -> str:
    """Typos and dropped spaces for about half of the reviews, a few for one in eight."""
    u = rnd.random()
    if u < 0.5 or not text:
        return text
    tries, drops = (3, 1) if u < 0.88 else (9, 3)
    for _ in range(tries):
        right, wrong = _ch(rnd, _TYPOS)
        if right in text:
            text = text.replace(right, wrong, 1)
    for _ in range(drops):
        i = text.find(" ", int(rnd.random() * len(text)))
        if 0 < i < len(text) - 1 and text[i - 1] + text[i + 1] not in _JOIN_BLOCK:
            text = text[:i] + text[i + 1 :]
    return text


def _level(age: int, rnd: random.Random) -> int:
    u = rnd.random()
    cum = _LEVEL_CUM[age]
    for i in range(4):
        if u < cum[i]:
            return i
    return 4


def compose_review(ctx: ReviewContext, rnd: random.Random) -> str:
    level = _level(ctx.age, rnd)
    pos_marks, neg_marks = _MARKS[level]
    shape = rnd.random()
    if shape < 0.06:  # a one-liner: "맛있어요!" / "존맛 👍"
        text = _ch(rnd, _ONELINERS[ctx.rating]) + _ch(rnd, pos_marks)
        if rnd.random() < 0.35:
            text += " " + _ch(rnd, _EMOJI[ctx.rating >= 3])
        return _noisy(text, rnd)
    short = shape < 0.2  # a single aspect clause, little else
    sentences: list[str] = []
    lead = ""
    opening = rnd.random() * (2.0 if short else 1.0)
    if opening < 0.45:
        lead = _ch(rnd, _OPENINGS_LEAD[ctx.party]) + " "
    elif opening < 0.7:
        sentences.append(_ch(rnd, _OPENINGS_SENTENCE[ctx.party])[level] + _ch(rnd, pos_marks))
    n_extra = 0
    if not short:  # geometric, and longer for the one writer in twelve who writes at length
        p_more, most = (0.75, 10) if rnd.random() < 0.08 else (0.45, 6)
        while n_extra < most and rnd.random() < p_more:
            n_extra += 1
    # with a lead ("부모님 모시고 갔는데 ...") the aspects come first, the extras after them
    n_before = 0 if lead else int(rnd.random() * (n_extra + 1))
    kinds: set[int] = set()
    for _ in range(n_before):
        s = _context_sentence(ctx, level, rnd, kinds)
        if s is not None:
            sentences.append(s + _ch(rnd, pos_marks))
    seen_extra: set[str] = set()

    order = sorted(range(len(ctx.aspects)), key=lambda k: (not ctx.polarity[k], rnd.random()))
    if rnd.random() < 0.25:
        rnd.shuffle(order)
    if short:
        order = order[:1]
    seen_positive = seen_negative = False
    pending_conn: str | None = None
    used: set[str] = set()
    for n_done, k in enumerate(order):
        positive = ctx.polarity[k]
        full, conn = _clause(ctx.aspects[k], positive, ctx, level, rnd)
        mark = _ch(rnd, pos_marks if positive else neg_marks)
        if pending_conn is not None:
            sentences[-1] = sentences[-1] + " " + full + mark
            pending_conn = None
            continue
        if positive:
            prefix = _ch(rnd, _FIRST_CONNECTIVES if n_done == 0 else _POS_CONNECTIVES)
            if seen_negative:
                prefix = _ch(rnd, _AFTER_NEGATIVE)
            elif not prefix and rnd.random() < 0.12:
                prefix = _ch(rnd, _ADV) + " "
        else:
            prefix = _ch(rnd, _CONTRAST) if seen_positive and not seen_negative else ""
            if ctx.aspects[k] in _HEDGED and rnd.random() < 0.25:
                prefix += _ch(rnd, _HEDGES)
        if prefix in used:
            prefix = ""
        used.add(prefix)
        if lead:
            prefix, lead = lead, ""
        nxt = order[n_done + 1] if n_done + 1 < len(order) else None
        if (
            conn is not None
            and nxt is not None
            and ctx.polarity[nxt] == positive
            and rnd.random() < 0.4
        ):
            sentences.append(prefix + conn)
            pending_conn = conn
        else:
            sentences.append(prefix + full + mark)
        seen_positive |= positive
        seen_negative |= not positive
    after_kinds = [0, 0, 0]
    for _ in range(n_extra - n_before):
        extra = _after_sentence(ctx, level, rnd, after_kinds)
        if extra is not None and extra[0] not in seen_extra:
            seen_extra.add(extra[0])
            sentences.append(extra[0] + _ch(rnd, pos_marks if extra[1] else neg_marks))
    good = ctx.rating >= 4
    if ctx.reaction and not short:
        sentences.append(_ch(rnd, _PARTY_REACTION[ctx.party][good])[level] + ".")
    if rnd.random() < (0.3 if short else 0.6):
        sentences.append(_ch(rnd, _CLOSINGS_L[ctx.rating])[level] + _ch(rnd, pos_marks))
    text = " ".join(sentences).replace("  ", " ")
    tail = rnd.random()
    if tail < _EMOJI_P[ctx.age]:
        text += " " + _ch(rnd, _EMOJI[ctx.rating >= 3]) * _ch(rnd, (1, 1, 1, 2, 3))
    elif tail > 0.93:
        text += _ch(rnd, _LAUGHS if ctx.rating >= 3 else _SOBS)
    return _noisy(text, rnd)
