"""Pick the `GraphStore` backend from settings. Returns an unconnected store."""

from __future__ import annotations

from graph_schema.store import GraphStore
from tripgraph.settings import Settings


def get_store(settings: Settings) -> GraphStore:
    g = settings.graph
    common = {"query_timeout_ms": g.query_timeout_ms, "max_rows": g.max_rows}
    if g.backend == "embedded":
        from graph_schema.falkordb_store import EmbeddedFalkorDBStore

        return EmbeddedFalkorDBStore(
            g.embedded_dir, g.graph_name, query_timeout_ms=g.query_timeout_ms, max_rows=g.max_rows
        )
    if g.backend == "falkordb":
        from graph_schema.falkordb_store import FalkorDBServerStore

        password = g.falkordb_password.get_secret_value() if g.falkordb_password else None
        # The remote graph's vector indexes are kept on this machine (see FalkorDBServerStore).
        vectors_dir = g.embedded_dir / "vectors-remote" / f"{g.falkordb_host}-{g.falkordb_port}"
        return FalkorDBServerStore(
            g.falkordb_host,
            g.falkordb_port,
            password,
            g.graph_name,
            vectors_dir=vectors_dir / g.graph_name,
            query_timeout_ms=g.query_timeout_ms,
            max_rows=g.max_rows,
        )
    if g.backend == "neo4j":
        from graph_schema.neo4j_store import Neo4jStore

        return Neo4jStore(
            g.neo4j_uri,
            g.neo4j_user,
            g.neo4j_password.get_secret_value(),
            g.neo4j_database,
            **common,
        )
    raise ValueError(f"unknown graph backend {g.backend!r}")
