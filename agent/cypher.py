"""Every Cypher query the agent runs: named constants and builders.

Values always travel as parameters; the only text assembled from slots is a choice among
fixed clauses (which attribute filter, which ORDER BY), never user text. No query reads a
vector: vectors come from the store's vector methods, the same on every backend.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from agent.state import Slots
from tripgraph.vocab import ATTRIBUTES, load_categories

# One read: the user, and each review they wrote with its merchant's facts.
PROFILE_QUERY = (
    "MATCH (u:User {user_id: $user_id}) "
    "OPTIONAL MATCH (u)-[:WROTE]->(r:Review)-[:ABOUT]->(m:Merchant) "
    "WHERE NOT r.review_id IN $exclude "
    "WITH u, collect({merchant_id: m.merchant_id, category: m.category, region: m.region, "
    "rating: r.rating, price_level: m.price_level, parking: m.parking, "
    "ocean_view: m.ocean_view, kid_friendly: m.kid_friendly, "
    "group_seating: m.group_seating, quiet: m.quiet, pet_friendly: m.pet_friendly}) AS reviews "
    "OPTIONAL MATCH (u)-[v:VIEWED]->(p:Product) "
    "RETURN u.age_band AS age_band, u.party_type AS party_type, u.home_city AS home_city, "
    "reviews, collect([p.theme, p.price_band, v.count]) AS views"
)

# Read-only Cypher of the tool adapters (the subset FalkorDB and Neo4j both run).
PLACE_NAMES = (  # POIs first: where an alias is shared, the POI reading wins
    "MATCH (p:Place) WHERE p.level IN ['poi', 'region', 'city'] "
    "AND NOT (p.place_id STARTS WITH 'INT-' OR p.place_id STARTS WITH 'EXT-') "
    "RETURN p.name AS name, p.name_en AS name_en, p.aliases AS aliases, p.level AS level "
    "ORDER BY CASE p.level WHEN 'poi' THEN 0 WHEN 'region' THEN 1 ELSE 2 END, name"
)
PLACE_BY_NAME = (
    "MATCH (p:Place) WHERE toLower(p.name) = toLower($ref) OR toLower(p.name_en) = "
    "toLower($ref) OR $ref IN p.aliases RETURN p.place_id AS id, p.name AS name, "
    "p.name_en AS name_en, p.city_code AS city_code, p.lat AS lat, p.lon AS lon "
    "ORDER BY CASE WHEN p.place_id STARTS WITH 'INT-' OR p.place_id STARTS WITH 'EXT-' "
    "THEN 1 ELSE 0 END, id LIMIT 1"
)
SAME_AS_OF = (
    "MATCH (p:Place)-[r:SAME_AS]-(q:Place) WHERE p.place_id IN $ids "
    "AND q.place_id STARTS WITH 'EXT-' RETURN DISTINCT q.place_id AS id, q.name AS name, "
    "q.name_en AS name_en, r.score AS score"
)

# Merchant names for the candidate lists of the steps (the stage events carry ids only).
MERCHANT_NAMES = (
    "MATCH (m:Merchant) WHERE m.merchant_id IN $ids "
    "RETURN m.merchant_id AS merchant_id, m.name AS name, m.region AS region, "
    "m.category AS category, m.rating AS rating"
)

VOCABULARY_QUERIES: dict[str, str] = {
    "regions": (
        "MATCH (p:Place) WHERE p.level = 'region' AND p.place_id STARTS WITH 'KR-JEJU' "
        "RETURN p.name AS name, p.aliases AS aliases, p.lat AS lat, p.lon AS lon"
    ),
    "categories": "MATCH (c:Category) RETURN c.name AS name",
    "menus": "MATCH (x:Menu) RETURN x.name AS name",
    "merchants": "MATCH (m:Merchant) RETURN m.name AS name",
    "product_cities": (
        "MATCH (p:Place) WHERE p.level = 'city' RETURN p.name AS name, p.aliases AS aliases"
    ),
}


MERCHANTS_BY_IDS = "MATCH (m:Merchant) WHERE m.merchant_id IN $ids RETURN m"

# Vectors are read through the store (`vector_search_keys`, `vector_similarities`,
# `get_vectors`), never in Cypher: the FalkorDB backends keep them outside the graph.
PRODUCTS_BY_ID = (  # the titles a product answer shows instead of bare ids
    "MATCH (p:Product) WHERE p.product_id IN $ids "
    "RETURN p.product_id AS product_id, p.name AS name, p.city AS city, p.price AS price, "
    "p.product_type AS product_type"
)
MERCHANT_IDS_OF_REVIEWS = (
    "MATCH (r:Review) WHERE r.review_id IN $ids RETURN r.review_id AS review_id, "
    "r.merchant_id AS merchant_id"
)

# Candidates' reviews, to be scored against the HyDE vector; starts from the merchant-id
# index and expands (a filter on `r` first would scan every Review by label).
REVIEWS_OF_MERCHANTS = (
    "MATCH (m:Merchant) WHERE m.merchant_id IN $ids "
    "MATCH (r:Review)-[:ABOUT]->(m) "
    "RETURN m.merchant_id AS merchant_id, r.review_id AS review_id, r.party_type AS party_type"
)

REVIEW_SNIPPETS = (
    "MATCH (r:Review) WHERE r.review_id IN $ids "
    "RETURN r.review_id AS review_id, r.text AS text, r.party_type AS party_type, "
    "r.rating AS rating"
)

TOP_REVIEWS_BY_RATING = (
    "MATCH (r:Review)-[:ABOUT]->(m:Merchant) WHERE m.merchant_id IN $ids "
    "WITH m, r ORDER BY r.rating DESC, r.review_id "
    "WITH m, collect({review_id: r.review_id, text: r.text, party_type: r.party_type, "
    "rating: r.rating})[0..$per] AS top "
    "RETURN m.merchant_id AS merchant_id, top"
)

REVIEWS_ABOUT = (
    "UNWIND $pairs AS p MATCH (r:Review {review_id: p.review_id})-[:ABOUT]->"
    "(m:Merchant {merchant_id: p.merchant_id}) "
    "RETURN r.review_id AS review_id, m.merchant_id AS merchant_id, r.text AS text"
)


PRICE_CHEAP_MAX_LEVEL = 2
PRICE_EXPENSIVE_MIN_LEVEL = 3


def _where(conditions: list[str]) -> str:
    return f" WHERE {' AND '.join(conditions)}" if conditions else ""


def _merchant_conditions(
    slots: Slots,
    params: dict[str, Any],
    *,
    regions: list[str] | None = None,
    must_haves: bool = True,
) -> list[str]:
    """WHERE conditions on `m` for the place (`regions`, else the region, the city or the area),
    the category (else the stand-in categories), what the ask rules out (never relaxed) and
    (unless `must_haves=False`) the must-have attributes; their parameters are added to
    `params`."""
    where: list[str] = []
    if regions is not None:
        where.append("m.region IN $regions")
        params["regions"] = list(regions)
    elif slots.region:
        where.append("m.region = $region")
        params["region"] = slots.region
    elif slots.city:
        where.append("m.city = $city")
        params["city"] = slots.city
    elif slots.area_regions:
        where.append("m.region IN $regions")
        params["regions"] = list(slots.area_regions)
    if slots.category:
        where.append("m.category = $category")
        params["category"] = slots.category
    elif slots.stand_ins:
        # What the graph does not hold (술집) is searched as its nearest categories.
        where.append("m.category IN $categories")
        params["categories"] = list(slots.stand_ins)
    excluded = excluded_categories(slots)
    if excluded:
        where.append("NOT m.category IN $exclude_categories")
        params["exclude_categories"] = excluded
    if slots.exclude_regions:
        where.append("NOT m.region IN $exclude_regions")
        params["exclude_regions"] = list(slots.exclude_regions)
    for i, menu in enumerate(slots.exclude_menus):
        # One fixed clause per ruled-out dish; the dish travels as a parameter.
        where.append(f"NOT (m)-[:SERVES]->(:Menu {{name: $exclude_menu_{i}}})")
        params[f"exclude_menu_{i}"] = menu
    if must_haves:
        for attr in slots.must_haves:
            if attr in ATTRIBUTES:  # allowlisted property names only
                where.append(f"m.{attr} = true")
    return where


def excluded_categories(slots: Slots) -> list[str]:
    """The categories no pick may have: those the ask rules out, and on a meal ask (점심,
    밥집) the cafe-kind ones (카페, 베이커리, 브런치)."""
    cafes = load_categories().names_of_kind("cafe") if slots.meal else ()
    return list(dict.fromkeys([*slots.exclude_categories, *cafes]))


def candidate_query(
    slots: Slots,
    limit: int,
    *,
    regions: list[str] | None = None,
    drop_must_haves: bool = False,
    ids: list[str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """The first-stage template: merchants satisfying the hard constraints, best rated first.

    `regions` replaces the slot's region by a list (widening to nearby regions); `ids`
    restricts the search to given merchants (vector hits being filtered). A menu is a
    SERVES match on the Menu node; with no category it finds any merchant serving it.
    """
    match = "MATCH (m:Merchant)"
    where: list[str] = []
    params: dict[str, Any] = {"limit": int(limit)}
    if slots.menu:
        match = "MATCH (m:Merchant)-[:SERVES]->(:Menu {name: $menu})"
        params["menu"] = slots.menu
    if ids is not None:
        where.append("m.merchant_id IN $ids")
        params["ids"] = list(ids)
    where += _merchant_conditions(slots, params, regions=regions, must_haves=not drop_must_haves)
    if not drop_must_haves:
        if slots.price == "cheap":
            where.append(f"m.price_level <= {PRICE_CHEAP_MAX_LEVEL}")
        elif slots.price == "expensive":
            where.append(f"m.price_level >= {PRICE_EXPENSIVE_MIN_LEVEL}")
        if slots.max_avg_price:
            where.append("m.avg_price <= $max_avg_price")
            params["max_avg_price"] = int(slots.max_avg_price)
    if slots.exclude_ids:
        where.append("NOT m.merchant_id IN $exclude_ids")
        params["exclude_ids"] = list(slots.exclude_ids)
    clause = _where(where)
    # Where locals eat: half the reviewers living in Jeju weighs as one star, so a local
    # favourite a little below a tourist one still enters the pool.
    rank = "m.rating + 2.0 * coalesce(m.local_share, 0.0)" if slots.locals else "m.rating"
    cypher = (
        f"{match}{clause} RETURN DISTINCT m.merchant_id AS merchant_id, m.rating AS rating, "
        f"{rank} AS rank ORDER BY rank DESC, merchant_id LIMIT $limit"
    )
    return cypher, params


# --------------------------------------------------------------------- graph questions
@dataclass(frozen=True)
class GraphQuery:
    kind: str  # which question pattern produced it (the answer template is chosen by it)
    cypher: str
    params: dict[str, Any]


MENU_MERCHANT_IDS = "MATCH (m:Merchant)-[:SERVES]->(:Menu {name: $menu}) RETURN m.merchant_id AS id"


def _merchant_filter(slots: Slots, params: dict[str, Any]) -> str:
    return _where(_merchant_conditions(slots, params))


_TOP_N = re.compile(r"(\d+)\s*(?:곳|개|군데)")


def offline_graph_query(question: str, slots: Slots) -> GraphQuery | None:
    """A template for the graph-question patterns the offline mode supports, or None."""
    q = question.replace(" ", "")
    params: dict[str, Any] = {}
    menu_match = "(m:Merchant)-[:SERVES]->(:Menu {name: $menu})" if slots.menu else "(m:Merchant)"
    if slots.menu:
        params["menu"] = slots.menu
    if slots.merchant_name and ("메뉴" in q):
        return GraphQuery(
            "merchant_menu",
            "MATCH (m:Merchant {name: $name})-[s:SERVES]->(x:Menu) "
            "RETURN x.name AS menu, s.price AS price ORDER BY price DESC, menu",
            {"name": slots.merchant_name},
        )
    if slots.merchant_name and "리뷰" in q and ("몇" in q or "수" in q):
        return GraphQuery(
            "merchant_review_count",
            "MATCH (r:Review)-[:ABOUT]->(m:Merchant {name: $name}) RETURN count(r) AS reviews",
            {"name": slots.merchant_name},
        )
    if slots.merchant_name and ("평점" in q or "별점" in q):
        return GraphQuery(
            "merchant_rating",
            "MATCH (m:Merchant {name: $name}) RETURN m.rating AS rating",
            {"name": slots.merchant_name},
        )
    if (slots.product_city and "상품" in q) or (
        slots.product_type and "몇" in q and not slots.region
    ):
        where = []
        if slots.product_city:
            where.append("p.city = $city")
            params["city"] = slots.product_city
        if slots.product_type:
            where.append("p.product_type = $ptype")
            params["ptype"] = slots.product_type
        clause = _where(where)
        if "평균" in q and ("가격" in q or "얼마" in q):
            return GraphQuery(
                "product_avg_price",
                f"MATCH (p:Product){clause} RETURN avg(p.price) AS avg_price",
                params,
            )
        return GraphQuery(
            "product_count", f"MATCH (p:Product){clause} RETURN count(p) AS products", params
        )
    if (
        ("가장많은" in q or "제일많은" in q)
        and ("지역" in q or "동네" in q or "어디" in q)
        and "리뷰" not in q
    ):
        filt = _merchant_filter(Slots(category=slots.category, must_haves=slots.must_haves), params)
        return GraphQuery(
            "region_with_most",
            f"MATCH {menu_match}{filt} RETURN m.region AS region, count(DISTINCT m) AS merchants "
            "ORDER BY merchants DESC, region LIMIT 1",
            params,
        )
    filt = _merchant_filter(slots, params)
    if "평균" in q and ("평점" in q or "별점" in q):
        return GraphQuery(
            "avg_rating",
            f"MATCH {menu_match}{filt} RETURN round(avg(m.rating) * 100) / 100.0 AS avg_rating",
            params,
        )
    if "평균" in q and ("가격" in q or "객단가" in q or "얼마" in q):
        return GraphQuery(
            "avg_price", f"MATCH {menu_match}{filt} RETURN avg(m.avg_price) AS avg_price", params
        )
    if "리뷰가가장많은" in q or "리뷰가제일많은" in q or "리뷰제일많은" in q or "리뷰가장많은" in q:
        return GraphQuery(
            "most_reviewed",
            f"MATCH {menu_match}{filt} RETURN m.name AS name, m.review_count AS reviews "
            "ORDER BY reviews DESC, name LIMIT 1",
            params,
        )
    if "평점" in q and ("제일높은" in q or "가장높은" in q or "최고" in q):
        n = _TOP_N.search(question)
        params["n"] = int(n.group(1)) if n else 1
        return GraphQuery(
            "top_rated",
            f"MATCH {menu_match}{filt} RETURN m.name AS name, m.rating AS rating "
            "ORDER BY rating DESC, name LIMIT $n",
            params,
        )
    if "몇" in q or "개수" in q or "얼마나있" in q:
        return GraphQuery(
            "count_merchants",
            f"MATCH {menu_match}{filt} RETURN count(DISTINCT m) AS merchants",
            params,
        )
    return None
