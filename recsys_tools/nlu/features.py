"""Syllable features for the CRF: the syllable and its neighbours, the syllable's word
(어절) position, and the morpheme kiwipiepy puts over it (POS tag, position in the morpheme).

Morphology is what lets a CRF tag a name it has never seen: kiwi marks unknown words as
nouns (NNP/NNG) and splits off the particle, so "파타야에서" gets a noun over 파타야 and a
JKB over 에서 even when 파타야 is not in the training data.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

Features = dict[str, str | float]


@lru_cache(maxsize=1)
def _kiwi() -> Any:
    from kiwipiepy import Kiwi

    return Kiwi()


def unknown_word(word: str) -> bool:
    """Whether kiwipiepy reads `word` as one morpheme missing from its dictionary (an OOV
    noun guessed from the shape: '중믄', '애워'), not as a word Korean has ('대형', '신상') or
    as known morphemes ('오래', '일대'). A place-name slip is safe to apply only then."""
    tokens = _kiwi().tokenize(word)
    return len(tokens) == 1 and bool(tokens[0].oov)


def common_noun(word: str) -> bool:
    """Whether kiwipiepy reads `word` as one common noun it knows ('고사리', '가정'), not a
    proper noun ('세화리'), an OOV guess ('헙재') or several morphemes ('성삼에서')."""
    tokens = _kiwi().tokenize(word)
    return len(tokens) == 1 and not tokens[0].oov and tokens[0].tag == "NNG"


@dataclass(frozen=True)
class Morpheme:
    form: str
    tag: str
    start: int
    length: int


def analyse(texts: Sequence[str]) -> list[list[Morpheme]]:
    """kiwipiepy morphemes per text (one call for the batch; shared by tagger and intent)."""
    if not texts:
        return []
    return [
        [Morpheme(t.form, t.tag, t.start, t.len) for t in tokens]
        for tokens in _kiwi().tokenize(list(texts))
    ]


def morph_tags(
    texts: Sequence[str], analysed: Sequence[Sequence[Morpheme]] | None = None
) -> list[list[tuple[str, str]]]:
    """Per text, per character: (POS tag, B/I position) of the morpheme over it."""
    if analysed is None:
        analysed = analyse(texts)
    out: list[list[tuple[str, str]]] = []
    for text, tokens in zip(texts, analysed, strict=True):
        per_char = [("SPACE" if ch.isspace() else "X", "O") for ch in text]
        for tok in tokens:
            for j in range(tok.start, min(tok.start + max(tok.length, 1), len(text))):
                if per_char[j][1] == "O":  # first morpheme over a char wins (contractions)
                    per_char[j] = (tok.tag, "B" if j == tok.start else "I")
        out.append(per_char)
    return out


def _ctype(ch: str) -> str:
    if ch.isspace():
        return "S"
    if "가" <= ch <= "힣":
        return "H"
    if ch.isdigit():
        return "D"
    if ch.isascii() and ch.isalpha():
        return "L"
    return "P"


def sentence_features(
    text: str, morphs: Sequence[tuple[str, str]], context_words: bool = False
) -> list[Features]:
    """Features per character. `context_words` adds the neighbouring words (the end of the
    previous 어절, the start of the next): "…에서", "근처", "가는" tell a place slot from its
    context whatever the name is, where syllable-identity features only memorise names."""
    n = len(text)
    # 어절 (space-separated word) boundaries per char.
    word_start = [0] * n
    word_end = [0] * n
    i = 0
    while i < n:
        j = i
        while j < n and not text[j].isspace():
            j += 1
        for k in range(i, j):
            word_start[k], word_end[k] = i, j
        i = j + 1 if j < n else j

    def ch(k: int) -> str:
        return text[k] if 0 <= k < n else ("<s>" if k < 0 else "</s>")

    def tag(k: int) -> str:
        return morphs[k][0] if 0 <= k < n else "PAD"

    feats: list[Features] = []
    for k in range(n):
        c = text[k]
        f: Features = {
            "bias": 1.0,
            "c": c,
            "t": _ctype(c),
            "c-1": ch(k - 1),
            "c+1": ch(k + 1),
            "c-2": ch(k - 2),
            "c+2": ch(k + 2),
            "c-1c": ch(k - 1) + c,
            "cc+1": c + ch(k + 1),
            "c-1cc+1": ch(k - 1) + c + ch(k + 1),
            "m": morphs[k][0],
            "mpos": morphs[k][1],
            "m-1": tag(k - 1),
            "m+1": tag(k + 1),
            "m-2": tag(k - 2),
            "m+2": tag(k + 2),
            "mm": morphs[k][0] + "|" + tag(k + 1),
        }
        if not c.isspace():
            ws, we = word_start[k], word_end[k]
            f["wpos"] = "B" if k == ws else ("E" if k == we - 1 else "I")
            f["wlen"] = str(min(we - ws, 6))
            f["wtail"] = text[max(ws, we - 2) : we]  # the word's last syllables: its particle
            f["wtail1"] = text[we - 1]
            f["whead"] = text[ws : ws + 2]
            f["to_end"] = str(min(we - 1 - k, 4))
            if context_words:
                prev_end = ws - 1  # the space before this word (or -1)
                while prev_end > 0 and text[prev_end - 1].isspace():
                    prev_end -= 1
                f["pw"] = text[word_start[prev_end - 1] : prev_end][-2:] if prev_end > 0 else "<s>"
                nxt = we
                while nxt < n and text[nxt].isspace():
                    nxt += 1
                f["nw"] = text[nxt : word_end[nxt]][:2] if nxt < n else "</s>"
        feats.append(f)
    return feats


def featurise(
    texts: Sequence[str],
    analysed: Sequence[Sequence[Morpheme]] | None = None,
    context_words: bool = False,
) -> list[list[Features]]:
    return [
        sentence_features(t, m, context_words)
        for t, m in zip(texts, morph_tags(texts, analysed), strict=True)
    ]
