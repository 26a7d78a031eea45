"""The labelled question of the NER + intent task: its text, intent and character spans
(`Example`, `Span`), and a place of the gazetteer with its surface forms (`PlaceEntity`).
The one record type that generation, models, metrics and serving share, at the bottom of
the package so that each of them can import it."""

from __future__ import annotations

from dataclasses import dataclass

from recsys_tools.nlu.labels import Intent


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
