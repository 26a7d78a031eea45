"""Hangul as sounds: syllables split into initial, vowel and final; a sound key under which
the spellings Koreans confuse read alike; the Revised Romanisation travellers type.

Why: users write what they hear. '돈가스' and '돈까스', '고기국쑤', '한싴', '갈치졸임' (for
조림), '카패' and '배이커리' are the same words to a Korean reader, and 'Hyeopjae' or
'Gimnyeong' are how visitors spell places whose Hangul they cannot type. Comparing under
the sound key, and listing the romanised forms of the gazetteer's names, reads them without
a word list of misspellings.
"""

from __future__ import annotations

_BASE, _LAST = 0xAC00, 0xD7A3
_INITIALS = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_VOWELS = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_FINALS = ["", *"ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"]

# The sound key: tense and aspirated initials read as plain (ㄲ ㅋ → ㄱ ...); ㅐ/ㅔ, ㅒ/ㅖ
# and ㅙ/ㅞ/ㅚ, which most speakers no longer tell apart, as one; finals as they sound at
# the end of a syllable (ㅋ → ㄱ, ㅅ ㅈ ㅊ ㅌ ㅎ → ㄷ, ㅍ → ㅂ, double finals by the one heard).
_INITIAL_KEY = dict(zip("ㄲㅋㄸㅌㅃㅍㅆㅉㅊ", "ㄱㄱㄷㄷㅂㅂㅅㅈㅈ", strict=True))
_VOWEL_KEY = dict(zip("ㅐㅒㅙㅞ", "ㅔㅖㅚㅚ", strict=True))
_FINAL_KEY = {
    **dict.fromkeys(("ㄲ", "ㅋ", "ㄳ", "ㄺ"), "ㄱ"),
    **dict.fromkeys(("ㄵ", "ㄶ"), "ㄴ"),
    **dict.fromkeys(("ㅅ", "ㅆ", "ㅈ", "ㅊ", "ㅌ", "ㅎ"), "ㄷ"),
    **dict.fromkeys(("ㄼ", "ㄽ", "ㄾ", "ㅀ"), "ㄹ"),
    "ㄻ": "ㅁ",
    **dict.fromkeys(("ㅍ", "ㅄ", "ㄿ"), "ㅂ"),
}
# A final that moves onto a following ㅇ (liaison: 졸임 sounds 조림): the initial it becomes
# ("" for ㅎ and ㄶ's ㅎ, which fall silent: 좋아 sounds 조아). ㅇ is absent: it stays put.
_CARRIED: dict[str, str] = {f: f for f in _INITIALS if f != "ㅇ"} | {
    "ㄳ": "ㅅ",
    "ㄺ": "ㄱ",
    "ㄻ": "ㅁ",
    "ㄼ": "ㅂ",
    "ㄶ": "",
    "ㅎ": "",
}


def syllables(text: str) -> list[tuple[str, str, str] | str]:
    """Each character: (initial, vowel, final) for a Hangul syllable, else the character."""
    out: list[tuple[str, str, str] | str] = []
    for ch in text:
        code = ord(ch)
        if _BASE <= code <= _LAST:
            i, rest = divmod(code - _BASE, 588)
            v, f = divmod(rest, 28)
            out.append((_INITIALS[i], _VOWELS[v], _FINALS[f]))
        else:
            out.append(ch)
    return out


def _compose(i: str, v: str, f: str) -> str:
    return chr(_BASE + _INITIALS.index(i) * 588 + _VOWELS.index(v) * 28 + _FINALS.index(f))


def sound_key(text: str) -> str:
    """`text` with every Hangul syllable replaced by its sound (same length, so positions
    carry over): sound_key('돈까스') == sound_key('돈가스'), '졸임' → the key of '조림'."""
    parts = syllables(text)
    for n in range(len(parts) - 1):
        cur, nxt = parts[n], parts[n + 1]
        if isinstance(cur, tuple) and isinstance(nxt, tuple) and cur[2] and nxt[0] == "ㅇ":
            carried = _CARRIED.get(cur[2])
            if carried is not None:
                parts[n] = (cur[0], cur[1], "")
                parts[n + 1] = (carried or "ㅇ", nxt[1], nxt[2])
    out = []
    for p in parts:
        if isinstance(p, str):
            out.append(p)
            continue
        i, v, f = p
        out.append(_compose(_INITIAL_KEY.get(i, i), _VOWEL_KEY.get(v, v), _FINAL_KEY.get(f, f)))
    return "".join(out)


def one_jamo_typo(a: str, b: str) -> bool:
    """Same length, and exactly one syllable differs, in one of its three parts only: a vowel
    ('서귀표' for 서귀포), a final ('성삼' for 성산) or an initial ('셩산' aside, '넝산'): the
    slips on a Korean keyboard that keep a name readable."""
    if len(a) != len(b):
        return False
    diff = [(x, y) for x, y in zip(a, b, strict=True) if x != y]
    if len(diff) != 1:
        return False
    x, y = syllables(diff[0][0])[0], syllables(diff[0][1])[0]
    if isinstance(x, str) or isinstance(y, str):
        return False
    return sum(p != q for p, q in zip(x, y, strict=True)) == 1


# Revised Romanisation of Korean (2000), the spelling of road signs and maps.
_R_INITIAL = dict(
    zip(
        _INITIALS,
        [
            "g",
            "kk",
            "n",
            "d",
            "tt",
            "r",
            "m",
            "b",
            "pp",
            "s",
            "ss",
            "-",
            "j",
            "jj",
            "ch",
            "k",
            "t",
            "p",
            "h",
        ],
        strict=True,
    )
)
_R_VOWEL = dict(
    zip(
        _VOWELS,
        [
            "a",
            "ae",
            "ya",
            "yae",
            "eo",
            "e",
            "yeo",
            "ye",
            "o",
            "wa",
            "wae",
            "oe",
            "yo",
            "u",
            "wo",
            "we",
            "wi",
            "yu",
            "eu",
            "ui",
            "i",
        ],
        strict=True,
    )
)
_R_FINAL = {"": "", "ㄱ": "k", "ㄴ": "n", "ㄷ": "t", "ㄹ": "l", "ㅁ": "m", "ㅂ": "p", "ㅇ": "ng"}


def romanise(text: str) -> str:
    """The Revised Romanisation of a Hangul name, lower case: '협재' → 'hyeopjae', '한림' →
    'hallim', '김녕' → 'gimnyeong', '성산일출봉' → 'seongsanilchulbong'. The sound changes
    road signs show are applied (liaison, ㄴ+ㄹ → ll, nasalisation before ㄴ/ㅁ/ㄹ); the
    aspiration ㄱ/ㅂ + ㅎ is not, as RR leaves it in names ('법환' → 'beophwan'). Characters
    that are not Hangul are kept as they are."""
    parts = syllables(text)
    out: list[str] = []
    for n, p in enumerate(parts):
        if isinstance(p, str):
            out.append(p.lower())
            continue
        i, v, f = p
        prev = parts[n - 1] if n else None
        nxt = parts[n + 1] if n + 1 < len(parts) else None
        prev_final = prev[2] if isinstance(prev, tuple) else ""
        if i == "ㅇ" and prev_final and prev_final not in ("ㅇ", "ㅎ"):
            i = _CARRIED.get(prev_final) or "ㅇ"  # liaison: the final moved here
        elif (
            i == "ㄹ" and prev_final and _FINAL_KEY.get(prev_final, prev_final) not in ("ㄹ", "ㄴ")
        ):
            i = "ㄴ"  # 백록 baengnok, 종로 jongno: ㄹ after other finals sounds ㄴ
        elif i == "ㄴ" and _FINAL_KEY.get(prev_final, prev_final) == "ㄹ":
            i = "ㄹ"  # 별내 byeollae
        init = "" if i == "ㅇ" else _R_INITIAL[i]
        if i == "ㄹ" and _FINAL_KEY.get(prev_final, prev_final) in ("ㄹ", "ㄴ"):
            init = "l"
        fin = _FINAL_KEY.get(f, f)
        nxt_i = nxt[0] if isinstance(nxt, tuple) else ""
        if f and nxt_i == "ㅇ" and f != "ㅇ":
            fin = ""  # carried onto the next syllable (ㅎ falls silent: 좋아 joa)
        elif nxt_i in ("ㄴ", "ㅁ", "ㄹ") and fin in ("ㄱ", "ㄷ", "ㅂ"):
            fin = {"ㄱ": "ㅇ", "ㄷ": "ㄴ", "ㅂ": "ㅁ"}[fin]  # nasalised: 국물 gungmul
        elif fin == "ㄴ" and nxt_i == "ㄹ":
            fin = "ㄹ"  # 한림 hallim
        out.append(init + _R_VOWEL[v] + _R_FINAL.get(fin, ""))
    return "".join(out)
