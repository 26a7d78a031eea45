"""Second-stage retrieval: HyDE re-ranking, widening with vector hits, graph backfill.

All three work on `Candidate` objects read through the store's read-only path; vectors
only through the store's vector methods (`vector_search_keys`, `vector_similarities`,
`get_vectors`), which every backend implements. A stage that cannot run (no review
embeddings, no graph embeddings, no vector index) returns what it has and a note saying
why, so the answer can tell the user.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from agent import cypher as Q
from agent.deps import AgentDeps
from agent.state import Candidate, Evidence, Slots
from agent.understand import haversine_km
from graph_schema.store import GraphStoreError, vector_spec
from graph_schema.vector_index import VectorIndexError
from ingest.gazetteer import ATTRIBUTES
from prompts import agent as P

MIX_KEYS = (
    "share_20s",
    "share_30s",
    "share_40s",
    "share_50plus",
    "share_family",
    "share_couple",
    "share_friends",
    "share_solo",
    "local_share",
)


def offline_hyde_text(slots: Slots) -> str:
    """The review the ideal place would get, assembled from the slot templates."""
    parts: list[str] = []
    if slots.party in P.HYDE_PARTY:
        parts.append(P.HYDE_PARTY[slots.party].format())
    if slots.region:
        parts.append(P.HYDE_REGION.format(region=slots.region.rstrip("읍면동") or slots.region))
    if slots.category:
        parts.append(P.HYDE_CATEGORY.format(category=slots.category))
    if slots.menu:
        parts.append(P.HYDE_MENU.format(menu=slots.menu))
    for attr in slots.must_haves:
        if attr in P.HYDE_ATTRIBUTE:
            parts.append(P.HYDE_ATTRIBUTE[attr].format())
    if slots.price in P.HYDE_PRICE:
        parts.append(P.HYDE_PRICE[slots.price].format())
    if len(parts) < 2:
        parts.append(P.HYDE_DEFAULT.format())
    return " ".join(parts)


def candidate_from_node(
    node: dict[str, Any], source: str, relaxed: Iterable[str] = ()
) -> Candidate:
    return Candidate(
        merchant_id=node["merchant_id"],
        name=node.get("name", ""),
        region=node.get("region", ""),
        city=node.get("city"),
        category=node.get("category", ""),
        price_level=node.get("price_level"),
        avg_price=node.get("avg_price"),
        rating=node.get("rating"),
        review_count=node.get("review_count"),
        lat=node.get("lat"),
        lon=node.get("lon"),
        attributes={a: bool(node.get(a)) for a in ATTRIBUTES if a in node},
        mix={k: float(node[k]) for k in MIX_KEYS if node.get(k) is not None},
        sources=[source],
        relaxed=list(relaxed),
    )


# What a vector stage can fail with: the store (connection, query), an unknown index, an
# unusable index file, or a query vector of another dimension than the index (the embedder
# changed since `tripgraph embed`).
VECTOR_ERRORS = (GraphStoreError, KeyError, VectorIndexError, ValueError)


def _index_hits(deps: AgentDeps, index: str, vector: list[float], k: int) -> list[str]:
    """Merchant ids of the k nearest nodes of a vector index, nearest first (a review hit
    stands for its merchant; a merchant is listed once per hit)."""
    spec = vector_spec(index)
    hits = deps.store.vector_search_keys(index, vector, k)
    keys = [key for key, _ in hits]
    if spec.label == "Merchant" or not keys:
        return keys
    rows = deps.store.read(
        Q.MERCHANT_IDS_OF_REVIEWS,
        {"ids": keys},
        timeout_ms=deps.config.query_timeout_ms,
        max_rows=len(keys),
    ).rows
    merchant_of = {r["review_id"]: r["merchant_id"] for r in rows if r.get("merchant_id")}
    return [str(merchant_of[key]) for key in keys if key in merchant_of]


def fetch_candidates(deps: AgentDeps, ids: list[str], source: str) -> list[Candidate]:
    """Merchants by id, in the order of `ids`."""
    if not ids:
        return []
    rows = deps.store.read(
        Q.MERCHANTS_BY_IDS,
        {"ids": list(ids)},
        timeout_ms=deps.config.query_timeout_ms,
        max_rows=len(ids),
    ).rows
    by_id = {r["m"]["merchant_id"]: r["m"] for r in rows}
    return [candidate_from_node(by_id[i], source) for i in ids if i in by_id]


def violations(
    deps: AgentDeps, c: Candidate, slots: Slots, menu_ids: set[str] | None
) -> list[str] | None:
    """The hard constraints a candidate misses, as disclosure notes ([] = meets them all);
    None when it can never be shown (excluded by the user)."""
    if c.merchant_id in slots.exclude_ids:
        return None
    notes: list[str] = []
    if slots.region and c.region != slots.region:
        km = None
        a, b = deps.vocab.region_coords.get(slots.region), deps.vocab.region_coords.get(c.region)
        if a and b:
            km = haversine_km(a[0], a[1], b[0], b[1])
        where = f"{slots.region}에서 {km:.0f}km" if km is not None else f"{slots.region} 밖"
        notes.append(f"지역: {c.region} ({where})")
    elif not slots.region and slots.city and c.city != slots.city:
        notes.append(f"지역: {c.city} ({slots.city} 밖)")
    if slots.category and c.category != slots.category:
        notes.append(f"분류: {c.category} ({slots.category} 아님)")
    if menu_ids is not None and c.merchant_id not in menu_ids:
        notes.append(f"메뉴: {slots.menu} 없음")
    missing = [P.ATTRIBUTE_LABELS[a] for a in slots.must_haves if not c.attributes.get(a, False)]
    if missing:
        notes.append(f"필수 조건 미충족: {', '.join(missing)}")
    if slots.price == "cheap" and (c.price_level or 0) > Q.PRICE_CHEAP_MAX_LEVEL:
        notes.append(f"가격대 {c.price_level} (저렴한 곳 아님)")
    if slots.price == "expensive" and (c.price_level or 0) < Q.PRICE_EXPENSIVE_MIN_LEVEL:
        notes.append(f"가격대 {c.price_level} (고급 아님)")
    if slots.max_avg_price and (c.avg_price or 0) > slots.max_avg_price:
        notes.append(f"가격 {c.avg_price:,}원 (상한 {slots.max_avg_price:,}원 초과)")
    return notes


def satisfies(
    deps: AgentDeps, c: Candidate, slots: Slots, menu_ids: set[str] | None
) -> tuple[bool, list[str]]:
    """Whether a widened candidate meets the hard constraints; a nearby region (within
    `nearby_km`) still counts, disclosed in the returned notes."""
    notes = violations(deps, c, slots, menu_ids)
    if notes is None:
        return False, []
    nearby = (
        {name for name, _ in deps.vocab.nearby_regions(slots.region, deps.config.nearby_km)}
        if slots.region
        else set()
    )
    region_only = len(notes) == 1 and notes[0].startswith("지역:") and c.region in nearby
    return (not notes or region_only), notes


# Relaxation ladder when even widening leaves fewer candidates than picks wanted: each rung
# drops one more constraint; every admitted candidate carries the notes of what it misses.
def relaxation_ladder(slots: Slots) -> list[Slots]:
    """Rungs in the order users tend to accept: keep the food, widen the place, then drop
    must-haves; only then keep the place and change the food."""
    loose: dict[str, Any] = {"must_haves": [], "price": None, "max_avg_price": None}
    nowhere: dict[str, Any] = {"region": None, "city": None, "poi": None}
    rungs = []
    if slots.region and slots.city:
        rungs.append(slots.model_copy(update={"region": None, "poi": None}))
    if slots.must_haves or slots.price or slots.max_avg_price:
        rungs.append(slots.model_copy(update=loose))
        if slots.region and slots.city:
            rungs.append(slots.model_copy(update={**loose, "region": None, "poi": None}))
    if slots.region or slots.city:
        rungs.append(slots.model_copy(update=nowhere))
        if slots.must_haves or slots.price or slots.max_avg_price:
            rungs.append(slots.model_copy(update={**loose, **nowhere}))
    if slots.category or slots.menu:
        rungs.append(slots.model_copy(update={"category": None, "menu": None}))
        rungs.append(slots.model_copy(update={**loose, "category": None, "menu": None}))
    return rungs


def relaxed_candidates(
    deps: AgentDeps, slots: Slots, have: set[str], need: int, menu_ids: set[str] | None
) -> list[Candidate]:
    out: list[Candidate] = []
    for rung in relaxation_ladder(slots):
        if len(out) >= need:
            break
        cypher, params = Q.candidate_query(rung, deps.config.first_stage_limit)
        rows = deps.store.read(
            cypher,
            params,
            timeout_ms=deps.config.query_timeout_ms,
            max_rows=deps.config.first_stage_limit,
        ).rows
        ids = [r["merchant_id"] for r in rows if r["merchant_id"] not in have]
        found = fetch_candidates(deps, ids, "relaxed")
        if slots.region and deps.vocab.region_coords.get(slots.region):
            # Nearest first: a relaxed region should still be close to what was asked.
            lat0, lon0 = deps.vocab.region_coords[slots.region]
            found.sort(key=lambda c: haversine_km(lat0, lon0, c.lat or lat0, c.lon or lon0))
        for c in found:
            notes = violations(deps, c, slots, menu_ids)
            if notes is None:
                continue
            c.relaxed = notes
            out.append(c)
            have.add(c.merchant_id)
            if len(out) >= need:
                break
    return out


def menu_merchant_ids(deps: AgentDeps, slots: Slots) -> set[str] | None:
    if not slots.menu:
        return None
    rows = deps.store.read(
        "MATCH (m:Merchant)-[:SERVES]->(:Menu {name: $menu}) RETURN m.merchant_id AS id",
        {"menu": slots.menu},
        timeout_ms=deps.config.query_timeout_ms,
        max_rows=1_000_000,
    ).rows
    return {r["id"] for r in rows}


# Reviews written by the same party as the user rank this much higher as snippets.
PARTY_SNIPPET_BOOST = 0.15


def reviews_by_similarity(
    deps: AgentDeps, ids: list[str], vector: list[float], party: str | None
) -> list[dict[str, Any]]:
    """Each merchant's reviews most similar to `vector` (the HyDE vector), best first, as
    `{merchant_id, top: [{review_id, text, party_type, rating, sim}]}` rows; reviews by the
    user's own party get `PARTY_SNIPPET_BOOST` on top (ties: review id). Merchants none of
    whose reviews has a vector are left out. Three steps: the candidates' review ids from
    the graph, similarities from the store's vectors, then only the winners' texts."""
    per = deps.config.snippets_per_candidate
    reviews = deps.store.read(
        Q.REVIEWS_OF_MERCHANTS,
        {"ids": ids},
        timeout_ms=deps.config.query_timeout_ms,
        max_rows=10_000_000,
    ).rows
    if not reviews:
        return []
    sims = deps.store.vector_similarities(
        "review_embedding", [r["review_id"] for r in reviews], vector
    )
    ranked: dict[str, list[tuple[float, str, float]]] = {}
    for r in reviews:
        sim = sims.get(r["review_id"])
        if sim is None:
            continue
        boost = PARTY_SNIPPET_BOOST if party and r.get("party_type") == party else 0.0
        ranked.setdefault(r["merchant_id"], []).append((-(sim + boost), r["review_id"], sim))
    best = {m: sorted(items)[:per] for m, items in ranked.items()}
    wanted = [rid for items in best.values() for _, rid, _ in items]
    if not wanted:
        return []
    texts = {
        r["review_id"]: r
        for r in deps.store.read(
            Q.REVIEW_SNIPPETS,
            {"ids": wanted},
            timeout_ms=deps.config.query_timeout_ms,
            max_rows=len(wanted),
        ).rows
    }
    return [
        {
            "merchant_id": m,
            "top": [
                {
                    "review_id": rid,
                    "text": texts[rid].get("text"),
                    "party_type": texts[rid].get("party_type"),
                    "rating": texts[rid].get("rating"),
                    "sim": sim,
                }
                for _, rid, sim in items
                if rid in texts
            ],
        }
        for m, items in best.items()
    ]


def attach_review_similarity(
    deps: AgentDeps,
    candidates: list[Candidate],
    vector: list[float] | None,
    party: str | None = None,
) -> str | None:
    """Set each candidate's HyDE similarity and best review snippets. Returns a note when
    reviews have no embeddings (snippets then come from the best-rated reviews)."""
    if not candidates:
        return None
    ids = [c.merchant_id for c in candidates]
    per = deps.config.snippets_per_candidate
    rows: list[dict[str, Any]] = []
    note = None
    if vector is not None:
        try:
            rows = reviews_by_similarity(deps, ids, vector, party)
        except VECTOR_ERRORS as exc:
            note = f"리뷰 벡터를 쓸 수 없어 HyDE 재순위를 건너뛰었어요: {str(exc)[:80]}"
    have = {r["merchant_id"] for r in rows}
    missing = [i for i in ids if i not in have]
    if missing:
        if vector is not None and note is None and len(missing) == len(ids):
            note = "리뷰 임베딩이 없어 HyDE 재순위를 건너뛰었어요 (run `tripgraph embed`)"
        rows += deps.store.read(
            Q.TOP_REVIEWS_BY_RATING,
            {"ids": missing, "per": per},
            timeout_ms=deps.config.query_timeout_ms,
            max_rows=len(ids),
        ).rows
    by_id = {r["merchant_id"]: r["top"] for r in rows}
    for c in candidates:
        top = by_id.get(c.merchant_id) or []
        c.snippets = [
            Evidence(
                review_id=t["review_id"],
                text=t["text"],
                similarity=t.get("sim"),
                party_type=t.get("party_type"),
                rating=t.get("rating"),
            )
            for t in top
        ]
        sims = [float(t["sim"]) for t in top if t.get("sim") is not None][:2]
        c.similarity = round(sum(sims) / len(sims), 4) if sims else None
    return note


def vector_widen(
    deps: AgentDeps, vector: list[float], slots: Slots, have: set[str], menu_ids: set[str] | None
) -> tuple[list[Candidate], str | None]:
    """Merchants of the reviews nearest to the HyDE vector that meet the hard constraints."""
    try:
        hits = _index_hits(deps, "review_embedding", vector, deps.config.vector_k)
    except VECTOR_ERRORS as exc:
        return [], f"리뷰 벡터 검색을 쓸 수 없어요: {str(exc)[:80]}"
    ids = [i for i in dict.fromkeys(hits) if i not in have]
    if ids:
        # Filter in the graph first: fetching every hit's node costs more than the search.
        regions = None
        if slots.region:
            near = deps.vocab.nearby_regions(slots.region, deps.config.nearby_km)
            regions = [slots.region, *(name for name, _ in near)]
        cypher, params = Q.candidate_query(slots, len(ids), regions=regions, ids=ids)
        rows = deps.store.read(
            cypher, params, timeout_ms=deps.config.query_timeout_ms, max_rows=len(ids)
        ).rows
        keep = {r["merchant_id"] for r in rows}
        ids = [i for i in ids if i in keep]
    out = []
    for c in fetch_candidates(deps, ids, "vector"):
        ok, relaxed = satisfies(deps, c, slots, menu_ids)
        if ok:
            c.relaxed = relaxed
            out.append(c)
    return out, None


def graph_backfill(
    deps: AgentDeps,
    seeds: list[Candidate],
    slots: Slots,
    have: set[str],
    menu_ids: set[str] | None,
    need: int,
) -> tuple[list[Candidate], str]:
    """Nearest merchants in graph-embedding space to the seeds, meeting the hard constraints."""
    if not seeds:
        return [], "그래프 임베딩 보강: 기준 후보가 없어 건너뛰었어요"
    try:
        got = deps.store.get_vectors("merchant_graph_embedding", [s.merchant_id for s in seeds])
    except VECTOR_ERRORS as exc:
        return [], f"그래프 임베딩을 읽을 수 없어 보강을 건너뛰었어요: {str(exc)[:80]}"
    vectors = [np.asarray(v, np.float32) for v in got.values()]
    if not vectors:
        return [], (
            "그래프 임베딩이 아직 없어 보강을 건너뛰었어요 (run `tripgraph train graph-embeddings`)"
        )
    centroid = np.mean(np.stack(vectors), axis=0)
    norm = float(np.linalg.norm(centroid))
    if norm == 0.0:
        return [], "그래프 임베딩 보강: 기준 벡터가 0이라 건너뛰었어요"
    try:
        hits = _index_hits(
            deps, "merchant_graph_embedding", (centroid / norm).tolist(), deps.config.graph_k
        )
    except VECTOR_ERRORS as exc:
        return [], f"그래프 임베딩 인덱스를 쓸 수 없어 보강을 건너뛰었어요: {str(exc)[:80]}"
    ids = [i for i in hits if i not in have]
    out: list[Candidate] = []
    for c in fetch_candidates(deps, ids, "graph_embedding"):
        ok, relaxed = satisfies(deps, c, slots, menu_ids)
        if ok:
            c.relaxed = relaxed
            out.append(c)
        if len(out) >= need:
            break
    return out, f"그래프 임베딩 보강으로 {len(out)}곳을 더했어요"
