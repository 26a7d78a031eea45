"""Surface variation of template literals: politeness level, colloquial endings, spacing and
typos, drawn per rendered question.

Only literal text between slots is varied (slot values and their spans stay exact). The
variations are generic to Korean chat — endings, dropped spaces, a doubled or dropped
syllable — and never intent-specific, so they widen every intent's phrasing the same way
and a held-out family stays unseen.
"""

from __future__ import annotations

import random
import re

# (pattern, alternatives): a matched ending is replaced by one alternative, the pattern's own
# form included, so the written form stays the most common.
_ENDINGS: tuple[tuple[str, tuple[str, ...]], ...] = (
    (
        r"추천해줘",
        (
            "추천해줘",
            "추천해 줘",
            "추천해주세요",
            "추천해 주실래요",
            "추천 부탁드려요",
            "추천좀",
            "추천해줄래",
        ),
    ),
    (r"알려줘", ("알려줘", "알려 줘", "알려주세요", "알려줄래", "알려주실 수 있나요", "알려줘요")),
    (r"보여줘", ("보여줘", "보여 줘", "보여주세요", "보여줄래", "보여주실래요")),
    (r"찾아줘", ("찾아줘", "찾아 줘", "찾아주세요", "찾아줄래", "찾아봐줘")),
    (r"골라줘", ("골라줘", "골라 줘", "골라주세요", "골라줄래")),
    (r"있어\?", ("있어?", "있나요?", "있을까요?", "있음?", "있어요?", "있니?", "있어??")),
    (r"어디야\??", ("어디야?", "어디예요?", "어딘가요?", "어디임?", "어디야")),
    (r"뭐야\??", ("뭐야?", "뭔가요?", "뭐예요?", "뭐임?", "뭐야")),
    (r"몇 개야\??", ("몇 개야?", "몇 개예요?", "몇 개임?", "몇개야", "몇 개나 돼?")),
    (r"어때\?", ("어때?", "어떤가요?", "어때요?", "어떰?")),
    (r"있을까\??", ("있을까?", "있을까요?", "있으려나", "있을까")),
)
_COMPILED = tuple((re.compile(p), alts) for p, alts in _ENDINGS)


def vary(literal: str, rng: random.Random, strength: float = 1.0) -> str:
    """One variant of a literal piece of a template."""
    s = literal
    for pattern, alts in _COMPILED:
        if pattern.search(s) and rng.random() < 0.6 * strength:
            s = pattern.sub(lambda _m, a=alts: rng.choice(a), s, count=1)  # type: ignore[misc]
    # Dropped spaces (띄어쓰기 is often skipped in chat), never at the piece's edges where a
    # slot value touches: that would change what the slot's neighbours look like only.
    if " " in s.strip() and rng.random() < 0.25 * strength:
        inner = [i for i, ch in enumerate(s) if ch == " " and 0 < i < len(s) - 1]
        if inner:
            i = rng.choice(inner)
            s = s[:i] + s[i + 1 :]
    # A typo: a doubled or a dropped Hangul syllable inside a word.
    if rng.random() < 0.08 * strength:
        idx = [i for i, ch in enumerate(s) if "가" <= ch <= "힣"]
        if len(idx) >= 3:
            i = rng.choice(idx[1:-1])
            s = s[:i] + s[i] + s[i:] if rng.random() < 0.5 else s[:i] + s[i + 1 :]
    return s


def vary_ending(text: str, rng: random.Random, strength: float = 1.0) -> str:
    """Trailing punctuation drift of a whole question (only literal characters change)."""
    if rng.random() < 0.1 * strength:
        return text.rstrip("?") + rng.choice(("", "?", "??", "~", "ㅎㅎ", " ㅠㅠ"))
    return text
