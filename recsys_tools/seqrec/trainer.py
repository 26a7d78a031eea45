"""The one trainer for every model of the package (nanoGPT-style: one loop, read top to bottom).

data -> shuffled training batches -> `model.calculate_loss` -> AdamW step (optionally under
mixed precision) -> LR schedule -> validation with the shared evaluator -> ReduceLROnPlateau
and early stopping on the validation metric -> best weights restored.

Mixed precision: "auto" picks bf16 autocast on CPU and fp16 autocast with a GradScaler on
CUDA (fp16 has too little exponent range for raw gradients, bf16 does not need scaling);
the same config therefore runs unchanged on either machine.

Speed (issue 16, benchmarks/bench_trainer_speed.py): the catalogue softmax of SASRec /
BERT4Rec is computed in chunks with its gradients fused in (TransformerConfig.ce_chunk,
models/losses.py), batches hold users of similar length trimmed to their longest prefix
(SeqDataset.train_batches), and `num_threads` sets the CPU threads. torch.compile was
measured slower than eager on this CPU for these small blocks (plus ~45 s of compiling per
shape family), so the loop does not compile.
"""

from __future__ import annotations

import contextlib
import copy
import math
import time
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol

import numpy as np
import torch

from recsys_tools.seqrec.data import SeqDataset
from recsys_tools.seqrec.evaluator import EvalResult, evaluate
from recsys_tools.seqrec.evaluator import Protocol as EvalProtocol
from recsys_tools.seqrec.models.base import Recommender

Schedule = Literal["constant", "exponential", "multiplicative", "cosine", "onecycle"]
Amp = Literal["off", "auto", "bf16", "fp16"]


@dataclass
class TrainConfig:
    epochs: int = 50  # upper bound; early stopping usually ends sooner
    batch_size: int = 128  # users per batch
    lr: float = 1e-3
    weight_decay: float = 0.0
    schedule: Schedule = "constant"
    gamma: float = 0.95  # per-epoch decay of "exponential" / "multiplicative"
    # "multiplicative" holds the LR for this many epochs, then decays it by gamma per epoch.
    # With a constant factor from the first epoch MultiplicativeLR would be ExponentialLR
    # (the study found their seeded runs identical); the hold keeps the early, fast-learning
    # epochs at full LR.
    hold_epochs: int = 10
    plateau_patience: int | None = None  # ReduceLROnPlateau (x0.5) after this many flat evals
    # The LR of each epoch, replayed as given (a refit repeats phase 1's plateau halvings,
    # which depend on validation it does not run); overrides the schedule's LR when set.
    lr_by_epoch: tuple[float, ...] | None = None
    early_stop_patience: int | None = 5  # stop after this many evals without improvement
    eval_every: int = 1  # epochs between validations
    val_protocol: EvalProtocol = "full"
    val_metric: str = "NDCG@10"
    val_users: int | None = None  # validate on a fixed random subset for speed; None = all
    amp: Amp = "off"
    grad_clip: float | None = 5.0
    max_minutes: float | None = None  # wall-clock budget; stops after the epoch that crosses it
    seed: int = 0
    device: str = "auto"  # "auto" = cuda when available
    num_threads: int | None = None  # torch CPU threads (the shared dev box has 2 cores)


@dataclass
class EpochRecord:
    epoch: int
    loss: float
    seconds: float  # wall clock (includes waiting for a shared CPU)
    lr: float
    cpu_seconds: float = 0.0  # process CPU time: comparable across loads of a shared machine
    val: dict[str, float] = field(default_factory=dict)


@dataclass
class TrainResult:
    best_epoch: int
    best_metric: float
    epochs_run: int
    seconds: float
    stop_reason: str
    history: list[EpochRecord]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


class Tracker(Protocol):
    """What the trainer reports to (MLflow in practice, see tracking.py)."""

    def log_metrics(self, metrics: dict[str, float], step: int) -> None: ...


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    return torch.device(name)


def autocast_settings(amp: Amp, device: torch.device) -> tuple[torch.dtype | None, bool]:
    """(autocast dtype or None, use GradScaler)."""
    if amp == "off":
        return None, False
    if amp == "auto":
        amp = "fp16" if device.type == "cuda" else "bf16"
    if amp == "fp16" and device.type != "cuda":
        raise ValueError("fp16 autocast is for CUDA; use bf16 on CPU")
    return (torch.float16, True) if amp == "fp16" else (torch.bfloat16, False)


def make_scheduler(
    optimizer: torch.optim.Optimizer, cfg: TrainConfig, steps_per_epoch: int
) -> tuple[torch.optim.lr_scheduler.LRScheduler | None, bool]:
    """(scheduler, steps per batch?). OneCycle steps per batch, the others per epoch."""
    sched = torch.optim.lr_scheduler
    if cfg.schedule == "constant":
        return None, False
    if cfg.schedule == "exponential":
        return sched.ExponentialLR(optimizer, gamma=cfg.gamma), False
    if cfg.schedule == "multiplicative":
        gamma, hold = cfg.gamma, cfg.hold_epochs
        # lr_lambda(e) is the factor applied when epoch e (1-based) ends
        return sched.MultiplicativeLR(
            optimizer, lr_lambda=lambda epoch: 1.0 if epoch < hold else gamma
        ), False
    if cfg.schedule == "cosine":
        return sched.CosineAnnealingLR(optimizer, T_max=cfg.epochs), False
    return (
        sched.OneCycleLR(
            optimizer, max_lr=cfg.lr, total_steps=cfg.epochs * steps_per_epoch, pct_start=0.2
        ),
        True,
    )


def train(
    model: Recommender,
    data: SeqDataset,
    cfg: TrainConfig,
    tracker: Tracker | None = None,
    on_epoch: Callable[[EpochRecord], None] | None = None,
) -> TrainResult:
    """Train `model` in place and leave it holding the best validation weights."""
    if cfg.num_threads:
        torch.set_num_threads(cfg.num_threads)
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    device = resolve_device(cfg.device)
    model.to(device)
    if not model.trainable:
        return TrainResult(0, math.nan, 0, 0.0, "nothing to train", [])

    val_users = data.eval_users()
    if cfg.val_users is not None and cfg.val_users < len(val_users):
        val_users = np.sort(rng.choice(val_users, size=cfg.val_users, replace=False))

    amp_dtype, use_scaler = autocast_settings(cfg.amp, device)
    scaler = torch.amp.GradScaler("cuda", enabled=use_scaler)
    optimizer = torch.optim.AdamW(model.parameters(), lr=cfg.lr, weight_decay=cfg.weight_decay)
    width = model.train_width
    steps_per_epoch = math.ceil(len(data.sequences) / cfg.batch_size)
    scheduler, per_step = make_scheduler(optimizer, cfg, steps_per_epoch)
    plateau = (
        torch.optim.lr_scheduler.ReduceLROnPlateau(
            optimizer, mode="max", factor=0.5, patience=cfg.plateau_patience
        )
        if cfg.plateau_patience is not None
        else None
    )

    def autocast() -> contextlib.AbstractContextManager[None]:
        if amp_dtype is None:
            return contextlib.nullcontext()
        return torch.autocast(device_type=device.type, dtype=amp_dtype)

    def validate() -> EvalResult:
        with autocast():
            return evaluate(model, data, "valid", cfg.val_protocol, users=val_users, device=device)

    best_metric, best_epoch, best_state = -math.inf, 0, copy.deepcopy(model.state_dict())
    since_best, history, stop_reason = 0, [], "max epochs"
    start = time.perf_counter()
    for epoch in range(1, cfg.epochs + 1):
        model.train()
        if cfg.lr_by_epoch is not None:
            for group in optimizer.param_groups:
                group["lr"] = cfg.lr_by_epoch[min(epoch, len(cfg.lr_by_epoch)) - 1]
        t0, c0 = time.perf_counter(), time.process_time()
        # Summed on the device: a per-step loss.item() would wait for a GPU every batch.
        loss_sum, n_steps = torch.zeros((), device=device), 0
        batches: Iterator = data.train_batches(cfg.batch_size, width, rng)
        for batch in batches:
            batch = batch.to(device)
            with autocast():
                loss = model.calculate_loss(batch)
            optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            if cfg.grad_clip:
                scaler.unscale_(optimizer)
                torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            scaler.step(optimizer)
            scaler.update()
            if per_step and scheduler is not None:
                scheduler.step()
            loss_sum += loss.detach().float()
            n_steps += 1
        if scheduler is not None and not per_step:
            scheduler.step()
        record = EpochRecord(
            epoch,
            loss_sum.item() / n_steps if n_steps else math.nan,
            time.perf_counter() - t0,
            optimizer.param_groups[0]["lr"],
            time.process_time() - c0,
        )
        if epoch % cfg.eval_every == 0 or epoch == cfg.epochs:
            record.val = validate().metrics
            metric = record.val[cfg.val_metric]
            if plateau is not None:
                plateau.step(metric)
            if metric > best_metric:
                best_metric, best_epoch, since_best = metric, epoch, 0
                best_state = copy.deepcopy(model.state_dict())
            else:
                since_best += 1
        history.append(record)
        if tracker is not None:
            tracker.log_metrics(
                {
                    "loss": record.loss,
                    "epoch_seconds": record.seconds,
                    "epoch_cpu_seconds": record.cpu_seconds,
                    "lr": record.lr,
                    **{f"val_{k}": v for k, v in record.val.items()},
                },
                step=epoch,
            )
        if on_epoch is not None:
            on_epoch(record)
        if cfg.early_stop_patience is not None and since_best >= cfg.early_stop_patience:
            stop_reason = f"early stop: no {cfg.val_metric} gain in {since_best} evals"
            break
        if cfg.max_minutes is not None and time.perf_counter() - start > 60 * cfg.max_minutes:
            stop_reason = f"time budget {cfg.max_minutes} min"
            break
    model.load_state_dict(best_state)
    return TrainResult(
        best_epoch, best_metric, len(history), time.perf_counter() - start, stop_reason, history
    )
