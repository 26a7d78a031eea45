"""CLI commands of the understanding/mapping area: `train ner`, `eval ner`, `eval mapping`,
`map places`, `extract`, `itinerary`. Heavy imports happen inside the commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer


def _threads(n: int) -> None:
    # The CPU is shared; one torch thread is also the fastest setting for small batches.
    import torch

    torch.set_num_threads(n)


def train_ner(
    quick: Annotated[bool, typer.Option(help="tiny data, few iterations (smoke run)")] = False,
    variants: Annotated[
        str,
        typer.Option(
            help="comma-separated variants to train (default: crf_base and the served variant; "
            "all: every variant of the eval table, recsys_tools.nlu.train.VARIANTS, more than "
            "an hour of CPU; e5_aug,e5_cont,e5_ext on request; "
            "crf_neg_s<S>_n<N> for any point of the negative-example grid; none: only "
            "switch the served variant with --serve)"
        ),
    ] = "",
    serve: Annotated[
        str, typer.Option(help="variant that extract_entities serves")
    ] = "crf_neg_s25_n100_all",
    threads: Annotated[int, typer.Option(help="torch CPU threads")] = 1,
    e5_minutes: Annotated[float, typer.Option(help="wall-time bound of e5 fine-tuning")] = 12.0,
    bilstm_epochs: Annotated[int, typer.Option(help="epochs of bilstm_aug from scratch")] = 2,
    bilstm_es_epochs: Annotated[
        int, typer.Option(help="most epochs of bilstm_es (early stopping on dev_templates)")
    ] = 12,
    bilstm_patience: Annotated[
        int, typer.Option(help="bilstm_es stops after this many epochs without a better dev F1")
    ] = 3,
    e5_cont_steps: Annotated[
        int, typer.Option(help="extra steps of e5_cont / e5_ext (tokenizer extension pair)")
    ] = 350,
) -> None:
    """Train the NER + intent models (CRF, syllable BiLSTM, e5) into <model_dir>/ner/."""
    from dataclasses import replace

    from recsys_tools.nlu.train import (
        DEFAULT_VARIANTS,
        VARIANTS,
        NerTrainConfig,
        train_variants,
    )
    from tripgraph.settings import get_settings

    _threads(threads)
    cfg = NerTrainConfig.quick() if quick else NerTrainConfig()
    cfg = replace(
        cfg,
        serve=serve,
        e5_max_minutes=e5_minutes,
        e5_cont_steps=e5_cont_steps,
        bilstm=replace(cfg.bilstm, epochs=bilstm_epochs),
        bilstm_es_epochs=bilstm_es_epochs,
        bilstm_patience=bilstm_patience,
    )
    out = get_settings().model_dir / "ner"
    names = [v.strip() for v in variants.split(",") if v.strip()] or list(DEFAULT_VARIANTS)
    if names == ["all"]:
        names = list(VARIANTS)
    elif names == ["none"]:
        names = []
    train_variants(cfg, out, names, log=typer.echo)
    typer.echo(f"models written to {out} (serving {serve})")


def eval_ner(
    threads: Annotated[int, typer.Option(help="torch CPU threads")] = 1,
    variants: Annotated[str, typer.Option(help="comma-separated variants (default: all)")] = "",
    splits: Annotated[str, typer.Option(help="comma-separated splits (default: all)")] = "",
    ablation: Annotated[
        bool,
        typer.Option(
            help="also the intent ablation (raw vs delexicalised) and the tokenizer UNK report"
        ),
    ] = False,
) -> None:
    """Evaluate trained NER variants on every split → runs/ner/*.json + PNGs (models × splits
    table, per-intent precision/recall and confusion matrices, UNK rates)."""
    from recsys_tools.nlu.evaluate import run_ner_eval
    from tripgraph.settings import get_settings

    _threads(threads)
    s = get_settings()
    names = [v.strip() for v in variants.split(",") if v.strip()] or None
    only = [v.strip() for v in splits.split(",") if v.strip()] or None
    out = run_ner_eval(s.model_dir / "ner", s.run_dir / "ner", variants=names, splits=only)
    report = json.loads(out.read_text())
    typer.echo(
        f"{'variant':16s} " + "  ".join(f"{sp:>26s}" for sp in next(iter(report["table"].values())))
    )
    for name, by_split in report["table"].items():
        cells = "  ".join(
            f"P {v['precision']:.3f} R {v['recall']:.3f} F1 {v['f1']:.3f} "
            f"I {v['intent_accuracy']:.2f}"
            for v in by_split.values()
        )
        typer.echo(f"{name:16s} {cells}")
    typer.echo(f"written {out}")
    if ablation:
        from recsys_tools.nlu.evaluate import run_intent_ablation
        from recsys_tools.nlu.tokenizer_report import run_tokenizer_report
        from recsys_tools.nlu.train import load_train_config

        cfg = load_train_config(s.model_dir / "ner")
        typer.echo(f"written {run_tokenizer_report(s.run_dir / 'ner', cfg)}")
        path = run_intent_ablation(s.run_dir / "ner", cfg)
        for split, by in json.loads(path.read_text())["splits"].items():
            cells = "  ".join(f"{k} {v['accuracy']:.3f}" for k, v in by.items())
            typer.echo(f"intent ablation {split}: {cells}")
        typer.echo(f"written {path}")


def eval_mapping(
    scale: Annotated[str | None, typer.Option(help="dataset scale (default: settings)")] = None,
) -> None:
    """Score the place-name mapping pipeline against the gold → runs/mapping/*.json + .png."""
    from evals.mapping import run_mapping_eval
    from tripgraph.settings import get_settings

    s = get_settings()
    out = run_mapping_eval(s.run_dir / "mapping", s.dataset_dir(scale), scale or s.scale, s.seed)
    r = json.loads(out.read_text())
    typer.echo(
        f"stage 1 P {r['stage1']['precision']:.3f} R {r['stage1']['recall']:.3f} | "
        f"stage 2 P {r['stage2']['precision']:.3f} R {r['stage2']['recall']:.3f} | "
        f"wrong removed {r['stage2_wrong_removed']:.3f} correct kept "
        f"{r['stage2_correct_kept']:.3f}\nwritten {out}"
    )


def map_places(
    scale: Annotated[str | None, typer.Option(help="dataset scale (default: settings)")] = None,
    state_dir: Annotated[Path | None, typer.Option(help="pipeline state directory")] = None,
    write_graph: Annotated[bool, typer.Option(help="write SAME_AS to the graph")] = True,
) -> None:
    """Map internal places to external ones (batch jobs; resumable, incremental) and write
    (:Place)-[:SAME_AS {score}]->(:Place). Uses the LLM Batch API when an endpoint is set."""
    import pandas as pd

    from graph_schema.factory import get_store
    from recsys_tools.mapping.batch import BatchExecutor, OfflineBatchExecutor, OpenAIBatchExecutor
    from recsys_tools.mapping.pipeline import (
        MappingConfig,
        MappingPipeline,
        MappingState,
        offline_handler,
        parse_llm,
    )
    from recsys_tools.mapping.records import records
    from tripgraph.settings import get_settings

    s = get_settings()
    data = s.dataset_dir(scale)
    if not (data / "place_db_internal.parquet").exists():
        raise typer.BadParameter(f"no place databases under {data}; run `tripgraph data` first")
    state = MappingState(state_dir or data / "mapping_state")
    cfg = MappingConfig()
    executor: BatchExecutor
    if s.llm.enabled:
        from openai import OpenAI

        client = OpenAI(base_url=s.llm.base_url, api_key=s.llm.api_key.get_secret_value())
        executor = OpenAIBatchExecutor(state.directory / "jobs", client, s.llm.model, parse_llm)
    else:
        executor = OfflineBatchExecutor(state.directory / "jobs", offline_handler(cfg))
    pipe = MappingPipeline(
        records(pd.read_parquet(data / "place_db_internal.parquet")),
        records(pd.read_parquet(data / "place_db_external.parquet")),
        executor,
        state,
        cfg,
        use_llm_prompts=s.llm.enabled,
    )
    if write_graph:
        with get_store(s) as store:
            report = pipe.run(store)
    else:
        report = pipe.run()
    typer.echo(
        json.dumps(
            {k: v for k, v in vars(report).items() if k != "jobs"} | {"jobs": len(report.jobs)},
            ensure_ascii=False,
            default=str,
        )
    )


def extract(text: Annotated[str, typer.Argument(help="a Korean question")]) -> None:
    """Intent and entities of one question (the agent's extract_entities tool)."""
    from recsys_tools.nlu.service import get_extractor
    from tripgraph.settings import get_settings

    _threads(1)
    extractor = get_extractor(get_settings().model_dir / "ner")
    typer.echo(extractor.extract(text).model_dump_json(indent=2))


def itinerary(
    places: Annotated[list[str], typer.Argument(help="itinerary places in order (ids or names)")],
    k: Annotated[int, typer.Option(help="products to return")] = 5,
) -> None:
    """Rank travel products by the share of the itinerary's places they visit."""
    from graph_schema.factory import get_store
    from recsys_tools.itinerary import ItineraryDay, match_itinerary
    from tripgraph.settings import get_settings

    with get_store(get_settings()) as store:
        result = match_itinerary(store, [ItineraryDay(day=1, places=list(places))], k=k)
    typer.echo(result.model_dump_json(indent=2))


def register(app: typer.Typer, train_app: typer.Typer, eval_app: typer.Typer) -> None:
    train_app.command("ner")(train_ner)
    eval_app.command("ner")(eval_ner)
    eval_app.command("mapping")(eval_mapping)
    map_app = typer.Typer(
        help="Place-name mapping between the two place databases.", no_args_is_help=True
    )
    map_app.command("places")(map_places)
    app.add_typer(map_app, name="map")
    app.command("extract")(extract)
    app.command("itinerary")(itinerary)
