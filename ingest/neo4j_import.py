"""First load of a large dataset into Neo4j through `neo4j-admin database import full`.

Batched `CREATE` over Bolt (`ingest.bulk.Neo4jBulkSink`) reaches ~8,400 rows/s at full
scale: the driver packs every value in Python and the server runs a transaction per
batch. Neo4j's offline importer writes the store files directly, at hundreds of thousands
of rows per second, but it reads CSV, needs the database stopped and replaces it whole. So
the first load of a large dataset is three steps, each an ordinary command:

1. `tripgraph ingest --export-neo4j DIR` runs the loader's validation, foreign keys and
   quarantine (the same `Loader` as every other path, so the same rows are accepted and
   rejected) and writes its rows as typed CSV files plus `neo4j-admin-import.args` into DIR.
   No graph is needed: this can run anywhere.
2. `neo4j-admin database import full --overwrite-destination @DIR/neo4j-admin-import.args
   neo4j` on the Neo4j machine, with the database stopped
   (`scripts/neo4j-test-server.sh import DIR` for the project's test server).
3. With the server started, `tripgraph ingest --after-import DIR` checks that the graph
   holds exactly what DIR holds, creates the constraints and indexes, replays the rows the
   files could not carry through MERGE (`_replay`, as the other bulk paths do), and records
   the ingest checkpoint, so later `tripgraph ingest` runs see a current graph.

CSV details that carry the MERGE path's values unchanged: strings are always quoted (a
quoted "" is an empty string, an unquoted empty field a missing property, as MERGE skips
nulls); arrays are joined with U+001F, which no validated text holds (a value that does is
replayed); a field holding a line break is declared in `--multiline-fields` (only the
files that hold one, since the option slows the importer); `--bad-tolerance=0`: the rows
were validated, so anything the importer rejects is a bug, and it stops the import.
"""

from __future__ import annotations

import csv
import json
import math
import shlex
import shutil
import time
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from graph_schema import model
from graph_schema.store import GraphCounts, GraphStore, GraphStoreError
from ingest.bulk import BulkRows, NeedsMerge, token_keys
from ingest.load_state import Checkpoint, IngestReport, dataset_key, quarantine_path
from ingest.loader import Loader

ARGS_FILE = "neo4j-admin-import.args"
MANIFEST_FILE = "manifest.json"
REPLAY_FILE = "replay.jsonl"
ARRAY_DELIMITER = "\x1f"
# A file's rows per CSV part: parts keep any one file small enough to inspect and let the
# importer read several at once.
PART_ROWS = 500_000

# Model property types -> neo4j-admin header types (ints are longs, floats doubles, as the
# driver sends Python values).
_CSV_TYPES = {
    "STRING": "string",
    "INTEGER": "long",
    "FLOAT": "double",
    "BOOLEAN": "boolean",
    "LIST<STRING>": "string[]",
}
_PROP_TYPES: dict[str, dict[str, str]] = {
    **{spec.label: {p.name: p.type for p in spec.props} for spec in model.NODES},
    **{rel.type: {p.name: p.type for p in rel.props} for rel in model.RELATIONSHIPS},
}


class Neo4jImportError(GraphStoreError):
    """The import files are missing or do not match the graph or the dataset."""


def _value_type(value: Any) -> str:
    """The model type of a value whose property the model does not name."""
    if isinstance(value, bool):
        return "BOOLEAN"
    if isinstance(value, int):
        return "INTEGER"
    if isinstance(value, float):
        return "FLOAT"
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return "LIST<STRING>"
    if isinstance(value, str):
        return "STRING"
    raise NeedsMerge


def _cell(value: Any, kind: str) -> tuple[Any, bool]:
    """(the CSV cell of a value, whether it holds a line break); refuses what the column's
    type cannot carry."""
    if value is None:
        return None, False
    if kind == "STRING":
        if type(value) is not str:
            raise NeedsMerge
        return value, "\n" in value or "\r" in value
    if kind == "BOOLEAN":
        if type(value) is not bool:
            raise NeedsMerge
        return ("true" if value else "false"), False
    if kind == "INTEGER":
        if type(value) is not int:
            raise NeedsMerge
        return value, False
    if kind == "FLOAT":
        if type(value) not in (float, int) or not math.isfinite(value):
            raise NeedsMerge  # Java reads no "nan"/"inf"; MERGE keeps them
        return float(value), False
    if kind == "LIST<STRING>":
        if not isinstance(value, list | tuple) or not all(type(v) is str for v in value):
            raise NeedsMerge
        if not value or "" in value or any(ARRAY_DELIMITER in v for v in value):
            # The importer stores no property for an empty array (MERGE stores []), and an
            # empty element cannot be told from a separator: these rows are replayed.
            raise NeedsMerge
        joined = ARRAY_DELIMITER.join(value)
        return joined, "\n" in joined or "\r" in joined
    raise NeedsMerge


@dataclass
class _File:
    """One CSV part of one label or relationship type with one property list."""

    path: Path
    handle: IO[str]
    writer: Any
    kinds: tuple[str, ...]  # model type per property column, in header order
    rows: int = 0
    multiline: bool = False


class Neo4jImportFiles(BulkRows):
    """The loader's validated rows as `neo4j-admin database import` input files."""

    def __init__(self, out_dir: Path) -> None:
        super().__init__()
        self.out_dir = Path(out_dir)
        self._open: dict[tuple[bool, str, tuple[str, ...]], _File] = {}
        self._done: list[tuple[bool, str, _File]] = []
        self._parts: dict[str, int] = defaultdict(int)
        self.node_counts: dict[str, int] = defaultdict(int)
        self.rel_counts: dict[str, int] = defaultdict(int)

    def counts(self) -> GraphCounts:
        """What the graph holds once the files are imported (before the replay)."""
        return GraphCounts(dict(self.node_counts), dict(self.rel_counts))

    # the backend hooks --------------------------------------------------------------------
    def _begin(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        # The importer replaces the database whole, so no marker is needed: a killed export
        # leaves files nobody imports, a killed import a database the next import replaces.
        if self.out_dir.exists():
            shutil.rmtree(self.out_dir)
        self.out_dir.mkdir(parents=True)

    def _file(
        self, is_node: bool, name: str, keys: tuple[str, ...], props: dict[str, Any]
    ) -> _File:
        f = self._open.get((is_node, name, keys))
        if f is not None and f.rows < PART_ROWS:
            return f
        if f is not None:
            self._close(is_node, name, f)
        types = _PROP_TYPES.get(name, {})
        kinds = tuple(types.get(k) or _value_type(props[k]) for k in keys)
        if is_node:
            key = model.node_spec(name).key
            header = [
                f"{k}:ID({name})" if k == key else f"{k}:{_CSV_TYPES[t]}"
                for k, t in zip(keys, kinds, strict=True)
            ]
        else:
            spec = model.rel_spec(name)
            header = [f":START_ID({spec.start})", f":END_ID({spec.end})"]
            header += [f"{k}:{_CSV_TYPES[t]}" for k, t in zip(keys, kinds, strict=True)]
        self._parts[name] += 1
        path = self.out_dir / f"{'nodes' if is_node else 'rels'}-{name}-{self._parts[name]:03d}.csv"
        handle = path.open("w", newline="", encoding="utf-8")
        # QUOTE_STRINGS: every string quoted, so "" is an empty string and an unquoted empty
        # field (None) a missing property.
        writer = csv.writer(handle, quoting=csv.QUOTE_STRINGS, lineterminator="\n")
        writer.writerow(header)
        f = _File(path, handle, writer, kinds)
        self._open[(is_node, name, keys)] = f
        return f

    def _row(self, f: _File, keys: tuple[str, ...], props: dict[str, Any], lead: list[Any]) -> None:
        cells, multiline = list(lead), False
        for k, kind in zip(keys, f.kinds, strict=True):
            cell, breaks = _cell(props.get(k), kind)
            cells.append(cell)
            multiline |= breaks
        f.writer.writerow(cells)
        f.rows += 1
        f.multiline |= multiline

    def _add_node(self, label: str, props: dict[str, Any]) -> None:
        keys = token_keys(label, props)
        # Every model key is a string, which is what the importer's string id space holds.
        self._row(self._file(True, label, keys, props), keys, props, [])
        self.node_counts[label] += 1

    def _add_rel(
        self,
        rel_type: str,
        spec: model.RelSpec,
        start_id: int,
        end_id: int,
        start_key: Any,
        end_key: Any,
        props: dict[str, Any],
    ) -> None:
        if type(start_key) is not str or type(end_key) is not str:
            raise NeedsMerge
        keys = token_keys(rel_type, props)
        self._row(self._file(False, rel_type, keys, props), keys, props, [start_key, end_key])
        self.rel_counts[rel_type] += 1

    def _maybe_flush(self) -> None:
        return None  # rows go straight to the files' buffers

    def _flush(self) -> None:
        return None

    def _join(self) -> None:
        return None

    def nodes_written(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        return None

    def _close(self, is_node: bool, name: str, f: _File) -> None:
        f.handle.close()
        self._done.append((is_node, name, f))

    def finish(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        """Close the files; write the replay rows, the importer's arguments and the
        manifest `--after-import` checks the graph against."""
        for (is_node, name, _), f in list(self._open.items()):
            self._close(is_node, name, f)
        self._open.clear()
        self.phases["bulk_s"] = time.perf_counter() - self._started
        with (self.out_dir / REPLAY_FILE).open("w", encoding="utf-8") as out:
            for is_node, name, rows in self._replay:
                out.write(
                    json.dumps({"node": is_node, "name": name, "rows": rows}, ensure_ascii=False)
                    + "\n"
                )
        self.phases["replay_rows"] = sum(len(rows) for _, _, rows in self._replay)
        args = []
        for is_node, name, f in self._done:
            option = "--nodes" if is_node else "--relationships"
            args.append(f"{option}={name}={f.path.resolve()}")
        multiline = [str(f.path.resolve()) for _, _, f in self._done if f.multiline]
        if multiline:
            args += ["--multiline-fields-format=v2", "--multiline-fields=" + ",".join(multiline)]
        # Single-valued options last: --nodes and --relationships take any number of files,
        # so a database name after the @file would be read as one more file.
        args += [f"--array-delimiter=U+{ord(ARRAY_DELIMITER):04X}", "--bad-tolerance=0"]
        # picocli's @file syntax: one argument per line, quoted where it holds a space.
        (self.out_dir / ARGS_FILE).write_text(
            "".join(shlex.quote(a) + "\n" for a in args), encoding="utf-8"
        )

    def abort(self) -> None:
        for f in self._open.values():
            f.handle.close()

    def write_manifest(self, dataset_dir: Path, report: IngestReport) -> None:
        manifest = {
            "dataset_dir": str(Path(dataset_dir).resolve()),
            "dataset_key": dataset_key(dataset_dir),
            "nodes": dict(self.node_counts),
            "relationships": dict(self.rel_counts),
            "replay_rows": self.phases.get("replay_rows", 0),
            "files": [str(f.path.name) for _, _, f in self._done],
            "quarantined": report.quarantined,
            "created_at": time.time(),
        }
        (self.out_dir / MANIFEST_FILE).write_text(
            json.dumps(manifest, indent=1, ensure_ascii=False)
        )


def export_import_files(
    dataset_dir: Path, out_dir: Path, *, batch_size: int = 2000, progress: bool = True
) -> IngestReport:
    """Step 1: validate `dataset_dir` and write the importer's input into `out_dir`
    (replaced). The loader's checkpoint and quarantine go to `out_dir/state`."""
    sink = Neo4jImportFiles(out_dir)
    sink.begin(text_dim=None, graph_dim=None)  # creates out_dir: the state dir lives in it
    loader = Loader(
        None,
        dataset_dir,
        state_dir=Path(out_dir) / "state",
        batch_size=batch_size,
        progress=progress,
        resume=False,
        sink=sink,
    )
    try:
        report = loader.run(
            before_complete=lambda: sink.finish(text_dim=None, graph_dim=None),
            counts=sink.counts,
        )
    except BaseException:
        sink.abort()
        raise
    report.mode = "neo4j-export"
    report.phases = {k: round(v, 2) for k, v in sink.phases.items()}
    sink.write_manifest(dataset_dir, report)
    return report


def read_manifest(out_dir: Path) -> dict[str, Any]:
    path = Path(out_dir) / MANIFEST_FILE
    if not path.is_file():
        raise Neo4jImportError(
            f"no {MANIFEST_FILE} in {out_dir}: "
            f"run `tripgraph ingest --export-neo4j {out_dir}` first"
        )
    manifest: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return manifest


def finish_import(
    store: GraphStore,
    dataset_dir: Path,
    out_dir: Path,
    state_dir: Path,
    *,
    text_dim: int | None = None,
    graph_dim: int | None = None,
) -> IngestReport:
    """Step 3, on the imported graph: check it holds what `out_dir` holds, create the
    schema, replay the rows the files could not carry, record the ingest checkpoint."""
    started = time.perf_counter()
    manifest = read_manifest(out_dir)
    key = dataset_key(dataset_dir)
    if manifest["dataset_key"] != key:
        raise Neo4jImportError(
            f"{out_dir} was exported from other data ({manifest['dataset_dir']}), not {dataset_dir}"
        )
    counts = store.counts()
    expected = {**manifest["nodes"], **manifest["relationships"]}
    now = {**counts.nodes, **counts.relationships}
    wrong = {k: (now.get(k, 0), n) for k, n in expected.items() if now.get(k, 0) != n}
    if wrong:
        detail = ", ".join(
            f"{k} {have:,} (files {want:,})" for k, (have, want) in sorted(wrong.items())
        )
        raise Neo4jImportError(
            f"the graph does not hold the import in {out_dir}: {detail}. Import it first, with the "
            f"database stopped: neo4j-admin database import full --overwrite-destination "
            f"@{Path(out_dir).resolve() / ARGS_FILE} neo4j"
        )
    store.ensure_schema(text_dim=text_dim, graph_dim=graph_dim)
    schema = time.perf_counter()
    replayed = 0
    with (Path(out_dir) / REPLAY_FILE).open(encoding="utf-8") as lines:
        for line in lines:
            item = json.loads(line)
            if item["node"]:
                store.upsert_nodes(item["name"], item["rows"])
            else:
                store.upsert_relationships(item["name"], item["rows"])
            replayed += len(item["rows"])
    # The export's checkpoint (rows per file) and quarantine become this graph's, as if the
    # rows had been loaded here.
    exported = Checkpoint.of(Path(out_dir) / "state", dataset_dir)
    exported.load()
    checkpoint = Checkpoint.of(state_dir, dataset_dir)
    checkpoint.done = {k: v for k, v in exported.done.items() if k != "complete"}
    checkpoint.finish(store.counts())
    src = quarantine_path(Path(out_dir) / "state", key)
    dst = quarantine_path(state_dir, key)
    if src.exists():
        shutil.copyfile(src, dst)
    report = IngestReport(str(dataset_dir), quarantine_file=str(dst), mode="imported")
    report.seconds = time.perf_counter() - started
    report.phases = {
        "schema_s": round(schema - started, 2),
        "replay_rows": replayed,
        "replay_s": round(time.perf_counter() - schema, 2),
    }
    return report
