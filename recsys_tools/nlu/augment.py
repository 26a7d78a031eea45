"""More training questions from the labelled ones: place slots re-filled with gazetteer
names (`augment_places`) or with synthetic names built from the syllables of real ones
(`synthetic_places`), and negative copies that put a word which is not a place into a place
slot (`negative_examples`, `negative_nouns`). Each re-renders the example's own template
(`render.rerender`), so the text around the new value stays what it was."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence

from recsys_tools.nlu.data import slot_vocabulary
from recsys_tools.nlu.examples import Example, PlaceEntity
from recsys_tools.nlu.labels import PLACE_LABELS
from recsys_tools.nlu.render import rerender, template_text


def augment_places(
    examples: Sequence[Example], places: Sequence[PlaceEntity], seed: int, copies: int = 1
) -> list[Example]:
    """Copies of the examples with every place slot re-filled from `places` (same label);
    only examples with at least one place slot are copied."""
    rng = random.Random(seed)
    by_label: dict[str, list[str]] = {}
    for e in places:
        by_label.setdefault(e.label, []).extend(e.surfaces)
    out: list[Example] = []
    for ex in examples:
        if not any(label in PLACE_LABELS for label, _ in ex.fills):
            continue
        for _ in range(copies):
            fills = [
                (label, rng.choice(by_label[label])) if label in PLACE_LABELS else (label, v)
                for label, v in ex.fills
            ]
            new = rerender(ex, fills, rng)
            if new is not None:
                out.append(new)
    return out


def negative_nouns(template_ids: Sequence[str], places: Sequence[PlaceEntity]) -> list[str]:
    """Common nouns for negative examples: the nouns (kiwipiepy NNG, 2+ syllables) of the
    literal text of `template_ids` (the training templates; never a held-out family), less
    anything that is an entity elsewhere: a slot value, a place surface or a place-kind head
    (거리, 시장…), so no negative contradicts a labelled occurrence."""
    from recsys_tools.nlu.features import analyse

    literals = [
        re.sub(r"\((이|으|은|을|와)\)|[\[\]]", "", re.sub(r"\{[A-Z]+\}", " | ", template_text(t)))
        for t in template_ids
    ]
    taken = {v for vs in slot_vocabulary().values() for v in vs}
    taken |= {s for e in places for s in e.surfaces}
    taken |= {h for hs in _NAME_HEADS.values() for h in hs}
    nouns = (
        m.form
        for toks in analyse(literals)
        for m in toks
        if m.tag == "NNG" and len(m.form) >= 2 and _is_hangul_word(m.form)
    )
    return sorted({n for n in nouns if n not in taken})


def negative_examples(
    examples: Sequence[Example],
    nouns: Sequence[str],
    seed: int,
    share: float,
    lexical: float = 0.25,
) -> list[Example]:
    """Copies of place questions with one place slot (chosen at random) holding a word that
    is not a place: with probability `lexical` a word of another entity label (a party,
    category, menu or attribute, labelled as such: "신혼" before 에서 is still PARTY), else a
    common noun from `nouns` with O tags. `share` is the expected number of copies per place
    question (0.5: every other one, 2: two each)."""
    rng = random.Random(seed)
    vocab = slot_vocabulary()
    lexical_labels = ("PARTY", "CATEGORY", "MENU", "ATTRIBUTE")
    out: list[Example] = []
    for ex in examples:
        slots = [i for i, (label, _) in enumerate(ex.fills) if label in PLACE_LABELS]
        if not slots:
            continue
        n_copies = int(share) + (rng.random() < share - int(share))
        for _ in range(n_copies):
            fills = list(ex.fills)
            i = rng.choice(slots)
            if rng.random() < lexical:
                label = rng.choice(lexical_labels)
                fills[i] = (label, rng.choice(vocab[label]))
            else:
                fills[i] = ("O", rng.choice(nouns))
            new = rerender(ex, fills, rng)
            if new is not None:
                out.append(new)
    return out


# --------------------------------------------------------------------------- synthetic names

# Heads that mark a place's kind in Korean names (the brief's 시/군/구/동/리/해변/공항/역 and
# the kinds the gazetteer's POIs show). A synthetic name takes one with the label's share.
_NAME_HEADS: dict[str, tuple[str, ...]] = {
    "COUNTRY": (),
    "CITY": ("시", "군"),
    "REGION": ("동", "읍", "리", "면", "구"),
    "POI": (
        "해변", "공항", "역", "시장", "야시장", "공원", "사원", "타워", "박물관", "해수욕장",
        "거리", "폭포", "섬", "산", "오름", "성당", "궁", "미술관", "전망대", "항",
    ),
}  # fmt: skip
_HEAD_SHARE = {"COUNTRY": 0.0, "CITY": 0.3, "REGION": 0.5, "POI": 0.75}
_LATIN_ONSETS = ("b", "ch", "d", "g", "h", "j", "k", "l", "m", "n", "p", "r", "s", "t", "w", "y")
_LATIN_VOWELS = ("a", "e", "i", "o", "u", "ai", "ao", "ou")


def _is_hangul_word(w: str) -> bool:
    return bool(w) and all("가" <= ch <= "힣" for ch in w)


def synthetic_places(
    places: Sequence[PlaceEntity],
    n_per_label: int,
    seed: int,
    avoid: Sequence[PlaceEntity] = (),
) -> list[PlaceEntity]:
    """Novel place names built from the syllables of `places` (never copies of them).

    Gazetteer re-filling teaches a tagger the gazetteer's names; a name nobody listed is
    still tagged from its shape and its context only when training shows many names the
    model cannot memorise. Each synthetic name takes its first, middle and last syllables
    from those positions in real Korean names (all place labels pooled, so the combinations
    are new), a length of 1–4 core syllables, and, with a per-label share, a head that marks
    the label's kind (…동, …시장, …해변); about one in eight is a Latin-script name of 1–2
    words. Multi-word names (POIs) appear with and without the space. A name that happens
    to equal a surface of `avoid` (the evaluation pools) is never made."""
    rng = random.Random(seed)
    known = {s for e in places for s in e.surfaces}
    banned = known | {s for e in avoid for s in e.surfaces}
    heads = {h for hs in _NAME_HEADS.values() for h in hs}
    first: list[str] = []
    middle: list[str] = []
    last: list[str] = []
    for e in places:
        for s in e.surfaces:
            for w in s.split():
                for h in sorted(heads, key=len, reverse=True):  # the core, without its head
                    if w.endswith(h) and len(w) > len(h) + 1:
                        w = w[: -len(h)]
                        break
                if not _is_hangul_word(w) or len(w) < 2:
                    continue
                first.append(w[0])
                middle.extend(w[1:-1])
                last.append(w[-1])
    middle = middle or first

    def core(n_syll: int) -> str:
        if n_syll == 1:
            return rng.choice(first)
        return rng.choice(first) + "".join(rng.choices(middle, k=n_syll - 2)) + rng.choice(last)

    def latin_word() -> str:
        parts = [
            rng.choice(_LATIN_ONSETS) + rng.choice(_LATIN_VOWELS) for _ in range(rng.randint(2, 3))
        ]
        if rng.random() < 0.4:
            parts.append(rng.choice(("n", "ng", "k", "l", "m", "t")))
        return "".join(parts).capitalize()

    out: list[PlaceEntity] = []
    for label in sorted(PLACE_LABELS):
        names: list[str] = []
        tries = 0
        while len(names) < n_per_label and tries < 50 * n_per_label:
            tries += 1
            if rng.random() < 0.125:
                name = " ".join(latin_word() for _ in range(1 if rng.random() < 0.7 else 2))
            else:
                name = core(rng.choices((2, 3, 4, 1), weights=(5, 4, 2, 1))[0])
                if _NAME_HEADS[label] and rng.random() < _HEAD_SHARE[label]:
                    head = rng.choice(_NAME_HEADS[label])
                    # single-syllable heads glue on (애월읍); longer ones may stand apart
                    sep = " " if len(head) > 1 and rng.random() < 0.5 else ""
                    name = name + sep + head
                elif len(name) == 1:
                    continue
            if name in banned or name in names:
                continue
            names.append(name)
        out += [PlaceEntity(label, f"synthetic-{label}-{i}", (n,)) for i, n in enumerate(names)]
    return out
