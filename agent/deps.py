"""What the graph's nodes need, made once per process: store, embedder, LLM, vocabulary.

`AgentDeps(...)` only holds parts; `AgentDeps.open(settings)` is the explicit call that
connects the store, loads the embedder and reads the vocabulary from the graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from agent.config import AgentConfig
from agent.cypher import VOCABULARY_QUERIES
from agent.llm import ChatModel, make_chat_model
from agent.understand import Vocabulary
from embeddings.text.base import Embedder
from embeddings.text.cache import CachedQueryEmbedder
from graph_schema.store import GraphStore
from prompts.examples import ExampleBank


@dataclass
class AgentDeps:
    store: GraphStore
    embedder: Embedder
    llm: ChatModel | None = None
    config: AgentConfig = field(default_factory=AgentConfig)
    vocab: Vocabulary = field(default_factory=Vocabulary.from_gazetteer)
    examples: ExampleBank = field(default_factory=ExampleBank.load)

    @property
    def dialect(self) -> str:
        return str(self.store.dialect.name)

    def load_vocabulary(self) -> None:
        """Add the graph's own place/category/menu/merchant names to the vocabulary."""
        rows: dict[str, list[dict[str, Any]]] = {}
        for key, cypher in VOCABULARY_QUERIES.items():
            rows[key] = self.store.read(cypher, max_rows=1_000_000, timeout_ms=60_000).rows
        self.vocab.add_graph_names(rows)

    @classmethod
    def open(
        cls, settings: Any, *, llm: ChatModel | None = None, config: AgentConfig | None = None
    ) -> AgentDeps:
        from embeddings.text.factory import get_embedder
        from graph_schema.factory import get_store

        store = get_store(settings)
        store.connect()
        # Query texts repeat (templated HyDE texts; backfill re-embeds its HyDE text): cache.
        embedder = CachedQueryEmbedder(get_embedder(settings))
        embedder.load()
        deps = cls(
            store=store,
            embedder=embedder,
            llm=llm or make_chat_model(settings),
            config=config or AgentConfig(),
        )
        deps.load_vocabulary()
        return deps

    def close(self) -> None:
        self.store.close()
