"""`tripgraph data generate`: a thin adapter over `ingest.generate.generate`."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer

from ingest.generate.config import Scale


def register(data_app: typer.Typer) -> None:
    @data_app.command("generate")
    def generate_cmd(
        scale: Annotated[Scale, typer.Option(help="tiny (tests), demo or full")] = "demo",
        seed: Annotated[int, typer.Option(help="seed of the generator")] = 42,
        out: Annotated[
            Path | None,
            typer.Option(help="output folder; default: the settings' dataset dir for the scale"),
        ] = None,
    ) -> None:
        """Generate the synthetic dataset (Parquet files + manifest.json)."""
        from ingest.generate import generate
        from tripgraph.settings import get_settings

        out_dir = out or get_settings().dataset_dir(scale)
        started = time.perf_counter()
        manifest = generate(scale, seed, out_dir)
        elapsed = time.perf_counter() - started
        for name, rows in manifest.files.items():
            typer.echo(f"{name:32s} {rows:>10,d} rows")
        typer.echo(f"wrote {out_dir} in {elapsed:.1f}s (scale={scale}, seed={seed})")
