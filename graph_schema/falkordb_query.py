"""A `GraphStore` over a FalkorDB client: the connection to one graph, query execution
(reads through RO_QUERY; one reconnect and retry when the server went away), schema DDL, and
the client's values in both directions (parameters rendered fast, results as plain data).

The two FalkorDB stores (`falkordb_store.py`) build on it: with the vectors' sidecar
(`falkordb_vectors.py`) and each with its own way of connecting (`_open`).
"""

from __future__ import annotations

import contextlib
import time
from abc import abstractmethod
from collections.abc import Mapping, Sequence
from typing import Any

import redis.exceptions

from graph_schema import dialect_falkordb, model
from graph_schema.model import HIDDEN_PROPS
from graph_schema.store import GraphStore, GraphStoreError, QueryResult, ReadOnlyViolation

_SCALARS = frozenset({str, int, float, bool})


class FloatListLiteral:
    """A list of floats (a query vector) pre-rendered as a Cypher list literal.

    The client renders parameters into a `CYPHER name=value` header element by element
    (several type checks per float: ~1 ms per 512-d vector, paid on every vector query);
    values it does not know it renders with `str()`, which this object answers with the
    same text, built in one `join`."""

    __slots__ = ("text",)

    def __init__(self, values: list[float]) -> None:
        self.text = "[" + ",".join(map(repr, values)) + "]"

    def __str__(self) -> str:
        return self.text


class VectorRowsLiteral:
    """`set_vectors` rows (`[{key, vec}, ...]`) pre-rendered as one Cypher list literal.

    The client renders a parameter element by element (`stringify_param_value`: several
    type checks per float): 9.9 s for a batch of 2,000 512-d vectors on this loaded 2-core
    machine, 2.1 s this way (one C-level `%` format per vector), and 35% less text for the
    server to parse. `%.9g` is the shortest fixed format that gives every float32 back
    exactly, and float32 is what `vecf32()` stores."""

    __slots__ = ("text",)

    def __init__(self, pairs: list[tuple[Any, Sequence[float]]]) -> None:
        from falkordb.helpers import stringify_param_value

        formats: dict[int, str] = {}
        parts = []
        for key, vec in pairs:
            values = tuple(map(float, vec))
            fmt = formats.get(len(values))
            if fmt is None:
                fmt = formats[len(values)] = ",".join(["%.9g"] * len(values))
            parts.append(f"{{key:{stringify_param_value(key)},vec:[{fmt % values}]}}")
        self.text = "[" + ",".join(parts) + "]"

    def __str__(self) -> str:
        return self.text


def fast_params(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: FloatListLiteral(v)
        if type(v) is list and len(v) > 16 and all(type(x) is float for x in v)
        else v
        for k, v in params.items()
    }


# Plan operators that change the graph (GRAPH.EXPLAIN output, one operator per line).
WRITE_OPERATORS = frozenset({"create", "merge", "delete", "update", "foreach", "load csv"})


def to_python(value: Any) -> Any:
    """Turn falkordb client values (Node, Edge, Path) into plain JSON-able data."""
    # Most values are scalars: answer them before the (per-call) import and type checks,
    # which cost more than the rest of result handling together.
    if value is None or type(value) in _SCALARS:
        return value
    from falkordb import Edge, Node
    from falkordb import Path as FPath

    if isinstance(value, Node):
        props = {k: to_python(v) for k, v in value.properties.items() if k not in HIDDEN_PROPS}
        return {"_id": value.id, "_labels": list(value.labels or []), **props}
    if isinstance(value, Edge):
        return {
            "_id": value.id,
            "_type": value.relation,
            "_start": value.src_node,
            "_end": value.dest_node,
            **{k: to_python(v) for k, v in value.properties.items()},
        }
    if isinstance(value, FPath):
        return {
            "nodes": [to_python(n) for n in value.nodes()],
            "relationships": [to_python(e) for e in value.edges()],
        }
    if isinstance(value, dict):
        return {k: to_python(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_python(v) for v in value]
    return value


class FalkorDBQueries(GraphStore):
    """One FalkorDB graph through the `falkordb` client API; subclasses connect (`_open`)."""

    dialect = dialect_falkordb

    def __init__(self, graph_name: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.graph_name = graph_name
        self._db: Any = None
        self._graph: Any = None

    @abstractmethod
    def _open(self) -> Any:
        """Return a connected FalkorDB client object."""

    def connect(self) -> None:
        if self._db is None:
            self._db = self._open()
            self._select_graph()

    def _select_graph(self) -> None:
        self._graph = self._db.select_graph(self.graph_name)
        # RO_QUERY fails on a graph key that does not exist yet; a no-op write query
        # creates the (empty) graph so that reads on a fresh store simply return nothing.
        self._graph.query("RETURN 0")

    def close(self) -> None:
        db, self._db, self._graph = self._db, None, None
        if db is not None and hasattr(db, "close"):
            db.close()

    def _reap_dead_server(self) -> None:
        """Hook for backends that own the server process."""

    def _call(self, read_only: bool, cypher: str, params: dict[str, Any], timeout_ms: int | None):
        if self._graph is None:
            raise GraphStoreError("store is not connected: call connect() first")
        try:
            return self._query(read_only, cypher, params, timeout_ms)
        except (redis.exceptions.ConnectionError, BrokenPipeError):
            # The server (for the embedded store: our child process) went away. Reconnect
            # once and retry; MERGE-based writes are idempotent, so a retry is safe.
            self._reap_dead_server()
            self.close()
            self.connect()
            return self._query(read_only, cypher, params, timeout_ms)

    def _query(self, read_only: bool, cypher: str, params: dict[str, Any], timeout_ms: int | None):
        fn = self._graph.ro_query if read_only else self._graph.query
        return fn(cypher, params=fast_params(params) if params else None, timeout=timeout_ms)

    def _result(self, res: Any, max_rows: int | None, started: float) -> QueryResult:
        columns = [h[1] if isinstance(h, list | tuple) else str(h) for h in res.header]
        raw = res.result_set
        truncated = max_rows is not None and len(raw) > max_rows
        if truncated:
            raw = raw[:max_rows]
        rows = [dict(zip(columns, (to_python(v) for v in row), strict=True)) for row in raw]
        return QueryResult(
            columns=columns,
            rows=rows,
            truncated=truncated,
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )

    def _run_read(
        self, cypher: str, params: dict[str, Any], *, timeout_ms: int, max_rows: int
    ) -> QueryResult:
        started = time.perf_counter()
        try:
            res = self._call(True, cypher, params, timeout_ms)
        except redis.exceptions.ResponseError as exc:
            msg = str(exc)
            if "read-only" in msg.lower() or "RO_QUERY" in msg:
                raise ReadOnlyViolation(f"the engine refused a write: {msg}") from exc
            raise GraphStoreError(msg) from exc
        return self._result(res, max_rows, started)

    def _vector_rows(self, pairs: list[tuple[str, Sequence[float]]]) -> Any:
        return VectorRowsLiteral(pairs)

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        started = time.perf_counter()
        try:
            res = self._call(False, cypher, dict(params or {}), None)
        except redis.exceptions.ResponseError as exc:
            raise GraphStoreError(str(exc)) from exc
        return self._result(res, None, started)

    def explain_is_read_only(self, cypher: str) -> bool:
        # GRAPH.EXPLAIN builds the plan without running it; write operators in the plan
        # mean the query would change the graph.
        try:
            plan = self._graph.explain(cypher)
        except redis.exceptions.ResponseError as exc:
            raise GraphStoreError(str(exc)) from exc
        operators = {line.split("|")[0].strip().lower() for line in str(plan).splitlines()}
        return not operators & WRITE_OPERATORS

    def _run_ddl(self, stmt: str) -> None:
        try:
            self.write(stmt)
        except GraphStoreError as exc:
            if "already" not in str(exc).lower():
                raise

    def ensure_schema(self, *, text_dim: int | None = None, graph_dim: int | None = None) -> None:
        super().ensure_schema(text_dim=text_dim, graph_dim=graph_dim)
        existing = {
            (c["label"], tuple(c["properties"]))
            for c in self._graph.list_constraints()
            if c.get("type") == "UNIQUE"
        }
        for spec in model.NODES:
            if (spec.label, (spec.key,)) not in existing:
                self._graph.create_node_unique_constraint(spec.label, spec.key)

    def _existing_index_names(self) -> set[str]:
        rows = self.write("CALL db.indexes() YIELD label, properties, types RETURN *").rows
        have: set[tuple[str, str, str]] = set()
        for r in rows:
            types = r["types"] or {}
            for prop in r["properties"]:
                for kind in types.get(prop, []):
                    have.add((r["label"], prop, str(kind).upper()))
        names = {v.name for v in model.VECTOR_INDEXES if (v.label, v.prop, "VECTOR") in have}
        names |= {
            f.name
            for f in model.FULLTEXT_INDEXES + model.RETIRED_FULLTEXT_INDEXES
            if all((f.label, p, "FULLTEXT") in have for p in f.props)
        }
        return names

    def clear(self) -> None:
        with contextlib.suppress(redis.exceptions.ResponseError):  # no graph yet
            self._graph.delete()
        self._select_graph()
