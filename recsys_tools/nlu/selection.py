"""Which NER variant may be served, decided on the report's figures: the augmentation
report (place precision on unseen names before/after augmentation against the serving rule)
and the dev-only choice among the negative-example grid (`select_variant`). Test figures
are only reported by these rules, never used to choose."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

# The "+0.10", the rule that serves an augmented CRF and the margin it allows.
AUGMENTATION_DEFINITION = (
    "delta = place-entity (COUNTRY/CITY/REGION/POI) micro precision on test_places_unseen of "
    "the variant minus that of crf_base (no augmentation); target >= +0.10. A variant is "
    "servable when delta >= 0.10, its test_templates entity F1 >= crf_aug's - 0.01 and its "
    "dev_templates entity F1 >= crf_aug's - 0.01."
)
TARGET_DELTA = 0.10
F1_MARGIN = 0.01


def _entity_f1(results: dict[str, dict[str, Any]], name: str, split: str) -> float:
    return float(results[name][split]["entity"]["f1"])


def _place_precision(results: dict[str, dict[str, Any]], name: str, split: str) -> float:
    return float(results[name][split]["place_entity"]["precision"])


def select_variant(
    results: dict[str, dict[str, Any]],
    candidates: Sequence[str],
    reference: str = "crf_aug",
    baseline: str = "crf_base",
) -> dict[str, Any]:
    """Choose among `candidates` on the dev splits only: among those whose dev_templates
    entity F1 is within `F1_MARGIN` of `reference` (the served CRF), the one with the highest
    place precision on dev_places (names none of them trained on). When none keeps the
    templates F1, the one that keeps the most of it (the best trade-off, flagged)."""
    ref_f1 = _entity_f1(results, reference, "dev_templates")
    base_p = _place_precision(results, baseline, "dev_places")
    rows = {
        n: {
            "dev_templates_f1": _entity_f1(results, n, "dev_templates"),
            "dev_f1": _entity_f1(results, n, "dev"),
            "dev_places_place_precision": _place_precision(results, n, "dev_places"),
            "dev_places_place_f1": float(results[n]["dev_places"]["place_entity"]["f1"]),
            "dev_places_delta_vs_base": _place_precision(results, n, "dev_places") - base_p,
        }
        for n in candidates
    }
    keep = [n for n in candidates if rows[n]["dev_templates_f1"] >= ref_f1 - F1_MARGIN]
    if keep:
        chosen = max(keep, key=lambda n: rows[n]["dev_places_place_precision"])
    else:
        chosen = max(candidates, key=lambda n: rows[n]["dev_templates_f1"])
    return {
        "rule": (
            f"max dev_places place precision among candidates with dev_templates entity F1 >= "
            f"{reference}'s - {F1_MARGIN}; if none, max dev_templates F1"
        ),
        "reference_dev_templates_f1": ref_f1,
        "baseline_dev_places_place_precision": base_p,
        "candidates": rows,
        "chosen": chosen,
        "chosen_keeps_templates_f1": bool(keep),
    }


def augmentation_report(results: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """Place-entity P/R/F1 on the place-name splits, crf_base (no augmentation) against each
    augmented CRF, the held-out-template entity F1 each one keeps, and the serving rule."""
    out: dict[str, Any] = {"definition": AUGMENTATION_DEFINITION}
    for name in results:
        if not name.startswith("crf_") or name == "crf_base":
            continue
        row: dict[str, Any] = {
            "test_templates_entity_f1": results[name]["test_templates"]["entity"]["f1"],
            "test_templates_entity_f1_before": results["crf_base"]["test_templates"]["entity"][
                "f1"
            ],
        }
        for split in ("test_places_graph", "test_places_unseen"):
            b, a = results["crf_base"][split], results[name][split]
            row[split] = {
                **{
                    f"place_{m}_{when}": r["place_entity"][m]
                    for m in ("precision", "recall", "f1")
                    for when, r in (("before", b), ("after", a))
                },
                "place_span_precision_before": b["place_span"]["precision"],
                "place_span_precision_after": a["place_span"]["precision"],
                # kept for readers of earlier reports
                "place_precision_before": b["place_entity"]["precision"],
                "place_precision_after": a["place_entity"]["precision"],
                "delta": a["place_entity"]["precision"] - b["place_entity"]["precision"],
            }
        if "crf_aug" in results:
            keeps_test = (
                _entity_f1(results, name, "test_templates")
                >= _entity_f1(results, "crf_aug", "test_templates") - F1_MARGIN
            )
            keeps_dev = (
                "dev_templates" not in results[name]
                or _entity_f1(results, name, "dev_templates")
                >= _entity_f1(results, "crf_aug", "dev_templates") - F1_MARGIN
            )
            row["servable"] = bool(
                row["test_places_unseen"]["delta"] >= TARGET_DELTA and keeps_test and keeps_dev
            )
        out[name] = row
    return out
