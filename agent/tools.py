"""Adapters from the agent's tool intents to the typed tools of `recsys_tools`.

- personalised products / viewed together → `recsys_tools.tools` (trained recommenders);
- itinerary → package → `recsys_tools.itinerary.match_itinerary` over the graph;
- place mapping → the SAME_AS edges the mapping pipeline wrote (`tripgraph map places`),
  else that pipeline's offline stage 1 (`CandidateIndex` + `offline_pick`) and stage 2
  (`verify`) run for the one place asked about.

Each adapter parses what its tool needs from the question (and the NER model's spans when
they are there), calls the tool and returns a typed `ToolOutcome`. "Not available" is said
only for what is genuinely missing (no trained recommender, no generated place databases),
with the command that makes it.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from agent.cypher import PLACE_BY_NAME, PLACE_NAMES, PRODUCTS_BY_ID, SAME_AS_OF
from agent.state import ToolOutcome
from agent.understand import DAY_MARK, Match, find_all
from graph_schema.store import GraphStore, GraphStoreError
from recsys_tools import tools as recsys
from recsys_tools.itinerary import ItineraryDay, ItineraryMatchResult, match_itinerary

# The place-mapping modules import pandas (~0.3 s): loaded by the mapping tool when it runs,
# not by every process that builds the agent (`tripgraph ask`, the API, the MCP server).
if TYPE_CHECKING:
    from recsys_tools.mapping.candidates import CandidateIndex
    from recsys_tools.mapping.records import PlaceRecord


FEATURES = {
    "recommend_products": "개인화 여행 상품 추천",
    "viewed_together": "함께 본 상품",
    "itinerary": "일정 → 패키지 매칭",
    "place_mapping": "장소 DB 매핑",
}

# ------------------------------------------------------------------ question parsing

_DAY_WORDS = {"첫": 1, "둘": 2, "셋": 3, "넷": 4, "다섯": 5}
# Where the place list ends: the request that follows it.
_REQUEST_TAIL = re.compile(
    r"\s*(?:(?:여행\s*)?(?:일정|코스|동선|여행\s*계획)|(?:에|랑|과|와)?\s*(?:맞는|맞춘|비슷한|"
    r"어울리는|가는|도는|패키지|상품|추천)).*$"
)
_SPLIT = re.compile(r"\s*(?:,|/|→|->|>|·|、|\+|그리고|\s랑\s|\s하고\s)\s*")
_TRAILING_PARTICLES = ("이랑", "하고", "까지", "에서", "랑", "와", "과", "을", "를", "은", "는")


def _strip_particle(word: str) -> str:
    for p in _TRAILING_PARTICLES:
        if word.endswith(p) and len(word) > len(p) + 1:
            return word[: -len(p)]
    return word


def _day_segments(question: str) -> list[tuple[int, int, int]]:
    """(day, start, end) character ranges of the question, one per day marker; without
    markers, "/" separates days and no "/" means one day."""
    marks = list(DAY_MARK.finditer(question))
    if marks:
        out = []
        for i, m in enumerate(marks):
            day = int(m.group(1) or m.group(2) or _DAY_WORDS.get(m.group(3), i + 1))
            end = marks[i + 1].start() if i + 1 < len(marks) else len(question)
            out.append((day, m.end(), end))
        return out
    if "/" in question:
        out, start = [], 0
        for i, part in enumerate(question.split("/")):
            out.append((i + 1, start, start + len(part)))
            start += len(part) + 1
        return out
    return [(1, 0, len(question))]


def parse_itinerary(
    question: str, poi_table: dict[str, str], entities: list[dict[str, Any]]
) -> list[ItineraryDay]:
    """Places per day: names the graph knows (POIs with their aliases) found in each day's
    text, then the NER model's place spans there that name nothing the graph lists, then —
    when neither found anything — the day's text split at commas and slashes."""
    days: list[ItineraryDay] = []
    for day, start, end in _day_segments(question):
        text = question[start:end]
        found: list[Match] = find_all(text, poi_table)
        spans = [(m.start, m.start + len(m.surface)) for m in found]
        places = [(m.start, m.canonical) for m in found]
        for e in entities:
            if e["label"] not in ("POI", "REGION", "CITY") or not start <= e["start"] < end:
                continue
            s, t = e["start"] - start, e["end"] - start
            if not any(s < b and a < t for a, b in spans):
                places.append((s, _strip_particle(str(e["text"]).strip())))
        if not places:
            body = _REQUEST_TAIL.sub("", text).strip()
            places = [
                (0, _strip_particle(w.strip()))
                for w in _SPLIT.split(body)
                if len(w.strip()) >= 2 and not DAY_MARK.fullmatch(w.strip())
            ]
        names = list(dict.fromkeys(name for _, name in sorted(places)))
        if names:
            days.append(ItineraryDay(day=day, places=names))
    return days


_LATIN_NAME = re.compile(r"[A-Za-z][A-Za-z'\-]*(?:\s+[A-Za-z][A-Za-z'\-]*)*")


def mapping_names(
    question: str, poi_table: dict[str, str], entities: list[dict[str, Any]]
) -> list[str]:
    """Place names a mapping question asks about, in order: graph POI names, then the
    model's place spans, then a run of Latin words (a map app's English name)."""
    names = [question[m.start : m.start + len(m.surface)] for m in find_all(question, poi_table)]
    if not names:
        names = [
            _strip_particle(str(e["text"]).strip())
            for e in entities
            if e["label"] in ("POI", "REGION", "CITY")
        ]
    if not names:
        stop = {"db", "google", "place", "places", "id"}
        names = [
            m.group(0)
            for m in _LATIN_NAME.finditer(question)
            if m.group(0).lower() not in stop and len(m.group(0)) >= 3
        ]
    return list(dict.fromkeys(n for n in names if n))


# ------------------------------------------------------------------ the toolbox


@dataclass
class PlaceDatabases:
    """The two place databases of the mapping task, with the stage-1 index (built once)."""

    internal: list[PlaceRecord]
    external: dict[str, PlaceRecord]
    index: CandidateIndex


@lru_cache(maxsize=2)
def _place_databases(dataset_dir: Path) -> PlaceDatabases | None:
    import pandas as pd

    from recsys_tools.mapping.candidates import CandidateIndex
    from recsys_tools.mapping.pipeline import MappingConfig
    from recsys_tools.mapping.records import records

    ip, ep = dataset_dir / "place_db_internal.parquet", dataset_dir / "place_db_external.parquet"
    if not (ip.exists() and ep.exists()):
        return None
    internal, external = records(pd.read_parquet(ip)), records(pd.read_parquet(ep))
    return PlaceDatabases(
        internal,
        {e.place_id: e for e in external},
        CandidateIndex(external, MappingConfig().blocking),
    )


class AgentTools:
    """The tool adapters over one graph store. Lookup tables load on first use."""

    def __init__(
        self,
        store: GraphStore,
        dataset_dir: Path | None = None,
        toolbox: recsys.RecsysToolbox | None = None,
    ) -> None:
        """`dataset_dir`: where the place databases are (None: the mapping tool says it has
        none); `toolbox`: the trained recommenders (None: `recsys_tools.tools`' own)."""
        self.store = store
        self.dataset_dir = dataset_dir
        self.toolbox = toolbox
        self._poi_table: dict[str, str] | None = None
        self._areas: set[str] = set()  # names of regions and cities (not visitable POIs)
        self._lock = threading.Lock()

    def poi_table(self) -> dict[str, str]:
        """Every place name, English name and alias the graph holds (lower case; POIs, then
        regions and cities) → the name `match_itinerary` resolves."""
        if self._poi_table is None:
            with self._lock:
                table: dict[str, str] = {}
                for r in self.store.read(PLACE_NAMES, max_rows=1_000_000).rows:
                    if r["level"] != "poi":
                        self._areas.add(str(r["name"]))
                    for alias in (r["name"], r.get("name_en"), *(r.get("aliases") or [])):
                        if alias and len(str(alias)) >= 2:
                            table.setdefault(str(alias).lower(), str(r["name"]))
                self._poi_table = table
        return self._poi_table

    def _places(self) -> PlaceDatabases | None:
        if self.dataset_dir is None:
            return None
        return _place_databases(self.dataset_dir)

    def _recommender(self, name: str) -> Callable[..., Any]:
        """The toolbox's `name` tool; without a toolbox, a call that says so."""
        if self.toolbox is None:

            def unavailable(**_: Any) -> Any:
                raise recsys.ModelNotAvailable(
                    "no recommender models configured (AgentDeps.open points the toolbox at "
                    "<model_dir>/recsys)"
                )

            return unavailable
        return getattr(self.toolbox, name)

    # -------------------------------------------------------------- dispatch
    def run(
        self, intent: str, slots: Any, question: str, entities: list[dict[str, Any]] | None = None
    ) -> ToolOutcome:
        entities = entities or []
        if intent == "recommend_products":
            return self.recommend_products(slots)
        if intent == "viewed_together":
            return self.viewed_together(slots)
        if intent == "itinerary":
            return self.itinerary(question, entities)
        if intent == "place_mapping":
            return self.place_mapping(question, entities)
        raise ValueError(f"no tool for intent {intent!r}")

    # -------------------------------------------------------------- recommenders
    def recommend_products(self, slots: Any) -> ToolOutcome:
        if not slots.user_id:
            return ToolOutcome(
                available=True,
                feature=FEATURES["recommend_products"],
                detail="사용자 ID(예: U000123)를 알려주세요",
            )
        return self._recommender_call(
            "recommend_products",
            lambda: self._recommender("recommend_products")(user_id=slots.user_id, k=10),
        )

    def viewed_together(self, slots: Any) -> ToolOutcome:
        if not slots.product_id:
            return ToolOutcome(
                available=True,
                feature=FEATURES["viewed_together"],
                detail="상품 ID(예: P00012)를 알려주세요",
            )
        return self._recommender_call(
            "viewed_together",
            lambda: self._recommender("viewed_together")(product_id=slots.product_id, k=10),
        )

    def _recommender_call(self, intent: str, call: Callable[[], Any]) -> ToolOutcome:
        """Both recommender tools answer the same way: items (with the graph's title, city
        and price of each product) plus the model used, the cold-start flag said aloud, and
        an honest "not available" without a trained model."""
        feature = FEATURES[intent]
        try:
            result = call()
        except recsys.ModelNotAvailable as exc:
            return ToolOutcome(available=False, feature=feature, detail=str(exc))
        detail = f"model={result.model}" + (
            f" (cold start: {result.reason})" if result.cold_start else ""
        )
        items = [i.model_dump() for i in result.items]
        try:
            rows = self.store.read(
                PRODUCTS_BY_ID, {"ids": [i["product_id"] for i in items]}, max_rows=len(items)
            ).rows
        except GraphStoreError:
            rows = []  # the ids still answer; the titles are a courtesy
        about = {r["product_id"]: r for r in rows}
        for it in items:
            row = about.get(it["product_id"]) or {}
            it.update({k: row.get(k) for k in ("name", "city", "price", "product_type")})
        return ToolOutcome(
            available=True,
            feature=feature,
            items=items,
            detail=detail,
            kind="products",
            data=result.model_dump(),
        )

    # -------------------------------------------------------------- itinerary
    def itinerary(self, question: str, entities: list[dict[str, Any]]) -> ToolOutcome:
        feature = FEATURES["itinerary"]
        days = parse_itinerary(question, self.poi_table(), entities)
        if not days:
            return ToolOutcome(
                available=True,
                feature=feature,
                detail="일정의 장소를 찾지 못했어요. 예: '1일차 협재, 한담 / 2일차 성산일출봉'",
                kind="itinerary",
            )
        result: ItineraryMatchResult = match_itinerary(self.store, days, k=5)
        areas = [p for d in days for p in d.places if p in self._areas]
        items = [
            {
                "product_id": p.product_id,
                "name": p.name,
                "product_type": p.product_type,
                "price": p.price,
                "match_rate": round(p.match_rate, 3),
                "coverage": round(p.coverage, 3),
                "matched": [m.itinerary_place for m in p.matched],
            }
            for p in result.packages
        ]
        return ToolOutcome(
            available=True,
            feature=feature,
            items=items,
            # Products visit POIs: a city or region in the itinerary never counts as visited.
            detail=f"지역·도시 이름은 관광지로 세지 않아요: {', '.join(areas)}" if areas else "",
            kind="itinerary",
            data={
                "itinerary": [d.model_dump() for d in days],
                **result.model_dump(),
            },
        )

    # -------------------------------------------------------------- place mapping
    def place_mapping(self, question: str, entities: list[dict[str, Any]]) -> ToolOutcome:
        feature = FEATURES["place_mapping"]
        names = mapping_names(question, self.poi_table(), entities)
        if not names:
            return ToolOutcome(
                available=True,
                feature=feature,
                detail="매핑할 장소 이름을 알려주세요. 예: 'Hozenji Yokocho는 구글 장소 DB에서 "
                "뭐야?'",
                kind="mapping",
            )
        dbs = self._places()
        items = [self._map_one(name, dbs) for name in names[:3]]
        data: dict[str, Any] = {"names": names[:3]}
        if len(items) >= 2:
            a, b = items[0], items[1]
            same_node = a.get("graph_place_id") and a.get("graph_place_id") == b.get(
                "graph_place_id"
            )
            data["pair"] = {
                "a": a["query"],
                "b": b["query"],
                "same": bool(same_node)
                or bool(a.get("internal_id") and a.get("internal_id") == b.get("internal_id")),
                "reason": "같은 장소 노드로 해석돼요" if same_node else "서로 다른 장소로 해석돼요",
            }
        if dbs is None and not any(i.get("mapped") for i in items):
            return ToolOutcome(
                available=False,
                feature=feature,
                items=items,
                detail="장소 DB가 없어요 (run `tripgraph data`)",
                kind="mapping",
                data=data,
            )
        return ToolOutcome(available=True, feature=feature, items=items, kind="mapping", data=data)

    def map_places(self, names: list[str]) -> list[dict[str, Any]]:
        """Each place name → its mapping (as `place_mapping` does), for callers that already
        have the names (the MCP tool) instead of a question to find them in."""
        dbs = self._places()
        return [self._map_one(name, dbs) for name in names]

    def _map_one(self, name: str, dbs: PlaceDatabases | None) -> dict[str, Any]:
        """One name → its Place node, its internal record and its external counterpart:
        the stored SAME_AS edge when the pipeline wrote one, else stage 1 + stage 2 now."""
        from recsys_tools.mapping.candidates import BlockingConfig, offline_pick
        from recsys_tools.mapping.pipeline import MappingConfig
        from recsys_tools.mapping.records import EXTERNAL_PREFIX, INTERNAL_PREFIX
        from recsys_tools.mapping.scoring import verify

        out: dict[str, Any] = {"query": name, "mapped": None, "source": None, "candidates": []}
        rows = self.store.read(PLACE_BY_NAME, {"ref": name}).rows
        node = rows[0] if rows else None
        if node:
            out["graph_place_id"] = node["id"]
        rec = _internal_record(name, node, dbs)
        if rec is not None:
            out["internal_id"] = rec.place_id
            out["internal_name"] = f"{rec.name} / {rec.name_en}"
        ids = [
            x for x in (node["id"] if node else None, rec and INTERNAL_PREFIX + rec.place_id) if x
        ]
        if ids:
            stored = self.store.read(SAME_AS_OF, {"ids": ids}).rows
            if stored:
                best = max(stored, key=lambda r: r.get("score") or 0.0)
                out["mapped"] = {
                    "external_id": str(best["id"]).removeprefix(EXTERNAL_PREFIX),
                    "name": best["name"],
                    "name_en": best["name_en"],
                    "score": best.get("score"),
                }
                out["source"] = "graph SAME_AS"
                return out
        if rec is None or dbs is None:
            out["source"] = "unknown place" if rec is None and node is None else "no place DB"
            return out
        cfg = MappingConfig()
        cands = dbs.index.candidates(rec)
        out["candidates"] = [
            {
                "external_id": c.external.place_id,
                "name": c.external.name,
                "name_en": c.external.name_en,
                "distance_m": round(c.distance_m),
                "score": round(c.score, 3),
            }
            for c in cands[:3]
        ]
        pick = offline_pick(cands, BlockingConfig().min_pick_score, rec)
        out["source"] = "offline stage 1 + 2 (not in the graph yet: run `tripgraph map places`)"
        if pick is None:
            out["verdict"] = "후보 중 같은 장소가 없어요 (stage 1)"
            return out
        v = verify(rec, pick.external, cfg.verify_max_distance_m)
        out["stage1_pick"] = pick.external.place_id
        out["verdict"] = v.reason
        if v.same:
            out["mapped"] = {
                "external_id": pick.external.place_id,
                "name": pick.external.name,
                "name_en": pick.external.name_en,
                "score": round(v.score, 3),
            }
        return out


def _internal_record(
    name: str, node: dict[str, Any] | None, dbs: PlaceDatabases | None
) -> PlaceRecord | None:
    """The internal place-database record named `name` (or named like its graph node)."""
    from recsys_tools.mapping.scoring import normalise

    if dbs is None:
        return None
    keys = {normalise(name)}
    if node:
        keys |= {normalise(str(node.get("name") or "")), normalise(str(node.get("name_en") or ""))}
    keys.discard("")
    city = node.get("city_code") if node else None
    hits = [r for r in dbs.internal if normalise(r.name) in keys or normalise(r.name_en) in keys]
    hits.sort(key=lambda r: (city is not None and r.city_code != city, r.category != "attraction"))
    return hits[0] if hits else None
