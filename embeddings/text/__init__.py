"""Text embedders: one `Embedder` contract, one small module per provider, one factory."""

from embeddings.text.base import Embedder, l2_normalise
from embeddings.text.factory import EMBEDDERS, get_embedder, make_embedder

__all__ = ["EMBEDDERS", "Embedder", "get_embedder", "l2_normalise", "make_embedder"]
