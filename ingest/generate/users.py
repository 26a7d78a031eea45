"""App users: age band, usual party and home city. Their travel tastes (latent, used by the
click generator) are derived from these in `clicks.py`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

from ingest.generate.config import ScaleConfig, stream
from tripgraph.vocab import AGE_BANDS, USER_PARTIES, load_people

USER_SCHEMA = pa.schema(
    [
        ("user_id", pa.string()),
        ("age_band", pa.string()),
        ("party_type", pa.string()),
        ("home_city", pa.string()),
    ]
)

AGE_P = np.array([0.30, 0.32, 0.24, 0.14])
# P(party | age): rows 20s, 30s, 40s, 50plus; columns family, couple, friends, solo.
PARTY_GIVEN_AGE = np.array(
    [
        [0.10, 0.35, 0.40, 0.15],
        [0.40, 0.35, 0.15, 0.10],
        [0.60, 0.15, 0.15, 0.10],
        [0.45, 0.20, 0.27, 0.08],
    ]
)


def build_users(cfg: ScaleConfig, seed: int) -> pd.DataFrame:
    home_cities = load_people().home_cities
    rng = stream(seed, "users")
    n = cfg.n_users
    age = rng.choice(len(AGE_BANDS), size=n, p=AGE_P)
    cum = np.cumsum(PARTY_GIVEN_AGE[age], axis=1)
    party = np.minimum((rng.random(n)[:, None] > cum).sum(axis=1), len(USER_PARTIES) - 1)
    city_w = np.array([w for _, w in home_cities])
    home = rng.choice(len(home_cities), size=n, p=city_w / city_w.sum())
    return pd.DataFrame(
        {
            "user_id": [f"U{i + 1:06d}" for i in range(n)],
            "age_band": np.array(AGE_BANDS, dtype=object)[age],
            "party_type": np.array(USER_PARTIES, dtype=object)[party],
            "home_city": np.array([c for c, _ in home_cities], dtype=object)[home],
        }
    )
