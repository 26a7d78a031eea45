"""Itinerary → package: rank travel products by how much of a planner's itinerary they visit.

An itinerary place may be written as a Place id of any source (gazetteer 'JP-OSA-poi-…',
internal 'INT-…', external 'EXT-…') or as a name. Each is resolved to a Place node and then
to every node SAME_AS-connected to it (both directions, up to `max_hops`), because products
VISIT gazetteer POIs while planners usually hold external (map-app) ids.

    match_rate(product) = |{itinerary places the product visits}| / |itinerary places|
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, Field

from graph_schema.store import GraphStore

# All Cypher of this tool; read-only, in the subset FalkorDB and Neo4j both run.
_RESOLVE = (  # an exact id first, then gazetteer nodes over place-database copies (INT-/EXT-)
    "MATCH (p:Place) WHERE p.place_id = $ref OR toLower(p.name) = toLower($ref) "
    "OR toLower(p.name_en) = toLower($ref) OR $ref IN p.aliases "
    "RETURN p.place_id AS id ORDER BY CASE WHEN p.place_id = $ref THEN 0 "
    "WHEN p.place_id STARTS WITH 'INT-' OR p.place_id STARTS WITH 'EXT-' THEN 2 ELSE 1 END, "
    "id LIMIT 1"
)
_EQUIVALENT = (
    "MATCH (p:Place {{place_id: $id}})-[:SAME_AS*0..{hops}]-(q:Place) "
    "RETURN DISTINCT q.place_id AS id"
)
_PRODUCTS = (
    "MATCH (pr:Product)-[:VISITS]->(q:Place) WHERE q.place_id IN $ids "
    "WITH pr, collect(DISTINCT q.place_id) AS hit "
    "MATCH (pr)-[:VISITS]->(all:Place) "
    "RETURN pr.product_id AS product_id, pr.name AS name, pr.product_type AS product_type, "
    "pr.price AS price, hit, count(DISTINCT all) AS n_visits"
)


class ItineraryDay(BaseModel):
    day: int = Field(description="day number, 1-based")
    places: list[str] = Field(description="place ids or names visited that day")


class MatchedPlace(BaseModel):
    itinerary_place: str = Field(description="as written in the itinerary")
    resolved_id: str = Field(description="the Place node it resolved to")
    product_place_id: str = Field(description="the place the product visits (via SAME_AS)")


class PackageMatch(BaseModel):
    product_id: str
    name: str
    product_type: str
    price: int | None = None
    match_rate: float = Field(description="share of itinerary places the product visits")
    coverage: float = Field(description="share of the product's places that are in the itinerary")
    matched: list[MatchedPlace]


class ItineraryMatchResult(BaseModel):
    resolved: dict[str, str | None] = Field(
        description="itinerary place → Place id (None: unknown)"
    )
    packages: list[PackageMatch]


def match_itinerary(
    store: GraphStore, itinerary: Sequence[ItineraryDay], k: int = 5, max_hops: int = 3
) -> ItineraryMatchResult:
    """The top-k products by match rate (ties: higher coverage, then id)."""
    refs = list(dict.fromkeys(p for day in itinerary for p in day.places))
    resolved: dict[str, str | None] = {}
    equivalents: dict[str, set[str]] = {}
    for ref in refs:
        rows = store.read(_RESOLVE, {"ref": ref}).rows
        resolved[ref] = rows[0]["id"] if rows else None
        if resolved[ref] is not None:
            eq = store.read(_EQUIVALENT.format(hops=int(max_hops)), {"id": resolved[ref]}).rows
            equivalents[ref] = {r["id"] for r in eq}
    all_ids = sorted(set().union(*equivalents.values())) if equivalents else []
    if not all_ids or not refs:
        return ItineraryMatchResult(resolved=resolved, packages=[])
    packages: list[PackageMatch] = []
    for row in store.read(_PRODUCTS, {"ids": all_ids}, max_rows=100_000).rows:
        hit = set(row["hit"])
        matched = []
        for ref, ids in equivalents.items():
            common = sorted(ids & hit)
            if common:
                matched.append(
                    MatchedPlace(
                        itinerary_place=ref,
                        resolved_id=str(resolved[ref]),
                        product_place_id=common[0],
                    )
                )
        packages.append(
            PackageMatch(
                product_id=row["product_id"],
                name=row["name"],
                product_type=row["product_type"],
                price=row["price"],
                match_rate=len(matched) / len(refs),
                coverage=len(hit) / max(int(row["n_visits"]), 1),
                matched=matched,
            )
        )
    packages.sort(key=lambda p: (-p.match_rate, -p.coverage, p.product_id))
    return ItineraryMatchResult(resolved=resolved, packages=packages[:k])
