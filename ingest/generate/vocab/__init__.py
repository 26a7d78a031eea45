"""Vocabulary data files of the dataset generator, read into typed, immutable banks.

`review_phrases.toml` holds every phrase the review composer (`review_text`) draws from;
its layout and the rules it is held to are described at the top of the file.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

VOCAB_DIR = Path(__file__).parent
REVIEW_PHRASES_PATH = VOCAB_DIR / "review_phrases.toml"

Clause = tuple[str, str | None]  # (full sentence, connective form or None)
PolarClauses = dict[bool, tuple[Clause, ...]]
PolarTemplates = dict[bool, tuple[str, ...]]


@dataclass(frozen=True)
class ReviewPhrases:
    """The phrase banks of generated reviews (see review_phrases.toml for each bank)."""

    attributes: dict[str, PolarClauses]
    qualities: dict[str, PolarClauses]
    price_money: PolarTemplates
    taste_generic: PolarClauses
    taste_by_category: dict[str, PolarClauses]
    taste_menu: PolarTemplates
    taste_menu_conn: PolarTemplates
    descriptors: tuple[str, ...]
    negative_descriptors: tuple[str, ...]
    descriptors_by_category: dict[str, tuple[str, ...]]
    words: dict[str, tuple[str, ...]]
    openings_lead: dict[str, tuple[str, ...]]
    openings_sentence: dict[str, tuple[str, ...]]
    reactions: dict[str, PolarTemplates]
    closings: dict[int, tuple[str, ...]]
    oneliners: dict[int, tuple[str, ...]]
    local_notes: tuple[str, ...]
    tourist_notes: tuple[str, ...]
    when_templates: tuple[str, ...]
    when_times: tuple[str, ...]
    when_weather: tuple[str, ...]
    seasons: dict[int, tuple[str, ...]]  # month (1-12) → season words
    order_templates: tuple[str, ...]
    paid_templates: tuple[str, ...]
    people: tuple[str, ...]  # "혼자", "둘이서", ... by head count - 1
    sides: tuple[str, ...]
    dish_templates: PolarTemplates
    dishes_by_category: dict[str, tuple[str, ...]]
    places_by_region: dict[str, tuple[str, ...]]  # region slug → landmarks
    tips: tuple[str, ...]
    typos: tuple[tuple[str, str], ...]
    laughs: tuple[str, ...]
    sobs: tuple[str, ...]
    join_block: tuple[str, ...]  # two-syllable starts of attribute words


def _clauses(rows: list[list[str]]) -> tuple[Clause, ...]:
    return tuple((full, conn or None) for full, conn in rows)


def _polar(section: dict[str, Any]) -> PolarClauses:
    return {True: _clauses(section["true"]), False: _clauses(section["false"])}


def _polar_str(section: dict[str, Any], key: str = "") -> PolarTemplates:
    return {True: tuple(section[f"true{key}"]), False: tuple(section[f"false{key}"])}


def _by_rating(section: dict[str, list[str]]) -> dict[int, tuple[str, ...]]:
    return {int(k): tuple(v) for k, v in section.items()}


@cache
def load_review_phrases(path: Path = REVIEW_PHRASES_PATH) -> ReviewPhrases:
    """Read and type the review phrase banks; a missing bank raises KeyError."""
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    taste, when, order = raw["taste"], raw["when"], raw["order"]
    quality = dict(raw["quality"])
    price = quality["price"]
    return ReviewPhrases(
        attributes={a: _polar(s) for a, s in raw["attribute"].items()},
        qualities={q: _polar(s) for q, s in quality.items()},
        price_money=_polar_str(price, "_money"),
        taste_generic=_polar(taste["generic"]),
        taste_by_category={c: _polar(s) for c, s in taste["category"].items()},
        taste_menu=_polar_str(taste["menu"]),
        taste_menu_conn=_polar_str(taste["menu"], "_conn"),
        descriptors=tuple(taste["descriptors"]["generic"]),
        negative_descriptors=tuple(taste["descriptors"]["negative"]),
        descriptors_by_category={c: tuple(v) for c, v in taste["descriptors"]["category"].items()},
        words={k: tuple(v) for k, v in raw["words"].items()},
        openings_lead={p: tuple(v) for p, v in raw["openings"]["lead"].items()},
        openings_sentence={p: tuple(v) for p, v in raw["openings"]["sentence"].items()},
        reactions={p: _polar_str(s) for p, s in raw["reaction"].items()},
        closings=_by_rating(raw["closings"]),
        oneliners=_by_rating(raw["oneliners"]),
        local_notes=tuple(raw["notes"]["local"]),
        tourist_notes=tuple(raw["notes"]["tourist"]),
        when_templates=tuple(when["templates"]),
        when_times=tuple(when["time"]),
        when_weather=tuple(when["weather"]),
        seasons={m: tuple(when[str(m)]) for m in range(1, 13)},
        order_templates=tuple(order["templates"]),
        paid_templates=tuple(order["paid"]),
        people=tuple(order["people"]),
        sides=tuple(order["sides"]),
        dish_templates=_polar_str(raw["dishes"]),
        dishes_by_category={c: tuple(v) for c, v in raw["dishes"]["category"].items()},
        places_by_region={r: tuple(v) for r, v in raw["places"].items()},
        tips=tuple(raw["tips"]["neutral"]),
        typos=tuple((a, b) for a, b in raw["noise"]["typos"]),
        laughs=tuple(raw["noise"]["laughs"]),
        sobs=tuple(raw["noise"]["sobs"]),
        join_block=tuple(raw["noise"]["join_block"]),
    )
