"""Embed review texts into the review vector index: batched, resumable, with progress.

Resumable by construction: only reviews without an embedding are fetched, so a run after
an interruption continues where the last committed batch ended.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from tqdm import tqdm

from embeddings.text.base import Embedder
from graph_schema.store import GraphStore


@dataclass
class EmbedReport:
    model: str
    dimension: int
    embedded: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds else 0.0


def embed_reviews(
    store: GraphStore,
    embedder: Embedder,
    *,
    batch_size: int = 64,
    limit: int | None = None,
    progress: bool = True,
) -> EmbedReport:
    store.ensure_schema(text_dim=embedder.dimension)
    # One read for the whole to-do list: a `WHERE embedding IS NULL` query per batch
    # would rescan every review each time.
    todo = store.read(
        "MATCH (r:Review) WHERE r.embedding IS NULL RETURN r.review_id AS id, r.text AS text "
        "ORDER BY id",
        timeout_ms=600_000,
        max_rows=limit or 100_000_000,
    ).rows
    started = time.perf_counter()
    done = 0
    bar = tqdm(total=len(todo), desc="embed reviews", unit="review", disable=not progress)
    write_every = max(batch_size, 512)  # fewer, larger writes; embedding dominates anyway
    for start in range(0, len(todo), write_every):
        chunk = todo[start : start + write_every]
        vectors = embedder.embed_documents([r["text"] for r in chunk], batch_size=batch_size)
        done += store.set_vectors(
            "Review", "embedding", zip((r["id"] for r in chunk), vectors.tolist(), strict=True)
        )
        bar.update(len(chunk))
    bar.close()
    return EmbedReport(embedder.name, embedder.dimension, done, time.perf_counter() - started)
