"""Generated review text: the phrase banks' rules, speech levels, determinism, a wide
vocabulary, and aspect mentions the retrieval eval (evals/retrieval_sets.py) can still find."""

from __future__ import annotations

import random
from collections.abc import Iterator

import pytest

import ingest.generate.reviews as reviews_mod
from evals.retrieval_sets import ATTRIBUTE_WORDS
from ingest.generate.clicks import travel_tastes
from ingest.generate.config import SCALES
from ingest.generate.geo import JejuLocator
from ingest.generate.korean import speech_levels
from ingest.generate.merchants import build_merchants
from ingest.generate.products import build_products
from ingest.generate.review_text import (
    _CLOSINGS,
    ASPECTS,
    ATTRIBUTE_PHRASES,
    ReviewContext,
    compose_review,
)
from ingest.generate.users import build_users
from ingest.generate.vocab import load_review_phrases
from tripgraph.vocab import REVIEW_PARTIES, load_categories, load_cities, load_jeju

SEED = 3
# Parties whose own words name an attribute: 아이 (kids), 친구 (모임: a group).
_PARTY_MENTIONS = {"kid_friendly": {"아이"}, "group_seating": {"친구"}}


@pytest.fixture(scope="module")
def contexts() -> list[ReviewContext]:
    """The contexts the generator builds for the demo scale (6,000 reviews)."""
    cfg = SCALES["demo"]
    users = build_users(cfg, SEED)
    merchants = build_merchants(cfg, SEED, JejuLocator())
    travel = travel_tastes(users, build_products(cfg, SEED), SEED)
    seen: list[ReviewContext] = []

    def recording(ctx: ReviewContext, rnd: random.Random) -> str:
        seen.append(ctx)
        return ""

    mp = pytest.MonkeyPatch()
    mp.setattr(reviews_mod, "compose_review", recording)
    try:
        for _ in reviews_mod.iter_review_chunks(cfg, SEED, merchants, users, travel):
            pass
    finally:
        mp.undo()
    return seen


@pytest.fixture(scope="module")
def texts(contexts: list[ReviewContext]) -> list[str]:
    rnd = random.Random(SEED)
    return [compose_review(c, rnd) for c in contexts]


def _levels(clauses: tuple[tuple[str, str | None], ...]) -> Iterator[str]:
    for full, conn in clauses:
        yield from speech_levels(full)
        if conn:
            yield conn


def test_phrase_banks_cover_the_generator() -> None:
    p = load_review_phrases()
    categories = set(load_categories().category_names)
    assert set(p.attributes) | set(p.qualities) | {"taste"} == set(ASPECTS)
    assert set(p.taste_by_category) <= categories
    assert set(p.descriptors_by_category) <= categories
    for bank in (p.openings_lead, p.openings_sentence, p.reactions):
        assert set(bank) == set(REVIEW_PARTIES)
    assert set(p.closings) == set(p.oneliners) == {1, 2, 3, 4, 5}
    assert set(p.seasons) == set(range(1, 13))
    assert len(p.people) == 6
    assert set(p.dishes_by_category) == categories
    assert set(p.places_by_region) == {r.slug for r in load_jeju().regions}


def test_names_and_dishes_do_not_spell_attribute_words() -> None:
    """Landmarks, dishes and the merchants' menus appear in any review: none of them may
    contain a word the retrieval eval reads as an attribute mention ("아이스크림")."""
    p = load_review_phrases()
    names = [
        *(n for v in p.places_by_region.values() for n in v),
        *(d for v in p.dishes_by_category.values() for d in v),
        *p.sides,
        *load_categories().menu_names,
        *(poi.name for poi in load_cities().jeju_pois),
    ]
    words = [w for ws in ATTRIBUTE_WORDS.values() for w in ws]
    assert not [(n, w) for n in names for w in words if w in n]


def test_true_attribute_phrases_name_the_attribute_for_the_eval() -> None:
    for attr, sides in ATTRIBUTE_PHRASES.items():
        words = ATTRIBUTE_WORDS[attr]
        for text in _levels(sides[True]):
            assert any(w in text for w in words), (attr, text)
        true_side, false_side = set(_levels(sides[True])), set(_levels(sides[False]))
        for a in true_side:
            for b in false_side:
                assert a not in b and b not in a, (attr, a, b)


@pytest.mark.parametrize(
    ("sentence", "expected"),
    [
        ("좋았어요", ("좋았어요", "좋았습니다", "좋았음", "좋았다", "좋았어")),
        ("친절해요", ("친절해요", "친절합니다", "친절함", "친절하다", "친절해")),
        ("최고예요", ("최고예요", "최고입니다", "최고임", "최고다", "최고야")),
        ("맛집이에요", ("맛집이에요", "맛집입니다", "맛집임", "맛집이다", "맛집이야")),
        ("또 올게요", ("또 올게요",) * 4 + ("또 올게",)),
        ("강추합니다", ("강추해요", "강추합니다", "강추함", "강추한다", "강추해")),
        ("예뻐요", ("예뻐요",) * 4 + ("예뻐",)),
    ],
)
def test_speech_levels(sentence: str, expected: tuple[str, ...]) -> None:
    assert speech_levels(sentence) == expected


def test_same_seed_same_text(contexts: list[ReviewContext], texts: list[str]) -> None:
    again = random.Random(SEED)
    assert [compose_review(c, again) for c in contexts[:500]] == texts[:500]
    other = random.Random(SEED + 1)
    assert [compose_review(c, other) for c in contexts[:500]] != texts[:500]


def test_vocabulary_is_wide_and_lengths_spread(texts: list[str]) -> None:
    per_1k = [len({w for t in texts[i : i + 1000] for w in t.split()}) for i in (0, 2000, 4000)]
    assert min(per_1k) > 2500, per_1k  # 950 before the phrase banks were widened
    lengths = sorted(len(t) for t in texts)
    assert lengths[len(lengths) // 20] < 15  # one-liners
    assert lengths[-len(lengths) // 50] > 150  # and long reviews
    assert len(set(texts)) / len(texts) > 0.95


def test_attribute_mentions_follow_the_review_aspects(
    contexts: list[ReviewContext], texts: list[str]
) -> None:
    """What evals/retrieval_sets.py relies on: a review mentions an attribute (by its eval
    words) when it was written about it, and otherwise only through the party's words."""
    for attr, words in ATTRIBUTE_WORDS.items():
        about = mentioned = 0
        for ctx, text in zip(contexts, texts, strict=True):
            says = any(w in text for w in words)
            if attr in ctx.aspects:
                if ctx.polarity[ctx.aspects.index(attr)]:
                    about += 1
                    mentioned += says
            elif says:
                assert ctx.party in _PARTY_MENTIONS.get(attr, set()), (attr, ctx.party, text)
        assert about > 50 and mentioned / about > 0.8, (attr, about, mentioned)


def test_closings_and_parents_fit_the_review(
    contexts: list[ReviewContext], texts: list[str]
) -> None:
    for ctx, text in zip(contexts, texts, strict=True):
        for stars, closings in _CLOSINGS.items():
            if stars != ctx.rating:
                assert not any(c in text for c in closings), (ctx.rating, text)
        if "부모님 모시고" in text:
            assert ctx.party == "부모님", text
