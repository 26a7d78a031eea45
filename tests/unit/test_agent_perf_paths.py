"""The agent's fast paths give the same results as the slow ones: the query-embedding cache,
the read-only verdict cache, the pre-rendered vector parameters and the scalar shortcut of
FalkorDB result conversion."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from falkordb.helpers import stringify_param_value

from embeddings.text.cache import CachedQueryEmbedder
from embeddings.text.hashing import HashingEmbedder
from graph_schema.falkordb_store import _fast_params, _FloatListLiteral, to_python
from graph_schema.store import GraphStore, QueryResult, ReadOnlyViolation


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
    assert str(_FloatListLiteral(vector)) == stringify_param_value(vector)
    assert stringify_param_value(_fast_params({"v": vector})["v"]) == stringify_param_value(vector)


def test_only_long_float_lists_are_pre_rendered() -> None:
    params: dict[str, Any] = {
        "ids": ["M1", "M2"],
        "k": 10,
        "short": [0.5, 0.25],
        "ints": list(range(40)),
        "mixed": [0.5] * 20 + [1],
        "v": [0.5] * 20,
    }
    fast = _fast_params(params)
    assert isinstance(fast["v"], _FloatListLiteral)
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
