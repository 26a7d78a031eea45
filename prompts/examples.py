"""Few-shot example banks, and the retrieval of the examples nearest to a question."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.text.base import Embedder

TEXT2CYPHER_BANK = Path(__file__).with_name("text2cypher_examples.jsonl")


@dataclass(frozen=True)
class Example:
    question: str
    cypher: str


class ExampleBank:
    """Examples plus their question embeddings (computed on first use, then kept)."""

    def __init__(self, examples: list[Example]) -> None:
        if not examples:
            raise ValueError("an example bank needs at least one example")
        self.examples = examples
        self._vectors: np.ndarray | None = None
        self._embedder_name: str | None = None

    @classmethod
    def load(cls, path: Path = TEXT2CYPHER_BANK) -> ExampleBank:
        items = []
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                items.append(Example(row["question"], row["cypher"]))
        return cls(items)

    def nearest(self, question: str, embedder: Embedder, k: int) -> list[Example]:
        if self._vectors is None or self._embedder_name != embedder.name:
            self._vectors = embedder.embed_queries([e.question for e in self.examples])
            self._embedder_name = embedder.name
        q = np.asarray(embedder.embed_query(question), np.float32)
        sims = self._vectors @ q  # [N]; rows and q are L2-normalised
        order = np.argsort(-sims, kind="stable")[:k]
        return [self.examples[i] for i in order]
