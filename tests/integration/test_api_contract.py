"""The HTTP API over a real embedded graph (the tiny dataset): OpenAPI contract fuzzing
(schemathesis, in-process ASGI) so that no input gets a 500, read-only Cypher that leaves
the graph unchanged, auth wiring from the environment, SSE stages then the answer, threads."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, Phase, settings

from agent.api import ApiSettings, create_app, get_api_settings
from agent.service import AgentService

pytestmark = pytest.mark.integration

QUESTION = "제주 애월에서 부모님 모시고 갈 흑돼지집 추천해줘"


def tiny_graph_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Environment that points the app at an embedded graph of the tiny dataset, built once
    per test session (the UI browser test reuses it) — generate, ingest, hashing embeddings."""
    root = tmp_path_factory.getbasetemp() / "api-tiny-graph"
    env = {
        "TRIPGRAPH_GRAPH__BACKEND": "embedded",
        "TRIPGRAPH_GRAPH__EMBEDDED_DIR": str(root / "graph"),
        "TRIPGRAPH_EMBEDDING__TEXT_MODEL": "hashing",
        "TRIPGRAPH_RUN_DIR": str(root / "runs"),
        "TRIPGRAPH_LLM__BASE_URL": "",  # offline mode, whatever .env says
    }
    if not (root / "built").exists():
        from embeddings.text.factory import make_embedder
        from graph_schema.falkordb_store import EmbeddedFalkorDBStore
        from ingest.embed_reviews import embed_reviews
        from ingest.generate import generate
        from ingest.loader import ingest_dataset

        generate("tiny", 42, root / "data")
        with EmbeddedFalkorDBStore(root / "graph", "tripgraph") as store:
            ingest_dataset(store, root / "data", root / "state", progress=False)
            embedder = make_embedder("hashing")
            embedder.load()
            embed_reviews(store, embedder, progress=False)
        (root / "built").write_text("ok")
    return env


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AgentService]:
    from tripgraph.settings import Settings

    env = tiny_graph_env(tmp_path_factory)
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        svc = AgentService.open(Settings())
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    yield svc
    svc.close()


@pytest.fixture(scope="module")
def client(service: AgentService) -> TestClient:
    return TestClient(create_app(service=service, api_settings=ApiSettings(token=None)))


# A tool whose module or trained model is missing answers 501/503 on purpose ("not available
# yet", with the reason); every other 5xx is a failure, a 500 always.
TOOL_NOT_READY = {"not_available", "tool_unavailable"}


@schemathesis.check
def no_unexplained_server_error(ctx: Any, response: Any, case: schemathesis.Case) -> bool:
    if response.status_code < 500:
        return True
    try:
        error = json.loads(response.content)["error"]
    except (ValueError, KeyError, TypeError):
        error = None
    if response.status_code in (501, 503) and error in TOOL_NOT_READY:
        return True
    raise AssertionError(f"{response.status_code} {error}: {response.content[:300]!r}")


def test_no_input_gets_a_server_error(service: AgentService) -> None:
    """Every operation of the OpenAPI schema, fuzzed with schema-shaped data (a bounded
    number of examples each): no 5xx, and status codes, content types and bodies as
    documented. (Driven by hand rather than through schemathesis' pytest plugin, which does
    not load under pytest 9.)"""
    from hypothesis import given
    from schemathesis.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    app = create_app(service=service, api_settings=ApiSettings(token=None))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    checks = [
        no_unexplained_server_error,
        status_code_conformance,
        content_type_conformance,
        response_schema_conformance,
    ]
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 8
    for operation in operations:
        # Each chat runs the agent and each tool call a model: fewer examples there.
        examples = 12 if operation.path.startswith(("/v1/cypher", "/healthz")) else 5

        @given(case=operation.as_strategy())
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            phases=[Phase.explicit, Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def fuzz(case: schemathesis.Case) -> None:
            # A tool's first call loads its model (seconds on a busy machine).
            case.call_and_validate(checks=checks, timeout=120)

        fuzz()


WRITES = [
    "CREATE (n:Merchant {merchant_id: 'HACK'}) RETURN n",
    "MATCH (m:Merchant) SET m.name = 'hacked' RETURN m",
    "MATCH (n) DETACH DELETE n",
    "merge (p:Place {place_id: 'X'}) return p",
    "MATCH (m:Merchant) WITH m LIMIT 1 REMOVE m.rating RETURN m",
    "MATCH (n) RETURN n; MATCH (n) DELETE n",
    "MATCH (m:Merchant) /* comment */ DELETE m",
    "CALL db.idx.fulltext.drop('Review')",
    "UNWIND [1] AS x FOREACH (y IN [1] | CREATE (:Merchant {merchant_id: 'F'}))",
]


def test_cypher_writes_are_400_and_the_graph_is_unchanged(
    client: TestClient, service: AgentService
) -> None:
    before = service.deps.store.fingerprint()
    for query in WRITES:
        r = client.post("/v1/cypher", json={"query": query})
        assert r.status_code == 400, (query, r.text)
        assert r.json()["error"] in ("read_only", "query_error"), query
    assert client.post("/v1/cypher", json={"query": WRITES[0]}).json()["error"] == "read_only"
    assert service.deps.store.fingerprint() == before


def test_cypher_syntax_error_is_400(client: TestClient) -> None:
    r = client.post("/v1/cypher", json={"query": "MATCH (n RETURN n"})
    assert r.status_code == 400 and r.json()["error"] == "query_error"


def test_cypher_rows_and_graph_view(client: TestClient) -> None:
    r = client.post(
        "/v1/cypher",
        json={
            "query": "MATCH (m:Merchant)-[r:LOCATED_IN]->(p:Place) WHERE p.name = $region "
            "RETURN m, r, p",
            "params": {"region": "애월읍"},
            "max_rows": 3,
        },
    )
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["columns"] == ["m", "r", "p"] and 1 <= len(body["rows"]) <= 3
    labels = {label for n in body["graph"]["nodes"] for label in n["labels"]}
    assert labels == {"Merchant", "Place"}
    assert {e["type"] for e in body["graph"]["edges"]} == {"LOCATED_IN"}
    view = client.get("/v1/cypher/view", params={"query": "MATCH (m:Merchant) RETURN m LIMIT 3"})
    assert view.status_code == 200 and "<svg" in view.text


def test_chat_sse_stage_events_then_answer(client: TestClient) -> None:
    with client.stream(
        "POST", "/v1/chat", json={"question": QUESTION}, headers={"Accept": "text/event-stream"}
    ) as r:
        assert r.status_code == 200
        frames = [f for f in r.read().decode().split("\n\n") if f.strip()]
    events = [
        (
            f.splitlines()[0].removeprefix("event: "),
            json.loads(f.splitlines()[1].removeprefix("data: ")),
        )
        for f in frames
    ]
    kinds = [k for k, _ in events]
    assert kinds[-1] == "answer" and set(kinds[:-1]) == {"stage"}
    done = [d["stage"] for k, d in events if k == "stage" and d["status"] == "done"]
    assert done[:3] == ["understand", "text2cypher", "hyde"] and done[-2:] == ["select", "answer"]
    answer = events[-1][1]
    assert answer["mode"] == "offline" and len(answer["picks"]) == 3
    assert all(p["evidence"] for p in answer["picks"])


def test_thread_memory_through_the_api(client: TestClient) -> None:
    first = client.post("/v1/chat", json={"question": QUESTION, "thread_id": "api-mem-1"}).json()
    follow = client.post(
        "/v1/chat", json={"question": "다른 곳도 알려줘", "thread_id": "api-mem-1"}
    ).json()
    fresh = client.post(
        "/v1/chat", json={"question": "다른 곳도 알려줘", "thread_id": "api-mem-2"}
    ).json()
    assert follow["thread_id"] == "api-mem-1"
    assert follow["slots"]["region"] == first["slots"]["region"] == "애월읍"
    assert fresh["slots"]["region"] is None
    assert {p["merchant_id"] for p in follow["picks"]}.isdisjoint(
        {p["merchant_id"] for p in first["picks"]}
    )


def test_auth_from_the_environment(service: AgentService, monkeypatch: pytest.MonkeyPatch) -> None:
    for token in ("", "t0ken"):
        monkeypatch.setenv("TRIPGRAPH_API_TOKEN", token)
        get_api_settings.cache_clear()
        c = TestClient(create_app(service=service))
        r = c.post("/v1/cypher", json={"query": "RETURN 1 AS x"})
        assert r.status_code == (200 if not token else 401)
        if token:
            r = c.post(
                "/v1/cypher",
                json={"query": "RETURN 1 AS x"},
                headers={"Authorization": f"Bearer {token}"},
            )
            assert r.status_code == 200 and r.json()["rows"] == [{"x": 1}]
    get_api_settings.cache_clear()


def test_health(client: TestClient) -> None:
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["mode"] == "offline"
    assert body["graph"]["reachable"] and body["graph"]["backend"] == "falkordb"


def test_lifespan_opens_and_closes_its_own_service(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tripgraph.settings import Settings

    for k, v in tiny_graph_env(tmp_path_factory).items():
        monkeypatch.setenv(k, v)
    app = create_app(Settings(), api_settings=ApiSettings(token=None))
    assert app.state.service is None  # nothing opened by the factory
    with TestClient(app) as c:
        assert c.get("/healthz").json()["graph"]["reachable"]
        assert app.state.service is not None
    assert app.state.service is None
