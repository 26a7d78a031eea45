"""NER + intent evaluation: every trained variant on every split → JSON + PNG under runs/ner/.

Figures: micro entity P/R/F1 and intent accuracy per split; place-entity precision on unseen
place names before/after augmentation (crf_base → crf_aug); the tokenizer extension's UNK
rate and sentence accuracy on the questions it affects (bilstm_aug_cont → bilstm_aug_ext).
"""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from recsys_tools.nlu.base import NerIntentModel, Prediction
from recsys_tools.nlu.data import Example
from recsys_tools.nlu.labels import ENTITY_LABELS, PLACE_LABELS
from recsys_tools.nlu.metrics import accuracy, entity_prf, per_label_prf
from recsys_tools.nlu.train import NerTrainConfig, prepare


def git_sha() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def load_variant(directory: Path) -> NerIntentModel:
    if (directory / "crf.pkl").exists():
        from recsys_tools.nlu.crf import CrfModel

        return CrfModel.load(directory)
    from recsys_tools.nlu.neural import BiLstmModel

    return BiLstmModel.load(directory)


def score_split(examples: Sequence[Example], preds: Sequence[Prediction]) -> dict[str, Any]:
    gold = [e.spans for e in examples]
    pred = [p.spans for p in preds]
    exact = sum(
        {(s.start, s.end, s.label) for s in g} == {(s.start, s.end, s.label) for s in p}
        for g, p in zip(gold, pred, strict=True)
    ) / max(len(gold), 1)
    return {
        "n": len(examples),
        "entity": entity_prf(gold, pred).model_dump(),
        "place_entity": entity_prf(gold, pred, set(PLACE_LABELS)).model_dump(),
        "intent_accuracy": accuracy([e.intent for e in examples], [p.intent for p in preds]),
        "sentence_exact_match": exact,
        "per_label_f1": {k: v.f1 for k, v in per_label_prf(gold, pred, ENTITY_LABELS).items()},
    }


def run_ner_eval(model_dir: Path, run_dir: Path, cfg: NerTrainConfig | None = None) -> Path:
    cfg_path = model_dir / "train_config.json"
    if cfg is None:
        if not cfg_path.exists():
            raise FileNotFoundError(
                f"no trained NER models under {model_dir}; run `tripgraph train ner` first"
            )
        raw = json.loads(cfg_path.read_text())["config"]
        from recsys_tools.nlu.crf import CrfConfig
        from recsys_tools.nlu.neural import BiLstmConfig

        raw["crf"], raw["bilstm"] = CrfConfig(**raw["crf"]), BiLstmConfig(**raw["bilstm"])
        cfg = NerTrainConfig(**raw)
    ds, _ = prepare(cfg)
    tests = {k: v for k, v in ds.splits.items() if k != "train"}
    results: dict[str, Any] = {}
    preds_by: dict[str, dict[str, list[Prediction]]] = {}
    for variant_dir in sorted(p for p in model_dir.iterdir() if p.is_dir()):
        model = load_variant(variant_dir)
        preds_by[variant_dir.name] = {}
        results[variant_dir.name] = {}
        for split, exs in tests.items():
            t0 = time.perf_counter()
            preds = model.predict([e.text for e in exs])
            ms = 1000 * (time.perf_counter() - t0) / max(len(exs), 1)
            preds_by[variant_dir.name][split] = preds
            results[variant_dir.name][split] = {
                **score_split(exs, preds),
                "batch_ms_per_question": ms,
            }
    report: dict[str, Any] = {
        "task": "ner_intent",
        "git_sha": git_sha(),
        "created_at": time.time(),
        "config": json.loads(cfg_path.read_text())["config"] if cfg_path.exists() else None,
        "split_sizes": {k: len(v) for k, v in ds.splits.items()},
        "variants": results,
    }
    if {"crf_base", "crf_aug"} <= results.keys():
        report["augmentation"] = {
            split: {
                "place_precision_before": results["crf_base"][split]["place_entity"]["precision"],
                "place_precision_after": results["crf_aug"][split]["place_entity"]["precision"],
            }
            for split in ("test_places_graph", "test_places_unseen")
        }
        for v in report["augmentation"].values():
            v["delta"] = v["place_precision_after"] - v["place_precision_before"]
    if {"bilstm_aug_cont", "bilstm_aug_ext"} <= results.keys():
        report["tokenizer_extension"] = _tokenizer_report(model_dir, tests, preds_by)
    run_dir.mkdir(parents=True, exist_ok=True)
    out = run_dir / f"ner-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(report, indent=2, ensure_ascii=False))
    _plot(results, out.with_suffix(".png"))
    return out


def _tokenizer_report(
    model_dir: Path,
    tests: dict[str, list[Example]],
    preds_by: dict[str, dict[str, list[Prediction]]],
) -> dict[str, Any]:
    from recsys_tools.nlu.neural import BiLstmModel

    before = BiLstmModel.load(model_dir / "bilstm_aug_cont").vocab
    after = BiLstmModel.load(model_dir / "bilstm_aug_ext").vocab
    assert before is not None and after is not None
    out: dict[str, Any] = {"vocab_before": len(before), "vocab_after": len(after)}
    for split, exs in tests.items():
        texts = [e.text for e in exs]
        affected = [i for i, t in enumerate(texts) if before.has_unk(t)]
        row: dict[str, Any] = {
            "unk_rate_before": before.unk_rate(texts),
            "unk_rate_after": after.unk_rate(texts),
            "affected_questions": len(affected),
        }
        for name, key in (("bilstm_aug_cont", "before"), ("bilstm_aug_ext", "after")):
            sub_ex = [exs[i] for i in affected]
            sub_pr = [preds_by[name][split][i] for i in affected]
            if sub_ex:
                s = score_split(sub_ex, sub_pr)
                row[f"affected_exact_match_{key}"] = s["sentence_exact_match"]
                row[f"affected_entity_f1_{key}"] = s["entity"]["f1"]
        out[split] = row
    return out


def _plot(results: dict[str, dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    variants = list(results)
    splits = list(next(iter(results.values())))
    fig, axes = plt.subplots(1, 2, figsize=(13, 4.5))
    width = 0.8 / max(len(variants), 1)
    for k, metric in enumerate(("entity_f1", "intent_accuracy")):
        ax = axes[k]
        for i, v in enumerate(variants):
            vals = [
                results[v][s]["entity"]["f1"]
                if metric == "entity_f1"
                else results[v][s]["intent_accuracy"]
                for s in splits
            ]
            ax.bar([j + i * width for j in range(len(splits))], vals, width, label=v)
        ax.set_xticks([j + 0.4 - width / 2 for j in range(len(splits))])
        ax.set_xticklabels(splits, rotation=20, fontsize=8)
        ax.set_ylim(0, 1)
        ax.set_title(metric)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
