"""The graph model: labels, relationship types, properties, constraints and indexes.

This module is the single source of truth for the shape of the knowledge graph. The store
backends derive their DDL from it, the ingest derives its upserts from it, and the schema
text shown to the LLM for Text2Cypher is rendered from it (never written by hand).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

PropType = Literal["STRING", "INTEGER", "FLOAT", "BOOLEAN", "LIST<FLOAT>", "LIST<STRING>"]


@dataclass(frozen=True)
class Prop:
    name: str
    type: PropType
    description: str
    # Large or internal properties (embeddings) are kept out of the Text2Cypher prompt.
    in_prompt: bool = True


@dataclass(frozen=True)
class NodeSpec:
    label: str
    key: str  # unique id property, backed by a uniqueness constraint
    description: str
    props: tuple[Prop, ...]

    def prop(self, name: str) -> Prop:
        for p in self.props:
            if p.name == name:
                return p
        raise KeyError(f"{self.label} has no property {name!r}")


@dataclass(frozen=True)
class RelSpec:
    type: str
    start: str
    end: str
    description: str
    props: tuple[Prop, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class VectorIndexSpec:
    name: str
    label: str
    prop: str
    dimension_setting: Literal["text", "graph"]  # which embedder decides the dimension


@dataclass(frozen=True)
class FulltextIndexSpec:
    name: str
    label: str
    props: tuple[str, ...]


S: PropType = "STRING"
INT: PropType = "INTEGER"
F: PropType = "FLOAT"
B: PropType = "BOOLEAN"

PLACE = NodeSpec(
    "Place",
    "place_id",
    "A place in the hierarchy country → city → region (읍·면·동 or district) → poi.",
    (
        Prop("place_id", S, "unique id, e.g. 'KR', 'KR-JEJU', 'KR-JEJU-aewol'"),
        Prop("name", S, "Korean name, e.g. '애월읍'"),
        Prop("name_en", S, "English / romanised name"),
        Prop("level", S, "one of 'country', 'city', 'region', 'poi'"),
        Prop("city_code", S, "IATA-like city code of the city this place belongs to"),
        Prop("country_code", S, "ISO country code"),
        Prop("lat", F, "latitude (WGS84)"),
        Prop("lon", F, "longitude (WGS84)"),
        Prop("aliases", "LIST<STRING>", "other names users write for this place"),
        Prop(
            "source",
            S,
            "place database: 'gazetteer' (this hierarchy), or 'internal' / 'external' "
            "(the two POI databases that the mapping links with SAME_AS)",
        ),
    ),
)

MERCHANT = NodeSpec(
    "Merchant",
    "merchant_id",
    "A restaurant or cafe.",
    (
        Prop("merchant_id", S, "unique id, e.g. 'M000123'"),
        Prop("name", S, "Korean business name"),
        Prop("category", S, "main category name (same as its IN_CATEGORY node)"),
        Prop("region", S, "name of the region (읍·면·동) it is located in"),
        Prop("city", S, "name of the city (제주시 / 서귀포시)"),
        Prop("address", S, "road address"),
        Prop("lat", F, "latitude"),
        Prop("lon", F, "longitude"),
        Prop("price_level", INT, "1 (cheap) .. 4 (expensive)"),
        Prop("avg_price", INT, "average spend per person in KRW"),
        Prop("rating", F, "mean review rating 1..5"),
        Prop("review_count", INT, "number of reviews"),
        Prop("parking", B, "has parking"),
        Prop("ocean_view", B, "has an ocean view"),
        Prop("kid_friendly", B, "suitable for children (kids menu, chairs)"),
        Prop("group_seating", B, "has seating for large groups"),
        Prop("quiet", B, "quiet atmosphere"),
        Prop("pet_friendly", B, "pets allowed"),
        Prop("share_20s", F, "share of customers in their 20s (0..1)"),
        Prop("share_30s", F, "share of customers in their 30s (0..1)"),
        Prop("share_40s", F, "share of customers in their 40s (0..1)"),
        Prop("share_50plus", F, "share of customers aged 50 or more (0..1)"),
        Prop("share_family", F, "share of visits by families (0..1)"),
        Prop("share_couple", F, "share of visits by couples (0..1)"),
        Prop("share_friends", F, "share of visits by groups of friends (0..1)"),
        Prop("share_solo", F, "share of solo visits (0..1)"),
        Prop("local_share", F, "share of customers who are locals (0..1)"),
        Prop("busy_hours", S, "busiest hours, e.g. '12-13,18-20'"),
        Prop("graph_embedding", "LIST<FLOAT>", "graph embedding (node2vec)", in_prompt=False),
    ),
)

REVIEW = NodeSpec(
    "Review",
    "review_id",
    "A customer review of a merchant.",
    (
        Prop("review_id", S, "unique id, e.g. 'R0000001'"),
        Prop("merchant_id", S, "id of the merchant it is about"),
        Prop("text", S, "Korean review text"),
        Prop("rating", INT, "1..5"),
        Prop("party_type", S, "who the writer came with: 가족/부모님/커플/친구/혼자/아이"),
        Prop("created_at", S, "ISO date"),
        Prop("embedding", "LIST<FLOAT>", "text embedding of the review", in_prompt=False),
    ),
)

USER = NodeSpec(
    "User",
    "user_id",
    "A user of the travel app.",
    (
        Prop("user_id", S, "unique id, e.g. 'U000001'"),
        Prop("age_band", S, "'20s', '30s', '40s' or '50plus'"),
        Prop("party_type", S, "usual party: family/couple/friends/solo"),
        Prop("home_city", S, "city the user lives in"),
    ),
)

CATEGORY = NodeSpec(
    "Category",
    "name",
    "A merchant category such as 흑돼지, 해산물, 카페.",
    (Prop("name", S, "category name"),),
)

MENU = NodeSpec(
    "Menu",
    "name",
    "A dish or drink, e.g. 흑돼지 오겹살, 고기국수.",
    (Prop("name", S, "menu item name"),),
)

PRODUCT = NodeSpec(
    "Product",
    "product_id",
    "A travel product: package tour, hotel or activity.",
    (
        Prop("product_id", S, "unique id, e.g. 'P00123'"),
        Prop("name", S, "Korean product title"),
        Prop("product_type", S, "'package', 'hotel' or 'activity'"),
        Prop("country_code", S, "ISO country code"),
        Prop("city_code", S, "city code"),
        Prop("city", S, "city name"),
        Prop("theme", S, "theme such as 휴양, 미식, 액티비티, 문화"),
        Prop("price", INT, "price in KRW"),
        Prop("price_band", S, "'low', 'mid', 'high' or 'luxury'"),
        Prop("nights", INT, "number of nights (0 for activities)"),
    ),
)

NODES: tuple[NodeSpec, ...] = (PLACE, MERCHANT, REVIEW, USER, CATEGORY, MENU, PRODUCT)

RELATIONSHIPS: tuple[RelSpec, ...] = (
    RelSpec("IN", "Place", "Place", "place hierarchy: poi→region→city→country"),
    RelSpec("LOCATED_IN", "Merchant", "Place", "the region the merchant is in"),
    RelSpec("IN_CATEGORY", "Merchant", "Category", "merchant category"),
    RelSpec(
        "SERVES",
        "Merchant",
        "Menu",
        "a dish on the menu",
        (Prop("price", INT, "price in KRW"), Prop("signature", B, "signature dish")),
    ),
    RelSpec("ABOUT", "Review", "Merchant", "the merchant a review is about"),
    RelSpec("WROTE", "User", "Review", "the author of a review"),
    RelSpec(
        "VISITS", "Product", "Place", "a place a travel product visits", (Prop("day", INT, "day"),)
    ),
    RelSpec(
        "VIEWED",
        "User",
        "Product",
        "a user viewed a product (click log)",
        (Prop("ts", INT, "unix time of the last view"), Prop("count", INT, "number of views")),
    ),
    RelSpec(
        "SAME_AS",
        "Place",
        "Place",
        "two place records that name the same place",
        (Prop("score", F, "mapping confidence 0..1"),),
    ),
)

VECTOR_INDEXES: tuple[VectorIndexSpec, ...] = (
    VectorIndexSpec("review_embedding", "Review", "embedding", "text"),
    VectorIndexSpec("merchant_graph_embedding", "Merchant", "graph_embedding", "graph"),
)

FULLTEXT_INDEXES: tuple[FulltextIndexSpec, ...] = (
    FulltextIndexSpec("merchant_name", "Merchant", ("name",)),
    FulltextIndexSpec("place_name", "Place", ("name", "name_en")),
)

# Indexes earlier versions created, dropped by `ensure_schema` where they exist. Review
# text had a full-text index nothing queried (reviews are found through their vectors):
# FalkorDB rebuilds full-text indexes on every load, and this one was two thirds of the
# time to open the dense graph (5.2 s -> 1.7 s without it), more at full scale.
RETIRED_FULLTEXT_INDEXES: tuple[FulltextIndexSpec, ...] = (
    FulltextIndexSpec("review_text", "Review", ("text",)),
)


def fingerprint_prop(spec: VectorIndexSpec) -> str:
    """Node property holding the content fingerprint, where vectors live on the nodes."""
    return f"{spec.prop}_fingerprint"


# Vectors are large and meaningless to a reader: nodes leave every store without them.
HIDDEN_PROPS = frozenset(
    p.name for spec in NODES for p in spec.props if p.type == "LIST<FLOAT>"
) | frozenset(fingerprint_prop(v) for v in VECTOR_INDEXES)


def node_spec(label: str) -> NodeSpec:
    for spec in NODES:
        if spec.label == label:
            return spec
    raise KeyError(f"unknown label {label!r}")


def rel_spec(rel_type: str) -> RelSpec:
    for spec in RELATIONSHIPS:
        if spec.type == rel_type:
            return spec
    raise KeyError(f"unknown relationship type {rel_type!r}")


def vector_spec(index: str) -> VectorIndexSpec:
    spec = next((v for v in VECTOR_INDEXES if v.name == index), None)
    if spec is None:
        raise KeyError(f"unknown vector index {index!r}")
    return spec


def vector_spec_for(label: str, prop: str) -> VectorIndexSpec | None:
    return next((v for v in VECTOR_INDEXES if (v.label, v.prop) == (label, prop)), None)


def schema_text() -> str:
    """Render the model as the schema block of a Text2Cypher prompt."""
    lines = ["Node labels and properties:"]
    for spec in NODES:
        props = ", ".join(f"{p.name}: {p.type}" for p in spec.props if p.in_prompt)
        lines.append(f"(:{spec.label} {{{props}}})  // {spec.description}")
    lines.append("")
    lines.append("Relationships:")
    for rel in RELATIONSHIPS:
        props = ", ".join(f"{p.name}: {p.type}" for p in rel.props)
        rel_props = f" {{{props}}}" if props else ""
        lines.append(f"(:{rel.start})-[:{rel.type}{rel_props}]->(:{rel.end})  // {rel.description}")
    lines.append("")
    lines.append("Property notes:")
    for spec in NODES:
        for p in spec.props:
            if p.in_prompt and p.description:
                lines.append(f"- {spec.label}.{p.name}: {p.description}")
    return "\n".join(lines)
