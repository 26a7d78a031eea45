"""Latency of the served NER + intent model (`extract_entities`) on this CPU.

Per-question latency (one question per call, the agent's use) over held-out questions,
p50/p95/p99, plus the batch API's cost per question at several batch sizes. The machine's
load average is recorded with the figures (the CPU is shared). Writes
runs/benchmarks/ner_latency-<variant>.json.

    .venv/bin/python benchmarks/bench_ner_latency.py [--variant crf_aug] [--n 300]
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch

from recsys_tools.nlu.data import build_dataset
from recsys_tools.nlu.registry import family_of
from recsys_tools.nlu.service import SERVING_FILE, EntityExtractor
from tripgraph.settings import get_settings


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--variant", default=None, help="model variant (default: the served one)")
    ap.add_argument("--n", type=int, default=300, help="questions to time")
    ap.add_argument("--threads", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    s = get_settings()
    model_dir = s.model_dir / "ner"
    if args.variant:  # a temporary serving file pointing at the requested variant
        import tempfile

        tmp = Path(tempfile.mkdtemp())
        (tmp / args.variant).symlink_to((model_dir / args.variant).resolve())
        family = family_of(model_dir / args.variant)
        (tmp / SERVING_FILE).write_text(json.dumps({"family": family, "path": args.variant}))
        model_dir = tmp
    ds = build_dataset(n_train=10, n_dev=10, n_test=max(args.n // 3, 10))
    texts = [
        e.text
        for k in ("test_templates", "test_places_graph", "test_places_unseen")
        for e in ds.splits[k]
    ][: args.n]
    ex = EntityExtractor(model_dir)
    ex.extract(texts[0])  # load + warm up (kiwi builds its model lazily)
    for t in texts[:20]:
        ex.extract(t)
    lat = []
    for t in texts:
        t0 = time.perf_counter()
        ex.extract(t)
        lat.append(1000 * (time.perf_counter() - t0))
    batch_ms: dict[str, float] = {}
    for size in (1, 8, 32, 128):
        t0 = time.perf_counter()
        for s0 in range(0, len(texts), size):
            ex.extract_batch(texts[s0 : s0 + size])
        batch_ms[str(size)] = 1000 * (time.perf_counter() - t0) / len(texts)
    a = np.array(lat)
    result = {
        "variant": ex._name,
        "n": len(texts),
        "threads": args.threads,
        "p50_ms": float(np.percentile(a, 50)),
        "p95_ms": float(np.percentile(a, 95)),
        "p99_ms": float(np.percentile(a, 99)),
        "mean_ms": float(a.mean()),
        "batch_ms_per_question": batch_ms,
        "target_p95_ms": 20.0,
        "meets_target": bool(np.percentile(a, 95) < 20.0),
        "load_avg": list(__import__("os").getloadavg()),
        "created_at": time.time(),
    }
    out = s.run_dir / "benchmarks" / f"ner_latency-{ex._name}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
