"""The HTTP API: a thin FastAPI adapter over `AgentService`, the read-only Cypher path and the
recommender tools.

    POST /v1/chat          question → AgentAnswer (JSON), or SSE: one `stage` event per stage
                           event of the agent, then one `answer` event
    POST /v1/cypher        read-only Cypher → columns / rows / truncated + graph view JSON
    GET  /v1/cypher/view   the same query drawn as a standalone HTML page (SVG)
    GET  /v1/tools         which tools this service can run now
    POST /v1/tools/...     recommend_products, viewed_together, extract_entities
    GET  /v1/models, POST /v1/chat/completions
                           the agent as an OpenAI-compatible model (agent.openai_compat)
    GET  /healthz          graph reachable? offline or llm mode?
    GET  /docs, /openapi.json

`create_app()` does no I/O: the service (store connection, embedder, vocabulary) is opened in
the lifespan, or passed in already open (tests, benchmarks). Bearer-token auth guards the
/v1 routes when TRIPGRAPH_API_TOKEN is set. User input never produces a 500: bad bodies are
422, refused or failing Cypher 400, store outages 503 — each a JSON `ErrorBody`.

One module per resource, each with its own router, joined by `create_app`: `chat`, `cypher`,
`tools`, `health`; `schemas` (settings, bodies, `ApiError`), `deps` (shared dependencies),
`errors` (exception handlers).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING

from fastapi import APIRouter, Depends, FastAPI

from agent.service import AgentService

if TYPE_CHECKING:
    from tripgraph.settings import Settings

from agent.api import chat, cypher, health, tools
from agent.api.deps import (
    ServiceDep,
    agent_limiter,
    get_api_config,
    get_service,
    iterate_in_threads,
    require_token,
)
from agent.api.errors import install_error_handlers, outage_types
from agent.api.health import check_health, service_store_alive, warm_up
from agent.api.schemas import (
    API_VERSION,
    ApiError,
    ApiSettings,
    ChatRequest,
    CypherRequest,
    CypherResponse,
    ErrorBody,
    ParamName,
    ParamValue,
    ThreadId,
    _errors,
    get_api_settings,
)
from agent.api.tools import TOOLS, find_tool

log = logging.getLogger("tripgraph.api")

__all__ = [
    "API_VERSION",
    "TOOLS",
    "ApiError",
    "ApiSettings",
    "ChatRequest",
    "CypherRequest",
    "CypherResponse",
    "ErrorBody",
    "ParamName",
    "ParamValue",
    "ServiceDep",
    "ThreadId",
    "agent_limiter",
    "check_health",
    "create_app",
    "find_tool",
    "get_api_config",
    "get_api_settings",
    "get_service",
    "iterate_in_threads",
    "outage_types",
    "require_token",
    "service_store_alive",
    "warm_up",
]


def _open_service(settings: Settings) -> AgentService:
    # Several workers may open one embedded graph at once: the store serialises that itself.
    return AgentService.open(settings)


def _close_service(settings: Settings, service: AgentService) -> None:
    service.close()


def create_app(
    settings: Settings | None = None,
    *,
    service: AgentService | None = None,
    api_settings: ApiSettings | None = None,
) -> FastAPI:
    """Build the app. No I/O here: without `service`, the lifespan opens one from
    `settings` (default: `get_settings()`) and closes it on shutdown; a passed-in service
    stays open (its owner closes it)."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        owned = None
        if app.state.service is None:
            from tripgraph.settings import get_settings

            cfg = settings or get_settings()
            started = time.perf_counter()
            owned = await asyncio.to_thread(_open_service, cfg)  # warms up too
            app.state.service = owned
            log.info(
                "agent service open in %.1f s (graph %s, %s mode)",
                time.perf_counter() - started,
                cfg.graph.backend,
                "llm" if cfg.llm.enabled else "offline",
            )
        try:
            yield
        finally:
            if owned is not None:
                app.state.service = None
                # uvicorn turns SIGTERM/SIGINT into this shutdown, in every worker process.
                await asyncio.to_thread(_close_service, cfg, owned)

    app = FastAPI(
        title="tripgraph API",
        version=API_VERSION,
        description="Graph-centric travel and dining recommendation agent: chat with streamed "
        "stages, read-only Cypher exploration with a graph view, recommender "
        "tools. Bearer auth on /v1 when TRIPGRAPH_API_TOKEN is set.",
        lifespan=lifespan,
    )
    app.state.service = service
    app.state.api_settings = api_settings or get_api_settings()
    install_error_handlers(app)
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_token)], responses=_errors(401, 503))
    for resource in (chat, cypher, tools):
        v1.include_router(resource.router())
    app.include_router(v1)
    app.include_router(health.router())
    # Imported here: agent.openai_compat builds on this package's dependencies.
    from agent.openai_compat import openai_router

    app.include_router(openai_router())
    return app
