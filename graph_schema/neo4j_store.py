"""Neo4j 5 backend through the official driver.

Read queries pass two engine-side gates after the static check: `EXPLAIN` must report a
read-only query type, and the query runs in a READ transaction (routing READ on a cluster),
which a single server also enforces.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

from graph_schema import dialect_neo4j, model
from graph_schema.model import HIDDEN_PROPS, vector_spec
from graph_schema.store import GraphStore, GraphStoreError, QueryResult, ReadOnlyViolation


def to_python(value: Any) -> Any:
    """Turn driver values (Node, Relationship, Path, temporal types) into plain data."""
    from neo4j.graph import Node, Path, Relationship

    if isinstance(value, Node):
        props = {k: to_python(v) for k, v in value.items() if k not in HIDDEN_PROPS}
        return {"_id": value.element_id, "_labels": sorted(value.labels), **props}
    if isinstance(value, Relationship):
        return {
            "_id": value.element_id,
            "_type": value.type,
            "_start": value.start_node.element_id if value.start_node else None,
            "_end": value.end_node.element_id if value.end_node else None,
            **{k: to_python(v) for k, v in value.items()},
        }
    if isinstance(value, Path):
        return {
            "nodes": [to_python(n) for n in value.nodes],
            "relationships": [to_python(r) for r in value.relationships],
        }
    if isinstance(value, dict):
        return {k: to_python(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [to_python(v) for v in value]
    if hasattr(value, "iso_format"):
        return value.iso_format()
    return value


class Neo4jStore(GraphStore):
    dialect = dialect_neo4j

    def __init__(
        self, uri: str, user: str, password: str, database: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.uri, self.user, self._password, self.database = uri, user, password, database
        self._driver: Any = None

    def connect(self) -> None:
        if self._driver is None:
            import neo4j

            # UNRECOGNIZED notifications ("relationship type SAME_AS does not exist") answer
            # counts of types a graph does not hold yet, which is normal here; the driver
            # would log each at WARNING on every `counts()`.
            driver = neo4j.GraphDatabase.driver(
                self.uri,
                auth=(self.user, self._password),
                notifications_disabled_classifications=[
                    neo4j.NotificationDisabledClassification.UNRECOGNIZED
                ],
            )
            try:
                driver.verify_connectivity()
            except Exception as exc:
                driver.close()
                raise GraphStoreError(f"cannot reach Neo4j at {self.uri}: {exc}") from exc
            self._driver = driver

    def close(self) -> None:
        driver, self._driver = self._driver, None
        if driver is not None:
            driver.close()

    def _session(self, read: bool) -> Any:
        import neo4j

        if self._driver is None:
            raise GraphStoreError("store is not connected: call connect() first")
        mode = neo4j.READ_ACCESS if read else neo4j.WRITE_ACCESS
        return self._driver.session(database=self.database, default_access_mode=mode)

    def explain_is_read_only(self, cypher: str) -> bool:
        import neo4j.exceptions

        try:
            with self._session(read=True) as session:
                summary = session.run(f"EXPLAIN {cypher}").consume()
        except neo4j.exceptions.Neo4jError as exc:
            raise GraphStoreError(f"{exc.code}: {exc.message}") from exc
        return summary.query_type == "r"

    def _run_read(
        self, cypher: str, params: dict[str, Any], *, timeout_ms: int, max_rows: int
    ) -> QueryResult:
        import neo4j
        import neo4j.exceptions

        if not self.explain_is_read_only(cypher):
            raise ReadOnlyViolation("EXPLAIN reports that the query writes; nothing was run")
        started = time.perf_counter()

        def work(tx: Any) -> tuple[list[str], list[list[Any]], bool]:
            result = tx.run(cypher, params)
            keys = list(result.keys())
            rows: list[list[Any]] = []
            for record in result:
                if len(rows) == max_rows:
                    return keys, rows, True
                rows.append(list(record.values()))
            return keys, rows, False

        query_work = neo4j.unit_of_work(timeout=timeout_ms / 1000)(work)
        try:
            with self._session(read=True) as session:
                keys, raw, truncated = session.execute_read(query_work)
        except neo4j.exceptions.Neo4jError as exc:
            if "write" in (exc.message or "").lower() and "read" in (exc.message or "").lower():
                raise ReadOnlyViolation(exc.message or str(exc)) from exc
            raise GraphStoreError(f"{exc.code}: {exc.message}") from exc
        rows = [dict(zip(keys, (to_python(v) for v in r), strict=True)) for r in raw]
        return QueryResult(keys, rows, truncated, (time.perf_counter() - started) * 1000)

    def write(self, cypher: str, params: Mapping[str, Any] | None = None) -> QueryResult:
        import neo4j.exceptions

        started = time.perf_counter()

        def work(tx: Any) -> tuple[list[str], list[list[Any]]]:
            result = tx.run(cypher, dict(params or {}))
            return list(result.keys()), [list(r.values()) for r in result]

        try:
            with self._session(read=False) as session:
                keys, raw = session.execute_write(work)
        except neo4j.exceptions.Neo4jError as exc:
            raise GraphStoreError(f"{exc.code}: {exc.message}") from exc
        rows = [dict(zip(keys, (to_python(v) for v in r), strict=True)) for r in raw]
        return QueryResult(keys, rows, False, (time.perf_counter() - started) * 1000)

    def _existing_index_names(self) -> set[str]:
        return {r["name"] for r in self.write("SHOW INDEXES YIELD name RETURN name").rows}

    def vector_similarities(
        self, index: str, keys: Sequence[str], vector: Sequence[float]
    ) -> dict[str, float]:
        # Computed where the vectors are: only one float per key crosses the wire.
        spec = vector_spec(index)
        key = model.node_spec(spec.label).key
        if not keys:
            return {}
        rows = self._run_read(
            f"MATCH (n:{spec.label}) WHERE n.{key} IN $keys AND n.{spec.prop} IS NOT NULL "
            f"RETURN n.{key} AS key, 2.0 * vector.similarity.cosine(n.{spec.prop}, $v) - 1.0 "
            "AS sim",
            {"keys": list(keys), "v": [float(x) for x in vector]},
            timeout_ms=self.query_timeout_ms,
            max_rows=len(keys),
        ).rows
        return {str(r["key"]): float(r["sim"]) for r in rows}

    def ensure_schema(self, *, text_dim: int | None = None, graph_dim: int | None = None) -> None:
        super().ensure_schema(text_dim=text_dim, graph_dim=graph_dim)
        # Index population is asynchronous; wait so that queries right after see them.
        self.write("CALL db.awaitIndexes(300)")

    def clear(self) -> None:
        # Batched so a large graph does not need one huge transaction.
        while True:
            n = self.write(
                "MATCH (n) WITH n LIMIT 10000 DETACH DELETE n RETURN count(*) AS n"
            ).value("n")
            if not n:
                break
