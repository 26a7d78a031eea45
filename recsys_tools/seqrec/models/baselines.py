"""Non-sequential baselines behind the same contract: popularity, NCF (NeuMF) and DeepFM.

Training batches carry users' training prefixes; these models turn them into
(user, item, label) pairs with uniformly sampled negatives inside `calculate_loss`, so the
shared trainer needs no model-specific data path.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn

from recsys_tools.seqrec.data import Batch
from recsys_tools.seqrec.models.base import Recommender, pad_column_to_ninf


class Popularity(Recommender):
    """Scores every item by its training interaction count, whoever the user is. Also the
    cold-start fallback of the agent tools."""

    reads_history = False

    def __init__(self, counts: torch.Tensor) -> None:  # counts: [n_items+1]
        super().__init__()
        self.n_items = counts.shape[0] - 1
        self.register_buffer("log_counts", torch.log1p(counts.float()))

    def calculate_loss(self, batch: Batch) -> torch.Tensor:
        raise NotImplementedError("popularity has nothing to train; the trainer skips it")

    def full_sort_predict(self, batch: Batch) -> torch.Tensor:
        counts: torch.Tensor = self.log_counts  # type: ignore[assignment]
        scores = counts.unsqueeze(0).expand(batch.item_seq.shape[0], -1).clone()  # [B N+1]
        return pad_column_to_ninf(scores)

    def predict(self, batch: Batch) -> torch.Tensor:
        assert batch.candidates is not None
        counts: torch.Tensor = self.log_counts  # type: ignore[assignment]
        return counts[batch.candidates]  # [B C]


def _positive_pairs(batch: Batch) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """(user, item, previous item) for every consecutive pair in the training prefixes."""
    seq = batch.item_seq  # [B L]
    prev, cur = seq[:, :-1], seq[:, 1:]
    valid = cur > 0  # the first item of a user has previous item 0 (= "none")
    users = batch.users.unsqueeze(1).expand_as(cur)
    return users[valid], cur[valid], prev[valid]  # [P] each


@dataclass
class NCFConfig:
    n_users: int
    n_items: int
    gmf_dim: int = 32  # generalised matrix factorisation branch
    mlp_dims: tuple[int, ...] = (64, 32, 16)  # first entry = concat(user, item) width
    dropout: float = 0.1
    n_negatives: int = 4  # uniform negatives per positive (He et al. use 4)


class NCF(Recommender):
    """NeuMF (He et al., "Neural Collaborative Filtering", WWW 2017):
    ŷ_ui = h^T [p_u ⊙ q_i ; MLP([p'_u ; q'_i])], trained with log loss on sampled negatives.
    Knows users, not sequences: an unseen user has no representation (tools fall back)."""

    reads_history = False

    def __init__(self, config: NCFConfig) -> None:
        super().__init__()
        self.config = config
        self.n_items = config.n_items
        half = config.mlp_dims[0] // 2
        self.user_gmf = nn.Embedding(config.n_users, config.gmf_dim)
        self.item_gmf = nn.Embedding(config.n_items + 1, config.gmf_dim, padding_idx=0)
        self.user_mlp = nn.Embedding(config.n_users, half)
        self.item_mlp = nn.Embedding(config.n_items + 1, half, padding_idx=0)
        layers: list[nn.Module] = []
        for d_in, d_out in zip(config.mlp_dims[:-1], config.mlp_dims[1:], strict=True):
            layers += [nn.Linear(d_in, d_out), nn.ReLU(), nn.Dropout(config.dropout)]
        self.mlp = nn.Sequential(*layers)
        self.head = nn.Linear(config.gmf_dim + config.mlp_dims[-1], 1)
        for emb in (self.user_gmf, self.item_gmf, self.user_mlp, self.item_mlp):
            nn.init.normal_(emb.weight, std=0.01)

    def forward(self, users: torch.Tensor, items: torch.Tensor) -> torch.Tensor:
        """users: [B] or [B 1], items: [B] or [B C] (broadcast) -> logits of the same shape."""
        if items.dim() == 2 and users.dim() == 1:
            users = users.unsqueeze(1).expand_as(items)
        gmf = self.user_gmf(users) * self.item_gmf(items)  # [... G]
        mlp = self.mlp(torch.cat([self.user_mlp(users), self.item_mlp(items)], dim=-1))
        return self.head(torch.cat([gmf, mlp], dim=-1)).squeeze(-1)

    def calculate_loss(self, batch: Batch) -> torch.Tensor:
        users, pos, _ = _positive_pairs(batch)
        # The first training item has no previous item but is still a positive for NCF.
        first = batch.item_seq[:, 0] > 0
        users = torch.cat([users, batch.users[first]])
        pos = torch.cat([pos, batch.item_seq[first, 0]])
        neg = torch.randint(
            1, self.n_items + 1, (pos.shape[0], self.config.n_negatives), device=pos.device
        )  # [P K]
        pos_logit = self.forward(users, pos)  # [P]
        neg_logit = self.forward(users, neg)  # [P K]
        return F.binary_cross_entropy_with_logits(
            torch.cat([pos_logit, neg_logit.flatten()]),
            torch.cat([torch.ones_like(pos_logit), torch.zeros_like(neg_logit.flatten())]),
        )

    def predict(self, batch: Batch) -> torch.Tensor:
        assert batch.candidates is not None
        return self.forward(batch.users, batch.candidates)  # [B C]

    def full_sort_predict(self, batch: Batch) -> torch.Tensor:
        items = torch.arange(self.n_items + 1, device=batch.users.device)
        items = items.unsqueeze(0).expand(batch.users.shape[0], -1)  # [B N+1]
        return pad_column_to_ninf(self.forward(batch.users, items))


@dataclass
class DeepFMConfig:
    n_users: int
    n_items: int
    embed_dim: int = 16
    mlp_dims: tuple[int, ...] = (128, 64)
    dropout: float = 0.1
    n_negatives: int = 4


class DeepFM(Recommender):
    """DeepFM (Guo et al., IJCAI 2017): ŷ = w0 + Σ w_f + Σ_{f<g} <v_f, v_g> + DNN([v_1; …; v_F]).

    Fields: user, candidate item, the previously viewed item (so the model has the
    immediate context every sequential model gets) and each side feature of the candidate
    (city, country, category, … when the data set has them)."""

    reads_history = False

    def __init__(
        self,
        config: DeepFMConfig,
        item_features: torch.Tensor | None = None,  # [n_items+1 F]
        cardinalities: tuple[int, ...] = (),
    ) -> None:
        super().__init__()
        self.config = config
        self.n_items = config.n_items
        sizes = [config.n_users, config.n_items + 1, config.n_items + 1, *cardinalities]
        offsets = torch.tensor([0, *sizes[:-1]]).cumsum(0)
        self.register_buffer("offsets", offsets)  # one shared table, fields at offsets
        feats = item_features if item_features is not None else torch.zeros(config.n_items + 1, 0)
        self.register_buffer("item_codes", feats.long())
        total = int(sum(sizes))
        self.linear = nn.Embedding(total, 1)
        self.embed = nn.Embedding(total, config.embed_dim)
        self.bias = nn.Parameter(torch.zeros(1))
        n_fields = len(sizes)
        layers: list[nn.Module] = []
        d_in = n_fields * config.embed_dim
        for d_out in config.mlp_dims:
            layers += [nn.Linear(d_in, d_out), nn.ReLU(), nn.Dropout(config.dropout)]
            d_in = d_out
        layers.append(nn.Linear(d_in, 1))
        self.dnn = nn.Sequential(*layers)
        nn.init.normal_(self.embed.weight, std=0.01)
        nn.init.zeros_(self.linear.weight)

    def _fields(self, users: torch.Tensor, items: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        """[...] ids -> [... F] indices into the shared table."""
        codes: torch.Tensor = self.item_codes  # type: ignore[assignment]
        cols = [users, items, prev, *codes[items].unbind(-1)]
        offsets: torch.Tensor = self.offsets  # type: ignore[assignment]
        return torch.stack(cols, dim=-1) + offsets

    def forward(self, users: torch.Tensor, items: torch.Tensor, prev: torch.Tensor) -> torch.Tensor:
        """Broadcastable id tensors -> logits (same shape as `items`)."""
        users, prev = users.expand_as(items), prev.expand_as(items)
        idx = self._fields(users, items, prev)  # [... F]
        v = self.embed(idx)  # [... F D]
        fm = 0.5 * (v.sum(-2).pow(2) - v.pow(2).sum(-2)).sum(-1)  # [...]
        deep = self.dnn(v.flatten(-2)).squeeze(-1)  # [...]
        return self.bias + self.linear(idx).sum((-2, -1)) + fm + deep

    def calculate_loss(self, batch: Batch) -> torch.Tensor:
        users, pos, prev = _positive_pairs(batch)  # [P]
        if pos.numel() == 0:  # one-item prefixes: no (previous, next) pair to learn from
            return self.bias.sum() * 0.0
        k = self.config.n_negatives
        neg = torch.randint(1, self.n_items + 1, (pos.shape[0], k), device=pos.device)
        pos_logit = self.forward(users, pos, prev)  # [P]
        neg_logit = self.forward(users.unsqueeze(1), neg, prev.unsqueeze(1))  # [P K]
        return F.binary_cross_entropy_with_logits(
            torch.cat([pos_logit, neg_logit.flatten()]),
            torch.cat([torch.ones_like(pos_logit), torch.zeros_like(neg_logit.flatten())]),
        )

    def predict(self, batch: Batch) -> torch.Tensor:
        assert batch.candidates is not None
        users, prev = batch.users.unsqueeze(1), batch.item_seq[:, -1:]  # [B 1]
        return self.forward(users, batch.candidates, prev)  # [B C]

    def full_sort_predict(self, batch: Batch) -> torch.Tensor:
        items = torch.arange(self.n_items + 1, device=batch.users.device)
        items = items.unsqueeze(0).expand(batch.users.shape[0], -1)  # [B N+1]
        return pad_column_to_ninf(self.predict(Batch(batch.users, batch.item_seq, None, items)))


__all__ = ["NCF", "DeepFM", "DeepFMConfig", "NCFConfig", "Popularity"]
