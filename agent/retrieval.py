"""Second-stage retrieval: HyDE re-ranking, widening with vector hits, graph backfill.

All three work on `Candidate` objects read through the store's read-only path; vectors
only through the store's vector methods (`vector_search_keys`, `vector_similarities`,
`get_vectors`), which every backend implements. A stage that cannot run (no review
embeddings, no graph embeddings, no vector index) returns what it has and a note saying
why, so the answer can tell the user.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from agent import cypher as Q
from agent.config import AgentConfig
from agent.deps import AgentDeps
from agent.state import Candidate, Evidence, Slots
from agent.understand import Vocabulary, haversine_km
from graph_schema.store import GraphStoreError, vector_spec
from graph_schema.vector_index import VectorIndexError
from prompts import agent as P
from tripgraph.vocab import ATTRIBUTES
from tripgraph.vocab.understanding import load_understanding_vocab

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
    if slots.occasion in P.HYDE_OCCASION:
        parts.append(P.HYDE_OCCASION[slots.occasion].format())
    if slots.category or slots.stand_ins:
        category = slots.category or slots.stand_ins[0]
        parts.append(P.HYDE_CATEGORY.format(category=category))
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


def _region_km(deps: AgentDeps, asked: str, region: str) -> float | None:
    a, b = deps.vocab.region_coords.get(asked), deps.vocab.region_coords.get(region)
    return haversine_km(a[0], a[1], b[0], b[1]) if a and b else None


def distance_km(deps: AgentDeps, slots: Slots, c: Candidate) -> float | None:
    """How far the merchant is from the centre of the asked region (None: no region asked
    or no coordinates)."""
    centre = deps.vocab.region_coords.get(slots.region or "")
    if centre is None:
        return None
    if c.lat is not None and c.lon is not None:
        return round(haversine_km(centre[0], centre[1], c.lat, c.lon), 1)
    km = _region_km(deps, slots.region or "", c.region)
    return round(km, 1) if km is not None else None


def violations(
    deps: AgentDeps, c: Candidate, slots: Slots, menu_ids: set[str] | None
) -> list[str] | None:
    """The hard constraints a candidate misses, as disclosure notes ([] = meets them all);
    None when it can never be shown (excluded by the user)."""
    if c.merchant_id in slots.exclude_ids:
        return None
    notes: list[str] = []
    if slots.region and c.region != slots.region:
        # The same measure as the distance bound: the merchant from the asked centre.
        km = distance_km(deps, slots, c)
        where = f"{slots.region}에서 {km:.0f}km" if km is not None else f"{slots.region} 밖"
        notes.append(f"지역: {c.region} ({where})")
    elif not slots.region and slots.city and c.city != slots.city:
        notes.append(f"지역: {c.city} ({slots.city} 밖)")
    if slots.category and c.category != slots.category:
        notes.append(f"분류: {c.category} ({slots.category} 아님)")
    elif not slots.category and slots.stand_ins and c.category not in slots.stand_ins:
        notes.append(f"분류: {c.category} ({'/'.join(slots.stand_ins)} 아님)")
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
    """Whether a widened candidate meets the hard constraints; a neighbouring region
    (within `nearby_km`) still counts, disclosed in the returned notes (and ranked as the
    neighbouring-region rung, see `RUNG_NEARBY`)."""
    notes = violations(deps, c, slots, menu_ids)
    if notes is None:
        return False, []
    region_only = len(notes) == 1 and notes[0].startswith("지역:") and within_bound(deps, slots, c)
    return (not notes or region_only), notes


# A 읍면's merchants lie up to about this far from its centre: regions whose centre is
# within `nearby_km` + this are searched for merchants within `nearby_km`.
REGION_RADIUS_KM = 8.0


def within_bound(deps: AgentDeps, slots: Slots, c: Candidate) -> bool:
    """The merchant lies within `nearby_km` of the asked region's centre."""
    km = distance_km(deps, slots, c)
    return km is not None and km <= deps.config.nearby_km


def search_regions(vocab: Vocabulary, region: str, config: AgentConfig) -> list[str]:
    """Regions (other than `region`) that may hold merchants within the bound."""
    return [n for n, _ in vocab.nearby_regions(region, config.nearby_km + REGION_RADIUS_KM)]


# The relaxation ladder, in the order a local relaxes an ask nothing fully meets. Each rung
# keeps the must-haves; candidates are ranked by rung (`Candidate.relax_rank`), so a closer
# relaxation always comes first, and every pick says what it relaxes.
RUNG_FOOD = 1  # same place: a merchant serving the asked menu, or a related category
RUNG_NEARBY = 2  # neighbouring 읍면동 within `nearby_km`, the food as asked
RUNG_NEARBY_FOOD = 3  # neighbouring 읍면동, the food relaxed as in RUNG_FOOD
RUNG_BEYOND = 4  # nothing near: the closest matches past the bound, with their distance
RUNG_LOOSE = 5  # the asked place without its must-haves / price (last resort)
RUNG_ANY = 6  # the asked place, anything


@dataclass(frozen=True)
class Rung:
    rank: int
    slots: Slots  # what the rung's query asks
    regions: tuple[str, ...] | None = None  # a region list replacing the asked region


def _food_variants(slots: Slots, vocab: Vocabulary) -> list[Slots]:
    """The food relaxed the way a local would: keep the menu in any category, then the
    categories related to the asked one (or to the menu's own)."""
    out: list[Slots] = []
    if slots.menu and slots.category:
        out.append(slots.model_copy(update={"category": None}))
    base = (
        [slots.category]
        if slots.category
        else list(vocab.menu_categories.get(slots.menu or "", ()))
    )
    base += list(slots.stand_ins)
    related = [r for c in base for r in vocab.extra.related_categories.get(c, ()) if r not in base]
    if related:
        out.append(
            slots.model_copy(
                update={"category": None, "menu": None, "stand_ins": list(dict.fromkeys(related))}
            )
        )
    return out


def relaxation_ladder(slots: Slots, vocab: Vocabulary, config: AgentConfig) -> list[Rung]:
    """The rungs for this ask (see RUNG_*): food first, then the neighbouring 읍면동 within
    `config.nearby_km`, then the closest past the bound; only then the must-haves."""
    loose: dict[str, Any] = {"must_haves": [], "price": None, "max_avg_price": None}
    rungs = [Rung(RUNG_FOOD, s) for s in _food_variants(slots, vocab)]
    if slots.region:
        # Within a rung only merchants within the bound (near) or past it (beyond) are kept:
        # see `relaxed_candidates`.
        near = search_regions(vocab, slots.region, config)
        if near:
            rungs.append(Rung(RUNG_NEARBY, slots, tuple(near)))
            rungs += [Rung(RUNG_NEARBY_FOOD, s, tuple(near)) for s in _food_variants(slots, vocab)]
        everywhere = [name for name, _ in vocab.nearby_regions(slots.region, 1000.0)]
        far = everywhere[: len(near) + config.beyond_regions]
        if far:
            rungs.append(Rung(RUNG_BEYOND, slots, tuple(far)))
    elif slots.city:
        rungs.append(Rung(RUNG_BEYOND, slots.model_copy(update={"city": None})))
    if slots.must_haves or slots.price or slots.max_avg_price:
        rungs.append(Rung(RUNG_LOOSE, slots.model_copy(update=loose)))
    if slots.category or slots.menu or slots.stand_ins:
        rungs.append(
            Rung(
                RUNG_ANY,
                slots.model_copy(update={**loose, "category": None, "menu": None, "stand_ins": []}),
            )
        )
    return rungs


def relaxed_candidates(
    deps: AgentDeps, slots: Slots, have: set[str], need: int, menu_ids: set[str] | None
) -> list[Candidate]:
    """Up to `need` candidates from the first rungs that hold any, nearest first within a
    rung; each carries its rung, its distance and the notes of what it misses."""
    out: list[Candidate] = []
    for rung in relaxation_ladder(slots, deps.vocab, deps.config):
        if len(out) >= need:
            break
        cypher, params = Q.candidate_query(
            rung.slots,
            deps.config.first_stage_limit,
            regions=list(rung.regions) if rung.regions is not None else None,
        )
        rows = deps.store.read(
            cypher,
            params,
            timeout_ms=deps.config.query_timeout_ms,
            max_rows=deps.config.first_stage_limit,
        ).rows
        ids = [r["merchant_id"] for r in rows if r["merchant_id"] not in have]
        found = fetch_candidates(deps, ids, "relaxed")
        for c in found:
            c.distance_km = distance_km(deps, slots, c)
        if rung.rank in (RUNG_NEARBY, RUNG_NEARBY_FOOD):
            found = [c for c in found if within_bound(deps, slots, c)]
        elif rung.rank == RUNG_BEYOND and slots.region:
            found = [c for c in found if not within_bound(deps, slots, c)]
        if slots.region and rung.rank in (RUNG_NEARBY, RUNG_NEARBY_FOOD, RUNG_BEYOND):
            # Nearest first: a relaxed region should still be close to what was asked.
            found.sort(key=lambda c: c.distance_km if c.distance_km is not None else 1e9)
        for c in found:
            notes = violations(deps, c, slots, menu_ids)
            if notes is None:
                continue
            c.relaxed, c.relax_rank = notes, rung.rank if notes else 0
            out.append(c)
            have.add(c.merchant_id)
            if len(out) >= need:
                break
    return out


def menu_merchant_ids(deps: AgentDeps, slots: Slots) -> set[str] | None:
    if not slots.menu:
        return None
    rows = deps.store.read(
        Q.MENU_MERCHANT_IDS,
        {"menu": slots.menu},
        timeout_ms=deps.config.query_timeout_ms,
        max_rows=1_000_000,
    ).rows
    return {r["id"] for r in rows}


# Reviews written by the same party as the user rank this much higher as snippets, by a
# fitting party (가족 for 부모님) half as much; a solo diner's rank this much lower for a
# group ask (they are never cited for one, see `selection.party_fit`).
PARTY_SNIPPET_BOOST = 0.15
SOLO_SNIPPET_PENALTY = 0.30


def snippet_boost(party_type: str | None, party: str | None, group: bool) -> float:
    if group and party_type == "혼자":
        return -SOLO_SNIPPET_PENALTY
    if not party or not party_type:
        return 0.0
    if party_type == party:
        return PARTY_SNIPPET_BOOST
    fitting = load_understanding_vocab().compatible_parties.get(party, ())
    return PARTY_SNIPPET_BOOST / 2 if party_type in fitting else 0.0


def reviews_by_similarity(
    deps: AgentDeps,
    ids: list[str],
    vector: list[float],
    party: str | None,
    group: bool = False,
) -> list[dict[str, Any]]:
    """Each merchant's reviews most similar to `vector` (the HyDE vector), best first, as
    `{merchant_id, top: [{review_id, text, party_type, rating, sim}]}` rows; reviews by the
    user's own party rank higher and a solo diner's lower for a group (`snippet_boost`;
    ties: review id). Merchants none of
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
        boost = snippet_boost(r.get("party_type"), party, group)
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
    group: bool = False,
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
            rows = reviews_by_similarity(deps, ids, vector, party, group)
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
            regions = [slots.region, *search_regions(deps.vocab, slots.region, deps.config)]
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
            c.relaxed, c.relax_rank = relaxed, RUNG_NEARBY if relaxed else 0
            c.distance_km = distance_km(deps, slots, c)
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
            c.relaxed, c.relax_rank = relaxed, RUNG_NEARBY if relaxed else 0
            c.distance_km = distance_km(deps, slots, c)
            out.append(c)
        if len(out) >= need:
            break
    return out, f"그래프 임베딩 보강으로 {len(out)}곳을 더했어요"
