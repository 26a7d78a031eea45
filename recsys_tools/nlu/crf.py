"""Model (a): a linear-chain CRF over syllables with morphological features (kiwipiepy),
plus the delexicalised intent classifier (`intent.py`) fed with the CRF's entities."""

from __future__ import annotations

import pickle
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Self

import numpy as np

from recsys_tools.nlu.base import NerIntentModel, Prediction
from recsys_tools.nlu.examples import Example
from recsys_tools.nlu.features import analyse, featurise
from recsys_tools.nlu.intent import IntentClassifier, IntentConfig
from recsys_tools.nlu.metrics import spans_from_tags


@dataclass(frozen=True)
class CrfConfig:
    c1: float = 0.05  # L1: prunes the long tail of rare syllable n-gram features
    c2: float = 0.05  # L2
    max_iterations: int = 100
    intent_c: float = 4.0  # inverse regularisation of the intent classifier (dev_templates)
    context_words: bool = False  # neighbouring-word features (`features.sentence_features`)


class CrfModel(NerIntentModel):
    name = "crf"

    def __init__(self, config: CrfConfig | None = None) -> None:
        self.config = config or CrfConfig()
        self._crf: Any = None
        self._intent: IntentClassifier | None = None

    def fit(self, train: Sequence[Example], dev: Sequence[Example]) -> dict[str, float]:
        import sklearn_crfsuite

        t0 = time.perf_counter()
        texts = [e.text for e in train]
        morphs = analyse(texts)
        crf = sklearn_crfsuite.CRF(
            algorithm="lbfgs",
            c1=self.config.c1,
            c2=self.config.c2,
            max_iterations=self.config.max_iterations,
            all_possible_transitions=True,
        )
        crf.fit(featurise(texts, morphs, self.config.context_words), [e.tags() for e in train])
        intent = IntentClassifier(IntentConfig(c=self.config.intent_c))
        intent.fit(texts, [e.spans for e in train], [e.intent for e in train], morphs)
        self._crf, self._intent = crf, intent
        return {"seconds": time.perf_counter() - t0, "n_train": float(len(train))}

    def predict(self, texts: Sequence[str]) -> list[Prediction]:
        if self._crf is None or self._intent is None:
            raise RuntimeError("CrfModel is not trained or loaded")
        if not texts:
            return []
        morphs = analyse(texts)
        spans = [
            tuple(spans_from_tags(t))
            for t in self._crf.predict(featurise(texts, morphs, self.config.context_words))
        ]
        proba = self._intent.predict_proba(texts, spans, morphs)  # [N I]
        best = np.argmax(proba, axis=1)
        classes = self._intent.classes
        return [
            Prediction(classes[b], float(p[b]), sp)
            for sp, p, b in zip(spans, proba, best, strict=True)
        ]

    def save(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        with (directory / "crf.pkl").open("wb") as f:
            pickle.dump(
                {
                    "config": asdict(self.config),
                    "crf": self._crf,
                    "intent": self._intent,
                },
                f,
            )

    @classmethod
    def load(cls, directory: Path) -> Self:
        # Files under models/ are written by `tripgraph train ner` on this machine only.
        with (directory / "crf.pkl").open("rb") as f:
            state = pickle.load(f)
        model = cls(CrfConfig(**state["config"]))
        model._crf, model._intent = state["crf"], state["intent"]
        return model
