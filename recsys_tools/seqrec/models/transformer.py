"""Transformer sequential recommenders: SASRec (causal, next item) and BERT4Rec (bidirectional,
Cloze). Meta-BERT4Rec is BERT4Rec with side information fused into the item table
(`fusion != "none"`, see layers.ItemEncoder); the switch exists for the ablation.

SASRec: Kang & McAuley, "Self-Attentive Sequential Recommendation", ICDM 2018.
    Original loss: binary cross-entropy with one sampled negative per position (loss="bce").
    SASRec+ (Klenitskiy & Vasilev, RecSys 2023): softmax cross-entropy over all items
    (loss="ce"), L = -log softmax(h_t · E^T)[i_{t+1}], much stronger at equal cost here.
BERT4Rec: Sun et al., "BERT4Rec: Sequential Recommendation with Bidirectional Encoder
    Representations from Transformer", CIKM 2019. A share `mask_prob` of items is replaced by
    [MASK] and predicted with softmax cross-entropy over all items; at inference [MASK] is
    appended after the history and its output scores the next item.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import nn

from recsys_tools.seqrec.data import Batch
from recsys_tools.seqrec.models.base import Recommender, pad_column_to_ninf
from recsys_tools.seqrec.models.layers import (
    Dropout,
    Fusion,
    ItemEncoder,
    TransformerBlock,
    attention_mask,
    right_aligned_positions,
)
from recsys_tools.seqrec.models.losses import gbce, gbce_beta, softmax_ce


@dataclass
class TransformerConfig:
    n_items: int  # items are 1..n_items; 0 is padding
    max_len: int = 50  # most recent items the model attends to
    hidden: int = 64  # embedding and model width
    n_layers: int = 2
    n_heads: int = 2
    ff_mult: int = 4  # feed-forward width = ff_mult * hidden (SASRec's paper uses 1)
    dropout: float = 0.2  # embeddings, attention and feed-forward
    fusion: Fusion = "none"  # side-information fusion (Meta-*); "none" = plain IDs
    id_dropout: float = 0.0  # Meta-* only: P(an item's ID row is zeroed in a training batch)
    # softmax CE (SASRec+, BERT4Rec); "bce": SASRec's paper, one negative per position;
    # "gbce": gSASRec's generalised BCE over `ce_negatives` negatives per position, `gbce_t`.
    loss: Literal["ce", "bce", "gbce"] = "ce"
    gbce_t: float = 0.75  # gSASRec's calibration (0: plain BCE, 1: fully calibrated)
    ce_negatives: int = 0  # CE over all items when 0, else over the target + this many
    #                        sampled negatives shared by the batch (cheaper on CPU)
    # How those negatives are drawn: "uniform", or "popularity" (training count ** alpha,
    # word2vec-style, without a log-Q correction). The latter teaches the model to tell the
    # target from popular items, which is what a popularity-sampled evaluation (the BERT4Rec
    # paper's protocol) measures; it costs full-ranking accuracy because the model keeps
    # less of the popularity prior. Report both protocols when using it.
    ce_sampling: Literal["uniform", "popularity"] = "uniform"
    ce_pop_alpha: float = 1.0
    mask_prob: float = 0.2  # BERT4Rec only: Cloze masking rate
    # Full-catalogue CE computed this many positions at a time, gradients fused into the
    # forward pass (models/losses.py): same loss, without the [P n_items] logits that made
    # the softmax two thirds of an ML-1m step. 0 = the reference, all logits at once.
    ce_chunk: int = 256
    # Dropout masks from raw random bits on CPU (layers.Dropout): same rate, a fraction of
    # the cost of bernoulli_. False = torch's dropout and SDPA's attention dropout.
    fast_dropout: bool = True


class _TransformerRecommender(Recommender):
    """Item encoder + right-aligned positions + transformer blocks; subclasses choose the
    attention direction, the objective and how inference input is built."""

    causal: bool = False
    n_extra_tokens: int = 0
    neg_weights: torch.Tensor  # buffer: sampling weight of items 1..n_items

    def __init__(
        self,
        config: TransformerConfig,
        item_features: torch.Tensor | None = None,
        cardinalities: tuple[int, ...] = (),
        popularity: torch.Tensor | None = None,
    ) -> None:
        super().__init__()
        self.config = config
        self.n_items = config.n_items
        self.items = ItemEncoder(
            config.n_items,
            config.hidden,
            item_features,
            cardinalities,
            config.fusion,
            n_extra=self.n_extra_tokens,
            id_dropout=config.id_dropout,
        )
        self.positions = nn.Embedding(config.max_len, config.hidden)
        self.emb_norm = nn.LayerNorm(config.hidden)
        self.emb_drop = Dropout(config.dropout, config.fast_dropout)
        self.blocks = nn.ModuleList(
            TransformerBlock(
                config.hidden, config.n_heads, config.dropout, config.ff_mult, config.fast_dropout
            )
            for _ in range(config.n_layers)
        )
        self.final_norm = nn.LayerNorm(config.hidden)
        nn.init.normal_(self.positions.weight, std=0.02)
        # Sampling weights of items 1..n_items (not saved: rebuilt from the data on load).
        weights = torch.ones(config.n_items)
        if config.ce_sampling == "popularity":
            if popularity is None:
                raise ValueError("ce_sampling='popularity' needs the items' training counts")
            weights = popularity[1 : config.n_items + 1].float().clamp(min=1.0)
            weights = weights**config.ce_pop_alpha
        self.register_buffer("neg_weights", weights, persistent=False)
        if config.loss == "gbce":
            if config.ce_sampling != "uniform":
                # β corrects for uniform sampling only: with popularity sampling it is not gBCE
                raise ValueError("loss='gbce' needs ce_sampling='uniform'")
            self.gbce_beta = gbce_beta(config.ce_negatives, config.n_items, config.gbce_t)

    @property
    def train_width(self) -> int:
        return self.config.max_len + 1  # next-item models need L inputs plus the L-th target

    def forward(self, item_seq: torch.Tensor, table: torch.Tensor | None = None) -> torch.Tensor:
        """item_seq: [B L] (L <= max_len) -> hidden states [B L H]."""
        table = self.items.table() if table is None else table  # [N H]
        pos = right_aligned_positions(item_seq.shape[1], item_seq.device)  # [L]
        x = table[item_seq] + self.positions(pos)  # [B L H]
        x = self.emb_drop(self.emb_norm(x)) * (item_seq > 0).unsqueeze(-1)
        allowed = attention_mask(item_seq, causal=self.causal)  # [B 1 L L]
        for block in self.blocks:
            x = block(x, allowed)
        return self.final_norm(x)

    def _inference_input(self, history: torch.Tensor) -> torch.Tensor:
        raise NotImplementedError

    def full_sort_predict(self, batch: Batch) -> torch.Tensor:
        table = self.items.table()
        h = self.forward(self._inference_input(batch.item_seq), table)[:, -1]  # [B H]
        scores = h @ table[: self.n_items + 1].T  # [B N+1]
        return pad_column_to_ninf(scores.float())

    def predict(self, batch: Batch) -> torch.Tensor:
        assert batch.candidates is not None
        table = self.items.table()
        h = self.forward(self._inference_input(batch.item_seq), table)[:, -1]  # [B H]
        return (table[batch.candidates] @ h.unsqueeze(-1)).squeeze(-1).float()  # [B C]

    def _item_loss(
        self, h: torch.Tensor, targets: torch.Tensor, table: torch.Tensor
    ) -> torch.Tensor:
        """The loss over the catalogue: softmax cross-entropy, or gBCE (`loss="gbce"`).
        h: [P H] (only positions with a target, so the logits stay as small as the data
        allows), targets: [P] item ids.

        ce_negatives=0: over all real items. Otherwise over [target, K shared negatives] drawn
        per `ce_sampling`; negatives that happen to equal the target are masked out so they
        do not push the target down."""
        if h.shape[0] == 0:  # a batch of one-item prefixes has nothing to predict
            return table.sum() * 0.0
        k = self.config.ce_negatives
        if self.config.loss == "gbce":
            return self._gbce(h, targets, table, k)
        if k <= 0 or k >= self.n_items:
            return softmax_ce(h, table[1 : self.n_items + 1], targets - 1, self.config.ce_chunk)
        if self.config.ce_sampling == "uniform":
            negatives = torch.randint(1, self.n_items + 1, (k,), device=h.device)  # [K]
        else:
            negatives = torch.multinomial(self.neg_weights, k, replacement=True) + 1  # [K]
        pos = (h * table[targets]).sum(-1, keepdim=True)  # [P 1]
        neg = h @ table[negatives].T  # [P K]
        neg = neg.masked_fill(negatives.unsqueeze(0) == targets.unsqueeze(1), float("-inf"))
        logits = torch.cat([pos, neg], dim=1).float()  # [P 1+K]
        return F.cross_entropy(logits, torch.zeros_like(targets))

    def _gbce(
        self, h: torch.Tensor, targets: torch.Tensor, table: torch.Tensor, k: int
    ) -> torch.Tensor:
        """gBCE with K negatives drawn for each position. Shared by the batch, as the sampled
        softmax draws them, a BCE-type loss did not learn on ML-1m (validation NDCG@10 0.004
        after 4 epochs against 0.025 per position, session 24): every position pushes the
        same K items down at once. Costs [P K H] memory: keep K small (16-64)."""
        negatives = torch.randint(1, self.n_items + 1, (h.shape[0], k), device=h.device)  # [P K]
        pos = (h * table[targets]).sum(-1)  # [P]
        neg = torch.einsum("ph,pkh->pk", h, table[negatives])  # [P K]
        return gbce(pos, neg, self.gbce_beta, negatives != targets.unsqueeze(1))


class SASRec(_TransformerRecommender):
    """Causal self-attention; every position predicts the next item."""

    causal = True

    def _inference_input(self, history: torch.Tensor) -> torch.Tensor:
        return history[:, -self.config.max_len :]

    def calculate_loss(self, batch: Batch) -> torch.Tensor:
        seq = batch.item_seq[:, -(self.config.max_len + 1) :]  # [B L+1]
        inputs, targets = seq[:, :-1], seq[:, 1:]  # [B L], [B L]
        table = self.items.table()
        h = self.forward(inputs, table)  # [B L H]
        valid = inputs > 0  # left padding: a real input always has a real next item
        h, targets = h[valid], targets[valid]  # [P H], [P]
        if self.config.loss != "bce" or h.shape[0] == 0:
            return self._item_loss(h, targets, table)
        negatives = torch.randint(1, self.n_items + 1, targets.shape, device=targets.device)
        pos = (h * table[targets]).sum(-1)  # [P]
        neg = (h * table[negatives]).sum(-1)  # [P]
        return F.binary_cross_entropy_with_logits(
            torch.cat([pos, neg]).float(),
            torch.cat([torch.ones_like(pos), torch.zeros_like(neg)]).float(),
        )


class BERT4Rec(_TransformerRecommender):
    """Bidirectional self-attention trained with the Cloze task. With `fusion` set in the
    config and item features given this is Meta-BERT4Rec."""

    causal = False
    n_extra_tokens = 1  # [MASK]

    @property
    def mask_id(self) -> int:
        return self.n_items + 1

    def _inference_input(self, history: torch.Tensor) -> torch.Tensor:
        hist = history[:, -(self.config.max_len - 1) :]  # [B L-1]
        mask_col = torch.full_like(hist[:, :1], self.mask_id)  # [B 1]
        return torch.cat([hist, mask_col], dim=1)  # [B L]

    def calculate_loss(self, batch: Batch) -> torch.Tensor:
        seq = batch.item_seq[:, -self.config.max_len :]  # [B L]
        valid = seq > 0
        masked = (torch.rand(seq.shape, device=seq.device) < self.config.mask_prob) & valid
        # Each sequence predicts at least its last item, which is also the inference task.
        none = ~masked.any(dim=1)
        masked[none, -1] = valid[none, -1]
        inputs = seq.masked_fill(masked, self.mask_id)
        table = self.items.table()
        h = self.forward(inputs, table)  # [B L H]
        return self._item_loss(h[masked], seq[masked], table)
