"""`GET /healthz` and the checks behind it: graph reachable? offline or llm mode?"""

from __future__ import annotations

import logging
import time
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from agent.api.deps import ServiceDep
from agent.api.schemas import GraphHealth, Health
from agent.service import AgentService

log = logging.getLogger("tripgraph.api")


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


def router() -> APIRouter:
    """`GET /healthz` (outside /v1: no token, for probes)."""
    router = APIRouter()

    @router.get(
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

    return router
