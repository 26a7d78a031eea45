"""First load into an empty graph, fast: the loader's validated rows, written in bulk.

`tripgraph ingest` upserts with `UNWIND ... MERGE`, which is idempotent and resumable but
looks every key up on every write (1,200 rows/s at full scale). Into an empty graph there is
nothing to merge with, so the first load takes this path:

- Validation, foreign keys and quarantine are the loader's own (`ingest.loader.Loader`
  drives it; only its sink differs), so bulk and MERGE accept and reject the same rows.
- FalkorDB (embedded and remote, `ingest.bulk_falkordb`): FalkorDB's binary bulk protocol
  `GRAPH.BULK`, encoded from the typed rows (the `falkordb_bulk_loader` package reads CSV
  files and infers types from text; our rows are already typed). Nodes get consecutive
  internal ids in the order they are sent, so relationships are sent as (start id, end id)
  pairs. The schema (range indexes, unique constraints, full-text indexes) is created once
  every node is in; the server builds it while the click log is read and its relationships
  sent.
- Neo4j (`ingest.bulk_neo4j`): `UNWIND $rows AS row CREATE ...` in large transactions,
  nodes returning their element ids, relationships matched on those ids; the constraints
  and indexes afterwards.

A repeated key ends as file-order MERGE leaves it: the first row of a node key (or of
a relationship's (type, start, end)) is created in bulk; a later row that would change it is
replayed at the end through the store's MERGE upserts, in file order: the last row of a
key wins, as with MERGE on Neo4j and with MERGE across batches on FalkorDB. (Within one
`UNWIND ... MERGE` batch FalkorDB applies repeated keys in no documented order: measured,
neither the first nor the last row wins. The generated datasets repeat no key.) Rows the
binary protocol cannot carry (a string holding NUL) take the same route.

A bulk load is not resumable batch by batch. It writes a marker node first and deletes it
last: a graph that still holds the marker was left half-loaded by a killed bulk load, and
the next ingest (any mode) deletes the graph and loads it again from scratch.

This module holds what both sinks share: choosing the path, the run, the rows kept for the
replay and the background sender.
"""

from __future__ import annotations

import contextlib
import queue
import threading
import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from graph_schema import model
from graph_schema.store import GraphStore, GraphStoreError
from ingest.load_state import IngestReport
from ingest.loader import IngestMode, Loader

# The label of the marker node that exists only while a bulk load runs.
MARKER_LABEL = "BulkLoadInProgress"

_VECTOR_PROPS = {
    spec.label: frozenset(p.name for p in spec.props if p.type == "LIST<FLOAT>")
    for spec in model.NODES
}
# The property lists of the model, in its order: the header of a GRAPH.BULK token.
_PROPS: dict[str, tuple[str, ...]] = {
    **{
        spec.label: tuple(p.name for p in spec.props if p.type != "LIST<FLOAT>")
        for spec in model.NODES
    },
    **{rel.type: tuple(p.name for p in rel.props) for rel in model.RELATIONSHIPS},
}
_PROP_SETS = {name: frozenset(keys) for name, keys in _PROPS.items()}


def token_keys(name: str, props: dict[str, Any]) -> tuple[str, ...]:
    """The model's property list (absent values are sent as NULL, which the server skips,
    as MERGE skips null properties), extended by any property the model does not name."""
    keys = _PROPS.get(name, ())
    if not props or props.keys() <= _PROP_SETS.get(name, frozenset()):
        return keys
    return keys + tuple(k for k in props if k not in keys)


class BulkLoadError(GraphStoreError):
    """The bulk path cannot run (graph not empty, unsupported backend) or failed."""


# -- choosing the path ----------------------------------------------------------------------
def partial_bulk_load(store: GraphStore) -> bool:
    """Whether the graph holds the marker of a bulk load that did not finish."""
    return bool(store.read(f"MATCH (m:{MARKER_LABEL}) RETURN count(m) AS n").value("n"))


def graph_is_empty(store: GraphStore) -> bool:
    return not store.read("MATCH (n) RETURN count(n) AS n").value("n")


def discard_partial_bulk_load(store: GraphStore) -> bool:
    """Delete a graph that a killed bulk load left half-loaded. Returns whether it did."""
    if not partial_bulk_load(store):
        return False
    store.clear()
    return True


def choose_mode(store: GraphStore, requested: IngestMode) -> Literal["bulk", "merge"]:
    if requested == "merge":
        return "merge"
    if graph_is_empty(store):
        return "bulk"
    if requested == "bulk":
        raise BulkLoadError(
            "--mode bulk needs an empty graph and this one holds data: use --mode merge (or "
            "auto) to upsert into it, or delete the graph first"
        )
    return "merge"


def bulk_ingest(
    store: GraphStore,
    dataset_dir: Path,
    state_dir: Path,
    *,
    batch_size: int = 2000,
    progress: bool = True,
    text_dim: int | None = None,
    graph_dim: int | None = None,
    buffer_bytes: int | None = None,
) -> IngestReport:
    """Load `dataset_dir` into the empty graph of `store` through its bulk sink.

    The checkpoint is written as the MERGE path writes it (rows per file, then "complete"),
    so a later `ingest` in auto or merge mode on this graph resumes past everything; while
    the load runs, its positions are not a promise (the marker is)."""
    if not graph_is_empty(store):
        raise BulkLoadError("a bulk load needs an empty graph")
    sink = make_sink(store, buffer_bytes=buffer_bytes)
    loader = Loader(
        store,
        dataset_dir,
        state_dir=state_dir,
        batch_size=batch_size,
        progress=progress,
        resume=False,
        sink=sink,
    )
    loader.quarantine.discard()
    sink.begin(text_dim=text_dim, graph_dim=graph_dim)
    try:
        report = loader.run(
            after_nodes=lambda: sink.nodes_written(text_dim=text_dim, graph_dim=graph_dim),
            before_complete=lambda: sink.finish(text_dim=text_dim, graph_dim=graph_dim),
        )
    finally:
        sink.abort()  # stops the sender thread if a step failed; a no-op after finish()
    report.mode = "bulk"
    report.phases = {k: round(v, 2) for k, v in sink.phases.items()}
    return report


def make_sink(store: GraphStore, *, buffer_bytes: int | None = None) -> BulkSink:
    from graph_schema.falkordb_query import FalkorDBQueries
    from graph_schema.neo4j_store import Neo4jStore
    from ingest.bulk_falkordb import FalkorDBBulkSink
    from ingest.bulk_neo4j import Neo4jBulkSink

    if isinstance(store, FalkorDBQueries):
        return FalkorDBBulkSink(store, buffer_bytes=buffer_bytes or FalkorDBBulkSink.BUFFER_BYTES)
    if isinstance(store, Neo4jStore):
        return Neo4jBulkSink(store, batch_rows=Neo4jBulkSink.BATCH_ROWS)
    raise BulkLoadError(f"no bulk path for {type(store).__name__}: use --mode merge")


# -- the shared part of both sinks ------------------------------------------------------------
class NeedsMerge(Exception):
    """A value the bulk encoding cannot carry: the row goes through MERGE at the end."""


class Sender:
    """Sends prepared batches from one background thread, in order, while the loader
    validates and encodes the next ones (the database works in another process; waiting on
    its socket releases the GIL). At most `depth` batches wait, to bound memory."""

    def __init__(self, send: Callable[[Any], None], depth: int = 1) -> None:
        self._send = send
        self._queue: queue.Queue[Any] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None

    def put(self, item: Any) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="bulk-sender", daemon=True)
            self._thread.start()
        self._raise()
        self._queue.put(item)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                return
            if self._error is None:
                try:
                    self._send(item)
                except BaseException as exc:  # re-raised in the loader's thread
                    self._error = exc

    def _raise(self) -> None:
        if self._error is not None:
            raise BulkLoadError(f"bulk write failed: {self._error}") from self._error

    def join(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join()
            self._thread = None
        self._raise()


class BulkRows(ABC):
    """Takes the loader's upserts for an empty graph and hands new nodes and relationships
    to a backend in bulk; rows that would update something already handed over are kept,
    in order, for a MERGE replay at the end (`_replay`). The backends: `BulkSink` below
    (a live store) and `ingest.neo4j_import` (files for `neo4j-admin database import`)."""

    def __init__(self) -> None:
        # label -> key -> internal id (FalkorDB's node ids; Neo4j uses them only for the
        # relationship de-duplication below)
        self._ids: dict[str, dict[Any, int]] = defaultdict(dict)
        self._next_id = 0
        # keys of nodes that exist only through the MERGE replay
        self._merge_keys: dict[str, set[Any]] = defaultdict(set)
        # rel type -> start id << 32 | end id, of relationships written in bulk
        self._rels: dict[str, set[int]] = defaultdict(set)
        self._replay: list[tuple[bool, str, list[dict[str, Any]]]] = []
        self.nodes_sent = 0
        self.rels_sent = 0
        self._started = time.perf_counter()
        # seconds: validating, encoding and sending (bulk_s), creating the schema
        # (schema_s), replaying MERGE rows (replay_s)
        self.phases: dict[str, float] = {}

    # the loader's Sink interface -----------------------------------------------------------
    def upsert_nodes(self, label: str, rows: list[dict[str, Any]]) -> int:
        key = model.node_spec(label).key
        ids, merge_keys = self._ids[label], self._merge_keys[label]
        vectors = _VECTOR_PROPS[label]
        later: list[dict[str, Any]] = []
        for row in rows:
            props = {k: v for k, v in row.items() if v is not None}
            if vectors & props.keys():
                raise BulkLoadError(f"{label}: vectors are written by `tripgraph embed`")
            k = props[key]
            if k in ids or k in merge_keys:
                if len(props) > 1 or k in merge_keys:  # only the key: MERGE would change nothing
                    later.append(row)
                continue
            try:
                self._add_node(label, props)
            except NeedsMerge:
                merge_keys.add(k)
                later.append(row)
                continue
            ids[k] = self._next_id
            self._next_id += 1
            self.nodes_sent += 1
        if later:
            self._replay.append((True, label, later))
        self._maybe_flush()
        return len(rows)

    def upsert_relationships(self, rel_type: str, rows: list[dict[str, Any]]) -> int:
        spec = model.rel_spec(rel_type)
        start_ids, end_ids = self._ids[spec.start], self._ids[spec.end]
        start_merge, end_merge = self._merge_keys[spec.start], self._merge_keys[spec.end]
        seen = self._rels[rel_type]
        later: list[dict[str, Any]] = []
        matched = 0
        for row in rows:
            s, e = start_ids.get(row["start"]), end_ids.get(row["end"])
            props = (
                {k: v for k, v in row.items() if k not in ("start", "end") and v is not None}
                if len(row) > 2
                else {}
            )
            if s is None or e is None:
                # An end that MERGE creates later (replay) still needs the replay; an end
                # that exists nowhere is dropped, as MERGE's MATCH would drop it.
                if row["start"] in start_merge or row["end"] in end_merge:
                    later.append(row)
                    matched += 1
                continue
            matched += 1
            pair = s << 32 | e
            if pair in seen:
                if props:  # a repeated relationship with properties: MERGE updates them
                    later.append(row)
                continue
            try:
                self._add_rel(rel_type, spec, s, e, row["start"], row["end"], props)
            except NeedsMerge:
                later.append(row)
                continue
            seen.add(pair)
            self.rels_sent += 1
        if later:
            self._replay.append((False, rel_type, later))
        self._maybe_flush()
        return matched

    # the run -----------------------------------------------------------------------------
    def begin(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        """Write the marker (before any data)."""
        self._started = time.perf_counter()
        self._begin(text_dim=text_dim, graph_dim=graph_dim)

    @abstractmethod
    def nodes_written(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        """Every node has been handed over; relationships may follow."""

    @abstractmethod
    def finish(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        """Everything has been handed over: complete the load."""

    def abort(self) -> None:
        """Stop the background sender (after a failure: the marker stays)."""
        with contextlib.suppress(BulkLoadError):
            self._join()

    # what a backend provides ---------------------------------------------------------------
    @abstractmethod
    def _begin(self, *, text_dim: int | None, graph_dim: int | None) -> None: ...

    @abstractmethod
    def _add_node(self, label: str, props: dict[str, Any]) -> None:
        """Buffer one new node (props without nulls); raise `NeedsMerge` to refuse it."""

    @abstractmethod
    def _add_rel(
        self,
        rel_type: str,
        spec: model.RelSpec,
        start_id: int,
        end_id: int,
        start_key: Any,
        end_key: Any,
        props: dict[str, Any],
    ) -> None: ...

    @abstractmethod
    def _maybe_flush(self) -> None: ...

    @abstractmethod
    def _flush(self) -> None: ...

    @abstractmethod
    def _join(self) -> None: ...


class BulkSink(BulkRows):
    """Bulk rows into a live store: the rows kept for later are replayed through the
    store's MERGE upserts at the end, then the marker is deleted."""

    def __init__(self, store: GraphStore) -> None:
        super().__init__()
        self.store = store

    def finish(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        """Send what is buffered, create the schema, replay the MERGE rows, then delete
        the marker: from here on the graph is complete."""
        self._flush()
        self._join()
        started = time.perf_counter()
        self.phases["bulk_s"] = started - self._started
        self._after_bulk(text_dim=text_dim, graph_dim=graph_dim)
        replay = time.perf_counter()
        self.phases["schema_s"] = replay - started
        for is_node, name, rows in self._replay:
            if is_node:
                self.store.upsert_nodes(name, rows)
            else:
                self.store.upsert_relationships(name, rows)
        self.phases["replay_rows"] = sum(len(rows) for _, _, rows in self._replay)
        self._replay.clear()
        self.store.write(f"MATCH (m:{MARKER_LABEL}) DELETE m")
        self.phases["replay_s"] = time.perf_counter() - replay

    @abstractmethod
    def _after_bulk(self, *, text_dim: int | None, graph_dim: int | None) -> None: ...
