"""Model families by name: the one place that maps a saved model directory to its class.

Each trained variant directory holds `model.json` ({"family": ...}) next to its weights, so
evaluation, serving and the benchmark load any variant the same way.
"""

from __future__ import annotations

import json
from pathlib import Path

from recsys_tools.nlu.base import NerIntentModel

MODEL_FILE = "model.json"
FAMILIES: tuple[str, ...] = ("crf", "bilstm", "e5")


def model_class(family: str) -> type[NerIntentModel]:
    if family == "crf":
        from recsys_tools.nlu.crf import CrfModel

        return CrfModel
    if family == "bilstm":
        from recsys_tools.nlu.neural import BiLstmModel

        return BiLstmModel
    if family == "e5":
        from recsys_tools.nlu.e5_tagger import E5TaggerModel

        return E5TaggerModel
    raise ValueError(f"unknown NER model family {family!r}; known: {FAMILIES}")


def family_of(directory: Path) -> str:
    meta = directory / MODEL_FILE
    if meta.exists():
        return str(json.loads(meta.read_text())["family"])
    # Directories written before model.json existed.
    if (directory / "crf.pkl").exists():
        return "crf"
    if (directory / "bilstm.pt").exists():
        return "bilstm"
    raise FileNotFoundError(f"{directory} holds no trained NER model")


def save_variant(model: NerIntentModel, directory: Path) -> None:
    model.save(directory)
    (directory / MODEL_FILE).write_text(json.dumps({"family": model.name}))


def load_variant(directory: Path) -> NerIntentModel:
    return model_class(family_of(directory)).load(directory)
