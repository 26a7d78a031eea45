"""Offline eval of the agent's personalisation (issue 12.4).

For sampled users with at least `min_reviews` reviews: hold out their last review (by
created_at), read their profile without it, ask "<region> <category> 맛집 추천해줘" for the
held-out merchant's region and category, run the agent's own candidate steps (understand →
text2cypher → hyde → backfill → relax, routed as the graph routes) once, and select the
picks twice from the same candidates: without a profile and with it. Scored: the held-out
merchant among the picks (HR@k, NDCG@k with one relevant item, shared metric functions) and
among the candidates (the ceiling). Paired per user, per seed.

    .venv/bin/python -m evals.personalisation --users 60 --seeds 0 1 2
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch

from agent import selection as SEL
from agent.deps import AgentDeps
from agent.nodes import AgentNodes
from agent.profile import read_profile
from agent.routing import route_after_backfill, route_after_hyde
from agent.state import State
from recsys_tools.seqrec.metrics import hit_rate_at_k, ndcg_at_k
from tripgraph.provenance import git_sha

USERS_WITH_HISTORY = (
    "MATCH (u:User)-[:WROTE]->(r:Review) WITH u, count(r) AS n WHERE n >= $min "
    "RETURN u.user_id AS id ORDER BY id"
)
LAST_REVIEW = (
    "MATCH (:User {user_id: $u})-[:WROTE]->(r:Review)-[:ABOUT]->(m:Merchant) "
    "RETURN r.review_id AS review_id, m.merchant_id AS merchant_id, m.region AS region, "
    "m.category AS category ORDER BY r.created_at DESC, r.review_id DESC LIMIT 1"
)


def _rank(picks: list[str], target: str) -> int:
    return picks.index(target) if target in picks else 10_000


def run(deps: AgentDeps, users: int, seeds: list[int], min_reviews: int) -> dict[str, Any]:
    nodes = AgentNodes(deps)
    cfg = deps.config
    pool_ids = [
        r["id"]
        for r in deps.store.read(
            USERS_WITH_HISTORY, {"min": min_reviews}, max_rows=1_000_000, timeout_ms=120_000
        ).rows
    ]
    per_seed: list[dict[str, Any]] = []
    for seed in seeds:
        g = torch.Generator().manual_seed(seed)
        order = torch.randperm(len(pool_ids), generator=g)[:users].tolist()
        ranks_off, ranks_on, in_cands, rows = [], [], 0, []
        for i in order:
            uid = str(pool_ids[i])
            held = deps.store.read(LAST_REVIEW, {"u": uid}).rows[0]
            profile = read_profile(deps.store, uid, exclude_reviews=[held["review_id"]])
            question = f"{held['region']} {held['category']} 맛집 추천해줘"
            state: dict[str, Any] = {"question": question}
            for step in (nodes.understand, nodes.text2cypher, nodes.hyde):
                state.update(step(State(**state)))  # type: ignore[typeddict-item]
            # The graph's own routing decides, as in `agent/graph.py`.
            if route_after_hyde(State(**state), cfg.backfill_below) == "backfill":  # type: ignore[typeddict-item]
                state.update(nodes.backfill(State(**state)))  # type: ignore[typeddict-item]
                if route_after_backfill(State(**state)) == "relax":  # type: ignore[typeddict-item]
                    state.update(nodes.relax(State(**state)))  # type: ignore[typeddict-item]
            cands = state.get("candidates") or []
            slots = state["slots"]
            off = SEL.offline_select(
                SEL.shortlist(cands, cfg.max_candidates, None, slots), slots, cfg.evidence_per_pick
            )
            on = SEL.offline_select(
                SEL.shortlist(cands, cfg.max_candidates, profile, slots),
                slots,
                cfg.evidence_per_pick,
                profile,
            )
            target = str(held["merchant_id"])
            in_cands += int(any(c.merchant_id == target for c in cands))
            ranks_off.append(_rank([p.merchant_id for p in off], target))
            ranks_on.append(_rank([p.merchant_id for p in on], target))
            rows.append(
                {
                    "user": uid,
                    "question": question,
                    "target": target,
                    "off": [p.merchant_id for p in off],
                    "on": [p.merchant_id for p in on],
                    "n_candidates": len(cands),
                    "n_history": profile.n_reviews if profile else 0,
                }
            )
        k = 3
        t_off, t_on = torch.tensor(ranks_off), torch.tensor(ranks_on)
        per_seed.append(
            {
                "seed": seed,
                "users": len(order),
                "target_in_candidates": round(in_cands / max(1, len(order)), 4),
                "hr@3_without": round(hit_rate_at_k(t_off, k), 4),
                "hr@3_with": round(hit_rate_at_k(t_on, k), 4),
                "ndcg@3_without": round(ndcg_at_k(t_off, k), 4),
                "ndcg@3_with": round(ndcg_at_k(t_on, k), 4),
                "wins": int(sum(1 for a, b in zip(ranks_off, ranks_on, strict=True) if b < a)),
                "losses": int(sum(1 for a, b in zip(ranks_off, ranks_on, strict=True) if b > a)),
                "rows": rows,
            }
        )
    mean = {
        key: round(sum(s[key] for s in per_seed) / len(per_seed), 4)
        for key in (
            "hr@3_without",
            "hr@3_with",
            "ndcg@3_without",
            "ndcg@3_with",
            "target_in_candidates",
        )
    }
    return {"per_seed": per_seed, "mean": mean}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--users", type=int, default=60)
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    ap.add_argument("--min-reviews", type=int, default=3)
    ap.add_argument("--out", type=Path, default=Path("runs/benchmarks"))
    args = ap.parse_args()
    from tripgraph.settings import get_settings

    settings = get_settings()
    started = time.perf_counter()
    deps = AgentDeps.open(settings, llm=None)
    deps.llm = None  # the offline selection is what is measured
    try:
        result = run(deps, args.users, args.seeds, args.min_reviews)
    finally:
        deps.close()
    out = {
        "config": vars(args) | {"out": str(args.out)},
        "git_sha": git_sha(),
        "graph": str(getattr(settings, "graph_path", "")),
        "seconds": round(time.perf_counter() - started, 1),
        **result,
    }
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "personalisation.json"
    path.write_text(json.dumps(out, ensure_ascii=False, indent=2))
    print(
        json.dumps(
            {
                "mean": result["mean"],
                "per_seed": [
                    {k: v for k, v in s.items() if k != "rows"} for s in result["per_seed"]
                ],
            },
            indent=2,
        )
    )
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
