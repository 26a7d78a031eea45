"""Markdown for the chat UI: stage events, answers and query results as text. Pure functions
(no Chainlit, no store), so they are unit-tested and could serve another front end."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from typing import Any

from agent.graph_view import describe
from agent.service import AgentAnswer, StageEvent
from agent.state import Pick

STAGE_TITLES: dict[str, str] = {
    "understand": "① 질문 이해 · 슬롯",
    "text2cypher": "② Text2Cypher · 1차 후보",
    "hyde": "③ HyDE 리뷰 검색 · 재정렬",
    "backfill": "④ 그래프 임베딩 보강",
    "relax": "④ 조건 완화 · 대안 후보",
    "select": "⑤ 최종 선택 · 근거 리뷰",
    "graph_query": "② 그래프 질의",
    "tool": "② 도구 호출",
    "answer": "⑥ 답변 작성",
}

SLOT_LABELS: dict[str, str] = {
    "region": "지역",
    "city": "시",
    "poi": "명소",
    "category": "분류",
    "menu": "메뉴",
    "party": "동행",
    "age_band": "연령대",
    "price": "가격대",
    "max_avg_price": "1인 예산",
    "must_haves": "필수 조건",
    "count": "추천 수",
    "exclude_ids": "제외",
    "user_id": "사용자",
    "product_id": "상품",
    "merchant_name": "가게 이름",
    "product_city": "상품 도시",
    "product_type": "상품 종류",
}

_DIRECTIVE = re.compile(r":(?=[A-Za-z])")

MODE_BADGE = {"offline": "오프라인 모드", "llm": "LLM 모드", "fallback": "LLM 실패 → 오프라인 대체"}


def stage_title(stage: str) -> str:
    return STAGE_TITLES.get(stage, stage)


def _md_cell(value: Any, width: int = 60) -> str:
    described = describe(value)
    if described is not None:
        text = described
    elif isinstance(value, dict | list):
        text = json.dumps(value, ensure_ascii=False, default=str)
    else:
        text = "" if value is None else str(value)
    text = text.replace("\n", " ")
    text = text if len(text) <= width else text[: width - 1] + "…"
    # `|` ends a cell; `:Name` is a text directive in Chainlit's markdown (it would swallow
    # the label of `(:Merchant)`), so both are escaped.
    return _DIRECTIVE.sub(r"\\:", text.replace("|", "\\|"))


def slots_markdown(slots: Mapping[str, Any]) -> str:
    rows = [
        (SLOT_LABELS.get(k, k), v)
        for k, v in slots.items()
        if v not in (None, [], "") and k not in ("count", "exclude_ids")
    ]
    if not rows:
        return "_(슬롯 없음)_"
    lines = ["| 슬롯 | 값 |", "|---|---|"]
    lines += [f"| {name} | {_md_cell(value)} |" for name, value in rows]
    return "\n".join(lines)


def merchants_markdown(ids: Sequence[str], names: Mapping[str, Mapping[str, Any]]) -> str:
    """A numbered candidate list; `names` maps merchant_id → {name, region, category, rating}."""
    if not ids:
        return "_(후보 없음)_"
    lines = []
    for i, mid in enumerate(ids, 1):
        info = names.get(mid)
        if info:
            rating = info.get("rating")
            rated = f" · ★{rating:.2f}" if isinstance(rating, int | float) else ""
            lines.append(
                f"{i}. **{info.get('name', mid)}** ({info.get('region', '?')} · "
                f"{info.get('category', '?')}{rated}) `{mid}`"
            )
        else:
            lines.append(f"{i}. `{mid}`")
    return "\n".join(lines)


def stage_markdown(event: StageEvent, names: Mapping[str, Mapping[str, Any]] | None = None) -> str:
    """What a finished stage produced (its `summary`), as markdown."""
    names = names or {}
    summary: dict[str, Any] = dict(event.data.get("summary") or {})
    parts: list[str] = []
    if event.stage == "understand":
        if summary.get("intent"):
            parts.append(f"의도: `{summary['intent']}`")
        parts.append(slots_markdown(summary.get("slots") or {}))
    else:
        if summary.get("cypher"):
            parts.append(f"```cypher\n{summary['cypher']}\n```")
        if summary.get("hyde_text"):
            parts.append("가상 리뷰 (HyDE):\n\n> " + str(summary["hyde_text"]))
        if summary.get("picks"):
            parts.append("선택:\n\n" + merchants_markdown(summary["picks"], names))
        elif "candidates" in summary:
            parts.append(
                f"후보 {len(summary['candidates'])}곳:\n\n"
                + merchants_markdown(summary["candidates"], names)
            )
    if summary.get("mode"):
        reason = f" — {summary['reason']}" if summary.get("reason") else ""
        parts.append(f"_{MODE_BADGE.get(summary['mode'], summary['mode'])}{reason}_")
    if event.ms is not None:
        parts.append(f"_{event.ms:.0f} ms_")
    return "\n\n".join(parts)


def pick_markdown(rank: int, pick: Pick) -> str:
    facts = [f"{pick.region} · {pick.category}"]
    if pick.rating is not None:
        facts.append(f"★{pick.rating:.2f}")
    if pick.avg_price:
        facts.append(f"1인 약 {pick.avg_price:,}원")
    lines = [f"**{rank}. {pick.name}** — {' · '.join(facts)}"]
    lines += [f"- {reason}" for reason in pick.reasons]
    lines += [f"> “{ev.text}” — 리뷰 `{ev.review_id}`" for ev in pick.evidence]
    if pick.relaxed:
        lines.append(f"_완화한 조건: {', '.join(pick.relaxed)}_")
    return "\n".join(lines)


def picks_markdown(picks: Sequence[Pick]) -> str:
    return "\n\n".join(pick_markdown(i, p) for i, p in enumerate(picks, 1))


def picks_step_markdown(picks: Sequence[Pick]) -> str:
    """The selection step: each pick, its score and the reviews it cites (the final message
    repeats them with every reason)."""
    blocks = []
    for i, pick in enumerate(picks, 1):
        score = f" · 일치도 {pick.score:.0f}/100" if pick.score is not None else ""
        lines = [f"**{i}. {pick.name}** `{pick.merchant_id}`{score}"]
        lines += [f"> “{ev.text}” — `{ev.review_id}`" for ev in pick.evidence]
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def answer_markdown(answer: AgentAnswer) -> str:
    """The final message: the answer's headline, the picks with their evidence, the mode."""
    if answer.picks:
        headline = answer.answer.strip().splitlines()[0] if answer.answer.strip() else ""
        body = f"{headline}\n\n{picks_markdown(answer.picks)}"
    else:
        # Template answers are laid out with single newlines: keep them as line breaks.
        body = "  \n".join(answer.answer.strip().splitlines())
    total = answer.timings_ms.get("total")
    took = f" · {total / 1000:.1f}초" if total is not None else ""
    return f"{body}\n\n_{MODE_BADGE.get(answer.mode, answer.mode)}{took}_"


def table_markdown(
    columns: Sequence[str], rows: Sequence[Mapping[str, Any]], limit: int = 20
) -> str:
    if not columns:
        return "_(열 없음)_"
    lines = [
        "| " + " | ".join(_md_cell(c, 30) for c in columns) + " |",
        "|" + "---|" * len(columns),
    ]
    for row in rows[:limit]:
        lines.append("| " + " | ".join(_md_cell(row.get(c), 40) for c in columns) + " |")
    if len(rows) > limit:
        lines.append(f"\n_처음 {limit}행만 표시 (전체 {len(rows)}행)_")
    if not rows:
        lines.append("\n_(결과 없음)_")
    return "\n".join(lines)
