"""The import layers of docs/architecture.md: a package imports only from the layers below
it (imports inside functions count: they are dependencies too). The CLI is the roof
(`tripgraph/cli/`), so it may import anything; nothing imports it."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# ground → roof; `tripgraph.cli` is the roof, the rest of `tripgraph` the ground
LAYERS = {
    "tripgraph": 0,
    "graph_schema": 1,
    "embeddings": 2,
    "prompts": 2,
    "ingest": 3,
    "recsys_tools": 4,
    "agent": 5,
    "evals": 6,
    "tripgraph.cli": 7,
}
KNOWN_UPWARD: set[str] = set()  # exceptions, if one is ever needed: "path -> module"


def _layer(module: str) -> str | None:
    if module == "tripgraph.cli" or module.startswith("tripgraph.cli."):
        return "tripgraph.cli"
    top = module.split(".")[0]
    return top if top in LAYERS else None


def _upward_imports() -> set[str]:
    found = set()
    for package in [p for p in LAYERS if "." not in p]:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT)
            src = _layer(".".join(rel.with_suffix("").parts))
            assert src is not None
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                    names = [node.module]
                elif isinstance(node, ast.Import):
                    names = [a.name for a in node.names]
                else:
                    continue
                for name in names:
                    dst = _layer(name)
                    if dst is not None and LAYERS[dst] > LAYERS[src]:
                        found.add(f"{rel} -> {name}")
    return found


def test_no_package_imports_a_layer_above_it() -> None:
    found = _upward_imports()
    assert found - KNOWN_UPWARD == set(), "an import runs up the layers (docs/architecture.md)"
    # an exception that is gone must leave the list, so it cannot come back unnoticed
    assert KNOWN_UPWARD - found == set()
