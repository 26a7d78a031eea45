"""One contract for every NER + intent model: fit, predict a batch, save, load."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, Self

from recsys_tools.nlu.examples import Example, Span


@dataclass(frozen=True)
class Prediction:
    intent: str
    intent_score: float
    spans: tuple[Span, ...]


class TokenizerView(Protocol):
    """What the tokenizer-extension report needs from a model's tokenizer."""

    @property
    def size(self) -> int: ...

    def has_unk(self, text: str) -> bool: ...

    def unk_rate(self, texts: Sequence[str]) -> float: ...


class NerIntentModel(ABC):
    """A joint tagger (character-level BIO) and intent classifier."""

    name: str

    @abstractmethod
    def fit(self, train: Sequence[Example], dev: Sequence[Example]) -> dict[str, float]:
        """Train; returns a few training figures (loss, epochs, seconds)."""

    @abstractmethod
    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        """Batch inference."""

    @abstractmethod
    def save(self, directory: Path) -> None: ...

    def tokenizer_view(self) -> TokenizerView | None:
        """The model's tokenizer, for UNK rates (None: the model has no closed vocabulary)."""
        return None

    @classmethod
    @abstractmethod
    def load(cls, directory: Path) -> Self: ...
