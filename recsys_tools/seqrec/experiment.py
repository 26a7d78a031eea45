"""One experiment = prepare -> train -> evaluate (both protocols) -> save -> track.

Used by the CLI, the benchmarks and the optimisation study, so every number in the
project's tables comes from the same path.
"""

from __future__ import annotations

import dataclasses
import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from recsys_tools.seqrec.data import SeqDataset
from recsys_tools.seqrec.evaluator import evaluate
from recsys_tools.seqrec.factory import ModelConfig, ModelKind, build_model, save_checkpoint
from recsys_tools.seqrec.models.base import Recommender
from recsys_tools.seqrec.tracking import MlflowTracker
from recsys_tools.seqrec.trainer import EpochRecord, TrainConfig, TrainResult, resolve_device, train
from tripgraph.provenance import git_sha


@dataclass
class ExperimentResult:
    kind: str
    dataset: str
    model_config: dict[str, Any] | None
    train_config: dict[str, Any]
    train: dict[str, Any]
    test_sampled: dict[str, float]
    test_full: dict[str, float]
    n_params: int
    checkpoint: str | None
    registered_version: str | None
    git_sha: str | None
    # The final refit on training + validation items (None when not asked for).
    refit: dict[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def run_experiment(
    kind: ModelKind,
    data: SeqDataset,
    train_cfg: TrainConfig,
    model_cfg: ModelConfig = None,
    checkpoint: Path | None = None,
    tracker: MlflowTracker | None = None,
    register_as: str | None = None,
    log: bool = True,
    refit_with_valid: bool = False,
    test_negatives: int = 100,
    checkpoint_meta: dict[str, Any] | None = None,
) -> tuple[ExperimentResult, Recommender]:
    """Train with early stopping on validation, then test. With `refit_with_valid`, a fresh
    model is then trained on training + validation items for the best epoch count found
    (no model selection in that phase) and it is the one tested and saved: the BERT4Rec
    authors' protocol, and the fair one to compare with their published figures.
    `test_negatives`: sampled-protocol negatives per test user (100 in the paper; fewer
    only for catalogues too small to hold 100 unseen items). `checkpoint_meta` is added to
    the saved checkpoint's meta (e.g. the fingerprint of the run that made it)."""
    # Seed before building: otherwise the initial weights depend on whatever drew from the
    # global RNG earlier in the process (e.g. the previous seed of a comparison).
    torch.manual_seed(train_cfg.seed)
    model = build_model(kind, data, model_cfg)
    params = {
        "kind": kind,
        "dataset": data.name,
        **{
            f"model.{k}": v for k, v in (dataclasses.asdict(model_cfg) if model_cfg else {}).items()
        },
        **{f"train.{k}": v for k, v in dataclasses.asdict(train_cfg).items()},
    }

    def show(rec: EpochRecord) -> None:
        if log:
            val = " ".join(f"{k}={v:.4f}" for k, v in rec.val.items() if k in ("HR@10", "NDCG@10"))
            print(
                f"[{kind}] epoch {rec.epoch} loss={rec.loss:.4f} {rec.seconds:.0f}s "
                f"lr={rec.lr:.2e} {val}",
                flush=True,
            )

    def body(trk: MlflowTracker | None) -> ExperimentResult:
        nonlocal model
        result: TrainResult = train(model, data, train_cfg, tracker=trk, on_epoch=show)
        refit: TrainResult | None = None
        if refit_with_valid and result.best_epoch > 0:
            refit_cfg = dataclasses.replace(
                train_cfg,
                epochs=result.best_epoch,
                eval_every=result.best_epoch,  # one (leaky, unreported) check at the end
                early_stop_patience=None,
                plateau_patience=None,
                max_minutes=None,
                # Plateau halvings follow validation, which the refit does not run: replay
                # phase 1's LR per epoch (other schedules are functions of the epoch).
                lr_by_epoch=(
                    tuple(r.lr for r in result.history[: result.best_epoch])
                    if train_cfg.plateau_patience is not None and train_cfg.schedule == "constant"
                    else None
                ),
            )
            if log:
                print(f"[{kind}] refit on train + valid for {result.best_epoch} epochs", flush=True)
            refit_data = dataclasses.replace(data, holdout=1)
            torch.manual_seed(train_cfg.seed)
            model = build_model(kind, refit_data, model_cfg)
            refit = train(model, refit_data, refit_cfg, on_epoch=show)
        device = resolve_device(train_cfg.device)
        t0 = time.perf_counter()
        sampled = evaluate(
            model, data, "test", "sampled", n_negatives=test_negatives, device=device
        ).metrics
        full = evaluate(model, data, "test", "full", device=device).metrics
        if log:
            print(
                f"[{kind}] test sampled {sampled}\n[{kind}] test full {full} "
                f"({time.perf_counter() - t0:.0f}s)",
                flush=True,
            )
        version = None
        mcfg = getattr(model, "config", None)
        out = ExperimentResult(
            kind=kind,
            dataset=data.name,
            model_config=dataclasses.asdict(mcfg) if mcfg is not None else None,
            train_config=dataclasses.asdict(train_cfg),
            train=result.to_dict(),
            test_sampled=sampled,
            test_full=full,
            n_params=sum(p.numel() for p in model.parameters()),
            checkpoint=str(checkpoint) if checkpoint else None,
            registered_version=None,
            git_sha=git_sha(),
            refit=None
            if refit is None
            else {
                "epochs": refit.epochs_run,
                "seconds": refit.seconds,
                "lrs": [r.lr for r in refit.history],
            },
        )
        if checkpoint is not None:
            meta = {
                "dataset": data.name,
                "best_epoch": result.best_epoch,
                # What serving picks "the best model" by: validation, never test.
                "val": {
                    "protocol": train_cfg.val_protocol,
                    train_cfg.val_metric: result.best_metric,
                },
                "test_sampled": sampled,
                "test_full": full,
                "train_config": dataclasses.asdict(train_cfg),
                **(checkpoint_meta or {}),
            }
            save_checkpoint(checkpoint, model.cpu(), kind, data, meta)
            model.to(device)
        if trk is not None:
            trk.log_metrics({f"test_sampled_{k}": v for k, v in sampled.items()})
            trk.log_metrics({f"test_full_{k}": v for k, v in full.items()})
            if checkpoint is not None:
                trk.log_artifact(checkpoint)
                if register_as:
                    version = trk.register(register_as, checkpoint.name)
        out.registered_version = version
        return out

    if tracker is None:
        return body(None), model
    with tracker.start(run_name=f"{kind}-{data.name}", params=params) as trk:
        return body(trk), model


def write_json(path: Path, payload: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(payload, indent=2, ensure_ascii=False, default=str))


def torch_threads(n: int | None) -> None:
    if n:
        torch.set_num_threads(n)
