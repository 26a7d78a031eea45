"""The one model contract every recommender of the package implements (RecBole-style).

- `forward(batch)`            -> [B H] user/sequence representation (or model-specific state)
- `calculate_loss(batch)`     -> scalar training loss from a training `Batch`
- `predict(batch)`            -> [B C] scores of `batch.candidates` (C = 1 is the pair case)
- `full_sort_predict(batch)`  -> [B n_items+1] scores of every item; column i is item i and
                                  column 0 (padding) is -inf, so indices are item ids.

Higher score = more relevant. Masking of already-seen items is the evaluator's job, not
the model's, so that every model is evaluated identically.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import ClassVar

import torch
from torch import nn

from recsys_tools.seqrec.data import Batch


class Recommender(nn.Module, ABC):
    """The one recommender contract, three methods each taking a `Batch` (users and their
    item sequences): `calculate_loss` (training), `predict` (scores [B C] of the batch's
    `candidates`, the sampled protocol) and `full_sort_predict` (scores [B n_items] of every
    item, full ranking). The one trainer and the one evaluator (`seqrec/trainer.py`,
    `seqrec/evaluator.py`) call nothing else."""

    n_items: int
    #: Scores from the item sequence alone, so a new user's history works; False: the model
    #: needs a known user (its row of the user table).
    reads_history: ClassVar[bool] = True

    @abstractmethod
    def calculate_loss(self, batch: Batch) -> torch.Tensor: ...

    @abstractmethod
    def predict(self, batch: Batch) -> torch.Tensor: ...

    @abstractmethod
    def full_sort_predict(self, batch: Batch) -> torch.Tensor: ...

    @property
    def train_width(self) -> int:
        """How many of each user's most recent training items a training batch carries."""
        return 200

    @property
    def trainable(self) -> bool:
        """False for count-based models (popularity): the trainer then skips the loop."""
        return any(p.requires_grad for p in self.parameters())


def pad_column_to_ninf(scores: torch.Tensor) -> torch.Tensor:
    """Set column 0 (the padding item) to -inf in place and return the tensor."""
    scores[:, 0] = float("-inf")
    return scores
