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

Augmentation (`augment.py`) re-fills the place slots of training questions with names from
the gazetteer (`labelled` ∪ `graph` pools), the seed's recipe for names the labelled data
lacks. Negative examples (`augment.negative_examples`) put ordinary nouns into place slots
with O labels, so a model that learns "a word before 에서 is a place" also learns that it is
not always one.

This module owns the slot vocabulary, the place pools, the template splits and the dataset
built from them; a template becomes an `Example` (`examples.py`) in `render.py`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal, get_args

from recsys_tools.nlu.examples import Example, PlaceEntity
from recsys_tools.nlu.labels import PLACE_LABELS
from recsys_tools.nlu.render import render, template_text
from recsys_tools.nlu.templates import TEMPLATE_FAMILIES
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
EVAL_SPLITS: tuple[str, ...] = tuple(s for s in SPLITS if s != "train")


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
