"""Ranking metrics, written once and shared by every evaluator in the package.

All functions take the 0-based rank of the held-out item among the scored candidates
(0 = ranked first) and return the mean over users. With one held-out item per user
(leave-one-out), Recall@k equals HR@k; `recall_at_k` is the general form for several
relevant items per user (used by "viewed together" style evaluations); `list_recall_at_k`
and `reciprocal_rank` score one ranked list against a set of relevant ids (the text-retrieval
eval in evals/embeddings.py uses them too).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

import torch


def rank_of_target(scores: torch.Tensor, target_scores: torch.Tensor) -> torch.Tensor:
    """0-based rank of each target among its row of scores.

    scores: [B C] candidate scores *including* the target's own column.
    target_scores: [B] the target's score.
    Ties count against the target (pessimistic): a model that scores everything equally
    must not look good, which matters for popularity and untrained models.
    """
    greater_or_equal = (scores >= target_scores.unsqueeze(1)).sum(dim=1)  # [B]
    return (greater_or_equal - 1).clamp(min=0)  # the target is >= itself once


def hit_rate_at_k(ranks: torch.Tensor, k: int) -> float:
    """HR@k: share of users whose held-out item is in the top k."""
    return float((ranks < k).float().mean()) if ranks.numel() else 0.0


def ndcg_at_k(ranks: torch.Tensor, k: int) -> float:
    """NDCG@k with one relevant item: 1/log2(rank+2) when rank < k, else 0 (ideal DCG = 1)."""
    if not ranks.numel():
        return 0.0
    gains = 1.0 / torch.log2(ranks.float() + 2.0)
    return float(torch.where(ranks < k, gains, torch.zeros_like(gains)).mean())


def mrr(ranks: torch.Tensor) -> float:
    """Mean reciprocal rank over all candidates (not truncated)."""
    return float((1.0 / (ranks.float() + 1.0)).mean()) if ranks.numel() else 0.0


def list_recall_at_k(
    ranked: Sequence[int], relevant: Collection[int], k: int, capped: bool = False
) -> float:
    """Recall@k of one ranked list: |top-k ∩ relevant| / |relevant|.

    capped=True divides by min(|relevant|, k) instead (retrieval's form: a top k that is as
    full of relevant items as it can be scores 1.0 even when more than k are relevant)."""
    if not relevant:
        raise ValueError("recall needs at least one relevant item")
    hits = len(set(list(ranked)[:k]) & set(relevant))
    return hits / (min(len(relevant), k) if capped else len(relevant))


def reciprocal_rank(ranked: Sequence[int], relevant: Collection[int]) -> float:
    """1 / (1-based position of the first relevant item), 0 when none is ranked."""
    for position, item in enumerate(ranked, start=1):
        if item in relevant:
            return 1.0 / position
    return 0.0


def recall_at_k(topk: Sequence[Sequence[int]], relevant: Sequence[set[int]], k: int) -> float:
    """Recall@k for several relevant items per user: mean of |top-k ∩ relevant| / |relevant|.
    Users without relevant items are skipped."""
    values = [
        list_recall_at_k(items, rel, k) for items, rel in zip(topk, relevant, strict=True) if rel
    ]
    return sum(values) / len(values) if values else 0.0


def ranking_metrics(
    ranks: torch.Tensor, ks_hr: Sequence[int] = (1, 5, 10), ks_ndcg: Sequence[int] = (5, 10)
) -> dict[str, float]:
    """The standard report: HR@{1,5,10}, NDCG@{5,10}, MRR, Recall@10 (= HR@10 here)."""
    out: dict[str, float] = {f"HR@{k}": hit_rate_at_k(ranks, k) for k in ks_hr}
    out.update({f"NDCG@{k}": ndcg_at_k(ranks, k) for k in ks_ndcg})
    out["MRR"] = mrr(ranks)
    out["Recall@10"] = hit_rate_at_k(ranks, 10)
    return out
