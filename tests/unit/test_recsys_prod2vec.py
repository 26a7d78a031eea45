"""Prod2Vec / Meta-Prod2Vec on tiny sessions: pairs, loss terms, cold items, evaluation."""

from __future__ import annotations

import numpy as np
import torch

from recsys_tools.prod2vec import (
    MetaProd2Vec,
    Prod2VecConfig,
    SessionData,
    evaluate_next_item,
    skipgram_pairs,
    train_prod2vec,
)
from recsys_tools.seqrec.data import encode_item_features


def test_skipgram_pairs_window() -> None:
    pairs = skipgram_pairs([np.array([1, 2, 3])], window=1)
    assert sorted(map(tuple, pairs.tolist())) == [(1, 2), (2, 1), (2, 3), (3, 2)]
    assert len(skipgram_pairs([np.array([1, 2, 3])], window=2)) == 6


def test_meta_tokens_live_after_items() -> None:
    codes = torch.tensor([[0, 0], [1, 2], [2, 0]])  # item 2 has an unknown second feature
    model = MetaProd2Vec(n_items=2, dim=4, item_codes=codes, cardinalities=(3, 3))
    meta = model.meta_tokens
    assert meta.tolist() == [[-1, -1], [3, 6], [4, -1]]
    assert model.n_tokens == 3 + 2 + 2


def _sessions() -> SessionData:
    # two clusters {1,2,3} (city A) and {4,5,6} (city B); item 7 never viewed but in city A
    rng = np.random.default_rng(0)
    train = [rng.permutation([1, 2, 3]) for _ in range(60)] + [
        rng.permutation([4, 5, 6]) for _ in range(60)
    ]
    ext = np.arange(1, 8)
    feats = encode_item_features(ext, ext, {"city": np.array(list("AAABBBA"))})
    return SessionData(
        train,
        [np.array([1, 2]), np.array([4, 5])],
        [None, *ext.tolist()],
        feats,
        {"city": np.array(["", *"AAABBBA"], dtype=object)},
    )


def test_prod2vec_learns_clusters_and_meta_places_cold_items() -> None:
    data = _sessions()
    cfg = Prod2VecConfig(dim=8, epochs=15, batch_size=64, lr=0.05, negatives=3)
    plain = train_prod2vec(data, cfg)
    assert {i for i, _ in plain.similar(1, 2)} == {2, 3}
    assert plain.similar(7, 3) == []  # never viewed, no metadata used: no neighbours
    metrics = evaluate_next_item(plain, data.test)
    assert metrics["HR@5"] == 1.0 and metrics["n_pairs"] == 2
    meta = train_prod2vec(
        data, Prod2VecConfig(dim=8, epochs=15, batch_size=64, lr=0.05, negatives=3, meta_weight=0.5)
    )
    neighbours = {i for i, _ in meta.similar(7, 3)}
    assert neighbours <= {1, 2, 3}  # the cold city-A item lands among city-A items
