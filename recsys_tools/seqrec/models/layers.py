"""Building blocks shared by the transformer recommenders: item encoder with optional side
information (the "Meta" part of Meta-BERT4Rec), right-aligned positions, transformer block,
and the dropout they use."""

from __future__ import annotations

from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

Fusion = Literal["none", "sum", "concat", "gate"]


class ItemEncoder(nn.Module):
    """Item representation table, optionally fused with categorical side information.

    fusion="none": e_i = E[i] (plain ID embedding).
    fusion="sum":  e_i = E[i] + Σ_f E_f[c_f(i)]
    fusion="concat": e_i = W [E[i]; E_1[c_1(i)]; …; E_F[c_F(i)]]
    fusion="gate": e_i = E[i] + g ⊙ Σ_f E_f[c_f(i)], g = σ(W [E[i]; Σ_f E_f]) per dimension,
                   so the model can lean on metadata for rare items and on the ID for
                   frequent ones.
    The same table scores the output (weight tying), so side information also shapes the
    softmax over items, which is where it helps rare items most: an item with few clicks
    has a barely trained ID row, and its score then comes mostly from its metadata.
    `id_dropout` (training only, fusion != "none"): each real item's ID embedding is zeroed
    with this probability for the whole batch, on the input and the output side alike, so
    the model must also rank items from their metadata alone — the situation of a cold,
    late-launched item at test time. Rows are not rescaled: the aim is a usable metadata-only
    representation, not a regulariser of ID magnitudes.
    `n_extra` extra rows (e.g. BERT4Rec's [MASK]) get plain ID embeddings.
    """

    def __init__(
        self,
        n_items: int,
        hidden: int,
        item_features: torch.Tensor | None = None,  # [n_items+1 F] codes, 0 = unknown
        cardinalities: tuple[int, ...] = (),
        fusion: Fusion = "none",
        n_extra: int = 0,
        id_dropout: float = 0.0,
    ) -> None:
        super().__init__()
        if fusion != "none" and item_features is None:
            raise ValueError(f"fusion={fusion!r} needs item_features")
        if not 0.0 <= id_dropout < 1.0:
            raise ValueError(f"id_dropout must be in [0, 1), got {id_dropout}")
        self.fusion: Fusion = fusion
        self.n_items = n_items
        # Without metadata a dropped ID leaves nothing to represent the item.
        self.id_dropout = id_dropout if fusion != "none" else 0.0
        self.n_rows = n_items + 1 + n_extra
        self.item = nn.Embedding(self.n_rows, hidden, padding_idx=0)
        self.features = nn.ModuleList()
        if fusion != "none" and item_features is not None:
            extra = torch.zeros(n_extra, item_features.shape[1], dtype=torch.long)
            self.register_buffer("codes", torch.cat([item_features.long(), extra]), persistent=True)
            self.features = nn.ModuleList(
                nn.Embedding(card, hidden, padding_idx=0) for card in cardinalities
            )
        n_feat = len(self.features)
        self.proj = nn.Linear(hidden * (1 + n_feat), hidden) if fusion == "concat" else None
        self.gate = nn.Linear(2 * hidden, hidden) if fusion == "gate" else None
        self.reset_parameters()

    def reset_parameters(self) -> None:
        nn.init.normal_(self.item.weight, std=0.02)
        for emb in self.features:
            assert isinstance(emb, nn.Embedding)
            nn.init.normal_(emb.weight, std=0.02)

    def table(self) -> torch.Tensor:
        """All item representations: [n_rows H]."""
        ids = self.item.weight  # [N H]
        if self.fusion == "none":
            return ids
        if self.training and self.id_dropout > 0:
            drop = torch.rand(ids.shape[0], 1, device=ids.device) < self.id_dropout  # [N 1]
            drop[0] = False  # padding
            drop[self.n_items + 1 :] = False  # extra tokens ([MASK]) have no metadata
            ids = ids.masked_fill(drop, 0.0)
        codes: torch.Tensor = self.codes  # type: ignore[assignment]
        feats = [emb(codes[:, f]) for f, emb in enumerate(self.features)]  # F x [N H]
        if self.fusion == "sum":
            return ids + torch.stack(feats).sum(0)
        if self.fusion == "concat":
            assert self.proj is not None
            return self.proj(torch.cat([ids, *feats], dim=-1))
        assert self.gate is not None
        side = torch.stack(feats).sum(0)
        g = torch.sigmoid(self.gate(torch.cat([ids, side], dim=-1)))
        return ids + g * side


class Dropout(nn.Module):
    """Inverted dropout; with `fast` (the default) its CPU masks come from raw random bits.

    torch's CPU dropout draws one Bernoulli variate per element (bernoulli_), which was a
    fifth of an ML-1m SASRec step once the softmax was chunked (issue 16). Here one int64
    draw gives four 16-bit words; the low 15 bits of each (the top word's sign bit is never
    set by random_) are compared with p * 2^15: the drop rate is p to within 2^-16, the
    kept values are scaled by 1 / (1 - p) as usual. Other devices keep F.dropout, which is
    fused there."""

    def __init__(self, p: float, fast: bool = True) -> None:
        super().__init__()
        if not 0.0 <= p < 1.0:
            raise ValueError(f"dropout must be in [0, 1), got {p}")
        self.p, self.fast = p, fast

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return dropout(x, self.p, self.training, self.fast)


def dropout(x: torch.Tensor, p: float, training: bool, fast: bool = True) -> torch.Tensor:
    if not training or p == 0.0:
        return x
    if not fast or x.device.type != "cpu":
        return F.dropout(x, p, training=True)
    n = x.numel()
    words = torch.empty((n + 3) // 4, dtype=torch.int64, device=x.device).random_()
    bits = words.view(torch.int16)[:n].view(x.shape) & 0x7FFF  # 15 uniform bits each
    keep = bits >= round(p * 32768)
    return x * (keep * (1.0 / (1.0 - p))).to(x.dtype)


def right_aligned_positions(length: int, device: torch.device) -> torch.Tensor:
    """Position ids counted from the most recent item (0 = last column).

    Sequences are left-padded, so counting from the right gives the most recent item the
    same position whatever the input length — training (L-1 inputs for next-item models)
    and inference (L inputs) then agree."""
    return torch.arange(length - 1, -1, -1, device=device)


class TransformerBlock(nn.Module):
    """Pre-LayerNorm transformer block (multi-head self-attention + GELU feed-forward)."""

    def __init__(
        self,
        hidden: int,
        n_heads: int,
        dropout: float,
        ff_mult: int = 4,
        fast_dropout: bool = True,
    ) -> None:
        super().__init__()
        self.n_heads = n_heads
        self.ln1 = nn.LayerNorm(hidden)
        self.qkv = nn.Linear(hidden, 3 * hidden)
        self.out = nn.Linear(hidden, hidden)
        self.ln2 = nn.LayerNorm(hidden)
        self.ff = nn.Sequential(
            nn.Linear(hidden, ff_mult * hidden),
            nn.GELU(),
            Dropout(dropout, fast_dropout),
            nn.Linear(ff_mult * hidden, hidden),
        )
        self.drop = Dropout(dropout, fast_dropout)
        self.attn_dropout = dropout
        self.fast_dropout = fast_dropout

    def forward(self, x: torch.Tensor, allowed: torch.Tensor) -> torch.Tensor:
        """x: [B L H]; allowed: [B 1 L L] bool, True where query i may attend to key j."""
        b, length, h = x.shape
        q, k, v = (
            self.qkv(self.ln1(x)).view(b, length, 3, self.n_heads, h // self.n_heads).unbind(2)
        )
        q, k, v = q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2)  # [B heads L d]
        if self.training and self.attn_dropout > 0 and self.fast_dropout and x.is_cpu:
            # SDPA's CPU training path is this same math, but with bernoulli_ masks.
            scores = (q @ k.transpose(-2, -1)) * (h // self.n_heads) ** -0.5  # [B heads L L]
            weights = torch.softmax(scores.masked_fill(~allowed, float("-inf")), dim=-1)
            att = dropout(weights, self.attn_dropout, True).to(v.dtype) @ v  # [B heads L d]
        else:
            att = F.scaled_dot_product_attention(
                q,
                k,
                v,
                attn_mask=allowed,
                dropout_p=self.attn_dropout if self.training else 0.0,
            )  # [B heads L d]
        x = x + self.drop(self.out(att.transpose(1, 2).reshape(b, length, h)))
        return x + self.drop(self.ff(self.ln2(x)))


def attention_mask(item_seq: torch.Tensor, causal: bool) -> torch.Tensor:
    """[B L] item ids -> [B 1 L L] allowed-attention mask.

    Keys that are padding are hidden. Every query may attend to itself, so fully padded
    rows (left padding under a causal mask) never produce an all-masked softmax (NaN)."""
    length = item_seq.shape[1]
    valid = item_seq > 0  # [B L]
    allowed = valid[:, None, None, :].expand(-1, 1, length, -1)  # [B 1 L L]
    eye = torch.eye(length, dtype=torch.bool, device=item_seq.device)
    if causal:
        tril = torch.tril(torch.ones(length, length, dtype=torch.bool, device=item_seq.device))
        allowed = allowed & tril
    return allowed | eye
