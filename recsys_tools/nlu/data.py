"""Labelled Korean questions for NER + intent, generated from templates and the gazetteer.

Splits are built so the scores speak about generalisation:

- templates: per intent, a share of paraphrase *families* is held out for the test
  (`test_templates`) and another share for tuning (`dev_templates`), so model choices are
  made on unseen phrasing without ever looking at the test families;
- place names: every place entity (a country, city, region or POI with all its aliases) falls
  in one of three pools — `labelled` (the only names the base training data uses), `graph`
  (names the graph's gazetteer knows but the labelled data never shows; augmentation may use
  them) and `unseen` (used by nothing but the test split `test_places_unseen`);
- names dev: a share of the `graph` pool (`NerDataset.names_dev`) is the tuning set for
  unseen names (`dev_places`). Variants tuned on it leave those names out of their
  augmentation (`NerDataset.augmentation_places(hold_names_dev=True)`), so for them it is as
  unseen as the test pool, and it never touches the `unseen` pool.

Augmentation re-fills the place slots of training questions with names from the gazetteer
(`labelled` ∪ `graph` pools), the seed's recipe for names the labelled data lacks. Negative
examples (`negative_examples`) put ordinary nouns into place slots with O labels, so a model
that learns "a word before 에서 is a place" also learns that it is not always one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from recsys_tools.nlu.labels import PLACE_LABELS, Intent
from recsys_tools.nlu.surface import vary, vary_ending
from recsys_tools.nlu.templates import TEMPLATE_FAMILIES, TEMPLATES
from tripgraph.vocab import load_attributes, load_categories, load_cities, load_jeju, load_people

Pool = Literal["labelled", "graph", "unseen"]
SplitName = Literal[
    "train",
    "dev",
    "dev_templates",
    "dev_places",
    "test_templates",
    "test_places_graph",
    "test_places_unseen",
]
SPLITS: tuple[SplitName, ...] = get_args(SplitName)


@dataclass(frozen=True)
class Span:
    start: int
    end: int  # exclusive
    label: str


@dataclass(frozen=True)
class Example:
    text: str
    intent: Intent
    spans: tuple[Span, ...]
    template_id: str
    # (slot, value) per slot in template order; lets augmentation re-render with new names.
    fills: tuple[tuple[str, str], ...] = ()

    def tags(self) -> list[str]:
        """Character-level BIO tags (one per character of `text`)."""
        tags = ["O"] * len(self.text)
        for s in self.spans:
            tags[s.start] = f"B-{s.label}"
            for i in range(s.start + 1, s.end):
                tags[i] = f"I-{s.label}"
        return tags


@dataclass(frozen=True)
class PlaceEntity:
    label: str  # COUNTRY / CITY / REGION / POI
    key: str
    surfaces: tuple[str, ...]


# --------------------------------------------------------------------------- slot fillers


def _count_words() -> tuple[str, ...]:
    native = ("한", "두", "세", "네", "다섯", "여섯")
    return (
        *(f"{n}명" for n in range(1, 13)),
        *(f"{n}인" for n in (1, 2, 3, 4, 6)),
        *(f"{w} 명" for w in native),
        *(f"{w}명" for w in native),
        "성인 2명",
        "어른 4명",
        "대인 2명 소인 1명",
    )


def _date_words() -> tuple[str, ...]:
    months = tuple(f"{m}월" for m in range(1, 13))
    days = tuple(f"{m}월 {d}일" for m, d in ((3, 15), (5, 5), (7, 20), (8, 1), (10, 3), (12, 24)))
    rel = (
        "이번 주말",
        "다음 주말",
        "다음 주",
        "다음 달",
        "내일",
        "모레",
        "오늘 저녁",
        "이번 여름",
        "올겨울",
        "추석 연휴",
        "설 연휴",
        "크리스마스",
        "여름휴가",
        "황금연휴",
        "다음 주 금요일",
        "이번 토요일",
        "5월 초",
        "10월 말",
        "연말",
        "2박 3일",
        "3박 4일",
        "1박 2일",
        "당일치기",
        "내년 봄",
        "휴가 때",
    )
    return months + days + rel


def _price_words() -> tuple[str, ...]:
    words = tuple(w for ws in load_attributes().price_words.values() for w in ws)
    return (
        *words,
        "10만원 이하",
        "1인 3만원",
        "50만원대",
        "100만 원 이내",
        "2만원대",
        "인당 5만 원",
        "30만원 미만",
        "200만원 이하",
        "최저가",
        "저렴하게",
    )


def slot_vocabulary() -> dict[str, tuple[str, ...]]:
    """Surface forms per non-place label. A surface listed under two labels ('키즈' is a party
    and an attribute, '해물탕' a category and a menu) is kept under the first one only, so
    the gold labels never contradict each other."""
    dining, people = load_categories(), load_people()
    raw = {
        "CATEGORY": tuple(dict.fromkeys(w for ws in dining.aliases.values() for w in ws)),
        "MENU": dining.menu_names,
        "PARTY": tuple(dict.fromkeys(w for ws in people.party_words.values() for w in ws)),
        "AGE": tuple(dict.fromkeys(w for ws in people.age_words.values() for w in ws)),
        "ATTRIBUTE": tuple(dict.fromkeys(w for ws in load_attributes().words.values() for w in ws)),
        "COUNT": _count_words(),
        "DATE": _date_words(),
        "PRICE": _price_words(),
    }
    claimed: set[str] = set()
    out: dict[str, tuple[str, ...]] = {}
    for label, values in raw.items():
        out[label] = tuple(v for v in dict.fromkeys(values) if v not in claimed)
        claimed.update(out[label])
    return out


def place_entities() -> list[PlaceEntity]:
    """Every place of the gazetteer with its surface forms. A surface claimed by two places
    ('우도' is a region and a POI) is kept by the most specific one only."""
    raw: list[tuple[str, str, tuple[str, ...]]] = []
    destinations, jeju = load_cities(), load_jeju()
    for c in destinations.countries:
        raw.append(("COUNTRY", c.code, (c.name, *c.aliases)))
    for city in destinations.cities:
        raw.append(("CITY", city.code, (city.name, *city.aliases)))
    for jc in jeju.cities:
        raw.append(("CITY", f"CJU-{jc.slug}", (jc.name, *jc.aliases)))
    for r in jeju.regions:
        raw.append(("REGION", f"CJU-{r.slug}", (r.name, *r.aliases)))
    for city in destinations.cities:
        for ko, _en, _la, _lo in city.areas:
            raw.append(("REGION", f"{city.code}-area-{ko}", (ko,)))
        for poi in city.pois:
            raw.append(("POI", f"{city.code}-{poi.slug}", (poi.name, *poi.aliases)))
    owner: dict[str, int] = {}
    for i, (_label, _key, surfaces) in enumerate(raw):
        for s in surfaces:
            owner[s] = i  # later (more specific) entries win
    out: list[PlaceEntity] = []
    for i, (label, key, surfaces) in enumerate(raw):
        kept = tuple(dict.fromkeys(s for s in surfaces if owner[s] == i and s.strip()))
        if kept:
            out.append(PlaceEntity(label, key, kept))
    return out


def split_places(
    entities: Sequence[PlaceEntity], seed: int, shares: tuple[float, float] = (0.5, 0.3)
) -> dict[Pool, list[PlaceEntity]]:
    """Per label, assign whole entities (all aliases together) to the three pools."""
    rng = random.Random(seed)
    pools: dict[Pool, list[PlaceEntity]] = {"labelled": [], "graph": [], "unseen": []}
    for label in sorted(PLACE_LABELS):
        group = [e for e in entities if e.label == label]
        rng.shuffle(group)
        n_lab = max(1, round(len(group) * shares[0]))
        n_graph = max(1, round(len(group) * shares[1]))
        pools["labelled"] += group[:n_lab]
        pools["graph"] += group[n_lab : n_lab + n_graph]
        pools["unseen"] += group[n_lab + n_graph :]
    return pools


@dataclass(frozen=True)
class TemplateSplit:
    seen: list[str]  # template ids the training data uses
    dev: list[str]  # held-out families for tuning (model choices, thresholds)
    held: list[str]  # held-out families for the test only


def split_templates(seed: int, holdout: float = 0.25, dev: float = 0.12) -> TemplateSplit:
    """Whole paraphrase families per intent: `holdout` of them to the test, `dev` of them to
    tuning (at least one family each), the rest to training."""
    rng = random.Random(seed)
    seen: list[str] = []
    dev_ids: list[str] = []
    held: list[str] = []
    for intent, families in TEMPLATE_FAMILIES.items():
        order = list(range(len(families)))
        rng.shuffle(order)
        n_test = max(1, round(len(order) * holdout))
        n_dev = max(1, round(len(order) * dev))
        for rank, f in enumerate(order):
            ids = [f"{intent}/{f}/{m}" for m in range(len(families[f]))]
            if rank < n_test:
                held += ids
            elif rank < n_test + n_dev:
                dev_ids += ids
            else:
                seen += ids
    return TemplateSplit(seen, dev_ids, held)


def template_text(template_id: str) -> str:
    return TEMPLATES[template_id]


def template_intent(template_id: str) -> Intent:
    return template_id.split("/", 1)[0]  # type: ignore[return-value]


def template_family(template_id: str) -> str:
    return template_id.rsplit("/", 1)[0]


# --------------------------------------------------------------------------- rendering

_PART = re.compile(r"\[[^\]]*\]|\{[A-Z]+\}|[^\[{]+")
_JOSA = re.compile(r"^\((이|으|은|을|와)\)(랑|로|는|가|를|과|야)")


def _has_batchim(ch: str) -> bool:
    code = ord(ch) - 0xAC00
    return 0 <= code < 11172 and code % 28 != 0


def _rieul_batchim(ch: str) -> bool:
    code = ord(ch) - 0xAC00
    return 0 <= code < 11172 and code % 28 == 8


def _josa(prev: str, marker: re.Match[str]) -> str:
    a, b = marker.group(1), marker.group(2)
    batchim = _has_batchim(prev)
    if a == "와":  # (와)과: 과 after 받침
        return "과" if batchim else "와"
    if a == "으":  # (으)로: 로 after ㄹ 받침 too
        return "으로" if batchim and not _rieul_batchim(prev) else "로"
    if a == "이" and b in ("랑", "야"):
        return "이" + b if batchim else b
    pairs = {"은": ("은", "는"), "을": ("을", "를"), "이": ("이", "가")}
    yes, no = pairs[a]
    return yes if batchim else no


@dataclass
class _Renderer:
    """Turns a template into an Example, drawing values through `pick(slot) -> (label, value)`."""

    rng: random.Random | None = None  # set: literals get surface variation
    text: list[str] = field(default_factory=list)
    spans: list[Span] = field(default_factory=list)
    fills: list[tuple[str, str]] = field(default_factory=list)

    @property
    def length(self) -> int:
        return sum(len(t) for t in self.text)

    def literal(self, s: str) -> None:
        m = _JOSA.match(s)
        if m:
            prev = self.text[-1][-1] if self.text and self.text[-1] else ""
            s = _josa(prev, m) + s[m.end() :]
        if self.rng is not None:
            s = vary(s, self.rng)
        self.text.append(s)

    def plain(self, value: str) -> None:
        """A slot value that is not an entity (a negative example): no span, no variation."""
        self.text.append(value)
        self.fills.append(("O", value))

    def slot(self, label: str, value: str) -> None:
        start = self.length
        self.text.append(value)
        self.spans.append(Span(start, start + len(value), label))
        self.fills.append((label, value))


def render(
    template_id: str,
    pick: Iterator[tuple[str, str]] | None,
    rng: random.Random,
    draw: Mapping[str, Sequence[tuple[str, str]]] | None = None,
) -> Example:
    """Render one template. Slot values come from `pick` (an iterator of (label, value), used
    to re-fill) or are drawn from `draw[label]` lists of (label, value)."""
    r = _Renderer(rng)
    intent = template_intent(template_id)

    def emit(part: str) -> None:
        for piece in _PART.findall(part):
            if piece.startswith("{"):
                slot = piece[1:-1]
                if pick is not None:
                    label, value = next(pick)
                else:
                    assert draw is not None
                    label, value = rng.choice(list(draw[slot]))
                r.slot(label, value)
            else:
                r.literal(piece)

    for part in _PART.findall(template_text(template_id)):
        if part.startswith("["):
            if pick is not None or rng.random() < 0.5:
                emit(part[1:-1])
        else:
            emit(part)
    return _finish(r, intent, template_id)


def _finish(r: _Renderer, intent: Intent, template_id: str) -> Example:
    """Join the pieces; collapse runs of spaces (keeping span offsets right) and vary the end."""
    text, spans = "".join(r.text), list(r.spans)
    for m in reversed(list(re.finditer(r"\s{2,}", text))):
        cut = m.end() - m.start() - 1
        text = text[: m.start() + 1] + text[m.end() :]
        spans = [
            Span(
                s.start - cut if s.start >= m.end() else s.start,
                s.end - cut if s.end >= m.end() else s.end,
                s.label,
            )
            for s in spans
        ]
    lead = len(text) - len(text.lstrip())
    text = text.strip()
    if lead:
        spans = [Span(s.start - lead, s.end - lead, s.label) for s in spans]
    if r.rng is not None:
        text = vary_ending(text, r.rng)
    return Example(text, intent, tuple(spans), template_id, tuple(r.fills))


def _draw_table(places: Sequence[PlaceEntity]) -> dict[str, list[tuple[str, str]]]:
    table: dict[str, list[tuple[str, str]]] = {
        label: [(label, v) for v in values] for label, values in slot_vocabulary().items()
    }
    for label in PLACE_LABELS:
        table[label] = [(label, s) for e in places if e.label == label for s in e.surfaces]
    table["PLACE"] = [pair for label in PLACE_LABELS for pair in table[label]]
    return table


def _sample(
    template_ids: Sequence[str],
    places: Sequence[PlaceEntity],
    n: int,
    rng: random.Random,
    require_place: bool = False,
) -> list[Example]:
    table = _draw_table(places)
    # Templates with a place slot are the only ones that can test place names.
    ids = [
        t
        for t in template_ids
        if not require_place or re.search(r"\{(COUNTRY|CITY|REGION|POI|PLACE)\}", template_text(t))
    ]
    out: list[Example] = []
    while len(out) < n:
        ex = render(rng.choice(ids), None, rng, table)
        if require_place and not any(s.label in PLACE_LABELS for s in ex.spans):
            continue
        out.append(ex)
    return out


@dataclass(frozen=True)
class NerDataset:
    splits: dict[str, list[Example]]
    pools: dict[Pool, list[PlaceEntity]]
    seen_templates: list[str]
    held_templates: list[str]
    dev_templates: list[str] = field(default_factory=list)
    names_dev: list[PlaceEntity] = field(default_factory=list)  # a part of the graph pool

    def gazetteer_places(self) -> list[PlaceEntity]:
        """What the graph knows: labelled + graph pools (never the unseen pool)."""
        return self.pools["labelled"] + self.pools["graph"]

    def augmentation_places(self, hold_names_dev: bool) -> list[PlaceEntity]:
        """Names augmentation may use: the gazetteer, less the names-dev entities for variants
        that are tuned on `dev_places` (else that split would measure memorised names)."""
        held = {e.key for e in self.names_dev} if hold_names_dev else set()
        return [e for e in self.gazetteer_places() if e.key not in held]


def split_names_dev(
    graph: Sequence[PlaceEntity], seed: int, share: float = 0.4
) -> list[PlaceEntity]:
    """Per label, `share` of the graph pool's entities (at least one, never all) as the dev
    set of unseen names. Drawn from its own generator so the other splits stay as they were."""
    rng = random.Random(seed * 7919 + 1)
    out: list[PlaceEntity] = []
    for label in sorted(PLACE_LABELS):
        group = sorted((e for e in graph if e.label == label), key=lambda e: e.key)
        if len(group) < 2:
            continue
        rng.shuffle(group)
        out += group[: min(len(group) - 1, max(1, round(len(group) * share)))]
    return out


def build_dataset(
    seed: int = 13, n_train: int = 6000, n_dev: int = 600, n_test: int = 800
) -> NerDataset:
    rng = random.Random(seed)
    ts = split_templates(seed)
    seen, held = ts.seen, ts.held
    pools = split_places(place_entities(), seed)
    lab = pools["labelled"]
    splits: dict[str, list[Example]] = {
        "train": _sample(seen, lab, n_train, rng),
        "dev": _sample(seen, lab, n_dev, rng),
        "dev_templates": _sample(ts.dev, lab, n_dev, rng),
        "test_templates": _sample(held, lab, n_test, rng),
        "test_places_graph": _sample(seen, pools["graph"], n_test, rng, require_place=True),
        "test_places_unseen": _sample(seen, pools["unseen"], n_test, rng, require_place=True),
    }
    # Built after (and apart from) the others with its own generator: adding it left every
    # earlier split, and so every trained model's data, unchanged.
    names_dev = split_names_dev(pools["graph"], seed)
    splits["dev_places"] = _sample(
        seen, names_dev, n_dev, random.Random(seed + 101), require_place=True
    )
    return NerDataset(splits, pools, seen, held, ts.dev, names_dev)


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
            new = _rerender(ex, fills, rng)
            if new is not None:
                out.append(new)
    return out


def _rerender(ex: Example, fills: list[tuple[str, str]], rng: random.Random) -> Example | None:
    """Render the example's template again with the given fills; optional parts that were
    dropped originally are dropped again (the template is cut to the parts that were used)."""
    template = template_text(ex.template_id)
    kept_template = _kept_parts(template, ex)
    if kept_template is None:
        return None
    r = _Renderer(rng)
    it = iter(fills)
    for piece in _PART.findall(kept_template):
        if piece.startswith("{"):
            label, value = next(it)
            if label == "O":
                r.plain(value)
            else:
                r.slot(label, value)
        else:
            r.literal(piece)
    return _finish(r, ex.intent, ex.template_id)


def _kept_parts(template: str, ex: Example) -> str | None:
    """The template with optional parts resolved the way `ex` was rendered (by slot count)."""
    parts = _PART.findall(template)
    optional = [i for i, p in enumerate(parts) if p.startswith("[")]
    n_slots = len(ex.fills)
    for mask in range(1 << len(optional)):
        pieces = []
        for i, p in enumerate(parts):
            if p.startswith("["):
                if mask >> optional.index(i) & 1:
                    pieces.append(p[1:-1])
            else:
                pieces.append(p)
        candidate = "".join(pieces)
        if len(re.findall(r"\{[A-Z]+\}", candidate)) == n_slots:
            labels = [label for label, _ in ex.fills]
            slots = re.findall(r"\{([A-Z]+)\}", candidate)
            if all(s == "PLACE" or s == lab for s, lab in zip(slots, labels, strict=True)):
                return candidate
    return None


# --------------------------------------------------------------------------- negatives


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
            new = _rerender(ex, fills, rng)
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
