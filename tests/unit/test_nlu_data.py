"""The labelled question generator: spans, particles, splits, augmentation."""

from __future__ import annotations

import random

import pytest

from recsys_tools.nlu.augment import _NAME_HEADS, augment_places, synthetic_places
from recsys_tools.nlu.data import (
    _draw_table,
    build_dataset,
    place_entities,
    split_places,
    split_templates,
)
from recsys_tools.nlu.labels import BIO_TAGS, PLACE_LABELS
from recsys_tools.nlu.render import _JOSA, _josa, render, template_family, template_intent
from recsys_tools.nlu.surface import vary
from recsys_tools.nlu.templates import TEMPLATES


@pytest.fixture(scope="module")
def ds():
    return build_dataset(seed=5, n_train=400, n_dev=50, n_test=100)


@pytest.mark.parametrize(
    ("prev", "marker", "expected"),
    [
        ("월", "(이)랑", "이랑"),
        ("파", "(이)랑", "랑"),
        ("울", "(으)로", "로"),
        ("원", "(으)로", "으로"),
        ("족", "(와)과", "과"),
        ("구", "(와)과", "와"),
        ("본", "(은)는", "은"),
        ("yo", "(을)를", "를"),
        ("명", "(이)야", "이야"),
        ("도", "(이)야", "야"),
    ],
)
def test_particles_follow_the_last_syllable(prev: str, marker: str, expected: str) -> None:
    m = _JOSA.match(marker)
    assert m is not None
    assert _josa(prev[-1], m) == expected


def test_spans_point_at_their_text(ds) -> None:
    for split in ds.splits.values():
        for ex in split:
            assert len(ex.tags()) == len(ex.text)
            assert set(ex.tags()) <= set(BIO_TAGS)
            for (label, value), span in zip(ex.fills, ex.spans, strict=True):
                assert ex.text[span.start : span.end] == value
                assert span.label == label


def test_default_dataset_has_6000_labelled_training_questions() -> None:
    full = build_dataset()
    assert len(full.splits["train"]) >= 6000
    assert sum(len(v) for v in full.splits.values()) >= 6000 + 4 * 600


def test_held_out_templates_and_places_never_reach_training(ds) -> None:
    train_templates = {e.template_id for e in ds.splits["train"]}
    assert train_templates.isdisjoint(ds.held_templates)
    assert {e.template_id for e in ds.splits["test_templates"]} <= set(ds.held_templates)
    held_names = {s for e in ds.pools["unseen"] + ds.pools["graph"] for s in e.surfaces}
    train_names = {v for e in ds.splits["train"] for lab, v in e.fills if lab in PLACE_LABELS}
    assert train_names.isdisjoint(held_names)
    unseen = {s for e in ds.pools["unseen"] for s in e.surfaces}
    test_names = {
        v for e in ds.splits["test_places_unseen"] for lab, v in e.fills if lab in PLACE_LABELS
    }
    assert test_names and test_names <= unseen


def test_place_pools_split_whole_entities() -> None:
    pools = split_places(place_entities(), seed=1)
    keys = [e.key for pool in pools.values() for e in pool]
    assert len(keys) == len(set(keys))
    surfaces = [s for pool in pools.values() for e in pool for s in e.surfaces]
    assert len(surfaces) == len(set(surfaces))  # no surface in two pools


def test_every_intent_holds_out_whole_families_for_test_and_dev() -> None:
    ts = split_templates(seed=3)
    for held in (ts.held, ts.dev):
        assert len({template_intent(t) for t in held}) == 7
    families = [{template_family(t) for t in ids} for ids in (ts.seen, ts.dev, ts.held)]
    assert families[0].isdisjoint(families[1]) and families[0].isdisjoint(families[2])
    assert families[1].isdisjoint(families[2])
    # every member of a held-out family is held out with it
    for t in TEMPLATES:
        assert (t in ts.held) == (template_family(t) in families[2])


def test_dev_templates_split_uses_only_dev_families(ds) -> None:
    assert {e.template_id for e in ds.splits["dev_templates"]} <= set(ds.dev_templates)
    assert {e.template_id for e in ds.splits["train"]}.isdisjoint(ds.dev_templates)


def test_surface_variation_changes_literals_only() -> None:
    rng = random.Random(0)
    variants = {vary("추천해줘 빨리 알려줘", rng) for _ in range(200)}
    assert len(variants) > 5  # politeness, spacing and typo variants appear
    table = _draw_table(place_entities())
    for seed in range(30):
        ex = render("recommend_place/0/0", None, random.Random(seed), table)
        for (label, value), span in zip(ex.fills, ex.spans, strict=True):
            assert ex.text[span.start : span.end] == value and span.label == label


def test_augmentation_refills_places_with_gazetteer_names(ds) -> None:
    gaz = ds.gazetteer_places()
    aug = augment_places(ds.splits["train"], gaz, seed=2)
    assert aug
    gaz_names = {s for e in gaz for s in e.surfaces}
    for ex in aug:
        assert ex.spans
        for (label, value), span in zip(ex.fills, ex.spans, strict=True):
            assert ex.text[span.start : span.end] == value
            if label in PLACE_LABELS:
                assert value in gaz_names


def test_render_is_deterministic_for_a_seed() -> None:
    table = _draw_table(place_entities())
    a = render("recommend_place/0/0", None, random.Random(1), table)
    b = render("recommend_place/0/0", None, random.Random(1), table)
    assert a == b


def test_synthetic_names_are_new_and_keep_their_label(ds) -> None:
    gaz = ds.gazetteer_places()
    synth = synthetic_places(gaz, n_per_label=60, seed=4)
    known = {
        s for e in ds.pools["labelled"] + ds.pools["graph"] + ds.pools["unseen"] for s in e.surfaces
    }
    names = [e.surfaces[0] for e in synth]
    assert len(names) == len(set(names)) == 4 * 60
    assert {e.label for e in synth} == set(PLACE_LABELS)
    # built from the gazetteer's syllables, not copied from it (nor from the unseen pool,
    # unless by a chance recombination)
    assert not set(names) & {s for e in gaz for s in e.surfaces}
    assert len(set(names) & known) <= 2
    allowed = {ch for e in gaz for s in e.surfaces for ch in s} | set(" ")
    allowed |= {ch for heads in _NAME_HEADS.values() for h in heads for ch in h}
    hangul = [n for n in names if all("가" <= ch <= "힣" or ch == " " for ch in n)]
    assert hangul and all(ch in allowed for n in hangul for ch in n)
    regions = [e.surfaces[0] for e in synth if e.label == "REGION"]
    assert any(n[-1] in "동읍리면구" for n in regions)  # heads that mark the kind
    # re-filling questions with them keeps spans right
    aug = augment_places(ds.splits["train"], synth, seed=3)
    synth_names = set(names)
    for ex in aug:
        for (label, value), span in zip(ex.fills, ex.spans, strict=True):
            assert ex.text[span.start : span.end] == value
            if label in PLACE_LABELS:
                assert value in synth_names
