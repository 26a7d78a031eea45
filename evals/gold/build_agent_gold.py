# ruff: noqa: E501  (gold Cypher: one query per line)
"""Build the agent gold set (`agent_gold.jsonl`): Korean questions with expected intent,
slots, hard constraints and, for graph questions, gold Cypher.

Recommendation questions are sampled (seeded) from hand-written phrasings: the canonical
value of each slot is chosen first, then one of the surface forms users write for it, so
the expected slots are known by construction and the parser is tested on the aliases and
phrasings. Follow-up conversations, graph questions (with gold Cypher), tool questions and
out-of-scope questions are written out in `agent_gold_data.py`. Merchant names come from the dataset
the evals run on (`data/dense/merchants.parquet`, the graph `make run` builds) so that name
questions have answers there (built from data/demo until session 24, two names were not held).

Itinerary questions are sampled from that dataset's POIs (a name or one of its aliases per place,
one or two days, varied phrasings); their gold is the places per day (graph names) and the
best match rate any of its products reaches with the products that reach it
(`product_places.parquet`). Place-mapping questions name an internal place-database record
(Korean or English name); their gold external id comes from the generator's mapping gold
(`place_mapping_gold.parquet`; None when the external database has no such place).

    .venv/bin/python evals/gold/build_agent_gold.py
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path
from typing import Any

# Run as a script, this file sees the checkout it lies in first, not an installed copy.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from evals.gold.agent_gold_data import (
    CATEGORIES,
    FOLLOWUPS,
    GRAPH_QUESTIONS,
    ITINERARY_PHRASINGS_1,
    ITINERARY_PHRASINGS_2,
    MAPPING_PHRASINGS,
    MUSTS,
    OUT_OF_SCOPE,
    PARTIES,
    PHRASINGS,
    REGIONS,
    TOOLS,
)

OUT = Path(__file__).with_name("agent_gold.jsonl")
DATA = Path(__file__).resolve().parents[2] / "data" / "dense"  # the evals' graph
MERCHANTS = DATA / "merchants.parquet"


def _recommend(rng: random.Random, n: int) -> list[dict[str, Any]]:
    items = []
    for i in range(n):
        region = rng.choice(list(REGIONS))
        category = rng.choice(list(CATEGORIES))
        phr = rng.choice(PHRASINGS)
        party = rng.choice([None, *PARTIES]) if "{party}" in phr else None
        if "{party}" in phr and party is None:
            party = rng.choice(list(PARTIES))
        must = rng.choice([None, None, *MUSTS]) if "{must}" in phr else None
        if must is None and "곳 골라줘" in phr:
            must = "quiet"
        q = phr.format(
            region=rng.choice(REGIONS[region]),
            category=rng.choice(CATEGORIES[category]),
            party=rng.choice(PARTIES[party]) if party else "",
            must=(rng.choice(MUSTS[must]) + " ") if must else "",
        )
        q = " ".join(q.split()).replace("( ", "(").replace(" )", ")").replace("()", "").strip()
        slots: dict[str, Any] = {
            "region": region,
            "category": category,
            "party": party,
            "must_haves": [must] if must else [],
        }
        items.append(
            {
                "id": f"rec-{i + 1:03d}",
                "kind": "recommend",
                "question": q,
                "expected": {"intent": "recommend_place", "slots": slots},
                "constraints": {
                    "region": region,
                    "category": category,
                    "must_haves": slots["must_haves"],
                },
            }
        )
    return items


def _graph(names: list[str]) -> list[dict[str, Any]]:
    g = list(GRAPH_QUESTIONS)
    for name in names[:6]:
        g.append(
            (
                f"{name} 메뉴 뭐 있어?",
                f"MATCH (m:Merchant {{name: '{name}'}})-[s:SERVES]->(x:Menu) RETURN x.name, s.price",
                {"merchant_name": name},
            )
        )
    for name in names[6:10]:
        g.append(
            (
                f"{name} 리뷰 몇 개야?",
                f"MATCH (r:Review)-[:ABOUT]->(m:Merchant {{name: '{name}'}}) RETURN count(r)",
                {"merchant_name": name},
            )
        )
    out = []
    for i, (q, cy, slots) in enumerate(g, 1):
        out.append(
            {
                "id": f"graph-{i:03d}",
                "kind": "graph",
                "question": q,
                "expected": {"intent": "graph_question", "slots": slots},
                "gold_cypher": cy,
            }
        )
    return out


def _unique_names() -> list[str]:
    import pandas as pd

    df = pd.read_parquet(MERCHANTS, columns=["name"])
    counts = df["name"].value_counts()
    unique = sorted(str(n) for n, c in counts.items() if c == 1 and "'" not in str(n))
    return random.Random(7).sample(unique, 10)


def _itinerary(rng: random.Random, n: int) -> list[dict[str, Any]]:
    import pandas as pd

    places = pd.read_parquet(DATA / "places.parquet")
    pois = places[places["level"] == "poi"]
    visits = pd.read_parquet(DATA / "product_places.parquet")
    by_product = visits.groupby("product_id")["place_id"].apply(set).to_dict()
    by_city = {str(c): g for c, g in pois.groupby("city_code") if len(g) >= 4}
    items = []
    for i in range(n):
        city = rng.choice(sorted(by_city))
        chosen = by_city[city].sample(rng.choice([2, 3, 4]), random_state=rng.randrange(10**6))
        rows = list(chosen.itertuples())
        two_days = len(rows) >= 3 or rng.random() < 0.5
        split = len(rows) // 2 if two_days else len(rows)
        days = [rows[:split], rows[split:]] if two_days else [rows]

        def surface(r: Any) -> str:
            aliases = [a for a in list(r.aliases) if len(a) >= 2]
            return str(rng.choice([r.name, r.name, *aliases]))

        text = [", ".join(surface(r) for r in d) for d in days]
        phr = rng.choice(ITINERARY_PHRASINGS_2 if two_days else ITINERARY_PHRASINGS_1)
        q = phr.format(d1=text[0], d2=text[1] if two_days else "")
        ids = {r.place_id for r in rows}
        rates = {p: len(v & ids) / len(ids) for p, v in by_product.items()}
        best = max(rates.values())
        items.append(
            {
                "id": f"itin-{i + 1:03d}",
                "kind": "itinerary",
                "question": q,
                "expected": {
                    "intent": "itinerary",
                    "slots": {},
                    "itinerary": [
                        {"day": d + 1, "places": [r.name for r in day]}
                        for d, day in enumerate(days)
                    ],
                    "best_match_rate": round(best, 4),
                    "best_products": sorted(
                        str(p) for p, r in rates.items() if r == best and r > 0
                    ),
                },
            }
        )
    return items


def _topic(word: str) -> str:
    """'성산일출봉' → '성산일출봉은', '우도' → '우도는' (a final consonant takes 은)."""
    last = word[-1]
    if "가" <= last <= "힣":
        return word + ("은" if (ord(last) - 0xAC00) % 28 else "는")
    return word + " 는"


def _mapping(rng: random.Random, n: int) -> list[dict[str, Any]]:
    import pandas as pd

    internal = pd.read_parquet(DATA / "place_db_internal.parquet")
    gold = pd.read_parquet(DATA / "place_mapping_gold.parquet")
    same = {r.internal_id: r.external_id for r in gold.itertuples() if r.is_same}
    # Attractions: the records users ask about by name; names unique in the database.
    pool = internal[(internal["category"] == "attraction")]
    pool = pool[~pool["name"].duplicated(keep=False) & ~pool["name_en"].duplicated(keep=False)]
    rows = list(pool.sample(n, random_state=rng.randrange(10**6)).itertuples())
    items = []
    for i, r in enumerate(rows):
        script, phr = MAPPING_PHRASINGS[i % len(MAPPING_PHRASINGS)]
        name = str(r.name if script == "ko" else r.name_en)
        items.append(
            {
                "id": f"map-{i + 1:03d}",
                "kind": "mapping",
                "question": phr.format(name=name, topic=_topic(name)),
                "expected": {
                    "intent": "place_mapping",
                    "slots": {},
                    "mapping": {"internal_id": r.place_id, "external_id": same.get(r.place_id)},
                },
            }
        )
    return items


def build() -> list[dict[str, Any]]:
    rng = random.Random(20240601)
    items = _recommend(rng, 90)
    for ci, conv in enumerate(FOLLOWUPS, 1):
        for ti, (q, slots) in enumerate(conv):
            exp = {k: v for k, v in slots.items() if k not in ("cheaper", "other")}
            exp.setdefault("must_haves", [])
            item: dict[str, Any] = {
                "id": f"conv-{ci:02d}-{ti + 1}",
                "kind": "followup" if ti else "recommend",
                "conversation": f"conv-{ci:02d}",
                "turn": ti + 1,
                "question": q,
                "expected": {"intent": "recommend_place", "slots": exp},
                "constraints": {
                    k: v
                    for k, v in exp.items()
                    if k in ("region", "city", "category", "must_haves")
                },
            }
            if slots.get("cheaper"):
                item["expected"]["cheaper_than_previous"] = True
            if slots.get("other"):
                item["expected"]["excludes_previous"] = True
            items.append(item)
    for i, q in enumerate(OUT_OF_SCOPE, 1):
        items.append(
            {
                "id": f"oos-{i:03d}",
                "kind": "out_of_scope",
                "question": q,
                "expected": {"intent": "out_of_scope", "slots": {}},
            }
        )
    for i, (q, intent, slots) in enumerate(TOOLS, 1):
        items.append(
            {
                "id": f"tool-{i:03d}",
                "kind": "tool",
                "question": q,
                "expected": {"intent": intent, "slots": slots},
            }
        )
    items += _graph(_unique_names())
    items += _itinerary(random.Random(31), 15)
    items += _mapping(random.Random(37), 12)
    return items


if __name__ == "__main__":
    items = build()
    with OUT.open("w", encoding="utf-8") as fh:
        for item in items:
            fh.write(json.dumps(item, ensure_ascii=False) + "\n")
    kinds: dict[str, int] = {}
    for it in items:
        kinds[it["kind"]] = kinds.get(it["kind"], 0) + 1
    print(f"wrote {len(items)} items to {OUT}: {kinds}")
