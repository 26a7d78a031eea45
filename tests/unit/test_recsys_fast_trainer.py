"""The trainer's fast path (issue 16 item 4): the chunked, fused catalogue softmax gives the
reference loss and gradients, length bucketing keeps every training example, and a tiny
model trained through it still learns."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
import torch

from recsys_tools.seqrec.data import SeqDataset
from recsys_tools.seqrec.factory import build_model
from recsys_tools.seqrec.models.losses import (
    chunked_softmax_ce,
    full_softmax_ce,
    gbce,
    gbce_beta,
    softmax_ce,
)
from recsys_tools.seqrec.models.transformer import TransformerConfig
from recsys_tools.seqrec.trainer import TrainConfig, train


def _loss_and_grads(
    fn, h0: torch.Tensor, w0: torch.Tensor, scale: float = 1.0
) -> tuple[float, torch.Tensor, torch.Tensor]:  # type: ignore[no-untyped-def]
    h, w = h0.clone().requires_grad_(), w0.clone().requires_grad_()
    loss = fn(h, w)
    (loss * scale).backward()
    assert h.grad is not None and w.grad is not None
    return float(loss.detach()), h.grad, w.grad


@pytest.mark.parametrize("chunk", [1, 7, 64, 1000])  # one row, uneven chunks, one chunk
def test_chunked_ce_equals_full_ce(chunk: int) -> None:
    gen = torch.Generator().manual_seed(0)
    h0 = torch.randn(50, 16, generator=gen)
    w0 = torch.randn(30, 16, generator=gen)
    targets = torch.randint(0, 30, (50,), generator=gen)
    ref = _loss_and_grads(lambda h, w: full_softmax_ce(h, w, targets), h0, w0)
    got = _loss_and_grads(lambda h, w: chunked_softmax_ce(h, w, targets, chunk), h0, w0)
    assert abs(got[0] - ref[0]) < 1e-5
    assert torch.allclose(got[1], ref[1], atol=1e-5)
    assert torch.allclose(got[2], ref[2], atol=1e-5)


def test_chunked_ce_scales_with_the_incoming_gradient() -> None:
    # A GradScaler multiplies the loss before backward: the stored gradients must follow.
    gen = torch.Generator().manual_seed(1)
    h0, w0 = torch.randn(20, 8, generator=gen), torch.randn(12, 8, generator=gen)
    targets = torch.randint(0, 12, (20,), generator=gen)
    one = _loss_and_grads(lambda h, w: chunked_softmax_ce(h, w, targets, 6), h0, w0)
    big = _loss_and_grads(lambda h, w: chunked_softmax_ce(h, w, targets, 6), h0, w0, 1024.0)
    assert torch.allclose(big[1], 1024.0 * one[1], rtol=1e-5)
    assert torch.allclose(big[2], 1024.0 * one[2], rtol=1e-5)


def test_chunked_ce_under_bf16_autocast_matches_reference() -> None:
    gen = torch.Generator().manual_seed(2)
    h0, w0 = torch.randn(40, 16, generator=gen), torch.randn(25, 16, generator=gen)
    targets = torch.randint(0, 25, (40,), generator=gen)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        ref = _loss_and_grads(lambda h, w: full_softmax_ce(h, w, targets), h0, w0)
        got = _loss_and_grads(lambda h, w: chunked_softmax_ce(h, w, targets, 16), h0, w0)
    exact = _loss_and_grads(lambda h, w: full_softmax_ce(h, w, targets), h0, w0)
    assert got[1].dtype == torch.float32  # gradients come back in the parameters' dtype
    assert abs(got[0] - ref[0]) < 1e-3  # both round the matmul inputs to bf16
    assert abs(got[0] - exact[0]) < 0.05
    assert torch.allclose(got[2], exact[2], atol=0.02)


def test_chunked_ce_without_grad_and_bad_chunk() -> None:
    h, w, t = torch.randn(5, 4), torch.randn(6, 4), torch.tensor([0, 1, 2, 3, 5])
    with torch.no_grad():
        assert torch.allclose(chunked_softmax_ce(h, w, t, 2), full_softmax_ce(h, w, t))
    assert torch.allclose(softmax_ce(h, w, t, 0), full_softmax_ce(h, w, t))
    with pytest.raises(ValueError):
        chunked_softmax_ce(h, w, t, 0)


def _runs_data(n_users: int = 20, length: int = 5) -> SeqDataset:
    # Runs s, s+1, …: the next item is always "previous + 1", learnt in a few epochs.
    seqs = [np.arange(s, s + length) for s in range(1, n_users + 1)]
    n_items = n_users + length - 1
    return SeqDataset(
        "runs", seqs, n_items, np.array([None, *range(1, n_items + 1)], dtype=object),
        np.arange(n_users),
    )  # fmt: skip


@pytest.mark.parametrize("kind", ["sasrec", "bert4rec"])
def test_model_loss_and_gradients_equal_the_reference(kind: str) -> None:
    data = _runs_data()
    batch = next(data.train_batches(8, 6, np.random.default_rng(0)))
    grads = []
    losses = []
    for chunk in (0, 3):
        torch.manual_seed(0)  # same weights, dropout masks and Cloze masks
        cfg = TransformerConfig(n_items=data.n_items, max_len=5, hidden=8, ce_chunk=chunk)
        model = build_model(kind, data, cfg)  # type: ignore[arg-type]
        model.train()
        loss = model.calculate_loss(batch)
        loss.backward()
        losses.append(float(loss.detach()))
        grads.append(
            torch.cat([p.grad.flatten() for p in model.parameters() if p.grad is not None])
        )
    assert abs(losses[0] - losses[1]) < 1e-5
    assert torch.allclose(grads[0], grads[1], atol=1e-5)


def test_bucketing_yields_the_same_examples() -> None:
    rng = np.random.default_rng(0)
    seqs = [rng.integers(1, 40, size=rng.integers(1, 30)) for _ in range(57)]
    data = SeqDataset(
        "ragged", seqs, 40, np.array([None, *range(1, 41)], dtype=object), np.arange(57)
    )
    width = 11

    def examples(bucket: bool) -> tuple[list[tuple[int, tuple[int, ...]]], list[int]]:
        out, pad = [], []
        for b in data.train_batches(8, width, np.random.default_rng(3), bucket=bucket):
            seq = b.item_seq.numpy()
            pad.append(int((seq == 0).sum()))
            assert seq.shape[1] == max(int((row > 0).sum()) for row in seq)  # trimmed
            for u, row in zip(b.users.tolist(), seq, strict=True):
                out.append((u, tuple(row[row > 0].tolist())))
        return sorted(out), pad

    bucketed, pad_bucketed = examples(True)
    shuffled, pad_shuffled = examples(False)
    expected = sorted(
        (u, tuple(data.train_sequence(u)[-width:].tolist()))
        for u in range(data.n_users)
        if len(data.train_sequence(u))
    )
    assert bucketed == shuffled == expected
    assert sum(pad_bucketed) < sum(pad_shuffled)  # the point of bucketing


@pytest.mark.parametrize("kind", ["sasrec", "bert4rec"])
def test_tiny_model_learns_through_the_chunked_loss(kind: str) -> None:
    data = _runs_data()
    cfg = TransformerConfig(
        n_items=data.n_items, max_len=5, hidden=16, dropout=0.0, ce_chunk=4, mask_prob=0.4
    )
    torch.manual_seed(0)
    model = build_model(kind, data, cfg)  # type: ignore[arg-type]
    train_cfg = TrainConfig(
        epochs=30, batch_size=8, lr=5e-3, early_stop_patience=None, val_protocol="full"
    )
    untrained = train(model, data, dataclasses.replace(train_cfg, epochs=1, lr=0.0))
    result = train(model, data, train_cfg)
    assert untrained.best_metric < 0.3
    assert result.best_metric > 0.5  # validation NDCG@10


def test_gbce_is_the_papers_formula_and_plain_bce_at_t0() -> None:
    gen = torch.Generator().manual_seed(5)
    pos, neg = torch.randn(6, generator=gen), torch.randn(6, 4, generator=gen)
    keep = torch.ones(6, 4, dtype=torch.bool)
    keep[2, 1] = False  # a sampled negative that is the target: left out
    beta = gbce_beta(4, 101, 0.75)
    alpha = 4 / 100
    assert beta == pytest.approx(alpha * (0.75 * (1 - 1 / alpha) + 1 / alpha))
    by_hand = -(beta * torch.log(torch.sigmoid(pos))).sum()
    by_hand -= (torch.log(1 - torch.sigmoid(neg)) * keep).sum()
    assert float(gbce(pos, neg, beta, keep)) == pytest.approx(float(by_hand / 29), rel=1e-5)
    plain = torch.nn.functional.binary_cross_entropy_with_logits(
        torch.cat([pos, neg.flatten()]), torch.cat([torch.ones(6), torch.zeros(24)])
    )
    full = torch.ones(6, 4, dtype=torch.bool)
    assert float(gbce(pos, neg, gbce_beta(4, 101, 0.0), full)) == pytest.approx(float(plain))
    assert gbce_beta(4, 101, 1.0) == pytest.approx(alpha)  # fully calibrated
    with pytest.raises(ValueError, match="negatives"):
        gbce_beta(0, 101, 0.75)


def test_tiny_sasrec_learns_through_gbce() -> None:
    # gSASRec's loss (BERT4Rec takes it too, but learns slowly from 8 negatives at this size).
    kind = "sasrec"
    data = _runs_data()
    cfg = TransformerConfig(
        n_items=data.n_items, max_len=5, hidden=16, dropout=0.0, mask_prob=0.4,
        loss="gbce", ce_negatives=min(8, data.n_items - 1),
    )  # fmt: skip
    torch.manual_seed(0)
    model = build_model(kind, data, cfg)  # type: ignore[arg-type]
    train_cfg = TrainConfig(
        epochs=60, batch_size=8, lr=1e-2, early_stop_patience=None, val_protocol="full"
    )
    untrained = train(model, data, dataclasses.replace(train_cfg, epochs=1, lr=0.0))
    assert untrained.best_metric < 0.3
    assert train(model, data, train_cfg).best_metric > 0.5  # validation NDCG@10
    with pytest.raises(ValueError, match="uniform"):
        build_model(kind, data, dataclasses.replace(cfg, ce_sampling="popularity"))  # type: ignore[arg-type]


def test_chunked_ce_fp16_path_with_loss_scaling() -> None:
    # The CUDA recipe (fp16 autocast + GradScaler) run on CPU kernels: the matmuls in fp16,
    # softmax and accumulation in fp32, gradients back in fp32 and following the loss scale.
    gen = torch.Generator().manual_seed(3)
    h0, w0 = torch.randn(40, 16, generator=gen), torch.randn(25, 16, generator=gen)
    targets = torch.randint(0, 25, (40,), generator=gen)
    exact = _loss_and_grads(lambda h, w: full_softmax_ce(h, w, targets), h0, w0)
    with torch.autocast("cpu", dtype=torch.float16):
        got = _loss_and_grads(
            lambda h, w: chunked_softmax_ce(h, w, targets, 16), h0, w0, scale=65536.0
        )
    assert got[1].dtype == torch.float32 and torch.isfinite(got[1]).all()
    assert abs(got[0] - exact[0]) < 1e-2
    assert torch.allclose(got[1] / 65536.0, exact[1], atol=1e-3)
    assert torch.allclose(got[2] / 65536.0, exact[2], atol=1e-3)
