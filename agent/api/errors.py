"""Error handling: `ApiError` → its status, a graph outage → 503 with Retry-After, anything
else → a logged 500 (never for user input: bad bodies are 422 before a handler runs)."""

from __future__ import annotations

import importlib
import logging
from contextlib import suppress

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from agent.api.schemas import ApiError, ErrorBody
from graph_schema.store import GraphStoreError

log = logging.getLogger("tripgraph.api")


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


def install_error_handlers(app: FastAPI) -> None:
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
