"""Dump the agent's answers to every gold question, for "behaviour unchanged" checks around a
refactor: run it before and after, then `cmp` the two files (the dump is deterministic offline).

Each question of the gold files goes through `AgentService.ask` on the configured graph, in
file order, follow-ups on their conversation's thread; per question the intent, the picks
(merchant id, relaxations, score), the answer text without the thread line, and the Cypher.

    TRIPGRAPH_SCALE=dense .venv/bin/python benchmarks/dump_answers.py /tmp/before.json
    ... change ...
    TRIPGRAPH_SCALE=dense .venv/bin/python benchmarks/dump_answers.py /tmp/after.json
    cmp /tmp/before.json /tmp/after.json
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

GOLD = [
    ROOT / "evals" / "gold" / "agent_gold.jsonl",
    ROOT / "evals" / "gold" / "paraphrase_gold.jsonl",
]


def main() -> None:
    from agent.service import AgentService
    from tripgraph.settings import get_settings

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path, help="JSON file to write")
    ap.add_argument("--gold", type=Path, nargs="+", default=GOLD)
    args = ap.parse_args()
    # A throw-away memory file: the dump's threads must not mix with users' conversations.
    memory = Path(tempfile.mkdtemp(prefix="dump-answers-")) / "memory.sqlite"
    service = AgentService.open(get_settings(), memory_path=memory)
    rows = []
    try:
        for path in args.gold:
            for line in path.read_text(encoding="utf-8").splitlines():
                item = json.loads(line)
                conv = item.get("conversation")
                a = service.ask(item["question"], f"dump-{conv}" if conv else None)
                rows.append(
                    {
                        "id": item["id"],
                        "intent": a.intent,
                        "picks": [
                            [p.merchant_id, p.relaxed, round(p.score or 0, 3)] for p in a.picks
                        ],
                        "answer": "\n".join(x for x in a.answer.splitlines() if "thread" not in x),
                        "cypher": a.cypher,
                    }
                )
    finally:
        service.close()
    args.out.write_text(json.dumps(rows, ensure_ascii=False, indent=0), encoding="utf-8")
    print(f"wrote {len(rows)} answers to {args.out}")


if __name__ == "__main__":
    main()
