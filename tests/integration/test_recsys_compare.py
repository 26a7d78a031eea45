"""`tripgraph eval recsys` end to end on the generator's tiny click log: every model trains
through the shared trainer, and the table pairs Meta-BERT4Rec with BERT4Rec seed by seed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration


def test_compare_table_pairs_meta_with_plain_per_seed(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evals.recsys import compare_travel_models
    from recsys_tools.travel import TransformerKnobs
    from tripgraph.settings import get_settings

    monkeypatch.setenv("TRIPGRAPH_DATA_DIR", str(tiny_data.parent))
    monkeypatch.setenv("TRIPGRAPH_RUN_DIR", str(tmp_path / "runs"))
    get_settings.cache_clear()
    try:
        table = compare_travel_models(
            ["pop", "bert4rec", "meta-bert4rec"],
            scale=tiny_data.name,
            epochs=1,
            seeds=2,
            out=tmp_path / "compare.json",
            knobs=TransformerKnobs(fusion="gate", id_dropout=0.3),
            negatives=20,  # the tiny catalogue has 60 products
            settings=get_settings(),
        )
    finally:
        get_settings.cache_clear()
    saved = json.loads((tmp_path / "compare.json").read_text())
    assert "sampled = 20 popularity-sampled negatives" in saved["protocol"]
    assert saved["knobs"] == {"dropout": None, "fusion": "gate", "id_dropout": 0.3}
    assert [r["model"] for r in saved["rows"]] == ["pop", "bert4rec", "meta-bert4rec"]
    meta, plain = saved["rows"][2], saved["rows"][1]
    for protocol in ("sampled", "full"):
        paired = saved["meta_minus_plain_NDCG@10_paired"][protocol]
        assert len(paired["per_seed"]) == 2
        expected = [
            m - p
            for m, p in zip(
                meta["per_seed_NDCG@10"][protocol], plain["per_seed_NDCG@10"][protocol], strict=True
            )
        ]
        assert paired["per_seed"] == pytest.approx(expected)
        assert paired["mean"] == pytest.approx(table["meta_minus_plain_NDCG@10"][protocol])
    assert len(meta["val_best_NDCG@10"]) == 2
    assert (tmp_path / "compare.png").exists()


def test_too_many_negatives_fail_before_any_training(
    tiny_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evals.recsys import compare_travel_models
    from tripgraph.settings import get_settings

    monkeypatch.setenv("TRIPGRAPH_DATA_DIR", str(tiny_data.parent))
    monkeypatch.setenv("TRIPGRAPH_RUN_DIR", str(tmp_path / "runs"))
    get_settings.cache_clear()

    def no_training(*args: object, **kwargs: object) -> None:
        raise AssertionError("a model was trained before the data check")

    monkeypatch.setattr("evals.recsys.run_experiment", no_training)
    try:
        with pytest.raises(ValueError, match="unseen items"):
            compare_travel_models(
                ["bert4rec"],
                scale=tiny_data.name,
                epochs=1,
                out=tmp_path / "c.json",
                settings=get_settings(),
            )
    finally:
        get_settings.cache_clear()
