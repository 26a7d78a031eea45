"""The one evaluator: leave-one-out, two protocols, seen items masked, shared metrics.

protocol="sampled": the held-out item ranked against `n_negatives` items drawn by
    popularity among items the user never interacted with (BERT4Rec paper); uses `predict`.
protocol="full": the held-out item ranked against every item, items of the user's history
    masked to -inf first (a seen held-out item therefore counts as a miss); uses
    `full_sort_predict`.
Validation during training and the final test use this same function.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Literal

import numpy as np
import torch

from recsys_tools.seqrec.data import SeqDataset, Split
from recsys_tools.seqrec.metrics import rank_of_target, ranking_metrics
from recsys_tools.seqrec.models.base import Recommender

Protocol = Literal["sampled", "full"]


@dataclass
class EvalResult:
    split: str
    protocol: str
    n_users: int
    metrics: dict[str, float]

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def mask_seen(scores: torch.Tensor, history: torch.Tensor) -> torch.Tensor:
    """Set the scores of items in each user's history to -inf, in place.

    scores: [B N+1]; history: [B L] item ids (0 = padding, whose column is -inf anyway)."""
    return scores.scatter_(1, history, float("-inf"))


@torch.no_grad()
def evaluate(
    model: Recommender,
    data: SeqDataset,
    split: Split = "test",
    protocol: Protocol = "sampled",
    n_negatives: int = 100,
    batch_size: int = 256,
    users: np.ndarray | None = None,
    device: torch.device | str = "cpu",
    negative_seed: int = 0,
) -> EvalResult:
    """Rank each evaluation user's held-out item and average the standard metrics."""
    was_training = model.training
    model.eval()
    ranks: list[torch.Tensor] = []
    batches = data.eval_batches(
        split,
        batch_size,
        width=None,
        n_negatives=n_negatives if protocol == "sampled" else None,
        users=users,
        seed=negative_seed,
    )
    for batch in batches:
        batch = batch.to(device)
        assert batch.targets is not None
        if protocol == "sampled":
            scores = model.predict(batch).float()  # [B C], column 0 = target
            ranks.append(rank_of_target(scores, scores[:, 0]).cpu())
        else:
            scores = mask_seen(model.full_sort_predict(batch).float(), batch.item_seq)  # [B N+1]
            target_scores = scores.gather(1, batch.targets.unsqueeze(1)).squeeze(1)  # [B]
            ranks.append(rank_of_target(scores, target_scores).cpu())
    model.train(was_training)
    all_ranks = torch.cat(ranks) if ranks else torch.zeros(0, dtype=torch.long)
    return EvalResult(split, protocol, int(all_ranks.numel()), ranking_metrics(all_ranks))
