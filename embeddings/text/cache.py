"""A query-embedding cache in front of any `Embedder`.

Serving embeds one short text per question (HyDE text, few-shot lookup), and those texts
repeat: offline HyDE texts are assembled from slot templates, and a backfill re-embeds the
text its own HyDE step embedded a moment before. With a neural embedder one query costs
tens to hundreds of milliseconds on a small CPU, so an LRU keyed by the exact text is the
cheapest latency win there is. Documents (`embed_documents`) are not cached: they are
embedded once, in bulk, at indexing time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np

from embeddings.text.base import Embedder


@dataclass(frozen=True)
class CacheStats:
    hits: int
    misses: int
    size: int
    max_size: int


class CachedQueryEmbedder(Embedder):
    """Wraps `inner`; `embed_query` answers repeated texts from an LRU of `max_size`
    entries (thread-safe; two threads missing on the same text may both compute it)."""

    def __init__(self, inner: Embedder, max_size: int = 4096) -> None:
        if max_size < 1:
            raise ValueError("max_size must be >= 1")
        self.inner = inner
        self.name = inner.name
        self.max_size = max_size
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0

    @property
    def dimension(self) -> int:
        return self.inner.dimension

    @property
    def loaded(self) -> bool:
        return self.inner.loaded

    def load(self) -> None:
        self.inner.load()

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        return self.inner._encode(texts, is_query=is_query)

    def embed_query(self, text: str) -> list[float]:
        with self._lock:
            vector = self._cache.get(text)
            if vector is not None:
                self._cache.move_to_end(text)
                self._hits += 1
        if vector is None:
            vector = self.inner.embed_queries([text])[0]
            vector.setflags(write=False)
            with self._lock:
                self._misses += 1
                self._cache[text] = vector
                self._cache.move_to_end(text)
                while len(self._cache) > self.max_size:
                    self._cache.popitem(last=False)
        # A fresh list per call: callers may change it without touching the cache.
        return [float(x) for x in vector]

    def stats(self) -> CacheStats:
        with self._lock:
            return CacheStats(self._hits, self._misses, len(self._cache), self.max_size)

    def clear(self) -> None:
        with self._lock:
            self._cache.clear()
            self._hits = self._misses = 0
