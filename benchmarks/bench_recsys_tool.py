"""Serving latency of the recommender tools the agent calls (issue 16 item 5):
`recommend_products` (the best trained recommender by validation NDCG@10, loaded once) and
`viewed_together` (Meta-Prod2Vec vectors), per call, in process, on the configured models.

    TRIPGRAPH_SCALE=dense .venv/bin/tripgraph train meta-bert4rec --minutes 5 --no-register
    TRIPGRAPH_SCALE=dense .venv/bin/tripgraph train meta-prod2vec
    .venv/bin/python benchmarks/bench_recsys_tool.py --calls 500
    # writes runs/benchmarks/recsys_tool_latency.json

Calls: known users (their stored click sequence), histories of 1–20 known products, and
unknown users (the popularity fallback), drawn with a fixed seed from the checkpoint's own
ids. The first call (which loads the checkpoint and chooses among them) is timed apart. The
load average is recorded: the figures depend on what else the 2 cores are doing.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from recsys_tools.seqrec.experiment import write_json  # noqa: E402
from recsys_tools.tools import ModelNotAvailable, RecsysToolbox  # noqa: E402
from tripgraph.provenance import git_sha  # noqa: E402
from tripgraph.settings import get_settings  # noqa: E402


def _summary(ms: list[float]) -> dict[str, float]:
    qs = statistics.quantiles(ms, n=100) if len(ms) > 1 else [ms[0]] * 99
    return {"n": len(ms), "p50": round(qs[49], 3), "p95": round(qs[94], 3), "max": max(ms)}


def _timed(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, (time.perf_counter() - t0) * 1000


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--calls", type=int, default=500, help="timed calls per kind")
    ap.add_argument("--k", type=int, default=10)
    ap.add_argument("--out", type=Path, default=ROOT / "runs/benchmarks/recsys_tool_latency.json")
    args = ap.parse_args()
    import torch

    torch.set_num_threads(1)  # the agent's tool call runs on one request thread
    s = get_settings()
    box = RecsysToolbox(model_dir=s.model_dir)
    rng = random.Random(0)
    payload: dict[str, Any] = {"git_sha": git_sha(), "load_avg": os.getloadavg(), "k": args.k}

    bundle, load_ms = _timed(box.recommender)
    payload["recommend_products"] = {
        "model": bundle.kind,
        "validation": bundle.meta.get("val"),
        "first_call_load_ms": round(load_ms, 1),
        "users": len(bundle.user_ids),
        "items": len(bundle.item_ids) - 1,
    }
    users = [str(u) for u in bundle.user_ids]
    items = [str(p) for p in bundle.item_ids[1:]]
    cases = {
        "known_user": lambda: box.recommend_products(user_id=rng.choice(users), k=args.k),
        "history": lambda: box.recommend_products(
            history=rng.sample(items, rng.randint(1, 20)), k=args.k
        ),
        "unknown_user": lambda: box.recommend_products(user_id="nobody", k=args.k),
    }
    for name, call in cases.items():
        call()  # warm
        payload["recommend_products"][name] = _summary([_timed(call)[1] for _ in range(args.calls)])

    try:
        emb, load_ms = _timed(box.embeddings)
        ids = [str(p) for p in emb.item_ids[1:] if p is not None]
        payload["viewed_together"] = {"first_call_load_ms": round(load_ms, 1), "items": len(ids)}
        times = [_timed(box.viewed_together, rng.choice(ids), args.k)[1] for _ in range(args.calls)]
        payload["viewed_together"]["known_product"] = _summary(times)
    except ModelNotAvailable as exc:
        payload["viewed_together"] = {"not_measured": str(exc)}
    write_json(args.out, payload)
    rp = payload["recommend_products"]
    print(
        f"recommend_products ({rp['model']}): known user p50/p95 "
        f"{rp['known_user']['p50']:.2f}/{rp['known_user']['p95']:.2f} ms, history "
        f"{rp['history']['p95']:.2f} ms p95, first call {rp['first_call_load_ms']} ms -> {args.out}"
    )


if __name__ == "__main__":
    main()
