"""The typed NER + intent tool: `get_extractor(<model_dir>/ner).extract(text) ->
ExtractionResult` (the agent's `extract_entities`).

The model is loaded lazily on first use from the directory (written by `tripgraph train
ner`); without one the call raises `NerModelMissing` saying what to run, and with one
trained with other intent labels `registry.NerIntentsChanged`, saying the same.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

from pydantic import BaseModel, Field

from recsys_tools.nlu.base import NerIntentModel
from recsys_tools.nlu.labels import EntityLabel, Intent

SERVING_FILE = "serving.json"  # {"family": "crf" | "bilstm" | "e5", "path": "<subdir>"}


class Entity(BaseModel):
    label: EntityLabel = Field(description="entity type, e.g. REGION, MENU, PARTY")
    text: str = Field(description="the entity as written in the question")
    start: int = Field(description="character offset of the first character")
    end: int = Field(description="character offset after the last character")


class ExtractionResult(BaseModel):
    intent: Intent = Field(description="what the user asks for")
    intent_score: float = Field(description="classifier probability of the intent (0..1)")
    entities: list[Entity] = Field(default_factory=list)
    model: str = Field(description="which trained model produced this")


class NerModelMissing(FileNotFoundError):
    def __init__(self, directory: Path) -> None:
        super().__init__(f"no trained NER model under {directory}; run `tripgraph train ner` first")


def load_model(directory: Path) -> tuple[str, NerIntentModel]:
    """(name, model) of the serving model recorded in `directory/serving.json`."""
    meta_path = directory / SERVING_FILE
    if not meta_path.exists():
        raise NerModelMissing(directory)
    meta = json.loads(meta_path.read_text())
    path = directory / meta["path"]
    from recsys_tools.nlu.registry import check_intents, model_class

    check_intents(path)
    model = model_class(meta["family"]).load(path)
    return meta["path"], model


class EntityExtractor:
    """Loads its model on first use (never in the constructor); thread-safe load."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._model: NerIntentModel | None = None
        self._name = ""
        self._lock = threading.Lock()

    def _ensure(self) -> NerIntentModel:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._name, self._model = load_model(self.directory)
        return self._model

    def extract_batch(self, texts: Sequence[str]) -> list[ExtractionResult]:
        model = self._ensure()
        results = []
        for text, pred in zip(texts, model.predict(list(texts)), strict=True):
            results.append(
                ExtractionResult(
                    intent=pred.intent,
                    intent_score=round(pred.intent_score, 4),
                    entities=[
                        Entity(
                            label=s.label,
                            text=text[s.start : s.end],
                            start=s.start,
                            end=s.end,
                        )
                        for s in pred.spans
                    ],
                    model=self._name,
                )
            )
        return results

    def extract(self, text: str) -> ExtractionResult:
        return self.extract_batch([text])[0]


@lru_cache(maxsize=4)
def get_extractor(directory: Path) -> EntityExtractor:
    """One extractor (one model load) per model directory in a process."""
    return EntityExtractor(directory)
