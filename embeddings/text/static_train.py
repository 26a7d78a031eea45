"""Train the static student (embeddings/text/static.py) against a teacher embedder.

data → teacher labels → init → train, in one sitting:

1. **Teacher labels.** The teacher (e5) embeds a sample of reviews as passages and a set of
   user-like questions as queries; these vectors are the regression targets. This is the
   expensive step (e5 runs ~45 texts/s on two cores), so the sample size sets the wall time.
2. **Vocabulary.** Every token of the labelled texts and of `vocab_texts` (e.g. the whole
   review corpus, tokenised only — cheap) gets a row; anything else falls back to the
   zero row.
3. **Init.** As model2vec does: each token's row is the teacher's vector of the token text
   alone, scaled by its SIF weight a / (a + p(token)); the prefix and special tokens start at
   zero. With `dim` < the teacher's, targets and init are projected onto the top right-singular
   vectors of the teacher's label matrix (uncentred PCA, so cosines survive).
4. **Train.** Adam on 1 - cos(student(text), teacher(text)), with the student the sum of its
   tokens' rows. An optional listwise term (`rank_weight`) distils the teacher's ranking of
   passages for each query (KL between the teacher's and the student's softmax over a
   shared pool of passages), which is what retrieval needs, beyond matching vectors one by one.

A held-out share of the labelled texts measures agreement (mean cosine with the teacher)
before and after training.
"""

from __future__ import annotations

import math
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING

import numpy as np

from embeddings.text.base import Embedder, l2_normalise
from embeddings.text.static import PASSAGE_PREFIX, QUERY_PREFIX, StaticModel, Tokenizer, prefixed

if TYPE_CHECKING:
    import torch


@dataclass(frozen=True)
class StaticTrainConfig:
    dim: int = 384  # table width; < teacher's: targets projected by uncentred PCA
    epochs: int = 30  # passes over the labelled texts
    batch_size: int = 256  # texts per Adam step
    lr: float = 5e-3  # Adam learning rate on the table
    sif_a: float = 1e-3  # SIF weight a / (a + p(token)) of the initial rows
    rank_weight: float = 0.0  # weight of the listwise query → passage ranking term
    rank_temperature: float = 0.05  # softmax temperature of that term (cosine units)
    rank_pool: int = 512  # passages each query is ranked against, per step
    holdout: float = 0.05  # share of labelled texts kept out of training, for agreement
    init_from_teacher: bool = True  # model2vec init; False = small random rows
    map_unlabelled: bool = True  # rows of tokens only in vocab_texts: ridge map init -> trained
    seed: int = 0


@dataclass(frozen=True)
class StaticTrainReport:
    n_docs: int
    n_queries: int
    n_tokens: int  # rows of the table (fallback excluded)
    dim: int
    loss_start: float  # training loss (1 - cos) before the first step
    loss_end: float  # after the last epoch
    agreement_init: float  # held-out mean cos(student, teacher) right after init
    agreement: float  # ... after training
    label_s: float  # teacher labelling wall time
    init_s: float
    train_s: float

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


@dataclass(frozen=True)
class _Encoded:
    rows: np.ndarray  # [sum len] int64 table rows, texts back to back
    offsets: np.ndarray  # [N] int64 start of each text in `rows`

    def take(self, index: np.ndarray) -> _Encoded:
        lengths = np.diff(np.append(self.offsets, len(self.rows)))
        parts = [self.rows[self.offsets[i] : self.offsets[i] + lengths[i]] for i in index]
        new_lengths = lengths[index]
        offsets = np.zeros(len(index), np.int64)
        np.cumsum(new_lengths[:-1], out=offsets[1:])
        return _Encoded(np.concatenate(parts) if parts else self.rows[:0], offsets)


def _piece_text(piece: str) -> str:
    return piece.replace("▁", " ").strip()


def train_static_embedder(
    docs: Sequence[str],
    queries: Sequence[str],
    teacher: Embedder,
    tokenizer: Tokenizer,
    pieces: Sequence[str],
    *,
    vocab_texts: Sequence[str] = (),
    config: StaticTrainConfig | None = None,
    teacher_batch_size: int = 64,
) -> tuple[StaticModel, StaticTrainReport]:
    """Fit a `StaticModel` whose pooled vectors match `teacher`'s on `docs` (as passages)
    and `queries` (as queries). `pieces[i]` is the text of e5 token i (for the init)."""
    import torch

    cfg = config or StaticTrainConfig()
    if not docs:
        raise ValueError("need at least one document to train on")
    rng = np.random.default_rng(cfg.seed)
    torch.manual_seed(cfg.seed)

    ids = tokenizer.encode_batch(prefixed(list(docs), is_query=False))
    ids += tokenizer.encode_batch(prefixed(list(queries), is_query=True))
    n_docs, n_texts = len(docs), len(docs) + len(queries)
    is_query = np.arange(n_texts) >= n_docs

    # 1. teacher labels: passages first, then queries
    t0 = time.perf_counter()
    targets = np.concatenate(
        [
            _label(teacher, list(docs), ids[:n_docs], teacher_batch_size, is_query=False),
            _label(teacher, list(queries), ids[n_docs:], teacher_batch_size, is_query=True),
        ]
    )  # [N Dt]
    label_s = time.perf_counter() - t0

    # 2. vocabulary: tokens of the labelled texts, the extra corpus and both prefixes
    t0 = time.perf_counter()
    counts: Counter[int] = Counter()
    for seq in ids:
        counts.update(seq)
    for seq in tokenizer.encode_batch(prefixed(list(vocab_texts), is_query=False)):
        counts.update(seq)
    for seq in tokenizer.encode_batch([QUERY_PREFIX, PASSAGE_PREFIX]):
        counts.update(seq)
    token_ids = np.array(sorted(counts), np.int64)
    row_of = {int(t): i for i, t in enumerate(token_ids)}
    # <s>, </s> and the prefix tokens: in every text, so they start at zero
    fixed = {t for seq in tokenizer.encode_batch([QUERY_PREFIX, PASSAGE_PREFIX]) for t in seq}

    # 3. init: the teacher's vector of each token alone, SIF-weighted
    dt = targets.shape[1]
    if cfg.init_from_teacher:
        words = [_piece_text(pieces[t]) for t in token_ids]
        keep = [i for i, t in enumerate(token_ids) if words[i] and int(t) not in fixed]
        init = np.zeros((len(token_ids), dt), np.float32)
        if keep:
            init[keep] = teacher.embed_documents([words[i] for i in keep], teacher_batch_size)
        n_seen = sum(counts.values())
        p = np.array([counts[int(t)] / n_seen for t in token_ids], np.float32)
        init *= (cfg.sif_a / (cfg.sif_a + p))[:, None]
    else:
        init = rng.normal(0, 0.01, (len(token_ids), dt)).astype(np.float32)
    if cfg.dim < dt:
        _, _, vt = np.linalg.svd(targets, full_matrices=False)
        basis = vt[: cfg.dim].T.astype(np.float32)  # [Dt dim]
        targets, init = l2_normalise(targets @ basis), init @ basis
    elif cfg.dim > dt:
        raise ValueError(f"dim {cfg.dim} is larger than the teacher's {dt}")
    init_s = time.perf_counter() - t0

    # 4. train
    t0 = time.perf_counter()
    lengths = np.array([len(s) for s in ids], np.int64)
    offsets = np.zeros(n_texts, np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    encoded = _Encoded(np.array([row_of[t] for s in ids for t in s], np.int64), offsets)
    order = rng.permutation(n_texts)
    n_hold = min(round(cfg.holdout * n_texts), n_texts - 1)
    hold, train = order[:n_hold], order[n_hold:]

    table = torch.nn.EmbeddingBag(len(token_ids), cfg.dim, mode="sum")
    with torch.no_grad():
        table.weight.copy_(torch.from_numpy(init))
    target_t = torch.from_numpy(np.ascontiguousarray(targets, np.float32))  # [N dim]
    opt = torch.optim.Adam(table.parameters(), lr=cfg.lr)

    def student(index: np.ndarray) -> torch.Tensor:
        part = encoded.take(index)
        out = table(torch.from_numpy(part.rows), torch.from_numpy(part.offsets))  # [B dim]
        return torch.nn.functional.normalize(out, dim=1)

    @torch.no_grad()
    def agreement(index: np.ndarray) -> float:
        if len(index) == 0:
            return float("nan")
        return float((student(index) * target_t[index]).sum(1).mean())

    agreement_init = agreement(hold)
    doc_train = train[~is_query[train]]
    query_train = train[is_query[train]]
    use_rank = cfg.rank_weight > 0 and len(query_train) > 0 and len(doc_train) > 1
    loss_start = float("nan")
    loss_end = float("nan")
    steps_per_epoch = max(1, math.ceil(len(train) / cfg.batch_size))
    for _epoch in range(cfg.epochs):
        perm = rng.permutation(train)
        total, seen = 0.0, 0
        for step in range(steps_per_epoch):
            batch = perm[step * cfg.batch_size : (step + 1) * cfg.batch_size]
            if len(batch) == 0:
                continue
            s = student(batch)  # [B dim]
            loss = (1 - (s * target_t[batch]).sum(1)).mean()
            if use_rank:
                loss = loss + cfg.rank_weight * _rank_loss(
                    student, target_t, query_train, doc_train, cfg, rng
                )
            if math.isnan(loss_start):
                loss_start = loss.item()
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(batch)
            seen += len(batch)
        loss_end = total / max(seen, 1)
    train_s = time.perf_counter() - t0

    trained = table.weight.detach().numpy().astype(np.float32)  # [n dim]
    labelled = np.zeros(len(token_ids), bool)
    labelled[np.unique(encoded.take(train).rows)] = True
    labelled[[row_of[t] for t in fixed]] = False
    if cfg.map_unlabelled and cfg.init_from_teacher and labelled.any() and not labelled.all():
        # Tokens no labelled text contains kept their init, which lives in another scale and
        # direction than the trained rows; carry them over with the map the others followed.
        x, y = init[labelled], trained[labelled]  # [m dim]
        w = np.linalg.solve(x.T @ x + 1e-3 * np.eye(cfg.dim), x.T @ y)  # [dim dim] ridge
        unlabelled = ~labelled
        unlabelled[[row_of[t] for t in fixed]] = False
        trained[unlabelled] = init[unlabelled] @ w
    vectors = np.concatenate([trained, np.zeros((1, cfg.dim), np.float32)])
    report = StaticTrainReport(
        n_docs=len(docs),
        n_queries=len(queries),
        n_tokens=len(token_ids),
        dim=cfg.dim,
        loss_start=loss_start,
        loss_end=loss_end,
        agreement_init=agreement_init,
        agreement=agreement(hold),
        label_s=label_s,
        init_s=init_s,
        train_s=train_s,
    )
    meta = {"dimension": cfg.dim, "config": asdict(cfg), "report": report.as_dict()}
    return StaticModel(token_ids, vectors, meta), report


def _label(
    teacher: Embedder,
    texts: list[str],
    ids: list[list[int]],
    batch_size: int,
    *,
    is_query: bool,
) -> np.ndarray:
    """The teacher's vectors, computed in order of token length (each batch then pads
    little: reviews run from a few tokens to a few hundred) and returned in input order."""
    order = np.argsort([len(x) for x in ids], kind="stable")
    ordered = [texts[i] for i in order]
    embed = teacher.embed_queries if is_query else teacher.embed_documents
    out = np.empty((len(texts), teacher.dimension), np.float32)
    out[order] = embed(ordered, batch_size)
    return out


def _rank_loss(
    student: Callable[[np.ndarray], torch.Tensor],
    target_t: torch.Tensor,
    query_train: np.ndarray,
    doc_train: np.ndarray,
    cfg: StaticTrainConfig,
    rng: np.random.Generator,
) -> torch.Tensor:
    """KL(teacher ‖ student) of the softmax over a pool of passages, for a batch of queries."""
    import torch

    q = rng.choice(query_train, min(len(query_train), 64), replace=False)
    d = rng.choice(doc_train, min(len(doc_train), cfg.rank_pool), replace=False)
    sq, sd = student(q), student(d)  # [Q dim], [P dim]
    teacher_p = torch.softmax(target_t[q] @ target_t[d].T / cfg.rank_temperature, dim=1)
    student_logp = torch.log_softmax(sq @ sd.T / cfg.rank_temperature, dim=1)  # [Q P]
    return torch.nn.functional.kl_div(student_logp, teacher_p, reduction="batchmean")


# --------------------------------------------------------------------------- the job

TRAINER_VERSION = 1  # bump when a change here should retrain existing files


@dataclass(frozen=True)
class TrainingTexts:
    docs: list[str]  # reviews the teacher labels as passages
    queries: list[str]  # user-like questions and review sentences, labelled as queries
    vocab_texts: list[str]  # reviews only tokenised: their tokens get rows (init, no labels)


def review_sentences(reviews: Sequence[str]) -> list[str]:
    """Distinct sentences of the reviews, the short texts a query often resembles
    ("주차장이 넓어요" asked as "주차장 넓은 곳")."""
    import re

    split = re.compile(r"(?<=[.!?~])\s+")
    out = (s.strip() for t in reviews for s in split.split(t))
    return list(dict.fromkeys(s for s in out if len(s) > 3))


def training_texts(
    reviews: Sequence[str],
    questions: Sequence[str],
    *,
    sample: int,
    n_sentences: int,
    max_vocab_texts: int = 300_000,
    seed: int = 0,
) -> TrainingTexts:
    """`sample` reviews to label, the questions plus `n_sentences` review sentences as
    queries, and up to `max_vocab_texts` reviews whose tokens get rows."""
    rng = np.random.default_rng(seed)
    docs = [reviews[i] for i in np.sort(rng.permutation(len(reviews))[:sample])]
    sentences = review_sentences(docs)
    picked = [sentences[i] for i in np.sort(rng.permutation(len(sentences))[:n_sentences])]
    if len(reviews) > max_vocab_texts:
        vocab = [reviews[i] for i in np.sort(rng.permutation(len(reviews))[:max_vocab_texts])]
    else:
        vocab = list(reviews)
    return TrainingTexts(docs, list(dict.fromkeys([*questions, *picked])), vocab)


def fingerprint(dataset_manifest: str, texts: TrainingTexts, config: StaticTrainConfig) -> str:
    """What a trained file depends on: the dataset (its manifest), the labelled texts, the
    training settings and this trainer's version."""
    import hashlib
    import json

    h = hashlib.sha256()
    h.update(json.dumps([TRAINER_VERSION, dataset_manifest, asdict(config)]).encode())
    for part in (texts.docs, texts.queries):
        h.update(b"\x00".join(t.encode() for t in part) + b"\x01")
    h.update(str(len(texts.vocab_texts)).encode())
    return h.hexdigest()[:16]
