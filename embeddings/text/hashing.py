"""Character n-gram feature hashing: a lexical baseline with no model to load.

Each text becomes the signed, hashed counts of its character 1..3-grams (inside word
boundaries), damped with log1p and L2-normalised, so cosine similarity measures shared
spelling. For Korean this is a reasonable lexical signal: content words are written the
same way whatever particle is attached ("주차가", "주차는" share "주차"), and syllable
unigrams already carry meaning. It knows no synonyms ("주차" vs "차 대기"), which is what
the neural embedders are for. Deterministic (MurmurHash3 with a fixed seed) and fast, it
is also the embedder the unit tests use.
"""

from __future__ import annotations

import numpy as np

from embeddings.text.base import Embedder


class HashingEmbedder(Embedder):
    name = "hashing"

    def __init__(self, dimension: int = 512, ngram_range: tuple[int, int] = (1, 3)) -> None:
        if dimension < 8:
            raise ValueError("dimension must be >= 8")
        self._dimension = dimension
        self._ngram_range = ngram_range

    @property
    def dimension(self) -> int:
        return self._dimension

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        # Built per call: HashingVectorizer is stateless and cheap to construct, and this
        # keeps the embedder free of import-time or constructor-time work.
        from sklearn.feature_extraction.text import HashingVectorizer

        vectorizer = HashingVectorizer(
            analyzer="char_wb",
            ngram_range=self._ngram_range,
            n_features=self._dimension,
            alternate_sign=True,  # signed hashing: collisions cancel out in expectation
            norm=None,
            lowercase=True,
            dtype=np.float32,
        )
        counts = vectorizer.transform(texts).toarray()  # [N D], signed counts
        return np.sign(counts) * np.log1p(np.abs(counts))
