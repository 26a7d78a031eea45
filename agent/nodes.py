"""The nodes of the agent graph. Each takes the state and returns only the keys it changes
(the turn logs: only its own entries, see `agent.state`).

Every LLM-capable step records a `StepMode`: `llm`, `offline` (no endpoint) or `fallback`
(the endpoint failed or its output was unusable: the offline counterpart ran instead, and
the reason is kept for the answer). Every node runs in `agent.stages.stage`, which times it
and writes its stage events.
"""

from __future__ import annotations

import json
from typing import Any

from agent import cypher as Q
from agent import neighbours as N
from agent import relaxation as RX
from agent import retrieval as R
from agent import selection as SEL
from agent.answer import (
    graph_summary_offline,
    mode_label,
    overall_mode,
    recommendation_text,
    tool_text,
)
from agent.deps import AgentDeps
from agent.llm import LLMError, strip_fences
from agent.profile import read_profile
from agent.stages import stage
from agent.state import (
    Candidate,
    CypherAttempt,
    GraphRefused,
    GraphResult,
    Slots,
    State,
    StepMode,
    ToolOutcome,
    Turn,
)
from agent.text2cypher import llm_cypher, run_read_only
from agent.tools import AgentTools
from agent.understand import Understander
from agent.understand.llm import llm_understand
from graph_schema.readonly import UnsafeCypherError
from graph_schema.store import GraphStoreError, ReadOnlyViolation
from prompts import agent as P


def _notes(*notes: str | None) -> list[str]:
    """A stage's notes, without the None of the calls that had nothing to say."""
    return [n for n in notes if n]


class AgentNodes:
    """Node functions bound to their dependencies (the graph factory adds them)."""

    def __init__(self, deps: AgentDeps, understander: Understander | None = None) -> None:
        self.deps = deps
        self.understander = understander or deps.understander
        self.tools: AgentTools = deps.tools

    @property
    def llm(self) -> Any:
        return self.deps.llm

    def _offline_step(self, step: str) -> StepMode:
        return StepMode(step=step, mode="offline")

    # ------------------------------------------------------------------- understand
    @stage("understand")
    def understand(self, state: State) -> dict[str, Any]:
        question = state["question"]
        history = state.get("history") or []
        previous = history[-1] if history else None
        parsed, understanding = self.understander.parse(question, self.deps.vocab, previous)
        detail = f"understanding: {understanding.path} (intent: {understanding.intent_source}"
        detail += f", slots: {understanding.slot_source})"
        step = StepMode(step="understand", mode="offline", detail=detail)
        notes: list[str] = []
        if self.llm is not None and parsed.raw_cypher is None:
            try:
                parsed = llm_understand(self.llm, self.deps.vocab, question, previous, parsed)
                step = StepMode(step="understand", mode="llm")
            except LLMError as exc:
                step = StepMode(
                    step="understand", mode="fallback", reason=exc.reason, detail=detail
                )
        if parsed.followup and previous is not None:
            notes.append(f'이전 질문("{previous.question}")의 조건을 이어받았어요')
        return {
            "intent": parsed.intent,
            "slots": parsed.slots,
            "followup": parsed.followup,
            # Per-turn keys start empty: the checkpointer keeps the previous turn's values.
            "cypher": parsed.raw_cypher,
            "cypher_params": {},
            "cypher_attempts": [],
            "candidates": [],
            "hyde_text": None,
            "picks": [],
            "graph_rows": [],
            "tool_result": None,
            "understanding": understanding,
            "steps": [step],
            "notes": notes,
            "answer": "",
        }

    # -------------------------------------------------------------- text2cypher
    @stage("text2cypher")
    def text2cypher(self, state: State) -> dict[str, Any]:
        slots: Slots = state["slots"]
        cfg = self.deps.config
        attempts: list[CypherAttempt] = []
        step = self._offline_step("text2cypher")
        cypher: str | None = None
        params: dict[str, Any] = {}
        ids: list[str] | None = None
        if self.llm is not None:
            task = P.TEXT2CYPHER_TASK_RECOMMEND.format(limit=cfg.first_stage_limit)
            try:
                cypher, result = llm_cypher(
                    self.deps, self.llm, state["question"], slots, task, True, attempts
                )
                ids = [str(r["merchant_id"]) for r in result.rows if r.get("merchant_id")]
                ids = [i for i in dict.fromkeys(ids) if i not in slots.exclude_ids]
                step = StepMode(step="text2cypher", mode="llm")
            except LLMError as exc:
                step = StepMode(
                    step="text2cypher",
                    mode="fallback",
                    reason=exc.reason + (f" ({exc.detail[:120]})" if exc.detail else ""),
                )
                cypher = None
        if cypher is None or ids is None:
            cypher, params = Q.candidate_query(slots, cfg.first_stage_limit)
            rows = self.deps.store.read(
                cypher, params, timeout_ms=cfg.query_timeout_ms, max_rows=cfg.first_stage_limit
            ).rows
            ids = [r["merchant_id"] for r in rows]
        candidates = R.fetch_candidates(self.deps, ids, "cypher")
        return {
            "cypher": cypher,
            "cypher_params": params,
            "cypher_attempts": attempts,
            "candidates": candidates,
            "steps": [step],
        }

    # --------------------------------------------------------------------- HyDE
    @stage("hyde")
    def hyde(self, state: State) -> dict[str, Any]:
        """HyDE retrieval: the review the ideal place would get (LLM, else the offline
        template), embedded; the merchants of its nearest reviews widen a short candidate
        list, and every candidate is re-ranked by its reviews nearest to it."""
        slots: Slots = state["slots"]
        step = self._offline_step("hyde")
        text = R.offline_hyde_text(slots)
        if self.llm is not None:
            try:
                reply = self.llm.complete(
                    P.HYDE.messages(
                        question=state["question"], slots=slots.model_dump_json(exclude_none=True)
                    )
                )
                text = strip_fences(reply)[:600]
                step = StepMode(step="hyde", mode="llm")
            except LLMError as exc:
                step = StepMode(step="hyde", mode="fallback", reason=exc.reason)
        vector = self.deps.embedder.embed_query(text)
        # State values are not changed in place. Shallow copies suffice: the only change
        # below (`attach_review_similarity`) assigns new snippet lists and similarities.
        candidates: list[Candidate] = [c.model_copy() for c in state.get("candidates") or []]
        notes = []
        menu_ids = R.menu_merchant_ids(self.deps, slots)
        if len(candidates) < self.deps.config.max_candidates:
            have = {c.merchant_id for c in candidates}
            extra, note = N.vector_widen(self.deps, vector, slots, have, menu_ids)
            candidates += extra
            notes.append(note)
            if extra:
                notes.append(f"리뷰 벡터 검색으로 후보 {len(extra)}곳을 더했어요")
        notes.append(
            R.attach_review_similarity(
                self.deps, candidates, vector, slots.party, SEL.is_group(slots)
            )
        )
        return {
            "hyde_text": text,
            "candidates": candidates,
            "menu_ids": sorted(menu_ids) if menu_ids is not None else None,
            "steps": [step],
            "notes": _notes(*notes),
        }

    def _menu_ids(self, state: State, slots: Slots) -> set[str] | None:
        if "menu_ids" in state:  # read by `hyde` this turn
            known = state["menu_ids"]
            return set(known) if known is not None else None
        return R.menu_merchant_ids(self.deps, slots)

    def _with_snippets(self, state: State, slots: Slots, extra: list[Candidate]) -> list[Candidate]:
        """`extra` with review snippets to cite, ranked against this turn's HyDE text."""
        if extra:
            vector = self.deps.embedder.embed_query(state.get("hyde_text") or "")
            R.attach_review_similarity(self.deps, extra, vector, slots.party, SEL.is_group(slots))
        return extra

    # ----------------------------------------------------------------- backfill
    @stage("backfill")
    def backfill(self, state: State) -> dict[str, Any]:
        """Below `backfill_below` candidates (or too few meeting every constraint): the
        merchants nearest to the shortlist in graph-embedding space that meet them."""
        slots: Slots = state["slots"]
        # Read only: what this node changes is the candidates it adds.
        candidates: list[Candidate] = list(state.get("candidates") or [])
        have = {c.merchant_id for c in candidates}
        need = self.deps.config.backfill_below - len(candidates)
        seeds = SEL.shortlist(candidates, 3)
        menu_ids = self._menu_ids(state, slots)
        extra, note = N.graph_backfill(self.deps, seeds, slots, have, menu_ids, need)
        return {
            "candidates": candidates + self._with_snippets(state, slots, extra),
            "notes": _notes(note),
        }

    # -------------------------------------------------------------------- relax
    @stage("relax")
    def relax(self, state: State) -> dict[str, Any]:
        """Fewer candidates than picks meet every constraint: the relaxation ladder's
        (`agent.relaxation`), each with its rung and what it relaxes. It runs even when
        widening or backfill admitted a neighbouring region's exact match: a related dish
        in the asked region (the first rung) must outrank it."""
        slots: Slots = state["slots"]
        candidates: list[Candidate] = list(state.get("candidates") or [])
        extra = RX.relaxed_candidates(
            self.deps,
            slots,
            {c.merchant_id for c in candidates},
            RX.shortfall(slots, candidates),
            self._menu_ids(state, slots),
        )
        return {"candidates": candidates + self._with_snippets(state, slots, extra)}

    # ------------------------------------------------------------------- select
    @stage("select")
    def select(self, state: State) -> dict[str, Any]:
        slots: Slots = state["slots"]
        cfg = self.deps.config
        user_id = state.get("user_id") or slots.user_id
        profile = (
            read_profile(self.deps.store, user_id, bridge=self.deps.bridge) if user_id else None
        )
        pool = SEL.shortlist(state.get("candidates") or [], cfg.max_candidates, profile, slots)
        step = self._offline_step("select")
        picks = []
        if self.llm is not None and pool:
            try:
                picks = SEL.llm_select(
                    self.llm,
                    state["question"],
                    pool,
                    slots,
                    cfg.evidence_per_pick,
                    cfg.palr_retries,
                )
                step = StepMode(step="select", mode="llm")
            except LLMError as exc:
                step = StepMode(
                    step="select",
                    mode="fallback",
                    reason=exc.reason + (f" ({exc.detail[:120]})" if exc.detail else ""),
                )
        if not picks:
            picks = SEL.offline_select(pool, slots, cfg.evidence_per_pick, profile)
        if slots.unknown_place and not (slots.region or slots.city):
            # The asked place could not be applied: every pick says so, as a relaxation.
            note = P.RELAXED_UNKNOWN_PLACE.format(place=slots.unknown_place)
            picks = [p.model_copy(update={"relaxed": [note, *p.relaxed]}) for p in picks]
        if slots.unknown_food and not (slots.category or slots.menu):
            food, kinds = slots.unknown_food, "·".join(slots.stand_ins)
            note = (
                P.RELAXED_UNKNOWN_SWEET.format(food=food, kinds=kinds)
                if slots.stand_ins and not slots.meal_kind
                else P.RELAXED_UNKNOWN_FOOD.format(food=food)
            )
            picks = [p.model_copy(update={"relaxed": [note, *p.relaxed]}) for p in picks]
        return {"picks": picks, "steps": [step]}

    # ------------------------------------------------------------ graph question
    @stage("graph_query")
    def graph_query(self, state: State) -> dict[str, Any]:
        slots: Slots = state["slots"]
        cfg = self.deps.config
        raw = state.get("cypher")
        question = state["question"]
        if raw:  # the user typed Cypher: run it only through the read-only gates
            try:
                result = run_read_only(self.deps, raw, None, cfg.graph_answer_rows)
            except (UnsafeCypherError, ReadOnlyViolation, GraphStoreError) as exc:
                return {
                    "graph_rows": [],
                    "steps": [self._offline_step("graph_query")],
                    "tool_result": GraphRefused(refused=str(exc)[:300]),
                }
            return {
                "graph_rows": result.rows,
                "steps": [self._offline_step("graph_query")],
                "tool_result": GraphResult(kind="raw_cypher"),
            }
        step = self._offline_step("graph_query")
        attempts: list[CypherAttempt] = []
        if self.llm is not None:
            task = P.TEXT2CYPHER_TASK_GRAPH.format(limit=cfg.graph_answer_rows)
            try:
                cypher, result = llm_cypher(
                    self.deps, self.llm, question, slots, task, False, attempts
                )
                summary = self._llm_summary(question, cypher, result.rows)
                return {
                    "cypher": cypher,
                    "cypher_attempts": attempts,
                    "graph_rows": result.rows,
                    "tool_result": GraphResult(kind="llm", summary=summary),
                    "steps": [StepMode(step="graph_query", mode="llm")],
                }
            except LLMError as exc:
                step = StepMode(step="graph_query", mode="fallback", reason=exc.reason)
        gq = Q.offline_graph_query(question, slots)
        if gq is None:
            return {
                "cypher_attempts": attempts,
                "graph_rows": [],
                "steps": [step],
                "tool_result": GraphResult(kind="unsupported"),
            }
        result = self.deps.store.read(
            gq.cypher, gq.params, timeout_ms=cfg.query_timeout_ms, max_rows=cfg.graph_answer_rows
        )
        return {
            "cypher": gq.cypher,
            "cypher_params": gq.params,
            "cypher_attempts": attempts,
            "graph_rows": result.rows,
            "steps": [step],
            "tool_result": GraphResult(
                kind=gq.kind, summary=graph_summary_offline(gq.kind, slots, result.rows)
            ),
        }

    def _llm_summary(self, question: str, cypher: str, rows: list[dict[str, Any]]) -> str:
        reply = self.llm.complete(
            P.GRAPH_SUMMARY.messages(
                question=question,
                cypher=cypher,
                rows=json.dumps(rows[:20], ensure_ascii=False, default=str),
            )
        )
        return reply.strip()

    # --------------------------------------------------------------------- tools
    @stage("tool")
    def tool(self, state: State) -> dict[str, Any]:
        understanding = state.get("understanding")
        outcome = self.tools.run(
            state["intent"],
            state["slots"],
            state["question"],
            understanding.entities if understanding is not None else [],
        )
        return {"tool_result": outcome}

    # -------------------------------------------------------------------- answer
    @stage("answer")
    def answer(self, state: State) -> dict[str, Any]:
        intent = state["intent"]
        slots: Slots = state["slots"]
        mode, reason = overall_mode(state.get("steps") or [], self.llm is not None)
        label = mode_label(mode, reason)
        notes = [n for n in state.get("notes") or [] if n]
        tr = state.get("tool_result")
        picks = state.get("picks") or []
        if intent == "recommend_place":
            text = recommendation_text(slots, picks, notes, label, self.deps.config.nearby_km)
        elif intent == "graph_question":
            if isinstance(tr, GraphRefused):
                text = P.ANSWER_GRAPH_REFUSED.format(error=tr.refused, mode=label)
            elif not isinstance(tr, GraphResult):
                raise ValueError(f"graph question without a graph result: {tr!r}")
            elif tr.kind == "unsupported":
                text = P.ANSWER_GRAPH_UNSUPPORTED.format(mode=label)
            elif tr.kind == "raw_cypher":
                text = P.ANSWER_GRAPH.format(
                    summary=graph_summary_offline("generic", slots, state.get("graph_rows") or []),
                    mode=label,
                )
            else:
                text = P.ANSWER_GRAPH.format(summary=tr.summary or "", mode=label)
        elif intent == "out_of_scope":
            text = P.ANSWER_OUT_OF_SCOPE.format(mode=label)
        else:
            if not isinstance(tr, ToolOutcome):
                raise ValueError(f"tool intent {intent!r} without a tool outcome: {tr!r}")
            text = tool_text(tr, label)
        turn = Turn(question=state["question"], intent=intent, slots=slots, picks=picks)
        return {"answer": text, "history": [turn]}
