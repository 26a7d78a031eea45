"""Place-name mapping evaluation: run the pipeline (offline executor, or the LLM endpoint
when configured) on a generated pair of place databases and score it against the gold.

Figures: candidate recall of blocking; precision/recall after stage 1 and stage 2; the share
of wrong stage-1 mappings stage 2 removes and the share of correct ones it keeps.
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from recsys_tools.mapping.batch import OfflineBatchExecutor
from recsys_tools.mapping.pipeline import (
    MappingConfig,
    MappingPipeline,
    MappingState,
    offline_handler,
)
from recsys_tools.mapping.records import records
from tripgraph.provenance import git_sha


def load_place_dbs(
    dataset_dir: Path | None, scale: str, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, str]:
    """(internal, external, gold, source): the generated Parquet files when present,
    else the same tables generated in memory."""
    if dataset_dir is not None and (dataset_dir / "place_mapping_gold.parquet").exists():
        return (
            pd.read_parquet(dataset_dir / "place_db_internal.parquet"),
            pd.read_parquet(dataset_dir / "place_db_external.parquet"),
            pd.read_parquet(dataset_dir / "place_mapping_gold.parquet"),
            str(dataset_dir),
        )
    from ingest.generate.config import SCALES
    from ingest.generate.placedb import build_place_databases

    dbs = build_place_databases(SCALES[scale], seed)  # type: ignore[index]
    return dbs.internal, dbs.external, dbs.gold, f"generated scale={scale} seed={seed}"


def score_mapping(mapping: dict[str, str], gold: pd.DataFrame) -> dict[str, float]:
    true = {(r.internal_id, r.external_id) for r in gold.itertuples() if r.is_same}
    n_true = len({i for i, _ in true})
    tp = sum((i, e) in true for i, e in mapping.items())
    p = tp / len(mapping) if mapping else 0.0
    r = tp / n_true if n_true else 0.0
    return {
        "precision": p,
        "recall": r,
        "f1": 2 * p * r / (p + r) if p + r else 0.0,
        "mapped": len(mapping),
        "correct": tp,
        "gold_pairs": n_true,
    }


def run_mapping_eval(
    run_dir: Path,
    dataset_dir: Path | None,
    scale: str = "demo",
    seed: int = 42,
    config: MappingConfig | None = None,
) -> Path:
    config = config or MappingConfig()
    internal, external, gold, source = load_place_dbs(dataset_dir, scale, seed)
    ints, exts = records(internal), records(external)
    t0 = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        state = MappingState(Path(tmp))
        executor = OfflineBatchExecutor(Path(tmp) / "jobs", offline_handler(config))
        pipe = MappingPipeline(ints, exts, executor, state, config)
        run_report = pipe.run()
        decisions = state.decisions()
        true = {(r.internal_id, r.external_id) for r in gold.itertuples() if r.is_same}
        twins = {i for i, _ in true}
        cand_hits = sum(
            any((p.place_id, c.external.place_id) in true for c in pipe._candidates(p))
            for p in ints
            if p.place_id in twins
        )
    seconds = time.perf_counter() - t0
    stage1 = {
        iid: str(d.external_id)
        for (iid, st), d in decisions.items()
        if st == "pick" and d.external_id
    }
    stage2 = {
        iid: str(d.external_id)
        for (iid, st), d in decisions.items()
        if st == "verify" and d.external_id
    }
    wrong1 = {i for i, e in stage1.items() if (i, e) not in true}
    right1 = {i for i, e in stage1.items() if (i, e) in true}
    report: dict[str, Any] = {
        "task": "place_mapping",
        "git_sha": git_sha(),
        "created_at": time.time(),
        "data": source,
        "mode": "offline",
        "config": {
            "blocking": vars(config.blocking),
            "verify_max_distance_m": config.verify_max_distance_m,
        },
        "sizes": {
            "internal": len(ints),
            "external": len(exts),
            "gold_true": int(gold.is_same.sum()),
            "gold_hard_negatives": int((~gold.is_same).sum()),
        },
        "candidate_recall": cand_hits / max(len(twins), 1),
        "stage1": score_mapping(stage1, gold),
        "stage2": score_mapping(stage2, gold),
        "stage2_wrong_removed": sum(i not in stage2 for i in wrong1) / max(len(wrong1), 1),
        "stage2_wrong_stage1": len(wrong1),
        "stage2_correct_kept": sum(i in stage2 for i in right1) / max(len(right1), 1),
        "seconds": seconds,
        "run": {"jobs": len(run_report.jobs), "failed_requests": run_report.failed_requests},
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    out = run_dir / f"mapping-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    _plot(report, out.with_suffix(".png"))
    return out


def _plot(report: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    names = ["precision", "recall", "f1"]
    for i, stage in enumerate(("stage1", "stage2")):
        ax.bar(
            [j + i * 0.38 for j in range(3)], [report[stage][n] for n in names], 0.38, label=stage
        )
    ax.set_xticks([j + 0.19 for j in range(3)])
    ax.set_xticklabels(names)
    ax.set_ylim(0, 1.05)
    ax.set_title(
        f"place mapping — wrong removed {report['stage2_wrong_removed']:.2f}, "
        f"correct kept {report['stage2_correct_kept']:.2f}",
        fontsize=9,
    )
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
