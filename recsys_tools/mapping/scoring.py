"""Offline scorers: name similarity, distance, the stage-1 ranker and the stage-2 verifier.

The stage-1 ranker answers "which of these candidates is most likely the same place" and is
permissive; the stage-2 verifier answers "is this pair the same place" from stricter
evidence: every distinctive word of one name must be found in the other (typo-tolerant), the
other may not add a word that names a different thing (Station, Parking, another branch
area), the two must be close, and their kinds must agree.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from rapidfuzz import fuzz

from recsys_tools.mapping.records import PlaceRecord

_PUNCT = re.compile(r"[()\-–—,./·]+")
# Words that carry no identity (branch markers, articles) and are ignored when comparing.
_STOP = {"the", "of", "de", "du", "branch", "점", "지점", "본점"}
# Kinds of venue compatible between the two databases' vocabularies.
_KIND = {
    "attraction": {"tourist_attraction"},
    "restaurant": {"restaurant", "cafe"},
    "cafe": {"cafe", "restaurant"},
    "hotel": {"lodging"},
    "shop": {"store"},
}


def normalise(name: str) -> str:
    name = _PUNCT.sub(" ", name.lower())
    name = re.sub(r"점$", "", name.strip())
    return " ".join(name.split())


def tokens(name: str) -> list[str]:
    return [t for t in normalise(name).split() if t not in _STOP]


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    r = 6_371_000.0
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * r * math.asin(math.sqrt(a))


def name_similarity(a: PlaceRecord, b: PlaceRecord) -> float:
    """Best fuzzy similarity (0..1) over the Korean and English names of both records."""
    best = 0.0
    for x in (a.name, a.name_en):
        for y in (b.name, b.name_en):
            nx, ny = normalise(x), normalise(y)
            if not nx or not ny:
                continue
            best = max(
                best,
                fuzz.token_set_ratio(nx, ny) / 100,
                fuzz.ratio(nx.replace(" ", ""), ny.replace(" ", "")) / 100,
            )
    return best


def same_kind(a: PlaceRecord, b: PlaceRecord) -> bool:
    """Whether external record b is of internal record a's kind (an attraction is a
    tourist_attraction, a restaurant a restaurant or cafe, …)."""
    return b.category in _KIND.get(a.category, {a.category})


def distance_score(metres: float, scale_m: float = 150.0) -> float:
    return math.exp(-metres / scale_m)


def rank_score(name_score: float, distance_m: float) -> float:
    """Stage-1 score: mostly the name, the distance breaks ties between similar names."""
    return 0.75 * name_score + 0.25 * distance_score(distance_m)


def _covered(token: str, others: list[str]) -> bool:
    """Is `token` in `others`, allowing a typo, or glued to a neighbour ('사쿠라라멘')?"""
    for o in others:
        if token == o or (len(token) >= 3 and len(o) >= 3 and fuzz.ratio(token, o) >= 80):
            return True
    return token in "".join(others)


@dataclass(frozen=True)
class Verdict:
    same: bool
    score: float
    reason: str


def verify(a: PlaceRecord, b: PlaceRecord, max_distance_m: float = 250.0) -> Verdict:
    """Stage 2: same place or not (a is the internal record, b the external one)."""
    dist = haversine_m(a.lat, a.lon, b.lat, b.lon)
    kind_ok = same_kind(a, b)
    # Compare b against the a-name written in b's script (Hangul or Latin).
    best_missing: list[str] = []
    best_extra: list[str] = []
    best_cost = 1e9
    for x in (a.name, a.name_en):
        tx = tokens(x)
        for y in (b.name, b.name_en):
            ty = tokens(y)
            if not tx or not ty:
                continue
            missing = [t for t in tx if not _covered(t, ty)]
            extra = [t for t in ty if not _covered(t, tx)]
            cost = len(missing) + len(extra)
            if cost < best_cost:
                best_cost, best_missing, best_extra = cost, missing, extra
    name_score = name_similarity(a, b)
    score = 0.6 * name_score + 0.25 * distance_score(dist) + 0.15 * float(kind_ok)
    score -= 0.2 * len(best_extra) + 0.05 * len(best_missing)
    # A word only the external record has names something else (another branch's area,
    # "Station", "Parking"); words only the internal one has are usually a dropped branch
    # name ("Sakura Ramen" for "Sakura Ramen Namba"), so they lower the score but do not veto.
    reasons = []
    if best_extra:
        reasons.append(f"extra words {best_extra}")
    if dist > max_distance_m:
        reasons.append(f"{dist:.0f} m apart")
    if not kind_ok:
        reasons.append(f"kind {a.category} vs {b.category}")
    same = not reasons
    return Verdict(
        same, max(0.0, min(1.0, score)), "; ".join(reasons) or "names and location agree"
    )
