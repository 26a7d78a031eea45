"""Prod2Vec and Meta-Prod2Vec product embeddings for "viewed together".

Prod2Vec (Grbovic et al. 2015): skip-gram with negative sampling over view sessions; a
product predicts the products viewed within `window` positions of it in the same session.

Meta-Prod2Vec (Vasile, Smirnova & Conneau, RecSys 2016) adds side-information terms to the
loss, with items and metadata values (city, country, category, …) in one shared space:

    L = L_{J|I} + λ (L_{M|I} + L_{J|M} + L_{M|M} + L_{I|M})

    J|I: context product given the product            (the Prod2Vec term)
    M|I: metadata of the context product given the product
    J|M: context product given the product's metadata
    M|M: context product's metadata given the product's metadata
    I|M: the product given its own metadata

Each term is a negative-sampling loss −log σ(u·v⁺) − Σ log σ(−u·v⁻) with input vectors u and
output vectors v. λ = 0 is plain Prod2Vec. Products are compared by the cosine of their input
vectors; the metadata terms pull rarely viewed products towards similar ones.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from recsys_tools.seqrec.data import TRAVEL_FEATURES, ItemFeatures, encode_item_features
from recsys_tools.seqrec.metrics import rank_of_target, ranking_metrics


@dataclass
class Prod2VecConfig:
    dim: int = 32  # embedding width
    window: int = 3  # context positions on each side within a session
    negatives: int = 5  # negative samples per positive
    meta_weight: float = 0.0  # λ of the metadata terms; 0 = Prod2Vec, > 0 = Meta-Prod2Vec
    epochs: int = 10
    batch_size: int = 1024  # (center, context) pairs per step
    lr: float = 0.01
    seed: int = 0


@dataclass
class SessionData:
    """View sessions (internal item ids 1..n_items), split into train and held-out."""

    train: list[np.ndarray]
    test: list[np.ndarray]
    item_ids: list[Any]  # internal -> external id (index 0 = padding)
    features: ItemFeatures | None
    item_labels: dict[str, np.ndarray]  # e.g. "city" -> label per internal id

    @property
    def n_items(self) -> int:
        return len(self.item_ids) - 1


def load_sessions(data_dir: Path, test_fraction: float = 0.1, seed: int = 0) -> SessionData:
    """Sessions from clicks.parquet (ordered by time, consecutive repeats collapsed); a random
    `test_fraction` of sessions is held out for the next-viewed-item evaluation."""
    import pandas as pd

    clicks = pd.read_parquet(data_dir / "clicks.parquet").sort_values(
        ["session_id", "ts"], kind="stable"
    )
    same = (clicks["session_id"] == clicks["session_id"].shift()) & (
        clicks["product_id"] == clicks["product_id"].shift()
    )
    clicks = clicks[~same]
    products = pd.read_parquet(data_dir / "products.parquet")
    item_ext = np.array(
        sorted(set(products["product_id"]) | set(clicks["product_id"])), dtype=object
    )
    index = {p: i + 1 for i, p in enumerate(item_ext.tolist())}
    codes = clicks["product_id"].map(index).to_numpy(dtype=np.int64)
    bounds = (
        np.flatnonzero(clicks["session_id"].to_numpy()[1:] != clicks["session_id"].to_numpy()[:-1])
        + 1
    )
    sessions = [s for s in np.split(codes, bounds) if len(s) >= 2]
    rng = np.random.default_rng(seed)
    is_test = rng.random(len(sessions)) < test_fraction
    feats = {c: products[c].to_numpy() for c in TRAVEL_FEATURES if c in products.columns}
    if "nights" in feats:
        feats["nights"] = np.digitize(products["nights"].fillna(0).to_numpy(), [1, 4, 8]).astype(
            str
        )
    features = (
        encode_item_features(item_ext, products["product_id"].to_numpy(), feats) if feats else None
    )
    by_id = products.set_index("product_id")
    labels = {
        col: np.array(["", *[str(by_id[col].get(p, "")) for p in item_ext.tolist()]], dtype=object)
        for col in ("city", "city_code", "country_code", "product_type", "theme")
        if col in products.columns
    }
    return SessionData(
        train=[s for s, t in zip(sessions, is_test, strict=True) if not t],
        test=[s for s, t in zip(sessions, is_test, strict=True) if t],
        item_ids=[None, *item_ext.tolist()],
        features=features,
        item_labels=labels,
    )


def skipgram_pairs(sessions: list[np.ndarray], window: int) -> np.ndarray:
    """All (center, context) pairs within `window` positions: [P 2]."""
    out: list[np.ndarray] = []
    for s in sessions:
        n = len(s)
        for off in range(1, window + 1):
            if n > off:
                out.append(np.stack([s[:-off], s[off:]], axis=1))
                out.append(np.stack([s[off:], s[:-off]], axis=1))
    return np.concatenate(out) if out else np.zeros((0, 2), dtype=np.int64)


class MetaProd2Vec(nn.Module):
    """Input/output vectors over one vocabulary: items 0..n_items, then each feature's
    values (feature f, code c -> n_items + 1 + offset_f + c - 1). Code 0 (unknown) maps to
    a shared padding row whose vector stays zero."""

    def __init__(
        self,
        n_items: int,
        dim: int,
        item_codes: torch.Tensor | None,
        cardinalities: tuple[int, ...],
    ) -> None:
        super().__init__()
        self.n_items = n_items
        n_meta = sum(c - 1 for c in cardinalities)
        self.n_tokens = n_items + 1 + n_meta
        self.inp = nn.Embedding(self.n_tokens, dim)
        self.out = nn.Embedding(self.n_tokens, dim)
        offsets = (
            torch.tensor([0, *np.cumsum([c - 1 for c in cardinalities])[:-1].tolist()])
            if cardinalities
            else torch.zeros(0)
        )
        codes = (
            item_codes if item_codes is not None else torch.zeros(n_items + 1, 0, dtype=torch.long)
        )
        # metadata token of every (item, feature); -1 where the value is unknown
        meta = torch.where(codes > 0, n_items + offsets.long() + codes, torch.full_like(codes, -1))
        self.register_buffer("meta_tokens", meta)  # [n_items+1 F]
        nn.init.uniform_(self.inp.weight, -0.5 / dim, 0.5 / dim)
        nn.init.zeros_(self.out.weight)

    def sgns(
        self, centers: torch.Tensor, targets: torch.Tensor, negatives: torch.Tensor
    ) -> torch.Tensor:
        """Negative-sampling loss, mean over pairs. centers, targets: [P]; negatives: [P K]."""
        u = self.inp(centers)  # [P D]
        pos = (u * self.out(targets)).sum(-1)  # [P]
        neg = torch.bmm(self.out(negatives), u.unsqueeze(-1)).squeeze(-1)  # [P K]
        return -(F.logsigmoid(pos) + F.logsigmoid(-neg).sum(-1)).mean()

    def item_vectors(self) -> torch.Tensor:
        return self.inp.weight[: self.n_items + 1].detach()  # [N+1 D]


@dataclass
class ItemEmbeddings:
    """Trained, L2-normalised item vectors with the id map: the "viewed together" index."""

    vectors: np.ndarray  # [n_items+1 D]; row 0 unused
    item_ids: list[Any]
    popularity: np.ndarray  # [n_items+1] views in training sessions (cold-start fallback)
    config: dict[str, Any]

    def index_of(self, item_id: Any) -> int | None:
        try:
            return self.item_ids.index(item_id, 1)
        except ValueError:
            return None

    def similar(self, item: int, k: int) -> list[tuple[int, float]]:
        """Top-k (internal id, cosine) of items most similar to `item`, itself excluded."""
        sims = self.vectors @ self.vectors[item]  # [N+1]
        sims[0] = -np.inf
        sims[item] = -np.inf
        if not np.any(self.vectors[item]):
            return []  # no vector (unseen product without metadata): caller falls back
        top = np.argsort(-sims, kind="stable")[:k]
        return [(int(i), float(sims[i])) for i in top]

    def save(self, path: Path, fingerprint: str | None = None) -> None:
        """`fingerprint`: what the vectors were trained from (recsys_tools.travel)."""
        path.parent.mkdir(parents=True, exist_ok=True)
        arrays: dict[str, Any] = {
            "vectors": self.vectors,
            "item_ids": np.array(self.item_ids, dtype=object),
            "popularity": self.popularity,
            "config": np.array([repr(self.config)]),
        }
        if fingerprint is not None:
            arrays["fingerprint"] = np.array([fingerprint])
        np.savez(path, **arrays)

    @classmethod
    def load(cls, path: Path) -> ItemEmbeddings:
        blob = np.load(path, allow_pickle=True)
        return cls(
            blob["vectors"],
            blob["item_ids"].tolist(),
            blob["popularity"],
            {"repr": str(blob["config"][0])},
        )


def train_prod2vec(data: SessionData, cfg: Prod2VecConfig, log: bool = False) -> ItemEmbeddings:
    """Train (Meta-)Prod2Vec on the training sessions and return normalised item vectors."""
    torch.manual_seed(cfg.seed)
    rng = np.random.default_rng(cfg.seed)
    feats = data.features
    use_meta = cfg.meta_weight > 0 and feats is not None
    model = MetaProd2Vec(
        data.n_items,
        cfg.dim,
        feats.tensor() if use_meta and feats is not None else None,
        feats.cardinalities if use_meta and feats is not None else (),
    )
    pairs = torch.from_numpy(skipgram_pairs(data.train, cfg.window))  # [P 2]
    counts = np.zeros(data.n_items + 1)
    for s in data.train:
        np.add.at(counts, s, 1)
    # word2vec's unigram^0.75 noise distribution for item targets
    item_noise = torch.as_tensor(counts**0.75 / (counts**0.75).sum(), dtype=torch.float)
    meta_tokens: torch.Tensor = model.meta_tokens  # type: ignore[assignment]
    opt = torch.optim.Adam(model.parameters(), lr=cfg.lr)

    def noise_items(shape: tuple[int, ...]) -> torch.Tensor:
        return torch.multinomial(item_noise, int(np.prod(shape)), replacement=True).view(shape)

    def noise_meta(shape: tuple[int, ...]) -> torch.Tensor:
        return torch.randint(data.n_items + 1, model.n_tokens, shape)

    def meta_pairs(src: torch.Tensor, dst: torch.Tensor, dst_is_meta: bool) -> torch.Tensor:
        keep = (src >= 0) & (dst >= 0)
        src, dst = src[keep], dst[keep]
        if not len(src):
            return torch.zeros(())
        neg = (
            noise_meta((len(src), cfg.negatives))
            if dst_is_meta
            else noise_items((len(src), cfg.negatives))
        )
        return model.sgns(src, dst, neg)

    for epoch in range(cfg.epochs):
        perm = torch.from_numpy(rng.permutation(len(pairs)))
        total = 0.0
        for start in range(0, len(pairs), cfg.batch_size):
            batch = pairs[perm[start : start + cfg.batch_size]]
            i, j = batch[:, 0], batch[:, 1]  # [P]
            loss = model.sgns(i, j, noise_items((len(i), cfg.negatives)))  # L_{J|I}
            if use_meta:
                mi, mj = meta_tokens[i], meta_tokens[j]  # [P F]
                n_f = mi.shape[1]
                extra = (
                    meta_pairs(i.unsqueeze(1).expand(-1, n_f).flatten(), mj.flatten(), True)  # M|I
                    + meta_pairs(
                        mi.flatten(), j.unsqueeze(1).expand(-1, n_f).flatten(), False
                    )  # J|M
                    + meta_pairs(mi.flatten(), mj.flatten(), True)  # M|M
                    + meta_pairs(
                        mi.flatten(), i.unsqueeze(1).expand(-1, n_f).flatten(), False
                    )  # I|M
                )
                loss = loss + cfg.meta_weight * extra
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item() * len(i)
        if log:
            mean_loss = total / max(1, len(pairs))
            print(
                f"[prod2vec λ={cfg.meta_weight}] epoch {epoch + 1} loss={mean_loss:.4f}", flush=True
            )
    vecs = model.item_vectors().numpy().astype(np.float32)
    cold = counts == 0
    vecs[cold] = 0.0  # never trained: a random init vector would give random neighbours
    if use_meta:
        # Meta-Prod2Vec can still place an unseen product: the mean of its metadata vectors,
        # which live in the same space as the items.
        all_in = model.inp.weight.detach().numpy()
        for item in np.flatnonzero(cold[1:]) + 1:
            toks = meta_tokens[item][meta_tokens[item] >= 0].numpy()
            if len(toks):
                vecs[item] = all_in[toks].mean(0)
    norms = np.linalg.norm(vecs, axis=1, keepdims=True)
    vecs = np.where(norms > 0, vecs / np.maximum(norms, 1e-12), 0.0)
    return ItemEmbeddings(
        vecs, list(data.item_ids), counts.astype(np.int64), dataclasses.asdict(cfg)
    )


def evaluate_next_item(emb: ItemEmbeddings, sessions: list[np.ndarray]) -> dict[str, float]:
    """Next-viewed item in held-out sessions: for every consecutive pair (a, b), b is ranked
    among all items by cosine with a (a itself excluded). HR@k, NDCG@k, MRR from the shared
    metric functions; `n_pairs` says how many transitions were scored."""
    pairs = np.concatenate([np.stack([s[:-1], s[1:]], axis=1) for s in sessions if len(s) >= 2])
    vecs = torch.from_numpy(emb.vectors)
    a, b = torch.from_numpy(pairs[:, 0]), torch.from_numpy(pairs[:, 1])
    scores = vecs[a] @ vecs.T  # [P N+1]
    scores[:, 0] = float("-inf")
    scores[torch.arange(len(a)), a] = float("-inf")
    ranks = rank_of_target(scores, scores.gather(1, b.unsqueeze(1)).squeeze(1))
    return {**ranking_metrics(ranks), "n_pairs": float(len(pairs))}


def plot_projection(emb: ItemEmbeddings, labels: np.ndarray, path: Path, title: str) -> None:
    """2-D t-SNE of the item vectors, one colour per label (e.g. city)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from sklearn.manifold import TSNE

    rows = np.flatnonzero(emb.popularity > 0)
    xy = TSNE(
        n_components=2, init="pca", random_state=0, perplexity=min(30, max(5, len(rows) // 10))
    ).fit_transform(emb.vectors[rows])
    lab = labels[rows]
    fig, ax = plt.subplots(figsize=(8, 7))
    cmap = plt.get_cmap("tab20")
    for n, value in enumerate(sorted(set(lab.tolist()))):
        sel = lab == value
        ax.scatter(xy[sel, 0], xy[sel, 1], s=12, color=cmap(n % 20), label=str(value))
    ax.set_title(title)
    ax.legend(fontsize=7, markerscale=1.5, ncol=2, loc="best")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
