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


# Speech levels of a review sentence, in this order: 해요체 (as written), 합니다체, 음슴체,
# 한다체 (plain written) and 반말.
SPEECH_LEVELS: tuple[str, ...] = ("haeyo", "hamnida", "eum", "plain", "banmal")
_JONG_SS = 20  # final consonant index of ㅆ


def _final(ch: str) -> int:
    """Index of the syllable's final consonant (0 = none), -1 for a non-Hangul character."""
    code = ord(ch) - _HANGUL_FIRST
    return code % 28 if 0 <= code <= _HANGUL_LAST - _HANGUL_FIRST else -1


def speech_levels(sentence: str) -> tuple[str, str, str, str, str]:
    """The sentence in each of `SPEECH_LEVELS`, derived from its 해요체 or 합니다체 ending
    ("좋았어요" → 좋았습니다 / 좋았음 / 좋았다 / 좋았어). Endings the rules do not know
    stay as written in the levels they cannot be put into (real reviews mix levels too)."""
    s = sentence
    if s.endswith("습니다") and len(s) > 3 and _final(s[-4]) == _JONG_SS:
        stem = s[:-3]  # 했습니다, 있습니다
        return (stem + "어요", s, stem + "음", stem + "다", stem + "어")
    if s.endswith("합니다"):
        stem = s[:-3]
        return (stem + "해요", s, stem + "함", stem + "한다", stem + "해")
    if s.endswith("입니다"):
        stem = s[:-3]
        cop = ("이다", "이야") if has_batchim(stem) else ("다", "야")
        return (s, s, stem + "임", stem + cop[0], stem + cop[1])
    if not s.endswith("요") or len(s) < 3:
        return (s, s, s, s, s)
    body = s[:-1]
    if body.endswith("거예"):
        stem = body[:-2]
        return (s, stem + "겁니다", stem + "거임", stem + "거다", stem + "거야")
    if body.endswith("이에"):
        stem = body[:-2]
        return (s, stem + "입니다", stem + "임", stem + "이다", stem + "이야")
    if body.endswith("예"):
        stem = body[:-1]
        return (s, stem + "입니다", stem + "임", stem + "다", stem + "야")
    if body.endswith(("세", "더라고", "게")):  # honorific/imperative, hearsay, promise
        return (s, s, s, s, body if body.endswith("게") else s)
    if body.endswith("네"):
        return (s, s, s, body, body)
    if body.endswith("해"):
        stem = body[:-1]
        return (s, stem + "합니다", stem + "함", stem + "하다", body)
    if body[-1] in "어아" and _final(body[-2]) > 0:
        stem = body[:-1]  # 좋아요, 있어요, 맛있었어요
        return (s, stem + "습니다", stem + "음", stem + "다", body)
    return (s, s, s, s, body)
