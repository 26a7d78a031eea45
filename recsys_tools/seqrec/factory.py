"""Model kinds by name, their default configs, and the checkpoint bundle the tools load.

A checkpoint is a self-contained bundle: model kind + config + weights, the id maps, the
training popularity (cold-start fallback) and each user's sequence, so the agent tools can
serve `recommend_products(user_id=...)` without re-reading the click log.
"""

from __future__ import annotations

import dataclasses
import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, get_args

import numpy as np
import torch

from recsys_tools.seqrec.data import ItemFeatures, SeqDataset
from recsys_tools.seqrec.models.base import Recommender
from recsys_tools.seqrec.models.baselines import NCF, DeepFM, DeepFMConfig, NCFConfig, Popularity
from recsys_tools.seqrec.models.transformer import BERT4Rec, SASRec, TransformerConfig

ModelKind = Literal[
    "pop", "ncf", "deepfm", "sasrec", "sasrec-bce", "bert4rec", "meta-bert4rec", "meta-sasrec"
]
MODEL_KINDS: tuple[str, ...] = get_args(ModelKind)
ModelConfig = TransformerConfig | NCFConfig | DeepFMConfig | None


def default_config(kind: ModelKind, data: SeqDataset) -> ModelConfig:
    """The config each kind starts from (fields can be changed with dataclasses.replace)."""
    if kind == "pop":
        return None
    if kind == "ncf":
        return NCFConfig(n_users=data.n_users, n_items=data.n_items)
    if kind == "deepfm":
        return DeepFMConfig(n_users=data.n_users, n_items=data.n_items)
    meta = kind.startswith("meta-")
    if meta and data.item_features is None:
        raise ValueError(f"{kind} needs item side information; {data.name} has none")
    return TransformerConfig(
        n_items=data.n_items,
        # Both chosen on validation NDCG@10 in the meta ablation of benchmarks/recsys_study.py
        # (travel logs with late launches, 2,000 users; runs/benchmarks/
        # recsys_study_meta_travel_s4screen_d0.2.json): sum beat concat and gate, and
        # metadata-only item rows in training teach the model to rank cold items by their
        # metadata.
        fusion="sum" if meta else "none",
        id_dropout=0.2 if meta else 0.0,
        loss="bce" if kind == "sasrec-bce" else "ce",
    )


def build_model(kind: ModelKind, data: SeqDataset, config: ModelConfig = None) -> Recommender:
    config = default_config(kind, data) if config is None else config
    feats = data.item_features
    codes = feats.tensor() if feats is not None else None
    cards = feats.cardinalities if feats is not None else ()
    if kind == "pop":
        return Popularity(torch.as_tensor(data.popularity()))
    if isinstance(config, NCFConfig):
        return NCF(config)
    if isinstance(config, DeepFMConfig):
        return DeepFM(config, codes, cards)
    assert isinstance(config, TransformerConfig)
    use_feats = config.fusion != "none"
    cls = BERT4Rec if "bert4rec" in kind else SASRec
    popularity = torch.as_tensor(data.popularity()) if config.ce_sampling != "uniform" else None
    return cls(config, codes if use_feats else None, cards if use_feats else (), popularity)


@dataclass
class LoadedModel:
    """What a checkpoint restores: the model plus the maps that serve it."""

    kind: str
    model: Recommender
    item_ids: list[Any]  # internal -> external item id (index 0 = padding)
    user_ids: list[Any]  # internal user -> external id
    popularity: np.ndarray  # [n_items+1] training counts
    sequences: list[np.ndarray]  # per internal user: the full item sequence
    meta: dict[str, Any]  # training config, metrics, best epoch, data set name

    @functools.cached_property
    def item_index(self) -> dict[Any, int]:
        """External item id → internal id, built once per loaded model (not per call)."""
        return {pid: i for i, pid in enumerate(self.item_ids) if i > 0}

    @functools.cached_property
    def user_index(self) -> dict[Any, int]:
        return {uid: i for i, uid in enumerate(self.user_ids)}

    def validation_score(self, metric: str = "NDCG@10") -> float:
        """The validation figure its training stopped on; -inf when the checkpoint predates
        recording it (such a model is chosen only when nothing else is there)."""
        return float((self.meta.get("val") or {}).get(metric, float("-inf")))


def save_checkpoint(
    path: Path, model: Recommender, kind: ModelKind, data: SeqDataset, meta: dict[str, Any]
) -> None:
    config = getattr(model, "config", None)
    feats = data.item_features
    lengths = np.array([len(s) for s in data.sequences], dtype=np.int64)
    path.parent.mkdir(parents=True, exist_ok=True)
    torch.save(
        {
            "kind": kind,
            "config": dataclasses.asdict(config) if config is not None else None,
            "state_dict": model.state_dict(),
            "item_ids": data.item_ids.tolist(),
            "user_ids": data.user_ids.tolist(),
            "popularity": data.popularity(),
            "seq_flat": np.concatenate(data.sequences) if data.sequences else np.zeros(0),
            "seq_lengths": lengths,
            "features": None
            if feats is None
            else {
                "names": feats.names,
                "codes": feats.codes,
                "cards": feats.cardinalities,
                "vocab": feats.vocab,
            },
            "meta": meta,
        },
        path,
    )


def read_checkpoint_meta(path: Path) -> dict[str, Any]:
    """A checkpoint's meta (dataset, validation figure, fingerprint) without building its model."""
    return dict(torch.load(path, map_location="cpu", weights_only=False)["meta"])


def load_checkpoint(path: Path, device: str = "cpu") -> LoadedModel:
    blob = torch.load(path, map_location=device, weights_only=False)
    feats = blob["features"]
    item_features = (
        None
        if feats is None
        else ItemFeatures(
            tuple(feats["names"]), feats["codes"], tuple(feats["cards"]), feats["vocab"]
        )
    )
    bounds = np.cumsum(blob["seq_lengths"])[:-1]
    sequences = [s.astype(np.int64) for s in np.split(blob["seq_flat"], bounds)]
    data = SeqDataset(
        name=str(blob["meta"].get("dataset", "")),
        sequences=sequences,
        n_items=len(blob["item_ids"]) - 1,
        item_ids=np.array(blob["item_ids"], dtype=object),
        user_ids=np.array(blob["user_ids"], dtype=object),
        item_features=item_features,
    )
    kind = blob["kind"]
    cfg_dict = blob["config"]
    config: ModelConfig = None
    if kind == "ncf":
        config = NCFConfig(**{**cfg_dict, "mlp_dims": tuple(cfg_dict["mlp_dims"])})
    elif kind == "deepfm":
        config = DeepFMConfig(**{**cfg_dict, "mlp_dims": tuple(cfg_dict["mlp_dims"])})
    elif cfg_dict is not None:
        config = TransformerConfig(**cfg_dict)
    model = build_model(kind, data, config)
    model.load_state_dict(blob["state_dict"])
    model.eval()
    return LoadedModel(
        kind=kind,
        model=model,
        item_ids=blob["item_ids"],
        user_ids=blob["user_ids"],
        popularity=blob["popularity"],
        sequences=sequences,
        meta=blob["meta"],
    )
