"""The question → merchant check of the embedding eval (issue 15.1): the vector search
queried the way the agent queries it (its offline HyDE text for a category and one or two
aspects), scored by the merchants behind the nearest reviews. Apart from the review
retrieval sets (`evals/retrieval_sets.py`) because its answers are merchants, not reviews."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from embeddings.text import Embedder
from evals.retrieval_sets import aspect_sets, dataset_merchants


@dataclass(frozen=True)
class MerchantCase:
    query: str  # the agent's offline HyDE review for (category, aspects), embedded as a query
    category: str
    aspects: tuple[str, ...]
    relevant: frozenset[str]  # merchants of the category with every aspect


@dataclass(frozen=True)
class MerchantSet:
    """Reviews of a sample of merchants, and asks whose answers are merchants."""

    source: str
    docs: list[str]
    doc_merchant: list[str]  # the merchant each review is about
    has_aspects: dict[str, frozenset[str]]  # merchant → its true aspects
    category_of: dict[str, str]
    cases: list[MerchantCase]


def merchant_retrieval_set(
    dataset_dir: Path,
    seed: int = 42,
    n_merchants: int = 400,
    reviews_per_merchant: int = 10,
    n_queries: int = 150,
) -> MerchantSet | None:
    """The question → merchant check (issue 15.1): does the vector search, queried the way
    the agent queries it, find merchants whose reviews match the asked aspects? Queries are
    the agent's own offline HyDE texts for a category and one or two aspects (the region is
    a graph filter in the agent, so it is left out); a merchant answers when it has the
    category and every aspect. None when the dataset is missing."""
    import pandas as pd

    from agent.retrieval import offline_hyde_text
    from agent.state import Slots

    found = dataset_merchants(dataset_dir, {"merchant_id", "category"})
    if found is None:
        return None
    merchants, attributes = found
    rng = np.random.default_rng(seed)
    sample = merchants.iloc[np.sort(rng.permutation(len(merchants))[:n_merchants])]
    ids = set(sample["merchant_id"].astype(str))
    reviews = pd.read_parquet(dataset_dir / "reviews.parquet", columns=["merchant_id", "text"])
    reviews = reviews[reviews["merchant_id"].astype(str).isin(ids)]
    reviews = reviews.groupby("merchant_id", sort=True).head(reviews_per_merchant)
    has = {
        str(row.merchant_id): frozenset(a for a in attributes if bool(getattr(row, a)))
        for row in sample.itertuples()
    }
    category_of = dict(zip(sample["merchant_id"].astype(str), sample["category"], strict=True))
    wanted = aspect_sets(attributes)
    categories = sorted(set(category_of.values()))
    cases: list[MerchantCase] = []
    for aspects in (wanted[i] for i in rng.permutation(len(wanted))):
        for category in (categories[i] for i in rng.permutation(len(categories))):
            relevant = frozenset(
                m for m, c in category_of.items() if c == category and set(aspects) <= has[m]
            )
            if len(relevant) < 2:
                continue
            query = offline_hyde_text(Slots(category=category, must_haves=list(aspects)))
            cases.append(MerchantCase(query, category, aspects, relevant))
    cases = [cases[i] for i in np.sort(rng.permutation(len(cases))[:n_queries])]
    return MerchantSet(
        source=f"dataset:{dataset_dir}",
        docs=reviews["text"].astype(str).tolist(),
        doc_merchant=reviews["merchant_id"].astype(str).tolist(),
        has_aspects=has,
        category_of=category_of,
        cases=cases,
    )


def top_merchants(
    scores: np.ndarray, doc_merchant: Sequence[str], k: int = 10, pool: int = 100
) -> list[str]:
    """The first `k` distinct merchants among the `pool` best-scoring reviews (a review
    stands for its merchant, as in the agent's HyDE search)."""
    best = np.argsort(-scores, kind="stable")[:pool]
    return list(dict.fromkeys(doc_merchant[i] for i in best))[:k]


def merchant_scores(
    embedder: Embedder, data: MerchantSet, batch_size: int, k: int = 10
) -> dict[str, list[float]]:
    """Per case: precision@k of merchants meeting the ask (category and aspects), and of
    merchants having the aspects whatever their category (the agent filters the category
    in the graph, so this is what its vector search must get right)."""
    docs = embedder.embed_documents(data.docs, batch_size)  # [N D]
    queries = embedder.embed_queries([c.query for c in data.cases], batch_size)  # [Q D]
    exact, aspects = [], []
    for case, q in zip(data.cases, queries, strict=True):
        top = top_merchants(docs @ q, data.doc_merchant, k)
        exact.append(sum(m in case.relevant for m in top) / k)
        aspects.append(sum(set(case.aspects) <= data.has_aspects[m] for m in top) / k)
    return {"merchant_precision": exact, "aspect_precision": aspects}
