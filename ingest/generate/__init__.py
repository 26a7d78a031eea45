"""Seeded, deterministic generator of the tripgraph dataset.

`generate(scale, seed, out_dir)` writes one Parquet file per table plus `manifest.json`.
Every table draws from its own random stream (`config.stream`), there is no wall clock and
no str hashing, so the same (scale, seed) gives byte-identical files.

Files and their columns (names are the graph model's property names):

- places.parquet: Place props + parent_id
- merchants.parquet: Merchant props (no graph_embedding)
- merchant_menus.parquet: merchant_id, menu, price, signature
- reviews.parquet: review_id, merchant_id, user_id, text, rating, party_type, created_at
- users.parquet: user_id, age_band, party_type, home_city
- products.parquet: Product props
- product_places.parquet: product_id, place_id, day
- clicks.parquet: user_id, product_id, session_id, ts (time-ordered per user)
- place_db_internal.parquet / place_db_external.parquet: place_id, name, name_en, address,
  lat, lon, city_code, category
- place_mapping_gold.parquet: internal_id, external_id, is_same
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
from pydantic import BaseModel, Field

from ingest.generate.clicks import CLICK_SCHEMA, iter_click_chunks, travel_tastes
from ingest.generate.config import SCALES, Scale
from ingest.generate.geo import JejuLocator
from ingest.generate.io import write_chunks, write_table
from ingest.generate.merchants import MENU_SCHEMA, MERCHANT_SCHEMA, build_merchants
from ingest.generate.placedb import GOLD_SCHEMA, PLACE_DB_SCHEMA, build_place_databases
from ingest.generate.places import build_places, places_table
from ingest.generate.products import PRODUCT_PLACE_SCHEMA, PRODUCT_SCHEMA, build_products
from ingest.generate.reviews import REVIEW_SCHEMA, iter_review_chunks
from ingest.generate.users import USER_SCHEMA, build_users

# 1.1: late-launched long-tail products; 1.2: wider review text; 1.3: reviewers drawn by
# their latent dining tastes (price level, a liked attribute) within the customer mix; 1.4:
# dining tastes follow the travel tastes behind the clicks (clicks.parquet unchanged)
GENERATOR_VERSION = "1.4.0"
MANIFEST_NAME = "manifest.json"

__all__ = ["GENERATOR_VERSION", "MANIFEST_NAME", "Manifest", "Scale", "generate"]


class Manifest(BaseModel):
    """What one run of the generator wrote."""

    scale: Scale = Field(description="dataset scale")
    seed: int = Field(description="seed of all random streams")
    generator_version: str = Field(description="bumped whenever the output for a seed changes")
    files: dict[str, int] = Field(description="file name → row count")


def _frame_table(df: object, schema: pa.Schema) -> pa.Table:
    return pa.Table.from_pandas(df, schema=schema, preserve_index=False)


def generate(scale: Scale, seed: int, out_dir: Path) -> Manifest:
    """Write the dataset for (scale, seed) into out_dir and return its manifest."""
    cfg = SCALES[scale]
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    files: dict[str, int] = {}

    files["places.parquet"] = write_table(places_table(build_places()), out_dir / "places.parquet")

    users = build_users(cfg, seed)
    files["users.parquet"] = write_table(
        _frame_table(users, USER_SCHEMA), out_dir / "users.parquet"
    )

    merchants = build_merchants(cfg, seed, JejuLocator())
    files["merchant_menus.parquet"] = write_table(
        _frame_table(merchants.menus, MENU_SCHEMA), out_dir / "merchant_menus.parquet"
    )
    products = build_products(cfg, seed)
    files["products.parquet"] = write_table(
        _frame_table(products.table, PRODUCT_SCHEMA), out_dir / "products.parquet"
    )
    files["product_places.parquet"] = write_table(
        _frame_table(products.places, PRODUCT_PLACE_SCHEMA), out_dir / "product_places.parquet"
    )
    # Reviews before merchants: they set each merchant's rating and review_count. Reviewers
    # are drawn by dining tastes that follow the travel tastes behind the clicks.
    travel = travel_tastes(users, products, seed)
    files["reviews.parquet"] = write_chunks(
        iter_review_chunks(cfg, seed, merchants, users, travel),
        out_dir / "reviews.parquet",
        REVIEW_SCHEMA,
    )
    files["merchants.parquet"] = write_table(
        _frame_table(merchants.table, MERCHANT_SCHEMA), out_dir / "merchants.parquet"
    )
    files["clicks.parquet"] = write_chunks(
        iter_click_chunks(cfg, seed, users, products), out_dir / "clicks.parquet", CLICK_SCHEMA
    )

    dbs = build_place_databases(cfg, seed)
    files["place_db_internal.parquet"] = write_table(
        _frame_table(dbs.internal, PLACE_DB_SCHEMA), out_dir / "place_db_internal.parquet"
    )
    files["place_db_external.parquet"] = write_table(
        _frame_table(dbs.external, PLACE_DB_SCHEMA), out_dir / "place_db_external.parquet"
    )
    files["place_mapping_gold.parquet"] = write_table(
        _frame_table(dbs.gold, GOLD_SCHEMA), out_dir / "place_mapping_gold.parquet"
    )

    manifest = Manifest(scale=scale, seed=seed, generator_version=GENERATOR_VERSION, files=files)
    (out_dir / MANIFEST_NAME).write_text(
        manifest.model_dump_json(indent=2) + "\n", encoding="utf-8"
    )
    return manifest
