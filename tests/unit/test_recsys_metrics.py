"""Metric values on hand-computed cases and the evaluator's masking."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from recsys_tools.seqrec.data import SeqDataset
from recsys_tools.seqrec.evaluator import evaluate, mask_seen
from recsys_tools.seqrec.metrics import (
    hit_rate_at_k,
    list_recall_at_k,
    mrr,
    ndcg_at_k,
    rank_of_target,
    ranking_metrics,
    recall_at_k,
    reciprocal_rank,
)
from recsys_tools.seqrec.models.baselines import Popularity


def test_rank_of_target_counts_ties_against_target() -> None:
    scores = torch.tensor([[0.9, 0.1, 0.5], [0.2, 0.2, 0.2], [0.1, 0.3, 0.2]])
    ranks = rank_of_target(scores, scores[:, 0])
    assert ranks.tolist() == [0, 2, 2]


def test_metrics_hand_computed() -> None:
    ranks = torch.tensor([0, 1, 4, 20])  # 0-based
    assert hit_rate_at_k(ranks, 1) == pytest.approx(0.25)
    assert hit_rate_at_k(ranks, 5) == pytest.approx(0.75)
    expected_ndcg5 = (1.0 + 1 / math.log2(3) + 1 / math.log2(6)) / 4
    assert ndcg_at_k(ranks, 5) == pytest.approx(expected_ndcg5)
    assert ndcg_at_k(ranks, 1) == pytest.approx(0.25)
    assert mrr(ranks) == pytest.approx((1 + 1 / 2 + 1 / 5 + 1 / 21) / 4)
    report = ranking_metrics(ranks)
    assert set(report) == {"HR@1", "HR@5", "HR@10", "NDCG@5", "NDCG@10", "MRR", "Recall@10"}
    assert report["Recall@10"] == report["HR@10"]


def test_recall_at_k_several_relevant() -> None:
    assert recall_at_k([[1, 2, 3], [4, 5, 6]], [{1, 9}, set()], k=2) == pytest.approx(0.5)
    assert recall_at_k([[1, 2, 3]], [{3}], k=2) == 0.0


def test_mask_seen_sets_history_to_minus_inf() -> None:
    scores = torch.zeros(2, 5)
    out = mask_seen(scores, torch.tensor([[0, 2, 3], [0, 0, 4]]))
    assert torch.isinf(out[0, [0, 2, 3]]).all() and torch.isfinite(out[0, [1, 4]]).all()
    assert torch.isinf(out[1, [0, 4]]).all() and torch.isfinite(out[1, 1:4]).all()


def _toy() -> SeqDataset:
    seqs = [np.array(s) for s in ([1, 2, 3, 4], [2, 3, 4, 1], [1, 1, 2, 3], [4, 3, 2, 1])]
    return SeqDataset("toy", seqs, 5, np.array([None, 1, 2, 3, 4, 5], dtype=object), np.arange(4))


def test_full_ranking_masks_seen_items_so_a_seen_target_is_a_miss() -> None:
    data = _toy()
    model = Popularity(torch.tensor([0, 1, 1, 1, 1, 100]))  # item 5 dominates, never seen
    res = evaluate(model, data, "test", "full")
    # user 0: history {1,2,3}, target 4: only 4 and 5 unmasked -> rank 1 behind item 5.
    # user 2: history {1,2}, target 3 is unseen -> candidates {3,4,5}: tie 3/4 counts against
    # user 3: target 1 -> unmasked {1,5}: rank 1.
    assert res.n_users == 4
    assert res.metrics["HR@1"] == 0.0
    assert res.metrics["HR@5"] == 1.0


def test_sampled_negatives_exclude_seen_items_and_are_distinct() -> None:
    data = _toy()
    negs = data.sampled_negatives("test", n=1, seed=3)
    for row, u in enumerate(data.eval_users()):
        assert not set(negs[row].tolist()) & set(data.sequences[u].tolist())
    assert negs.shape == (4, 1)


def test_list_recall_and_reciprocal_rank() -> None:
    assert list_recall_at_k([5, 1, 2], {1, 9}, k=2) == pytest.approx(0.5)
    assert list_recall_at_k([1, 2], {1, 2, 3}, k=2) == pytest.approx(2 / 3)
    assert list_recall_at_k([1, 2], {1, 2, 3}, k=2, capped=True) == 1.0
    with pytest.raises(ValueError):
        list_recall_at_k([1], set(), k=1)
    assert reciprocal_rank([7, 8, 1], {1}) == pytest.approx(1 / 3)
    assert reciprocal_rank([7, 8], {1}) == 0.0
