"""What the graph's nodes need, made once per process: store, embedder, LLM, vocabulary,
understander, tool adapters (recommenders, place databases), the fitted taste bridge.

`AgentDeps(...)` only holds parts; `AgentDeps.open(settings)` is the explicit call that
connects the store, loads the embedder, reads the vocabulary from the graph and points the
understander and the tools at this settings' model and dataset directories. Nothing the
nodes call reads the settings itself: a service opened with other settings uses them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.config import AgentConfig
from agent.cypher import VOCABULARY_QUERIES
from agent.llm import ChatModel, make_chat_model
from agent.taste_bridge import TasteBridge
from agent.tools import AgentTools
from agent.understand import Understander, Vocabulary, get_understander
from embeddings.text.base import Embedder
from embeddings.text.cache import CachedQueryEmbedder
from graph_schema.store import GraphStore
from prompts.examples import ExampleBank

if TYPE_CHECKING:
    from recsys_tools.tools import RecsysToolbox
    from tripgraph.settings import Settings


@dataclass
class AgentDeps:
    store: GraphStore
    embedder: Embedder
    llm: ChatModel | None = None
    config: AgentConfig = field(default_factory=AgentConfig)
    vocab: Vocabulary = field(default_factory=Vocabulary.from_gazetteer)
    examples: ExampleBank = field(default_factory=ExampleBank.load)
    # Without a model directory: the gazetteer parser alone (what tests get by default).
    understander: Understander = field(default_factory=lambda: Understander(None))
    toolbox: RecsysToolbox | None = None  # the trained recommenders; None: the default one
    dataset_dir: Path | None = None  # where the place databases are (the mapping tool)
    bridge: TasteBridge | None = None  # views -> dining tastes; None: views say nothing
    tools: AgentTools = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.tools = AgentTools(self.store, self.dataset_dir, self.toolbox)

    def load_vocabulary(self) -> None:
        """Add the graph's own place/category/menu/merchant names to the vocabulary."""
        rows: dict[str, list[dict[str, Any]]] = {}
        for key, cypher in VOCABULARY_QUERIES.items():
            rows[key] = self.store.read(cypher, max_rows=1_000_000, timeout_ms=60_000).rows
        self.vocab.add_graph_names(rows)

    @classmethod
    def open(
        cls, settings: Settings, *, llm: ChatModel | None = None, config: AgentConfig | None = None
    ) -> AgentDeps:
        from embeddings.text.factory import get_embedder
        from graph_schema.factory import get_store
        from recsys_tools.tools import RecsysToolbox

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
            # One understander (one NER model load) per model directory in a process.
            understander=get_understander(settings.model_dir / "ner"),
            toolbox=RecsysToolbox(
                model_dir=settings.model_dir, mlflow_dir=settings.run_dir / "mlflow"
            ),
            dataset_dir=settings.dataset_dir(),
            bridge=TasteBridge.load(settings.model_dir),
        )
        deps.load_vocabulary()
        return deps

    def close(self) -> None:
        self.store.close()
