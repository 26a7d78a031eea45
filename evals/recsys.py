"""The recommender comparison on the synthetic travel click logs (`tripgraph eval recsys`).

Every model is built and trained as `tripgraph train <model>` does (`recsys_tools.travel`),
then tested with the shared evaluator under both protocols -> one table: JSON with config,
git SHA and metrics under runs/recsys/ (+ a PNG).
"""

from __future__ import annotations

import dataclasses
import statistics
from pathlib import Path
from typing import Any

from recsys_tools.seqrec.experiment import ExperimentResult, git_sha, run_experiment, write_json
from recsys_tools.travel import (
    TransformerKnobs,
    travel_model_config,
    travel_paths,
    travel_train_config,
)
from tripgraph.settings import Settings


def compare_travel_models(
    kinds: list[str],
    scale: str | None = None,
    epochs: int = 100,
    minutes: float | None = None,
    seeds: int = 1,
    out: Path | None = None,
    lr: float = 1e-3,
    batch_size: int = 64,
    knobs: TransformerKnobs | None = None,
    negatives: int = 100,
    *,
    settings: Settings,
) -> dict[str, Any]:
    """One table: every model trained and tested the same way, mean (and spread) over seeds."""
    from recsys_tools.seqrec.data import load_travel_clicks

    data_dir, _, run_dir, name = travel_paths(settings, scale)
    data = load_travel_clicks(data_dir)
    # Fail before any training when the catalogue cannot give every test user `negatives`
    # unseen items (ValueError naming the user), not after the first model has trained.
    next(data.eval_batches("test", 1, n_negatives=negatives), None)
    rows: list[dict[str, Any]] = []
    for kind in kinds:
        runs = []
        for seed in range(seeds):
            res, _ = run_experiment(
                kind,  # type: ignore[arg-type]
                data,
                travel_train_config(epochs, minutes, lr, batch_size, seed),
                travel_model_config(kind, data, knobs),
                log=True,
                test_negatives=negatives,
            )
            runs.append(res)
        rows.append(_summarise(kind, runs))
    meta = next((r for r in rows if r["model"] == "meta-bert4rec"), None)
    plain = next((r for r in rows if r["model"] == "bert4rec"), None)
    table: dict[str, Any] = {
        "dataset": f"travel-{name}",
        "data": {
            "users": data.n_users,
            "items": data.n_items,
            "interactions": data.n_interactions,
            "side_features": list(data.item_features.names) if data.item_features else [],
        },
        "protocol": f"leave-one-out; sampled = {negatives} popularity-sampled negatives; "
        "full = all items, seen items masked",
        "seeds": seeds,
        "train": {"epochs": epochs, "minutes": minutes, "lr": lr, "batch_size": batch_size},
        "knobs": dataclasses.asdict(knobs or TransformerKnobs()),
        "rows": rows,
        "git_sha": git_sha(),
    }
    if meta and plain:
        table["meta_minus_plain_NDCG@10"] = {
            p: meta[p]["NDCG@10"] - plain[p]["NDCG@10"] for p in ("sampled", "full")
        }
        # Both models see the same seeds, so the per-seed differences are paired: their
        # spread says more about the gain than the two models' separate spreads.
        table["meta_minus_plain_NDCG@10_paired"] = {
            p: paired(meta["per_seed_NDCG@10"][p], plain["per_seed_NDCG@10"][p])
            for p in ("sampled", "full")
        }
    out = out or run_dir / "recsys" / f"compare_{name}.json"
    table["json"] = str(out)
    write_json(out, table)
    _plot_table(rows, out.with_suffix(".png"), f"travel-{name}")
    return table


def paired(a: list[float], b: list[float]) -> dict[str, Any]:
    """a - b per seed, their mean, standard error (None for one seed) and wins of a."""
    diffs = [x - y for x, y in zip(a, b, strict=True)]
    se = statistics.stdev(diffs) / len(diffs) ** 0.5 if len(diffs) > 1 else None
    return {
        "per_seed": diffs,
        "mean": statistics.fmean(diffs),
        "se": se,
        "wins": sum(d > 0 for d in diffs),
    }


def _summarise(kind: str, runs: list[ExperimentResult]) -> dict[str, Any]:
    def agg(protocol: str) -> tuple[dict[str, float], dict[str, float]]:
        per = [r.test_sampled if protocol == "sampled" else r.test_full for r in runs]
        mean = {k: statistics.fmean(m[k] for m in per) for k in per[0]}
        std = {k: statistics.pstdev(m[k] for m in per) for k in per[0]} if len(per) > 1 else {}
        return mean, std

    s_mean, s_std = agg("sampled")
    f_mean, f_std = agg("full")
    return {
        "model": kind,
        "sampled": s_mean,
        "sampled_std": s_std,
        "full": f_mean,
        "full_std": f_std,
        "per_seed_NDCG@10": {
            "sampled": [r.test_sampled["NDCG@10"] for r in runs],
            "full": [r.test_full["NDCG@10"] for r in runs],
        },
        # selection of settings belongs on validation: keep its figure beside the test ones
        "val_best_NDCG@10": [r.train["best_metric"] for r in runs],
        "best_epochs": [r.train["best_epoch"] for r in runs],
        "train_seconds": [round(float(r.train["seconds"]), 1) for r in runs],
        "n_params": runs[0].n_params,
    }


def _plot_table(rows: list[dict[str, Any]], path: Path, title: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    names = [r["model"] for r in rows]
    for ax, protocol in zip(axes, ("sampled", "full"), strict=True):
        for off, metric in ((-0.2, "NDCG@10"), (0.2, "HR@10")):
            vals = [r[protocol][metric] for r in rows]
            errs = [r[f"{protocol}_std"].get(metric, 0.0) for r in rows]
            ax.bar([i + off for i in range(len(rows))], vals, width=0.4, yerr=errs, label=metric)
        ax.set_xticks(range(len(rows)), names, rotation=30, ha="right")
        ax.set_title(f"{title}: {protocol} ranking")
        ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
