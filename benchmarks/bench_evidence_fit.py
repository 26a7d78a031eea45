"""Evidence that fits the ask (issue 12 item 3): the share of cited reviews whose quoted
sentence names an asked aspect (dish, must-have, occasion, party words: `aspect_weights`),
for snippet pools of several sizes, on the dev paraphrase asks and the first gold set's
recommendations (single turns), offline, on the configured graph.

    TRIPGRAPH_SCALE=dense .venv/bin/python benchmarks/bench_evidence_fit.py --pools 6 18
    # writes runs/benchmarks/evidence_fit.json

The pool is `AgentConfig.snippets_per_candidate`: each candidate's reviews nearest the HyDE
vector, among which `choose_evidence` picks the cited ones. Latency per question is kept
beside the share, since a wider pool fetches more review texts.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from agent.selection import aspect_weights, sentence_score  # noqa: E402
from agent.service import AgentService  # noqa: E402
from recsys_tools.seqrec.experiment import write_json  # noqa: E402
from tripgraph.provenance import git_sha  # noqa: E402
from tripgraph.settings import get_settings  # noqa: E402

GOLD = ROOT / "evals" / "gold"


def _questions() -> list[str]:
    out = []
    for line in (GOLD / "paraphrase_gold.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if item["split"] == "dev" and not item.get("conversation"):
            out.append(item["question"])
    for line in (GOLD / "agent_gold.jsonl").read_text(encoding="utf-8").splitlines():
        item = json.loads(line)
        if (item.get("expected") or {}).get("intent", item.get("intent")) == "recommend_place":
            out.append(item["question"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pools", type=int, nargs="+", default=[6, 18])
    ap.add_argument("--out", type=Path, default=ROOT / "runs/benchmarks/evidence_fit.json")
    args = ap.parse_args()
    questions = _questions()
    memory = Path(tempfile.mkdtemp(prefix="evidence-fit-")) / "memory.sqlite"
    service = AgentService.open(get_settings(), memory_path=memory)
    rows: list[dict[str, Any]] = []
    for pool in args.pools:
        service.deps.config = service.deps.config.model_copy(
            update={"snippets_per_candidate": pool}
        )
        hits = cited = 0
        ms: list[float] = []
        for n, question in enumerate(questions):
            t0 = time.perf_counter()
            answer = service.ask(question, thread_id=f"pool{pool}-{n}")
            ms.append((time.perf_counter() - t0) * 1000)
            weights = aspect_weights(answer.slots) if answer.slots else {}
            if answer.intent != "recommend_place" or not weights:
                continue
            for pick in answer.picks:
                for e in pick.evidence:
                    cited += 1
                    hits += int(sentence_score(e.text, weights) > 0)
        ms.sort()
        rows.append(
            {
                "pool": pool,
                "cited": cited,
                "naming_an_asked_aspect": round(hits / cited, 4) if cited else None,
                "latency_ms": {
                    "p50": round(ms[len(ms) // 2], 1),
                    "p95": round(ms[int(len(ms) * 0.95)], 1),
                },
            }
        )
        print(rows[-1], flush=True)
    write_json(args.out, {"git_sha": git_sha(), "questions": len(questions), "rows": rows})


if __name__ == "__main__":
    main()
