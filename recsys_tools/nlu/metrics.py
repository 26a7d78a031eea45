"""Entity-level scores (exact span and label) and intent scores, written once for every model
and split; `score_split` is all of them for one split's predictions."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from pydantic import BaseModel

from recsys_tools.nlu.base import Prediction
from recsys_tools.nlu.examples import Example, Span
from recsys_tools.nlu.labels import ENTITY_LABELS, INTENTS, PLACE_LABELS
from recsys_tools.nlu.render import template_family


class PRF(BaseModel):
    precision: float
    recall: float
    f1: float
    support: int  # gold entities
    predicted: int


def spans_from_tags(tags: Sequence[str]) -> list[Span]:
    """BIO → spans. An I- tag that does not continue an entity of its label starts one (the
    lenient reading, so a model's stray I- is still scored rather than dropped)."""
    spans: list[Span] = []
    start, label = -1, ""
    for i, tag in enumerate([*tags, "O"]):
        prefix, _, lab = tag.partition("-")
        continues = prefix == "I" and lab == label and start >= 0
        if start >= 0 and not continues:
            spans.append(Span(start, i, label))
            start, label = -1, ""
        if prefix in ("B", "I") and not continues:
            start, label = i, lab
    return spans


def _prf(tp: int, n_pred: int, n_gold: int) -> PRF:
    p = tp / n_pred if n_pred else 0.0
    r = tp / n_gold if n_gold else 0.0
    f = 2 * p * r / (p + r) if p + r else 0.0
    return PRF(precision=p, recall=r, f1=f, support=n_gold, predicted=n_pred)


def entity_prf(
    gold: Iterable[Sequence[Span]], pred: Iterable[Sequence[Span]], labels: set[str] | None = None
) -> PRF:
    """Micro P/R/F1 over entities; `labels` restricts the count to those labels."""
    tp = n_pred = n_gold = 0
    for g, p in zip(gold, pred, strict=True):
        gs = {(s.start, s.end, s.label) for s in g if labels is None or s.label in labels}
        ps = {(s.start, s.end, s.label) for s in p if labels is None or s.label in labels}
        tp += len(gs & ps)
        n_pred += len(ps)
        n_gold += len(gs)
    return _prf(tp, n_pred, n_gold)


def per_label_prf(
    gold: Sequence[Sequence[Span]], pred: Sequence[Sequence[Span]], labels: Sequence[str]
) -> dict[str, PRF]:
    return {lab: entity_prf(gold, pred, {lab}) for lab in labels}


def accuracy(gold: Sequence[str], pred: Sequence[str]) -> float:
    return sum(g == p for g, p in zip(gold, pred, strict=True)) / max(len(gold), 1)


def per_intent_prf(
    gold: Sequence[str], pred: Sequence[str], intents: Sequence[str]
) -> dict[str, PRF]:
    """Per intent: precision over questions predicted as it, recall over questions of it."""
    out: dict[str, PRF] = {}
    for k in intents:
        tp = sum(g == k and p == k for g, p in zip(gold, pred, strict=True))
        out[k] = _prf(tp, sum(p == k for p in pred), sum(g == k for g in gold))
    return out


def confusion_matrix(
    gold: Sequence[str], pred: Sequence[str], labels: Sequence[str]
) -> list[list[int]]:
    """Rows: gold label, columns: predicted label, in `labels` order."""
    ix = {lab: i for i, lab in enumerate(labels)}
    m = [[0] * len(labels) for _ in labels]
    for g, p in zip(gold, pred, strict=True):
        if g in ix and p in ix:
            m[ix[g]][ix[p]] += 1
    return m


def score_split(examples: Sequence[Example], preds: Sequence[Prediction]) -> dict[str, Any]:
    gold = [e.spans for e in examples]
    pred = [p.spans for p in preds]
    gi, pi = [e.intent for e in examples], [p.intent for p in preds]
    exact = sum(
        {(s.start, s.end, s.label) for s in g} == {(s.start, s.end, s.label) for s in p}
        for g, p in zip(gold, pred, strict=True)
    ) / max(len(gold), 1)
    return {
        "n": len(examples),
        "entity": entity_prf(gold, pred).model_dump(),
        "place_entity": entity_prf(gold, pred, set(PLACE_LABELS)).model_dump(),
        # Place spans with any place label: separates boundary errors (파타 for 파타야) from
        # kind errors (a city read as a POI), which an unseen name's shape may not settle.
        "place_span": entity_prf(_as_place(gold), _as_place(pred), {"PLACE"}).model_dump(),
        "intent_accuracy": accuracy(gi, pi),
        "per_intent": {k: v.model_dump() for k, v in per_intent_prf(gi, pi, INTENTS).items()},
        "intent_confusion": {"labels": list(INTENTS), "matrix": confusion_matrix(gi, pi, INTENTS)},
        "sentence_exact_match": exact,
        "per_family_intent_accuracy": _per_family(examples, preds),
        "per_label_f1": {k: v.f1 for k, v in per_label_prf(gold, pred, ENTITY_LABELS).items()},
    }


def _as_place(spans: Sequence[Sequence[Span]]) -> list[list[Span]]:
    return [[Span(s.start, s.end, "PLACE") for s in g if s.label in PLACE_LABELS] for g in spans]


def _per_family(examples: Sequence[Example], preds: Sequence[Prediction]) -> dict[str, Any]:
    """Intent accuracy per paraphrase family and the most frequent wrong intent: tells a
    family unlike anything in training (all wrong, one way) from a weak classifier."""
    by: dict[str, list[tuple[str, str]]] = {}
    for e, p in zip(examples, preds, strict=True):
        by.setdefault(template_family(e.template_id), []).append((e.intent, p.intent))
    out: dict[str, Any] = {}
    for fam, pairs in sorted(by.items()):
        wrong = Counter(p for g, p in pairs if g != p)
        out[fam] = {
            "n": len(pairs),
            "accuracy": sum(g == p for g, p in pairs) / len(pairs),
            "top_wrong": wrong.most_common(1)[0][0] if wrong else None,
        }
    return out
