"""Can the taste part's weights be learned? A conditional-logit fit, measured like the eval.

`agent/profile.py` TASTE_WEIGHTS were chosen by hand on dev seeds, and the history did not
beat the customer mix alone (issue 12 item 4). Here the component weights (and, with
`--outer`, the taste part's weight in the 0-100 match) are fitted instead: for training
users (none of the eval samples of `--seeds`) the last review is held out, the agent's own
candidate steps run for "<region> <category> 맛집 추천해줘", and the weights maximise the
softmax likelihood of the held-out merchant among the shortlisted candidates, the match
computed exactly as `agent.selection.total` does (other parts fixed, a fitted temperature).
Warm and cold (reviews hidden) profiles both train it. The fitted weights are then scored
on the eval users of `evals.personalisation` (same samples, same bridge exclusion) against
the hand weights: NDCG@3 per seed and the paired difference with its SE over seeds.

    .venv/bin/python -m evals.personalisation_fit --train-users 2500 --outer

Session 23 (dense graph): inner weights only +0.005 ± 0.005 NDCG@3 (3/5 seeds ahead), with
the outer weight +0.010 ± 0.008 (3/5), cold users +0.001 ± 0.006: no reliable gain, so the
hand weights stay the default (a profile can carry fitted ones: `UserProfile.taste_weights`).
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import Any

import torch
from torch.nn.functional import softplus

from agent import selection as SEL
from agent.deps import AgentDeps
from agent.nodes import AgentNodes
from agent.profile import TASTE_WEIGHTS, UserProfile, read_profile, taste_components
from agent.state import Candidate, Slots
from agent.taste_bridge import TasteBridge, fit_bridge
from evals.personalisation import LAST_REVIEW, USERS_WITH_HISTORY, _candidates, _rank, _sample
from recsys_tools.seqrec.metrics import ndcg_at_k
from tripgraph.provenance import git_sha

COMPONENTS = list(TASTE_WEIGHTS)
K = 3
# (non-taste weighted sum, its weight sum, components [n, C], present mask [n, C], target)
Example = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor, int]


def _ask(
    deps: AgentDeps, nodes: AgentNodes, uid: str, bridge: TasteBridge
) -> tuple[str, UserProfile | None, list[Candidate], Slots]:
    held = deps.store.read(LAST_REVIEW, {"u": uid}).rows[0]
    profile = read_profile(deps.store, uid, [held["review_id"]], bridge)
    cands, slots = _candidates(nodes, f"{held['region']} {held['category']} 맛집 추천해줘")
    return str(held["merchant_id"]), profile, cands, slots


def _example(
    cands: list[Candidate], slots: Slots, profile: UserProfile, target: str, n_evidence: int
) -> Example | None:
    ids = [c.merchant_id for c in cands]
    if target not in ids:
        return None
    base, den, feats, mask = [], [], [], []
    for c in cands:
        parts = SEL.score_candidate(c, slots, SEL.choose_evidence(c, slots, n_evidence))
        base.append(sum(SEL.WEIGHTS[k] * min(1.0, max(0.0, v)) for k, v in parts.items()))
        den.append(sum(SEL.WEIGHTS[k] for k in parts))
        comps = taste_components(c, profile)
        feats.append([comps.get(k, 0.0) for k in COMPONENTS])
        mask.append([float(k in comps) for k in COMPONENTS])
    t = torch.tensor
    return t(base), t(den), t(feats), t(mask), ids.index(target)


def _nll(examples: list[Example], w: torch.Tensor, outer: torch.Tensor, tau: torch.Tensor) -> Any:
    loss = torch.zeros(())
    for base, den, feats, mask, y in examples:
        wsum = (mask * w).sum(1)
        has = (wsum > 0).float()
        taste = (feats * mask * w).sum(1) / wsum.clamp_min(1e-9)
        total = (base + outer * taste * has) / (den + outer * has)  # as `selection.total`
        loss = loss - torch.log_softmax(tau * total, 0)[y]
    return loss / len(examples)


def fit(examples: list[Example], fit_outer: bool, steps: int = 300) -> dict[str, Any]:
    """Softplus-positive component weights (and outer weight), a temperature; Adam."""
    hand = torch.tensor([TASTE_WEIGHTS[k] for k in COMPONENTS])
    theta = torch.log(torch.expm1(hand)).requires_grad_(True)
    phi = torch.log(torch.expm1(torch.tensor(SEL.WEIGHTS["taste"]))).requires_grad_(fit_outer)
    rho = torch.tensor(2.0, requires_grad=True)  # log temperature
    with torch.no_grad():
        hand_nll = float(_nll(examples, hand, softplus(phi), torch.exp(rho)))
    params = [theta, rho, *([phi] if fit_outer else [])]
    opt = torch.optim.Adam(params, lr=0.05)
    for _ in range(steps):
        opt.zero_grad()
        loss = _nll(examples, softplus(theta), softplus(phi), torch.exp(rho))
        loss.backward()
        opt.step()
    w = softplus(theta).detach()
    return {
        "weights": {k: round(float(x), 3) for k, x in zip(COMPONENTS, w / w.max(), strict=True)},
        "outer": round(float(softplus(phi)), 4),
        "nll_hand_weights": round(hand_nll, 4),  # at the initial temperature
        "nll_fitted": round(float(loss), 4),
    }


def _pick_ranks(
    cands: list[Candidate],
    slots: Slots,
    profile: UserProfile | None,
    target: str,
    n: int,
    k: int,
    outer: float,
) -> int:
    weights = {**SEL.WEIGHTS, "taste": outer}  # the arm's own weight of the taste part
    pool = SEL.shortlist(cands, k, profile, slots, weights)
    chosen = SEL.offline_select(pool, slots, n, profile, weights)
    return _rank([p.merchant_id for p in chosen], target)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--train-users", type=int, default=2500)
    ap.add_argument("--users", type=int, default=300, help="eval users per seed")
    ap.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    ap.add_argument("--outer", action="store_true", help="also fit the taste part's weight")
    ap.add_argument("--out", type=Path, default=Path("runs/evals/personalisation-fit.json"))
    args = ap.parse_args()
    from tripgraph.settings import get_settings

    started = time.perf_counter()
    deps = AgentDeps.open(get_settings(), llm=None)
    deps.llm = None
    nodes, cfg = AgentNodes(deps), deps.config
    hand_outer = SEL.WEIGHTS["taste"]
    try:
        pool = [
            r["id"]
            for r in deps.store.read(
                USERS_WITH_HISTORY, {"min": 3}, max_rows=1_000_000, timeout_ms=120_000
            ).rows
        ]
        samples = {s: _sample(pool, args.users, s) for s in args.seeds}
        held_out = {u for v in samples.values() for u in v}
        bridge = fit_bridge(deps.store, exclude_users=held_out)
        train = _sample([u for u in pool if u not in held_out], args.train_users, 99)
        examples: list[Example] = []
        for uid in train:
            target, profile, cands, slots = _ask(deps, nodes, uid, bridge)
            for p in (profile, profile.without_reviews()) if profile else ():
                shortlisted = SEL.shortlist(cands, cfg.max_candidates, p, slots)
                ex = _example(shortlisted, slots, p, target, cfg.evidence_per_pick)
                if ex is not None:
                    examples.append(ex)
        fitted = fit(examples, args.outer)
        per_seed: dict[int, dict[str, float]] = {}
        for seed in args.seeds:
            ranks: dict[str, list[int]] = {}
            for uid in samples[seed]:
                target, profile, cands, slots = _ask(deps, nodes, uid, bridge)
                if profile is None:
                    continue
                learned = profile.model_copy(update={"taste_weights": fitted["weights"]})
                arms = {
                    "none": (None, hand_outer),
                    "hand": (profile, hand_outer),
                    "learned": (learned, fitted["outer"]),
                    "cold_hand": (profile.without_reviews(), hand_outer),
                    "cold_learned": (learned.without_reviews(), fitted["outer"]),
                }
                for arm, (arm_profile, outer) in arms.items():
                    n, k = cfg.evidence_per_pick, cfg.max_candidates
                    rank = _pick_ranks(cands, slots, arm_profile, target, n, k, outer)
                    ranks.setdefault(arm, []).append(rank)
            per_seed[seed] = {a: round(ndcg_at_k(torch.tensor(r), K), 4) for a, r in ranks.items()}
    finally:
        deps.close()

    def paired(a: str, b: str) -> dict[str, float]:
        d = torch.tensor([per_seed[s][a] - per_seed[s][b] for s in args.seeds])
        se = float(d.std() / len(d) ** 0.5) if len(d) > 1 else float("nan")
        return {"mean": round(float(d.mean()), 4), "se": round(se, 4), "ahead": int((d > 0).sum())}

    arm_names = list(next(iter(per_seed.values())))
    out = {
        "config": vars(args) | {"out": str(args.out)},
        "git_sha": git_sha(),
        "examples": len(examples),
        "fit": fitted,
        "ndcg@3": {
            a: round(sum(per_seed[s][a] for s in args.seeds) / len(args.seeds), 4)
            for a in arm_names
        },
        "learned - hand": paired("learned", "hand"),
        "cold_learned - cold_hand": paired("cold_learned", "cold_hand"),
        "per_seed": per_seed,
        "seconds": round(time.perf_counter() - started, 1),
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(out, ensure_ascii=False, indent=2))
    print(json.dumps({k: v for k, v in out.items() if k != "per_seed"}, ensure_ascii=False))


if __name__ == "__main__":
    main()
