"""Metrics, the two taggers on tiny data, the vocabulary extension and the serving tool."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from recsys_tools.nlu.crf import CrfConfig
from recsys_tools.nlu.data import build_dataset
from recsys_tools.nlu.examples import Span
from recsys_tools.nlu.metrics import (
    confusion_matrix,
    entity_prf,
    per_intent_prf,
    spans_from_tags,
)
from recsys_tools.nlu.neural import BiLstmConfig, BiLstmModel
from recsys_tools.nlu.service import EntityExtractor, ExtractionResult, NerModelMissing
from recsys_tools.nlu.vocab import UNK, SyllableVocab

torch.set_num_threads(1)  # the CPU is shared; small batches are fastest on one thread


def test_spans_from_tags_reads_bio_and_stray_inside_tags() -> None:
    tags = ["B-REGION", "I-REGION", "O", "I-MENU", "I-MENU", "B-PARTY", "B-PARTY"]
    assert spans_from_tags(tags) == [
        Span(0, 2, "REGION"),
        Span(3, 5, "MENU"),
        Span(5, 6, "PARTY"),
        Span(6, 7, "PARTY"),
    ]


def test_entity_prf_counts_exact_matches_only() -> None:
    gold = [[Span(0, 2, "REGION"), Span(4, 6, "MENU")]]
    pred = [[Span(0, 2, "REGION"), Span(4, 7, "MENU"), Span(8, 9, "AGE")]]
    s = entity_prf(gold, pred)
    assert (s.precision, s.recall) == pytest.approx((1 / 3, 1 / 2))
    assert entity_prf(gold, pred, {"REGION"}).f1 == 1.0


def test_vocab_extension_removes_unk_and_resizes_embeddings() -> None:
    vocab = SyllableVocab.build(["파타야 가자"])
    assert vocab.has_unk("홋카이도")
    model = BiLstmModel(BiLstmConfig(epochs=1, hidden=8, emb_dim=8), vocab)
    ds = build_dataset(seed=1, n_train=16, n_dev=4, n_test=4)
    model.fit(ds.splits["train"], ds.splits["dev"])
    assert model.net is not None
    before = model.net.emb.weight.shape[0]
    added = model.extend_vocab(["홋카이도", "하얏트"])
    assert "홋" in added and "얏" in added
    assert model.net.emb.weight.shape[0] == before + len(added)
    assert not model.vocab.has_unk("홋카이도")
    # New rows start at the UNK vector: the extended model predicts as before until trained.
    assert torch.equal(model.net.emb.weight[-1], model.net.emb.weight[UNK])


def test_context_word_features_name_the_neighbouring_words() -> None:
    from recsys_tools.nlu.features import featurise

    text = "파타야  에서 가까운 맛집"
    plain, ctx = featurise([text])[0], featurise([text], context_words=True)[0]
    assert "pw" not in plain[0] and "nw" not in plain[0]
    assert (ctx[0]["pw"], ctx[0]["nw"]) == ("<s>", "에서")  # 파: first word, next is 에서
    assert (ctx[5]["pw"], ctx[5]["nw"]) == ("타야", "가까")  # 에 of 에서
    assert ctx[13]["nw"] == "</s>"  # 맛 of the last word
    assert {k: v for k, v in ctx[0].items() if k not in ("pw", "nw")} == plain[0]


@pytest.fixture(scope="module")
def tiny_models(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from recsys_tools.nlu.train import NerTrainConfig, train_variants

    cfg = NerTrainConfig(n_train=150, n_dev=30, n_test=30, crf=CrfConfig(max_iterations=30))
    out = tmp_path_factory.mktemp("ner")
    train_variants(cfg, out, ("crf_aug",), log=lambda _: None)
    return out


def test_missing_model_tells_the_user_what_to_run(tmp_path: Path) -> None:
    extractor = EntityExtractor(tmp_path / "nothing")  # constructing does no I/O
    with pytest.raises(NerModelMissing, match="tripgraph train ner"):
        extractor.extract("애월 흑돼지 맛집")


def test_served_model_returns_typed_entities_with_valid_offsets(tiny_models: Path) -> None:
    extractor = EntityExtractor(tiny_models)
    texts = ["애월에서 부모님이랑 갈 조용한 흑돼지 추천해줘", "오사카 날씨 어때?", ""]
    results = extractor.extract_batch(texts)
    assert len(results) == 3
    for text, r in zip(texts, results, strict=True):
        assert isinstance(r, ExtractionResult)
        assert 0.0 <= r.intent_score <= 1.0
        for e in r.entities:
            assert text[e.start : e.end] == e.text and e.text.strip()
    assert results[0].model == "crf_aug"


def test_tiny_crf_learns_the_training_distribution(tiny_models: Path) -> None:
    from recsys_tools.nlu.registry import load_variant

    dev = build_dataset(seed=13, n_train=150, n_dev=30, n_test=30).splits["dev"]
    preds = load_variant(tiny_models / "crf_aug").predict([e.text for e in dev])
    assert entity_prf([e.spans for e in dev], [p.spans for p in preds]).f1 > 0.6


def test_bilstm_loss_falls_and_the_model_round_trips(tmp_path: Path) -> None:
    train = build_dataset(seed=2, n_train=64, n_dev=8, n_test=8).splits["train"]
    model = BiLstmModel(
        BiLstmConfig(
            epochs=8, hidden=32, emb_dim=32, batch_size=16, lr=1e-2, unk_dropout=0.0, dropout=0.0
        )
    )
    figures = model.fit(train, train[:8])
    # Untrained: CE over 25 tags + 7 intents ≈ ln 25 + ln 7 ≈ 5.2.
    assert figures["last_loss"] < 3.5
    preds = model.predict([e.text for e in train])
    model.save(tmp_path)
    again = BiLstmModel.load(tmp_path).predict([e.text for e in train])
    assert [(p.intent, p.spans) for p in again] == [(p.intent, p.spans) for p in preds]


def test_bio_viterbi_returns_the_best_well_formed_path() -> None:
    import numpy as np

    from recsys_tools.nlu.decode import bio_viterbi
    from recsys_tools.nlu.labels import BIO_TAGS

    ix = {t: i for i, t in enumerate(BIO_TAGS)}
    lp = np.full((5, len(BIO_TAGS)), np.log(0.01))
    # argmax alone: B-DATE I-DATE O I-DATE I-MENU — a broken "이번 주말" and a stray I-MENU
    for t, tag, p in [(0, "B-DATE", 0.9), (1, "I-DATE", 0.9), (2, "O", 0.5), (2, "I-DATE", 0.4)]:
        lp[t, ix[tag]] = np.log(p)
    lp[3, ix["I-DATE"]], lp[4, ix["I-MENU"]], lp[4, ix["I-DATE"]] = np.log(0.6), 0.0, np.log(0.3)
    path = [BIO_TAGS[i] for i in bio_viterbi(lp, [False, False, True, False, False])]
    assert path == ["B-DATE", "I-DATE", "I-DATE", "I-DATE", "I-DATE"]
    # a sequence may not start inside an entity, and a space may not begin one
    lp2 = np.full((2, len(BIO_TAGS)), np.log(0.01))
    lp2[0, ix["I-CITY"]], lp2[0, ix["B-CITY"]] = 0.0, np.log(0.2)
    lp2[1, ix["B-POI"]], lp2[1, ix["O"]] = 0.0, np.log(0.1)
    assert BIO_TAGS[bio_viterbi(lp2, [False, True])[0]] == "B-CITY"
    assert bio_viterbi(lp2, [False, True])[1] != ix["B-POI"]
    assert bio_viterbi(np.zeros((0, len(BIO_TAGS)))) == []


def test_place_span_score_ignores_the_place_kind_only() -> None:
    from recsys_tools.nlu.base import Prediction
    from recsys_tools.nlu.examples import Example
    from recsys_tools.nlu.metrics import score_split

    gold = Example(
        "파타야 방콕 맛집",
        "place_mapping",
        (Span(0, 3, "CITY"), Span(4, 6, "CITY"), Span(7, 9, "MENU")),
        "t",
    )
    # kind wrong on 파타야, boundary wrong on 방콕 (방), MENU not a place
    pred = Prediction(
        "place_mapping", 1.0, (Span(0, 3, "POI"), Span(4, 5, "CITY"), Span(7, 9, "MENU"))
    )
    s = score_split([gold], [pred])
    assert s["place_entity"]["precision"] == 0.0
    assert s["place_span"]["precision"] == pytest.approx(0.5)
    assert s["place_span"]["support"] == 2


def test_per_intent_scores_and_confusion_matrix() -> None:
    gold = ["a", "a", "b", "c"]
    pred = ["a", "b", "b", "a"]
    prf = per_intent_prf(gold, pred, ["a", "b", "c"])
    assert (prf["a"].precision, prf["a"].recall) == (0.5, 0.5)
    assert (prf["b"].precision, prf["b"].recall) == (0.5, 1.0)
    assert prf["c"].recall == 0.0
    assert confusion_matrix(gold, pred, ["a", "b", "c"]) == [[1, 1, 0], [0, 1, 0], [1, 0, 0]]


def test_delexicalised_intent_features_hide_names() -> None:
    from recsys_tools.nlu.intent import delexicalise

    text = "오사카 가는 패키지"
    a = delexicalise(text, [Span(0, 3, "CITY")])
    b = delexicalise("삿포로 가는 패키지", [Span(0, 3, "CITY")])
    assert a == b and "오사카" not in a


def test_intent_fast_path_matches_sklearn(tiny_models: Path) -> None:
    import numpy as np

    from recsys_tools.nlu.features import analyse
    from recsys_tools.nlu.registry import load_variant

    model = load_variant(tiny_models / "crf_aug")
    intent = model._intent  # type: ignore[attr-defined]
    exs = build_dataset(seed=4, n_train=10, n_dev=10, n_test=20).splits["test_templates"]
    texts, spans = [e.text for e in exs], [e.spans for e in exs]
    morphs = analyse(texts)
    batch = intent.predict_proba(texts, spans, morphs)  # > 8 texts: sklearn's sparse path
    one = np.stack(
        [
            intent.predict_proba([t], [s], [m])[0]
            for t, s, m in zip(texts, spans, morphs, strict=True)
        ]
    )
    assert np.allclose(batch, one, atol=1e-9)


def test_e5_syllable_tokens_can_express_every_entity() -> None:
    from recsys_tools.nlu.e5_tagger import E5TaggerModel

    model = E5TaggerModel()
    model._build_tokenizer()  # the tokenizer only: no weights are dequantised
    exs = build_dataset(seed=6, n_train=10, n_dev=60, n_test=10).splits["dev"]
    assert model.alignment_ceiling(exs) == 1.0
    view = model.tokenizer_view()
    assert view.has_unk("푸껫") and not view.has_unk("홋카이도")
    rate = view.unk_rate(["푸껫 여행", "홋카이도 여행"])
    assert 0 < rate < 0.5


def test_tokenizer_report_extension_removes_domain_unks(tmp_path: Path) -> None:
    import json

    from recsys_tools.nlu.tokenizer_report import run_tokenizer_report
    from recsys_tools.nlu.train import NerTrainConfig

    cfg = NerTrainConfig(n_train=120, n_dev=20, n_test=20)
    r = json.loads(run_tokenizer_report(tmp_path, cfg).read_text())
    syl = r["syllable_vocab"]
    assert syl["added"] > 0 and syl["seed_words_unk_before"]["하얏트"]
    assert not any(syl["seed_words_unk_after"].values())
    for split, before in syl["unk_rate_before"].items():
        assert syl["unk_rate_after"][split] <= before
    assert not any(r["e5_sentencepiece"]["seed_words_unk_after"].values())
