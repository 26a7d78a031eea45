"""CLI commands of the agent: `tripgraph ask`, `tripgraph eval agent` and `tripgraph train
taste-bridge` (thin adapters)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def ask(
    question: Annotated[str, typer.Argument(help="a Korean question")],
    thread: Annotated[
        str | None,
        typer.Option(
            "--thread",
            help="conversation id; follow-ups in the same thread refine the previous turn",
        ),
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the structured answer as JSON")
    ] = False,
    events: Annotated[
        bool, typer.Option("--events", help="print stage events while running")
    ] = False,
    user: Annotated[
        str | None,
        typer.Option("--user", help="user id (e.g. U000123): their reviews shape the picks"),
    ] = None,
) -> None:
    """Ask the agent (offline unless TRIPGRAPH_LLM__BASE_URL is set)."""
    from agent.service import AgentAnswer, AgentService
    from tripgraph.settings import get_settings

    settings = get_settings()
    # One question: the warm-up (an extra offline question, the NER model loaded whether
    # this question needs it or not) would only add to it.
    service = AgentService.open(settings, warm_up=False)
    try:
        answer = None
        for item in service.stream(question, thread, user):
            if isinstance(item, AgentAnswer):
                answer = item
            elif events:
                typer.echo(
                    f"[{item.stage}] {item.status}"
                    + (f" {item.ms:.1f} ms" if item.ms is not None else ""),
                    err=True,
                )
    finally:
        service.close()
    assert answer is not None
    if as_json:
        typer.echo(answer.model_dump_json(indent=2))
        return
    typer.echo(answer.answer)
    typer.echo(
        f"\n(thread {answer.thread_id} · mode {answer.mode} · "
        f"{answer.timings_ms.get('total', 0):.0f} ms)"
    )


def eval_agent(
    gold: Annotated[
        Path | None, typer.Option(help="gold JSONL; default evals/gold/agent_gold.jsonl")
    ] = None,
    limit: Annotated[int | None, typer.Option(help="evaluate the first N items only")] = None,
    out: Annotated[Path | None, typer.Option(help="output folder; default runs/evals")] = None,
    ablation: Annotated[
        bool,
        typer.Option(
            help="also score the Understand step alone under every policy "
            "(gazetteer parser / NER model / both)"
        ),
    ] = True,
) -> None:
    """End-to-end agent eval: intent and slots (per intent; with and without the NER model),
    Text2Cypher execution accuracy, constraints, citations, itinerary and place-mapping tool
    answers, latency per stage. Writes JSON + PNG."""
    from evals.agent import run_agent_eval
    from tripgraph.settings import get_settings

    result = run_agent_eval(
        get_settings(), gold_path=gold, limit=limit, out_dir=out, ablation=ablation
    )
    typer.echo(json.dumps(result["metrics"], ensure_ascii=False, indent=2))
    typer.echo(f"wrote {result['json_path']} and {result['png_path']}")


def train_taste_bridge() -> None:
    """Fit what travel-product views say about dining tastes (users with both views and
    reviews) into models/taste_bridge.json: the profile of a user with views reads it."""
    import time

    from agent.taste_bridge import fit_bridge
    from graph_schema.factory import get_store
    from tripgraph.settings import get_settings

    settings = get_settings()
    started = time.perf_counter()
    with get_store(settings) as store:
        try:
            bridge = fit_bridge(store)
        except ValueError as exc:
            # A small graph (tiny scale) is not an error of the main job: profiles then
            # ignore views, as without a bridge.
            typer.echo(f"taste bridge not fitted: {exc}; profiles ignore product views", err=True)
            return
    path = bridge.save(settings.model_dir)
    typer.echo(
        f"taste bridge fitted on {bridge.n_users:,} users in {time.perf_counter() - started:.1f}s"
        f" -> {path}"
    )


def register(app: typer.Typer, eval_app: typer.Typer, train_app: typer.Typer) -> None:
    app.command("ask")(ask)
    eval_app.command("agent")(eval_agent)
    train_app.command("taste-bridge")(train_taste_bridge)
