"""CLI commands of the embeddings area: `tripgraph eval embeddings`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def eval_embeddings(
    models: Annotated[
        list[str] | None, typer.Option("--model", help="embedder to compare (repeatable)")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="JSON path; a PNG is written next to it")] = None,
) -> None:
    """Korean question → review retrieval: recall@10, MRR and throughput per text embedder."""
    from evals.embeddings import DEFAULT_MODELS, run_embedding_eval
    from tripgraph.settings import get_settings

    result = run_embedding_eval(get_settings(), models or list(DEFAULT_MODELS), out)
    for m in result.metrics:
        typer.echo(
            f"{m.model:8s} recall@10={m.recall_at_10:.3f} MRR={m.mrr:.3f} "
            f"docs/s={m.docs_per_s:.1f} queries/s={m.queries_per_s:.1f}"
        )
    typer.echo(f"best quality: {result.best_quality}; recommended: {result.recommended}")


def register(eval_app: typer.Typer) -> None:
    eval_app.command("embeddings")(eval_embeddings)
