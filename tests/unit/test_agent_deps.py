"""The agent's dependencies are injected: what the nodes use comes from `AgentDeps`, and
no module the nodes call reads the global settings (issue 14 item 2)."""

from __future__ import annotations

import re
from pathlib import Path
from unittest.mock import MagicMock

from agent.deps import AgentDeps
from agent.nodes import AgentNodes
from agent.understand import Understander
from embeddings.text import make_embedder
from graph_schema.store import GraphStore
from recsys_tools.tools import RecsysToolbox

ROOT = Path(__file__).resolve().parents[2]

# Entry points: they turn the settings into parts. Everything else is handed its parts.
ENTRY_POINTS = {
    "agent/api/__init__.py",  # create_app(settings=None): the HTTP adapter's factory
    "agent/langgraph_app.py",  # `langgraph dev` imports a module, not a factory
    "agent/mcp_server.py",
    "agent/ui/app.py",
}
NOT_YET: set[str] = set()  # library modules still reading the settings (none left)


def test_the_nodes_use_the_parts_they_are_given(tmp_path: Path) -> None:
    toolbox = RecsysToolbox(model_dir=tmp_path)
    understander = Understander(tmp_path / "ner")
    deps = AgentDeps(
        store=MagicMock(spec=GraphStore),
        embedder=make_embedder("hashing"),
        understander=understander,
        toolbox=toolbox,
        dataset_dir=tmp_path,
    )
    nodes = AgentNodes(deps)
    assert nodes.understander is understander and nodes.tools is deps.tools
    assert deps.tools.toolbox is toolbox and deps.tools.dataset_dir == tmp_path
    # without a dataset directory the mapping tool has no place databases (it never looks
    # one up in the settings)
    bare = AgentDeps(store=MagicMock(spec=GraphStore), embedder=make_embedder("hashing"))
    assert bare.tools._places() is None and bare.understander.model_dir is None


def test_no_library_module_reads_the_global_settings() -> None:
    readers = set()
    for package in ("agent", "embeddings", "graph_schema", "ingest", "prompts", "recsys_tools"):
        for path in (ROOT / package).rglob("*.py"):
            if re.search(r"\bget_settings\(", path.read_text(encoding="utf-8")):
                readers.add(str(path.relative_to(ROOT)))
    assert readers - ENTRY_POINTS - NOT_YET == set()


def test_the_answer_is_the_output_state_and_what_only_the_service_knows() -> None:
    """`AgentAnswer` is validated from the output state: every reported key is one of its
    fields (a key added to one and not the other would be lost silently)."""
    from agent.service import AgentAnswer
    from agent.state import OutputState

    internal = {"understanding"}  # reported in steps, not as a field of its own
    assert set(OutputState.__annotations__) - internal <= set(AgentAnswer.model_fields)
    service_only = {"thread_id", "question", "mode", "mode_reason"}
    assert set(AgentAnswer.model_fields) - set(OutputState.__annotations__) == service_only
