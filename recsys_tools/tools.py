"""Agent tools over the trained recommenders: `RecsysToolbox`, whose methods return pydantic
results. Whoever holds the settings builds one (`AgentDeps.open`); nothing here reads them.

- `recommend_products(user_id=None, history=None, k=10)`: the next products for a user, from
  the registered sequential model (Meta-BERT4Rec by default) over the user's click sequence
  or an explicit `history` of product ids.
- `viewed_together(product_id, k=10)`: nearest products by cosine in (Meta-)Prod2Vec space.

Models load lazily on first use: the newest registered MLflow version of the model, else
the checkpoint the `tripgraph train …` commands save under `<model_dir>/recsys/`. Unknown
users, empty histories and unknown products get popularity with `cold_start=True`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, Field

# "best": whichever trained recommender did best on validation (`RecsysToolbox.recommender`).
BEST = "best"
DEFAULT_RECOMMENDER = BEST
DEFAULT_EMBEDDINGS = "meta-prod2vec"


class ScoredProduct(BaseModel):
    product_id: str = Field(description="external product id")
    score: float = Field(description="model score (higher is better); cosine for viewed-together")
    rank: int = Field(description="1-based rank")


class RecommendationResult(BaseModel):
    user_id: str | None = Field(None, description="the user asked about, if any")
    items: list[ScoredProduct] = Field(description="top-k products, best first")
    cold_start: bool = Field(description="True when popularity was used instead of the model")
    model: str = Field(description="which model produced the list, e.g. 'meta-bert4rec'")
    reason: str = Field("", description="why the fallback was used, when it was")


class ViewedTogetherResult(BaseModel):
    product_id: str
    items: list[ScoredProduct]
    cold_start: bool
    model: str
    reason: str = ""


class ModelNotAvailable(RuntimeError):
    """No trained model was found; run `tripgraph train …` first."""


@dataclass
class RecsysToolbox:
    """Holds where the models are and loads them on first use (no I/O in the constructor)."""

    model_dir: Path
    mlflow_dir: Path | None = None
    recommender_kind: str = DEFAULT_RECOMMENDER
    embeddings_name: str = DEFAULT_EMBEDDINGS
    _recommender: Any = field(default=None, repr=False)
    _embeddings: Any = field(default=None, repr=False)

    # --- loading ----------------------------------------------------------------------------
    def recommender(self) -> Any:
        """The LoadedModel bundle (see seqrec.factory), loaded once: the `recommender_kind`
        (its MLflow-registered version first), or with "best" the trained checkpoint with the
        highest validation NDCG@10 under `<model_dir>/recsys/`."""
        if self._recommender is None:
            from recsys_tools.seqrec.factory import load_checkpoint
            from recsys_tools.seqrec.tracking import latest_registered_checkpoint

            if self.recommender_kind == BEST:
                found = [load_checkpoint(p) for p in sorted(self.model_dir.glob("recsys/*.pt"))]
                if not found:
                    raise ModelNotAvailable(
                        f"no trained recommender under {self.model_dir / 'recsys'}; run "
                        "`tripgraph train meta-bert4rec` (or another model)"
                    )
                # max keeps the first of equals: file-name order, so the choice is stable
                self._recommender = max(found, key=lambda m: m.validation_score())
                return self._recommender
            path = None
            if self.mlflow_dir is not None:
                path = latest_registered_checkpoint(
                    self.mlflow_dir, f"travel-{self.recommender_kind}"
                )
            path = path or self.model_dir / "recsys" / f"{self.recommender_kind}.pt"
            if not path.exists():
                raise ModelNotAvailable(
                    f"no {self.recommender_kind} model at {path}; run "
                    f"`tripgraph train {self.recommender_kind}`"
                )
            self._recommender = load_checkpoint(path)
        return self._recommender

    def embeddings(self) -> Any:
        if self._embeddings is None:
            from recsys_tools.prod2vec import ItemEmbeddings

            path = self.model_dir / "recsys" / f"{self.embeddings_name}.npz"
            if not path.exists():
                raise ModelNotAvailable(
                    f"no {self.embeddings_name} vectors at {path}; run "
                    f"`tripgraph train {self.embeddings_name}`"
                )
            self._embeddings = ItemEmbeddings.load(path)
        return self._embeddings

    # --- tools ------------------------------------------------------------------------------
    def recommend_products(
        self, user_id: str | None = None, history: list[str] | None = None, k: int = 10
    ) -> RecommendationResult:
        """The next `k` travel products for a user (their stored click sequence), or for
        `history` (product ids viewed, oldest first); `cold_start=True` when popularity was
        used because the user and every history product were unknown."""
        import torch

        from recsys_tools.seqrec.data import Batch, left_pad

        bundle = self.recommender()
        item_index = bundle.item_index
        user = bundle.user_index.get(user_id) if user_id is not None else None
        if history:
            seq = np.array([item_index[p] for p in history if p in item_index], dtype=np.int64)
        elif user is not None:
            seq = bundle.sequences[user]
        else:
            seq = np.zeros(0, dtype=np.int64)

        def popular(reason: str) -> RecommendationResult:
            scores = bundle.popularity.astype(float).copy()
            scores[0] = -np.inf
            scores[seq] = -np.inf
            return RecommendationResult(
                user_id=user_id,
                items=_top(scores, k, bundle.item_ids),
                cold_start=True,
                model="popularity",
                reason=reason,
            )

        if len(seq) == 0:
            return popular("unknown user and no known product in the history")
        if not bundle.model.reads_history and user is None:
            return popular(f"{bundle.kind} needs a known user")
        batch = Batch(
            users=torch.tensor([user if user is not None else 0]),
            item_seq=torch.from_numpy(left_pad([seq], max(1, len(seq)))),
        )
        with torch.no_grad():
            scores = bundle.model.full_sort_predict(batch)[0].numpy().astype(float)
        scores[seq] = -np.inf  # already-seen products are not recommended again
        return RecommendationResult(
            user_id=user_id,
            items=_top(scores, k, bundle.item_ids),
            cold_start=False,
            model=bundle.kind,
        )

    def viewed_together(self, product_id: str, k: int = 10) -> ViewedTogetherResult:
        """Products most often viewed together with `product_id` (cosine in Meta-Prod2Vec
        space); unknown products get the most viewed ones with `cold_start=True`."""
        emb = self.embeddings()
        idx = emb.index_of(product_id)
        neighbours = emb.similar(idx, k) if idx is not None else []
        if not neighbours:
            scores = emb.popularity.astype(float).copy()
            scores[0] = -np.inf
            if idx is not None:
                scores[idx] = -np.inf
            return ViewedTogetherResult(
                product_id=product_id,
                items=_top(scores, k, emb.item_ids),
                cold_start=True,
                model="popularity",
                reason="unknown product" if idx is None else "product has no embedding",
            )
        items = [
            ScoredProduct(product_id=str(emb.item_ids[i]), score=s, rank=r + 1)
            for r, (i, s) in enumerate(neighbours)
        ]
        return ViewedTogetherResult(
            product_id=product_id, items=items, cold_start=False, model=self.embeddings_name
        )


def _top(scores: np.ndarray, k: int, item_ids: list[Any]) -> list[ScoredProduct]:
    ranked = np.argsort(-scores, kind="stable")
    order = [int(i) for i in ranked if np.isfinite(scores[i])][:k]
    return [
        ScoredProduct(product_id=str(item_ids[i]), score=float(scores[i]), rank=r + 1)
        for r, i in enumerate(order)
    ]
