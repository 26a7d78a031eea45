"""The tiny dataset in a fresh embedded graph: the set-up shared by the integration tests
that need real data (agent pipeline, backfill, API). Generation is seeded, so every test
sees the same merchants and reviews."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from graph_schema.falkordb_store import EmbeddedFalkorDBStore

if TYPE_CHECKING:
    from agent.service import AgentService
    from graph_schema.store import GraphStore

TINY_SEED = 42


def generate_tiny(data_dir: Path) -> Path:
    from ingest.generate import generate

    generate("tiny", TINY_SEED, data_dir)
    return data_dir


def open_tiny_graph(
    data_dir: Path, root: Path, graph_name: str, *, review_vectors: bool = True
) -> EmbeddedFalkorDBStore:
    """Ingest `data_dir` (a generated tiny dataset) into an embedded graph under `root`;
    with `review_vectors`, embed the reviews with the hashing embedder (fast, offline). The
    caller closes the store."""
    from embeddings.text.factory import make_embedder
    from ingest.embed_reviews import embed_reviews
    from ingest.loader import ingest_dataset

    store = EmbeddedFalkorDBStore(root / "graph", graph_name)
    store.connect()
    store.clear()
    ingest_dataset(store, data_dir, root / "state", progress=False)
    if review_vectors:
        embedder = make_embedder("hashing")
        embedder.load()
        embed_reviews(store, embedder, progress=False)
    return store


def offline_agent_service(store: GraphStore) -> AgentService:
    """The agent over `store` as the integration tests run it: hashing embedder (no model
    files), the shipped vocabulary, memory in process."""
    from agent.deps import AgentDeps
    from agent.memory import memory_checkpointer
    from agent.service import AgentService
    from embeddings.text.factory import make_embedder

    deps = AgentDeps(store=store, embedder=make_embedder("hashing"))
    deps.load_vocabulary()
    return AgentService(deps, memory_checkpointer())
