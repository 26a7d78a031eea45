"""The agent's fast paths give the same results as the slow ones: the query-embedding cache,
the read-only verdict cache, the pre-rendered vector parameters, the scalar shortcut of
FalkorDB result conversion, `ask` without stage events, and nodes that no longer deep-copy
the candidates they read."""

from __future__ import annotations

from typing import Any, cast
from unittest.mock import MagicMock

import numpy as np
import pytest
from falkordb.helpers import stringify_param_value
from langgraph.checkpoint.memory import MemorySaver

from agent.deps import AgentDeps
from agent.nodes import AgentNodes
from agent.retrieval import candidate_from_node
from agent.service import AgentAnswer, AgentService, StageEvent
from agent.state import Slots, State
from embeddings.text.cache import CachedQueryEmbedder
from embeddings.text.factory import make_embedder
from embeddings.text.hashing import HashingEmbedder
from graph_schema.falkordb_query import FloatListLiteral, fast_params, to_python
from graph_schema.store import GraphStore, QueryResult, ReadOnlyViolation
from tests.unit.test_agent_nodes import MERCHANTS, fake_store


def test_cached_embedder_returns_what_the_embedder_returns() -> None:
    inner = HashingEmbedder()
    cached = CachedQueryEmbedder(inner)
    for text in ("애월 흑돼지 맛집", "조용한 카페", "애월 흑돼지 맛집"):
        assert cached.embed_query(text) == inner.embed_query(text)
    assert (cached.stats().hits, cached.stats().misses, cached.stats().size) == (1, 2, 2)
    assert cached.name == inner.name and cached.dimension == inner.dimension
    docs = ["리뷰 하나", "리뷰 둘"]
    assert np.array_equal(cached.embed_documents(docs), inner.embed_documents(docs))


def test_cached_vectors_cannot_be_changed_through_a_returned_list() -> None:
    cached = CachedQueryEmbedder(HashingEmbedder())
    first = cached.embed_query("주차 편한 곳")
    first[0] = 123.0
    assert cached.embed_query("주차 편한 곳")[0] != 123.0


def test_cache_evicts_the_least_recently_used_text() -> None:
    cached = CachedQueryEmbedder(HashingEmbedder(), max_size=2)
    cached.embed_query("a")
    cached.embed_query("b")
    cached.embed_query("a")  # a is now the most recent
    cached.embed_query("c")  # evicts b
    before = cached.stats().misses
    cached.embed_query("a")
    assert cached.stats().misses == before
    cached.embed_query("b")
    assert cached.stats().misses == before + 1
    cached.clear()
    assert cached.stats().size == 0 and cached.stats().hits == 0
    with pytest.raises(ValueError):
        CachedQueryEmbedder(HashingEmbedder(), max_size=0)


@pytest.mark.parametrize(
    "vector",
    [
        [0.1, -0.25, 1e-07, 3.0, 0.30000000000000004] * 10,
        [float(x) for x in np.random.default_rng(0).standard_normal(384).astype(np.float32)],
    ],
)
def test_vector_literal_renders_exactly_like_the_client(vector: list[float]) -> None:
    assert str(FloatListLiteral(vector)) == stringify_param_value(vector)
    assert stringify_param_value(fast_params({"v": vector})["v"]) == stringify_param_value(vector)


def test_only_long_float_lists_are_pre_rendered() -> None:
    params: dict[str, Any] = {
        "ids": ["M1", "M2"],
        "k": 10,
        "short": [0.5, 0.25],
        "ints": list(range(40)),
        "mixed": [0.5] * 20 + [1],
        "v": [0.5] * 20,
    }
    fast = fast_params(params)
    assert isinstance(fast["v"], FloatListLiteral)
    for key in ("ids", "k", "short", "ints", "mixed"):
        assert fast[key] is params[key]


def test_scalar_shortcut_keeps_values() -> None:
    for value in (None, "애월", 3, 2.5, True, False):
        assert to_python(value) is value
    assert to_python([1, {"a": (2, "x")}]) == [1, {"a": [2, "x"]}]


class _RecordingStore(GraphStore):
    dialect: Any = None

    def __init__(self) -> None:
        super().__init__()
        self.ran: list[str] = []

    def connect(self) -> None: ...

    def close(self) -> None: ...

    def _run_read(
        self, cypher: str, params: dict[str, Any], *, timeout_ms: int, max_rows: int
    ) -> QueryResult:
        self.ran.append(cypher)
        return QueryResult(columns=[], rows=[])

    def write(self, cypher: str, params: Any = None) -> QueryResult:
        raise AssertionError("not used")

    def explain_is_read_only(self, cypher: str) -> bool:
        return True

    def _existing_index_names(self) -> set[str]:
        return set()


def test_read_only_gate_refuses_every_time_and_passes_reads_unchanged() -> None:
    store = _RecordingStore()
    for _ in range(3):
        store.read("  MATCH (m:Merchant) RETURN m LIMIT 1; ")
        with pytest.raises(ReadOnlyViolation):
            store.read("MATCH (m:Merchant) DETACH DELETE m")
    assert store.ran == ["MATCH (m:Merchant) RETURN m LIMIT 1"] * 3


# ------------------------------------------------- answers without stage events, no copies
def _review_store() -> MagicMock:
    """The node tests' fake store, plus one review per merchant with a vector similarity
    (served through `vector_similarities`, as the FalkorDB sidecar and Neo4j both do)."""
    from agent import cypher as Q

    store = fake_store()
    merchants = store.read.side_effect

    def review(i: str) -> dict[str, Any]:
        return {
            "review_id": f"R{i}",
            "merchant_id": i,
            "text": f"{MERCHANTS[i]['name']} 부모님이 좋아하셨어요",
            "party_type": "부모님",
            "rating": 5,
        }

    def read(cypher: str, params: dict[str, Any] | None = None, **kw: Any) -> QueryResult:
        ids = (params or {}).get("ids") or []
        if cypher == Q.REVIEWS_OF_MERCHANTS:
            rows = [review(i) for i in ids if i in MERCHANTS]
            return QueryResult(["merchant_id", "review_id", "party_type"], rows)
        if cypher == Q.REVIEW_SNIPPETS:
            rows = [review(r[1:]) for r in ids if r[1:] in MERCHANTS]
            return QueryResult(["review_id", "text", "party_type", "rating"], rows)
        return merchants(cypher, params, **kw)

    def similarities(index: str, keys: list[str], vector: Any) -> dict[str, float]:
        assert index == "review_embedding"
        return {k: 0.5 + int(k[2:]) / 100 for k in keys}

    store.read.side_effect = read
    store.vector_similarities.side_effect = similarities
    return store


def _deps() -> AgentDeps:
    return AgentDeps(store=_review_store(), embedder=make_embedder("hashing"))


def _content(answer: AgentAnswer) -> dict[str, Any]:
    return answer.model_dump(mode="json", exclude={"thread_id", "timings_ms"})


def test_ask_answers_what_stream_ends_with_including_follow_ups() -> None:
    """`ask` runs the graph without stage events (nodes inline); the answer, the follow-up
    memory and the per-stage timing keys must be those of `stream`."""
    service = AgentService(_deps(), checkpointer=MemorySaver())
    turns = ["애월에서 부모님 모시고 갈 흑돼지집 추천해줘", "주차 되는 곳으로 다시 추천해줘"]
    for question in turns:
        asked = service.ask(question, "thread-ask")
        streamed = list(service.stream(question, "thread-stream"))
        assert isinstance(streamed[-1], AgentAnswer)
        assert any(isinstance(e, StageEvent) for e in streamed[:-1])
        assert _content(asked) == _content(streamed[-1])
        assert asked.timings_ms.keys() == streamed[-1].timings_ms.keys()
    assert asked.picks and asked.cypher_params  # a real recommendation, with its query
    assert "이전 질문" in " ".join(asked.notes)  # the second turn was read as a follow-up


def test_hyde_backfill_and_relax_leave_the_state_candidates_unchanged() -> None:
    deps = _deps()
    nodes = AgentNodes(deps)
    slots = Slots(region="애월읍", city="제주시", category="흑돼지", party="부모님")
    mine = [
        candidate_from_node(MERCHANTS[i], "cypher") for i in ("M1", "M2")
    ]  # fewer than backfill_below: backfill runs too
    before = [c.model_dump() for c in mine]
    state: State = {"question": "q", "slots": slots, "steps": [], "candidates": mine}
    hyde = nodes.hyde(state)
    assert [c.model_dump() for c in mine] == before
    assert all(c.snippets and c.similarity for c in hyde["candidates"])
    hyde_state = cast(State, {**state, **hyde})
    kept = [c.model_dump() for c in hyde["candidates"]]
    backfill = nodes.backfill(hyde_state)
    assert [c.model_dump() for c in hyde["candidates"]] == kept
    assert [c.model_dump() for c in backfill["candidates"][: len(kept)]] == kept
    kept = [c.model_dump() for c in backfill["candidates"]]
    relax = nodes.relax(cast(State, {**hyde_state, **backfill}))
    assert [c.model_dump() for c in backfill["candidates"]] == kept
    assert [c.model_dump() for c in relax["candidates"][: len(kept)]] == kept
