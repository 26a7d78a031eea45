"""What a load keeps on disk and hands back: the checkpoint it resumes from, the quarantine
of rejected rows, and the report.

A checkpoint and a quarantine file belong to one dataset (`dataset_key`: its directory and
manifest), so a run on other data never reuses them. Written by `ingest.loader.Loader` for
every sink, and read by the bulk paths (`ingest.bulk`, `ingest.neo4j_import`) to leave the
same state behind as the MERGE load.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from graph_schema.store import GraphCounts


@dataclass
class FileReport:
    file: str
    read: int = 0
    loaded: int = 0
    quarantined: int = 0
    skipped_resumed: int = 0


@dataclass
class IngestReport:
    dataset: str
    files: list[FileReport] = field(default_factory=list)
    seconds: float = 0.0
    quarantine_file: str = ""
    # the path that wrote: "merge" (UNWIND ... MERGE), "bulk", or "current" (nothing to
    # write: a completed load of this dataset is in the graph)
    mode: str = "merge"
    phases: dict[str, float] = field(default_factory=dict)  # seconds per phase (bulk)

    @property
    def quarantined(self) -> int:
        return sum(f.quarantined for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "quarantined": self.quarantined}


class Quarantine:
    """Append-only JSONL of rejected rows. Opened lazily: no file when nothing is bad."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None

    def add(self, file: str, line: int, reason: str, row: dict[str, Any] | None) -> None:
        if self._fh is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._fh = self.path.open("a", encoding="utf-8")
        entry = {"file": file, "line": line, "reason": reason, "row": row}
        self._fh.write(json.dumps(entry, ensure_ascii=False, default=str) + "\n")
        self._fh.flush()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def discard(self) -> None:
        """Forget earlier entries: a load from scratch quarantines every bad row again."""
        self.close()
        self.path.unlink(missing_ok=True)


class Checkpoint:
    """Rows committed per step, saved atomically after every batch; on completion also the
    graph's counts per label and relationship type, so that a later run can tell cheaply
    that the graph still holds this dataset."""

    def __init__(self, path: Path, dataset_key: str) -> None:
        self.path = path
        self.dataset_key = dataset_key
        self.done: dict[str, int] = {}
        self.graph_counts: dict[str, int] = {}

    @classmethod
    def of(cls, state_dir: Path, dataset_dir: Path) -> Checkpoint:
        key = dataset_key(dataset_dir)
        return cls(state_dir / f"ingest-{key}.json", key)

    def load(self) -> None:
        if self.path.exists():
            state = json.loads(self.path.read_text())
            if state.get("dataset_key") == self.dataset_key:
                self.done = {k: int(v) for k, v in state.get("done", {}).items()}
                self.graph_counts = {k: int(v) for k, v in state.get("graph", {}).items()}

    def mark(self, step: str, rows: int) -> None:
        self.done[step] = rows
        self._save()

    def _save(self) -> None:
        tmp = self.path.with_suffix(".tmp")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        state = {"dataset_key": self.dataset_key, "done": self.done, "graph": self.graph_counts}
        tmp.write_text(json.dumps(state))
        tmp.replace(self.path)

    def finish(self, counts: GraphCounts) -> None:
        self.done["complete"] = 1
        self.graph_counts = _flat_counts(counts)
        self._save()

    def graph_matches(self, counts: GraphCounts) -> bool:
        """Whether a completed load's graph is still there: every label and relationship
        type the load wrote has the count it had then. Types it did not write (SAME_AS
        edges the place mapping adds later) do not count."""
        if not self.done.get("complete") or not self.graph_counts:
            return False
        now = _flat_counts(counts)
        return all(now.get(k, 0) == n for k, n in self.graph_counts.items() if n)


def quarantine_path(state_dir: Path, key: str) -> Path:
    return state_dir / f"quarantine-{key}.jsonl"


def _flat_counts(counts: GraphCounts) -> dict[str, int]:
    return {
        **{f"node:{k}": v for k, v in counts.nodes.items()},
        **{f"rel:{k}": v for k, v in counts.relationships.items()},
    }


def dataset_key(dataset_dir: Path) -> str:
    """Identifies the dataset content, so a checkpoint of other data is not reused."""
    manifest = dataset_dir / "manifest.json"
    h = hashlib.sha256(str(dataset_dir.resolve()).encode())
    if manifest.exists():
        h.update(manifest.read_bytes())
    else:
        for p in sorted(dataset_dir.iterdir()):
            h.update(f"{p.name}:{p.stat().st_size}:{p.stat().st_mtime_ns}".encode())
    return h.hexdigest()[:16]
