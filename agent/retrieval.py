"""Candidates read from the graph, and their review evidence ranked against the HyDE text.

Merchant nodes become `Candidate`s (`fetch_candidates`); `offline_hyde_text` writes the
review the ideal place would get, and `attach_review_similarity` gives each candidate its
reviews nearest to that text's vector (the HyDE re-ranking) as the snippets its pick may
cite. Reviews are read through the store's read-only path, their vectors only through the
store's vector methods, which every backend implements. Without review vectors the
snippets are the best-rated reviews, and a note says why.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from agent import cypher as Q
from agent.deps import AgentDeps
from agent.state import Candidate, Evidence, Slots
from graph_schema.store import GraphStoreError
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
