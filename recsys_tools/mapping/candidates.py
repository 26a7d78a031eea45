"""Stage 1 (1:N): candidate generation by geo and text blocking, and the offline pick.

Blocking keeps the comparison count linear: candidates are external places of the same city
that are either within `radius_m` (geo block) or among the `k_text` most similar names in
that city (text block, which catches records whose coordinates are off). The union is
ranked by `rank_score` and cut to `max_candidates` — the list an LLM sees.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz, process

from recsys_tools.mapping.records import Candidate, PlaceRecord
from recsys_tools.mapping.scoring import (
    haversine_m,
    name_similarity,
    normalise,
    rank_score,
    same_kind,
)


@dataclass(frozen=True)
class BlockingConfig:
    radius_m: float = 1500.0
    k_text: int = 5
    max_candidates: int = 8
    min_pick_score: float = 0.45  # below this the offline picker maps to nothing


class CandidateIndex:
    """External places grouped by city, with coordinates and normalised names."""

    def __init__(self, external: Sequence[PlaceRecord], config: BlockingConfig | None = None):
        self.config = config or BlockingConfig()
        self._by_city: dict[str, list[PlaceRecord]] = defaultdict(list)
        for rec in external:
            self._by_city[rec.city_code].append(rec)
        self._coords = {
            c: np.array([[r.lat, r.lon] for r in recs]) for c, recs in self._by_city.items()
        }
        self._names = {
            c: [normalise(r.name_en) + " | " + normalise(r.name) for r in recs]
            for c, recs in self._by_city.items()
        }

    def candidates(self, place: PlaceRecord) -> list[Candidate]:
        pool = self._by_city.get(place.city_code, [])
        if not pool:
            return []
        cfg = self.config
        coords = self._coords[place.city_code]
        # Equirectangular distance is enough for a 1.5 km block.
        dlat = (coords[:, 0] - place.lat) * 111_000
        dlon = (coords[:, 1] - place.lon) * 111_000 * np.cos(np.radians(place.lat))
        near = set(np.flatnonzero(np.hypot(dlat, dlon) <= cfg.radius_m).tolist())
        query = normalise(place.name_en) + " | " + normalise(place.name)
        for _, _, j in process.extract(
            query, self._names[place.city_code], scorer=fuzz.token_set_ratio, limit=cfg.k_text
        ):
            near.add(int(j))
        out = []
        for j in near:
            ext = pool[j]
            ns = name_similarity(place, ext)
            dist = haversine_m(place.lat, place.lon, ext.lat, ext.lon)
            out.append(Candidate(ext, ns, dist, rank_score(ns, dist)))
        out.sort(key=lambda c: -c.score)
        return out[: cfg.max_candidates]


def offline_pick(
    candidates: Sequence[Candidate], min_score: float, internal: PlaceRecord | None = None
) -> Candidate | None:
    """The offline counterpart of the LLM pick: the best-ranked candidate above a floor,
    and with `internal`, the best-ranked of its kind when one is above the floor. Shops and
    restaurants are named after the attraction they stand at ('Moonlight Drugstore Tumon
    Beach Branch'), so by name alone they outrank the attraction itself."""
    above = [c for c in candidates if c.score >= min_score]
    if not above or candidates[0].score < min_score:
        return None
    if internal is not None:
        kin = [c for c in above if same_kind(internal, c.external)]
        if kin:
            return kin[0]
    return above[0]
