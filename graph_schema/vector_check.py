"""Whether a vector index still matches the graph it embeds.

A vector goes stale when the text it was made from changes, and goes missing or is left
over when nodes come and go. Each vector is stored with a fingerprint of the content it
embedded (`text_fingerprint`); comparing those with the fingerprints of the graph's current
content tells the three apart (`diff_fingerprints`). Every backend and the persisted index
(`vector_index`) check this way, and `tripgraph embed` re-embeds what the check finds.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Literal

# A fingerprint of "unknown content" (vectors written without one, e.g. graph embeddings).
NO_FINGERPRINT = 0

# The node property whose content each vector index embeds. The fingerprint of that content
# is recorded with every vector, so that a vector whose text changed since it was embedded
# is found. Graph embeddings embed structure, not one property: for them only presence is
# checked.
VECTOR_SOURCES: dict[str, str | None] = {
    "review_embedding": "text",
    "merchant_graph_embedding": None,
}


def text_fingerprint(text: str | None) -> int:
    """Content fingerprint of an embedded text: length in code points (high 32 bits) and
    CRC-32 of its UTF-8 bytes (low 32 bits). The length half lets a cheap graph aggregate
    (`sum(size(r.text))`) be compared with the index without reading any text."""
    data = (text or "").encode("utf-8")
    return ((len(text or "") & 0xFFFFFFFF) << 32) | zlib.crc32(data)


def fingerprint_length(fingerprint: int) -> int:
    return int(fingerprint) >> 32


@dataclass(frozen=True)
class VectorDiff:
    """What an index lacks relative to the graph's current contents."""

    missing: list[str]  # in the graph, not in the index
    changed: list[str]  # in both, fingerprint differs (content changed since embedding)
    extra: list[str]  # in the index, no longer in the graph

    @property
    def clean(self) -> bool:
        return not (self.missing or self.changed or self.extra)


def diff_fingerprints(current: Mapping[str, int | None], have: Mapping[str, int]) -> VectorDiff:
    """Compare the graph's content (`current`: key -> fingerprint of the content now, None
    when it cannot be fingerprinted: then only presence counts) with the stored vectors
    (`have`: key -> fingerprint recorded with the vector)."""
    missing, changed = [], []
    for key, fp in current.items():
        old = have.get(key)
        if old is None:
            missing.append(key)
        elif fp is not None and old != NO_FINGERPRINT and old != fp:
            changed.append(key)
    extra = [k for k in have if k not in current]
    return VectorDiff(sorted(missing), sorted(changed), sorted(extra))


@dataclass(frozen=True)
class VectorStatus:
    """Whether a vector index agrees with the graph.

    `level="cheap"` compares counts (and, for text indexes, the total text length: one
    graph aggregate, ~0.5 s at 900,000 reviews); `level="full"` compares every node's key
    and content fingerprint (reads every text: seconds) and fills `missing`/`changed`/`extra`.
    `ok=False` means some answers may use vectors of texts that changed or miss new ones:
    run `tripgraph embed`."""

    index: str
    level: Literal["cheap", "full"]
    nodes: int  # nodes of the label in the graph
    vectors: int  # vectors stored
    ok: bool
    missing: int | None = None  # nodes without a vector (full check)
    changed: int | None = None  # content changed since it was embedded (full check)
    extra: int | None = None  # vectors of nodes no longer in the graph (full check)
    tag: str = ""  # embedder / model the vectors came from, where the backend records it
    detail: str = ""


def full_status(index: str, nodes: int, vectors: int, diff: VectorDiff, tag: str) -> VectorStatus:
    """The verdict of the full check: every node's fingerprint compared (`diff`)."""
    detail = (
        ""
        if diff.clean
        else f"{len(diff.missing)} missing, {len(diff.changed)} changed, "
        f"{len(diff.extra)} deleted since embedding"
    )
    return VectorStatus(
        index,
        "full",
        nodes,
        vectors,
        diff.clean,
        len(diff.missing),
        len(diff.changed),
        len(diff.extra),
        tag,
        detail,
    )


def cheap_status(
    index: str,
    label: str,
    *,
    nodes: int,
    vectors: int,
    graph_length: int,
    vector_length: int,
    tag: str,
) -> VectorStatus:
    """The verdict of the cheap check: node and vector counts, and for text indexes the
    total length of the texts in the graph (`graph_length`) against the total length the
    stored fingerprints record (`vector_length`)."""
    source = VECTOR_SOURCES.get(index)
    problems = []
    if nodes != vectors:
        problems.append(f"{nodes} {label} nodes but {vectors} vectors")
    if source and nodes == vectors and graph_length != vector_length:
        problems.append(f"{label}.{source} changed since it was embedded")
    return VectorStatus(
        index, "cheap", nodes, vectors, not problems, tag=tag, detail="; ".join(problems)
    )
