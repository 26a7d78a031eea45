"""Names-dev split, negative examples, CRF recipes, the dev-only choice and BiLSTM early stop."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from recsys_tools.nlu.augment import (
    _NAME_HEADS,
    negative_examples,
    negative_nouns,
    synthetic_places,
)
from recsys_tools.nlu.data import NerDataset, build_dataset, slot_vocabulary
from recsys_tools.nlu.labels import PLACE_LABELS
from recsys_tools.nlu.render import template_text
from recsys_tools.nlu.selection import augmentation_report, select_variant
from recsys_tools.nlu.train import (
    CrfRecipe,
    NerTrainConfig,
    crf_recipe,
    prepare,
    recipe_data,
    train_variants,
)


@pytest.fixture(scope="module")
def ds() -> NerDataset:
    return build_dataset(seed=5, n_train=400, n_dev=60, n_test=60)


@pytest.fixture(scope="module")
def nouns(ds: NerDataset) -> list[str]:
    return negative_nouns(ds.seen_templates, [e for p in ds.pools.values() for e in p])


def _surfaces(entities: Any) -> set[str]:
    return {s for e in entities for s in e.surfaces}


def test_names_dev_is_part_of_the_graph_pool_and_disjoint_from_the_test_names(
    ds: NerDataset,
) -> None:
    dev_keys = {e.key for e in ds.names_dev}
    assert dev_keys and dev_keys <= {e.key for e in ds.pools["graph"]}
    assert dev_keys < {e.key for e in ds.pools["graph"]}  # never the whole pool
    assert not dev_keys & {e.key for e in ds.pools["unseen"]}
    assert not _surfaces(ds.names_dev) & _surfaces(ds.pools["unseen"])
    assert {e.label for e in ds.names_dev} == set(PLACE_LABELS)
    dev_names = _surfaces(ds.names_dev)
    places = [v for ex in ds.splits["dev_places"] for lb, v in ex.fills if lb in PLACE_LABELS]
    assert places and set(places) <= dev_names
    # held-out variants' augmentation never shows a names-dev entity, the others do
    assert not _surfaces(ds.augmentation_places(hold_names_dev=True)) & dev_names
    assert dev_names <= _surfaces(ds.augmentation_places(hold_names_dev=False))


def test_dev_places_has_its_own_generator(ds: NerDataset) -> None:
    """The names-dev split is drawn after the others from its own generator, so the splits
    that trained models were built on do not depend on it."""
    again = build_dataset(seed=5, n_train=400, n_dev=60, n_test=60)
    other = build_dataset(seed=5, n_train=400, n_dev=30, n_test=60)
    assert again.splits["dev_places"] == ds.splits["dev_places"]
    assert other.splits["train"] == ds.splits["train"]
    assert len(other.splits["dev_places"]) == 30


def test_negative_nouns_are_training_literals_and_never_entities(
    ds: NerDataset, nouns: list[str]
) -> None:
    assert len(nouns) > 20
    taken = {v for vs in slot_vocabulary().values() for v in vs}
    taken |= _surfaces(e for p in ds.pools.values() for e in p)
    taken |= {h for hs in _NAME_HEADS.values() for h in hs}
    assert not set(nouns) & taken
    seen_text = " ".join(template_text(t) for t in ds.seen_templates)
    assert all(n in seen_text for n in nouns)


def test_negative_examples_put_an_o_labelled_noun_in_a_place_slot(
    ds: NerDataset, nouns: list[str]
) -> None:
    train = ds.splits["train"]
    negs = negative_examples(train, nouns, seed=2, share=1.0, lexical=0.0)
    n_place_questions = sum(any(lb in PLACE_LABELS for lb, _ in e.fills) for e in train)
    assert 0.9 * n_place_questions <= len(negs) <= n_place_questions
    for ex in negs:
        o_fills = [v for lb, v in ex.fills if lb == "O"]
        assert len(o_fills) == 1 and o_fills[0] in nouns
        start = ex.text.find(o_fills[0])
        assert start >= 0
        tags = ex.tags()
        assert all(t == "O" for t in tags[start : start + len(o_fills[0])])
        labelled = [(lb, v) for lb, v in ex.fills if lb != "O"]
        for (label, value), span in zip(labelled, ex.spans, strict=True):
            assert ex.text[span.start : span.end] == value and span.label == label
    half = negative_examples(train, nouns, seed=2, share=0.5, lexical=0.0)
    double = negative_examples(train, nouns, seed=2, share=2.0, lexical=0.0)
    assert 0.3 * len(negs) < len(half) < 0.7 * len(negs)
    assert 1.8 * len(negs) <= len(double) <= 2 * len(negs) + 1


def test_lexical_negatives_keep_the_label_of_the_word(ds: NerDataset, nouns: list[str]) -> None:
    negs = negative_examples(ds.splits["train"], nouns, seed=2, share=1.0, lexical=1.0)
    vocab = slot_vocabulary()
    assert negs
    for ex in negs:
        assert all(lb != "O" for lb, _ in ex.fills)
        non_place = [(lb, v) for lb, v in ex.fills if lb in ("PARTY", "CATEGORY", "MENU")]
        assert all(v in vocab[lb] for lb, v in non_place)


def test_synthetic_names_avoid_the_evaluation_pools(ds: NerDataset) -> None:
    gaz = ds.gazetteer_places()
    free = synthetic_places(gaz, n_per_label=40, seed=4)
    banned = free[:10]
    avoided = synthetic_places(gaz, n_per_label=40, seed=4, avoid=banned)
    assert not _surfaces(avoided) & _surfaces(banned)
    assert len(avoided) == len(free)


def test_crf_recipes_by_name() -> None:
    assert crf_recipe("crf_base") == CrfRecipe(gazetteer=False)
    r = crf_recipe("crf_neg_s50_n200")
    assert r == CrfRecipe(synth_share=0.5, neg_share=2.0, context_words=True, hold_names_dev=True)
    assert crf_recipe("crf_neg_s50") is None and crf_recipe("bilstm_es") is None
    # the refit of a chosen grid point trains on the whole gazetteer, names dev included
    refit = crf_recipe("crf_neg_s25_n100_all")
    assert refit == CrfRecipe(synth_share=0.25, neg_share=1.0, context_words=True)
    assert crf_recipe("crf_neg_s25_n100_al") is None


def test_unknown_variant_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="unknown NER variants"):
        train_variants(NerTrainConfig.quick(), tmp_path, ["crf_nope"])


def test_negative_recipe_data_holds_out_the_dev_and_test_names() -> None:
    cfg = NerTrainConfig.quick()
    ds, augmented = prepare(cfg)
    data = recipe_data(cfg, ds, augmented, crf_recipe("crf_neg_s50_n100") or CrfRecipe())
    fills = {v for ex in data for lb, v in ex.fills if lb in PLACE_LABELS}
    assert not fills & _surfaces(ds.names_dev)
    assert not fills & _surfaces(ds.pools["unseen"])
    n_neg = sum(any(lb == "O" for lb, _ in ex.fills) for ex in data)
    assert n_neg > 0
    # its refit knows the names dev (the whole gazetteer), never the unseen test pool
    refit = recipe_data(cfg, ds, augmented, crf_recipe("crf_neg_s50_n100_all") or CrfRecipe())
    refit_fills = {v for ex in refit for lb, v in ex.fills if lb in PLACE_LABELS}
    assert refit_fills & _surfaces(ds.names_dev)
    assert not refit_fills & _surfaces(ds.pools["unseen"])
    # crf_aug's recipe reuses prepare()'s data as it is: no negatives, names-dev included
    aug = recipe_data(cfg, ds, augmented, crf_recipe("crf_aug") or CrfRecipe())
    assert aug == augmented


def _result(dev_t: float, dev_p: float, test_t: float = 0.9, test_u: float = 0.6) -> Any:
    def split(f1: float, place_p: float) -> dict[str, Any]:
        place = {"precision": place_p, "recall": place_p, "f1": place_p}
        return {"entity": {"f1": f1}, "place_entity": place}

    return {
        "dev": split(0.99, 0.99),
        "dev_templates": split(dev_t, 0.9),
        "dev_places": split(0.8, dev_p),
        "test_templates": {**split(test_t, 0.9), "place_span": {"precision": 0.9}},
        "test_places_graph": {**split(0.9, 0.9), "place_span": {"precision": 0.9}},
        "test_places_unseen": {**split(0.8, test_u), "place_span": {"precision": 0.9}},
    }


def test_selection_uses_the_dev_splits_and_the_template_margin() -> None:
    results = {
        "crf_base": _result(0.93, 0.60),
        "crf_aug": _result(0.92, 0.70),
        "crf_neg_a": _result(0.85, 0.90),  # best names, loses phrasing
        "crf_neg_b": _result(0.915, 0.80),  # within 0.01 of crf_aug
        "crf_neg_c": _result(0.912, 0.75),
    }
    sel = select_variant(results, ["crf_neg_a", "crf_neg_b", "crf_neg_c"])
    assert sel["chosen"] == "crf_neg_b" and sel["chosen_keeps_templates_f1"]
    assert sel["candidates"]["crf_neg_b"]["dev_places_delta_vs_base"] == pytest.approx(0.20)
    none_keep = select_variant(results, ["crf_neg_a"])
    assert none_keep["chosen"] == "crf_neg_a" and not none_keep["chosen_keeps_templates_f1"]


def test_serving_rule_needs_the_gain_and_the_template_f1() -> None:
    results = {
        "crf_base": _result(0.93, 0.6, test_u=0.64),
        "crf_aug": _result(0.92, 0.7, test_t=0.919, test_u=0.67),
        "crf_neg_gain_only": _result(0.90, 0.9, test_t=0.85, test_u=0.84),
        "crf_neg_both": _result(0.915, 0.9, test_t=0.912, test_u=0.75),
        "crf_neg_small": _result(0.92, 0.9, test_t=0.92, test_u=0.73),
    }
    rep = augmentation_report(results)
    assert "crf_base" in rep["definition"]
    assert not rep["crf_neg_gain_only"]["servable"]
    assert rep["crf_neg_both"]["servable"]
    assert rep["crf_neg_both"]["test_places_unseen"]["delta"] == pytest.approx(0.11)
    assert not rep["crf_neg_small"]["servable"]  # +0.09 < +0.10


@pytest.mark.parametrize(("patience", "ran"), [(1, 2), (0, 3)])
def test_bilstm_stops_after_patience_epochs_without_a_better_dev_f1(
    patience: int, ran: int
) -> None:
    import torch

    from recsys_tools.nlu.neural import BiLstmConfig, BiLstmModel

    torch.set_num_threads(1)
    train = build_dataset(seed=2, n_train=32, n_dev=8, n_test=8).splits["train"]
    # lr 0: the weights never move, so dev F1 never beats the first epoch's
    cfg = BiLstmConfig(epochs=3, hidden=8, emb_dim=8, batch_size=16, lr=0.0, patience=patience)
    figures = BiLstmModel(cfg).fit(train, train[:8])
    assert figures["epochs"] == ran
    assert figures["best_epoch"] == 1
