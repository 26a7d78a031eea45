"""`GET /v1/tools` and `POST /v1/tools/<name>`: the recommender and NER tools of the open
service's parts; `_call_tool` is the one place a tool's exceptions become statuses."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

from fastapi import APIRouter
from fastapi.encoders import jsonable_encoder

from agent.api.deps import ServiceDep
from agent.api.schemas import (
    ApiError,
    EntitiesRequest,
    ProductsRequest,
    ToolInfo,
    ToolResult,
    ViewedTogetherRequest,
    _errors,
)

if TYPE_CHECKING:
    from agent.service import AgentService

log = logging.getLogger("tripgraph.api")

# The tools a service offers: the recommenders of its toolbox and the NER model of its
# understander's directory (`AgentDeps.open` points both at the settings' model directory).
TOOLS: tuple[str, ...] = ("recommend_products", "viewed_together", "extract_entities")


def find_tool(service: AgentService, name: str) -> tuple[Callable[..., Any] | None, str]:
    """The callable behind tool `name` for this service, or None and why not."""
    deps = service.deps
    if name in ("recommend_products", "viewed_together"):
        if deps.toolbox is None:
            return None, "no recommender toolbox is configured for this service"
        return getattr(deps.toolbox, name), f"RecsysToolbox.{name} ({deps.toolbox.model_dir})"
    if name == "extract_entities":
        model_dir = deps.understander.model_dir
        if model_dir is None:
            return None, "no NER model directory is configured for this service"
        from recsys_tools.nlu.service import get_extractor

        return get_extractor(model_dir).extract, f"EntityExtractor ({model_dir})"
    raise KeyError(name)


def _call_tool(service: AgentService, name: str, **kwargs: Any) -> ToolResult:
    fn, detail = find_tool(service, name)
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
    def tools(service: ServiceDep) -> list[ToolInfo]:
        out = []
        for name in TOOLS:
            fn, detail = find_tool(service, name)
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
    def recommend_products(body: ProductsRequest, service: ServiceDep) -> ToolResult:
        """From the user's stored click sequence, or from `history`; unknown users and empty
        histories get popular products (the result says `cold_start`)."""
        return _call_tool(
            service, "recommend_products", user_id=body.user_id, history=body.history, k=body.k
        )

    @tool_route("viewed_together", "Products viewed together with a product")
    def viewed_together(body: ViewedTogetherRequest, service: ServiceDep) -> ToolResult:
        return _call_tool(service, "viewed_together", product_id=body.product_id, k=body.k)

    @tool_route("extract_entities", "Named entities (region, category, party, …) in a text")
    def extract_entities(body: EntitiesRequest, service: ServiceDep) -> ToolResult:
        return _call_tool(service, "extract_entities", text=body.text)

    return router
