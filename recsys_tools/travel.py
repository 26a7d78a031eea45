"""Training on the synthetic travel click logs: the entry points of `tripgraph train <model>`.

Each run: dataset -> shared trainer -> shared evaluator (both protocols) -> checkpoint, MLflow
run and a JSON with config, git SHA and metrics under runs/recsys/. The comparison table of
`tripgraph eval recsys` (`evals.recsys`) builds its models from the same configs here, so a
trained model and a compared one are the same model.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from recsys_tools.seqrec.experiment import ExperimentResult, git_sha, run_experiment, write_json

if TYPE_CHECKING:
    from recsys_tools.seqrec.models.layers import Fusion
    from tripgraph.settings import Settings


def travel_paths(settings: Settings, scale: str | None) -> tuple[Path, Path, Path, str]:
    """(dataset dir, recommender model dir, run dir, scale name) of a scale's click log."""
    s = settings
    name = scale or s.scale
    data_dir = s.dataset_dir(name)
    if not (data_dir / "clicks.parquet").exists():
        raise FileNotFoundError(
            f"{data_dir}/clicks.parquet not found; run `tripgraph data generate --scale {name}`"
        )
    return data_dir, s.model_dir / "recsys", s.run_dir, name


def travel_fingerprint(data_dir: Path, model: str, settings: dict[str, Any]) -> str:
    """What a trained travel model depends on: the dataset (its manifest: scale, seed,
    generator version), the model and every training setting. A saved model with the same
    fingerprint is what retraining would make again, so `tripgraph train` skips it (and the
    main job's second run stays quick)."""
    import hashlib
    import json

    manifest = data_dir / "manifest.json"
    text = manifest.read_text(encoding="utf-8") if manifest.exists() else ""
    blob = json.dumps([text, model, settings], sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:16]


def saved_fingerprint(path: Path) -> str | None:
    """The fingerprint a travel model file (.pt checkpoint or .npz vectors) was saved with;
    None when the file is missing, unreadable or older than fingerprints."""
    import pickle
    import zipfile

    if not path.exists():
        return None
    try:
        if path.suffix == ".npz":
            import numpy as np

            with np.load(path, allow_pickle=False) as blob:
                return str(blob["fingerprint"][0]) if "fingerprint" in blob.files else None
        from recsys_tools.seqrec.factory import read_checkpoint_meta

        value = read_checkpoint_meta(path).get("fingerprint")
        return None if value is None else str(value)
    except (
        OSError,
        ValueError,
        KeyError,
        RuntimeError,
        EOFError,
        pickle.UnpicklingError,
        zipfile.BadZipFile,
    ):
        return None  # a damaged file is retrained, not trusted


@dataclass(frozen=True)
class TransformerKnobs:
    """Transformer settings a user may change from the CLI; None keeps the travel default.
    `fusion` and `id_dropout` only apply to the Meta-* kinds (plain models have no side
    information to fuse)."""

    dropout: float | None = None
    fusion: Fusion | None = None
    id_dropout: float | None = None


def travel_model_config(kind: str, data: Any, knobs: TransformerKnobs | None = None) -> Any:
    """The model config of `kind` on the travel logs: the factory default, with transformers
    made small and regularised, then the user's knobs."""
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


def travel_train_config(
    epochs: int, minutes: float | None, lr: float, batch_size: int, seed: int
) -> Any:
    """The one training budget every travel model gets (early stopping on the full protocol)."""
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
    *,
    settings: Settings,
    fingerprint: str | None = None,
) -> ExperimentResult:
    """Train one model on the travel logs, save `<model_dir>/recsys/<kind>.pt` (with the
    run's `fingerprint`, see `travel_fingerprint`), track it in MLflow and (optionally)
    register it as model `travel-<kind>` for the agent tools."""
    from recsys_tools.seqrec.data import load_travel_clicks
    from recsys_tools.seqrec.tracking import MlflowTracker

    data_dir, model_dir, run_dir, name = travel_paths(settings, scale)
    data = load_travel_clicks(data_dir)
    # The paper's 100 sampled negatives, or as many as a small catalogue holds (the tiny
    # scale's 60 products): the sampled figure is a report, validation ranks every item.
    negatives = min(100, data.max_negatives())
    tracker = MlflowTracker(run_dir / "mlflow", f"travel-{name}")
    result, _ = run_experiment(
        kind,  # type: ignore[arg-type]
        data,
        travel_train_config(epochs, minutes, lr, batch_size, seed),
        travel_model_config(kind, data, knobs),
        checkpoint=model_dir / f"{kind}.pt",
        tracker=tracker,
        register_as=f"travel-{kind}" if register else None,
        test_negatives=negatives,
        checkpoint_meta={"fingerprint": fingerprint, "test_negatives": negatives},
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
    *,
    settings: Settings,
    fingerprint: str | None = None,
) -> dict[str, Any]:
    """Train (Meta-)Prod2Vec, evaluate next-viewed item on held-out sessions, save the vectors
    (with the run's `fingerprint`) and a t-SNE PNG coloured by city."""
    from recsys_tools.prod2vec import (
        Prod2VecConfig,
        evaluate_next_item,
        load_sessions,
        plot_projection,
        train_prod2vec,
    )
    from recsys_tools.seqrec.tracking import MlflowTracker

    data_dir, model_dir, run_dir, scale_name = travel_paths(settings, scale)
    sessions = load_sessions(data_dir, seed=seed)
    cfg = Prod2VecConfig(dim=dim, epochs=epochs, meta_weight=meta_weight, seed=seed)
    tracker = MlflowTracker(run_dir / "mlflow", f"travel-{scale_name}")
    with tracker.start(run_name=f"{name}-{scale_name}", params=dataclasses.asdict(cfg)):
        emb = train_prod2vec(sessions, cfg, log=True)
        metrics = evaluate_next_item(emb, sessions.test)
        tracker.log_metrics(metrics)
        vec_path = model_dir / f"{name}.npz"
        emb.save(vec_path, fingerprint=fingerprint)
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
