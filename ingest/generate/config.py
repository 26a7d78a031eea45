"""Scale presets of the dataset generator and the seeded random streams it draws from."""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np

from tripgraph.settings import Scale


@dataclass(frozen=True)
class ScaleConfig:
    """How much of everything one scale generates."""

    n_merchants: int
    n_reviews: int  # exact total; spread over merchants with a heavy tail
    n_users: int
    n_products: int
    mean_clicks_per_user: float  # sequence lengths are drawn in [min_seq_len, max_seq_len]
    n_internal_places: int  # size of the internal place database of the mapping task
    min_seq_len: int = 5
    max_seq_len: int = 50
    # Rows per Parquet row group / generation chunk for the large tables; bounds peak memory.
    chunk_rows: int = 200_000


SCALES: dict[Scale, ScaleConfig] = {
    "tiny": ScaleConfig(
        n_merchants=40,
        n_reviews=400,
        n_users=100,
        n_products=60,
        mean_clicks_per_user=21.0,
        n_internal_places=80,
    ),
    "demo": ScaleConfig(
        n_merchants=400,
        n_reviews=6_000,
        n_users=2_000,
        n_products=300,
        mean_clicks_per_user=32.0,
        n_internal_places=600,
    ),
    # Every merchant of the reference deployment, a third of its reviews and users: the
    # graph `make run` serves. The demo scale held 400 merchants, so most 읍면동 had no
    # merchant of an asked kind and answers came from the wrong area.
    "dense": ScaleConfig(
        n_merchants=9_252,
        n_reviews=300_000,
        n_users=40_000,
        n_products=2_000,
        mean_clicks_per_user=11.5,
        n_internal_places=4_000,
    ),
    "full": ScaleConfig(
        n_merchants=9_252,
        n_reviews=900_000,
        n_users=120_000,
        n_products=2_000,
        mean_clicks_per_user=11.5,
        n_internal_places=4_000,
    ),
}


def stream(seed: int, name: str) -> np.random.Generator:
    """An independent random stream per table, so changing one table's draws leaves the
    others byte-identical. crc32 instead of hash(): str hashing is salted per process."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])
