"""Command-line flags shared by the real-data benchmark scripts (Beauty, MovieLens-1M), so
every script exposes the same knobs under the same names and builds its configs one way."""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any, get_args

from recsys_tools.seqrec.data import SeqDataset
from recsys_tools.seqrec.evaluator import Protocol
from recsys_tools.seqrec.factory import ModelConfig, ModelKind, default_config
from recsys_tools.seqrec.models.transformer import TransformerConfig
from recsys_tools.seqrec.trainer import Schedule, TrainConfig


def add_training_args(ap: argparse.ArgumentParser, **defaults: Any) -> None:
    """Model and training flags; `defaults` overrides a flag's default by its dest name
    (e.g. `max_len=200`)."""
    ap.add_argument("--minutes", type=float, default=25.0, help="training wall-clock budget")
    ap.add_argument("--epochs", type=int, default=200)
    ap.add_argument("--batch-size", type=int, default=128)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--weight-decay", type=float, default=0.0)
    ap.add_argument("--hidden", type=int, default=64)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=2)
    ap.add_argument("--dropout", type=float, default=0.5)
    ap.add_argument("--max-len", type=int, default=50)
    ap.add_argument("--ff-mult", type=int, default=4)
    ap.add_argument("--ce-negatives", type=int, default=0, help="0 = softmax over all items")
    ap.add_argument(
        "--loss", default="ce", choices=["ce", "gbce"], help="gbce: needs --ce-negatives K"
    )
    ap.add_argument("--gbce-t", type=float, default=0.75, help="gSASRec's calibration t")
    ap.add_argument("--ce-sampling", default="uniform", choices=["uniform", "popularity"])
    ap.add_argument("--ce-pop-alpha", type=float, default=1.0)
    ap.add_argument("--mask-prob", type=float, default=0.2)
    ap.add_argument("--patience", type=int, default=3)
    ap.add_argument(
        "--schedule",
        default="constant",
        choices=list(get_args(Schedule)),
        help="LR schedule (the travel study: decaying schedules beat constant on validation)",
    )
    ap.add_argument(
        "--plateau",
        type=int,
        default=None,
        help="halve the LR after this many validations without a gain (ReduceLROnPlateau)",
    )
    ap.add_argument("--val-users", type=int, default=10000, help="validation subset (speed)")
    # One thread: on the shared 2-core box two OpenMP threads spin-wait on each other while
    # other jobs hold the cores; measured 6x more CPU per batch than one thread (load ~15).
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--amp", default="off", choices=["off", "auto", "bf16", "fp16"])
    ap.add_argument("--device", default="auto")
    ap.add_argument("--no-mlflow", action="store_true")
    ap.add_argument(
        "--tag",
        default="",
        help="appended to the output file name, for runs the loss settings do not tell apart",
    )
    ap.add_argument(
        "--refit",
        action="store_true",
        help="after early stopping, retrain on train + validation items for the best epoch "
        "count and test that model (the BERT4Rec authors' protocol); --minutes bounds phase 1",
    )
    ap.add_argument(
        "--refit-only",
        metavar="SCHEDULE",
        default=None,
        help="skip phase 1: train on train + validation items with this per-epoch LR, "
        "e.g. '0.001x74,0.0005x14,0.00025x5' (phase 1's LRs up to its best epoch, from an "
        "earlier run's JSON), and test that model",
    )
    ap.set_defaults(**defaults)


def parse_lr_schedule(spec: str) -> tuple[float, ...]:
    """'0.001x74,0.0005x14' -> 74 epochs at 0.001, then 14 at 0.0005."""
    out: list[float] = []
    for part in spec.split(","):
        lr, _, n = part.strip().partition("x")
        out.extend([float(lr)] * int(n or 1))
    if not out:
        raise ValueError(f"empty LR schedule: {spec!r}")
    return tuple(out)


def configs_from_args(
    kind: ModelKind, data: SeqDataset, args: argparse.Namespace, val_protocol: Protocol
) -> tuple[ModelConfig, TrainConfig]:
    cfg = default_config(kind, data)
    if isinstance(cfg, TransformerConfig):
        cfg = dataclasses.replace(
            cfg,
            hidden=args.hidden,
            n_layers=args.layers,
            n_heads=args.heads,
            dropout=args.dropout,
            max_len=args.max_len,
            ff_mult=args.ff_mult,
            ce_negatives=args.ce_negatives,
            ce_sampling=args.ce_sampling,
            ce_pop_alpha=args.ce_pop_alpha,
            mask_prob=args.mask_prob,
            loss="gbce" if args.loss == "gbce" else cfg.loss,  # keeps sasrec-bce's own
            gbce_t=args.gbce_t,
        )
    train_cfg = TrainConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        weight_decay=args.weight_decay,
        early_stop_patience=args.patience,
        schedule=args.schedule,
        plateau_patience=args.plateau,
        val_protocol=val_protocol,
        val_users=args.val_users,
        max_minutes=args.minutes,
        amp=args.amp,
        device=args.device,
        num_threads=args.threads,
    )
    if getattr(args, "refit_only", None):
        lrs = parse_lr_schedule(args.refit_only)
        # the refit `run_experiment` runs after phase 1, with phase 1's LRs given
        train_cfg = dataclasses.replace(
            train_cfg,
            epochs=len(lrs),
            eval_every=len(lrs),
            early_stop_patience=None,
            plateau_patience=None,
            max_minutes=None,
            lr_by_epoch=lrs,
        )
    return cfg, train_cfg


def run_tag(args: argparse.Namespace) -> str:
    """A file-name tag that tells runs of one script apart by their loss settings."""
    tag = str(args.model) + (f"-neg{args.ce_negatives}" if args.ce_negatives else "")
    if getattr(args, "loss", "ce") == "gbce":
        tag += f"-gbce{args.gbce_t:g}"
    if args.ce_negatives and args.ce_sampling == "popularity":
        tag += f"pop{args.ce_pop_alpha:g}"
    if getattr(args, "schedule", "constant") != "constant":
        tag += f"-{args.schedule}"
    if getattr(args, "plateau", None):
        tag += f"-plateau{args.plateau}"
    if getattr(args, "refit_only", None):
        tag += "-refitonly"
    return tag + ("-refit" if args.refit else "") + getattr(args, "tag", "")


def plot_learning_curve(
    history: list[dict[str, Any]],
    path: Path,
    title: str,
    val_title: str,
    reference: tuple[float, str] | None = None,
) -> None:
    """The benchmark scripts' learning-curve PNG: training loss per epoch (left) and the
    validation NDCG@10 / HR@10 (right), with an optional horizontal reference line
    (value, label), e.g. a published figure."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(1, 2, figsize=(10, 4))
    ax[0].plot([h["epoch"] for h in history], [h["loss"] for h in history])
    ax[0].set(xlabel="epoch", ylabel="train loss", title=title)
    ev = [h for h in history if h["val"]]
    ax[1].plot([h["epoch"] for h in ev], [h["val"]["NDCG@10"] for h in ev], label="NDCG@10")
    ax[1].plot([h["epoch"] for h in ev], [h["val"]["HR@10"] for h in ev], label="HR@10")
    if reference is not None:
        ax[1].axhline(reference[0], ls="--", c="grey", label=reference[1])
    ax[1].set(xlabel="epoch", title=val_title)
    ax[1].legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
