"""`GET /v1/tools` and `POST /v1/tools/<name>`: the recommender and NER tools, looked up at
request time; `_call_tool` is the one place a tool's exceptions become statuses."""

from __future__ import annotations

import importlib
import logging
from collections.abc import Callable
from typing import Any, TypeVar

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder

from agent.api.schemas import (
    ApiError,
    EntitiesRequest,
    ProductsRequest,
    ToolInfo,
    ToolResult,
    ViewedTogetherRequest,
    _errors,
)

log = logging.getLogger("tripgraph.api")

# name → the modules that may define it; looked up at request time: the tool modules land
# over time and import heavy libraries, so nothing is imported before it is asked for.
TOOLS: dict[str, tuple[str, ...]] = {
    "recommend_products": ("recsys_tools.tools",),
    "viewed_together": ("recsys_tools.tools",),
    "extract_entities": ("recsys_tools.nlu", "recsys_tools.nlu.service"),
}


def find_tool(name: str) -> tuple[Callable[..., Any] | None, str]:
    reasons = []
    for module_name in TOOLS[name]:
        try:
            module = importlib.import_module(module_name)
        except ImportError as exc:
            reasons.append(f"{module_name} is not available yet ({exc})")
            continue
        fn = getattr(module, name, None)
        if callable(fn):
            return fn, f"{module_name}.{name}"
        reasons.append(f"{module_name}.{name} is not defined yet")
    return None, "; ".join(reasons)


def _call_tool(name: str, **kwargs: Any) -> ToolResult:
    fn, detail = find_tool(name)
    if fn is None:
        raise ApiError(501, "not_available", f"{name} is not available yet: {detail}")
    try:
        result = fn(**kwargs)
    except KeyError as exc:
        raise ApiError(404, "not_found", f"unknown id: {exc}") from exc
    except ValueError as exc:
        raise ApiError(400, "bad_request", str(exc)) from exc
    except (FileNotFoundError, RuntimeError) as exc:  # model not trained / not loadable
        raise ApiError(503, "tool_unavailable", f"{name} cannot run now: {exc}") from exc
    data = jsonable_encoder(result)
    return ToolResult(tool=name, result=data if isinstance(data, dict) else {"items": data})


RouteFn = TypeVar("RouteFn", bound=Callable[..., Any])


def router() -> APIRouter:
    """`GET /v1/tools` and `POST /v1/tools/<name>`."""
    router = APIRouter()

    @router.get(
        "/tools",
        response_model=list[ToolInfo],
        summary="Tools and whether they run now",
        tags=["tools"],
    )
    def tools() -> list[ToolInfo]:
        out = []
        for name in TOOLS:
            fn, detail = find_tool(name)
            out.append(ToolInfo(name=name, available=fn is not None, detail=detail))
        return out

    def tool_route(name: str, summary: str) -> Callable[[RouteFn], RouteFn]:
        """`POST /v1/tools/<name>`: every tool endpoint documents the same errors, which
        `_call_tool` produces (the one place a tool's exceptions become statuses)."""
        return router.post(
            f"/tools/{name}",
            response_model=ToolResult,
            responses=_errors(400, 404, 501, 503),
            summary=summary,
            tags=["tools"],
        )

    @tool_route("recommend_products", "Personalised travel products for a user")
    def recommend_products(body: ProductsRequest) -> ToolResult:
        """From the user's stored click sequence, or from `history`; unknown users and empty
        histories get popular products (the result says `cold_start`)."""
        return _call_tool(
            "recommend_products", user_id=body.user_id, history=body.history, k=body.k
        )

    @tool_route("viewed_together", "Products viewed together with a product")
    def viewed_together(body: ViewedTogetherRequest) -> ToolResult:
        return _call_tool("viewed_together", product_id=body.product_id, k=body.k)

    @tool_route("extract_entities", "Named entities (region, category, party, …) in a text")
    def extract_entities(body: EntitiesRequest) -> ToolResult:
        return _call_tool("extract_entities", text=body.text)

    return router
