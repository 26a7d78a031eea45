"""Offline eval of the agent's personalisation (issue 12.4).

For sampled users with at least `min_reviews` reviews: hold out their last review (by
created_at), read their profile without it, ask "<region> <category> 맛집 추천해줘" for the
held-out merchant's region and category, run the agent's own candidate steps (understand →
text2cypher → hyde → backfill → relax, routed as the graph routes) once, and select the
picks from the same candidates once per profile arm:

- `none`: no profile; `reviews`: the profile without the views; `reviews+clicks`: the whole
  profile (views through the taste bridge);
- the cold slice, the same users as if they had written no review: `age` (age band, usual
  party, home city only) and `age+clicks` (plus their views).

The taste bridge is fitted in the run on every user except the sampled ones (of all seeds),
so no held-out review reaches it. Scored: the held-out merchant among the picks (HR@k,
NDCG@k with one relevant item, shared metric functions) and among the candidates (the
ceiling). Paired per user, per seed; the paired differences' standard error is over seeds.

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
from agent.profile import UserProfile, read_profile
from agent.routing import route_after_backfill, route_after_hyde
from agent.state import Candidate, Slots, State
from agent.taste_bridge import fit_bridge
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


ARMS = ("none", "reviews", "reviews+clicks", "age", "age+clicks")
# (with, without): the paired differences reported
PAIRS = (("reviews", "none"), ("reviews+clicks", "reviews"), ("age+clicks", "age"))
K = 3


def _rank(picks: list[str], target: str) -> int:
    return picks.index(target) if target in picks else 10_000


def _arms(profile: UserProfile | None) -> dict[str, UserProfile | None]:
    if profile is None:
        return dict.fromkeys(ARMS)
    cold = profile.without_reviews()
    return {
        "none": None,
        "reviews": profile.without_clicks(),
        "reviews+clicks": profile,
        "age": cold.without_clicks(),
        "age+clicks": cold,
    }


def _candidates(nodes: AgentNodes, question: str) -> tuple[list[Candidate], Slots]:
    """The agent's own candidate steps, routed as the graph routes (`agent/graph.py`)."""
    cfg = nodes.deps.config
    state: dict[str, Any] = {"question": question}
    for step in (nodes.understand, nodes.text2cypher, nodes.hyde):
        state.update(step(State(**state)))  # type: ignore[typeddict-item]
    if route_after_hyde(State(**state), cfg.backfill_below) == "backfill":  # type: ignore[typeddict-item]
        state.update(nodes.backfill(State(**state)))  # type: ignore[typeddict-item]
        if route_after_backfill(State(**state)) == "relax":  # type: ignore[typeddict-item]
            state.update(nodes.relax(State(**state)))  # type: ignore[typeddict-item]
    return list(state.get("candidates") or []), state["slots"]


def _sample(pool_ids: list[str], users: int, seed: int) -> list[str]:
    g = torch.Generator().manual_seed(seed)
    return [str(pool_ids[i]) for i in torch.randperm(len(pool_ids), generator=g)[:users].tolist()]


def run(deps: AgentDeps, users: int, seeds: list[int], min_reviews: int) -> dict[str, Any]:
    nodes = AgentNodes(deps)
    cfg = deps.config
    pool_ids = [
        r["id"]
        for r in deps.store.read(
            USERS_WITH_HISTORY, {"min": min_reviews}, max_rows=1_000_000, timeout_ms=120_000
        ).rows
    ]
    samples = {seed: _sample(pool_ids, users, seed) for seed in seeds}
    bridge = fit_bridge(deps.store, exclude_users={u for s in samples.values() for u in s})
    per_seed: list[dict[str, Any]] = []
    for seed in seeds:
        ranks: dict[str, list[int]] = {arm: [] for arm in ARMS}
        in_cands, rows = 0, []
        for uid in samples[seed]:
            held = deps.store.read(LAST_REVIEW, {"u": uid}).rows[0]
            profile = read_profile(deps.store, uid, [held["review_id"]], bridge)
            question = f"{held['region']} {held['category']} 맛집 추천해줘"
            cands, slots = _candidates(nodes, question)
            target = str(held["merchant_id"])
            in_cands += int(any(c.merchant_id == target for c in cands))
            picks = {}
            for arm, prof in _arms(profile).items():
                chosen = SEL.offline_select(
                    SEL.shortlist(cands, cfg.max_candidates, prof, slots),
                    slots,
                    cfg.evidence_per_pick,
                    prof,
                )
                picks[arm] = [p.merchant_id for p in chosen]
                ranks[arm].append(_rank(picks[arm], target))
            rows.append(
                {
                    "user": uid,
                    "question": question,
                    "target": target,
                    "picks": picks,
                    "n_candidates": len(cands),
                    "n_history": profile.n_reviews if profile else 0,
                    "n_views": profile.clicks.n_views if profile else 0,
                    "click_attributes": sorted(profile.click_attributes) if profile else [],
                }
            )
        t = {arm: torch.tensor(r) for arm, r in ranks.items()}
        per_seed.append(
            {
                "seed": seed,
                "users": len(samples[seed]),
                "target_in_candidates": round(in_cands / max(1, len(samples[seed])), 4),
                **{f"hr@{K}_{arm}": round(hit_rate_at_k(t[arm], K), 4) for arm in ARMS},
                **{f"ndcg@{K}_{arm}": round(ndcg_at_k(t[arm], K), 4) for arm in ARMS},
                **{
                    f"wins_{a}_vs_{b}": [
                        int(sum(1 for x, y in zip(ranks[a], ranks[b], strict=True) if x < y)),
                        int(sum(1 for x, y in zip(ranks[a], ranks[b], strict=True) if x > y)),
                    ]
                    for a, b in PAIRS
                },
                "rows": rows,
            }
        )
    keys = [f"{m}@{K}_{arm}" for m in ("hr", "ndcg") for arm in ARMS] + ["target_in_candidates"]
    mean = {key: round(sum(s[key] for s in per_seed) / len(per_seed), 4) for key in keys}
    paired = {}
    for a, b in PAIRS:
        for m in ("hr", "ndcg"):
            d = torch.tensor([s[f"{m}@{K}_{a}"] - s[f"{m}@{K}_{b}"] for s in per_seed])
            se = float(d.std() / len(d) ** 0.5) if len(d) > 1 else float("nan")
            paired[f"{m}@{K} {a} - {b}"] = {
                "mean": round(float(d.mean()), 4),
                "se": round(se, 4),
                "seeds_ahead": int((d > 0).sum()),
            }
    return {"per_seed": per_seed, "mean": mean, "paired": paired, "bridge": bridge.model_dump()}


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
                "paired": result["paired"],
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
