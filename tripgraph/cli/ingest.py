"""CLI commands of the graph side: ingest, embed, stats, cypher."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import Annotated, Literal

import typer

from tripgraph.settings import Scale as TGScale
from tripgraph.settings import get_settings

Scale = Annotated[
    str | None, typer.Option(help="dataset scale (tiny, demo, dense, full); default: settings")
]


def _state_dir() -> Path:
    s = get_settings()
    return s.run_dir / "ingest" / f"{s.graph.backend}-{s.graph.graph_name}"


def generate(
    scale: Annotated[
        TGScale | None,
        typer.Option(help="tiny (tests), demo, dense (what `make run` serves) or full"),
    ] = None,
    seed: Annotated[int, typer.Option(help="seed of the generator")] = 42,
    out: Annotated[
        Path | None,
        typer.Option(help="output folder; default: the settings' dataset dir for the scale"),
    ] = None,
) -> None:
    """Generate the synthetic dataset (Parquet files + manifest.json)."""
    from ingest.generate import generate as run_generator

    scale = scale or get_settings().scale
    out_dir = out or get_settings().dataset_dir(scale)
    started = time.perf_counter()
    manifest = run_generator(scale, seed, out_dir)
    elapsed = time.perf_counter() - started
    for name, rows in manifest.files.items():
        typer.echo(f"{name:32s} {rows:>10,d} rows")
    typer.echo(f"wrote {out_dir} in {elapsed:.1f}s (scale={scale}, seed={seed})")


def ingest(
    scale: Scale = None,
    data: Annotated[Path | None, typer.Option(help="dataset directory (overrides --scale)")] = None,
    restart: Annotated[bool, typer.Option(help="ignore the checkpoint of an earlier run")] = False,
    batch_size: Annotated[int, typer.Option(min=1)] = 2000,
    mode: Annotated[
        Literal["auto", "bulk", "merge"],
        typer.Option(
            help="bulk: fast first load, only into an empty graph; merge: idempotent "
            "upserts, resumable batch by batch; auto: bulk if the graph is empty, else merge"
        ),
    ] = "auto",
    export_neo4j: Annotated[
        Path | None,
        typer.Option(
            help="write the validated rows as `neo4j-admin database import` files into this "
            "folder (no graph needed); then import them and run --after-import"
        ),
    ] = None,
    after_import: Annotated[
        Path | None,
        typer.Option(
            help="the Neo4j graph now holds the import of this folder: check it, create the "
            "schema and record the ingest as done"
        ),
    ] = None,
) -> None:
    """Load a generated dataset into the graph (idempotent, resumable, bad rows quarantined)."""
    from graph_schema.factory import get_store
    from graph_schema.store import GraphStoreError
    from ingest.loader import ingest_dataset

    settings = get_settings()
    dataset = data or settings.dataset_dir(scale)
    if not dataset.is_dir():
        typer.echo(f"no dataset at {dataset}: run `tripgraph data generate` first", err=True)
        raise typer.Exit(2)
    if export_neo4j is not None:
        _export_neo4j(dataset, export_neo4j, batch_size)
        return
    with get_store(settings) as store:
        try:
            if after_import is not None:
                from ingest.neo4j_import import finish_import

                report = finish_import(store, dataset, after_import, _state_dir())
            else:
                report = ingest_dataset(
                    store,
                    dataset,
                    _state_dir(),
                    batch_size=batch_size,
                    resume=not restart,
                    mode=mode,
                )
        except GraphStoreError as exc:  # BulkLoadError, Neo4jImportError
            typer.echo(f"ingest failed: {exc}", err=True)
            raise typer.Exit(4) from None
        counts = store.counts()
    how = {
        "bulk": "bulk (first load into an empty graph)",
        "merge": "merge (idempotent upserts)",
        "current": "nothing to do: the graph holds this dataset (--restart to reload)",
        "imported": "imported by neo4j-admin: checked, schema created, checkpoint recorded",
    }[report.mode]
    typer.echo(f"mode: {how}")
    for f in report.files:
        typer.echo(
            f"{f.file:<28} read {f.read:>9,}  loaded {f.loaded:>9,}  "
            f"quarantined {f.quarantined:>6,}  resumed {f.skipped_resumed:>9,}"
        )
    typer.echo(
        f"nodes {counts.total_nodes:,}  relationships {counts.total_relationships:,}  "
        f"in {report.seconds:.1f}s"
    )
    if report.quarantined:
        typer.echo(f"{report.quarantined:,} rows quarantined: see {report.quarantine_file}")


def _export_neo4j(dataset: Path, out: Path, batch_size: int) -> None:
    from ingest.neo4j_import import ARGS_FILE, export_import_files

    report = export_import_files(dataset, out, batch_size=batch_size)
    rows = sum(f.loaded for f in report.files)
    typer.echo(
        f"wrote {rows:,} validated rows as neo4j-admin import files into {out} in "
        f"{report.seconds:.1f}s ({rows / max(report.seconds, 1e-9):,.0f} rows/s)"
    )
    if report.quarantined:
        typer.echo(f"{report.quarantined:,} rows quarantined: see {report.quarantine_file}")
    args = (out / ARGS_FILE).resolve()
    typer.echo(
        "next, with the Neo4j database stopped:\n"
        f"  neo4j-admin database import full --overwrite-destination @{args} neo4j\n"
        f"  (the test server: scripts/neo4j-test-server.sh import {out})\n"
        "then, with it started:\n"
        f"  tripgraph ingest --data {dataset} --after-import {out}"
    )


def embed(
    limit: Annotated[int | None, typer.Option(help="embed at most this many reviews")] = None,
    model: Annotated[str | None, typer.Option(help="text embedder; default: settings")] = None,
    rebuild: Annotated[bool, typer.Option(help="discard every stored vector first")] = False,
    check: Annotated[bool, typer.Option(help="only report what is stale; embed nothing")] = False,
) -> None:
    """Reconcile the review vector index with the graph: embed new reviews, re-embed changed
    ones, drop deleted ones (resumable; another embedder's vectors are rebuilt)."""
    from embeddings.text.factory import get_embedder, make_embedder
    from graph_schema.factory import get_store
    from ingest.embed_reviews import embed_reviews

    settings = get_settings()
    embedder = make_embedder(model, settings.model_dir) if model else get_embedder(settings)
    with get_store(settings) as store:
        if check:
            status = store.vector_status("review_embedding", full=True)
            typer.echo(
                f"{'ok' if status.ok else 'STALE'}: {status.nodes:,} reviews, "
                f"{status.vectors:,} vectors ({status.tag or 'no model tag'}); "
                f"missing {status.missing:,}, changed {status.changed:,}, deleted {status.extra:,}"
            )
            raise typer.Exit(0 if status.ok else 1)
        report = embed_reviews(
            store,
            embedder,
            batch_size=settings.embedding.batch_size,
            limit=limit,
            rebuild=rebuild,
        )
    typer.echo(
        f"embedded {report.embedded:,} reviews with {report.model} ({report.dimension}-d) "
        f"in {report.seconds:.1f}s ({report.per_second:.0f}/s): new {report.new:,}, "
        f"changed {report.changed:,}, deleted {report.deleted:,}, "
        f"up to date {report.up_to_date:,}"
        + (f", migrated {report.migrated:,}" if report.migrated else "")
        + (", rebuilt (other model)" if report.rebuilt else "")
        + (f"; {report.remaining:,} left (--limit)" if report.remaining else "")
    )


def graph_embeddings(
    method: Annotated[
        Literal["prone", "node2vec"],
        typer.Option(help="prone (sparse factorisation, seconds) or node2vec (walks, minutes)"),
    ] = "prone",
    data: Annotated[
        Path | None,
        typer.Option(
            help="read the graph's edges from this dataset's Parquet files, not the store"
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="refit even when the stored vectors were fitted on this graph")
    ] = False,
) -> None:
    """Embed the merchant graph and store Merchant.graph_embedding (for backfill)."""
    from embeddings.graph import Node2VecConfig, ProNEConfig
    from embeddings.graph_job import train_graph_embeddings
    from graph_schema.factory import get_store

    settings = get_settings()
    config = (ProNEConfig if method == "prone" else Node2VecConfig).from_settings(settings)
    with get_store(settings) as store:
        report = train_graph_embeddings(store, config, dataset_dir=data, force=force)
    if report.current:
        typer.echo(
            f"{report.method}: the stored merchant embeddings were fitted on this graph"
            f" ({report.edges:,} edges) with these settings; nothing "
            f"to do (--force to refit), checked in {report.seconds:.1f}s"
        )
        return
    phases = ", ".join(f"{k} {v:.1f}s" for k, v in report.phase_seconds.items())
    typer.echo(
        f"{report.method} on {report.nodes:,} nodes / {report.edges:,} edges "
        f"(from the {report.source}): {report.merchants_written:,} merchant embeddings "
        f"({report.dim}-d) in {report.seconds:.1f}s ({phases})"
    )


def stats(as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False) -> None:
    """Node and relationship counts of the graph."""
    from graph_schema.factory import get_store

    with get_store(get_settings()) as store:
        counts = store.counts()
    if as_json:
        typer.echo(json.dumps({"nodes": counts.nodes, "relationships": counts.relationships}))
        return
    for label, n in counts.nodes.items():
        typer.echo(f"(:{label:<10}) {n:>10,}")
    for rel, n in counts.relationships.items():
        typer.echo(f"[:{rel:<11}] {n:>10,}")


def cypher(
    query: Annotated[str, typer.Argument(help="a read-only Cypher query")],
    as_json: Annotated[bool, typer.Option("--json", help="print JSON")] = False,
    max_rows: Annotated[int, typer.Option(min=1)] = 50,
) -> None:
    """Run a read-only query. Writes are refused and the graph is left unchanged."""
    from graph_schema.factory import get_store
    from graph_schema.store import GraphStoreError, ReadOnlyViolation

    try:
        with get_store(get_settings()) as store:
            result = store.read(query, max_rows=max_rows)
    except ReadOnlyViolation as exc:
        typer.echo(
            f"refused: only read-only queries are allowed ({exc}); nothing was changed", err=True
        )
        raise typer.Exit(3) from None
    except GraphStoreError as exc:
        typer.echo(f"query failed: {exc}", err=True)
        raise typer.Exit(4) from None
    if as_json:
        out = {"columns": result.columns, "rows": result.rows, "truncated": result.truncated}
        json.dump(out, sys.stdout, ensure_ascii=False, default=str)
        sys.stdout.write("\n")
        return
    typer.echo(" | ".join(result.columns))
    for row in result.rows:
        typer.echo(
            " | ".join(json.dumps(row[c], ensure_ascii=False, default=str) for c in result.columns)
        )
    if result.truncated:
        typer.echo(f"(first {max_rows} rows)")


def register(app: typer.Typer, data_app: typer.Typer, train_app: typer.Typer) -> None:
    data_app.command("generate")(generate)
    train_app.command("graph-embeddings")(graph_embeddings)
    app.command()(ingest)
    app.command()(embed)
    app.command()(stats)
    app.command()(cypher)
