"""The agent as an OpenAI-compatible chat model, for the clients people already run
(the `openai` SDK, Open WebUI, LibreChat):

    GET  /v1/models              one model, `tripgraph`
    POST /v1/chat/completions    `chat.completion`, or with `stream: true` server-sent
                                 `chat.completion.chunk` events ending with `data: [DONE]`

Conversations: OpenAI clients are stateless and send the whole conversation every turn; the
agent keeps per-thread memory (what a follow-up such as "다른 곳도 알려줘" refines). The
transcript so far (user and assistant texts) names its thread: after each answer, the
transcript including that answer is remembered against the thread id, so the next request,
which repeats it and adds one user message, continues the same thread (once: a second request
on the same transcript, e.g. a regenerated answer, does not stack onto it). A transcript this
process has not seen (another worker answered it, the server restarted, the client edited an
earlier message) gets a new thread whose memory is rebuilt by asking its last user messages
again first (at most `REPLAY_TURNS`; the answer says so in `notes`). A client that keeps its
own id can pass `thread_id` in the body instead (`extra_body` in the SDK).

What the agent found is also in the structured field `tripgraph` (the `AgentAnswer` of
`/v1/chat`: picks with their evidence reviews, slots, Cypher, mode); in a stream it rides on
the last chunk, and each agent stage is a chunk with an empty delta and `tripgraph_stage`
(so a client sees progress and proxies see traffic while the agent works; the text itself is
known only at the end and comes in line-sized deltas then). Token counts are not measured:
`usage` is null.

Errors are OpenAI's shape, `{"error": {"message", "type", "param", "code"}}`, with the same
statuses as the rest of the API: bad bodies 422, requests the agent cannot take 400, unknown
model 404, missing token 401, graph outage 503 — never a 500 for user input.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Annotated, Any, Literal

import anyio.to_thread
from anyio import CapacityLimiter
from fastapi import APIRouter, Depends, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    model_serializer,
)

from agent.api import (
    ApiError,
    ChatRequest,
    ThreadId,
    agent_limiter,
    get_service,
    iterate_in_threads,
    outage_types,
    require_token,
)
from agent.service import AgentAnswer, AgentService, StageEvent

log = logging.getLogger("tripgraph.api.openai")

MODEL_ID = "tripgraph"
REPLAY_TURNS = 4  # earlier user messages asked again to rebuild an unknown thread's memory
THREADS_REMEMBERED = 10_000  # transcripts → thread ids kept per process (least recent go)

Role = Literal["system", "developer", "user", "assistant", "tool", "function"]


# ------------------------------------------------------------------------- wire types
MessageText = Annotated[str, StringConstraints(max_length=20_000)]


class TextPart(BaseModel):
    type: Literal["text"]
    text: MessageText


class ChatMessage(BaseModel):
    """One message of `messages`. Only text is read; system, developer and tool messages are
    accepted and ignored (the agent has its own prompts and no client-side tools)."""

    model_config = ConfigDict(extra="allow")

    role: Role
    content: MessageText | Annotated[list[TextPart], Field(max_length=50)] | None = None
    name: str | None = Field(None, max_length=64)

    def text(self) -> str:
        if isinstance(self.content, list):
            return "\n".join(p.text for p in self.content)
        return self.content or ""


class StreamOptions(BaseModel):
    model_config = ConfigDict(extra="allow")

    include_usage: bool = False


class ChatCompletionRequest(BaseModel):
    """OpenAI's request body. Sampling fields (temperature, max_tokens, …) are accepted and
    ignored: the agent's own steps decide the answer."""

    model_config = ConfigDict(extra="allow")

    model: str = Field(max_length=128, examples=[MODEL_ID])
    messages: list[ChatMessage] = Field(min_length=1, max_length=200)
    stream: bool = False
    stream_options: StreamOptions | None = None
    n: int = Field(1, ge=1, le=1, description="only one choice is produced")
    user: str | None = Field(None, max_length=256)
    thread_id: ThreadId | None = Field(
        None, description="tripgraph extension: continue this agent thread (else derived)"
    )


class AssistantMessage(BaseModel):
    role: Literal["assistant"] = "assistant"
    content: str


class Choice(BaseModel):
    index: int = 0
    message: AssistantMessage
    finish_reason: Literal["stop"] = "stop"
    logprobs: None = None


class ChatCompletion(BaseModel):
    id: str
    object: Literal["chat.completion"] = "chat.completion"
    created: int
    model: str
    choices: list[Choice]
    usage: None = Field(None, description="not measured")
    tripgraph: AgentAnswer = Field(description="the structured answer: picks, evidence, …")


class Delta(BaseModel):
    role: Literal["assistant"] | None = None
    content: str | None = None

    @model_serializer
    def _set_fields_only(self) -> dict[str, Any]:
        # OpenAI sends `"delta": {}`, not nulls: some clients concatenate `content` as is.
        return {k: v for k, v in (("role", self.role), ("content", self.content)) if v is not None}


class ChunkChoice(BaseModel):
    index: int = 0
    delta: Delta
    finish_reason: Literal["stop"] | None = None
    logprobs: None = None


class ChatCompletionChunk(BaseModel):
    id: str
    object: Literal["chat.completion.chunk"] = "chat.completion.chunk"
    created: int
    model: str
    choices: list[ChunkChoice]
    tripgraph_stage: StageEvent | None = None
    tripgraph: AgentAnswer | None = None


class ModelCard(BaseModel):
    id: str
    object: Literal["model"] = "model"
    created: int
    owned_by: str = "tripgraph"


class ModelList(BaseModel):
    object: Literal["list"] = "list"
    data: list[ModelCard]


class OpenAIErrorDetail(BaseModel):
    message: str
    type: str = Field(description="invalid_request_error, authentication_error, server_error")
    param: str | None = None
    code: str | None = None


class OpenAIErrorBody(BaseModel):
    error: OpenAIErrorDetail


_ERROR_TYPES = {401: "authentication_error", 429: "rate_limit_error"}


def error_response(
    status: int,
    message: str,
    *,
    code: str | None = None,
    param: str | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    kind = _ERROR_TYPES.get(status, "server_error" if status >= 500 else "invalid_request_error")
    body = OpenAIErrorBody(
        error=OpenAIErrorDetail(message=message, type=kind, param=param, code=code)
    )
    return JSONResponse(body.model_dump(), status_code=status, headers=headers)


# ------------------------------------------------------------------ conversation → thread
Transcript = list[tuple[str, str]]  # (role, text) of the user and assistant messages


def transcript_of(messages: list[ChatMessage]) -> Transcript:
    return [(m.role, m.text().strip()) for m in messages if m.role in ("user", "assistant")]


def transcript_key(transcript: Transcript) -> str:
    return hashlib.sha256(json.dumps(transcript, ensure_ascii=False).encode()).hexdigest()


class ConversationThreads:
    """Transcripts answered in this process → their agent thread ids (bounded, LRU).

    A transcript is continued once: `claim` takes it out. A second request with the same
    transcript — a client regenerating the last answer, or another user whose conversation
    happens to read the same — gets a new thread (rebuilt by replay) instead of stacking its
    turn onto a thread that has moved on."""

    def __init__(self, capacity: int = THREADS_REMEMBERED) -> None:
        self.capacity = capacity
        self._threads: OrderedDict[str, str] = OrderedDict()
        self._lock = threading.Lock()

    def claim(self, transcript: Transcript) -> str | None:
        with self._lock:
            return self._threads.pop(transcript_key(transcript), None)

    def remember(self, transcript: Transcript, thread_id: str) -> None:
        key = transcript_key(transcript)
        with self._lock:
            self._threads[key] = thread_id
            self._threads.move_to_end(key)
            while len(self._threads) > self.capacity:
                self._threads.popitem(last=False)


class Turn(BaseModel):
    """What one request asks of the agent: the question, the thread it belongs to, and the
    earlier user messages to ask first when that thread's memory has to be rebuilt."""

    question: str
    thread_id: str
    replay: list[str] = Field(default_factory=list)
    transcript: list[tuple[str, str]]


def plan_turn(req: ChatCompletionRequest, threads: ConversationThreads) -> Turn:
    """Map the request's messages onto an agent thread (see the module docstring)."""
    transcript = transcript_of(req.messages)
    if not transcript or transcript[-1][0] != "user":
        raise ApiError(400, "last_message_not_user", "the last message must be a user message")
    try:  # the question obeys the same rules as /v1/chat's
        question = ChatRequest(question=transcript[-1][1]).question
    except ValidationError as exc:
        raise ApiError(
            400, "invalid_question", f"the last user message: {exc.errors()[0]['msg']}"
        ) from exc
    prefix = transcript[:-1]
    if req.thread_id is not None:
        return Turn(question=question, thread_id=req.thread_id, transcript=transcript)
    known = threads.claim(prefix) if prefix else None
    if known is not None:
        return Turn(question=question, thread_id=known, transcript=transcript)
    earlier = [text for role, text in prefix if role == "user" and text]
    return Turn(
        question=question,
        thread_id=f"oai-{uuid.uuid4().hex}",
        replay=earlier[-REPLAY_TURNS:],
        transcript=transcript,
    )


def _replay(service: AgentService, turn: Turn) -> None:
    for text in turn.replay:
        try:
            question = ChatRequest(question=text).question
        except ValidationError:
            continue  # an earlier message the agent would have refused adds no memory
        service.ask(question, turn.thread_id)


def _answer_turn(service: AgentService, turn: Turn) -> AgentAnswer:
    _replay(service, turn)
    answer = service.ask(turn.question, turn.thread_id)
    return _with_replay_note(answer, turn)


def _with_replay_note(answer: AgentAnswer, turn: Turn) -> AgentAnswer:
    if not turn.replay:
        return answer
    note = f"이전 대화 {len(turn.replay)}턴을 다시 물어 대화 맥락을 복원했어요"
    return answer.model_copy(update={"notes": [*answer.notes, note]})


def text_deltas(text: str) -> list[str]:
    """The answer text in line-sized pieces (they concatenate back to `text`)."""
    return text.splitlines(keepends=True) or [""]


# ------------------------------------------------------------------------------ routes
class OpenAIRoute(APIRoute):
    """Answers every error of its routes in OpenAI's shape: FastAPI's exception handlers
    are per app, and the rest of the API keeps its own `ErrorBody`."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except RequestValidationError as exc:
                first = exc.errors()[0] if exc.errors() else {}
                loc = [str(p) for p in first.get("loc", ()) if p != "body"]
                return error_response(
                    422,
                    f"{'.'.join(loc) or 'body'}: {first.get('msg', 'invalid request')}",
                    code="invalid_body",
                    param=".".join(loc) or None,
                )
            except ApiError as exc:
                return error_response(exc.status, exc.detail, code=exc.error, headers=exc.headers)
            except outage_types() as exc:
                log.error("graph unavailable during %s: %r", request.url.path, exc)
                return error_response(
                    503,
                    f"the graph store is unavailable; try again ({type(exc).__name__})",
                    code="graph_unavailable",
                    headers={"Retry-After": "5"},
                )
            except Exception:
                log.exception("unhandled error in %s", request.url.path)
                return error_response(500, "unexpected server error (logged)", code="internal")

        return route


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {s: {"model": OpenAIErrorBody} for s in statuses}


def _sse(data: dict[str, Any] | str) -> bytes:
    if isinstance(data, dict):
        data = json.dumps(data, ensure_ascii=False)
    return f"data: {data}\n\n".encode()


def openai_router() -> APIRouter:
    """The OpenAI-compatible routes, with this app's own conversation → thread map."""
    threads = ConversationThreads()
    created = int(time.time())
    router = APIRouter(
        prefix="/v1",
        route_class=OpenAIRoute,
        dependencies=[Depends(require_token)],
        responses=_errors(401, 422, 503),
        tags=["openai"],
    )

    @router.get("/models", response_model=ModelList, summary="Models (OpenAI-compatible)")
    def models() -> ModelList:
        return ModelList(data=[ModelCard(id=MODEL_ID, created=created)])

    @router.post(
        "/chat/completions",
        response_model=ChatCompletion,
        responses={
            **_errors(400, 404),
            200: {
                "content": {
                    "text/event-stream": {
                        "description": "with `stream: true`: `data: <chat.completion.chunk>` "
                        'frames, then `data: [DONE]`; `data: {"error": …}` if it fails'
                    }
                }
            },
        },
        summary="Chat completion (OpenAI-compatible)",
    )
    async def chat_completions(
        body: ChatCompletionRequest,
        service: Annotated[AgentService, Depends(get_service)],
        limiter: Annotated[CapacityLimiter, Depends(agent_limiter)],
    ) -> Response:
        if body.model != MODEL_ID:
            raise ApiError(
                404, "model_not_found", f"the model {body.model!r} does not exist; use {MODEL_ID!r}"
            )
        turn = plan_turn(body, threads)
        completion_id = f"chatcmpl-{uuid.uuid4().hex}"
        now = int(time.time())
        if not body.stream:
            answer = await anyio.to_thread.run_sync(_answer_turn, service, turn, limiter=limiter)
            threads.remember(
                [*turn.transcript, ("assistant", answer.answer.strip())], turn.thread_id
            )
            completion = ChatCompletion(
                id=completion_id,
                created=now,
                model=MODEL_ID,
                choices=[Choice(message=AssistantMessage(content=answer.answer))],
                tripgraph=answer,
            )
            return Response(completion.model_dump_json(), media_type="application/json")

        def chunk(
            delta: Delta,
            finish: Literal["stop"] | None = None,
            **extra: Any,
        ) -> bytes:
            body = ChatCompletionChunk(
                id=completion_id,
                created=now,
                model=MODEL_ID,
                choices=[ChunkChoice(delta=delta, finish_reason=finish)],
                **extra,
            )
            # The extension fields only on the chunks that carry them.
            unset = {k for k in ("tripgraph", "tripgraph_stage") if k not in extra}
            return _sse(body.model_dump_json(exclude=unset))

        async def events() -> AsyncIterator[bytes]:
            yield chunk(Delta(role="assistant", content=""))
            try:
                if turn.replay:
                    await anyio.to_thread.run_sync(_replay, service, turn, limiter=limiter)
                answer: AgentAnswer | None = None
                async for item in iterate_in_threads(
                    service.stream(turn.question, turn.thread_id), limiter
                ):
                    if isinstance(item, StageEvent):
                        yield chunk(Delta(), tripgraph_stage=item)
                    else:
                        answer = _with_replay_note(item, turn)
                assert answer is not None, "the agent stream ended without an answer"
                threads.remember(
                    [*turn.transcript, ("assistant", answer.answer.strip())], turn.thread_id
                )
                for piece in text_deltas(answer.answer):
                    yield chunk(Delta(content=piece))
                yield chunk(Delta(), "stop", tripgraph=answer)
            except Exception as exc:  # the status line is gone: report in-band
                log.exception("chat completion stream failed")
                detail = OpenAIErrorDetail(
                    message=str(exc)[:500] or type(exc).__name__,
                    type="server_error",
                    code="agent_error",
                )
                yield _sse({"error": detail.model_dump()})
            yield _sse("[DONE]")

        return StreamingResponse(
            events(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router
