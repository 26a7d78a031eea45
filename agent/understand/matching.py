"""Finding the vocabulary's words in a question: Korean particles and spacing, alias
tables (longest first, no overlaps), spellings as heard and one-vowel typos, word tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from agent.understand.hangul import sound_key, syllables

_PARTICLES = (
    "에서는",
    "에서도",
    "으로는",
    "이랑은",
    "에서",
    "으로",
    "이나",
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
    "나",  # '회나 초밥'
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


@cache
def _ascii_word(alias: str) -> re.Pattern[str]:
    # Latin names count as whole words only: 'ora' (오라동) is not in 'korean'.
    return re.compile(rf"(?<![a-z]){re.escape(alias)}(?:e?s)?(?![a-z])")


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
            # A spacing variant: '서귀포시내' for '서귀포 시내', '전복 죽' for '전복죽'; one
            # that starts a word: '갈만한 식당' holds no 한식당.
            at = where[pos]
            if not (at and low[at - 1].isalnum()):
                hits.append((at, where[pos + len(key) - 1] + 1, alias))
    # Longest first; among equally long ones the earlier wins ('초밥집': 초밥, not 밥집).
    taken: list[tuple[int, int]] = []
    found: list[Match] = []
    for pos, end, alias in sorted(hits, key=lambda h: (-(h[1] - h[0]), h[0])):
        if not any(pos < e and s < end for s, e in taken):
            taken.append((pos, end))
            found.append(Match(table[alias], alias, pos, end))
    return sorted(found, key=lambda m: m.start)


def _words_at(low: str, start: int) -> tuple[str, ...]:
    """The word of `low` starting at `start`, as written and without a particle ('해안도로를'
    → 해안도로를, 해안도로)."""
    m = _WORD.match(low, start)
    word = m.group() if m else ""
    return (word, *(word[: -len(p)] for p in _PARTICLES if word.endswith(p) and len(word) > len(p)))


@cache
def _sound(word: str) -> str:
    return sound_key(word)


@cache
def _wildcards(word: str) -> tuple[str, ...]:
    """`word` with one jamo of one syllable blanked, every way: two words one jamo apart
    (서귀표/서귀포, 성삼/성산) share one of these keys."""
    parts = [p if isinstance(p, str) else "".join(p) or "-" for p in syllables(word)]
    out = []
    for j, p in enumerate(parts):
        if len(p) != 3 and not (len(p) == 2 and "가" <= word[j] <= "힣"):
            continue
        triple = p if len(p) == 3 else p + "_"  # no final: '_' stands for it
        for k in range(3):
            blanked = triple[:k] + "*" + triple[k + 1 :]
            out.append("|".join([*parts[:j], blanked, *parts[j + 1 :]]))
    return tuple(out)


# Place names at least this long are also read with one jamo typo or by their sound;
# shorter ones only when a place word follows (`marked`): alone, '아래' is one vowel from 아라.
FUZZY_MIN_LEN = 3


def fuzzy_find(
    text: str,
    table: dict[str, str],
    min_len: int = FUZZY_MIN_LEN,
    marks: tuple[str, ...] = (),
    known: frozenset[str] = frozenset(),
) -> Match | None:
    """The first alias of `table` (Hangul) that `text` holds spelt as it sounds ('돈가스' for
    돈까스, '갈치졸임') or with one jamo typo ('서귀표', '성삼에서'), at the start of a word and not
    across words: aliases of `min_len` syllables or more anywhere (typos from
    FUZZY_MIN_LEN), shorter ones (of two) spelt as they sound anywhere ('에월 카페') and with
    a typo only when followed by one of `marks` ('헙재 해변', '성삼에서'). A span that is
    itself a `known` word is never a slip ('대전에서' is the city, not 대천동). None when
    there is none."""
    low = text.lower()
    compact, where = _compact_map(low)
    # The text's spans by length, indexed by sound and by consonants (vowels left out), so
    # each alias is a lookup instead of a scan: ~1,800 aliases per question.
    spans: dict[int, tuple[dict[str, list[int]], dict[str, list[int]]]] = {}
    best: Match | None = None
    for alias, canonical in table.items():
        key = _compact(alias)
        n = len(key)
        if n < 2 or key.isascii() or (n < min_len and not marks) or n > len(compact):
            continue
        if n not in spans:
            by_sound: dict[str, list[int]] = {}
            by_typo: dict[str, list[int]] = {}
            for i in range(len(compact) - n + 1):
                # The span's own sound, not a slice of the whole text's: a liaison into the
                # next word ('에월에서' sounds 에워레서) is not part of the name.
                by_sound.setdefault(_sound(compact[i : i + n]), []).append(i)
                for w in _wildcards(compact[i : i + n]):
                    by_typo.setdefault(w, []).append(i)
            spans[n] = (by_sound, by_typo)
        by_sound, by_typo = spans[n]
        sounds = set(by_sound.get(_sound(key), []))
        found = sorted(sounds)
        if n >= FUZZY_MIN_LEN or n < min_len:  # short names: typos only before a mark
            typos = {i for w in _wildcards(key) for i in by_typo.get(w, ())}
            found = sorted({*found, *typos})
        spaced = " " in alias
        for i in found:
            start, end = where[i], where[i + n - 1] + 1
            if compact[i : i + n] in known or not known.isdisjoint(_words_at(low, start)):
                continue  # a known word, or inside one ('해안도로' holds no 해안동)
            if (start and low[start - 1].isalnum()) or (not spaced and " " in low[start:end]):
                continue  # inside a word ('해변식당' holds no 분식) or across two
            if n < min_len and i not in sounds and not compact[i + n :].startswith(marks):
                continue  # a short name spelt as it sounds ('에월 카페') needs no mark
            if best is None or start < best.start:
                best = Match(canonical, alias, start, end)
            break
    return best


def _first(text: str, table: dict[str, str]) -> str | None:
    found = find_all(text, table)
    return found[0].canonical if found else None


def _has(text: str, words: tuple[str, ...]) -> bool:
    low = text.lower()
    compact = _compact(text)
    return any(
        _ascii_word(w).search(low) if w.isascii() else (w in low or _compact(w) in compact)
        for w in words
    )  # English words whole only: 'abalone' holds no 'alone


def _has_word(text: str, words: tuple[str, ...]) -> bool:
    """`_has`, except that one-syllable words count as whole tokens only ('딸' is not in
    '딸기', '펍' not in '펍지')."""
    long = tuple(w for w in words if len(w) > 1)
    toks = _tokens(text)
    return _has(text, long) or any(w in toks for w in words if len(w) == 1)
