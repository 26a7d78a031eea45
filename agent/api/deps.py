"""FastAPI dependencies shared by the routers: the open service, the API settings, the
bearer-token guard and the bound on agent runs at once."""

from __future__ import annotations

import logging
import secrets
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from agent.api.schemas import ApiError, ApiSettings
from agent.service import AgentService

log = logging.getLogger("tripgraph.api")


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
