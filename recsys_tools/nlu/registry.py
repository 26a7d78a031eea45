"""Model families by name: the one place that maps a saved model directory to its class.

Each trained variant directory holds `model.json` ({"family": ..., "intents": [...]}) next
to its weights, so evaluation, serving and the benchmark load any variant the same way, and
none of them reads a model trained with other intent labels (`check_intents`).
"""

from __future__ import annotations

import json
from pathlib import Path

from recsys_tools.nlu.base import NerIntentModel
from recsys_tools.nlu.labels import INTENTS

MODEL_FILE = "model.json"
FAMILIES: tuple[str, ...] = ("crf", "bilstm", "e5")


class NerIntentsChanged(FileNotFoundError):
    """A model directory trained with other intent labels than `labels.INTENTS` (before the
    model took the agent's names, or with another order): the CRF would answer names the
    agent does not route on, the neural models the wrong intents by position. To its callers
    it is as if no model were there (hence FileNotFoundError): retrain."""

    def __init__(self, directory: Path, saved: list[str] | None) -> None:
        was = "none recorded" if saved is None else ", ".join(saved)
        super().__init__(
            f"the NER model under {directory} was trained with other intent labels ({was}); "
            "retrain it with `tripgraph train ner`"
        )


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
    meta = {"family": model.name, "intents": list(INTENTS)}
    (directory / MODEL_FILE).write_text(json.dumps(meta))


def check_intents(directory: Path) -> None:
    """Raise `NerIntentsChanged` unless `directory` was saved with today's intent labels."""
    meta = directory / MODEL_FILE
    saved: list[str] | None = json.loads(meta.read_text()).get("intents") if meta.exists() else None
    if saved != list(INTENTS):
        raise NerIntentsChanged(directory, saved)


def load_variant(directory: Path) -> NerIntentModel:
    check_intents(directory)
    return model_class(family_of(directory)).load(directory)
