"""Cypher the agent did not build itself, run only through the read-only gates.

`llm_cypher` is Text2Cypher with the LLM (few-shot examples nearest to the question, the
schema, then re-prompts with the validation error); `run_read_only` is the two-layer gate
that every such query passes, the user's own Cypher too: the static check
(`graph_schema.readonly`), then the engine's plan, then a read-only transaction.
"""

from __future__ import annotations

from agent.deps import AgentDeps
from agent.llm import ChatModel, LLMError, strip_fences
from agent.stages import emit
from agent.state import CypherAttempt, Slots
from graph_schema.model import schema_text
from graph_schema.readonly import UnsafeCypherError, check_read_only
from graph_schema.store import GraphStoreError, QueryResult
from prompts import agent as P
from prompts.base import ChatMessage


def run_read_only(deps: AgentDeps, cypher: str, need_column: str | None, limit: int) -> QueryResult:
    """Static check → engine plan check → read-only execution; UnsafeCypherError or
    GraphStoreError with the reason on failure."""
    checked = check_read_only(cypher).text
    if not deps.store.explain_is_read_only(checked):
        raise UnsafeCypherError("the engine's plan contains write operations")
    result = deps.store.read(checked, timeout_ms=deps.config.query_timeout_ms, max_rows=limit)
    if need_column and need_column not in result.columns:
        raise UnsafeCypherError(f"the query must return a column named {need_column}")
    return result


def llm_cypher(
    deps: AgentDeps,
    llm: ChatModel,
    question: str,
    slots: Slots,
    task: str,
    recommend: bool,
    attempts: list[CypherAttempt],
) -> tuple[str, QueryResult]:
    """LLM → Cypher → validate → run, re-prompting with the error; every try is appended
    to `attempts` (the caller's list, so a final failure still reports them)."""
    cfg = deps.config
    examples = deps.examples.nearest(question, deps.embedder, cfg.few_shot_k)
    messages = P.TEXT2CYPHER.messages(
        schema=schema_text(),
        task=task,
        examples="\n\n".join(
            P.TEXT2CYPHER_EXAMPLE.format(question=e.question, cypher=e.cypher) for e in examples
        ),
        question=question,
        slots=slots.model_dump_json(exclude_none=True),
    )
    limit = cfg.first_stage_limit if recommend else cfg.graph_answer_rows
    for _ in range(cfg.cypher_repairs + 1):
        reply = llm.complete(messages)
        cypher = strip_fences(reply)
        try:
            result = run_read_only(deps, cypher, "merchant_id" if recommend else None, limit)
        except (UnsafeCypherError, GraphStoreError) as exc:
            attempts.append(CypherAttempt(cypher=cypher, error=str(exc)[:300]))
            emit({"stage": "text2cypher", "status": "retry", "error": str(exc)[:300]})
            messages = [
                *messages,
                ChatMessage("assistant", reply),
                ChatMessage("user", P.TEXT2CYPHER_REPAIR.format(error=str(exc)[:300])),
            ]
            continue
        attempts.append(CypherAttempt(cypher=cypher))
        return cypher, result
    raise LLMError("invalid_cypher", f"{len(attempts)} invalid queries; last: {attempts[-1].error}")
