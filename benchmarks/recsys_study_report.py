"""The answers of the training-optimisation study (`recsys_study.py`): its rows summed up
per study (the pick, what it saves, the best LR per schedule, the stalls, the means over
seeds) and drawn as one PNG. No training here, so the rules can be checked on hand-made rows
(`tests/unit/test_recsys_study.py`)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt


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
