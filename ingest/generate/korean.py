"""Small Korean text helpers: particles (조사) that depend on the final consonant."""

from __future__ import annotations

_HANGUL_FIRST, _HANGUL_LAST = 0xAC00, 0xD7A3


def has_batchim(word: str) -> bool:
    """Whether the last syllable ends in a consonant (받침). Digits and Latin letters are
    read the Korean way only roughly; a trailing non-Hangul counts as no 받침 except for
    the usual consonant-final cases (l, m, n, ng) and digits read with 받침."""
    word = word.rstrip(" )")
    if not word:
        return False
    last = word[-1]
    code = ord(last)
    if _HANGUL_FIRST <= code <= _HANGUL_LAST:
        return (code - _HANGUL_FIRST) % 28 != 0
    if last.isdigit():
        return last in "0136780"
    return last.lower() in "lmn"


def josa(word: str, with_batchim: str, without_batchim: str) -> str:
    """word + the right particle, e.g. josa('고기국수', '이', '가') → '고기국수가'."""
    return word + (with_batchim if has_batchim(word) else without_batchim)


def i_ga(word: str) -> str:
    return josa(word, "이", "가")


def eun_neun(word: str) -> str:
    return josa(word, "은", "는")


def eul_reul(word: str) -> str:
    return josa(word, "을", "를")


def iran_rang(word: str) -> str:
    return josa(word, "이랑", "랑")
