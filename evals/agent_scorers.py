"""The per-question scorers of the agent eval: each compares one answer with its gold item
and returns plain figures (result sets, slots, picks against the gold constraints, cited
reviews, tool answers); the run loop (`evals/agent.py`) collects them and the report
(`evals/agent_report.py`) sums them up. Kept apart so that other evals of the agent
(`evals/paraphrase.py`) score picks the same way."""

from __future__ import annotations

import json
from typing import Any

from agent.service import AgentAnswer
from agent.understand import haversine_km
from evals import agent_ragas
from graph_schema.store import GraphStore, GraphStoreError
from tripgraph.vocab import ATTRIBUTES


def _norm(value: Any) -> Any:
    if isinstance(value, float):
        return round(value, 2)
    if isinstance(value, list):
        return tuple(_norm(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, _norm(v)) for k, v in value.items()))
    return value


def result_set(rows: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return sorted((tuple(_norm(v) for v in r.values()) for r in rows), key=repr)


def slot_matches(expected: dict[str, Any], got: dict[str, Any]) -> dict[str, bool]:
    out = {}
    for key, want in expected.items():
        have = got.get(key)
        if key == "must_haves":
            out[key] = sorted(want or []) == sorted(have or [])
        elif key == "merchant_name" and want and have:
            # the graph's own spelling is the answer: '귤빛밥집' asked, '귤빛 밥집' held
            out[key] = "".join(want.lower().split()) == "".join(have.lower().split())
        else:
            out[key] = want == have
    return out


def pick_violations(pick: dict[str, Any], merchant: dict[str, Any], c: dict[str, Any]) -> list[str]:
    bad = []
    if c.get("region") and merchant.get("region") != c["region"]:
        bad.append("region")
    if c.get("city") and merchant.get("city") != c["city"]:
        bad.append("city")
    if c.get("category") and merchant.get("category") != c["category"]:
        bad.append("category")
    for attr in c.get("must_haves") or []:
        if not merchant.get(attr):
            bad.append(attr)
    return bad


def percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    s = sorted(values)
    idx = min(len(s) - 1, max(0, round(q * (len(s) - 1))))
    return round(s[idx], 2)


def itinerary_checks(expected: dict[str, Any], tool_result: dict[str, Any]) -> dict[str, Any]:
    """Places per day read right; the top package reaches the best match rate any product
    reaches (and is one of those products)."""
    data = tool_result.get("data") or {}
    got_days = [{"day": d["day"], "places": list(d["places"])} for d in data.get("itinerary") or []]
    items = tool_result.get("items") or []
    best = expected["best_match_rate"]
    if best > 0:
        top_ok = bool(items) and (
            abs(items[0]["match_rate"] - best) < 1e-3
            and items[0]["product_id"] in expected["best_products"]
        )
    else:
        top_ok = not items
    return {"itinerary_parse_ok": got_days == expected["itinerary"], "package_ok": top_ok}


def mapping_checks(expected: dict[str, Any], tool_result: dict[str, Any]) -> dict[str, Any]:
    """The asked place resolved to the gold internal record, and its external counterpart
    is the gold one (or none when the external database has none)."""
    items = tool_result.get("items") or []
    first = items[0] if items else {}
    mapped = (first.get("mapped") or {}).get("external_id")
    return {
        "mapping_resolved_ok": first.get("internal_id") == expected["internal_id"],
        "mapping_ok": first.get("internal_id") == expected["internal_id"]
        and mapped == expected["external_id"],
    }


def graph_rows(
    store: GraphStore, gold_cypher: str, answer: AgentAnswer
) -> tuple[list[dict[str, Any]], list[dict[str, Any]] | None, str | None]:
    """The gold query's rows and the agent query's rows (None when it has no query or its
    query fails, with a note saying why)."""
    gold_rows = store.read(gold_cypher).rows
    if not answer.cypher:
        return gold_rows, None, "no query"
    try:
        return gold_rows, store.read(answer.cypher, answer.cypher_params).rows, None
    except GraphStoreError as exc:
        return gold_rows, None, str(exc)[:100]


def qualifying_reviews_query(constraints: dict[str, Any]) -> str:
    """Cypher for the texts of reviews ABOUT merchants meeting every gold hard constraint
    (values are parameters; attribute names are checked against the vocabulary)."""
    where = [f"m.{k} = ${k}" for k in ("region", "city", "category") if constraints.get(k)]
    for attr in constraints.get("must_haves") or []:
        if attr not in ATTRIBUTES:
            raise ValueError(f"unknown attribute {attr!r}")
        where.append(f"m.{attr} = true")
    cond = f"WHERE {' AND '.join(where)} " if where else ""
    return f"MATCH (m:Merchant) {cond}MATCH (r:Review)-[:ABOUT]->(m) RETURN r.text AS text"


def evidence_precision(
    store: GraphStore, constraints: dict[str, Any], answer: AgentAnswer, pools: dict[str, list[str]]
) -> dict[str, Any]:
    """ragas evidence precision of one answer: the full texts of its cited reviews, in the
    order shown, against the reviews of the merchants that meet every gold constraint
    (`evidence_precision`) and of those that meet the place and category only, must-haves
    dropped (`evidence_precision_core`). None where no merchant qualifies."""

    def pool(c: dict[str, Any]) -> list[str]:
        key = json.dumps(c, sort_keys=True, ensure_ascii=False)
        if key not in pools:
            params = {k: c[k] for k in ("region", "city", "category") if c.get(k)}
            rows = store.read(
                qualifying_reviews_query(c), params, max_rows=10_000_000, timeout_ms=60_000
            ).rows
            pools[key] = [r["text"] for r in rows]
        return pools[key]

    full = pool(constraints)
    core = pool({k: v for k, v in constraints.items() if k != "must_haves"})
    ids = [e.review_id for p in answer.picks for e in p.evidence]
    texts = {
        r["id"]: r["text"]
        for r in store.read(
            "MATCH (r:Review) WHERE r.review_id IN $ids RETURN r.review_id AS id, r.text AS text",
            {"ids": ids},
            max_rows=len(ids) or 1,
        ).rows
    }
    cited = [texts[i] for i in ids if i in texts]
    t = agent_ragas.REVIEW_THRESHOLD
    return {
        "evidence_precision": agent_ragas.context_precision(cited, full, t) if full else None,
        "evidence_precision_core": agent_ragas.context_precision(cited, core, t) if core else None,
    }


def pick_checks(
    store: GraphStore,
    constraints: dict[str, Any],
    answer: AgentAnswer,
    region_coords: dict[str, tuple[float, float]] | None = None,
    bound_km: float | None = None,
) -> dict[str, Any]:
    """Constraint satisfaction (strict / or disclosed), citations, and the distance of
    picks outside the asked region: how far (km from the region's centre), and whether a
    pick past `bound_km` says it relaxed the place."""
    ids = [p.merchant_id for p in answer.picks]
    nodes = {
        r["m"]["merchant_id"]: r["m"]
        for r in store.read(
            "MATCH (m:Merchant) WHERE m.merchant_id IN $ids RETURN m", {"ids": ids}
        ).rows
    }
    strict = disclosed = beyond = beyond_disclosed = 0
    away_km: list[float] = []
    centre = (region_coords or {}).get(constraints.get("region") or "")
    for p in answer.picks:
        node = nodes.get(p.merchant_id, {})
        bad = pick_violations(p.model_dump(), node, constraints)
        strict += not bad
        disclosed += (not bad) or bool(p.relaxed)
        if centre and "region" in bad and node.get("lat") is not None:
            km = haversine_km(centre[0], centre[1], float(node["lat"]), float(node["lon"]))
            away_km.append(round(km, 1))
            if bound_km is not None and km > bound_km:
                beyond += 1
                beyond_disclosed += any(n.startswith("지역:") for n in p.relaxed)
    pairs = [
        {"review_id": e.review_id, "merchant_id": p.merchant_id}
        for p in answer.picks
        for e in p.evidence
    ]
    found = {
        (r["review_id"], r["merchant_id"]): r["text"]
        for r in store.read(
            "UNWIND $pairs AS p MATCH (r:Review {review_id: p.review_id})-[:ABOUT]->"
            "(m:Merchant {merchant_id: p.merchant_id}) "
            "RETURN r.review_id AS review_id, m.merchant_id AS merchant_id, r.text AS text",
            {"pairs": pairs},
        ).rows
    }
    valid = sum(
        1
        for p in answer.picks
        for e in p.evidence
        if e.text in found.get((e.review_id, p.merchant_id), "\x00")
    )
    return {
        "picks_strict": strict,
        "picks_disclosed": disclosed,
        "picks_total": len(answer.picks),
        "picks_away_km": away_km,
        "picks_beyond_bound": beyond,
        "picks_beyond_bound_disclosed": beyond_disclosed,
        "citations_valid": valid,
        "citations_total": len(pairs),
    }
