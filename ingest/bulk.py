"""First load into an empty graph, fast: the loader's validated rows, written in bulk.

`tripgraph ingest` upserts with `UNWIND ... MERGE`, which is idempotent and resumable but
looks every key up on every write (1,200 rows/s at full scale). Into an empty graph there is
nothing to merge with, so the first load takes this path:

- Validation, foreign keys and quarantine are the loader's own (`ingest.loader.Loader`
  drives it; only its sink differs), so bulk and MERGE accept and reject the same rows.
- FalkorDB (embedded and remote): FalkorDB's binary bulk protocol `GRAPH.BULK`, encoded
  here from the typed rows (the `falkordb_bulk_loader` package reads CSV files and
  infers types from text; our rows are already typed). Nodes get consecutive internal ids
  in the order they are sent, so relationships are sent as (start id, end id) pairs. The
  schema (range indexes, unique constraints, full-text indexes) is created once every node
  is in; the server builds it while the click log is read and its relationships sent.
- Neo4j: `UNWIND $rows AS row CREATE ...` in large transactions, nodes returning their
  element ids, relationships matched on those ids; the constraints and indexes afterwards.

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
"""

from __future__ import annotations

import contextlib
import queue
import struct
import threading
import time
from abc import ABC, abstractmethod
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, Literal

from graph_schema import model
from graph_schema.store import GraphStore, GraphStoreError
from ingest.loader import IngestMode, IngestReport, Loader

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

    if isinstance(store, FalkorDBQueries):
        return FalkorDBBulkSink(store, buffer_bytes=buffer_bytes or FalkorDBBulkSink.BUFFER_BYTES)
    if isinstance(store, Neo4jStore):
        return Neo4jBulkSink(store, batch_rows=Neo4jBulkSink.BATCH_ROWS)
    raise BulkLoadError(f"no bulk path for {type(store).__name__}: use --mode merge")


# -- the shared part of both sinks ------------------------------------------------------------
class _NeedsMerge(Exception):
    """A value the bulk encoding cannot carry: the row goes through MERGE at the end."""


class _Sender:
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
            except _NeedsMerge:
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
            except _NeedsMerge:
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
        """Buffer one new node (props without nulls); raise `_NeedsMerge` to refuse it."""

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


# -- FalkorDB: GRAPH.BULK -----------------------------------------------------------------
# Value tags of FalkorDB's bulk insert format (src/bulk_insert/bulk_insert.c).
_T_NULL, _T_BOOL, _T_DOUBLE, _T_STRING, _T_LONG, _T_ARRAY = 0, 1, 2, 3, 4, 5
_LONG = struct.Struct("=Bq")
_DOUBLE = struct.Struct("=Bd")
_COUNT = struct.Struct("=I")
_EDGE = struct.Struct("=QQ")
_TRUE, _FALSE, _NULL = bytes([_T_BOOL, 1]), bytes([_T_BOOL, 0]), bytes([_T_NULL])


def _encode(value: Any) -> bytes:
    """One property value in GRAPH.BULK's binary form (as the MERGE path types it)."""
    t = type(value)
    if t is str:
        if "\0" in value:
            raise _NeedsMerge  # strings travel NUL-terminated
        return b"\x03" + value.encode() + b"\0"
    if t is int:
        return _LONG.pack(_T_LONG, value)
    if t is float:
        return _DOUBLE.pack(_T_DOUBLE, value)
    if t is bool:
        return _TRUE if value else _FALSE
    if value is None:
        return _NULL
    if t is list or t is tuple:
        return _LONG.pack(_T_ARRAY, len(value)) + b"".join(map(_encode, value))
    raise _NeedsMerge


def _header(name: str, keys: Sequence[str]) -> bytes:
    return (
        name.encode() + b"\0" + _COUNT.pack(len(keys)) + b"".join(k.encode() + b"\0" for k in keys)
    )


def _token_keys(name: str, props: dict[str, Any]) -> tuple[str, ...]:
    """The model's property list (absent values are sent as NULL, which the server skips,
    as MERGE skips null properties), extended by any property the model does not name."""
    keys = _PROPS.get(name, ())
    if not props or props.keys() <= _PROP_SETS.get(name, frozenset()):
        return keys
    return keys + tuple(k for k in props if k not in keys)


class _Token:
    """One label or relationship type of one GRAPH.BULK call: a header naming the
    properties, then one record per entity."""

    __slots__ = ("count", "keys", "parts")

    def __init__(self, name: str, keys: tuple[str, ...]) -> None:
        self.keys = keys
        self.parts: list[bytes] = [_header(name, keys)]
        self.count = 0


class FalkorDBBulkSink(BulkSink):
    # Bytes per GRAPH.BULK call. Redis takes up to 512 MB per argument; calls of tens of MB
    # keep the server busy while the next one is encoded and the loader's memory flat.
    BUFFER_BYTES = 32_000_000

    def __init__(self, store: Any, *, buffer_bytes: int = BUFFER_BYTES) -> None:
        super().__init__(store)
        self.buffer_bytes = buffer_bytes
        self._labels: list[tuple[str, _Token]] = []  # in id order
        self._types: dict[tuple[str, tuple[str, ...]], _Token] = {}
        self._bytes = 0
        self._nodes = 0
        self._edges = 0
        self._first = True
        self._created = [0, 0]  # nodes, edges the server reported
        self._schema_started = False
        self._sender = _Sender(self._send)

    def _graph(self) -> Any:
        # The client graph object of the store (the store has no bulk command of its own).
        return self.store._graph  # type: ignore[attr-defined]

    def _begin(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        # GRAPH.BULK BEGIN creates the graph key and refuses one that exists; connecting
        # the store created it (empty: checked by the caller).
        import redis.exceptions

        with contextlib.suppress(redis.exceptions.ResponseError):  # no graph key
            self._graph().delete()
        self._add_node(MARKER_LABEL, {"started": time.time()})
        self._next_id += 1
        self._flush()

    def _add_node(self, label: str, props: dict[str, Any]) -> None:
        keys = _token_keys(label, props)
        record = b"".join([_encode(props.get(k)) for k in keys])
        if not self._labels or self._labels[-1][0] != label or self._labels[-1][1].keys != keys:
            # Node ids follow the order of the records, so a node always goes into the
            # last token; a token's records share its property list.
            self._labels.append((label, _Token(label, keys)))
            self._bytes += len(self._labels[-1][1].parts[0])
        tok = self._labels[-1][1]
        tok.parts.append(record)
        tok.count += 1
        self._nodes += 1
        self._bytes += len(record)

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
        keys = _token_keys(rel_type, props)
        record = _EDGE.pack(start_id, end_id)
        if keys:
            record += b"".join([_encode(props.get(k)) for k in keys])
        tok = self._types.get((rel_type, keys))
        if tok is None:
            tok = self._types[(rel_type, keys)] = _Token(rel_type, keys)
            self._bytes += len(tok.parts[0])
        tok.parts.append(record)
        tok.count += 1
        self._edges += 1
        self._bytes += len(record)

    def _maybe_flush(self) -> None:
        if self._bytes >= self.buffer_bytes:
            self._flush()

    def _flush(self) -> None:
        if not self._nodes and not self._edges:
            return
        node_tokens = [b"".join(t.parts) for _, t in self._labels]
        edge_tokens = [b"".join(t.parts) for t in self._types.values()]
        args: list[Any] = ["BEGIN"] if self._first else []
        args += [self._nodes, self._edges, len(node_tokens), len(edge_tokens)]
        args += node_tokens + edge_tokens
        self._first = False
        self._labels, self._types = [], {}
        self._bytes = self._nodes = self._edges = 0
        self._sender.put(args)

    def _send(self, args: list[Any]) -> None:
        graph = self._graph()
        reply = graph.execute_command("GRAPH.BULK", graph.name, *args)
        if isinstance(reply, bytes):
            reply = reply.decode()
        # "N nodes created, M edges created"
        parts = [int(p.strip().split(" ")[0]) for p in str(reply).split(",")]
        self._created[0] += parts[0]
        self._created[1] += parts[1]

    def _join(self) -> None:
        self._sender.join()

    def _after_bulk(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        expected = (self.nodes_sent + 1, self.rels_sent)  # + the marker
        if tuple(self._created) != expected:
            raise BulkLoadError(
                f"GRAPH.BULK created {self._created[0]} nodes and {self._created[1]} "
                f"relationships, expected {expected[0]} and {expected[1]}"
            )
        if not self._schema_started:
            self._start_schema(text_dim=text_dim, graph_dim=graph_dim)
        _wait_falkordb_schema(self.store)

    def nodes_written(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        # Only relationships follow (the click log: validated and aggregated by the loader
        # for a while before anything is sent): the server builds the indexes meanwhile.
        self._flush()
        self._join()
        self._start_schema(text_dim=text_dim, graph_dim=graph_dim)

    def _start_schema(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        # A fresh client graph object: the old one may hold the label and property ids of
        # the graph this load replaced. Index construction runs in the server.
        self.store._select_graph()  # type: ignore[attr-defined]
        self.store.ensure_schema(text_dim=text_dim, graph_dim=graph_dim)
        self._schema_started = True


def _wait_falkordb_schema(store: GraphStore, timeout_s: float = 3600.0) -> None:
    """Index and constraint construction on a loaded graph is asynchronous: wait until
    every one is operational, so that the graph is complete when the marker goes."""
    deadline = time.monotonic() + timeout_s
    while True:
        idx = store.write("CALL db.indexes() YIELD status RETURN status").rows
        con = store.write("CALL db.constraints() YIELD status RETURN status").rows
        states = {str(r["status"]).upper() for r in idx + con}
        if "FAILED" in states:
            raise BulkLoadError(f"index or constraint construction failed: {states}")
        if states <= {"OPERATIONAL"}:
            return
        if time.monotonic() > deadline:
            raise BulkLoadError(f"schema not operational after {timeout_s:.0f}s: {states}")
        time.sleep(0.2)


# -- Neo4j: batched CREATE -----------------------------------------------------------------
class Neo4jBulkSink(BulkSink):
    """Nodes by `UNWIND ... CREATE`, returning their element ids; relationships by
    `MATCH ... WHERE elementId(a) = ...` (a direct record lookup, no index seek); the
    constraints and indexes last, built once over the loaded graph. (Constraints first,
    with relationships matched on the keys, ran at 4,500-6,000 rows/s on 431,000 rows.)"""

    # Rows per transaction: large enough that per-transaction costs vanish, small enough
    # for the test server's 768 MB heap.
    BATCH_ROWS = 20_000

    def __init__(self, store: GraphStore, *, batch_rows: int = BATCH_ROWS) -> None:
        super().__init__(store)
        self.batch_rows = batch_rows
        # (is_node, label or type, rows) in the order the loader wrote them: nodes are
        # created (and their element ids known) before the relationships that use them.
        self._pending: list[tuple[bool, str, list[Any]]] = []
        self._rows = 0
        self._element_ids: list[str] = []  # by internal id; filled by the sender thread
        self._prefix: str | None = None  # the element ids' common prefix, if they have one
        self._tails: list[str] = []  # the element ids without it
        self._sender = _Sender(self._send)

    def _begin(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        self.store.write(f"CREATE (:{MARKER_LABEL} {{started: $t}})", {"t": time.time()})

    def _append(self, is_node: bool, name: str, item: Any) -> None:
        if not self._pending or self._pending[-1][:2] != (is_node, name):
            self._pending.append((is_node, name, []))
        self._pending[-1][2].append(item)
        self._rows += 1

    def _add_node(self, label: str, props: dict[str, Any]) -> None:
        self._append(True, label, props)

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
        self._append(False, rel_type, (start_id, end_id, props))

    def _maybe_flush(self) -> None:
        if self._rows >= self.batch_rows:
            self._flush()

    def _flush(self) -> None:
        for is_node, name, rows in self._pending:
            for chunk in _chunks(rows, self.batch_rows):
                self._sender.put((is_node, name, chunk))
        self._pending, self._rows = [], 0

    def _send(self, item: tuple[bool, str, list[Any]]) -> None:
        # The driver's pure-Python packer costs microseconds per value, more than the
        # server's work: nodes travel as lists of values under one key list (not maps),
        # relationships whose properties are integers as one space-separated string.
        is_node, name, rows = item
        if is_node:
            self._send_nodes(name, rows)
        elif self._prefix is not None and _integer_props(rows):
            self._send_rels_packed(name, rows)
        else:
            ids = self._element_ids
            cypher = (
                "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row[0] "
                f"MATCH (b) WHERE elementId(b) = row[1] CREATE (a)-[r:{name}]->(b) "
                "SET r = row[2]"
            )
            payload = [[ids[s], ids[e], p] for s, e, p in rows]
            self.store.write(cypher, {"rows": payload})

    def _send_nodes(self, label: str, rows: list[dict[str, Any]]) -> None:
        keys = list(dict.fromkeys(k for row in rows for k in row))
        # A null in CREATE's map sets nothing, as MERGE's `+=` of a null-free map.
        props = ", ".join(f"`{k}`: row[{i}]" for i, k in enumerate(keys))
        payload = [[row.get(k) for k in keys] for row in rows]
        result = self.store.write(
            f"UNWIND $rows AS row CREATE (n:{label} {{{props}}}) RETURN elementId(n) AS id",
            {"rows": payload},
        ).rows
        if len(result) != len(rows):
            raise BulkLoadError(f"{label}: {len(result)} nodes created of {len(rows)}")
        eids = [r["id"] for r in result]
        # Element ids are "<prefix>:<number>" with one prefix per database: relationships
        # then send the numbers only. (If not, they send whole ids.)
        if self._prefix is None and not self._element_ids:
            self._prefix = eids[0].rpartition(":")[0] + ":"
        if self._prefix is not None:
            n = len(self._prefix)
            tails = [e[n:] for e in eids]
            if all(e.startswith(self._prefix) for e in eids) and all(map(str.isdigit, tails)):
                self._tails.extend(tails)
            else:
                self._prefix = None
        self._element_ids.extend(eids)

    def _send_rels_packed(self, rel_type: str, rows: list[Any]) -> None:
        keys = list(rows[0][2])
        width = 2 + len(keys)
        tails = self._tails
        parts: list[str] = []
        for s, e, p in rows:
            parts.append(tails[s])
            parts.append(tails[e])
            parts.extend(map(str, p.values()))
        sets = ", ".join(f"r.`{k}` = toInteger(v[i + {2 + j}])" for j, k in enumerate(keys))
        cypher = (
            f"WITH split($data, ' ') AS v UNWIND range(0, size(v) - 1, {width}) AS i "
            "MATCH (a) WHERE elementId(a) = $prefix + v[i] "
            "MATCH (b) WHERE elementId(b) = $prefix + v[i + 1] "
            f"CREATE (a)-[r:{rel_type}]->(b)" + (f" SET {sets}" if keys else "")
        )
        self.store.write(cypher, {"data": " ".join(parts), "prefix": self._prefix})

    def _join(self) -> None:
        self._sender.join()

    def nodes_written(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        # Creating a constraint takes a schema lock that the relationship transactions
        # would wait on: the schema comes after everything (`_after_bulk`).
        return None

    def _after_bulk(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        # ensure_schema waits for the indexes to come online.
        self.store.ensure_schema(text_dim=text_dim, graph_dim=graph_dim)


def _integer_props(rows: list[Any]) -> bool:
    """Whether every relationship row has the same property keys, all with int values."""
    keys = rows[0][2].keys()
    return all(p.keys() == keys and all(type(v) is int for v in p.values()) for _, _, p in rows)


def _chunks(rows: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(rows), n):
        yield rows[i : i + n]
