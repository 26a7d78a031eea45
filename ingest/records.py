"""Validated records: one pydantic model per dataset file.

A row that fails validation is quarantined with the reason; it never stops the run. The
models are deliberately strict about what the graph and the agent rely on (ids, ranges,
shares in [0, 1]) and lenient about what they do not (extra columns are ignored).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Id = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_\-:.]+$")
Share = Field(ge=0.0, le=1.0)
Lat = Field(ge=-90.0, le=90.0)
Lon = Field(ge=-180.0, le=180.0)


class Record(BaseModel):
    model_config = ConfigDict(extra="ignore", str_strip_whitespace=True)


class PlaceRecord(Record):
    place_id: str = Id
    name: str = Field(min_length=1)
    name_en: str | None = None
    level: Literal["country", "city", "region", "poi"]
    city_code: str | None = None
    country_code: str | None = None
    lat: float | None = Field(default=None, ge=-90.0, le=90.0)
    lon: float | None = Field(default=None, ge=-180.0, le=180.0)
    aliases: list[str] = Field(default_factory=list)
    # Rows of the generator's hierarchy; the mapping pipeline writes the two POI databases.
    source: Literal["gazetteer", "internal", "external"] = "gazetteer"
    parent_id: str | None = None


class MerchantRecord(Record):
    merchant_id: str = Id
    name: str = Field(min_length=1)
    category: str = Field(min_length=1)
    region: str = Field(min_length=1)
    city: str = Field(min_length=1)
    address: str | None = None
    lat: float = Lat
    lon: float = Lon
    price_level: int = Field(ge=1, le=4)
    avg_price: int = Field(ge=0)
    rating: float = Field(ge=0.0, le=5.0)
    review_count: int = Field(ge=0)
    parking: bool
    ocean_view: bool
    kid_friendly: bool
    group_seating: bool
    quiet: bool
    pet_friendly: bool
    share_20s: float = Share
    share_30s: float = Share
    share_40s: float = Share
    share_50plus: float = Share
    share_family: float = Share
    share_couple: float = Share
    share_friends: float = Share
    share_solo: float = Share
    local_share: float = Share
    busy_hours: str | None = None


class MenuRecord(Record):
    merchant_id: str = Id
    menu: str = Field(min_length=1, max_length=100)
    price: int | None = Field(default=None, ge=0)
    signature: bool = False


class ReviewRecord(Record):
    review_id: str = Id
    merchant_id: str = Id
    user_id: str | None = None
    # One syllable is a real review ("굿"); an empty or blank text is not.
    text: str = Field(min_length=1, max_length=5000)
    rating: int = Field(ge=1, le=5)
    party_type: str | None = None
    created_at: str | None = None


class UserRecord(Record):
    user_id: str = Id
    age_band: Literal["20s", "30s", "40s", "50plus"]
    party_type: str | None = None
    home_city: str | None = None


class ProductRecord(Record):
    product_id: str = Id
    name: str = Field(min_length=1)
    product_type: Literal["package", "hotel", "activity"]
    country_code: str = Field(min_length=2, max_length=3)
    city_code: str = Field(min_length=2, max_length=8)
    city: str | None = None
    theme: str | None = None
    price: int = Field(ge=0)
    price_band: Literal["low", "mid", "high", "luxury"]
    nights: int = Field(ge=0, le=60)


class ProductPlaceRecord(Record):
    product_id: str = Id
    place_id: str = Id
    day: int | None = Field(default=None, ge=0)


class ClickRecord(Record):
    user_id: str = Id
    product_id: str = Id
    session_id: str | int
    ts: int = Field(ge=0)

    @field_validator("session_id")
    @classmethod
    def _as_str(cls, v: str | int) -> str:
        return str(v)
