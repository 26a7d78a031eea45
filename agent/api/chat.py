"""`POST /v1/chat`: a question → the `AgentAnswer` as JSON, or as server-sent events (one
`stage` event per stage, then `answer`)."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import anyio.to_thread
from fastapi import APIRouter, Query, Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import StreamingResponse

from agent.api.deps import ServiceDep, agent_limiter, iterate_in_threads
from agent.api.schemas import ChatRequest, ErrorBody
from agent.service import AgentAnswer, StageEvent

log = logging.getLogger("tripgraph.api")


def _wants_stream(request: Request, stream: bool | None) -> bool:
    if stream is not None:
        return stream
    return "text/event-stream" in request.headers.get("accept", "")


def _sse(event: str, data: Any) -> bytes:
    payload = json.dumps(jsonable_encoder(data), ensure_ascii=False)
    return f"event: {event}\ndata: {payload}\n\n".encode()


def router() -> APIRouter:
    """`POST /v1/chat`."""
    router = APIRouter()

    @router.post(
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

    return router
