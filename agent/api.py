"""The HTTP API: a thin FastAPI adapter over `AgentService`, the read-only Cypher path and the
recommender tools.

    POST /v1/chat          question → AgentAnswer (JSON), or SSE: one `stage` event per stage
                           event of the agent, then one `answer` event
    POST /v1/cypher        read-only Cypher → columns / rows / truncated + graph view JSON
    GET  /v1/cypher/view   the same query drawn as a standalone HTML page (SVG)
    GET  /v1/tools         which tools are importable now
    POST /v1/tools/...     recommend_products, viewed_together, extract_entities
    GET  /v1/models, POST /v1/chat/completions
                           the agent as an OpenAI-compatible model (agent.openai_compat)
    GET  /healthz          graph reachable? offline or llm mode?
    GET  /docs, /openapi.json

`create_app()` does no I/O: the service (store connection, embedder, vocabulary) is opened in
the lifespan, or passed in already open (tests, benchmarks). Bearer-token auth guards the
/v1 routes when TRIPGRAPH_API_TOKEN is set. User input never produces a 500: bad bodies are
422, refused or failing Cypher 400, store outages 503 — each a JSON `ErrorBody`.
"""

from __future__ import annotations

import asyncio
import importlib
import json
import logging
import os
import re
import secrets
import time
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, suppress
from functools import lru_cache
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeVar

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, Depends, FastAPI, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, StreamingResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, Field, SecretStr, StringConstraints, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from agent.graph_view import GraphView, graph_from_rows, render_html
from agent.service import AgentAnswer, AgentService, StageEvent
from graph_schema.store import GraphStoreError, ReadOnlyViolation

if TYPE_CHECKING:
    from tripgraph.settings import Settings

log = logging.getLogger("tripgraph.api")

API_VERSION = "1.0.0"


# ----------------------------------------------------------------------------- settings
class ApiSettings(BaseSettings):
    """Settings of the HTTP adapter only (the rest is `tripgraph.settings.Settings`)."""

    model_config = SettingsConfigDict(env_prefix="TRIPGRAPH_API_", env_file=".env", extra="ignore")

    token: SecretStr | None = Field(
        None,
        description="bearer token the /v1 routes require (TRIPGRAPH_API_TOKEN); "
        "unset = no auth (loopback development)",
    )
    cypher_max_rows: int = Field(500, ge=1, description="upper bound of /v1/cypher max_rows")
    cypher_timeout_ms: int = Field(5000, ge=100, description="timeout of /v1/cypher queries")
    agent_threads: int = Field(
        default_factory=lambda: 2 * (os.cpu_count() or 1),
        ge=1,
        description="agent runs at once per worker process (TRIPGRAPH_API_AGENT_THREADS). "
        "The agent is mostly Python (one core per process) with short waits on the graph: "
        "a few threads per core keep the core busy; more only interleave and all get slower",
    )

    @field_validator("token")
    @classmethod
    def _empty_is_unset(cls, v: SecretStr | None) -> SecretStr | None:
        return v if v is not None and v.get_secret_value().strip() else None


@lru_cache
def get_api_settings() -> ApiSettings:
    return ApiSettings()


# ------------------------------------------------------------------------------ schemas
class ErrorBody(BaseModel):
    error: str = Field(description="machine-readable code, e.g. read_only, query_error")
    detail: str = Field(description="what went wrong, for people")


ThreadId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._:-]{1,128}$")]
ParamName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")]
Scalar = str | int | float | bool | None
ParamValue = Scalar | list[Scalar]

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class ChatRequest(BaseModel):
    question: str = Field(
        min_length=1, max_length=2000, examples=["제주 애월에서 부모님 모시고 갈 흑돼지집 추천해줘"]
    )
    thread_id: ThreadId | None = Field(
        None,
        description="conversation id; follow-ups in the same thread refine the last "
        "answer. Omitted: a new thread (its id is in the answer)",
    )
    user_id: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        examples=["U000123"],
        description="who asks: their reviews in the graph shape the picks (taste part); "
        "an unknown id changes nothing",
    )

    @field_validator("question")
    @classmethod
    def _clean_question(cls, v: str) -> str:
        v = _CONTROL.sub(" ", v).strip()
        if not v:
            raise ValueError("question is empty")
        return v


class CypherRequest(BaseModel):
    query: str = Field(
        min_length=1,
        max_length=5000,
        examples=[
            "MATCH (m:Merchant)-[r:LOCATED_IN]->(p:Place {name: '애월읍'}) RETURN m, r, p LIMIT 10"
        ],
    )
    params: dict[ParamName, ParamValue] = Field(default_factory=dict)
    max_rows: int = Field(100, ge=1, le=10_000, description="rows returned at most")


class CypherResponse(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = Field(description="more rows existed than max_rows")
    elapsed_ms: float
    graph: GraphView = Field(description="nodes and relationships found in the rows")


class GraphHealth(BaseModel):
    reachable: bool
    backend: str
    latency_ms: float | None = None
    error: str | None = None


class Health(BaseModel):
    status: Literal["ok", "unavailable"]
    mode: Literal["offline", "llm"] = Field(description="llm when an endpoint is configured")
    graph: GraphHealth
    version: str = API_VERSION


class ToolInfo(BaseModel):
    name: str
    available: bool
    detail: str


class ToolResult(BaseModel):
    tool: str
    result: dict[str, Any] = Field(description="the tool's own typed result, as JSON")


class ProductsRequest(BaseModel):
    user_id: str | None = Field(None, min_length=1, max_length=64, examples=["U000123"])
    history: list[Annotated[str, StringConstraints(min_length=1, max_length=64)]] | None = Field(
        None,
        max_length=200,
        description="product ids viewed, oldest first (instead of the user's stored clicks)",
    )
    k: int = Field(10, ge=1, le=100)


class ViewedTogetherRequest(BaseModel):
    product_id: str = Field(min_length=1, max_length=64, examples=["P00012"])
    k: int = Field(10, ge=1, le=100)


class EntitiesRequest(BaseModel):
    text: str = Field(
        min_length=1, max_length=2000, examples=["제주 애월에서 부모님 모시고 갈 흑돼지집 추천해줘"]
    )


class ApiError(Exception):
    """An error with a status and a code that the handler turns into an `ErrorBody`."""

    def __init__(
        self, status: int, error: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        if status == 503 and headers is None:
            # Every 503 is temporary (starting, a tool or the graph down): clients and proxies
            # retry on Retry-After, as they do for the graph-outage handler's 503.
            headers = {"Retry-After": "5"}
        self.status, self.error, self.detail, self.headers = status, error, detail, headers


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": ErrorBody} for s in statuses}


# ------------------------------------------------------------------------- dependencies
def get_service(request: Request) -> AgentService:
    service = getattr(request.app.state, "service", None)
    if service is None:  # only between start-up failure and shutdown
        raise ApiError(503, "starting", "the agent service is not open yet")
    return service


def get_api_config(request: Request) -> ApiSettings:
    return request.app.state.api_settings


def agent_limiter(request: Request) -> CapacityLimiter:
    """The bound on agent runs at once in this process (made on first use, inside the
    event loop that uses it)."""
    state = request.app.state
    limiter = getattr(state, "agent_limiter", None)
    if limiter is None:
        limiter = state.agent_limiter = CapacityLimiter(state.api_settings.agent_threads)
    return limiter


_bearer = HTTPBearer(auto_error=False, description="TRIPGRAPH_API_TOKEN, when one is set")


def require_token(
    api: Annotated[ApiSettings, Depends(get_api_config)],
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> None:
    if api.token is None:
        return
    given = credentials.credentials if credentials else ""
    if not secrets.compare_digest(given.encode(), api.token.get_secret_value().encode()):
        raise ApiError(
            401,
            "unauthorized",
            "a valid bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )


ServiceDep = Annotated[AgentService, Depends(get_service)]


# -------------------------------------------------------------------------------- tools
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


# ------------------------------------------------------------------------------- routes
def _wants_stream(request: Request, stream: bool | None) -> bool:
    if stream is not None:
        return stream
    return "text/event-stream" in request.headers.get("accept", "")


RouteFn = TypeVar("RouteFn", bound=Callable[..., Any])
_DONE = object()


async def iterate_in_threads[T](
    iterator: Iterator[T], limiter: CapacityLimiter
) -> AsyncIterator[T]:
    """`iterate_in_threadpool` with the agent's limiter: each `next()` runs in a worker
    thread, so a streamed answer counts against the same bound as a plain one."""
    while True:
        item = await anyio.to_thread.run_sync(next, iterator, _DONE, limiter=limiter)
        if item is _DONE:
            return
        yield item  # type: ignore[misc]


def _sse(event: str, data: Any) -> bytes:
    payload = json.dumps(jsonable_encoder(data), ensure_ascii=False)
    return f"event: {event}\ndata: {payload}\n\n".encode()


def _register_routes(app: FastAPI) -> None:
    v1 = APIRouter(prefix="/v1", dependencies=[Depends(require_token)], responses=_errors(401, 503))

    @v1.post(
        "/chat",
        response_model=AgentAnswer,
        summary="Ask the agent",
        responses={
            200: {
                "content": {
                    "text/event-stream": {
                        "description": "`event: stage` (a StageEvent) per stage, then "
                        "`event: answer` (the AgentAnswer); `event: error` (an ErrorBody) "
                        "if it fails"
                    }
                }
            }
        },
        tags=["chat"],
    )
    async def chat(
        body: ChatRequest,
        request: Request,
        service: ServiceDep,
        stream: Annotated[
            bool | None,
            Query(description="stream stage events as SSE (same as Accept: text/event-stream)"),
        ] = None,
    ) -> Any:
        """Answer a question. JSON by default; server-sent events with `?stream=true` or
        `Accept: text/event-stream`."""
        limiter = agent_limiter(request)
        if not _wants_stream(request, stream):
            answer = await anyio.to_thread.run_sync(
                service.ask, body.question, body.thread_id, body.user_id, limiter=limiter
            )
            # Already a validated AgentAnswer: serialise it once, without FastAPI's
            # dump → re-validate → encode round trip through `response_model`.
            return Response(answer.model_dump_json(), media_type="application/json")

        async def events() -> AsyncIterator[bytes]:
            try:
                async for item in iterate_in_threads(
                    service.stream(body.question, body.thread_id, body.user_id), limiter
                ):
                    if isinstance(item, StageEvent):
                        yield _sse("stage", item)
                    else:
                        yield _sse("answer", item)
            except Exception as exc:  # the status line is gone: report in-band
                log.exception("chat stream failed")
                yield _sse("error", ErrorBody(error="agent_error", detail=str(exc)[:500]))

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    def _run_cypher(service: AgentService, api: ApiSettings, req: CypherRequest) -> CypherResponse:
        max_rows = min(req.max_rows, api.cypher_max_rows)
        try:
            result = service.deps.store.read(
                req.query, req.params, max_rows=max_rows, timeout_ms=api.cypher_timeout_ms
            )
        except ReadOnlyViolation as exc:
            raise ApiError(
                400, "read_only", f"only read-only queries are allowed; nothing was changed ({exc})"
            ) from exc
        except GraphStoreError as exc:
            if not service_store_alive(service):
                raise
            raise ApiError(400, "query_error", f"the query failed: {exc}") from exc
        rows = jsonable_encoder(result.rows)
        return CypherResponse(
            columns=result.columns,
            rows=rows,
            truncated=result.truncated,
            elapsed_ms=round(result.elapsed_ms, 2),
            graph=graph_from_rows(rows),
        )

    @v1.post(
        "/cypher",
        response_model=CypherResponse,
        responses=_errors(400),
        summary="Run a read-only Cypher query",
        tags=["graph"],
    )
    def cypher(
        body: CypherRequest,
        service: ServiceDep,
        api: Annotated[ApiSettings, Depends(get_api_config)],
    ) -> CypherResponse:
        """Read-only exploration: writes are refused with 400 before anything runs (and the
        engine runs the query read-only as a second guard); syntax errors are 400 too."""
        return _run_cypher(service, api, body)

    # Errors stay JSON like everywhere else; only the 200 is an HTML page.
    @v1.get(
        "/cypher/view",
        response_model=None,
        summary="Draw a read-only query's nodes and relationships",
        tags=["graph"],
        responses={
            200: {
                "description": "a self-contained HTML page with an SVG",
                "content": {"text/html": {"schema": {"type": "string"}}},
            },
            **_errors(400),
        },
    )
    def cypher_view(
        service: ServiceDep,
        api: Annotated[ApiSettings, Depends(get_api_config)],
        query: Annotated[str, Query(min_length=1, max_length=5000)],
        max_rows: Annotated[int, Query(ge=1, le=10_000)] = 100,
    ) -> HTMLResponse:
        res = _run_cypher(service, api, CypherRequest(query=query, max_rows=max_rows))
        return HTMLResponse(render_html(res.graph, query=query))

    @v1.get(
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
        return v1.post(
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

    @app.get(
        "/healthz",
        response_model=Health,
        responses={503: {"model": Health}},
        tags=["health"],
        summary="Graph reachable? offline or llm mode?",
    )
    def healthz(service: ServiceDep) -> Any:
        health = check_health(service)
        if health.status != "ok":
            return JSONResponse(health.model_dump(), status_code=503)
        return health

    app.include_router(v1)
    # Imported here: agent.openai_compat builds on this module's dependencies.
    from agent.openai_compat import openai_router

    app.include_router(openai_router())


def warm_up(service: AgentService) -> None:
    """Warm a service up unless `AgentService.open` already did (see `AgentService.warm_up`)."""
    if service.warm_up_report is None:
        service.warm_up()


def service_store_alive(service: AgentService) -> bool:
    return check_health(service).graph.reachable


def check_health(service: AgentService) -> Health:
    store = service.deps.store
    backend = str(store.dialect.name)
    mode: Literal["offline", "llm"] = "llm" if service.deps.llm is not None else "offline"
    started = time.perf_counter()
    try:
        store.read("RETURN 1 AS ok", timeout_ms=2000)
    except Exception as exc:  # any failure means "not reachable"; the reason is reported
        return Health(
            status="unavailable",
            mode=mode,
            graph=GraphHealth(reachable=False, backend=backend, error=str(exc)[:300]),
        )
    ms = round((time.perf_counter() - started) * 1000, 2)
    return Health(
        status="ok", mode=mode, graph=GraphHealth(reachable=True, backend=backend, latency_ms=ms)
    )


# ------------------------------------------------------------------------ error handling
def outage_types() -> tuple[type[Exception], ...]:
    """Exceptions that mean the graph (or its driver) is down, not that the input is bad."""
    types: list[type[Exception]] = [GraphStoreError, ConnectionError, TimeoutError]
    for module, name in (
        ("redis.exceptions", "RedisError"),
        ("neo4j.exceptions", "Neo4jError"),
        ("neo4j.exceptions", "DriverError"),
    ):
        with suppress(ImportError, AttributeError):
            types.append(getattr(importlib.import_module(module), name))
    return tuple(types)


def _install_error_handlers(app: FastAPI) -> None:
    async def api_error(_: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, ApiError)
        return JSONResponse(
            ErrorBody(error=exc.error, detail=exc.detail).model_dump(),
            status_code=exc.status,
            headers=exc.headers,
        )

    async def outage(request: Request, exc: Exception) -> JSONResponse:
        log.error("graph unavailable during %s %s: %r", request.method, request.url.path, exc)
        return JSONResponse(
            ErrorBody(
                error="graph_unavailable",
                detail=f"the graph store is unavailable; try again ({type(exc).__name__})",
            ).model_dump(),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    async def bug(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error in %s %s", request.method, request.url.path, exc_info=exc)
        return JSONResponse(
            ErrorBody(
                error="internal_error", detail="unexpected server error (logged)"
            ).model_dump(),
            status_code=500,
        )

    app.add_exception_handler(ApiError, api_error)
    for exc_type in outage_types():
        app.add_exception_handler(exc_type, outage)
    app.add_exception_handler(Exception, bug)


# ---------------------------------------------------------------------------- factory
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
    _install_error_handlers(app)
    _register_routes(app)
    return app
