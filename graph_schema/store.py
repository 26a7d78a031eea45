"""The `GraphStore` interface: one contract for the embedded, Neo4j and FalkorDB backends.

Backends differ only where the engines differ (index DDL and procedures, constraints,
read-only execution, vector literals); those differences live in one dialect module per
backend (`dialect_falkordb.py`, `dialect_neo4j.py`). Everything else — batched upserts,
schema creation, counts, fingerprints — is written once here against the dialect.
"""

from __future__ import annotations

import hashlib
import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol

import numpy as np

from graph_schema import model, queries
from graph_schema.model import vector_spec, vector_spec_for
from graph_schema.readonly import check_read_only
from graph_schema.vector_check import (
    VECTOR_SOURCES,
    VectorDiff,
    VectorStatus,
    cheap_status,
    diff_fingerprints,
    fingerprint_length,
    full_status,
    text_fingerprint,
)

# Rows per transaction when vectors are written through Cypher (Neo4j; FalkorDB non-sidecar).
VECTOR_WRITE_ROWS = 1_000

# The check is a pure function of the text, and the app's own queries are a few fixed
# templates (values travel as parameters) read many times per second: remember verdicts.
# Refusals raise, so they are never cached and are checked again every time.
_check_read_only = lru_cache(maxsize=1024)(check_read_only)


class GraphStoreError(RuntimeError):
    """A backend failed to run a query (connection lost, syntax error, timeout)."""


class ReadOnlyViolation(GraphStoreError):
    """A query sent through the read path would change the graph; nothing was run."""


@dataclass
class QueryResult:
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = False  # more rows existed than the row limit
    elapsed_ms: float = 0.0

    def single(self) -> dict[str, Any]:
        if len(self.rows) != 1:
            raise GraphStoreError(f"expected one row, got {len(self.rows)}")
        return self.rows[0]

    def value(self, column: str | None = None) -> Any:
        row = self.single()
        return row[column or self.columns[0]]


@dataclass(frozen=True)
class IndexHit:
    """A node found through a vector or full-text index. `score`: higher is better
    (cosine similarity for vector indexes, engine relevance for full-text)."""

    node: dict[str, Any]
    score: float


@dataclass
class GraphCounts:
    nodes: dict[str, int] = field(default_factory=dict)
    relationships: dict[str, int] = field(default_factory=dict)

    @property
    def total_nodes(self) -> int:
        return sum(self.nodes.values())

    @property
    def total_relationships(self) -> int:
        return sum(self.relationships.values())


class Dialect(Protocol):
    """Engine-specific Cypher. Each backend module exposes one instance."""

    name: str

    def vector_value(self, expr: str) -> str:
        """Wrap a list expression so the engine stores it as an indexable vector."""
        ...

    def create_constraint(self, spec: model.NodeSpec) -> list[str]: ...

    def create_vector_index(self, spec: model.VectorIndexSpec, dimension: int) -> str: ...

    def query_vector_index(self, spec: model.VectorIndexSpec) -> str:
        """Query with $k and $vector; yields `node` and `score` (similarity, higher = better)."""
        ...

    def create_fulltext_index(self, spec: model.FulltextIndexSpec) -> list[str]: ...

    def drop_fulltext_index(self, spec: model.FulltextIndexSpec) -> str: ...

    def query_fulltext_index(self, spec: model.FulltextIndexSpec) -> str:
        """Query with $query and $k; yields `node` and `score`."""
        ...


class GraphStore(ABC):
    """A property graph the app reads and the ingest writes.

    Connecting is explicit (`connect()` / context manager); constructors do no I/O.
    `read()` is the only path for user or LLM Cypher: it is checked statically and then
    executed read-only by the engine. `write()` is for the project's own code.
    """

    dialect: Dialect

    def __init__(self, *, query_timeout_ms: int = 5000, max_rows: int = 1000) -> None:
        self.query_timeout_ms = query_timeout_ms
        self.max_rows = max_rows

    # -- lifecycle -------------------------------------------------------------------------
    @abstractmethod
    def connect(self) -> None: ...

    @abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> GraphStore:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- queries ---------------------------------------------------------------------------
    def read(
        self,
        cypher: str,
        params: Mapping[str, Any] | None = None,
        *,
        timeout_ms: int | None = None,
        max_rows: int | None = None,
    ) -> QueryResult:
        """Run a read-only query. Raises `ReadOnlyViolation` (nothing run) for writes."""
        try:
            checked = _check_read_only(cypher)
        except ValueError as exc:
            raise ReadOnlyViolation(str(exc)) from exc
        return self._run_read(
            checked.text,
            dict(params or {}),
            timeout_ms=timeout_ms or self.query_timeout_ms,
            max_rows=max_rows or self.max_rows,
        )

    @abstractmethod
    def _run_read(
        self, cypher: str, params: dict[str, Any], *, timeout_ms: int, max_rows: int
    ) -> QueryResult:
        """Execute with the engine's own read-only guarantee."""

    @abstractmethod
    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        """Run a write query. Internal use only: never pass user or LLM text here."""

    @abstractmethod
    def explain_is_read_only(self, cypher: str) -> bool:
        """Ask the engine (without running the query) whether it is read-only."""

    # -- schema ----------------------------------------------------------------------------
    def ensure_schema(self, *, text_dim: int | None = None, graph_dim: int | None = None) -> None:
        """Create constraints, full-text indexes and the vector indexes whose dimension is
        known, and drop retired indexes. Idempotent."""
        existing = self._existing_index_names()
        for spec in model.NODES:
            for stmt in self.dialect.create_constraint(spec):
                self._run_ddl(stmt)
        for ft in model.FULLTEXT_INDEXES:
            if ft.name not in existing:
                for stmt in self.dialect.create_fulltext_index(ft):
                    self._run_ddl(stmt)
        for ft in model.RETIRED_FULLTEXT_INDEXES:
            if ft.name in existing:
                self._run_ddl(self.dialect.drop_fulltext_index(ft))
        dims = {"text": text_dim, "graph": graph_dim}
        for vi in model.VECTOR_INDEXES:
            dim = dims[vi.dimension_setting]
            if dim:
                self._ensure_vector_index(vi, dim, exists=vi.name in existing)

    def _ensure_vector_index(self, spec: model.VectorIndexSpec, dim: int, *, exists: bool) -> None:
        """Create the engine's vector index (backends keeping vectors elsewhere override)."""
        if not exists:
            self._run_ddl(self.dialect.create_vector_index(spec, dim))

    @abstractmethod
    def _existing_index_names(self) -> set[str]:
        """Names (as in graph_schema.model) of vector/full-text indexes that exist."""

    def _run_ddl(self, stmt: str) -> None:
        self.write(stmt)

    def schema_text(self) -> str:
        return model.schema_text()

    # -- batched upserts -------------------------------------------------------------------
    def upsert_nodes(self, label: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """MERGE nodes on their key and set the other properties. Idempotent."""
        if not rows:
            return 0
        spec = model.node_spec(label)
        vector_props = [p.name for p in spec.props if p.type == "LIST<FLOAT>"]
        payload = []
        for row in rows:
            item: dict[str, Any] = {
                "key": row[spec.key],
                "props": {k: v for k, v in row.items() if k not in vector_props and v is not None},
            }
            for name in vector_props:
                item[f"vec_{name}"] = row.get(name)
            payload.append(item)
        self.write(queries.upsert_nodes(label, vector_props, self.dialect), {"rows": payload})
        return len(rows)

    def upsert_relationships(self, rel_type: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """MERGE relationships between existing nodes; rows carry `start`, `end` (the key
        values of the end nodes) and the relationship properties. Idempotent. Returns the
        number of rows whose end nodes both existed."""
        if not rows:
            return 0
        payload = [
            {
                "start": r["start"],
                "end": r["end"],
                "props": {
                    k: v for k, v in r.items() if k not in ("start", "end") and v is not None
                },
            }
            for r in rows
        ]
        return int(self.write(queries.upsert_relationships(rel_type), {"rows": payload}).value("n"))

    def set_vectors(
        self,
        label: str,
        prop: str,
        items: Iterable[tuple[str, Sequence[float]]],
        *,
        fingerprints: Sequence[int] | None = None,
    ) -> int:
        """Store vectors (e.g. embeddings) on existing nodes by key. `fingerprints`: one
        content fingerprint per item (`vector_index.text_fingerprint` of the embedded text),
        so that `vector_status(full=True)` can tell a vector whose text changed."""
        model.node_spec(label)  # KeyError for an unknown label, before anything is read
        pairs = list(items)
        if not pairs:
            return 0
        vi = vector_spec_for(label, prop)
        fps = list(fingerprints) if vi is not None and fingerprints is not None else None
        fp_prop = model.fingerprint_prop(vi) if vi is not None and fps is not None else None
        cypher = queries.set_vectors(label, prop, fp_prop, self.dialect)
        # Callers hand over large segments (the embed job: 50,000 vectors); one transaction
        # per `VECTOR_WRITE_ROWS` keeps the server's transaction state and parameters small.
        written = 0
        for i in range(0, len(pairs), VECTOR_WRITE_ROWS):
            part = pairs[i : i + VECTOR_WRITE_ROWS]
            rows = (
                self._vector_rows(part)
                if fps is None
                else [
                    {"key": key, "vec": [float(x) for x in vec], "fp": int(fp)}
                    for (key, vec), fp in zip(part, fps[i : i + len(part)], strict=True)
                ]
            )
            written += int(self.write(cypher, {"rows": rows}).value("n"))
        return written

    def _vector_rows(self, pairs: list[tuple[str, Sequence[float]]]) -> Any:
        """The `$rows` parameter of `set_vectors`: a list of `{key, vec}` maps. Backends
        whose client renders parameters slowly return a cheaper equivalent."""
        return [{"key": key, "vec": [float(x) for x in vec]} for key, vec in pairs]

    # -- index queries ---------------------------------------------------------------------
    def vector_search(self, index: str, vector: Sequence[float], k: int = 10) -> list[IndexHit]:
        """The k nodes nearest to `vector` (cosine similarity, best first), as node dicts."""
        result = self._run_read(
            queries.vector_search(vector_spec(index), self.dialect),
            {"k": int(k), "vector": [float(x) for x in vector]},
            timeout_ms=self.query_timeout_ms,
            max_rows=k,
        )
        return [IndexHit(node=r["node"], score=float(r["score"])) for r in result.rows]

    def vector_search_keys(
        self, index: str, vector: Sequence[float], k: int = 10
    ) -> list[tuple[str, float]]:
        """Like `vector_search`, but only the nodes' keys: (key, cosine similarity)."""
        result = self._run_read(
            queries.vector_search_keys(vector_spec(index), self.dialect),
            {"k": int(k), "vector": [float(x) for x in vector]},
            timeout_ms=self.query_timeout_ms,
            max_rows=k,
        )
        return [(str(r["key"]), float(r["score"])) for r in result.rows]

    def get_vectors(self, index: str, keys: Sequence[str]) -> dict[str, np.ndarray]:
        """Stored vectors by node key (float32); keys without a vector are left out."""
        spec = vector_spec(index)
        if not keys:
            return {}
        rows = self._run_read(
            queries.get_vectors(spec),
            {"keys": list(keys)},
            timeout_ms=self.query_timeout_ms,
            max_rows=len(keys),
        ).rows
        return {str(r["key"]): np.asarray(r["v"], dtype=np.float32) for r in rows}

    def vector_similarities(
        self, index: str, keys: Sequence[str], vector: Sequence[float]
    ) -> dict[str, float]:
        """Cosine similarity of `vector` to the stored vector of each key (keys without a
        vector are left out). Backends that can compute it where the vectors are override."""
        got = self.get_vectors(index, keys)
        if not got:
            return {}
        names = list(got)
        mat = np.stack([got[k] for k in names])  # [N D]
        q = np.asarray(vector, dtype=np.float32)  # [D]
        denom = np.linalg.norm(mat, axis=1) * float(np.linalg.norm(q))
        sims = (mat @ q) / np.where(denom == 0, 1.0, denom)  # [N]
        return dict(zip(names, sims.astype(float).tolist(), strict=True))

    def delete_vectors(self, index: str, keys: Sequence[str]) -> int:
        """Drop the vectors of these keys (nodes stay). Returns how many were dropped."""
        spec = vector_spec(index)
        if not keys:
            return 0
        return int(self.write(queries.delete_vectors(spec), {"keys": list(keys)}).value("n"))

    def vector_fingerprints(self, index: str) -> dict[str, int]:
        """key -> content fingerprint of every stored vector (0: written without one)."""
        rows = self._run_read(
            queries.vector_fingerprints(vector_spec(index)),
            {},
            timeout_ms=600_000,
            max_rows=100_000_000,
        ).rows
        return {str(r["key"]): int(r["fp"] or 0) for r in rows}

    def _vector_counts(self, index: str) -> tuple[int, int]:
        """(vectors stored, total length of their embedded texts from the fingerprints)."""
        fps = self.vector_fingerprints(index)
        return len(fps), sum(fingerprint_length(fp) for fp in fps.values())

    def vector_source(self, index: str) -> dict[str, int | None]:
        """key -> fingerprint of the content each node has now (None: not fingerprinted)."""
        source = VECTOR_SOURCES.get(index)
        rows = self._run_read(
            queries.vector_source(vector_spec(index), source),
            {},
            timeout_ms=600_000,
            max_rows=100_000_000,
        ).rows
        if source is None:
            return {str(r["key"]): None for r in rows}
        return {str(r["key"]): text_fingerprint(r["src"]) for r in rows}

    def vector_diff(self, index: str) -> VectorDiff:
        """Every node whose vector is missing, stale (content changed) or left over."""
        return diff_fingerprints(self.vector_source(index), self.vector_fingerprints(index))

    def reset_vectors(self, index: str) -> None:
        """Drop every vector of the index (a rebuild with another embedder starts empty)."""
        self.delete_vectors(index, list(self.vector_fingerprints(index)))

    def vector_tag(self, index: str) -> str:
        """The embedder / model tag recorded with the vectors ('' where not recorded)."""
        return ""

    def set_vector_tag(self, index: str, tag: str) -> None:
        """Record which embedder / model produced the vectors (where the backend can)."""
        return None

    def flush_vectors(self) -> None:
        """Make written vectors durable and visible to other processes (a no-op where the
        vectors live in the database)."""
        return None

    def vector_status(self, index: str, *, full: bool = False) -> VectorStatus:
        """Check a vector index against the graph (see `VectorStatus`)."""
        spec = vector_spec(index)
        source = VECTOR_SOURCES.get(index)
        if full:
            diff = self.vector_diff(index)
            vectors, _ = self._vector_counts(index)
            nodes = int(self.read(queries.count_nodes(spec.label)).value("n"))
            return full_status(index, nodes, vectors, diff, self.vector_tag(index))
        row = self.read(queries.count_nodes(spec.label, total_length_of=source)).single()
        vectors, length = self._vector_counts(index)
        return cheap_status(
            index,
            spec.label,
            nodes=int(row["n"]),
            vectors=vectors,
            graph_length=int(row["len"] or 0) if source else 0,
            vector_length=length,
            tag=self.vector_tag(index),
        )

    def fulltext_search(self, index: str, query: str, k: int = 10) -> list[IndexHit]:
        spec = next((f for f in model.FULLTEXT_INDEXES if f.name == index), None)
        if spec is None:
            raise KeyError(f"unknown full-text index {index!r}")
        result = self._run_read(
            queries.fulltext_search(spec, self.dialect),
            {"query": query, "k": int(k)},
            timeout_ms=self.query_timeout_ms,
            max_rows=k,
        )
        return [IndexHit(node=r["node"], score=float(r["score"])) for r in result.rows]

    # -- inspection ------------------------------------------------------------------------
    def counts(self) -> GraphCounts:
        out = GraphCounts()
        for spec in model.NODES:
            out.nodes[spec.label] = int(self.read(queries.count_nodes(spec.label)).value("n"))
        for rel in model.RELATIONSHIPS:
            out.relationships[rel.type] = int(
                self.read(queries.count_relationships(rel.type)).value("n")
            )
        return out

    def fingerprint(self) -> str:
        """A hash of every node's key and properties and every relationship's ends and
        properties: equal fingerprints mean an unchanged graph (used by the attack tests)."""
        digest = hashlib.sha256()
        for spec in model.NODES:
            rows = self._run_read(
                queries.all_nodes(spec),
                {},
                timeout_ms=60_000,
                max_rows=10_000_000,
            ).rows
            for row in rows:
                digest.update(_canonical(row["n"]))
        for rel in model.RELATIONSHIPS:
            rows = self._run_read(
                queries.all_relationships(rel),
                {},
                timeout_ms=60_000,
                max_rows=10_000_000,
            ).rows
            for row in rows:
                digest.update(_canonical(row))
        return digest.hexdigest()

    def clear(self) -> None:
        """Delete everything (tests and re-ingest from scratch)."""
        self.write(queries.DELETE_ALL)


def _canonical(value: Any) -> bytes:
    def strip(v: Any) -> Any:
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k not in ("_id", "_element_id")}
        if isinstance(v, list):
            return [strip(x) for x in v]
        if isinstance(v, float):
            return round(v, 5)
        return v

    return json.dumps(strip(value), sort_keys=True, ensure_ascii=False, default=str).encode()
