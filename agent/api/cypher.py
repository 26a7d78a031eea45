"""`POST /v1/cypher` and `GET /v1/cypher/view`: read-only Cypher (refused writes are 400,
nothing changed), as rows plus a graph view, or drawn as an HTML page."""

from __future__ import annotations

import logging
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse

from agent.api.deps import ServiceDep, get_api_config
from agent.api.health import service_store_alive
from agent.api.schemas import ApiError, ApiSettings, CypherRequest, CypherResponse, _errors
from agent.graph_view import graph_from_rows, render_html
from agent.service import AgentService
from graph_schema.store import GraphStoreError, ReadOnlyViolation

log = logging.getLogger("tripgraph.api")


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


def router() -> APIRouter:
    """`POST /v1/cypher` and `GET /v1/cypher/view`."""
    router = APIRouter()

    @router.post(
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
    @router.get(
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

    return router
