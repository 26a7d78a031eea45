"""Finding the vocabulary's words in a question: Korean particles and spacing, alias
tables (longest first, no overlaps), one-vowel typos, word tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

_PARTICLES = (
    "에서는",
    "에서도",
    "으로는",
    "이랑은",
    "에서",
    "으로",
    "이랑",
    "한테",
    "하고",
    "까지",
    "부터",
    "처럼",
    "에는",
    "에도",
    "은",
    "는",
    "이",
    "가",
    "을",
    "를",
    "에",
    "로",
    "랑",
    "과",
    "와",
    "도",
    "의",
    "만",
    "집",
    "요",
)
_SPACE = re.compile(r"\s+")
_WORD = re.compile(r"[0-9A-Za-z가-힣]+")


def _compact(text: str) -> str:
    return _SPACE.sub("", text.lower())


def _tokens(text: str) -> set[str]:
    out: set[str] = set()
    for w in _WORD.findall(text.lower()):
        out.add(w)
        for p in _PARTICLES:
            if w.endswith(p) and len(w) > len(p):
                out.add(w[: -len(p)])
    return out


@dataclass
class Match:
    canonical: str
    surface: str
    start: int
    end: int = -1

    def overlaps(self, other: Match) -> bool:
        return self.start < other.end and other.start < self.end


def _compact_map(low: str) -> tuple[str, list[int]]:
    """`low` without whitespace, and the index in `low` of each kept character."""
    keep = [i for i, ch in enumerate(low) if not ch.isspace()]
    return "".join(low[i] for i in keep), keep


def _ascii_word(alias: str) -> re.Pattern[str]:
    # Latin names count as whole words only: 'ora' (오라동) is not in 'korean'.
    return re.compile(rf"(?<![a-z]){re.escape(alias)}(?![a-z])")


# Below this many characters (spaces removed) an alias is matched as written only: '이도'
# with spaces dropped would fire across words ('아이 도움').
COMPACT_MIN_LEN = 3


def find_all(text: str, table: dict[str, str]) -> list[Match]:
    """Every alias of `table` found in `text`, longest first, without overlaps.

    Aliases of one syllable ('회', '빵', '룸') only count as whole tokens: as substrings they
    would fire inside unrelated words (회식, 빵빵).
    """
    low = text.lower()
    toks = _tokens(text)
    compact, where = _compact_map(low)
    hits: list[tuple[int, int, str]] = []  # (start, end, alias)
    for alias in table:
        if len(alias) == 1:
            if alias in toks:
                pos = low.find(alias)
                hits.append((pos, pos + 1, alias))
            continue
        if alias.isascii():
            if alias in low:
                hits += [(m.start(), m.end(), alias) for m in _ascii_word(alias).finditer(low)]
            continue
        start, seen = 0, False
        while (pos := low.find(alias, start)) >= 0:
            hits.append((pos, pos + len(alias), alias))
            start, seen = pos + 1, True
        key = _compact(alias)
        if not seen and len(key) >= COMPACT_MIN_LEN and (pos := compact.find(key)) >= 0:
            # A spacing variant: '서귀포시내' for '서귀포 시내', '전복 죽' for '전복죽'.
            hits.append((where[pos], where[pos + len(key) - 1] + 1, alias))
    # Longest first; among equally long ones the earlier wins ('초밥집': 초밥, not 밥집).
    taken: list[tuple[int, int]] = []
    found: list[Match] = []
    for pos, end, alias in sorted(hits, key=lambda h: (-(h[1] - h[0]), h[0])):
        if not any(pos < e and s < end for s, e in taken):
            taken.append((pos, end))
            found.append(Match(table[alias], alias, pos, end))
    return sorted(found, key=lambda m: m.start)


_HANGUL0, _HANGUL1 = 0xAC00, 0xD7A3


def _vowel_typo(a: str, b: str) -> bool:
    """Same length, and at most one syllable differs, only in its vowel ('서귀표' for
    '서귀포'): the commonest slip on a Korean keyboard that keeps the word readable."""
    if len(a) != len(b):
        return False
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(diff) != 1:
        return False
    x, y = (ord(c) for c in diff[0])
    if not (_HANGUL0 <= x <= _HANGUL1 and _HANGUL0 <= y <= _HANGUL1):
        return False
    (xi, xr), (yi, yr) = divmod(x - _HANGUL0, 588), divmod(y - _HANGUL0, 588)
    return xi == yi and xr % 28 == yr % 28  # same initial and final consonant


# Place names at least this long are also read with one vowel typo; shorter ones would
# collide with ordinary words ('아래' is one vowel from 아라).
FUZZY_MIN_LEN = 3


def fuzzy_find(text: str, table: dict[str, str]) -> Match | None:
    """The first alias of `table` (Hangul, >= FUZZY_MIN_LEN syllables) that `text` holds
    with one vowel typo; None when there is none."""
    compact, where = _compact_map(text.lower())
    best: Match | None = None
    for alias, canonical in table.items():
        key = _compact(alias)
        n = len(key)
        if n < FUZZY_MIN_LEN or key.isascii():
            continue
        for i in range(len(compact) - n + 1):
            if _vowel_typo(compact[i : i + n], key):
                if best is None or where[i] < best.start:
                    best = Match(canonical, alias, where[i], where[i + n - 1] + 1)
                break
    return best


def _first(text: str, table: dict[str, str]) -> str | None:
    found = find_all(text, table)
    return found[0].canonical if found else None


def _has(text: str, words: tuple[str, ...]) -> bool:
    low = text.lower()
    compact = _compact(text)
    return any(w in low or _compact(w) in compact for w in words)


def _has_word(text: str, words: tuple[str, ...]) -> bool:
    """`_has`, except that one-syllable words count as whole tokens only ('딸' is not in
    '딸기', '펍' not in '펍지')."""
    long = tuple(w for w in words if len(w) > 1)
    toks = _tokens(text)
    return _has(text, long) or any(w in toks for w in words if len(w) == 1)
