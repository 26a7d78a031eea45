"""Typed records of the mapping task: place rows, candidates, decisions."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

import pandas as pd

# Ids of the two databases as Place nodes: a prefix per source keeps them apart from the
# gazetteer hierarchy ('JP-OSA-poi-dotonbori') and from each other.
INTERNAL_PREFIX = "INT-"
EXTERNAL_PREFIX = "EXT-"


@dataclass(frozen=True)
class PlaceRecord:
    place_id: str
    name: str
    name_en: str
    address: str
    lat: float
    lon: float
    city_code: str
    category: str

    def prompt_line(self) -> str:
        return (
            f"{self.name} / {self.name_en} | {self.address} | {self.category} | "
            f"({self.lat:.5f}, {self.lon:.5f})"
        )


def records(frame: pd.DataFrame) -> list[PlaceRecord]:
    rows: list[dict[Any, Any]] = frame.to_dict("records")
    return [
        PlaceRecord(
            str(r["place_id"]),
            str(r["name"]),
            str(r["name_en"]),
            str(r["address"]),
            float(r["lat"]),
            float(r["lon"]),
            str(r["city_code"]),
            str(r["category"]),
        )
        for r in rows
    ]


@dataclass(frozen=True)
class Candidate:
    external: PlaceRecord
    name_score: float  # 0..1
    distance_m: float
    score: float  # stage-1 ranking score 0..1


@dataclass(frozen=True)
class Decision:
    """The outcome for one internal place."""

    internal_id: str
    stage: Literal["pick", "verify"]
    external_id: str | None  # None: no candidate / rejected
    score: float
    reason: str = ""
