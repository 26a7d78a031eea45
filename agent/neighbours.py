"""Candidates added from vector neighbours, kept only when they meet the hard constraints
(a neighbouring region within `nearby_km` still counts, disclosed):

- widening: merchants of the reviews nearest to the HyDE vector (`vector_widen`);
- backfill: merchants nearest to the shortlist in graph-embedding space (`graph_backfill`).

Vectors are read only through the store's vector methods (`vector_search_keys`,
`get_vectors`), which every backend implements; a search that cannot run (no embeddings,
no index) returns nothing and a note saying why, so the answer can tell the user.
"""

from __future__ import annotations

import numpy as np

from agent import cypher as Q
from agent.deps import AgentDeps
from agent.relaxation import RUNG_NEARBY, distance_km, satisfies, search_regions
from agent.retrieval import VECTOR_ERRORS, fetch_candidates
from agent.state import Candidate, Slots
from graph_schema.model import vector_spec


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


def _admitted(
    deps: AgentDeps,
    ids: list[str],
    source: str,
    slots: Slots,
    menu_ids: set[str] | None,
    limit: int | None = None,
) -> list[Candidate]:
    """The merchants of `ids` (in order) that meet the hard constraints, a neighbouring
    region's marked as relaxed with its distance; at most `limit`."""
    out: list[Candidate] = []
    for c in fetch_candidates(deps, ids, source):
        ok, relaxed = satisfies(deps, c, slots, menu_ids)
        if ok:
            c.relaxed, c.relax_rank = relaxed, RUNG_NEARBY if relaxed else 0
            c.distance_km = distance_km(deps, slots, c)
            out.append(c)
        if limit is not None and len(out) >= limit:
            break
    return out


def vector_widen(
    deps: AgentDeps, vector: list[float], slots: Slots, have: set[str], menu_ids: set[str] | None
) -> tuple[list[Candidate], str | None]:
    """Merchants of the reviews nearest to the HyDE vector that meet the hard constraints."""
    try:
        hits = _index_hits(deps, "review_embedding", vector, deps.config.vector_k)
    except VECTOR_ERRORS as exc:
        return [], f"리뷰 벡터 검색을 쓸 수 없어요: {str(exc)[:80]}"
    ids = _in_graph(deps, slots, [i for i in dict.fromkeys(hits) if i not in have])
    return _admitted(deps, ids, "vector", slots, menu_ids), None


def _in_graph(deps: AgentDeps, slots: Slots, ids: list[str]) -> list[str]:
    """The `ids` (in order) that meet the hard constraints in the asked region or its
    neighbours, filtered by the graph: fetching every hit's node costs more than the
    search, and a ruled-out dish is checked only there."""
    if not ids:
        return ids
    regions = None
    if slots.region:
        regions = [slots.region, *search_regions(deps.vocab, slots.region, deps.config)]
    cypher, params = Q.candidate_query(slots, len(ids), regions=regions, ids=ids)
    rows = deps.store.read(
        cypher, params, timeout_ms=deps.config.query_timeout_ms, max_rows=len(ids)
    ).rows
    keep = {r["merchant_id"] for r in rows}
    return [i for i in ids if i in keep]


def graph_backfill(
    deps: AgentDeps,
    seeds: list[Candidate],
    slots: Slots,
    have: set[str],
    menu_ids: set[str] | None,
    need: int,
) -> tuple[list[Candidate], str | None]:
    """Nearest merchants in graph-embedding space to the seeds, meeting the hard constraints;
    the note says what it added, or why it could not run (None: no seeds, nothing to say —
    the relaxation that follows says what the answer relaxes)."""
    if not seeds:
        return [], None
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
    if slots.exclude_menus:
        ids = _in_graph(deps, slots, ids)
    out = _admitted(deps, ids, "graph_embedding", slots, menu_ids, limit=need)
    # Nothing admitted: nothing to say (the relaxation that follows says what it relaxes).
    return out, (f"그래프 임베딩 보강으로 {len(out)}곳을 더했어요" if out else None)
