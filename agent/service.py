"""The one entry point the CLI, the API and the UI share.

`AgentService` holds the dependencies (store, embedder, LLM — loaded once) and the compiled
graph; `ask()` returns an `AgentAnswer`, `stream()` yields stage events and then the answer.
The module-level `ask()` keeps one service per process for callers that just want an answer.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from agent.answer import overall_mode
from agent.deps import AgentDeps
from agent.graph import build_graph
from agent.memory import sqlite_checkpointer
from agent.state import CypherAttempt, Intent, Mode, Pick, Slots, StepMode
from embeddings.text.cache import CachedQueryEmbedder
from graph_schema.vector_check import VectorStatus

if TYPE_CHECKING:
    from tripgraph.settings import Settings

log = logging.getLogger("tripgraph.agent")

# How often a running service re-runs the vector check (one graph aggregate, ~0.5 s at
# 900,000 reviews).
VECTOR_RECHECK_S = 300.0

# Asked once, offline and without memory, when a service opens (see `AgentService.warm_up`).
WARM_UP_QUESTION = "제주시에서 가족이랑 갈 만한 한식당 추천해줘"


class AgentAnswer(BaseModel):
    """The structured result of one question (this is the JSON of `tripgraph ask --json`)."""

    thread_id: str
    question: str
    mode: Mode = Field(description="llm / offline / fallback")
    mode_reason: str
    intent: Intent
    slots: Slots
    picks: list[Pick] = Field(default_factory=list)
    cypher: str | None = None
    cypher_params: dict[str, Any] = Field(default_factory=dict)
    cypher_attempts: list[CypherAttempt] = Field(default_factory=list)
    hyde_text: str | None = None
    graph_rows: list[dict[str, Any]] = Field(default_factory=list)
    # The JSON of the turn's `agent.state.ToolResult` (a tool's outcome or how a graph
    # question went): clients and the evals read it as plain JSON.
    tool_result: dict[str, Any] | None = None
    steps: list[StepMode] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    timings_ms: dict[str, float] = Field(default_factory=dict)
    answer: str


class StageEvent(BaseModel):
    stage: str
    status: str  # start / retry / done
    ms: float | None = None
    data: dict[str, Any] = Field(default_factory=dict)


class WarmUpReport(BaseModel):
    seconds: float
    embed_seconds: float = Field(description="first embed_query: loads the text model")
    question_seconds: float | None = Field(
        None, description="one offline question through the whole graph (None: it failed)"
    )
    error: str | None = None


class AgentService:
    def __init__(self, deps: AgentDeps, checkpointer: Any = None) -> None:
        self.deps = deps
        self.graph = build_graph(deps, checkpointer=checkpointer)
        self.warm_up_report: WarmUpReport | None = None
        self.vector_status: VectorStatus | None = None
        self._vectors_checked_at = time.monotonic()

    @classmethod
    def open(
        cls, settings: Settings, *, memory_path: Path | None = None, warm_up: bool = True
    ) -> AgentService:
        """Connect, load and (unless `warm_up=False`) warm up, so that the first question
        costs what every later one does."""
        deps = AgentDeps.open(settings)
        path = memory_path or settings.run_dir / "agent" / "memory.sqlite"
        service = cls(deps, sqlite_checkpointer(path))
        service.check_vectors()
        if warm_up:
            service.warm_up()
        return service

    def check_vectors(self) -> VectorStatus | None:
        """The store's cheap check of the review vectors against the graph (one aggregate).
        When they disagree (reviews added, changed or deleted since `tripgraph embed`) the
        service still answers, with a warning in the log and a note in every answer."""
        try:
            status = self.deps.store.vector_status("review_embedding")
        except Exception as exc:  # a failed check must not stop the service
            log.warning("review vector check failed: %s", exc)
            return None
        if not status.ok:
            log.warning(
                "review vectors are stale (%s): HyDE re-ranking may use outdated vectors; "
                "run `tripgraph embed`",
                status.detail,
            )
        self.vector_status = status
        return status

    def warm_up(self) -> WarmUpReport:
        """Pay the one-time costs before the first user does: the text model loads on its
        first `embed_query`, and the first run of each query, module and code path is slow
        (FalkorDB plans, lazy imports, the vector index pages). One offline question goes
        through a memory-less copy of the graph (no LLM is called, no thread is written);
        then the query-embedding cache is emptied, so that no user question is answered
        from an entry the warm-up made."""
        started = time.perf_counter()
        self.deps.embedder.embed_query(WARM_UP_QUESTION)
        embed_s = time.perf_counter() - started
        # The warm-up question is a recommendation, which the hybrid understanding answers
        # without the NER model; load it here so that the first other question does not.
        self.deps.understander.load()
        question_s: float | None = None
        error = None
        try:
            t0 = time.perf_counter()
            offline = dataclasses.replace(self.deps, llm=None)
            build_graph(offline).invoke({"question": WARM_UP_QUESTION})
            question_s = time.perf_counter() - t0
        except Exception as exc:  # a failed warm-up must not stop the service
            # The first real question will meet (and report) the same problem.
            error = f"{type(exc).__name__}: {str(exc)[:200]}"
            log.warning("agent warm-up question failed: %s", error)
        if isinstance(self.deps.embedder, CachedQueryEmbedder):
            self.deps.embedder.clear()
        self.warm_up_report = WarmUpReport(
            seconds=round(time.perf_counter() - started, 3),
            embed_seconds=round(embed_s, 3),
            question_seconds=round(question_s, 3) if question_s is not None else None,
            error=error,
        )
        return self.warm_up_report

    def _config(self, thread_id: str) -> dict[str, Any]:
        return {"configurable": {"thread_id": thread_id}}

    def _answer(
        self, question: str, thread_id: str, state: dict[str, Any], total_ms: float | None = None
    ) -> AgentAnswer:
        steps = state.get("steps") or []
        mode, reason = overall_mode(steps, self.deps.llm is not None)
        timings = dict(state.get("timings_ms") or {})
        if total_ms is not None:
            timings["total"] = round(total_ms, 2)
        # The answer is the output state validated, plus what only the service knows.
        reported = {
            k: v for k, v in state.items() if k in AgentAnswer.model_fields and v is not None
        }
        tool_result = state.get("tool_result")
        return AgentAnswer.model_validate(
            {
                **reported,
                "tool_result": tool_result.model_dump() if tool_result is not None else None,
                "thread_id": thread_id,
                "question": question,
                "mode": mode,
                "mode_reason": reason,
                "notes": [n for n in state.get("notes") or [] if n] + self._vector_notes(),
                "timings_ms": timings,
                "answer": state.get("answer", ""),
            }
        )

    def _vector_notes(self) -> list[str]:
        if time.monotonic() - self._vectors_checked_at > VECTOR_RECHECK_S:
            # The graph or the vectors may have changed since (ingest, embed): check again
            # off the request path; this answer uses the last verdict.
            self._vectors_checked_at = time.monotonic()
            threading.Thread(target=self.check_vectors, daemon=True).start()
        status = self.vector_status
        if status is None or status.ok:
            return []
        return [f"리뷰 벡터가 그래프와 맞지 않아요 ({status.detail}): run `tripgraph embed`"]

    def _input(self, question: str, user_id: str | None) -> dict[str, Any]:
        # user_id only when given: a thread keeps the id an earlier turn gave.
        return {"question": question, **({"user_id": user_id} if user_id else {})}

    def ask(
        self, question: str, thread_id: str | None = None, user_id: str | None = None
    ) -> AgentAnswer:
        """The answer alone, without stage events (the same answer `stream` ends with).

        Nobody listens to stage events here, so the graph runs without LangGraph's `custom`
        stream mode: with it, every node runs on a pool thread and each event is handed
        across threads, which cost about a tenth of a question's CPU (and more under
        concurrent load, where the hand-offs contend for the GIL)."""
        tid = thread_id or uuid.uuid4().hex
        started = time.perf_counter()
        # durability="exit": see `stream`.
        state = self.graph.invoke(
            self._input(question, user_id), self._config(tid), durability="exit"
        )
        return self._answer(question, tid, dict(state), (time.perf_counter() - started) * 1000)

    def stream(
        self, question: str, thread_id: str | None = None, user_id: str | None = None
    ) -> Iterator[StageEvent | AgentAnswer]:
        """Stage events as the graph runs, then the answer (last item)."""
        tid = thread_id or uuid.uuid4().hex
        started = time.perf_counter()
        state: dict[str, Any] = {}
        # durability="exit": the thread's memory is written once, when the turn ends, not
        # after every node (7 SQLite writes of the growing state per question). A turn that
        # fails midway leaves the previous turn as the thread's memory.
        for mode, chunk in self.graph.stream(
            self._input(question, user_id),
            self._config(tid),
            stream_mode=["custom", "values"],
            durability="exit",
        ):
            if mode == "values":
                state = dict(chunk)
            elif mode == "custom" and isinstance(chunk, dict) and "stage" in chunk:
                yield StageEvent(
                    stage=chunk["stage"],
                    status=chunk.get("status", ""),
                    ms=chunk.get("ms"),
                    data={k: v for k, v in chunk.items() if k not in ("stage", "status", "ms")},
                )
        yield self._answer(question, tid, state, (time.perf_counter() - started) * 1000)

    def close(self) -> None:
        self.deps.close()
