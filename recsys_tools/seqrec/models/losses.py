"""Softmax cross-entropy over the whole item catalogue, the loss of SASRec+ and BERT4Rec;
and gSASRec's generalised BCE over sampled negatives (`gbce`).

L = 1/P Σ_p [ logsumexp_v (h_p · w_v) - h_p · w_{t_p} ],  h: [P H], w: [V H], t: [P].

`full_softmax_ce` materialises the [P V] logits, then autograd keeps them, their log-softmax
and the gradient of each: several passes over P×V floats (P ≈ 12,800 positions × V = 3,416
items on ML-1m, ~175 MB each), which is memory traffic rather than arithmetic on a CPU.

`chunked_softmax_ce` gives the same loss and gradients (up to float summation order) from
`chunk` rows at a time, with the gradients computed in the forward pass (the fused
linear-cross-entropy trick of Liger-Kernel / Cut Cross-Entropy): per chunk, logits ->
log-softmax -> loss; softmax - onehot -> dL/dh and dL/dw, then the chunk is dropped. Three
matmuls per chunk, as autograd needs, but the [chunk V] block stays in cache and nothing of
size P×V is kept for backward. Backward only scales the stored gradients by the incoming
gradient (the loss scale under a GradScaler, 1 otherwise).

Mixed precision: under autocast the matmuls run in the autocast dtype (bf16 / fp16), the
softmax and every accumulation in fp32, as autocast would do for `F.cross_entropy`.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F


def full_softmax_ce(h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Reference: h [P H], weight [V H], targets [P] in 0..V-1 -> mean CE (scalar)."""
    logits = h @ weight.T  # [P V]
    return F.cross_entropy(logits.float(), targets)


def _compute_dtype(device: torch.device, dtype: torch.dtype) -> torch.dtype:
    if torch.is_autocast_enabled(device.type):
        return torch.get_autocast_dtype(device.type)
    return dtype


class _ChunkedSoftmaxCE(torch.autograd.Function):
    @staticmethod
    def forward(
        ctx: Any, h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, chunk: int
    ) -> torch.Tensor:
        dtype = _compute_dtype(h.device, h.dtype)
        n = h.shape[0]
        want_grad = any(ctx.needs_input_grad[:2])
        with torch.autocast(h.device.type, enabled=False):
            hc, wc = h.to(dtype), weight.to(dtype)  # [P H], [V H]
            grad_h = torch.empty(h.shape, dtype=torch.float32, device=h.device)  # [P H]
            grad_w = torch.zeros(weight.shape, dtype=torch.float32, device=h.device)  # [V H]
            total = torch.zeros((), dtype=torch.float32, device=h.device)
            for start in range(0, n, chunk):
                rows = slice(start, min(start + chunk, n))
                t = targets[rows]  # [c]
                logp = torch.log_softmax((hc[rows] @ wc.T).float(), dim=-1)  # [c V]
                picked = torch.arange(logp.shape[0], device=h.device)
                total -= logp[picked, t].sum()
                if not want_grad:
                    continue
                dlogits = logp.exp_()  # softmax, in place
                dlogits[picked, t] -= 1.0  # d(CE)/d(logits) = softmax - onehot
                d = dlogits.to(dtype)
                grad_h[rows] = (d @ wc).float()  # [c H]
                grad_w += (d.T @ hc[rows]).float()  # [V H]
        scale = 1.0 / max(n, 1)
        ctx.save_for_backward(grad_h.mul_(scale), grad_w.mul_(scale))
        ctx.dtypes = (h.dtype, weight.dtype)
        return total * scale

    @staticmethod
    def backward(ctx: Any, grad: torch.Tensor) -> tuple[torch.Tensor | None, ...]:
        grad_h, grad_w = ctx.saved_tensors
        h_dtype, w_dtype = ctx.dtypes
        return (grad_h * grad).to(h_dtype), (grad_w * grad).to(w_dtype), None, None


def chunked_softmax_ce(
    h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, chunk: int = 1024
) -> torch.Tensor:
    """`full_softmax_ce` without the [P V] logits: same arguments, `chunk` rows at a time.

    Only for a loss that is used once (the gradients are computed in forward): a graph
    that calls backward twice, or double backward, is not supported."""
    if chunk <= 0:
        raise ValueError(f"chunk must be positive, got {chunk}")
    out: torch.Tensor = _ChunkedSoftmaxCE.apply(h, weight, targets, chunk)
    return out


def softmax_ce(
    h: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, chunk: int
) -> torch.Tensor:
    """chunk > 0: `chunked_softmax_ce`; chunk = 0: the reference `full_softmax_ce`."""
    if chunk > 0:
        return chunked_softmax_ce(h, weight, targets, chunk)
    return full_softmax_ce(h, weight, targets)


def gbce_beta(n_negatives: int, n_items: int, t: float) -> float:
    """gSASRec's β (Petrov & Macdonald, RecSys 2023, eq. 11): α = k / (|I| - 1) is the
    sampling rate, β = α (t (1 - 1/α) + 1/α). t = 0 gives β = 1 (plain BCE, overconfident
    under sampling), t = 1 gives β = α (the calibrated limit)."""
    if not 0 < n_negatives < n_items:
        raise ValueError(f"need 0 < negatives < items, got {n_negatives} of {n_items}")
    alpha = n_negatives / (n_items - 1)
    return alpha * (t * (1.0 - 1.0 / alpha) + 1.0 / alpha)


def gbce(pos: torch.Tensor, neg: torch.Tensor, beta: float, neg_mask: torch.Tensor) -> torch.Tensor:
    """Generalised BCE: -log σ(s+)^β - Σ_neg log(1 - σ(s-)), averaged over every logit.

    pos: [P] positive logits, neg: [P K] negative logits, neg_mask: [P K] (False where a
    sampled negative is the target itself). -log σ(s)^β is written β softplus(-s): gSASRec's
    code rewrites σ^β as the sigmoid of a changed logit and clamps σ at 1e-10, which would
    zero the gradient of a positive below logit -23; this form needs no clamp.

    Negatives must be drawn per position: shared by the batch it did not learn on ML-1m
    (`_TransformerRecommender._gbce`)."""
    pos_loss = beta * F.softplus(-pos.float())  # [P]
    neg_loss = F.softplus(neg.float()) * neg_mask  # [P K]
    n = pos.shape[0] + neg_mask.sum()
    return (pos_loss.sum() + neg_loss.sum()) / n
