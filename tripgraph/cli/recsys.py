"""CLI commands of the recommenders: `tripgraph train <model>` and `tripgraph eval recsys`.

Heavy imports (torch, mlflow) happen inside the commands so `tripgraph --help` stays fast.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any

import typer

SEQ_MODELS = ("bert4rec", "meta-bert4rec", "sasrec", "ncf", "deepfm", "pop")
EMBEDDING_MODELS = ("prod2vec", "meta-prod2vec")

Scale = Annotated[str | None, typer.Option(help="dataset scale under data/ (default: settings)")]
Epochs = Annotated[int, typer.Option(help="maximum epochs (early stopping may end sooner)")]
Dropout = Annotated[
    float | None, typer.Option(help="transformer dropout (default: the travel setting, 0.2)")
]
FusionOpt = Annotated[
    str | None,
    typer.Option(help="Meta-* only: side-information fusion, concat|sum|gate (default: sum)"),
]
Force = Annotated[
    bool, typer.Option(help="retrain even when the saved model came from this data and settings")
]
IdDropout = Annotated[
    float | None,
    typer.Option(help="Meta-* only: P(an item's ID row is zeroed in a training batch)"),
]


def _knobs(dropout: float | None, fusion: str | None, id_dropout: float | None) -> Any:
    from typing import get_args

    from recsys_tools.seqrec.models.layers import Fusion
    from recsys_tools.travel import TransformerKnobs

    allowed = [f for f in get_args(Fusion) if f != "none"]
    if fusion is not None and fusion not in allowed:
        raise typer.BadParameter(f"--fusion must be one of {', '.join(allowed)}, got {fusion!r}")
    return TransformerKnobs(dropout=dropout, fusion=fusion, id_dropout=id_dropout)  # type: ignore[arg-type]


def _up_to_date(path: Path, key: str, force: bool) -> bool:
    """True (and says so) when `path` was trained from this data and these settings."""
    from recsys_tools.travel import saved_fingerprint

    if force or saved_fingerprint(path) != key:
        return False
    typer.echo(f"{path} is up to date (fingerprint {key}); nothing to do (--force retrains)")
    return True


def _make_seq_command(kind: str) -> Callable[..., None]:
    def command(
        scale: Scale = None,
        epochs: Epochs = 100,
        minutes: Annotated[float | None, typer.Option(help="wall-clock budget")] = None,
        lr: Annotated[float, typer.Option(help="learning rate")] = 1e-3,
        batch_size: Annotated[int, typer.Option(help="users per batch")] = 64,
        seed: Annotated[int, typer.Option(help="random seed")] = 0,
        register: Annotated[bool, typer.Option(help="register the model in MLflow")] = True,
        dropout: Dropout = None,
        fusion: FusionOpt = None,
        id_dropout: IdDropout = None,
        force: Force = False,
    ) -> None:
        from recsys_tools.travel import (
            train_travel_model,
            travel_fingerprint,
            travel_paths,
        )
        from tripgraph.settings import get_settings

        settings = get_settings()
        data_dir, model_dir, _, _ = travel_paths(settings, scale)
        knobs = _knobs(dropout, fusion, id_dropout)
        key = travel_fingerprint(
            data_dir,
            kind,
            {
                "epochs": epochs,
                "minutes": minutes,
                "lr": lr,
                "batch_size": batch_size,
                "seed": seed,
                "knobs": knobs,
            },
        )
        if _up_to_date(model_dir / f"{kind}.pt", key, force):
            return
        result = train_travel_model(
            kind,
            scale=scale,
            epochs=epochs,
            minutes=minutes,
            lr=lr,
            batch_size=batch_size,
            seed=seed,
            register=register,
            knobs=knobs,
            settings=settings,
            fingerprint=key,
        )
        typer.echo(
            f"{kind}: test NDCG@10 sampled={result.test_sampled['NDCG@10']:.4f} "
            f"full={result.test_full['NDCG@10']:.4f}; checkpoint {result.checkpoint}"
            + (
                f"; registered version {result.registered_version}"
                if result.registered_version
                else ""
            )
        )

    command.__doc__ = (
        f"Train {kind} on the travel click logs (JSON under runs/recsys/); a no-op when the "
        "saved model came from the same data and settings."
    )
    return command


def _make_embedding_command(name: str) -> Callable[..., None]:
    def command(
        scale: Scale = None,
        epochs: Epochs = 10,
        dim: Annotated[int, typer.Option(help="embedding width")] = 32,
        meta_weight: Annotated[float, typer.Option(help="λ of the metadata loss terms")] = 0.5,
        seed: Annotated[int, typer.Option(help="random seed")] = 0,
        force: Force = False,
    ) -> None:
        from recsys_tools.travel import (
            train_travel_embeddings,
            travel_fingerprint,
            travel_paths,
        )
        from tripgraph.settings import get_settings

        settings = get_settings()
        data_dir, model_dir, _, _ = travel_paths(settings, scale)
        lam = meta_weight if name == "meta-prod2vec" else 0.0
        key = travel_fingerprint(
            data_dir, name, {"epochs": epochs, "dim": dim, "meta_weight": lam, "seed": seed}
        )
        if _up_to_date(model_dir / f"{name}.npz", key, force):
            return
        report = train_travel_embeddings(
            name,
            scale=scale,
            epochs=epochs,
            dim=dim,
            meta_weight=lam,
            seed=seed,
            settings=settings,
            fingerprint=key,
        )
        m = report["next_item"]
        typer.echo(
            f"{name}: next-viewed HR@10={m['HR@10']:.4f} NDCG@10={m['NDCG@10']:.4f}; "
            f"plot {report['plot']}"
        )

    command.__doc__ = (
        f"Train {name} over view sessions (vectors, JSON and a t-SNE PNG); a no-op when the "
        "saved vectors came from the same data and settings."
    )
    return command


def eval_recsys(
    scale: Scale = None,
    epochs: Epochs = 100,
    minutes: Annotated[float | None, typer.Option(help="per-model wall-clock budget")] = None,
    models: Annotated[str, typer.Option(help="comma-separated model kinds")] = (
        "pop,ncf,deepfm,sasrec,bert4rec,meta-bert4rec"
    ),
    seeds: Annotated[int, typer.Option(help="seeds per model (mean and spread reported)")] = 1,
    lr: Annotated[float, typer.Option(help="learning rate (every model)")] = 1e-3,
    batch_size: Annotated[int, typer.Option(help="users per batch (every model)")] = 64,
    dropout: Dropout = None,
    fusion: FusionOpt = None,
    id_dropout: IdDropout = None,
    negatives: Annotated[
        int, typer.Option(help="sampled protocol: popularity-sampled negatives per test user")
    ] = 100,
    out: Annotated[Path | None, typer.Option(help="JSON path")] = None,
) -> None:
    """Compare the recommenders on the travel click logs (one table: JSON + PNG). Every model
    gets the same budget: epochs, minutes, LR, batch size and early stopping."""
    from evals.recsys import compare_travel_models
    from tripgraph.settings import get_settings

    try:
        table = compare_travel_models(
            models.split(","),
            scale=scale,
            epochs=epochs,
            minutes=minutes,
            seeds=seeds,
            out=out,
            lr=lr,
            batch_size=batch_size,
            knobs=_knobs(dropout, fusion, id_dropout),
            negatives=negatives,
            settings=get_settings(),
        )
    except ValueError as exc:  # bad input (e.g. too few items for --negatives): no traceback
        hint = " (try a smaller --negatives)" if "unseen items" in str(exc) else ""
        raise typer.BadParameter(f"{exc}{hint}") from exc
    for row in table["rows"]:
        typer.echo(
            f"{row['model']:<14} sampled NDCG@10={row['sampled']['NDCG@10']:.4f} "
            f"HR@10={row['sampled']['HR@10']:.4f} | full NDCG@10={row['full']['NDCG@10']:.4f} "
            f"HR@10={row['full']['HR@10']:.4f}"
        )
    typer.echo(f"wrote {table['json']}")


def register(train_app: typer.Typer, eval_app: typer.Typer) -> None:
    for kind in SEQ_MODELS:
        train_app.command(kind)(_make_seq_command(kind))
    for name in EMBEDDING_MODELS:
        train_app.command(name)(_make_embedding_command(name))
    eval_app.command("recsys")(eval_recsys)
