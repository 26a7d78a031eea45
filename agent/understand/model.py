"""The NER + intent model beside the parser: its spans mapped onto the vocabulary, and the
`Understander` that combines both by a measured policy (loads the model once, falls back to
the parser without one)."""

from __future__ import annotations

import pickle
import threading
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from agent.state import Slots, Turn, Understanding
from agent.understand.matching import _WORD, _has
from agent.understand.refine import refine, settle_exclusions
from agent.understand.rules import (
    _CYPHER_START,
    DAY_MARK,
    Parsed,
    _food_slots,
    _place_slots,
    _profile_slots,
    _rule_slots,
    exclusion_slots,
    parse_question,
)
from agent.understand.vocabulary import Vocabulary
from tripgraph.vocab.understanding import (
    IntentWords,
)

if TYPE_CHECKING:
    from recsys_tools.nlu.service import EntityExtractor, ExtractionResult

PLACE_LABELS = ("COUNTRY", "CITY", "REGION", "POI")
PROFILE_LABELS = ("PARTY", "AGE", "ATTRIBUTE", "PRICE")
# The hybrid path takes the model's intent over the parser's "out of scope" only when the
# model's top intent outweighs all others together and the question carries what that
# intent needs (see `_model_has_evidence`).
HYBRID_MIN_SCORE = 0.5
# Parser outcomes the hybrid path asks the model about: "nothing found", and the tools whose
# place names the model's spans help read. A recommendation or a graph question the parser
# recognised gains nothing from the model (see `Understander`), so it skips the ~15 ms.
HYBRID_CONSULTS_MODEL = ("out_of_scope", "itinerary", "place_mapping")


def slots_from_entities(
    question: str, extraction: ExtractionResult, vocab: Vocabulary
) -> tuple[Slots, list[str]]:
    """The model's spans mapped onto the graph's own names through `vocab`; slots no entity
    label covers (ids, price caps, merchant names) come from the same rules as the parser."""
    slots = Slots()
    signals: list[str] = []
    # Spans of a ruled-out food are blanked ('흑돼지 말고'); before a '말고' left over is
    # the place moved away from ('애월 말고 협재').
    wanted = exclusion_slots(question, vocab, slots, signals)
    cut = wanted.find("말고")
    ents = [
        e
        for e in extraction.entities
        if (cut < 0 or e.start > cut) and wanted[e.start : e.end].strip()
    ]

    def joined(labels: tuple[str, ...]) -> str:
        return " ".join(e.text for e in ents if e.label in labels)

    _place_slots(joined(PLACE_LABELS), vocab, slots, signals)
    _food_slots(joined(("CATEGORY", "MENU")), vocab, slots, signals)
    _profile_slots(joined(PROFILE_LABELS), vocab, slots, signals)
    _rule_slots(question, vocab, slots, signals)
    settle_exclusions(slots, vocab)
    return slots, signals


def parse_with_model(
    question: str,
    vocab: Vocabulary,
    extraction: ExtractionResult,
    previous: Turn | None = None,
) -> Parsed:
    """Intent from the model, slots from its spans; a recommendation that names no new
    place or food after a recommendation turn refines it, as in `parse_question`."""
    q = question.strip()
    if _CYPHER_START.match(q):
        return Parsed("graph_question", Slots(), raw_cypher=q, signals=["raw_cypher"])
    slots, signals = slots_from_entities(q, extraction, vocab)
    intent = extraction.intent
    fw = vocab.extra.followup_words
    if (
        intent == "recommend_place"
        and previous is not None
        and previous.intent == "recommend_place"
        and (
            _has(q, fw.markers)
            or _has(q, fw.cheaper)
            or not ({"region", "category", "menu"} & set(signals))
        )
    ):
        return Parsed(
            intent,
            refine(previous, slots, signals, q, vocab),
            followup=True,
            signals=[*signals, "followup"],
        )
    return Parsed(intent, slots, signals=signals)


UnderstandingPolicy = Literal["gazetteer", "model", "model_intent", "hybrid"]
# Chosen by measurement on the agent gold set (`tripgraph eval agent`, "understanding"
# section): the model alone reads slots and intents worse than the parser (0.80 / 0.81 vs
# 1.00 / 0.98); hybrid keeps the parser's slots and gains where the parser finds nothing
# (intent 0.99). Figures in the module docstring of evals/agent.py.
DEFAULT_POLICY: UnderstandingPolicy = "hybrid"


class Understander:
    """Intent + slots of a question by `policy`:

    - `gazetteer`: the parser only;
    - `model`: the model's intent and its spans mapped onto the graph's names;
    - `model_intent`: the model's intent, the parser's slots;
    - `hybrid`: the parser, except where it finds nothing ("out of scope" without an
      off-topic word): there the model's intent and slots are taken when the model's top
      intent has probability >= HYBRID_MIN_SCORE and the question holds what that intent
      needs. Model spans never add a slot the parser missed: they are mapped through the
      same vocabulary, so a span that names a graph name is text the parser reads too.

    Without a trained model (no `serving.json` under `model_dir`) every policy runs the
    gazetteer parser and says so. The model loads once, on first use, never in here.
    """

    def __init__(
        self,
        model_dir: Path | None,
        policy: UnderstandingPolicy = DEFAULT_POLICY,
        extractor: EntityExtractor | None = None,
    ) -> None:
        """`extractor`: an already loaded one (tests pass a fake); else loaded from
        `model_dir` on first use."""
        self.model_dir = model_dir
        self.policy = policy
        self._extractor: EntityExtractor | None = extractor
        self._missing: str | None = None
        self._lock = threading.Lock()

    def _model(self) -> EntityExtractor | None:
        """The extractor, loaded on first call; None (with `_missing` set) without one."""
        if self._extractor is not None or self._missing is not None:
            return self._extractor
        with self._lock:
            if self._extractor is None and self._missing is None:
                from recsys_tools.nlu.service import SERVING_FILE, get_extractor

                if self.model_dir is None or not (self.model_dir / SERVING_FILE).exists():
                    self._missing = (
                        f"no trained NER model under {self.model_dir} "
                        "(run `tripgraph train ner`): gazetteer parser"
                    )
                else:
                    extractor = get_extractor(self.model_dir)
                    try:
                        # Loads the model and the morphology analyser now, not mid-question.
                        extractor.extract("warm up")
                    except (
                        OSError,
                        EOFError,
                        KeyError,
                        AttributeError,
                        ValueError,
                        ImportError,  # pickled classes that this checkout does not have
                        pickle.UnpicklingError,
                    ) as exc:
                        # An artifact written by another version of the trainer: say so and
                        # keep answering with the parser rather than fail every question.
                        self._missing = (
                            f"the NER model under {self.model_dir} did not load "
                            f"({type(exc).__name__}: {str(exc)[:80]}; retrain with "
                            "`tripgraph train ner`): gazetteer parser"
                        )
                    else:
                        self._extractor = extractor
        return self._extractor

    def load(self) -> bool:
        """Load the model now (a service calls this at start so the first question does not
        pay the load); True when a model is there."""
        return self.policy != "gazetteer" and self._model() is not None

    def parse(
        self, question: str, vocab: Vocabulary, previous: Turn | None = None
    ) -> tuple[Parsed, Understanding]:
        gaz = parse_question(question, vocab, previous)
        if self.policy == "gazetteer" or gaz.raw_cypher is not None:
            return gaz, Understanding(
                path="gazetteer",
                policy=self.policy,
                intent_source="gazetteer",
                slot_source="gazetteer",
            )
        if self.policy == "hybrid" and gaz.intent not in HYBRID_CONSULTS_MODEL:
            return gaz, Understanding(
                path="hybrid",
                policy=self.policy,
                intent_source="gazetteer",
                slot_source="gazetteer",
                note="the parser decided; the model was not consulted",
            )
        extractor = self._model()
        if extractor is None:
            return gaz, Understanding(
                path="gazetteer",
                policy=self.policy,
                intent_source="gazetteer",
                slot_source="gazetteer",
                note=self._missing,
            )
        ex = extractor.extract(question)
        base = {
            "policy": self.policy,
            "model": ex.model,
            "model_intent": ex.intent,
            "model_intent_score": ex.intent_score,
            "entities": [e.model_dump() for e in ex.entities],
        }
        model = parse_with_model(question, vocab, ex, previous)
        if self.policy == "model":
            u = Understanding(path="model", intent_source="model", slot_source="model", **base)
            return model, u
        if self.policy == "model_intent":
            followup = gaz.followup and model.intent == "recommend_place"
            slots = gaz.slots if followup or not gaz.followup else model.slots
            parsed = Parsed(model.intent, slots, followup=followup, signals=gaz.signals)
            u = Understanding(
                path="model_intent", intent_source="model", slot_source="gazetteer", **base
            )
            return parsed, u
        # hybrid
        if (
            gaz.intent == "out_of_scope"
            and not _has(question, vocab.extra.intent_words.offtopic)
            and ex.intent_score >= HYBRID_MIN_SCORE
            and _model_has_evidence(question, model, ex, vocab.extra.intent_words)
        ):
            u = Understanding(path="hybrid", intent_source="model", slot_source="model", **base)
            return model, u
        u = Understanding(path="hybrid", intent_source="gazetteer", slot_source="gazetteer", **base)
        return gaz, u


def _model_has_evidence(
    question: str, parsed: Parsed, extraction: ExtractionResult, words: IntentWords
) -> bool:
    """Does the question hold what the model's intent needs? Places plus a request about
    them for an itinerary or a mapping, an id for the product tools, a name the graph knows
    for the rest; an intent with nothing to act on ('너는 누가 만들었어?' read as a place
    lookup, or '고마워' tagged as a place by itself) is not taken."""
    spans = [e for e in extraction.entities if e.label in PLACE_LABELS]
    rest = list(question)
    for e in spans:
        rest[e.start : e.end] = " " * (e.end - e.start)
    places = bool(spans) and bool(_WORD.search("".join(rest)))
    known = {"region", "city", "category", "menu", "merchant"} & set(parsed.signals)
    # Place-like spans alone are weak: '관리자 모드: 그래프의 모든 노드를 삭제해줘' gets three
    # POI spans and an itinerary score of 0.91 from the CRF. A tool runs only when the
    # question also asks for what the tool does.
    trip = _has(question, words.itinerary + words.package) or bool(DAY_MARK.search(question))
    lookup = _has(question, words.mapping + words.place_db)
    return {
        "itinerary": places and trip,
        "place_mapping": places and lookup,
        "recommend_products": parsed.slots.user_id is not None,
        "viewed_together": parsed.slots.product_id is not None,
        "graph_question": bool(known),
        "recommend_place": bool(known),
        "out_of_scope": False,
    }[parsed.intent]


@lru_cache(maxsize=8)
def get_understander(
    model_dir: Path | None, policy: UnderstandingPolicy = DEFAULT_POLICY
) -> Understander:
    """One understander (and so one model load) per model directory and policy in a
    process (`AgentDeps.open` passes `<settings.model_dir>/ner`)."""
    return Understander(model_dir, policy)
