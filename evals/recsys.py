"""Recommender evaluation runs on the synthetic travel click logs.

Each run: dataset -> shared trainer -> shared evaluator (both protocols) -> JSON with
config, git SHA and metrics under runs/recsys/ (+ a PNG). Used by `tripgraph train …` and
`tripgraph eval recsys`.
"""

from __future__ import annotations

import dataclasses
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recsys_tools.seqrec.experiment import ExperimentResult, git_sha, run_experiment, write_json

if TYPE_CHECKING:
    from recsys_tools.seqrec.models.layers import Fusion


def _paths(scale: str | None) -> tuple[Path, Path, Path, str]:
    from tripgraph.settings import get_settings

    s = get_settings()
    name = scale or s.scale
    data_dir = s.dataset_dir(name)
    if not (data_dir / "clicks.parquet").exists():
        raise FileNotFoundError(
            f"{data_dir}/clicks.parquet not found; run `tripgraph data generate --scale {name}`"
        )
    return data_dir, s.model_dir / "recsys", s.run_dir, name


@dataclass(frozen=True)
class TransformerKnobs:
    """Transformer settings a user may change from the CLI; None keeps the travel default.
    `fusion` and `id_dropout` only apply to the Meta-* kinds (plain models have no side
    information to fuse)."""

    dropout: float | None = None
    fusion: Fusion | None = None
    id_dropout: float | None = None


def _model_config(kind: str, data: Any, knobs: TransformerKnobs | None = None) -> Any:
    from recsys_tools.seqrec.factory import default_config
    from recsys_tools.seqrec.models.transformer import TransformerConfig

    cfg = default_config(kind, data)  # type: ignore[arg-type]
    if not isinstance(cfg, TransformerConfig):
        return cfg
    # travel sessions are short and the catalogue small: a small, regularised model
    cfg = dataclasses.replace(cfg, hidden=64, n_layers=2, n_heads=2, dropout=0.2, max_len=50)
    knobs = knobs or TransformerKnobs()
    if knobs.dropout is not None:
        cfg = dataclasses.replace(cfg, dropout=knobs.dropout)
    if cfg.fusion != "none":
        if knobs.fusion is not None:
            cfg = dataclasses.replace(cfg, fusion=knobs.fusion)
        if knobs.id_dropout is not None:
            cfg = dataclasses.replace(cfg, id_dropout=knobs.id_dropout)
    return cfg


def _train_config(epochs: int, minutes: float | None, lr: float, batch_size: int, seed: int) -> Any:
    from recsys_tools.seqrec.trainer import TrainConfig

    return TrainConfig(
        epochs=epochs,
        batch_size=batch_size,
        lr=lr,
        max_minutes=minutes,
        seed=seed,
        early_stop_patience=10,
        val_protocol="full",
        # One thread: these runs go through scripts/heavy.sh, one CPU slot each, on a box
        # whose 2 cores are shared (see cli_args.py on OpenMP spin-waits).
        num_threads=1,
    )


def train_travel_model(
    kind: str,
    scale: str | None = None,
    epochs: int = 100,
    minutes: float | None = None,
    lr: float = 1e-3,
    batch_size: int = 64,
    seed: int = 0,
    register: bool = True,
    knobs: TransformerKnobs | None = None,
) -> ExperimentResult:
    """Train one model on the travel logs, save `<model_dir>/recsys/<kind>.pt`, track it in
    MLflow and (optionally) register it as model `travel-<kind>` for the agent tools."""
    from recsys_tools.seqrec.data import load_travel_clicks
    from recsys_tools.seqrec.tracking import MlflowTracker

    data_dir, model_dir, run_dir, name = _paths(scale)
    data = load_travel_clicks(data_dir)
    tracker = MlflowTracker(run_dir / "mlflow", f"travel-{name}")
    result, _ = run_experiment(
        kind,  # type: ignore[arg-type]
        data,
        _train_config(epochs, minutes, lr, batch_size, seed),
        _model_config(kind, data, knobs),
        checkpoint=model_dir / f"{kind}.pt",
        tracker=tracker,
        register_as=f"travel-{kind}" if register else None,
    )
    write_json(run_dir / "recsys" / f"train_{kind}_{name}.json", result.to_dict())
    return result


def train_travel_embeddings(
    name: str,
    scale: str | None = None,
    epochs: int = 10,
    dim: int = 32,
    meta_weight: float = 0.0,
    seed: int = 0,
) -> dict[str, Any]:
    """Train (Meta-)Prod2Vec, evaluate next-viewed item on held-out sessions, save the vectors
    and a t-SNE PNG coloured by city."""
    from recsys_tools.prod2vec import (
        Prod2VecConfig,
        evaluate_next_item,
        load_sessions,
        plot_projection,
        train_prod2vec,
    )
    from recsys_tools.seqrec.tracking import MlflowTracker

    data_dir, model_dir, run_dir, scale_name = _paths(scale)
    sessions = load_sessions(data_dir, seed=seed)
    cfg = Prod2VecConfig(dim=dim, epochs=epochs, meta_weight=meta_weight, seed=seed)
    tracker = MlflowTracker(run_dir / "mlflow", f"travel-{scale_name}")
    with tracker.start(run_name=f"{name}-{scale_name}", params=dataclasses.asdict(cfg)):
        emb = train_prod2vec(sessions, cfg, log=True)
        metrics = evaluate_next_item(emb, sessions.test)
        tracker.log_metrics(metrics)
        vec_path = model_dir / f"{name}.npz"
        emb.save(vec_path)
        plot = run_dir / "recsys" / f"{name}_{scale_name}_tsne_city.png"
        # city_code: the Latin-script code renders in the default font, Korean names do not
        labels = sessions.item_labels.get("city_code", sessions.item_labels.get("city"))
        if labels is not None:
            plot_projection(emb, labels, plot, f"{name} product embeddings (t-SNE), by city")
            tracker.log_artifact(plot)
        tracker.log_artifact(vec_path)
    report = {
        "model": name,
        "dataset": f"travel-{scale_name}",
        "config": dataclasses.asdict(cfg),
        "train_sessions": len(sessions.train),
        "test_sessions": len(sessions.test),
        "next_item": metrics,
        "vectors": str(vec_path),
        "plot": str(plot),
        "git_sha": git_sha(),
    }
    write_json(run_dir / "recsys" / f"{name}_{scale_name}.json", report)
    return report


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
) -> dict[str, Any]:
    """One table: every model trained and tested the same way, mean (and spread) over seeds."""
    from recsys_tools.seqrec.data import load_travel_clicks

    data_dir, _, run_dir, name = _paths(scale)
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
                _train_config(epochs, minutes, lr, batch_size, seed),
                _model_config(kind, data, knobs),
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
            p: _paired(meta["per_seed_NDCG@10"][p], plain["per_seed_NDCG@10"][p])
            for p in ("sampled", "full")
        }
    out = out or run_dir / "recsys" / f"compare_{name}.json"
    table["json"] = str(out)
    write_json(out, table)
    _plot_table(rows, out.with_suffix(".png"), f"travel-{name}")
    return table


def _paired(a: list[float], b: list[float]) -> dict[str, Any]:
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
