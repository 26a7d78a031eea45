"""`tripgraph embed`: reconcile the review vector index with the graph's reviews.

Every Review's text is fingerprinted (`vector_check.text_fingerprint`) and compared with the
fingerprints recorded with the stored vectors: new reviews are embedded, reviews whose text
changed are re-embedded, vectors of deleted reviews are dropped. Vectors from another
embedder (or of another dimension) are discarded and everything is embedded again.

Resumable: written vectors are made durable at least every `save_every_s` seconds
(`flush_vectors`; the store also saves on its own every minute while writing), and
a run after an interruption only embeds what is still missing or changed.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
from tqdm import tqdm

from embeddings.text.base import Embedder
from graph_schema.queries import REVIEW_TEXTS
from graph_schema.store import GraphStore
from graph_schema.vector_check import NO_FINGERPRINT, text_fingerprint

log = logging.getLogger(__name__)

INDEX = "review_embedding"


@dataclass
class EmbedReport:
    model: str
    dimension: int
    embedded: int  # vectors written this run (new + changed)
    seconds: float
    new: int = 0  # reviews that had no vector
    changed: int = 0  # reviews whose text changed since they were embedded
    deleted: int = 0  # vectors of reviews no longer in the graph, dropped
    up_to_date: int = 0  # reviews whose vector was already right
    migrated: int = 0  # vectors moved out of FalkorDB node properties (older graphs)
    rebuilt: bool = False  # the index held another model's vectors and was emptied
    remaining: int = 0  # still to embed (when `limit` stopped the run)

    @property
    def per_second(self) -> float:
        return self.embedded / self.seconds if self.seconds else 0.0


def embedder_tag(embedder: Embedder) -> str:
    """Vectors with another tag were made by another model: they are embedded again."""
    version = embedder.version
    return f"{embedder.name}:{embedder.dimension}" + (f":{version}" if version else "")


def embed_reviews(
    store: GraphStore,
    embedder: Embedder,
    *,
    batch_size: int = 64,
    limit: int | None = None,
    progress: bool = True,
    save_every_s: float = 120.0,
    segment: int = 50_000,
    slice_size: int = 4_096,
    rebuild: bool = False,
) -> EmbedReport:
    """Bring the review vectors in line with the graph (see the module docstring).
    `limit`: embed at most this many; `rebuild`: discard every stored vector first;
    `segment`: reviews per write to the store (memory: segment x dimension x 4 bytes)."""
    started = time.perf_counter()
    report = EmbedReport(embedder.name, embedder.dimension, 0, 0.0)
    migrate = getattr(store, "migrate_legacy_vectors", None)
    if migrate is not None:  # FalkorDB graphs written before the vector sidecar existed
        report.migrated = int(migrate(progress=progress).get(INDEX, 0))
    tag = embedder_tag(embedder)
    have_tag = store.vector_tag(INDEX)
    if rebuild or (have_tag and have_tag != tag):
        log.warning("review vectors came from %r, embedding with %r: rebuilding", have_tag, tag)
        store.reset_vectors(INDEX)
        report.rebuilt = True
    store.ensure_schema(text_dim=embedder.dimension)

    # One read of every review's text (seconds at 900,000): the fingerprints decide the work.
    rows = store.read(REVIEW_TEXTS, timeout_ms=600_000, max_rows=100_000_000).rows
    have = store.vector_fingerprints(INDEX)
    if have and not report.rebuilt and not have_tag:
        # No tag recorded (migrated, or written by an older version): keep the vectors only
        # if they have this embedder's dimension.
        sample = store.get_vectors(INDEX, [next(iter(have))])
        if any(len(v) != embedder.dimension for v in sample.values()):
            store.reset_vectors(INDEX)
            have, report.rebuilt = {}, True
    current = {str(r["id"]): r["text"] or "" for r in rows}
    todo: list[tuple[str, str, int]] = []
    for key, text in current.items():
        fp = text_fingerprint(text)
        old = have.get(key)
        if old is None:
            report.new += 1
        elif old not in (fp, NO_FINGERPRINT):
            report.changed += 1
        else:
            report.up_to_date += 1
            continue
        todo.append((key, text, fp))
    gone = [k for k in have if k not in current]
    if gone:
        report.deleted = store.delete_vectors(INDEX, gone)
    if limit is not None:
        report.remaining = max(0, len(todo) - limit)
        todo = todo[:limit]

    bar = tqdm(total=len(todo), desc="embed reviews", unit="review", disable=not progress)
    saved_at = time.perf_counter()
    # Vectors go to the store in large segments: each write costs a graph query (its nodes
    # must exist), copies of the index's key arrays and a multi-threaded HNSW add, so 512-review
    # writes spent more time on that than on embedding (704 reviews/s at 900,000). A kill
    # loses at most the segment being written plus what the last save did not cover.
    for start in range(0, len(todo), segment):
        chunk = todo[start : start + segment]
        parts = []
        for i in range(0, len(chunk), slice_size):  # slices keep the bar moving
            texts = [t for _, t, _ in chunk[i : i + slice_size]]
            parts.append(embedder.embed_documents(texts, batch_size=batch_size))
            bar.update(len(texts))
        bar.set_postfix_str("indexing")
        report.embedded += store.set_vectors(
            "Review",
            "embedding",
            zip((k for k, _, _ in chunk), np.concatenate(parts), strict=True),
            fingerprints=[fp for _, _, fp in chunk],
        )
        bar.set_postfix_str("")
        # Each save writes the whole index (~1 GB at the full scale, ~2 s): by time, not
        # by count, or saving every 20 writes cost ~130 s of the 900,000-review first embed.
        if time.perf_counter() - saved_at >= save_every_s:
            store.flush_vectors()
            saved_at = time.perf_counter()
    bar.close()
    store.set_vector_tag(INDEX, tag)
    store.flush_vectors()
    report.seconds = time.perf_counter() - started
    return report
