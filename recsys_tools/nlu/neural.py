"""Model (b): a syllable-level BiLSTM tagger with an intent head, trained from scratch.

    e_t = [Emb_syll(x_t); Emb_type(type(x_t)); Emb_morph(m_t)]   # [B L E]
    h_t = BiLSTM(e)_t                                    # [B L 2H]
    tag logits  = W_tag h_t                              # [B L T]
    intent logits = W_int maxpool_t(h_t)                 # [B I]
    loss = CE(tags) + CE(intent)

m_t is the kiwipiepy POS tag of the morpheme over syllable t with its B/I position (the
same morphology the CRF uses): a name the model has never seen still arrives as "a noun
followed by a particle", which is what lets it tag unseen names and unseen phrasings.
During training syllables are replaced by UNK with probability `unk_dropout`, so the model
learns to tag from context when it meets a syllable it has never seen.
"""

from __future__ import annotations

import json
import math
import random
import time
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Self

import torch
from torch import nn

from recsys_tools.nlu.base import NerIntentModel, Prediction
from recsys_tools.nlu.decode import bio_viterbi
from recsys_tools.nlu.examples import Example, Span
from recsys_tools.nlu.features import morph_tags
from recsys_tools.nlu.labels import BIO_TAGS, INTENTS
from recsys_tools.nlu.metrics import entity_prf, spans_from_tags
from recsys_tools.nlu.vocab import PAD, UNK, SyllableVocab

_TYPES = ("pad", "space", "hangul", "digit", "latin", "other")
# kiwipiepy's tag set (sub-tags like VV-R folded into VV), plus space / unknown.
_MORPH_TAGS = (
    "pad", "SPACE", "X", "NNG", "NNP", "NNB", "NR", "NP", "VV", "VA", "VX", "VCP", "VCN", "MM",
    "MAG", "MAJ", "IC", "JKS", "JKC", "JKG", "JKO", "JKB", "JKV", "JKQ", "JX", "JC", "EP", "EF",
    "EC", "ETN", "ETM", "XPN", "XSN", "XSV", "XSA", "XR", "SF", "SP", "SS", "SE", "SO", "SW",
    "SL", "SH", "SN", "W",
)  # fmt: skip
_MORPH_IX = {t: i for i, t in enumerate(_MORPH_TAGS)}


def _morph_id(tag: str, pos: str) -> int:
    base = tag.split("-")[0]
    i = _MORPH_IX.get(base, _MORPH_IX["W"] if base.startswith("W_") else _MORPH_IX["X"])
    return 2 * i + (pos == "I")  # B and I positions of a tag get separate rows


def _ctype(ch: str) -> int:
    if ch.isspace():
        return 1
    if "가" <= ch <= "힣":
        return 2
    if ch.isdigit():
        return 3
    if ch.isascii() and ch.isalpha():
        return 4
    return 5


@dataclass(frozen=True)
class BiLstmConfig:
    emb_dim: int = 64
    type_dim: int = 8
    morph_dim: int = 16  # kiwi POS tag (+B/I) embedding; 0 turns the morphology input off
    hidden: int = 96  # per direction
    dropout: float = 0.25
    unk_dropout: float = 0.08  # syllable → UNK during training (robustness to unseen names)
    epochs: int = 5
    batch_size: int = 64
    lr: float = 3e-3
    seed: int = 7
    # Stop after this many epochs without a better dev F1 (0: run every epoch). The best
    # epoch's weights are kept either way.
    patience: int = 0
    bio_decoding: bool = True  # Viterbi under the BIO grammar (`decode.py`); False: argmax


class BiLstmTagger(nn.Module):
    def __init__(self, vocab_size: int, config: BiLstmConfig) -> None:
        super().__init__()
        self.config = config
        self.emb = nn.Embedding(vocab_size, config.emb_dim, padding_idx=PAD)
        self.type_emb = nn.Embedding(len(_TYPES), config.type_dim, padding_idx=0)
        self.morph_emb = nn.Embedding(2 * len(_MORPH_TAGS), max(config.morph_dim, 1), padding_idx=0)
        self.drop = nn.Dropout(config.dropout)
        self.lstm = nn.LSTM(
            config.emb_dim + config.type_dim + config.morph_dim,
            config.hidden,
            batch_first=True,
            bidirectional=True,
        )
        self.tag_head = nn.Linear(2 * config.hidden, len(BIO_TAGS))
        self.intent_head = nn.Linear(2 * config.hidden, len(INTENTS))

    def forward(
        self, ids: torch.Tensor, types: torch.Tensor, morphs: torch.Tensor, lengths: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        parts = [self.emb(ids), self.type_emb(types)]  # [B L E], [B L Et]
        if self.config.morph_dim:
            parts.append(self.morph_emb(morphs))  # [B L Em]
        x = torch.cat(parts, dim=-1)  # [B L E+Et+Em]
        x = self.drop(x)
        packed = nn.utils.rnn.pack_padded_sequence(
            x, lengths.cpu(), batch_first=True, enforce_sorted=False
        )
        out, _ = self.lstm(packed)
        h, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=ids.size(1))
        h = self.drop(h)  # [B L 2H]
        mask = (ids != PAD).unsqueeze(-1)  # [B L 1]
        pooled = h.masked_fill(~mask, -1e4).max(dim=1).values  # [B 2H]
        return self.tag_head(h), self.intent_head(pooled)  # [B L T], [B I]

    def resize_vocab(self, new_size: int) -> None:
        """Grow the syllable table; new rows start at the UNK embedding, so an added syllable
        first behaves exactly like the UNK it replaces and then learns its own vector."""
        old = self.emb.weight.data
        if new_size <= old.size(0):
            return
        emb = nn.Embedding(new_size, old.size(1), padding_idx=PAD)
        emb.weight.data[: old.size(0)] = old
        emb.weight.data[old.size(0) :] = old[UNK]
        self.emb = emb


def _morph_ids(texts: Sequence[str]) -> list[list[int]]:
    return [[_morph_id(tag, pos) for tag, pos in per_char] for per_char in morph_tags(texts)]


def _batch(
    texts: Sequence[str],
    vocab: SyllableVocab,
    morph_ids: Sequence[Sequence[int]],
    unk_p: float = 0.0,
    rng: random.Random | None = None,
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    n = max((len(t) for t in texts), default=1) or 1
    ids = torch.zeros(len(texts), n, dtype=torch.long)
    types = torch.zeros(len(texts), n, dtype=torch.long)
    morphs = torch.zeros(len(texts), n, dtype=torch.long)
    for i, t in enumerate(texts):
        if t:
            morphs[i, : len(t)] = torch.tensor(morph_ids[i], dtype=torch.long)
        enc = vocab.encode(t)
        if unk_p and rng is not None:
            enc = [
                UNK if (c > UNK and not t[j].isspace() and rng.random() < unk_p) else c
                for j, c in enumerate(enc)
            ]
        ids[i, : len(t)] = torch.tensor(enc, dtype=torch.long)
        types[i, : len(t)] = torch.tensor([_ctype(ch) for ch in t], dtype=torch.long)
    lengths = torch.tensor([max(len(t), 1) for t in texts])
    return ids, types, morphs, lengths


class BiLstmModel(NerIntentModel):
    name = "bilstm"

    def __init__(
        self, config: BiLstmConfig | None = None, vocab: SyllableVocab | None = None
    ) -> None:
        self.config = config or BiLstmConfig()
        self.vocab = vocab
        self.net: BiLstmTagger | None = None
        self._tag_ix = {t: i for i, t in enumerate(BIO_TAGS)}
        self._int_ix = {t: i for i, t in enumerate(INTENTS)}

    def tokenizer_view(self) -> SyllableVocab | None:
        return self.vocab

    def extend_vocab(self, words: Iterable[str]) -> list[str]:
        """Tokenizer extension: add the syllables of `words` and resize the embeddings."""
        if self.vocab is None or self.net is None:
            raise RuntimeError("train or load the model before extending its vocabulary")
        added = self.vocab.extend(words)
        self.net.resize_vocab(len(self.vocab))
        return added

    def fit(
        self, train: Sequence[Example], dev: Sequence[Example], epochs: int | None = None
    ) -> dict[str, float]:
        """Train (from scratch, or continue when already trained/loaded); keeps the weights of
        the epoch with the best dev entity F1."""
        cfg = self.config
        torch.manual_seed(cfg.seed)
        rng = random.Random(cfg.seed)
        if self.vocab is None:
            self.vocab = SyllableVocab.build(e.text for e in train)
        if self.net is None:
            self.net = BiLstmTagger(len(self.vocab), cfg)
        net = self.net
        opt = torch.optim.AdamW(net.parameters(), lr=cfg.lr, weight_decay=1e-4)
        n_epochs = epochs or cfg.epochs
        steps = n_epochs * math.ceil(len(train) / cfg.batch_size)
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=cfg.lr, total_steps=steps)
        t0 = time.perf_counter()
        best_f1, best_state, last_loss = -1.0, None, 0.0
        best_epoch, ran = 0, 0
        order = list(range(len(train)))
        train_morphs = _morph_ids([e.text for e in train])  # kiwi once, not once per epoch
        for epoch in range(n_epochs):
            if cfg.patience and epoch - best_epoch > cfg.patience:
                break
            ran = epoch + 1
            net.train()
            rng.shuffle(order)
            for s in range(0, len(order), cfg.batch_size):
                idx = order[s : s + cfg.batch_size]
                batch = [train[i] for i in idx]
                ids, types, morphs, lengths = _batch(
                    [e.text for e in batch],
                    self.vocab,
                    [train_morphs[i] for i in idx],
                    cfg.unk_dropout,
                    rng,
                )
                gold = torch.full(ids.shape, -100, dtype=torch.long)  # [B L]
                for i, e in enumerate(batch):
                    gold[i, : len(e.text)] = torch.tensor([self._tag_ix[t] for t in e.tags()])
                intents = torch.tensor([self._int_ix[e.intent] for e in batch])
                tag_logits, int_logits = net(ids, types, morphs, lengths)
                loss = nn.functional.cross_entropy(
                    tag_logits.reshape(-1, tag_logits.size(-1)),
                    gold.reshape(-1),
                    ignore_index=-100,
                ) + nn.functional.cross_entropy(int_logits, intents)
                opt.zero_grad()
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), 5.0)
                opt.step()
                sched.step()
                last_loss = float(loss.detach())
            preds = self.predict([e.text for e in dev])
            f1 = entity_prf([e.spans for e in dev], [p.spans for p in preds]).f1
            if f1 > best_f1:
                best_f1, best_epoch = f1, epoch
                best_state = {k: v.detach().clone() for k, v in net.state_dict().items()}
        if best_state is not None:
            net.load_state_dict(best_state)
        return {
            "seconds": time.perf_counter() - t0,
            "last_loss": last_loss,
            "best_dev_f1": best_f1,
            "epochs": float(ran),
            "best_epoch": float(best_epoch + 1),
            "n_train": float(len(train)),
        }

    @torch.no_grad()
    def predict(self, texts: Sequence[str], batch_size: int = 256) -> list[Prediction]:
        if self.net is None or self.vocab is None:
            raise RuntimeError("BiLstmModel is not trained or loaded")
        self.net.eval()
        out: list[Prediction] = []
        for s in range(0, len(texts), batch_size):
            chunk = list(texts[s : s + batch_size])
            ids, types, morphs, lengths = _batch(chunk, self.vocab, _morph_ids(chunk))
            tag_logits, int_logits = self.net(ids, types, morphs, lengths)
            tags = tag_logits.argmax(-1)  # [B L]
            log_probs = tag_logits.log_softmax(-1).numpy()  # [B L T]
            probs = int_logits.softmax(-1)  # [B I]
            for i, t in enumerate(chunk):
                if self.config.bio_decoding:
                    best = bio_viterbi(log_probs[i, : len(t)], [ch.isspace() for ch in t])
                else:
                    best = tags[i, : len(t)].tolist()
                seq = [BIO_TAGS[j] for j in best]
                # Spaces never start an entity; the tagger may still put one inside a span.
                seq = [
                    ("O" if t[k].isspace() and tag.startswith("B-") else tag)
                    for k, tag in enumerate(seq)
                ]
                spans = [sp for sp in spans_from_tags(seq) if t[sp.start : sp.end].strip()]
                spans = [_strip_span(t, sp) for sp in spans]
                b = int(probs[i].argmax())
                out.append(Prediction(INTENTS[b], float(probs[i, b]), tuple(spans)))
        return out

    def save(self, directory: Path) -> None:
        if self.net is None or self.vocab is None:
            raise RuntimeError("nothing to save")
        directory.mkdir(parents=True, exist_ok=True)
        torch.save(self.net.state_dict(), directory / "bilstm.pt")
        (directory / "bilstm.json").write_text(
            json.dumps(
                {"config": asdict(self.config), "vocab": self.vocab.pieces}, ensure_ascii=False
            )
        )

    @classmethod
    def load(cls, directory: Path) -> Self:
        meta = json.loads((directory / "bilstm.json").read_text())
        model = cls(BiLstmConfig(**meta["config"]), SyllableVocab(meta["vocab"]))
        assert model.vocab is not None
        model.net = BiLstmTagger(len(model.vocab), model.config)
        model.net.load_state_dict(torch.load(directory / "bilstm.pt", weights_only=True))
        model.net.eval()
        return model


def _strip_span(text: str, span: Span) -> Span:
    start, end = span.start, span.end
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return Span(start, end, span.label)
