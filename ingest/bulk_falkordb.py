"""The FalkorDB sink of the bulk load (`ingest.bulk`): rows encoded in FalkorDB's binary
bulk protocol, `GRAPH.BULK` (value tags and layout of src/bulk_insert/bulk_insert.c), sent
from a background thread; the schema built by the server while relationships follow."""

from __future__ import annotations

import contextlib
import struct
import time
from collections.abc import Sequence
from typing import Any

from graph_schema import model
from graph_schema.store import GraphStore
from ingest.bulk import MARKER_LABEL, BulkLoadError, BulkSink, NeedsMerge, Sender, token_keys

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
            raise NeedsMerge  # strings travel NUL-terminated
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
    raise NeedsMerge


def _header(name: str, keys: Sequence[str]) -> bytes:
    return (
        name.encode() + b"\0" + _COUNT.pack(len(keys)) + b"".join(k.encode() + b"\0" for k in keys)
    )


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
        self._sender = Sender(self._send)

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
        keys = token_keys(label, props)
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
        keys = token_keys(rel_type, props)
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
