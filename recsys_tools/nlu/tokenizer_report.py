"""The tokenizer extension measured: UNK rates of a model's tokenizer before/after adding the
domain words it lacks, and scores on the questions the extension can change (the BiLSTM's
syllable vocabulary and e5's SentencePiece vocabulary). `run_tokenizer_report` needs no
trained model; the before/after accuracy does, and is part of the main eval report."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from recsys_tools.nlu.base import NerIntentModel, Prediction
from recsys_tools.nlu.data import EVAL_SPLITS
from recsys_tools.nlu.examples import Example
from recsys_tools.nlu.metrics import score_split
from recsys_tools.nlu.train import NerTrainConfig, domain_words, prepare
from tripgraph.provenance import git_sha


def tokenizer_report(
    before_model: NerIntentModel,
    after_model: NerIntentModel,
    tests: dict[str, list[Example]],
    before_preds: dict[str, list[Prediction]],
    after_preds: dict[str, list[Prediction]],
) -> dict[str, Any]:
    """UNK rate of the model's tokenizer on each split before/after the extension, and scores
    on the questions that had an UNK before (the questions the extension can change)."""
    tb, ta = before_model.tokenizer_view(), after_model.tokenizer_view()
    if tb is None or ta is None:
        return {"error": "model has no tokenizer view"}
    out: dict[str, Any] = {"vocab_before": tb.size, "vocab_after": ta.size}
    for split, exs in tests.items():
        texts = [e.text for e in exs]
        affected = [i for i, t in enumerate(texts) if tb.has_unk(t)]
        row: dict[str, Any] = {
            "unk_rate_before": tb.unk_rate(texts),
            "unk_rate_after": ta.unk_rate(texts),
            "affected_questions": len(affected),
        }
        for key, preds in (("before", before_preds[split]), ("after", after_preds[split])):
            if affected:
                s = score_split([exs[i] for i in affected], [preds[i] for i in affected])
                row[f"affected_exact_match_{key}"] = s["sentence_exact_match"]
                row[f"affected_entity_f1_{key}"] = s["entity"]["f1"]
                row[f"affected_intent_accuracy_{key}"] = s["intent_accuracy"]
        out[split] = row
    return out


SEED_WORDS = ("홋카이도", "스케쥴", "하얏트", "파타야", "푸껫", "필리삔")


def seed_words_report(models: dict[str, NerIntentModel]) -> dict[str, Any]:
    """Per model with a closed vocabulary: which of the issue's example words read as UNK."""
    out: dict[str, Any] = {}
    for name, model in models.items():
        view = model.tokenizer_view()
        if view is not None:
            out[name] = {w: view.has_unk(w) for w in SEED_WORDS}
    return out


def e5_unk_report(
    model: NerIntentModel, tests: dict[str, list[Example]], words: list[str]
) -> dict[str, Any]:
    """e5's tokenizer before/after adding the domain syllables it lacks (UNK rates only: the
    extended e5 is not retrained here, so accuracy before/after is measured on the BiLSTM)."""
    from recsys_tools.nlu.e5_tagger import E5TaggerModel

    assert isinstance(model, E5TaggerModel)
    view = model.tokenizer_view()
    before = {k: view.unk_rate([e.text for e in v]) for k, v in tests.items()}
    words_unk_before = [w for w in words if view.has_unk(w)]
    added = model.extend_tokens(words)
    after = {k: view.unk_rate([e.text for e in v]) for k, v in tests.items()}
    return {
        "domain_words": len(words),
        "domain_words_with_unk_before": len(words_unk_before),
        "examples": words_unk_before[:20],
        "domain_words_with_unk_after": sum(view.has_unk(w) for w in words),
        "added_tokens": added,
        "unk_rate_before": before,
        "unk_rate_after": after,
    }


def run_tokenizer_report(run_dir: Path, cfg: NerTrainConfig | None = None) -> Path:
    """UNK rates of both tokenizers before/after the domain-word extension, from the
    tokenizers alone (no trained model needed): the BiLSTM's syllable vocabulary (built from
    the labelled training questions, extended with gazetteer + menu/category words) and e5's
    SentencePiece vocabulary with per-syllable pieces (extended with the syllables it lacks).
    Accuracy before/after on the affected questions needs the trained BiLSTM variants and is
    in the main eval report (`tokenizer_extension_bilstm`)."""
    from recsys_tools.nlu.e5_tagger import E5TaggerModel
    from recsys_tools.nlu.vocab import SyllableVocab

    cfg = cfg or NerTrainConfig()
    ds, _ = prepare(cfg)
    words = domain_words(ds)
    tests = {k: [e.text for e in ds.splits[k]] for k in EVAL_SPLITS}
    syl = SyllableVocab.build(e.text for e in ds.splits["train"])
    syl_before = {k: syl.unk_rate(v) for k, v in tests.items()}
    affected = {k: sum(syl.has_unk(t) for t in v) for k, v in tests.items()}
    seed_before = {w: syl.has_unk(w) for w in SEED_WORDS}
    words_unk = [w for w in words if syl.has_unk(w)]
    added = syl.extend(words)
    e5 = E5TaggerModel()
    view = e5.tokenizer_view()
    e5_before = {k: view.unk_rate(v) for k, v in tests.items()}
    e5_seed_before = {w: view.has_unk(w) for w in SEED_WORDS}
    e5_words_unk = [w for w in words if view.has_unk(w)]
    e5_affected = {k: sum(view.has_unk(t) for t in v) for k, v in tests.items()}
    missing = e5.missing_syllables(words)
    for k, ch in enumerate(missing):  # the tokenizer side of `extend_tokens`
        e5._piece_ix[ch] = e5._vocab + k
    out = {
        "task": "tokenizer_unk",
        "git_sha": git_sha(),
        "domain_words": len(words),
        "syllable_vocab": {
            "size_before": syl.size - len(added),
            "size_after": syl.size,
            "added": len(added),
            "domain_words_with_unk_before": len(words_unk),
            "examples": words_unk[:25],
            "seed_words_unk_before": seed_before,
            "seed_words_unk_after": {w: syl.has_unk(w) for w in SEED_WORDS},
            "unk_rate_before": syl_before,
            "unk_rate_after": {k: syl.unk_rate(v) for k, v in tests.items()},
            "questions_with_unk_before": affected,
        },
        "e5_sentencepiece": {
            "domain_words_with_unk_before": len(e5_words_unk),
            "examples": e5_words_unk[:25],
            "added_syllables": missing,
            "seed_words_unk_before": e5_seed_before,
            "seed_words_unk_after": {w: view.has_unk(w) for w in SEED_WORDS},
            "unk_rate_before": e5_before,
            "unk_rate_after": {k: view.unk_rate(v) for k, v in tests.items()},
            "questions_with_unk_before": e5_affected,
        },
    }
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / f"tokenizer_unk-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    return path
