"""The static student of e5: contract, file round trip, training on a tiny corpus."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from embeddings.text.base import Embedder
from embeddings.text.static import StaticEmbedder, StaticModel, pool
from embeddings.text.static_train import StaticTrainConfig, train_static_embedder

VOCAB = 40  # a toy vocabulary: ids 0..39, one id per character
BOS, EOS = 0, 1


class CharTokenizer:
    """Stands in for `E5Tokenizer`: <s>, one id per character (mod the vocabulary), </s>."""

    def encode_batch(self, texts: list[str]) -> list[list[int]]:
        return [[BOS, *(2 + ord(ch) % (VOCAB - 2) for ch in t), EOS] for t in texts]

    @property
    def pad_id(self) -> int:
        return 1


PIECES = [f"p{i}" for i in range(VOCAB)]


class BagTeacher(Embedder):
    """A small deterministic teacher: a fixed random vector per character, summed; queries
    get an offset, so the query/passage asymmetry is something to learn."""

    name = "bag-teacher"

    def __init__(self, dim: int = 16) -> None:
        rng = np.random.default_rng(7)
        self._dim = dim
        self._vectors = rng.normal(size=(256, dim)).astype(np.float32)
        self._query = rng.normal(size=dim).astype(np.float32)

    @property
    def dimension(self) -> int:
        return self._dim

    def _encode(self, texts: list[str], *, is_query: bool) -> np.ndarray:
        out = np.stack([self._vectors[[ord(c) % 256 for c in t or " "]].sum(0) for t in texts])
        return out + (3 * self._query if is_query else 0)


DOCS = ["주차 편해요", "바다 보여요", "조용해요", "아이랑 가기 좋아요", "가성비 좋아요"] * 8
QUERIES = ["주차 되는 곳", "오션뷰 카페", "조용한 식당", "아이 동반"] * 4


def _model(dim: int = 8, n: int = 5) -> StaticModel:
    rng = np.random.default_rng(0)
    ids = np.array([BOS, EOS, 5, 9, 20][:n], np.int64)
    vectors = np.concatenate([rng.normal(size=(n, dim)), np.zeros((1, dim))]).astype(np.float32)
    return StaticModel(np.sort(ids), vectors, {"dimension": dim})


def _embedder(model: StaticModel) -> StaticEmbedder:
    return StaticEmbedder.from_model(model, CharTokenizer(), VOCAB)


def test_pool_sums_each_texts_rows() -> None:
    table = np.arange(12, dtype=np.float32).reshape(4, 3)
    out = pool(np.array([0, 1, 3, 2]), np.array([3, 1]), table)
    np.testing.assert_allclose(out, [table[[0, 1, 3]].sum(0), table[2]])


@pytest.mark.parametrize("dim", [4, 8])
def test_shapes_normalisation_and_determinism(dim: int) -> None:
    embedder = _embedder(_model(dim))
    docs = embedder.embed_documents(["ab", "가나다", ""])
    assert docs.shape == (3, dim) and docs.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(docs, axis=1), 1.0, rtol=1e-5)
    np.testing.assert_array_equal(
        docs, _embedder(_model(dim)).embed_documents(["ab", "가나다", ""])
    )
    assert len(embedder.embed_query("ab")) == dim


def test_unseen_tokens_fall_back_to_the_zero_row() -> None:
    embedder = _embedder(_model())
    # ids 5, 9, 20 have rows; characters mapping elsewhere are unseen and add nothing
    seen_only = embedder.embed_documents([""])  # only <s> and </s>
    unseen = next(ch for ch in "qwertyuiop" if 2 + ord(ch) % (VOCAB - 2) not in (5, 9, 20))
    np.testing.assert_allclose(embedder.embed_documents([unseen * 3]), seen_only, atol=1e-6)


def test_save_and_load_round_trip(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    model = _model()
    path = tmp_path / "static.npz"
    model.save(path)
    loaded = StaticModel.read(path)
    np.testing.assert_array_equal(loaded.token_ids, model.token_ids)
    np.testing.assert_array_equal(loaded.vectors, model.vectors)
    assert loaded.meta == {"dimension": 8}

    import embeddings.text.static as static

    monkeypatch.setattr(static, "load_e5_tokenizer", lambda: (CharTokenizer(), VOCAB))
    embedder = StaticEmbedder(path)
    assert embedder.dimension == 8 and not embedder.loaded  # read from the metadata only
    np.testing.assert_allclose(
        embedder.embed_documents(["ab"]), _embedder(model).embed_documents(["ab"]), atol=1e-6
    )


def test_load_without_a_trained_file_says_how_to_train(tmp_path: Path) -> None:
    embedder = StaticEmbedder(tmp_path / "missing.npz")
    assert not embedder.loaded  # constructing reads nothing
    with pytest.raises(FileNotFoundError, match="tripgraph train text-embedder"):
        embedder.embed_query("주차")


def _agreement(model: StaticModel, teacher: Embedder, texts: list[str], is_query: bool) -> float:
    student = _embedder(model)
    embed = "embed_queries" if is_query else "embed_documents"
    s, t = getattr(student, embed)(texts), getattr(teacher, embed)(texts)
    return float((s * t).sum(1).mean())


@pytest.mark.parametrize("rank_weight", [0.0, 0.5])
def test_training_lowers_the_loss_and_agrees_with_the_teacher(rank_weight: float) -> None:
    teacher = BagTeacher()
    cfg = StaticTrainConfig(dim=16, epochs=60, batch_size=16, lr=0.05, rank_weight=rank_weight)
    untrained, _ = train_static_embedder(
        DOCS, QUERIES, teacher, CharTokenizer(), PIECES, config=StaticTrainConfig(dim=16, epochs=0)
    )
    model, report = train_static_embedder(
        DOCS, QUERIES, teacher, CharTokenizer(), PIECES, vocab_texts=["xyz"], config=cfg
    )
    assert report.loss_end < report.loss_start
    assert report.n_docs == len(DOCS) and report.n_queries == len(QUERIES)
    assert model.vectors.shape == (report.n_tokens + 1, 16)
    np.testing.assert_array_equal(model.vectors[-1], 0.0)  # the fallback row
    for texts, is_query in ((DOCS[:5], False), (QUERIES[:4], True)):
        after = _agreement(model, teacher, texts, is_query)
        assert after > _agreement(untrained, teacher, texts, is_query)
        # the ranking term trades some vector agreement for the teacher's query ranking
        assert after > (0.9 if rank_weight == 0 else 0.5)


def test_training_into_a_smaller_dimension() -> None:
    model, report = train_static_embedder(
        DOCS,
        QUERIES,
        BagTeacher(),
        CharTokenizer(),
        PIECES,
        config=StaticTrainConfig(dim=4, epochs=5, batch_size=16),
    )
    assert model.dimension == 4 and report.dim == 4
    assert model.meta["dimension"] == 4


def test_training_is_deterministic() -> None:
    cfg = StaticTrainConfig(dim=16, epochs=3, batch_size=16)
    a, _ = train_static_embedder(DOCS, QUERIES, BagTeacher(), CharTokenizer(), PIECES, config=cfg)
    b, _ = train_static_embedder(DOCS, QUERIES, BagTeacher(), CharTokenizer(), PIECES, config=cfg)
    np.testing.assert_array_equal(a.vectors, b.vectors)


def test_dimension_larger_than_the_teacher_is_an_error() -> None:
    with pytest.raises(ValueError, match="larger than the teacher"):
        train_static_embedder(
            DOCS, QUERIES, BagTeacher(), CharTokenizer(), PIECES, config=StaticTrainConfig(dim=32)
        )


def test_training_texts_sample_and_fingerprint() -> None:
    from embeddings.text.static_train import fingerprint, review_sentences, training_texts

    reviews = [f"맛있어요. 주차 {i} 편해요! 또 올게요" for i in range(20)]
    texts = training_texts(reviews, ["주차 되는 곳"], sample=5, n_sentences=3)
    assert len(texts.docs) == 5 and set(texts.docs) <= set(reviews)
    assert texts.queries[0] == "주차 되는 곳" and len(texts.queries) == 4
    assert texts.vocab_texts == reviews
    assert review_sentences(["맛있어요. 주차 편해요! 또 올게요"]) == [
        "맛있어요.",
        "주차 편해요!",
        "또 올게요",
    ]
    cfg = StaticTrainConfig()
    key = fingerprint("{}", texts, cfg)
    assert key == fingerprint("{}", texts, cfg)
    assert key != fingerprint('{"seed": 1}', texts, cfg)
    assert key != fingerprint("{}", texts, StaticTrainConfig(dim=128))


def test_train_command_writes_then_skips(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import pandas as pd
    from typer.testing import CliRunner

    import embeddings.text.e5_torch as e5_torch
    from tripgraph.cli import app
    from tripgraph.settings import get_settings

    (tmp_path / "data" / "tiny").mkdir(parents=True)
    reviews = [f"주차장이 넓어요. 바다가 보여요 {i}" for i in range(30)]
    pd.DataFrame({"text": reviews}).to_parquet(tmp_path / "data" / "tiny" / "reviews.parquet")
    monkeypatch.setenv("TRIPGRAPH_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("TRIPGRAPH_MODEL_DIR", str(tmp_path / "models"))
    monkeypatch.setattr(e5_torch, "TorchE5Embedder", lambda: BagTeacher(dim=384))
    get_settings.cache_clear()
    args = ["train", "text-embedder", "--scale", "tiny", "--sample", "10", "--questions", "5"]
    try:
        first = CliRunner().invoke(app, [*args, "--epochs", "2"])
        assert first.exit_code == 0, first.output
        assert "wrote" in first.output
        path = tmp_path / "models" / "text_static" / "static.npz"
        model = StaticModel.read(path)
        assert model.meta["fingerprint"] and model.dimension == 384
        second = CliRunner().invoke(app, [*args, "--epochs", "2"])
        assert second.exit_code == 0 and "up to date" in second.output
        embedder = StaticEmbedder.in_model_dir(tmp_path / "models")
        assert embedder.embed_documents(reviews[:2]).shape == (2, 384)
        missing = CliRunner().invoke(app, [*args[:2], "--scale", "demo"])
        assert missing.exit_code == 2 and "data generate" in missing.output
    finally:
        get_settings.cache_clear()


def test_tokens_only_in_vocab_texts_are_mapped_like_the_trained_ones() -> None:
    used = {t for s in CharTokenizer().encode_batch(DOCS + QUERIES) for t in s}
    extra = "".join(ch for ch in "abcdefghij" if 2 + ord(ch) % (VOCAB - 2) not in used)[:2]
    rows = {2 + ord(ch) % (VOCAB - 2) for ch in extra}  # tokens no labelled text has
    assert len(rows) == 2
    models = {
        mapped: train_static_embedder(
            DOCS,
            QUERIES,
            BagTeacher(),
            CharTokenizer(),
            PIECES,
            vocab_texts=[extra],
            config=StaticTrainConfig(dim=16, epochs=5, batch_size=16, map_unlabelled=mapped),
        )[0]
        for mapped in (False, True)
    }
    index = [int(np.searchsorted(models[True].token_ids, r)) for r in sorted(rows)]
    labelled = [i for i in range(len(models[True].token_ids)) if i not in index]
    np.testing.assert_array_equal(models[True].vectors[labelled], models[False].vectors[labelled])
    assert not np.allclose(models[True].vectors[index], models[False].vectors[index])
    assert np.linalg.norm(models[True].vectors[index], axis=1).min() > 0


def test_the_tag_of_stored_vectors_names_the_trained_file(tmp_path: Path) -> None:
    from dataclasses import replace

    from ingest.embed_reviews import embedder_tag

    model, _ = train_static_embedder(
        DOCS, QUERIES, BagTeacher(), CharTokenizer(), PIECES, config=StaticTrainConfig(dim=16)
    )
    tags = []
    for fingerprint in ("aaaa", "bbbb"):
        path = tmp_path / f"{fingerprint}.npz"
        replace(model, meta={**model.meta, "fingerprint": fingerprint}).save(path)
        tags.append(embedder_tag(StaticEmbedder(path)))
    assert tags == ["static:16:aaaa", "static:16:bbbb"]
