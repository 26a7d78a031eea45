"""The HTTP adapter with a fake service (no database): status codes, auth, SSE framing."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any
from unittest.mock import MagicMock

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from agent.api import ApiSettings, create_app
from agent.service import AgentAnswer, AgentService, StageEvent
from agent.state import Evidence, Pick, Slots
from graph_schema.store import GraphStoreError, QueryResult, ReadOnlyViolation


def make_answer(question: str = "q", thread_id: str = "t1") -> AgentAnswer:
    pick = Pick(
        merchant_id="M1",
        name="애월 흑돼지",
        region="애월읍",
        category="흑돼지",
        reasons=["평점 4.5"],
        evidence=[Evidence(review_id="R1", text="맛있어요")],
    )
    return AgentAnswer(
        thread_id=thread_id,
        question=question,
        mode="offline",
        mode_reason="no endpoint",
        intent="recommend_place",
        slots=Slots(region="애월읍"),
        picks=[pick],
        answer="추천 1곳",
    )


def make_service(store_read: Any = None) -> MagicMock:
    service = MagicMock(spec=AgentService)
    service.deps = MagicMock()
    service.deps.llm = None
    service.deps.store.dialect.name = "fake"
    if store_read is not None:
        service.deps.store.read.side_effect = store_read
    else:
        service.deps.store.read.return_value = QueryResult(columns=["ok"], rows=[{"ok": 1}])

    def stream(
        question: str, thread_id: str | None = None, user_id: str | None = None
    ) -> Iterator[Any]:
        yield StageEvent(stage="understand", status="start")
        yield StageEvent(
            stage="understand",
            status="done",
            ms=1.0,
            data={"summary": {"intent": "recommend_place"}},
        )
        yield make_answer(question, thread_id or "new")

    service.stream.side_effect = stream
    service.ask.side_effect = lambda q, t=None, u=None: make_answer(q, t or "new")
    return service


def client(service: MagicMock, token: str | None = None) -> TestClient:
    api = ApiSettings(token=SecretStr(token) if token else None)
    return TestClient(create_app(service=service, api_settings=api))


def test_chat_json() -> None:
    r = client(make_service()).post("/v1/chat", json={"question": " 흑돼지 ", "thread_id": "a1"})
    assert r.status_code == 200
    body = r.json()
    assert body["question"] == "흑돼지" and body["thread_id"] == "a1"
    assert body["picks"][0]["evidence"][0]["review_id"] == "R1"


def test_chat_forwards_user_id() -> None:
    service = make_service()
    c = client(service)
    assert c.post("/v1/chat", json={"question": "흑돼지", "user_id": "U000007"}).status_code == 200
    assert service.ask.call_args.args[:3] == ("흑돼지", None, "U000007")
    r = c.post("/v1/chat?stream=true", json={"question": "흑돼지", "user_id": "U000007"})
    assert r.status_code == 200
    assert service.stream.call_args.args == ("흑돼지", None, "U000007")


@pytest.mark.parametrize("how", ["query", "accept"])
def test_chat_sse_stage_events_then_answer(how: str) -> None:
    c = client(make_service())
    if how == "query":
        r = c.post("/v1/chat?stream=true", json={"question": "흑돼지"})
    else:
        r = c.post("/v1/chat", json={"question": "흑돼지"}, headers={"Accept": "text/event-stream"})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/event-stream")
    frames = [f for f in r.text.split("\n\n") if f.strip()]
    events = [f.splitlines()[0].removeprefix("event: ") for f in frames]
    assert events == ["stage", "stage", "answer"]
    last = json.loads(frames[-1].splitlines()[1].removeprefix("data: "))
    assert last["picks"][0]["name"] == "애월 흑돼지"


def test_chat_stream_failure_is_reported_in_band() -> None:
    service = make_service()

    def broken(question: str, thread_id: str | None = None, _u: str | None = None) -> Iterator[Any]:
        yield StageEvent(stage="understand", status="start")
        raise GraphStoreError("connection lost")

    service.stream.side_effect = broken
    r = client(service).post("/v1/chat?stream=true", json={"question": "흑돼지"})
    assert "event: error" in r.text and "connection lost" in r.text


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"question": ""},
        {"question": "   "},
        {"question": "x" * 2001},
        {"question": 3},
        {"question": "q", "thread_id": "bad id!"},
    ],
)
def test_chat_bad_input_is_422(body: dict[str, Any]) -> None:
    assert client(make_service()).post("/v1/chat", json=body).status_code == 422


def test_store_outage_during_chat_is_503_json() -> None:
    service = make_service()
    service.ask.side_effect = GraphStoreError("connection refused")
    r = client(service).post("/v1/chat", json={"question": "흑돼지"})
    assert r.status_code == 503
    assert r.json()["error"] == "graph_unavailable"


def test_cypher_write_refused_with_400() -> None:
    service = make_service(store_read=ReadOnlyViolation("write clause: CREATE"))
    r = client(service).post("/v1/cypher", json={"query": "CREATE (n) RETURN n"})
    assert r.status_code == 400
    assert r.json()["error"] == "read_only" and "nothing was changed" in r.json()["detail"]


def test_cypher_syntax_error_is_400_when_store_is_up() -> None:
    def read(query: str, *args: Any, **kwargs: Any) -> QueryResult:
        if query.startswith("RETURN 1"):  # the health probe
            return QueryResult(columns=["ok"], rows=[{"ok": 1}])
        raise GraphStoreError("Invalid input")

    r = client(make_service(store_read=read)).post("/v1/cypher", json={"query": "MATCH (n"})
    assert r.status_code == 400 and r.json()["error"] == "query_error"


def test_cypher_is_503_when_store_is_down() -> None:
    r = client(make_service(store_read=GraphStoreError("down"))).post(
        "/v1/cypher", json={"query": "MATCH (n) RETURN n"}
    )
    assert r.status_code == 503


def test_cypher_returns_rows_and_graph() -> None:
    rows = [
        {
            "m": {"_id": 1, "_labels": ["Merchant"], "name": "가게"},
            "r": {"_id": 9, "_type": "LOCATED_IN", "_start": 1, "_end": 2},
            "p": {"_id": 2, "_labels": ["Place"], "name": "애월읍"},
        }
    ]
    service = make_service()
    service.deps.store.read.return_value = QueryResult(columns=["m", "r", "p"], rows=rows)
    r = client(service).post(
        "/v1/cypher", json={"query": "MATCH (m)-[r]->(p) RETURN m, r, p", "max_rows": 5}
    )
    assert r.status_code == 200
    body = r.json()
    assert body["columns"] == ["m", "r", "p"] and body["truncated"] is False
    assert {n["caption"] for n in body["graph"]["nodes"]} == {"가게", "애월읍"}
    assert body["graph"]["edges"][0] == {
        "id": "9",
        "type": "LOCATED_IN",
        "source": "1",
        "target": "2",
        "properties": {},
    }
    assert service.deps.store.read.call_args.kwargs["max_rows"] == 5


def test_cypher_param_names_are_validated() -> None:
    r = client(make_service()).post(
        "/v1/cypher", json={"query": "RETURN $x", "params": {"x) DELETE n //": 1}}
    )
    assert r.status_code == 422


@pytest.mark.parametrize("token", [None, "s3cret"])
def test_auth(token: str | None) -> None:
    c = client(make_service(), token=token)
    ok = {"Authorization": "Bearer s3cret"}
    if token is None:
        assert c.post("/v1/chat", json={"question": "q"}).status_code == 200
        return
    r = c.post("/v1/chat", json={"question": "q"})
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    assert (
        c.post(
            "/v1/chat", json={"question": "q"}, headers={"Authorization": "Bearer wrong"}
        ).status_code
        == 401
    )
    assert c.post("/v1/chat", json={"question": "q"}, headers=ok).status_code == 200
    assert c.get("/v1/tools").status_code == 401
    assert c.get("/healthz").status_code == 200  # probes need no token


def test_health_reports_mode_and_outage() -> None:
    c = client(make_service())
    body = c.get("/healthz").json()
    assert body["status"] == "ok" and body["mode"] == "offline" and body["graph"]["reachable"]
    down = client(make_service(store_read=GraphStoreError("refused")))
    r = down.get("/healthz")
    assert r.status_code == 503 and r.json()["graph"]["reachable"] is False


def test_unavailable_tools_are_501_not_fake(monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.api.tools as api  # the routers look tools up in their own module

    monkeypatch.setattr(api, "find_tool", lambda service, name: (None, "not installed"))
    c = client(make_service())
    r = c.post("/v1/tools/recommend_products", json={"user_id": "U1"})
    assert r.status_code == 501 and r.json()["error"] == "not_available"
    assert all(not t["available"] for t in c.get("/v1/tools").json())


def test_available_tool_is_called(monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.api.tools as api  # the routers look tools up in their own module

    calls: list[dict[str, Any]] = []

    def fake_tool(**kwargs: Any) -> dict[str, Any]:
        calls.append(kwargs)
        if kwargs["product_id"] == "P404":
            raise KeyError("P404")
        if kwargs["product_id"] == "P503":
            raise RuntimeError("no trained model")
        return {"product_id": "P1", "items": [{"product_id": "P2", "score": 0.5}]}

    monkeypatch.setattr(api, "find_tool", lambda service, name: (fake_tool, "fake"))
    c = client(make_service())
    r = c.post("/v1/tools/viewed_together", json={"product_id": "P1", "k": 3})
    assert r.status_code == 200
    assert r.json()["result"]["items"] == [{"product_id": "P2", "score": 0.5}]
    assert calls[0] == {"product_id": "P1", "k": 3}
    assert c.post("/v1/tools/viewed_together", json={"product_id": "P404"}).status_code == 404
    r = c.post("/v1/tools/viewed_together", json={"product_id": "P503"})
    assert r.status_code == 503 and r.json()["error"] == "tool_unavailable"


def test_openapi_lists_routes_and_bearer_scheme() -> None:
    spec = client(make_service()).get("/openapi.json").json()
    assert {"/v1/chat", "/v1/cypher", "/healthz", "/v1/tools/recommend_products"} <= set(
        spec["paths"]
    )
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
