"""Summaries of the training-optimisation study (benchmarks/recsys_study_report.py) on hand-made
rows: every choice is made on validation NDCG@10, and test is only reported. No training."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest

from benchmarks.recsys_study import merge_parts
from benchmarks.recsys_study_report import summarise_amp, summarise_grid, summarise_lr


def row(val: float, test: float, **fields: Any) -> dict[str, Any]:
    base = {
        "val_best_NDCG@10": val,
        "test_NDCG@10": test,
        "test_sampled_NDCG@10": test * 3,
        "best_epoch": 20,
        "epochs_to_95pct": 15,
        "epochs_run": 30,
        "stop_reason": "early stop: no NDCG@10 gain in 10 evals",
        "cpu_sec_per_epoch": 1.0,
        "train_cpu_seconds": 30.0,
        "cpu_seconds_to_best": 20.0,
    }
    return base | fields


def test_lr_best_per_schedule_is_picked_on_validation_and_reports_its_test() -> None:
    rows = [
        # validation prefers 0.002, test would prefer 0.005: the pick must be 0.002
        row(0.20, 0.10, schedule="cosine", lr=0.002),
        row(0.18, 0.15, schedule="cosine", lr=0.005),
        row(0.19, 0.12, schedule="constant", lr=0.002),
        row(0.21, 0.09, schedule="constant", lr=0.005, plateau_patience=2),
    ]
    s = summarise_lr(rows, stall_share=0.5)
    best = s["best_lr_per_schedule"]
    assert best["cosine"]["lr"] == 0.002
    assert best["cosine"]["test_NDCG@10"] == 0.10
    assert best["constant"]["lr"] == 0.002
    assert best["constant+plateau"]["lr"] == 0.005
    assert s["best_schedule_on_val"] == "constant+plateau"


def test_lr_stalls_and_plateau_comparison() -> None:
    rows = [
        row(0.20, 0.10, schedule="constant", lr=0.001, stop_reason="max epochs"),
        # stopped early far below the study's best: a stall, rescued by the plateau run
        row(0.05, 0.02, schedule="constant", lr=0.01, best_epoch=2, epochs_run=12),
        row(0.19, 0.09, schedule="constant", lr=0.001, plateau_patience=2),
        row(0.15, 0.08, schedule="constant", lr=0.01, plateau_patience=2),
        # low, but ran to max epochs: slow, not stalled
        row(0.05, 0.03, schedule="onecycle", lr=0.001, stop_reason="max epochs"),
    ]
    s = summarise_lr(rows, stall_share=0.5)
    assert s["stalled_lrs_per_schedule"] == {
        "constant": [0.01],
        "constant+plateau": [],
        "onecycle": [],
    }
    pair = s["constant_vs_plateau_per_lr"]["0.01"]
    assert pair["constant"]["stalled"] and not pair["constant+plateau"]["stalled"]
    assert (s["plateau_rescues"], s["plateau_causes"], s["lrs_compared"]) == (1, 0, 2)
    assert s["plateau_better_on_val"] == 1  # 0.01 better, 0.001 worse


def grid_row(ml: int, bs: int, val: float, test: float, cpu: float) -> dict[str, Any]:
    return row(
        val,
        test,
        max_len=ml,
        batch_size=bs,
        train_cpu_seconds=cpu,
        cpu_seconds_to_best=cpu / 2,
        cpu_sec_per_epoch=cpu / 30,
    )


def test_grid_picks_cheapest_of_equal_quality_on_validation_against_default() -> None:
    rows = [
        grid_row(50, 64, 0.200, 0.150, 200.0),  # the default config
        grid_row(25, 128, 0.195, 0.140, 80.0),  # equal quality (within 0.01), cheapest
        grid_row(10, 512, 0.150, 0.160, 20.0),  # cheapest and best on test, but worse on val
        grid_row(50, 32, 0.205, 0.130, 300.0),  # best on val, dearest
    ]
    s = summarise_grid(rows, tol=0.01, default=(50, 64))
    assert s["best_on_val"] == "L50/B32"
    assert s["equal_quality"] == ["L50/B64", "L25/B128", "L50/B32"]
    assert s["pick"] == "L25/B128"
    assert (s["reference"], s["reference_kind"]) == ("L50/B64", "default config")
    saving = s["saving_vs_reference"]
    assert saving["train_cpu_seconds"] == pytest.approx(1 - 80 / 200)
    assert saving["cpu_seconds_to_best"] == pytest.approx(1 - 40 / 100)
    assert saving["test_NDCG@10_diff"] == pytest.approx(0.140 - 0.150)
    assert s["saving_vs_dearest_equal"]["against"] == "L50/B32"
    assert s["saving_vs_dearest_equal"]["train_cpu_seconds"] == pytest.approx(1 - 80 / 300)


def test_grid_without_default_row_compares_with_dearest_equal_row() -> None:
    rows = [
        grid_row(25, 128, 0.195, 0.140, 80.0),
        grid_row(50, 32, 0.200, 0.130, 300.0),
        grid_row(10, 32, 0.100, 0.100, 400.0),  # dearer, but not of equal quality
    ]
    s = summarise_grid(rows, tol=0.01, default=(50, 64))
    assert (s["reference"], s["reference_kind"]) == ("L50/B32", "dearest row of equal quality")
    assert s["saving_vs_reference"]["against_is_equal_quality"]


def test_amp_ratios_against_first_row() -> None:
    rows = [
        row(0.20, 0.15, amp="off", cpu_sec_per_epoch=2.0),
        row(0.21, 0.14, amp="auto", cpu_sec_per_epoch=8.0),
    ]
    s = summarise_amp(rows)["auto"]
    assert s["cpu_sec_per_epoch_ratio_to_off"] == pytest.approx(4.0)
    assert s["val_best_NDCG@10_minus_off"] == pytest.approx(0.01)
    assert s["test_NDCG@10_minus_off"] == pytest.approx(-0.01)


def write_part(path: Path, lrs: list[float], epochs: int, rows: list[dict[str, Any]]) -> Path:
    args = {"study": "lr", "lrs": lrs, "epochs": epochs, "tag": f"-lr{lrs[0]}", "merge": None}
    part = {"study": "lr", "dataset": "travel", "args": args, "rows": rows, "seconds": 10.0}
    path.write_text(json.dumps(part | {"git_sha": "abc"}))
    return path


def test_merge_parts_joins_rows_of_one_setting_and_refuses_another(tmp_path: Path) -> None:
    a = write_part(tmp_path / "a.json", [0.001], 50, [row(0.2, 0.1, lr=0.001)])
    b = write_part(tmp_path / "b.json", [0.01], 50, [row(0.1, 0.1, lr=0.01)])
    args = argparse.Namespace(study="lr", lrs=[0.001], epochs=50, tag="", merge=[a, b])
    rows, seconds, parts = merge_parts(args, "travel")
    assert [r["lr"] for r in rows] == [0.001, 0.01]
    assert seconds == 20.0
    assert [p["rows"] for p in parts] == [1, 1]
    c = write_part(tmp_path / "c.json", [0.01], 30, [row(0.1, 0.1, lr=0.01)])
    args.merge = [a, c]
    with pytest.raises(ValueError, match="epochs"):
        merge_parts(args, "travel")
    with pytest.raises(ValueError, match="study lr on travel"):
        merge_parts(argparse.Namespace(study="lr", merge=[a]), "beauty")
