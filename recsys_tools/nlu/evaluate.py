"""NER + intent evaluation: every trained variant on every split → one JSON (+ PNGs).

Per variant and split: micro entity P/R/F1 (all labels and place labels), intent accuracy,
per-intent precision/recall/F1 and the intent confusion matrix, per-label F1, sentence exact
match. Across variants: place precision on unseen names before/after augmentation
(crf_base → crf_aug) and the tokenizer extension's UNK rate and accuracy on the questions it
affects (bilstm_aug_cont → bilstm_aug_ext). Figures: a models × splits table (PNG) and the
confusion matrices of the served model (PNG).

One split's scores are `metrics.score_split`; the serving rules that read the report are in
`selection.py`, the tokenizer-extension figures in `tokenizer_report.py`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from recsys_tools.nlu.base import NerIntentModel, Prediction
from recsys_tools.nlu.data import EVAL_SPLITS
from recsys_tools.nlu.labels import INTENTS
from recsys_tools.nlu.metrics import accuracy, per_intent_prf, score_split
from recsys_tools.nlu.selection import augmentation_report, select_variant
from recsys_tools.nlu.tokenizer_report import e5_unk_report, seed_words_report, tokenizer_report
from recsys_tools.nlu.train import (
    NerTrainConfig,
    domain_words,
    load_train_config,
    load_variant,
    prepare,
)
from tripgraph.provenance import git_sha


def run_ner_eval(
    model_dir: Path,
    run_dir: Path,
    cfg: NerTrainConfig | None = None,
    variants: Sequence[str] | None = None,
    splits: Sequence[str] | None = None,
) -> Path:
    """`splits` restricts the eval to some of `EVAL_SPLITS` (a slow model on a busy CPU)."""
    cfg = cfg or load_train_config(model_dir)
    ds, _ = prepare(cfg)
    unknown = set(splits or ()) - set(EVAL_SPLITS)
    if unknown:
        raise ValueError(f"unknown splits {sorted(unknown)}; known: {EVAL_SPLITS}")
    tests = {k: ds.splits[k] for k in EVAL_SPLITS if k in ds.splits and (not splits or k in splits)}
    names = variants or sorted(
        p.name for p in model_dir.iterdir() if p.is_dir() and (p / "model.json").exists()
    )
    results: dict[str, Any] = {}
    preds_by: dict[str, dict[str, list[Prediction]]] = {}
    models: dict[str, NerIntentModel] = {}
    for name in names:
        model = models[name] = load_variant(model_dir / name)
        preds_by[name], results[name] = {}, {}
        for split, exs in tests.items():
            t0 = time.perf_counter()
            preds = model.predict([e.text for e in exs])
            ms = 1000 * (time.perf_counter() - t0) / max(len(exs), 1)
            preds_by[name][split] = preds
            results[name][split] = {**score_split(exs, preds), "batch_ms_per_question": ms}
    serving = (
        json.loads((model_dir / "serving.json").read_text())
        if (model_dir / "serving.json").exists()
        else {}
    )
    report: dict[str, Any] = {
        "task": "ner_intent",
        "git_sha": git_sha(),
        "created_at": time.time(),
        "protocol": (
            "test_templates: whole paraphrase families held out of training; dev_templates: "
            "other held-out families, the only unseen-phrasing split used for model choices; "
            "test_places_*: seen templates with place names from the graph-only / unseen pools; "
            "dev_places: seen templates with the names-dev part of the graph pool, which the "
            "crf_neg_* variants never train on (the other augmented variants do)"
        ),
        "config": json.loads((model_dir / "train_config.json").read_text())["config"]
        if (model_dir / "train_config.json").exists()
        else None,
        "serving": serving,
        "split_sizes": {k: len(v) for k, v in ds.splits.items()},
        "template_families": {
            "train": len({t.rsplit("/", 1)[0] for t in ds.seen_templates}),
            "dev_templates": len({t.rsplit("/", 1)[0] for t in ds.dev_templates}),
            "test_templates": len({t.rsplit("/", 1)[0] for t in ds.held_templates}),
        },
        "table": {
            name: {
                split: {
                    "precision": r["entity"]["precision"],
                    "recall": r["entity"]["recall"],
                    "f1": r["entity"]["f1"],
                    "intent_accuracy": r["intent_accuracy"],
                }
                for split, r in by_split.items()
            }
            for name, by_split in results.items()
        },
        "variants": results,
    }
    needed = {"test_templates", "test_places_graph", "test_places_unseen"}
    if "crf_base" in results and needed <= tests.keys():
        report["augmentation"] = augmentation_report(results)
    if {"crf_base", "crf_aug"} <= results.keys() and {
        "dev_templates",
        "dev_places",
    } <= tests.keys():
        # A choice needs two candidates; a final test run lists only the chosen one.
        candidates = [n for n in results if n.startswith("crf_neg_")]
        if len(candidates) > 1:
            report["selection"] = select_variant(results, candidates)
    for pair in (("bilstm_aug_cont", "bilstm_aug_ext"), ("e5_cont", "e5_ext")):
        if set(pair) <= models.keys():
            report[f"tokenizer_extension_{pair[0].split('_')[0]}"] = tokenizer_report(
                models[pair[0]], models[pair[1]], tests, preds_by[pair[0]], preds_by[pair[1]]
            )
    if "e5_aug" in models:
        report["tokenizer_e5"] = e5_unk_report(models["e5_aug"], tests, domain_words(ds))
    report["tokenizer_seed_words"] = seed_words_report(models)
    run_dir.mkdir(parents=True, exist_ok=True)
    out = run_dir / f"ner-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    _plot_table(results, out.with_name(out.stem + "-table.png"))
    served = serving.get("path")
    if served in results and {"dev_templates", "test_templates"} & tests.keys():
        _plot_confusion(results[served], served, out.with_name(out.stem + "-intent.png"))
    return out


def _plot_table(results: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    variants = list(results)
    splits = list(next(iter(results.values())))
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.8))
    width = 0.8 / max(len(variants), 1)
    for k, metric in enumerate(("entity micro F1", "intent accuracy")):
        ax = axes[k]
        for i, v in enumerate(variants):
            vals = [
                results[v][s]["entity"]["f1"] if k == 0 else results[v][s]["intent_accuracy"]
                for s in splits
            ]
            ax.bar([j + i * width for j in range(len(splits))], vals, width, label=v)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(splits))])
        ax.set_xticklabels(splits, rotation=20, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(metric)
        ax.grid(axis="y", alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _plot_confusion(by_split: dict[str, Any], name: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    splits = [s for s in ("dev_templates", "test_templates") if s in by_split]
    fig, axes = plt.subplots(1, len(splits), figsize=(7 * len(splits), 6))
    short = [i.replace("recommend_", "rec_") for i in INTENTS]
    for ax, split in zip(np.atleast_1d(axes), splits, strict=True):
        m = np.array(by_split[split]["intent_confusion"]["matrix"], dtype=float)  # [gold pred]
        norm = m / np.maximum(m.sum(1, keepdims=True), 1)
        ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
        for i in range(len(INTENTS)):
            for j in range(len(INTENTS)):
                if m[i, j]:
                    ax.text(
                        j,
                        i,
                        int(m[i, j]),
                        ha="center",
                        va="center",
                        fontsize=7,
                        color="white" if norm[i, j] > 0.5 else "black",
                    )
        ax.set_xticks(range(len(INTENTS)), short, rotation=40, ha="right", fontsize=8)
        ax.set_yticks(range(len(INTENTS)), short, fontsize=8)
        ax.set_xlabel("predicted")
        ax.set_ylabel("gold")
        ax.set_title(f"{name} — {split} (acc {by_split[split]['intent_accuracy']:.3f})")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_intent_ablation(run_dir: Path, cfg: NerTrainConfig | None = None) -> Path:
    """Why intent accuracy drops on unseen phrasing: the same training questions through
    (a) the earlier classifier (char 1-3-grams of the raw question), (b) the delexicalised
    classifier fed with gold entities (its ceiling) and (c) the served CRF's entities, scored
    per split with per-family accuracy. Trains only intent classifiers (seconds)."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from recsys_tools.nlu.features import analyse
    from recsys_tools.nlu.intent import IntentClassifier, IntentConfig

    cfg = cfg or NerTrainConfig()
    ds, _ = prepare(cfg)
    train = ds.splits["train"]
    texts = [e.text for e in train]
    raw_vec = TfidfVectorizer(analyzer="char_wb", ngram_range=(1, 3), sublinear_tf=True)
    raw = LogisticRegression(C=10.0, max_iter=2000).fit(
        raw_vec.fit_transform(texts), [e.intent for e in train]
    )
    delex = IntentClassifier(IntentConfig(c=cfg.crf.intent_c))
    delex.fit(texts, [e.spans for e in train], [e.intent for e in train], analyse(texts))
    out: dict[str, Any] = {"task": "intent_ablation", "git_sha": git_sha(), "splits": {}}
    for split in ("dev_templates", "test_templates", "test_places_unseen"):
        exs = ds.splits[split]
        st = [e.text for e in exs]
        gold = [e.intent for e in exs]
        morphs = analyse(st)
        p_raw = [str(x) for x in raw.predict(raw_vec.transform(st))]
        proba = delex.predict_proba(st, [e.spans for e in exs], morphs)
        p_gold = [delex.classes[i] for i in proba.argmax(1)]
        preds = {"raw_char_ngrams": p_raw, "delex_gold_entities": p_gold}
        out["splits"][split] = {
            name: {
                "accuracy": accuracy(gold, p),
                "per_intent": {
                    k: v.model_dump() for k, v in per_intent_prf(gold, p, INTENTS).items()
                },
            }
            for name, p in preds.items()
        }
    run_dir.mkdir(parents=True, exist_ok=True)
    path = run_dir / f"intent_ablation-{time.strftime('%Y%m%d-%H%M%S')}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False))
    return path
