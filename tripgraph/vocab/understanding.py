"""The agent's understanding vocabulary as data (`understanding.toml`), read into typed,
immutable tables.

What the file holds and why is written at its top. Like the rest of `tripgraph.vocab` this
imports nothing of the project; `agent.understand` joins these tables with the shared
vocabulary (`tripgraph.vocab`) and the graph's own names.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

UNDERSTANDING_PATH = Path(__file__).parent / "understanding.toml"


@dataclass(frozen=True)
class Occasion:
    """An occasion (생일, 기념일 …): the words naming it and what it implies (soft)."""

    key: str
    label: str
    words: tuple[str, ...]
    wishes: tuple[str, ...]  # Merchant attributes it makes welcome; never a filter
    evidence: tuple[str, ...]  # review words showing a place suits it
    party: str | None = None  # the party it implies when none is named


@dataclass(frozen=True)
class Unheld:
    """Something users ask for that the graph holds nothing of, and what it does hold."""

    label: str
    kind: str  # "category" or "menu"
    words: tuple[str, ...]
    nearest: tuple[str, ...]  # categories standing in for it, nearest first
    why: str  # how the answer names the stand-ins


@dataclass(frozen=True)
class UnderstandingVocab:
    version: int
    party_order: tuple[str, ...]
    party_words: dict[str, tuple[str, ...]]
    party_not_inside: tuple[str, ...]
    party_wishes: dict[str, tuple[str, ...]]
    complaint_markers: tuple[str, ...]
    compatible_parties: dict[str, tuple[str, ...]]
    group_min_size: int
    group_words: tuple[str, ...]
    number_words: dict[str, int]
    solo_markers: tuple[str, ...]
    occasions: tuple[Occasion, ...]
    price_words: dict[str, tuple[str, ...]]
    category_aliases: dict[str, tuple[str, ...]]
    attribute_words: dict[str, tuple[str, ...]]
    menu_aliases: dict[str, str]
    related_categories: dict[str, tuple[str, ...]]
    unheld: tuple[Unheld, ...]
    outside_places: tuple[str, ...]
    outside_dining_words: tuple[str, ...]
    spelling: dict[str, str]

    def occasion(self, key: str | None) -> Occasion | None:
        return next((o for o in self.occasions if o.key == key), None)


def _strs(values: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in values)


def parse_understanding_vocab(data: dict[str, Any]) -> UnderstandingVocab:
    """The typed tables of a parsed `understanding.toml` (KeyError names a missing table)."""
    party = data["party"]
    group = data["group"]
    return UnderstandingVocab(
        version=int(data["version"]),
        party_order=_strs(party["order"]),
        party_words={k: _strs(v) for k, v in party["words"].items()},
        party_not_inside=_strs(party.get("not_inside", ())),
        party_wishes={k: _strs(v) for k, v in party["wishes"].items()},
        complaint_markers=_strs(data["evidence"]["complaints"]),
        compatible_parties={k: _strs(v) for k, v in party["compatible"].items()},
        group_min_size=int(group["min_size"]),
        group_words=_strs(group["words"]),
        number_words={str(k): int(v) for k, v in group["numbers"].items()},
        solo_markers=_strs(data["solo"]["markers"]),
        occasions=tuple(
            Occasion(
                key=key,
                label=str(o["label"]),
                words=_strs(o["words"]),
                wishes=_strs(o.get("wishes", ())),
                evidence=_strs(o.get("evidence", ())),
                party=o.get("party"),
            )
            for key, o in data["occasion"].items()
        ),
        price_words={k: _strs(v) for k, v in data["price"].items()},
        category_aliases={k: _strs(v) for k, v in data["category"]["aliases"].items()},
        attribute_words={k: _strs(v) for k, v in data["attribute"]["words"].items()},
        menu_aliases={str(k): str(v) for k, v in data["menu"]["aliases"].items()},
        related_categories={k: _strs(v) for k, v in data["related"].items()},
        unheld=tuple(
            Unheld(
                label=str(u["label"]),
                kind=str(u["kind"]),
                words=_strs(u["words"]),
                nearest=_strs(u["nearest"]),
                why=str(u["why"]),
            )
            for u in data["unheld"]
        ),
        outside_places=_strs(data["outside"]["places"]),
        outside_dining_words=_strs(data["outside"]["dining_words"]),
        spelling={str(k): str(v) for k, v in data["spelling"].items()},
    )


@cache
def load_understanding_vocab(path: Path = UNDERSTANDING_PATH) -> UnderstandingVocab:
    """The vocabulary of `path`, read once per process (the file ships with the code)."""
    return parse_understanding_vocab(tomllib.loads(path.read_text(encoding="utf-8")))
