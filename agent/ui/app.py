"""The Chainlit chat UI: a thin adapter over `AgentService`.

Run with `tripgraph ui` (= `chainlit run agent/ui/app.py --headless` from the repository root,
where `.chainlit/config.toml` and `public/` live). Each stage event of the agent becomes a
step (slots, Cypher, candidates, HyDE text, picks with evidence); the Chainlit thread id is the
agent's thread id, so follow-ups ("다른 곳도") refine the last answer. `/cypher <query>` runs
a read-only query and draws its nodes and relationships.

The service (store connection, embedder, vocabulary) opens once per process in
`on_app_startup`, so the page is only served once the agent can answer.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import chainlit as cl
from chainlit.server import app as chainlit_app
from starlette.concurrency import iterate_in_threadpool

from agent.api import warm_up
from agent.cypher import MERCHANT_NAMES
from agent.graph_view import graph_from_rows, render_svg
from agent.service import AgentAnswer, AgentService, StageEvent
from agent.ui.offline import install_offline_page
from agent.ui.render import (
    answer_markdown,
    picks_step_markdown,
    stage_markdown,
    stage_title,
    table_markdown,
)
from graph_schema.store import GraphStoreError, ReadOnlyViolation

log = logging.getLogger("tripgraph.ui")

CYPHER_MAX_ROWS = 200
OPEN_STEPS = {"understand", "text2cypher", "hyde", "select", "graph_query", "tool"}

STARTERS = [
    cl.Starter(
        label="애월 · 부모님 · 흑돼지",
        message="제주 애월에서 부모님 모시고 갈 흑돼지집 추천해줘",
        icon="/public/pig.svg",
    ),
    cl.Starter(
        label="성산 · 아이 · 해산물",
        message="성산에서 아이랑 가기 좋은 해산물 맛집 알려줘",
        icon="/public/fish.svg",
    ),
    cl.Starter(
        label="서귀포 · 오션뷰 카페",
        message="서귀포에서 바다 보이는 조용한 카페 추천해줘",
        icon="/public/cup.svg",
    ),
    cl.Starter(
        label="그래프 탐색 (/cypher)",
        message="/cypher MATCH (m:Merchant)-[r:LOCATED_IN]->(p:Place {name: '애월읍'}) "
        "RETURN m, r, p LIMIT 12",
        icon="/public/graph.svg",
    ),
]


class _Holder:
    """The process's one service; set at start-up, never at import."""

    service: AgentService | None = None


install_offline_page(chainlit_app)


@cl.on_app_startup
async def _open_service() -> None:
    from tripgraph.settings import get_settings

    service = await asyncio.to_thread(AgentService.open, get_settings())
    await asyncio.to_thread(warm_up, service)
    _Holder.service = service
    log.info("agent service open")


@cl.on_app_shutdown
async def _close_service() -> None:
    service, _Holder.service = _Holder.service, None
    if service is not None:
        await asyncio.to_thread(service.close)


def _service() -> AgentService:
    if _Holder.service is None:
        raise RuntimeError("the agent service is not open")
    return _Holder.service


@cl.set_starters
async def _starters(user: Any = None, language: Any = None) -> list[cl.Starter]:
    return STARTERS


@cl.on_chat_start
async def _chat_start() -> None:
    await cl.context.emitter.set_commands(
        [
            {
                "id": "cypher",
                "icon": "database",
                "button": False,
                "persistent": False,
                "selected": False,
                "description": "읽기 전용 Cypher 쿼리를 실행하고 그래프로 보여줘요",
            },
        ]
    )


async def _merchant_names(ids: list[str]) -> dict[str, dict[str, Any]]:
    if not ids:
        return {}
    store = _service().deps.store
    try:
        result = await asyncio.to_thread(
            store.read, MERCHANT_NAMES, {"ids": ids}, max_rows=len(ids)
        )
    except GraphStoreError as exc:  # names are a nicety: show ids rather than fail
        log.warning("merchant names unavailable: %s", exc)
        return {}
    return {row["merchant_id"]: row for row in result.rows}


async def _run_cypher(query: str) -> None:
    store = _service().deps.store
    try:
        result = await asyncio.to_thread(store.read, query, max_rows=CYPHER_MAX_ROWS)
    except ReadOnlyViolation as exc:
        await cl.Message(
            content=f"읽기 전용 쿼리만 실행할 수 있어요. 그래프는 바뀌지 않았어요.\n\n`{exc}`"
        ).send()
        return
    except GraphStoreError as exc:
        await cl.Message(content=f"쿼리를 실행하지 못했어요:\n\n```\n{exc}\n```").send()
        return
    view = graph_from_rows(result.rows)
    elements: list[Any] = []
    if view.nodes:
        elements.append(
            cl.Image(
                name="graph.svg",
                content=render_svg(view).encode(),
                mime="image/svg+xml",
                display="inline",
                size="large",
            )
        )
    head = (
        f"```cypher\n{query}\n```\n{len(result.rows)}행{' (잘림)' if result.truncated else ''}"
        f" · 노드 {len(view.nodes)} · 관계 {len(view.edges)} · {result.elapsed_ms:.0f} ms"
    )
    await cl.Message(
        content=f"{head}\n\n{table_markdown(result.columns, result.rows, limit=10)}",
        elements=elements,
    ).send()


async def _ask(question: str) -> None:
    service = _service()
    thread_id = cl.context.session.thread_id
    # The reply goes out first, empty; the stages are its child steps (shown above its
    # content as they run) and the content is filled in when the answer arrives.
    reply = cl.Message(content="")
    await reply.send()
    steps: dict[str, cl.Step] = {}
    answer: AgentAnswer | None = None
    try:
        async for item in iterate_in_threadpool(service.stream(question, thread_id)):
            if isinstance(item, AgentAnswer):
                answer = item
                continue
            await _on_stage(item, steps, reply.id)
    except Exception as exc:
        log.exception("the agent failed")
        for step in steps.values():
            if step.end is None:
                step.is_error = True
                step.end = cl.utils.utc_now()
                await step.update()
        reply.content = f"답변을 만들지 못했어요: {type(exc).__name__}: {exc}"
        await reply.update()
        return
    if answer is None:
        return
    if answer.picks and "select" in steps:
        # The select stage event carries ids; the answer has the picks with their evidence.
        steps["select"].output = picks_step_markdown(answer.picks)
        await steps["select"].update()
    reply.content = answer_markdown(answer)
    await reply.update()


async def _on_stage(event: StageEvent, steps: dict[str, cl.Step], parent_id: str) -> None:
    step = steps.get(event.stage)
    if step is None:
        step = cl.Step(
            name=stage_title(event.stage),
            type="tool",
            parent_id=parent_id,
            show_input=False,
            default_open=event.stage in OPEN_STEPS,
        )
        step.start = cl.utils.utc_now()
        steps[event.stage] = step
        await step.send()
    if event.status == "start":
        return
    if event.status == "retry":
        await step.stream_token(f"\n\n재시도: `{event.data.get('error', '')}`")
        return
    summary = event.data.get("summary") or {}
    ids = [*summary.get("candidates", []), *summary.get("picks", [])]
    step.output = stage_markdown(event, await _merchant_names(list(dict.fromkeys(ids))))
    step.end = cl.utils.utc_now()
    await step.update()


@cl.on_message
async def _on_message(message: cl.Message) -> None:
    text = message.content.strip()
    if message.command == "cypher":
        await _run_cypher(text)
    elif text.startswith("/cypher"):
        query = text.removeprefix("/cypher").strip()
        if not query:
            await cl.Message(content="사용법: `/cypher MATCH (m:Merchant) RETURN m LIMIT 5`").send()
            return
        await _run_cypher(query)
    elif text:
        await _ask(text)
