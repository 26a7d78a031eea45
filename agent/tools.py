"""Adapters to the recommender tools of `recsys_tools`, looked up when a question needs them.

The tools are built elsewhere and land over time; until a module exists the router answers
"not available yet" with the reason, never with made-up output.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field
from typing import Any


@dataclass
class ToolOutcome:
    available: bool
    feature: str
    items: list[dict[str, Any]] = field(default_factory=list)
    detail: str = ""


FEATURES = {
    "recommend_products": "개인화 여행 상품 추천",
    "viewed_together": "함께 본 상품",
    "itinerary": "일정 → 패키지 매칭",
    "place_mapping": "장소 DB 매핑",
}


def _import(module: str) -> Any | None:
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def _as_dicts(result: Any) -> list[dict[str, Any]]:
    items = getattr(result, "items", result)
    out = []
    for item in list(items or []):
        if hasattr(item, "model_dump"):
            out.append(item.model_dump())
        elif hasattr(item, "__dataclass_fields__"):
            from dataclasses import asdict

            out.append(asdict(item))
        elif isinstance(item, dict):
            out.append(item)
        else:
            out.append({"value": item})
    return out


def run_tool(intent: str, slots: Any, question: str) -> ToolOutcome:
    feature = FEATURES[intent]
    if intent in ("recommend_products", "viewed_together"):
        mod = _import("recsys_tools.tools")
        if mod is None:
            return ToolOutcome(False, feature, detail="recsys_tools.tools is not installed yet")
        if intent == "recommend_products":
            fn = getattr(mod, "recommend_products", None)
            if fn is None:
                return ToolOutcome(False, feature, detail="recommend_products is not defined yet")
            if not slots.user_id:
                return ToolOutcome(True, feature, detail="사용자 ID(예: U000123)를 알려주세요")
            try:
                return ToolOutcome(True, feature, _as_dicts(fn(user_id=slots.user_id, k=10)))
            except (FileNotFoundError, RuntimeError, KeyError, ValueError) as exc:
                return ToolOutcome(False, feature, detail=f"the tool failed: {exc}")
        fn = getattr(mod, "viewed_together", None)
        if fn is None:
            return ToolOutcome(False, feature, detail="viewed_together is not defined yet")
        if not slots.product_id:
            return ToolOutcome(True, feature, detail="상품 ID(예: P00012)를 알려주세요")
        try:
            return ToolOutcome(True, feature, _as_dicts(fn(product_id=slots.product_id, k=10)))
        except (FileNotFoundError, RuntimeError, KeyError, ValueError) as exc:
            return ToolOutcome(False, feature, detail=f"the tool failed: {exc}")
    module = "recsys_tools.itinerary" if intent == "itinerary" else "recsys_tools.mapping"
    if _import(module) is None:
        return ToolOutcome(False, feature, detail=f"{module} is not available yet")
    # The module exists but its contract is not settled yet: say so rather than guess a call.
    return ToolOutcome(False, feature, detail=f"{module} exists but is not wired to the agent yet")
