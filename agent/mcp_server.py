"""The agent's tools as an MCP server (`tripgraph mcp`), for MCP-speaking assistants and IDEs.

Tools, each with a typed input schema (and a typed result where the tool has one):

    recommend_places       a question through the whole agent → AgentAnswer (picks, evidence)
    cypher_read            read-only Cypher, behind the same two gates as /v1/cypher: the
                           static check (graph_schema.readonly) and the engine's read-only mode
    graph_schema           labels, relationships and properties (the Text2Cypher schema)
    recommend_products     personalised travel products (recsys_tools.tools)
    viewed_together        products viewed together with one (recsys_tools.tools)
    extract_entities       NER + intent of a text (recsys_tools.nlu)
    map_places             place names → the external place database (agent.tools)
    itinerary_to_package   an itinerary (places per day) → matching packages

The tools call what the HTTP API calls: `AgentService` (one per server, opened on the first
call that needs the graph, so that `initialize` and `tools/list` answer at once), its store,
the recommender functions and `AgentTools`. A failure is a tool error (`isError`) that says
why — a refused write, an unknown id, a model not trained yet with the command that trains
it — never a crashed server.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Awaitable, Callable
from io import TextIOWrapper
from typing import TYPE_CHECKING, Annotated, Any, Literal

import anyio
import anyio.to_thread
from mcp.server.fastmcp import FastMCP
from mcp.server.fastmcp.exceptions import ToolError
from pydantic import BaseModel, Field

from agent.api import ChatRequest, ParamName, ParamValue, ThreadId
from agent.service import AgentAnswer, AgentService
from graph_schema.store import GraphStoreError, ReadOnlyViolation
from recsys_tools.itinerary import ItineraryDay, ItineraryMatchResult
from recsys_tools.nlu.service import EntityExtractor, ExtractionResult
from recsys_tools.tools import (
    ModelNotAvailable,
    RecommendationResult,
    RecsysToolbox,
    ViewedTogetherResult,
)

if TYPE_CHECKING:
    from agent.tools import AgentTools
    from tripgraph.settings import Settings

Transport = Literal["stdio", "streamable-http"]

INSTRUCTIONS = (
    "tripgraph: a graph-centric travel and dining recommendation agent over a knowledge graph "
    "of Jeju merchants, reviews, places, users and travel products. Ask `recommend_places` "
    "Korean questions such as '제주 애월에서 부모님 모시고 갈 흑돼지집 추천해줘'; explore the "
    "graph with `graph_schema` and read-only `cypher_read`."
)


class CypherResult(BaseModel):
    columns: list[str]
    rows: list[dict[str, Any]]
    truncated: bool = Field(description="more rows existed than max_rows")
    elapsed_ms: float


class PlaceMapping(BaseModel):
    query: str = Field(description="the name asked about")
    mapped: dict[str, Any] | None = Field(
        description="the external place it is the same as (id, name, score), or null"
    )
    source: str | None = Field(description="graph SAME_AS, or the offline pipeline stages")
    detail: dict[str, Any] = Field(
        default_factory=dict, description="graph node, internal record, candidates, verdict"
    )


class ServiceHandle:
    """The server's one `AgentService`, opened on first use (from the thread that needs it)
    and closed by `close()`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._service: AgentService | None = None
        self._toolbox: RecsysToolbox | None = None
        self._lock = threading.Lock()

    def service(self) -> AgentService:
        with self._lock:
            if self._service is None:
                # No warm-up question: it would only delay this first call further.
                self._service = AgentService.open(self.settings, warm_up=False)
            return self._service

    def tools(self) -> AgentTools:
        return self.service().deps.tools

    def toolbox(self) -> RecsysToolbox:
        """The recommenders, from this server's settings (no graph needed to open them)."""
        with self._lock:
            if self._toolbox is None:
                self._toolbox = RecsysToolbox(
                    model_dir=self.settings.model_dir, mlflow_dir=self.settings.run_dir / "mlflow"
                )
            return self._toolbox

    def extractor(self) -> EntityExtractor:
        from recsys_tools.nlu.service import get_extractor

        return get_extractor(self.settings.model_dir / "ner")

    def close(self) -> None:
        with self._lock:
            if self._service is not None:
                self._service.close()
                self._service = None


def _tool_call[T](fn: Callable[[], T]) -> Awaitable[T]:
    """Run a blocking tool body in a worker thread (the event loop keeps serving pings and
    cancellations) and turn the project's exceptions into tool errors that say why."""

    def guarded() -> T:
        try:
            return fn()
        except ToolError:
            raise
        except ReadOnlyViolation as exc:
            raise ToolError(
                f"refused: only read-only queries are allowed; nothing was changed ({exc})"
            ) from exc
        except GraphStoreError as exc:
            raise ToolError(f"the query failed: {exc}") from exc
        except ModelNotAvailable as exc:
            raise ToolError(f"not available yet: {exc}") from exc
        except KeyError as exc:
            raise ToolError(f"unknown id: {exc}") from exc
        except (FileNotFoundError, RuntimeError) as exc:  # a model not trained / not loadable
            raise ToolError(f"cannot run now: {exc}") from exc
        except ValueError as exc:
            raise ToolError(str(exc)) from exc

    return anyio.to_thread.run_sync(guarded)


Text = Annotated[str, Field(min_length=1, max_length=2000)]
Id = Annotated[str, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._:-]+$")]
K = Annotated[int, Field(ge=1, le=100, description="how many results")]


def build_server(handle: ServiceHandle, *, host: str = "127.0.0.1", port: int = 8765) -> FastMCP:
    """The MCP server over `handle` (nothing is opened here). `host`/`port` are used by the
    streamable HTTP transport only."""
    mcp = FastMCP("tripgraph", instructions=INSTRUCTIONS, host=host, port=port)

    @mcp.tool()
    async def recommend_places(
        question: Annotated[
            str, Field(min_length=1, max_length=2000, description="a Korean question")
        ],
        thread_id: Annotated[
            ThreadId | None,
            Field(description="conversation id: follow-ups in a thread refine its last answer"),
        ] = None,
    ) -> AgentAnswer:
        """Ask the tripgraph agent: three places with reasons and the reviews behind them
        (also products, itineraries, place mapping and graph questions, routed by intent)."""
        # The API's rules for a question (a ValidationError is a tool error).
        return await _tool_call(
            lambda: handle.service().ask(ChatRequest(question=question).question, thread_id)
        )

    @mcp.tool()
    async def cypher_read(
        query: Annotated[str, Field(min_length=1, max_length=5000)],
        params: Annotated[
            dict[ParamName, ParamValue] | None, Field(description="query parameters ($name)")
        ] = None,
        max_rows: Annotated[int, Field(ge=1, le=500)] = 50,
    ) -> CypherResult:
        """Run one read-only Cypher query on the graph. Writes are refused before anything
        runs (and the engine runs the query read-only as a second guard)."""

        def run() -> CypherResult:
            r = handle.service().deps.store.read(query, params or {}, max_rows=max_rows)
            return CypherResult(
                columns=r.columns,
                rows=r.rows,
                truncated=r.truncated,
                elapsed_ms=round(r.elapsed_ms, 2),
            )

        return await _tool_call(run)

    @mcp.tool()
    async def graph_schema() -> str:
        """The graph's node labels, relationship types and properties, with notes on what
        the values look like (what to write Cypher against)."""
        from graph_schema.model import schema_text

        return schema_text()

    @mcp.tool()
    async def recommend_products(
        user_id: Annotated[Id | None, Field(description="a user id, e.g. U000123")] = None,
        history: Annotated[
            list[Id] | None,
            Field(max_length=200, description="product ids viewed, oldest first"),
        ] = None,
        k: K = 10,
    ) -> RecommendationResult:
        """Personalised travel products from a user's click sequence (Meta-BERT4Rec), or
        from `history`; unknown users get popular products with cold_start=true."""
        return await _tool_call(
            lambda: handle.toolbox().recommend_products(user_id=user_id, history=history, k=k)
        )

    @mcp.tool()
    async def viewed_together(
        product_id: Annotated[Id, Field(description="a product id, e.g. P00012")], k: K = 10
    ) -> ViewedTogetherResult:
        """Products most often viewed together with one (Meta-Prod2Vec neighbours)."""
        return await _tool_call(lambda: handle.toolbox().viewed_together(product_id, k=k))

    @mcp.tool()
    async def extract_entities(text: Text) -> ExtractionResult:
        """Intent and named entities (region, POI, category, menu, party, …) of a text."""
        return await _tool_call(lambda: handle.extractor().extract(text))

    @mcp.tool()
    async def map_places(
        names: Annotated[
            list[Annotated[str, Field(min_length=1, max_length=200)]],
            Field(min_length=1, max_length=5, description="place names, Korean or English"),
        ],
    ) -> list[PlaceMapping]:
        """Map place names to the external (map app) place database: the SAME_AS edge the
        mapping pipeline stored, else its offline stages run for the name now."""

        def run() -> list[PlaceMapping]:
            out = []
            for item in handle.tools().map_places(names):
                rest = {k: v for k, v in item.items() if k not in ("query", "mapped", "source")}
                out.append(
                    PlaceMapping(
                        query=item["query"],
                        mapped=item["mapped"],
                        source=item["source"],
                        detail=rest,
                    )
                )
            return out

        return await _tool_call(run)

    @mcp.tool()
    async def itinerary_to_package(
        days: Annotated[
            list[ItineraryDay], Field(min_length=1, max_length=14, description="places per day")
        ],
        k: Annotated[int, Field(ge=1, le=20)] = 5,
    ) -> ItineraryMatchResult:
        """Travel packages whose visits match an itinerary (places by name or id, per day),
        best match rate first."""
        from recsys_tools.itinerary import match_itinerary

        return await _tool_call(lambda: match_itinerary(handle.service().deps.store, days, k=k))

    return mcp


async def _serve_stdio(mcp: FastMCP) -> None:
    """stdio with the protocol on a private copy of fd 1: everything else that writes to
    stdout — a library's print, the embedded graph's server process, which inherits fd 1 —
    goes to stderr instead of corrupting the JSON-RPC stream."""
    from mcp.server.stdio import stdio_server

    protocol = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=0)
    sys.stdout.flush()
    os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
    out = anyio.wrap_file(TextIOWrapper(protocol, encoding="utf-8", write_through=True))
    async with stdio_server(stdout=out) as (read, write):
        server = mcp._mcp_server  # FastMCP's own stdio runner, with our stdout
        await server.run(read, write, server.create_initialization_options())


def _bearer_guard(app: Any, token: str) -> Any:
    """An ASGI wrapper that answers 401 to HTTP requests without `Authorization: Bearer
    <token>` (the API's TRIPGRAPH_API_TOKEN)."""
    import secrets

    from starlette.responses import JSONResponse

    expected = f"Bearer {token}".encode()

    async def guarded(scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            given = dict(scope.get("headers") or []).get(b"authorization", b"")
            if not secrets.compare_digest(given, expected):
                response = JSONResponse(
                    {"error": "unauthorized", "detail": "a valid bearer token is required"},
                    status_code=401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
                await response(scope, receive, send)
                return
        await app(scope, receive, send)

    return guarded


def serve(settings: Settings, transport: Transport, host: str, port: int) -> None:
    """Run the server until the client hangs up (stdio) or the process is stopped (HTTP)."""
    handle = ServiceHandle(settings)
    mcp = build_server(handle, host=host, port=port)
    try:
        if transport == "stdio":
            anyio.run(_serve_stdio, mcp)
        else:
            import uvicorn

            from agent.api import get_api_settings

            app: Any = mcp.streamable_http_app()
            token = get_api_settings().token
            if token is not None:
                app = _bearer_guard(app, token.get_secret_value())
            uvicorn.run(app, host=host, port=port, log_level="warning")
    finally:
        handle.close()
