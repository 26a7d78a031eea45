"""The one contract every text embedder implements.

Providers implement `_encode` (a list of texts in, an [N, D] array out) and say how to
load their model; batching, the float32 / L2-normalisation guarantees and the query vs
document distinction live here once. Constructors never load a model: the first
`embed_*` call (or an explicit `load()`) does.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence

import numpy as np


class Embedder(ABC):
    """Turns Korean (or any) text into L2-normalised float32 vectors.

    `embed_query` is for search queries (and HyDE texts), `embed_documents` for the texts
    that are indexed (reviews). Models trained with asymmetric prefixes (e5's "query: " /
    "passage: ") apply them inside; callers never add prefixes.
    """

    #: registry key, the value of `settings.embedding.text_model`
    name: str

    @property
    @abstractmethod
    def dimension(self) -> int:
        """Vector length; known without loading the model (the vector index needs it)."""

    @property
    def loaded(self) -> bool:
        return True

    @property
    def version(self) -> str:
        """What distinguishes vectors of one trained model from another's with the same
        name and dimension ('' for fixed, shipped models)."""
        return ""

    def load(self) -> None:  # noqa: B027 - deliberately a no-op for model-less embedders
        """Load the model now instead of on first use (idempotent). Default: nothing to load."""

    @abstractmethod
    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        """[len(texts), dimension] vectors for one batch; normalisation is optional here."""

    def embed_query(self, text: str) -> list[float]:
        return [float(x) for x in self.embed_queries([text])[0]]

    def embed_queries(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """Many queries at once: [N, D] float32, rows L2-normalised."""
        return self._embed_batches(texts, batch_size, is_query=True)

    def embed_documents(self, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
        """[N, D] float32, rows L2-normalised (an empty input gives shape [0, D])."""
        return self._embed_batches(texts, batch_size, is_query=False)

    def _embed_batches(
        self, texts: Sequence[str], batch_size: int, *, is_query: bool
    ) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("pass a sequence of texts, not a single string")
        if batch_size < 1:
            raise ValueError("batch_size must be >= 1")
        items = list(texts)
        out = np.empty((len(items), self.dimension), np.float32)
        if not items:
            return out
        self.load()
        for start in range(0, len(items), batch_size):
            batch = items[start : start + batch_size]
            vectors = np.asarray(self._encode(batch, is_query=is_query), np.float32)
            if vectors.shape != (len(batch), self.dimension):
                raise RuntimeError(
                    f"{self.name}: expected {(len(batch), self.dimension)}, got {vectors.shape}"
                )
            out[start : start + len(batch)] = vectors
        return l2_normalise(out)


def l2_normalise(x: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length; all-zero rows (e.g. an empty text) stay zero."""
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return (x / np.maximum(norms, 1e-12)).astype(np.float32, copy=False)
