"""ragas metrics for the agent eval (ragas 0.4.3, the `eval` dependency group).

The gold set has no reference answers, so the references are taken from the graph and from
the gold constraints and gold Cypher, where they mean something:

- **Evidence precision** (recommendations; ragas `NonLLMContextPrecisionWithReference`).
  Retrieved contexts: the full texts of the reviews the answer cites, in the order shown.
  Reference contexts: every review ABOUT a merchant that meets all hard constraints of the
  gold question (region or city, category, must-haves). A cited review counts as relevant
  when its normalised Levenshtein similarity to some reference review is >= 0.9 (ragas'
  default 0.5 is too loose for short, templated Korean reviews: two unrelated reviews
  often share half their characters). The score is ragas' rank-weighted average precision:
  "is the evidence shown first about places that satisfy the request?". Questions where no
  merchant meets every constraint have no reference and are left out (counted). A second
  figure, `evidence_context_precision_core`, drops the must-haves from the reference (place
  and category only), so that it covers the questions the agent had to relax.
- **Text2Cypher result precision / recall** (graph questions; ragas `IDBasedContextPrecision`
  and `IDBasedContextRecall`). Retrieved: the rows of the agent's query; reference: the rows
  of the gold query; each row is an id made of its values joined by " | " (rows are facts,
  so they match exactly or not at all). Precision = share of the agent's rows that are gold
  rows, recall = share of gold rows the agent found: a graded companion of execution
  accuracy, which only counts equal result sets.
- **Answer states the gold result** (graph questions; ragas `StringPresence`): the share of
  the gold result's values (first 5 rows) that appear in the answer text; an integer also
  counts when written with thousands separators, a float when rounded to 1 or 2 decimals.

Not computed, on purpose: BLEU/ROUGE/string similarity against a reference answer (no
reference answers exist, and `rouge_score` drops Hangul in its tokenizer), and the LLM-judged
metrics (faithfulness, answer relevancy, LLM context precision), which need a real model:
they run only when an endpoint is configured (`llm_metrics`).

Speed: ragas scores one (retrieved, reference) pair per call (~0.1-0.4 ms here). Reference
pools of whole regions hold thousands of reviews, so for each cited review the pool is first
narrowed, with the same similarity function (rapidfuzz Levenshtein, normalised), to its
single most similar reference review; ragas takes the maximum over the pool, so its value is
unchanged (`test_narrowing_keeps_the_ragas_value`).
"""

from __future__ import annotations

import asyncio
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

REVIEW_THRESHOLD = 0.9
MAX_GOLD_ROWS = 5


@dataclass
class RagasScores:
    """Per-question ragas values, averaged by `summary()`."""

    evidence_precision: list[float] = field(default_factory=list)
    evidence_no_reference: int = 0  # questions where no merchant meets every constraint
    evidence_precision_core: list[float] = field(default_factory=list)
    result_precision: list[float] = field(default_factory=list)
    result_recall: list[float] = field(default_factory=list)
    answer_states_gold: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, Any]:
        def mean(xs: list[float]) -> dict[str, Any]:
            return {"value": round(sum(xs) / len(xs), 4) if xs else None, "n": len(xs)}

        return {
            "evidence_context_precision": {
                **mean(self.evidence_precision),
                "skipped_no_reference": self.evidence_no_reference,
                "metric": "ragas NonLLMContextPrecisionWithReference (Levenshtein >= 0.9)",
            },
            "evidence_context_precision_core": {
                **mean(self.evidence_precision_core),
                "metric": "as above, reference without the must-haves (place and category)",
            },
            "text2cypher_result_precision": {
                **mean(self.result_precision),
                "metric": "ragas IDBasedContextPrecision (rows as ids)",
            },
            "text2cypher_result_recall": {
                **mean(self.result_recall),
                "metric": "ragas IDBasedContextRecall (rows as ids)",
            },
            "answer_states_gold_result": {
                **mean(self.answer_states_gold),
                "metric": "ragas StringPresence, mean over gold values",
            },
        }


@dataclass(frozen=True)
class _Ragas:
    sample: Any
    precision: Any
    recall_ids: Any
    precision_ids: Any
    presence: Any


def _ragas() -> _Ragas:
    # ragas imports langchain and datasets (seconds to a minute on a loaded 2-core
    # machine), so it is imported only when scoring. The non-LLM context metrics exist only
    # in its legacy API, which warns on every access that it will move in ragas 1.0.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import ragas.metrics as m
        from ragas.dataset_schema import SingleTurnSample

        return _Ragas(
            SingleTurnSample,
            m.NonLLMContextPrecisionWithReference,
            m.IDBasedContextRecall,
            m.IDBasedContextPrecision,
            m.StringPresence,
        )


def narrow_references(
    retrieved: Sequence[str], reference: Sequence[str], threshold: float
) -> list[str]:
    """For each retrieved text, its most similar reference (normalised Levenshtein), kept
    only when it reaches `threshold`; at least one reference is returned so ragas can run."""
    from rapidfuzz import process
    from rapidfuzz.distance import Levenshtein

    keep: dict[str, None] = {}
    for text in retrieved:
        best = process.extractOne(
            text, reference, scorer=Levenshtein.normalized_similarity, score_cutoff=threshold
        )
        if best is not None:
            keep[best[0]] = None
    return list(keep) or [reference[0]]


def context_precision(
    retrieved: Sequence[str], reference: Sequence[str], threshold: float, *, narrow: bool = True
) -> float:
    """ragas NonLLMContextPrecisionWithReference; 0 when nothing was retrieved."""
    if not retrieved:
        return 0.0
    r = _ragas()
    refs = narrow_references(retrieved, reference, threshold) if narrow else list(reference)
    s = r.sample(retrieved_contexts=list(retrieved), reference_contexts=refs)
    return float(r.precision(threshold=threshold).single_turn_score(s))


def id_precision_recall(retrieved: Sequence[str], reference: Sequence[str]) -> tuple[float, float]:
    """ragas IDBasedContextPrecision and IDBasedContextRecall; 0, 0 when nothing was
    retrieved."""
    if not retrieved:
        return 0.0, 0.0
    r = _ragas()
    s = r.sample(retrieved_context_ids=list(retrieved), reference_context_ids=list(reference))
    return (
        float(r.precision_ids().single_turn_score(s)),
        float(r.recall_ids().single_turn_score(s)),
    )


def value_variants(value: Any) -> list[str]:
    """The ways an answer may write a result value."""
    if isinstance(value, bool) or value is None:
        return [str(value)]
    if isinstance(value, int):
        return [str(value), f"{value:,}"]
    if isinstance(value, float):
        return [str(value), f"{value:.1f}", f"{value:.2f}", f"{value:,.0f}"]
    return [str(value)]


def value_presence(values: Sequence[Any], response: str) -> float:
    """Mean over values of ragas StringPresence (best over each value's written forms)."""
    if not values:
        return 0.0
    r = _ragas()
    metric = r.presence()
    hits = [
        max(
            metric.single_turn_score(r.sample(reference=v, response=response))
            for v in value_variants(value)
        )
        for value in values
    ]
    return float(sum(hits) / len(hits))


def render_row(row: dict[str, Any]) -> str:
    return " | ".join(str(v) for v in row.values())


def score_graph_question(
    agent_rows: list[dict[str, Any]], gold_rows: list[dict[str, Any]], answer_text: str
) -> dict[str, float] | None:
    """Result precision / recall and gold values in the answer; None without gold rows."""
    if not gold_rows:
        return None
    precision, recall = id_precision_recall(
        [render_row(r) for r in agent_rows], [render_row(r) for r in gold_rows]
    )
    values = [v for r in gold_rows[:MAX_GOLD_ROWS] for v in r.values()]
    return {
        "result_precision": precision,
        "result_recall": recall,
        "answer_states_gold": value_presence(values, answer_text),
    }


def llm_metrics(
    samples: list[dict[str, Any]], base_url: str, api_key: str, model: str
) -> dict[str, Any]:
    """ragas Faithfulness (LLM-judged) of each recommendation answer against the reviews it
    cites, through the configured OpenAI-compatible endpoint."""
    from openai import AsyncOpenAI

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from ragas.llms import llm_factory
        from ragas.metrics.collections import Faithfulness

    llm = llm_factory(model, client=AsyncOpenAI(base_url=base_url, api_key=api_key))
    metric = Faithfulness(llm=llm)

    async def run() -> list[float]:
        out = []
        for s in samples:
            result = await metric.ascore(
                user_input=s["question"],
                response=s["answer"],
                retrieved_contexts=s["contexts"],
            )
            out.append(float(result.value))
        return out

    values = asyncio.run(run())
    return {
        "faithfulness": {
            "value": round(sum(values) / len(values), 4) if values else None,
            "n": len(values),
            "model": model,
        }
    }
