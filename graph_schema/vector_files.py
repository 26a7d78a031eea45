"""The on-disk form of a persisted vector index (`vector_index.VectorIndex`): one manifest
and, per saved generation, three files, written so that a reader never sees a mix.

For an index called NAME in directory DIR::

    DIR/NAME.manifest.json        dimension, metric, dtype, HNSW parameters, model tag,
                                  count, generation and the names of the three files below
    DIR/NAME.g<gen>.usearch       the usearch index (vectors + HNSW graph), labels = ints
    DIR/NAME.g<gen>.keys.npy      label -> node key ('' for a free label)
    DIR/NAME.g<gen>.fp.npy        label -> content fingerprint (uint64) of what was embedded

`write_generation` writes a new generation's files and then replaces the manifest with one
rename, so a reader sees either the old or the new generation; the previous generation's
files are unlinked afterwards (a process that has them memory-mapped keeps reading them
until it reloads). `read_generation` maps the generation the manifest names.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from usearch.index import Index

MANIFEST_VERSION = 1


@dataclass(frozen=True)
class HNSWParams:
    """usearch HNSW parameters. Measured on the real index of the full scale (900,000 review
    vectors of the `static` embedder, benchmarks/bench_ann_real.py) with the queries the agent
    sends it — its HyDE reviews for the gold recommendations: recall@10 against exact search
    0.90 at expansion_search 192 (p95 4.0 ms), 0.94 at 256 (5.3 ms), 0.95 at 384 (7.4 ms).
    Raw questions embedded as queries are much harder for the graph (0.71 at 384): the agent
    never sends those to the review index. connectivity / expansion_add / dtype are fixed
    when an index is built; expansion_search is a query-time knob, applied on every open."""

    connectivity: int = 16  # M: graph degree (level 0 gets 2M)
    expansion_add: int = 128  # ef_construction
    expansion_search: int = 384  # ef at query time (raised to k when k is larger)
    dtype: str = "f16"  # storage scalar: 'f32', 'f16' (half the memory) or 'i8'


@dataclass
class Manifest:
    name: str
    dimension: int
    metric: str = "cos"
    tag: str = ""  # embedder / model that produced the vectors
    params: HNSWParams = field(default_factory=HNSWParams)
    count: int = 0
    next_label: int = 0
    generation: int = 0
    saved_at: float = 0.0
    files: dict[str, str] = field(default_factory=dict)
    version: int = MANIFEST_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)
        if raw.get("version") != MANIFEST_VERSION:
            raise ValueError(f"unsupported vector manifest version {raw.get('version')!r}")
        raw["params"] = HNSWParams(**raw.get("params", {}))
        return cls(**raw)


def manifest_path(directory: Path, name: str) -> Path:
    return directory / f"{name}.manifest.json"


def manifest_stamp(directory: Path, name: str) -> tuple[int, int] | None:
    """(mtime_ns, size) of the manifest: a reader compares it to notice a new generation."""
    try:
        st = os.stat(manifest_path(directory, name))
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


def read_generation(
    directory: Path, name: str
) -> tuple[tuple[int, int] | None, Manifest, Index | None, np.ndarray, np.ndarray]:
    """(manifest stamp, manifest, usearch view or None when empty, keys, fingerprints) of
    the saved generation, memory-mapped. Raises FileNotFoundError when a writer swapped
    generations while this read (the caller reads again), ValueError & co. when unusable."""
    from usearch.index import Index

    stamp = manifest_stamp(directory, name)
    manifest = Manifest.from_json(manifest_path(directory, name).read_text())
    files = {k: directory / v for k, v in manifest.files.items()}
    index = Index.restore(str(files["index"]), view=True) if manifest.count else None
    keys = np.load(files["keys"], mmap_mode="r")
    fps = np.load(files["fingerprints"], mmap_mode="r")
    return stamp, manifest, index, keys, fps


def write_generation(
    directory: Path, name: str, m: Manifest, index: Any, keys: Any, fps: Any
) -> None:
    """Write generation `m.generation + 1` of the index, keys and fingerprints, switch the
    manifest to it (updating `m`) and unlink the previous generation's files."""
    directory.mkdir(parents=True, exist_ok=True)
    previous = dict(m.files)
    m.generation += 1
    stem = f"{name}.g{m.generation}"
    files = {
        "index": f"{stem}.usearch",
        "keys": f"{stem}.keys.npy",
        "fingerprints": f"{stem}.fp.npy",
    }
    if len(index):
        _write_then_rename(directory, files["index"], lambda p: index.save(str(p)))
    _write_then_rename(directory, files["keys"], lambda p: _save_npy(p, keys))
    _write_then_rename(directory, files["fingerprints"], lambda p: _save_npy(p, fps))
    m.files = files
    m.count = len(index)
    m.saved_at = time.time()
    _write_then_rename(
        directory, manifest_path(directory, name).name, lambda p: p.write_text(m.to_json())
    )
    for old in previous.values():
        if old not in files.values():
            with contextlib.suppress(FileNotFoundError):
                (directory / old).unlink()


def _write_then_rename(directory: Path, name: str, write: Callable[[Path], Any]) -> None:
    final = directory / name
    tmp = directory / f".{name}.tmp{os.getpid()}"
    try:
        write(tmp)
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, final)
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def _save_npy(path: Path, array: np.ndarray) -> None:
    with open(path, "wb") as fh:
        np.save(fh, np.asarray(array), allow_pickle=False)
