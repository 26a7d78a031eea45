"""Model (a): a linear-chain CRF over syllables with morphological features (kiwipiepy),
plus a logistic-regression intent classifier over character n-grams."""

from __future__ import annotations

import pickle
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np

from recsys_tools.nlu.base import NerIntentModel, Prediction
from recsys_tools.nlu.data import Example
from recsys_tools.nlu.features import featurise
from recsys_tools.nlu.metrics import spans_from_tags


@dataclass(frozen=True)
class CrfConfig:
    c1: float = 0.05  # L1: prunes the long tail of rare syllable n-gram features
    c2: float = 0.05  # L2
    max_iterations: int = 100
    intent_c: float = 10.0  # inverse regularisation of the intent classifier


class CrfModel(NerIntentModel):
    name = "crf"

    def __init__(self, config: CrfConfig | None = None) -> None:
        self.config = config or CrfConfig()
        self._crf: Any = None
        self._vec: Any = None
        self._clf: Any = None

    def fit(self, train: Sequence[Example], dev: Sequence[Example]) -> dict[str, float]:
        import sklearn_crfsuite
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression

        t0 = time.perf_counter()
        texts = [e.text for e in train]
        crf = sklearn_crfsuite.CRF(
            algorithm="lbfgs",
            c1=self.config.c1,
            c2=self.config.c2,
            max_iterations=self.config.max_iterations,
            all_possible_transitions=True,
        )
        crf.fit(featurise(texts), [e.tags() for e in train])
        vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
        clf = LogisticRegression(C=self.config.intent_c, max_iter=2000)
        clf.fit(vec.fit_transform(texts), [e.intent for e in train])
        self._crf, self._vec, self._clf = crf, vec, clf
        return {"seconds": time.perf_counter() - t0, "n_train": float(len(train))}

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if self._crf is None:
            raise RuntimeError("CrfModel is not trained or loaded")
        if not texts:
            return []
        tags = self._crf.predict(featurise(texts))
        proba = self._clf.predict_proba(self._vec.transform(list(texts)))
        best = np.argmax(proba, axis=1)
        classes = self._clf.classes_
        return [
            Prediction(str(classes[b]), float(p[b]), tuple(spans_from_tags(t)))
            for t, p, b in zip(tags, proba, best, strict=True)
        ]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / "crf.pkl").open("wb") as f:
            pickle.dump(
                {
                    "config": asdict(self.config),
                    "crf": self._crf,
                    "vec": self._vec,
                    "clf": self._clf,
                },
                f,
            )

    @classmethod
    def load(cls, directory: Path) -> Self:
        # Files under models/ are written by `tripgraph train ner` on this machine only.
        with (directory / "crf.pkl").open("rb") as f:
            state = pickle.load(f)
        model = cls(CrfConfig(**state["config"]))
        model._crf, model._vec, model._clf = state["crf"], state["vec"], state["clf"]
        return model
