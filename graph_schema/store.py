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

from graph_schema import model
from graph_schema.readonly import check_read_only

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
        known. Idempotent."""
        existing = self._existing_index_names()
        for spec in model.NODES:
            for stmt in self.dialect.create_constraint(spec):
                self._run_ddl(stmt)
        for ft in model.FULLTEXT_INDEXES:
            if ft.name not in existing:
                for stmt in self.dialect.create_fulltext_index(ft):
                    self._run_ddl(stmt)
        dims = {"text": text_dim, "graph": graph_dim}
        for vi in model.VECTOR_INDEXES:
            dim = dims[vi.dimension_setting]
            if dim and vi.name not in existing:
                self._run_ddl(self.dialect.create_vector_index(vi, dim))

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
        sets = ["n += row.props"]
        for name in vector_props:
            sets.append(
                f"n.{name} = CASE WHEN row.vec_{name} IS NULL THEN n.{name} "
                f"ELSE {self.dialect.vector_value(f'row.vec_{name}')} END"
            )
        cypher = (
            f"UNWIND $rows AS row MERGE (n:{label} {{{spec.key}: row.key}}) SET {', '.join(sets)}"
        )
        payload = []
        for row in rows:
            item: dict[str, Any] = {
                "key": row[spec.key],
                "props": {k: v for k, v in row.items() if k not in vector_props and v is not None},
            }
            for name in vector_props:
                item[f"vec_{name}"] = row.get(name)
            payload.append(item)
        self.write(cypher, {"rows": payload})
        return len(rows)

    def upsert_relationships(self, rel_type: str, rows: Sequence[Mapping[str, Any]]) -> int:
        """MERGE relationships between existing nodes; rows carry `start`, `end` (the key
        values of the end nodes) and the relationship properties. Idempotent. Returns the
        number of rows whose end nodes both existed."""
        if not rows:
            return 0
        spec = model.rel_spec(rel_type)
        start, end = model.node_spec(spec.start), model.node_spec(spec.end)
        cypher = (
            f"UNWIND $rows AS row "
            f"MATCH (a:{start.label} {{{start.key}: row.start}}) "
            f"MATCH (b:{end.label} {{{end.key}: row.end}}) "
            f"MERGE (a)-[r:{rel_type}]->(b) SET r += row.props "
            f"RETURN count(r) AS n"
        )
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
        return int(self.write(cypher, {"rows": payload}).value("n"))

    def set_vectors(
        self, label: str, prop: str, items: Iterable[tuple[str, Sequence[float]]]
    ) -> int:
        """Store vectors (e.g. embeddings) on existing nodes by key."""
        spec = model.node_spec(label)
        pairs = list(items)
        if not pairs:
            return 0
        cypher = (
            f"UNWIND $rows AS row MATCH (n:{label} {{{spec.key}: row.key}}) "
            f"SET n.{prop} = {self.dialect.vector_value('row.vec')} RETURN count(n) AS n"
        )
        return int(self.write(cypher, {"rows": self._vector_rows(pairs)}).value("n"))

    def _vector_rows(self, pairs: list[tuple[str, Sequence[float]]]) -> Any:
        """The `$rows` parameter of `set_vectors`: a list of `{key, vec}` maps. Backends
        whose client renders parameters slowly return a cheaper equivalent."""
        return [{"key": key, "vec": [float(x) for x in vec]} for key, vec in pairs]

    # -- index queries ---------------------------------------------------------------------
    def vector_search(self, index: str, vector: Sequence[float], k: int = 10) -> list[IndexHit]:
        spec = next((v for v in model.VECTOR_INDEXES if v.name == index), None)
        if spec is None:
            raise KeyError(f"unknown vector index {index!r}")
        result = self._run_read(
            self.dialect.query_vector_index(spec) + " RETURN node, score ORDER BY score DESC",
            {"k": int(k), "vector": [float(x) for x in vector]},
            timeout_ms=self.query_timeout_ms,
            max_rows=k,
        )
        return [IndexHit(node=r["node"], score=float(r["score"])) for r in result.rows]

    def fulltext_search(self, index: str, query: str, k: int = 10) -> list[IndexHit]:
        spec = next((f for f in model.FULLTEXT_INDEXES if f.name == index), None)
        if spec is None:
            raise KeyError(f"unknown full-text index {index!r}")
        result = self._run_read(
            self.dialect.query_fulltext_index(spec)
            + " RETURN node, score ORDER BY score DESC LIMIT $k",
            {"query": query, "k": int(k)},
            timeout_ms=self.query_timeout_ms,
            max_rows=k,
        )
        return [IndexHit(node=r["node"], score=float(r["score"])) for r in result.rows]

    # -- inspection ------------------------------------------------------------------------
    def counts(self) -> GraphCounts:
        out = GraphCounts()
        for spec in model.NODES:
            out.nodes[spec.label] = int(
                self.read(f"MATCH (n:{spec.label}) RETURN count(n) AS n").value("n")
            )
        for rel in model.RELATIONSHIPS:
            out.relationships[rel.type] = int(
                self.read(f"MATCH ()-[r:{rel.type}]->() RETURN count(r) AS n").value("n")
            )
        return out

    def fingerprint(self) -> str:
        """A hash of every node's key and properties and every relationship's ends and
        properties: equal fingerprints mean an unchanged graph (used by the attack tests)."""
        digest = hashlib.sha256()
        for spec in model.NODES:
            rows = self._run_read(
                f"MATCH (n:{spec.label}) RETURN n ORDER BY n.{spec.key}",
                {},
                timeout_ms=60_000,
                max_rows=10_000_000,
            ).rows
            for row in rows:
                digest.update(_canonical(row["n"]))
        for rel in model.RELATIONSHIPS:
            s, e = model.node_spec(rel.start), model.node_spec(rel.end)
            rows = self._run_read(
                f"MATCH (a:{s.label})-[r:{rel.type}]->(b:{e.label}) "
                f"RETURN a.{s.key} AS a, b.{e.key} AS b, properties(r) AS p ORDER BY a, b",
                {},
                timeout_ms=60_000,
                max_rows=10_000_000,
            ).rows
            for row in rows:
                digest.update(_canonical(row))
        return digest.hexdigest()

    def clear(self) -> None:
        """Delete everything (tests and re-ingest from scratch)."""
        self.write("MATCH (n) DETACH DELETE n")


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
