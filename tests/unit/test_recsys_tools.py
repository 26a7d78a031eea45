"""Agent tools: typed results, cold-start fallback, seen items never recommended."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from recsys_tools.prod2vec import ItemEmbeddings
from recsys_tools.seqrec.data import SeqDataset
from recsys_tools.seqrec.factory import build_model, save_checkpoint
from recsys_tools.seqrec.models.transformer import TransformerConfig
from recsys_tools.tools import ModelNotAvailable, RecsysToolbox


@pytest.fixture
def toolbox(tmp_path: Path) -> RecsysToolbox:
    seqs = [np.array([1, 2, 3, 4]), np.array([2, 3, 1]), np.array([3, 3, 4, 2])]
    ids = np.array([None, "P1", "P2", "P3", "P4", "P5"], dtype=object)
    data = SeqDataset("t", seqs, 5, ids, np.array(["U1", "U2", "U3"], dtype=object))
    model = build_model(
        "bert4rec", data, TransformerConfig(n_items=5, max_len=4, hidden=8, n_heads=2)
    )
    save_checkpoint(tmp_path / "recsys" / "bert4rec.pt", model, "bert4rec", data, {})
    vecs = np.array([[0, 0], [1, 0], [0.9, 0.1], [0, 1], [0, 0], [0.5, 0.5]], dtype=np.float32)
    vecs /= np.maximum(np.linalg.norm(vecs, axis=1, keepdims=True), 1e-12)
    ItemEmbeddings(vecs, ids.tolist(), np.array([0, 5, 4, 3, 0, 1]), {}).save(
        tmp_path / "recsys" / "prod2vec.npz"
    )
    return RecsysToolbox(
        model_dir=tmp_path, recommender_kind="bert4rec", embeddings_name="prod2vec"
    )


def test_known_user_gets_model_recommendations_without_seen_items(toolbox: RecsysToolbox) -> None:
    res = toolbox.recommend_products(user_id="U1", k=3)
    assert not res.cold_start and res.model == "bert4rec"
    assert [p.product_id for p in res.items] == ["P5"]  # P1–P4 were all seen
    assert res.items[0].rank == 1


def test_history_overrides_and_unknown_ids_are_dropped(toolbox: RecsysToolbox) -> None:
    res = toolbox.recommend_products(history=["P1", "NOPE"], k=2)
    assert not res.cold_start
    assert "P1" not in [p.product_id for p in res.items] and len(res.items) == 2


def test_cold_start_falls_back_to_popularity(toolbox: RecsysToolbox) -> None:
    res = toolbox.recommend_products(user_id="nobody", k=2)
    assert res.cold_start and res.model == "popularity" and res.reason
    assert [p.product_id for p in res.items] == ["P2", "P3"]  # training counts 2, 2 (ties by id)


def test_viewed_together_cosine_and_cold_start(toolbox: RecsysToolbox) -> None:
    res = toolbox.viewed_together("P1", k=2)
    assert not res.cold_start
    assert [p.product_id for p in res.items] == ["P2", "P5"]
    assert res.items[0].score == pytest.approx(0.9 / np.hypot(0.9, 0.1), rel=1e-5)
    cold = toolbox.viewed_together("P4", k=2)  # no vector
    assert cold.cold_start and cold.model == "popularity"
    unknown = toolbox.viewed_together("ZZZ", k=1)
    assert unknown.cold_start and unknown.items[0].product_id == "P1"


def test_missing_model_raises_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ModelNotAvailable, match="tripgraph train"):
        RecsysToolbox(model_dir=tmp_path).recommend_products(user_id="U1")


def test_best_serves_the_checkpoint_with_the_best_validation_score(tmp_path: Path) -> None:
    seqs = [np.array([1, 2, 3]), np.array([2, 3, 1])]
    ids = np.array([None, "P1", "P2", "P3"], dtype=object)
    data = SeqDataset("t", seqs, 3, ids, np.array(["U1", "U2"], dtype=object))
    cfg = TransformerConfig(n_items=3, max_len=4, hidden=8, n_heads=2)
    for kind, val in (("bert4rec", 0.30), ("sasrec", 0.41), ("meta-bert4rec", None)):
        meta = {} if val is None else {"val": {"protocol": "full", "NDCG@10": val}}
        model = build_model(kind, data, cfg)  # type: ignore[arg-type]
        save_checkpoint(tmp_path / "recsys" / f"{kind}.pt", model, kind, data, meta)  # type: ignore[arg-type]
    box = RecsysToolbox(model_dir=tmp_path)  # the default kind is "best"
    assert box.recommend_products(user_id="U1", k=1).model == "sasrec"
    assert box.recommender() is box.recommender()  # loaded once
