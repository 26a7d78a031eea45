"""The FalkorDB stores' vectors: kept beside the graph in persisted usearch indexes.

FalkorDB rebuilds its own vector indexes vector by vector on every load of the graph (69 min
for 540,000 reviews); a mapped usearch file (`vector_index.VectorIndex`) opens in under a
second. So the vectors of `model.VECTOR_INDEXES` never enter FalkorDB: node upserts hand
them to the sidecar, and every vector method of the `GraphStore` contract is answered from
it. `migrate_legacy_vectors` moves the vectors an older version stored in the graph.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from graph_schema import model, queries
from graph_schema.falkordb_query import FalkorDBQueries
from graph_schema.model import vector_spec, vector_spec_for
from graph_schema.store import IndexHit
from graph_schema.vector_check import NO_FINGERPRINT, VECTOR_SOURCES, text_fingerprint
from graph_schema.vector_index import VectorIndex


class FalkorDBVectors(FalkorDBQueries):
    """FalkorDB for the graph, the vectors in one sidecar index per vector index under
    `vectors_dir`: the base of both FalkorDB stores.

    Vector writes are kept in memory and saved atomically on `flush_vectors()`, on
    `close()` and at most every `autosave_s` seconds while writing; readers in other
    processes pick up a saved generation on their next vector query. One writer at a time.
    """

    def __init__(
        self, graph_name: str, *, vectors_dir: Path, autosave_s: float = 60.0, **kwargs: Any
    ) -> None:
        super().__init__(graph_name, **kwargs)
        self.vectors_dir = Path(vectors_dir)
        self.autosave_s = autosave_s
        self._vectors: dict[str, VectorIndex] = {}
        self._vector_dims: dict[str, int] = {}
        self._vectors_lock = threading.Lock()
        self._saved_at = time.monotonic()

    def close(self) -> None:
        self._close_vectors()
        super().close()

    def clear(self) -> None:
        super().clear()
        for spec in model.VECTOR_INDEXES:
            self._sidecar(spec.name).remove_files()

    def _sidecar(self, index: str) -> VectorIndex:
        """The open sidecar index (opened on first use; remapped when another process
        saved a newer generation)."""
        vi = self._vectors.get(index)
        if vi is not None:
            vi.refresh(min_interval_s=1.0)
            return vi
        with self._vectors_lock:
            vi = self._vectors.get(index)
            if vi is None:
                vector_spec(index)  # KeyError for an unknown index
                vi = VectorIndex(self.vectors_dir, index, dimension=self._vector_dims.get(index))
                vi.open()
                self._vectors[index] = vi
            return vi

    def _close_vectors(self) -> None:
        with self._vectors_lock:
            vectors, self._vectors = self._vectors, {}
        for vi in vectors.values():
            vi.close()

    def _after_vector_write(self, vi: VectorIndex) -> None:
        if time.monotonic() - self._saved_at >= self.autosave_s:
            vi.save()
            self._saved_at = time.monotonic()

    def flush_vectors(self) -> None:
        for vi in list(self._vectors.values()):
            if vi.dirty:
                vi.save()
        self._saved_at = time.monotonic()

    def _ensure_vector_index(self, spec: model.VectorIndexSpec, dim: int, *, exists: bool) -> None:
        # No FalkorDB vector index: the sidecar takes its dimension from the first vectors.
        self._vector_dims[spec.name] = dim

    def _existing_keys(self, label: str, keys: list[str]) -> set[str]:
        rows = self._run_read(
            queries.existing_keys(label),
            {"keys": keys},
            timeout_ms=600_000,
            max_rows=len(keys),
        ).rows
        return {str(r["key"]) for r in rows}

    def set_vectors(
        self,
        label: str,
        prop: str,
        items: Iterable[tuple[str, Sequence[float]]],
        *,
        fingerprints: Sequence[int] | None = None,
    ) -> int:
        spec = vector_spec_for(label, prop)
        if spec is None:
            return super().set_vectors(label, prop, items, fingerprints=fingerprints)
        pairs = list(items)
        if not pairs:
            return 0
        fps = list(fingerprints) if fingerprints is not None else [NO_FINGERPRINT] * len(pairs)
        exist = self._existing_keys(label, [str(k) for k, _ in pairs])
        keep = [i for i, (k, _) in enumerate(pairs) if str(k) in exist]
        if not keep:
            return 0
        vi = self._sidecar(spec.name)
        vi.upsert(
            [str(pairs[i][0]) for i in keep],
            np.asarray([pairs[i][1] for i in keep], dtype=np.float32),
            [fps[i] for i in keep],
        )
        self._after_vector_write(vi)
        return len(keep)

    def upsert_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """Vectors of indexed properties in the rows go to the sidecar, not to FalkorDB."""
        specs = [v for v in model.VECTOR_INDEXES if v.label == label]
        if not specs or not any(v.prop in row for row in rows for v in specs):
            return super().upsert_nodes(label, rows)
        props = {v.prop for v in specs}
        n = super().upsert_nodes(
            label, [{k: v for k, v in r.items() if k not in props} for r in rows]
        )
        key = model.node_spec(label).key
        for v in specs:
            with_vec = [r for r in rows if r.get(v.prop) is not None]
            source = VECTOR_SOURCES.get(v.name)
            fps = [
                text_fingerprint(r.get(source)) if source and source in r else NO_FINGERPRINT
                for r in with_vec
            ]
            self.set_vectors(
                label, v.prop, [(r[key], r[v.prop]) for r in with_vec], fingerprints=fps
            )
        return n

    def vector_search(self, index: str, vector: Sequence[float], k: int = 10) -> list[IndexHit]:
        spec = vector_spec(index)
        hits = self.vector_search_keys(index, vector, k)
        if not hits:
            return []
        key = model.node_spec(spec.label).key
        rows = self._run_read(
            queries.nodes_by_key(spec.label),
            {"keys": [h for h, _ in hits]},
            timeout_ms=self.query_timeout_ms,
            max_rows=len(hits),
        ).rows
        nodes = {str(r["n"][key]): r["n"] for r in rows}
        # A vector whose node is gone (deleted since embedding) is skipped, not returned.
        return [IndexHit(node=nodes[h], score=s) for h, s in hits if h in nodes]

    def vector_search_keys(
        self, index: str, vector: Sequence[float], k: int = 10
    ) -> list[tuple[str, float]]:
        return self._sidecar(index).search(vector, k)

    def get_vectors(self, index: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        vi = self._sidecar(index)
        present = vi.contains(keys)
        if not present:
            return {}
        return dict(zip(present, vi.get(present), strict=True))

    def vector_similarities(
        self, index: str, keys: Sequence[str], vector: Sequence[float]
    ) -> dict[str, float]:
        return self._sidecar(index).similarities(keys, vector)

    def delete_vectors(self, index: str, keys: Sequence[str]) -> int:
        vi = self._sidecar(index)
        n = vi.delete(keys)
        if n:
            self._after_vector_write(vi)
        return n

    def vector_fingerprints(self, index: str) -> dict[str, int]:
        return self._sidecar(index).fingerprints()

    def _vector_counts(self, index: str) -> tuple[int, int]:
        vi = self._sidecar(index)
        return len(vi), vi.total_length()

    def vector_tag(self, index: str) -> str:
        return self._sidecar(index).tag

    def set_vector_tag(self, index: str, tag: str) -> None:
        self._sidecar(index).set_tag(tag)

    def reset_vectors(self, index: str) -> None:
        """Delete one sidecar index from disk (a rebuild starts from nothing)."""
        self._sidecar(index).remove_files()

    def migrate_legacy_vectors(
        self, *, batch: int = 20_000, progress: bool = True
    ) -> dict[str, int]:
        """Move vectors that an older version stored in FalkorDB node properties into the
        sidecar (with the fingerprint of the current content), then drop them and FalkorDB's
        own vector index, which is what made every load of the graph slow. Idempotent:
        returns {index: vectors moved}, empty when there was nothing to move."""
        from tqdm import tqdm

        moved: dict[str, int] = {}
        legacy = self._existing_index_names()
        for spec in model.VECTOR_INDEXES:
            key = model.node_spec(spec.label).key
            source = VECTOR_SOURCES.get(spec.name)
            src = f"n.{source}" if source else "null"
            total = int(
                self.read(
                    f"MATCH (n:{spec.label}) WHERE n.{spec.prop} IS NOT NULL RETURN count(n) AS n",
                    timeout_ms=600_000,
                ).value("n")
            )
            if total:
                vi = self._sidecar(spec.name)
                bar = tqdm(total=total, desc=f"migrate {spec.name}", disable=not progress)
                while True:
                    rows = self.write(
                        f"MATCH (n:{spec.label}) WHERE n.{spec.prop} IS NOT NULL "
                        f"WITH n LIMIT {int(batch)} "
                        f"WITH n, n.{key} AS key, n.{spec.prop} AS v, {src} AS src "
                        f"SET n.{spec.prop} = null RETURN key, v, src"
                    ).rows
                    if not rows:
                        break
                    fps = [text_fingerprint(r["src"]) if source else NO_FINGERPRINT for r in rows]
                    vi.upsert(
                        [str(r["key"]) for r in rows],
                        np.asarray([r["v"] for r in rows], dtype=np.float32),
                        fps,
                    )
                    moved[spec.name] = moved.get(spec.name, 0) + len(rows)
                    bar.update(len(rows))
                bar.close()
                vi.save()
            if spec.name in legacy:
                self._run_ddl(f"DROP VECTOR INDEX FOR (n:{spec.label}) ON (n.{spec.prop})")
        return moved
