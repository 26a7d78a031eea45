"""A persisted ANN index of one vector property, kept beside the embedded graph (usearch HNSW).

FalkorDB does not persist its vector indexes: every load of the graph rebuilds HNSW one
vector at a time (69 min for 540,000 review vectors). The FalkorDB backends therefore keep
the vectors of `model.VECTOR_INDEXES` here instead, in files that open memory-mapped in
well under a second, and answer vector queries from them.

`save()` writes a new generation of the files (`vector_files`: the on-disk form) and
switches the manifest to it atomically. Readers in other processes notice the new manifest
on their next query (`refresh()`: one `stat`) and remap. One writer at a time: the embed
job, the graph-embedding job or a test; the API only reads. Whether the vectors still match
the graph is `vector_check`'s (fingerprints, diffs).

Scores are cosine similarities (higher = better), as on every `GraphStore` backend.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from graph_schema.vector_check import NO_FINGERPRINT, VectorDiff, diff_fingerprints
from graph_schema.vector_files import (
    HNSWParams,
    Manifest,
    manifest_path,
    manifest_stamp,
    read_generation,
    write_generation,
)

log = logging.getLogger(__name__)


class VectorIndexError(RuntimeError):
    """The index files are unusable (missing, corrupt, wrong dimension)."""


class VectorIndex:
    """One persisted vector index. The constructor does no I/O: call `open()`.

    Readers open a memory-mapped view; the first write turns it into an in-memory copy
    (usearch views are immutable) and `save()` writes it back atomically.
    """

    def __init__(
        self,
        directory: Path,
        name: str,
        *,
        dimension: int | None = None,
        tag: str = "",
        params: HNSWParams | None = None,
        threads: int = 2,
    ) -> None:
        self.directory = Path(directory)
        self.name = name
        self._want_dimension = dimension
        self._want_tag = tag
        self._want_params = params or HNSWParams()
        self.threads = threads
        self._lock = threading.RLock()
        self._index: Any = None
        self._manifest: Manifest | None = None
        self._keys: np.ndarray = np.zeros(0, dtype="<U1")  # label -> key
        self._fps: np.ndarray = np.zeros(0, dtype=np.uint64)  # label -> fingerprint
        self._labels: dict[str, int] | None = None  # key -> label, built on demand
        self._view = False
        self._dirty = False
        self._stamp: tuple[int, int] | None = None  # (mtime_ns, size) of the manifest read
        self._checked_at = 0.0
        self._opened = False

    # -- paths -----------------------------------------------------------------------------
    @property
    def manifest_path(self) -> Path:
        return manifest_path(self.directory, self.name)

    def exists(self) -> bool:
        return self.manifest_path.exists()

    # -- lifecycle -------------------------------------------------------------------------
    def open(self) -> None:
        """Map the saved index if there is one, else start an empty one (its dimension is
        taken from the constructor or from the first vectors written)."""
        with self._lock:
            if self.exists():
                self._load()
            else:
                self._start_empty(self._want_dimension)
            self._opened = True

    def close(self) -> None:
        """Save pending writes and drop the mapping."""
        with self._lock:
            if self._dirty:
                self.save()
            self._index = None
            self._manifest = None
            self._labels = None
            self._opened = False

    @property
    def is_open(self) -> bool:
        return self._opened

    @property
    def dirty(self) -> bool:
        return self._dirty

    @property
    def manifest(self) -> Manifest:
        self._require_open()
        assert self._manifest is not None
        return self._manifest

    @property
    def dimension(self) -> int | None:
        return self._manifest.dimension if self._manifest else None

    @property
    def tag(self) -> str:
        return self._manifest.tag if self._manifest else ""

    def __len__(self) -> int:
        return 0 if self._index is None else len(self._index)

    def _require_open(self) -> None:
        if not self.is_open:
            raise VectorIndexError(f"vector index {self.name!r} is not open: call open()")

    def _new_index(self, dimension: int, params: HNSWParams) -> Any:
        from usearch.index import Index

        return Index(
            ndim=dimension,
            metric="cos",
            dtype=params.dtype,
            connectivity=params.connectivity,
            expansion_add=params.expansion_add,
            expansion_search=params.expansion_search,
        )

    def _start_empty(self, dimension: int | None) -> None:
        self._manifest = (
            Manifest(self.name, dimension, tag=self._want_tag, params=self._want_params)
            if dimension
            else None
        )
        self._index = self._new_index(dimension, self._want_params) if dimension else None
        self._keys = np.zeros(0, dtype="<U1")
        self._fps = np.zeros(0, dtype=np.uint64)
        self._labels = {}
        self._view = False
        self._stamp = None

    def _read_stamp(self) -> tuple[int, int] | None:
        return manifest_stamp(self.directory, self.name)

    def _load(self) -> None:
        # A writer may swap generations between our reading the manifest and mapping its
        # files (it unlinks the old ones): read the manifest again and retry.
        for attempt in range(3):
            try:
                stamp, manifest, index, keys, fps = read_generation(self.directory, self.name)
            except FileNotFoundError:
                if attempt == 2:
                    raise
                time.sleep(0.05)
                continue
            except (ValueError, KeyError, OSError, RuntimeError) as exc:
                raise VectorIndexError(f"vector index {self.name!r} is unreadable: {exc}") from exc
            break
        if index is None:  # an empty saved index: usearch cannot map an empty file
            index = self._new_index(manifest.dimension, manifest.params)
        elif index.ndim != manifest.dimension:
            raise VectorIndexError(
                f"vector index {self.name!r}: file has {index.ndim} dimensions, "
                f"manifest says {manifest.dimension}"
            )
        # query-time knob: this code's setting, not the one the file was built with
        index.expansion_search = self._want_params.expansion_search  # type: ignore[misc]
        self._index, self._manifest = index, manifest
        self._keys, self._fps = keys, fps
        self._labels = None
        self._view = manifest.count > 0
        self._dirty = False
        self._stamp = stamp

    def refresh(self, *, min_interval_s: float = 0.0) -> bool:
        """Remap if another process saved a new generation. Returns whether it did.
        Pending writes of this process win: a dirty index is never replaced."""
        now = time.monotonic()
        if now - self._checked_at < min_interval_s:
            return False
        self._checked_at = now
        stamp = self._read_stamp()
        if stamp is None or stamp == self._stamp or self._dirty:
            return False
        with self._lock:
            if self._read_stamp() == self._stamp or self._dirty:
                return False
            self._load()
            log.info("vector index %s: reloaded generation %s", self.name, self.manifest.generation)
            return True

    # -- writes ----------------------------------------------------------------------------
    def _writable(self, dimension: int) -> None:
        """Make sure an in-memory, mutable index of `dimension` exists."""
        if self._manifest is None or self._index is None:
            self._want_dimension = dimension
            self._start_empty(dimension)
        assert self._manifest is not None
        if self._manifest.dimension != dimension:
            raise VectorIndexError(
                f"vector index {self.name!r} holds {self._manifest.dimension}-d vectors, "
                f"got {dimension}-d"
            )
        if self._view:
            from usearch.index import Index

            path = self.directory / self._manifest.files["index"]
            self._index = Index.restore(str(path), view=False)
            self._index.expansion_search = self._want_params.expansion_search
            self._view = False
        if not isinstance(self._keys, np.ndarray) or isinstance(self._keys, np.memmap):
            self._keys = np.array(self._keys)
            self._fps = np.array(self._fps)

    def _label_map(self) -> dict[str, int]:
        if self._labels is None:
            self._labels = {str(k): i for i, k in enumerate(self._keys.tolist()) if k}
        return self._labels

    def upsert(
        self,
        keys: Sequence[str],
        vectors: Any,
        fingerprints: Sequence[int] | None = None,
        *,
        progress: bool = False,
    ) -> int:
        """Add or replace vectors by key. `fingerprints`: content fingerprints of what was
        embedded (`text_fingerprint`), or None for "unknown". Not saved until `save()`."""
        keys = [str(k) for k in keys]
        if not keys:
            return 0
        vecs = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32))  # [N D]
        if vecs.ndim != 2 or len(vecs) != len(keys):
            raise ValueError(f"expected {len(keys)} vectors, got shape {vecs.shape}")
        if len(set(keys)) != len(keys):
            raise ValueError("duplicate keys in one upsert")
        fps = np.asarray(
            fingerprints if fingerprints is not None else [NO_FINGERPRINT] * len(keys),
            dtype=np.uint64,
        )
        with self._lock:
            self._writable(vecs.shape[1])
            assert self._manifest is not None
            labels = self._label_map()
            old = [labels[k] for k in keys if k in labels]
            if old:
                self._index.remove(np.asarray(old, dtype=np.uint64))
                self._keys[old] = ""
            start = self._manifest.next_label
            new = np.arange(start, start + len(keys), dtype=np.uint64)
            width = max(self._keys.dtype.itemsize // 4, max(map(len, keys)))
            self._keys = np.concatenate([self._keys.astype(f"<U{width}"), np.asarray(keys)])
            self._fps = np.concatenate([self._fps, fps])
            self._add(new, vecs, progress=progress)
            for k, label in zip(keys, new.tolist(), strict=True):
                labels[k] = label
            self._manifest.next_label = start + len(keys)
            self._manifest.count = len(self._index)
            self._dirty = True
        return len(keys)

    def _add(self, labels: np.ndarray, vecs: np.ndarray, *, progress: bool) -> None:
        if not progress:
            self._index.add(labels, vecs, threads=self.threads)
            return
        from tqdm import tqdm

        chunk = 20_000
        with tqdm(total=len(labels), desc=f"index {self.name}", unit="vec") as bar:
            for i in range(0, len(labels), chunk):
                self._index.add(labels[i : i + chunk], vecs[i : i + chunk], threads=self.threads)
                bar.update(min(chunk, len(labels) - i))

    def delete(self, keys: Iterable[str]) -> int:
        """Remove vectors by key (unknown keys are ignored). Returns how many were removed."""
        with self._lock:
            if self._manifest is None:
                return 0
            labels = self._label_map()
            gone = [(k, labels[k]) for k in dict.fromkeys(map(str, keys)) if k in labels]
            if not gone:
                return 0
            self._writable(self._manifest.dimension)
            ids = [label for _, label in gone]
            self._index.remove(np.asarray(ids, dtype=np.uint64))
            self._keys[ids] = ""
            self._fps[ids] = NO_FINGERPRINT
            for k, _ in gone:
                del labels[k]
            self._manifest.count = len(self._index)
            self._dirty = True
            return len(gone)

    def build(
        self,
        keys: Sequence[str],
        vectors: Any,
        fingerprints: Sequence[int] | None = None,
        *,
        tag: str | None = None,
        progress: bool = True,
    ) -> None:
        """Replace the whole index with these vectors (multi-threaded add) and save."""
        vecs = np.asarray(vectors, dtype=np.float32)
        with self._lock:
            if tag is not None:
                self._want_tag = tag
            if vecs.ndim == 2 and vecs.shape[1]:
                self._want_dimension = vecs.shape[1]
            old = self._manifest
            self._start_empty(self._want_dimension)
            if old is not None and self._manifest is not None:
                self._manifest.generation = old.generation
            self.upsert(keys, vecs, fingerprints, progress=progress)
            self.save()

    def set_tag(self, tag: str) -> None:
        with self._lock:
            self._want_tag = tag
            if self._manifest is not None and self._manifest.tag != tag:
                self._manifest.tag = tag
                self._dirty = True

    def save(self) -> None:
        """Write a new generation and switch the manifest to it atomically."""
        with self._lock:
            if self._manifest is None:
                return  # nothing was ever written: no dimension, nothing to save
            write_generation(
                self.directory, self.name, self._manifest, self._index, self._keys, self._fps
            )
            self._stamp = self._read_stamp()
            self._dirty = False

    def remove_files(self) -> None:
        """Delete the index from disk (and forget it here)."""
        with self._lock:
            for path in self.directory.glob(f"{self.name}.*"):
                path.unlink()
            self._start_empty(None)
            self._manifest = None
            self._index = None
            self._dirty = False

    # -- reads -----------------------------------------------------------------------------
    def search(self, vector: Sequence[float], k: int = 10) -> list[tuple[str, float]]:
        """The k nearest keys by cosine similarity, best first."""
        self._require_open()
        # One generation's index and keys together (a reload may swap both meanwhile).
        index, keys = self._index, self._keys
        if index is None or not len(index) or k <= 0:
            return []
        q = np.asarray(vector, dtype=np.float32)
        if q.shape != (index.ndim,):
            raise ValueError(f"query has shape {q.shape}, index holds {index.ndim}-d vectors")
        if not np.any(q):
            return []
        if k > index.expansion_search:
            index.expansion_search = k
        matches = index.search(q, int(k))
        out = []
        for label, dist in zip(matches.keys.tolist(), matches.distances.tolist(), strict=True):
            key = str(keys[label]) if label < len(keys) else ""
            if key:
                out.append((key, 1.0 - float(dist)))
        return out

    def contains(self, keys: Iterable[str]) -> list[str]:
        """The given keys that have a vector, in the given order."""
        labels = self._label_map() if self.is_open else {}
        return [k for k in keys if k in labels]

    def get(self, keys: Sequence[str]) -> np.ndarray:
        """Vectors by key as float32 [N D]; raises KeyError for a key without a vector."""
        self._require_open()
        labels = self._label_map()
        missing = [k for k in keys if k not in labels]
        if missing:
            raise KeyError(f"no vector for {missing[:5]}")
        if not keys:
            return np.zeros((0, self.dimension or 0), dtype=np.float32)
        got = self._index.get(np.asarray([labels[k] for k in keys], dtype=np.uint64))
        rows = got if isinstance(got, tuple) else list(got)
        return np.stack([np.asarray(r, dtype=np.float32) for r in rows])  # [N D]

    def similarities(self, keys: Sequence[str], vector: Sequence[float]) -> dict[str, float]:
        """Cosine similarity of `vector` to each key's vector (keys without one left out)."""
        present = self.contains(keys)
        if not present:
            return {}
        mat = self.get(present)  # [N D]
        q = np.asarray(vector, dtype=np.float32)  # [D]
        denom = np.linalg.norm(mat, axis=1) * float(np.linalg.norm(q))
        sims = (mat @ q) / np.where(denom == 0, 1.0, denom)  # [N]
        return dict(zip(present, sims.astype(float).tolist(), strict=True))

    def keys(self) -> list[str]:
        self._require_open()
        return list(self._label_map())

    def fingerprints(self) -> dict[str, int]:
        """key -> content fingerprint of what was embedded (0 = unknown)."""
        self._require_open()
        fps = self._fps
        return {k: int(fps[label]) for k, label in self._label_map().items()}

    def total_length(self) -> int:
        """Sum of the embedded texts' lengths (from the fingerprints)."""
        fps = np.asarray(self._fps, dtype=np.uint64)
        live = np.asarray(self._keys) != ""
        return int((fps[live] >> np.uint64(32)).sum()) if len(fps) else 0

    def diff(self, current: Mapping[str, int | None]) -> VectorDiff:
        """Compare with the graph's contents: key -> fingerprint of the content now (None
        when the content cannot be fingerprinted: then only presence counts)."""
        return diff_fingerprints(current, self.fingerprints() if self.is_open else {})
