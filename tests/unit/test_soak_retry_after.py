"""Every 503 the API answers carries Retry-After (the soak counts a 503 without it as a bug)."""

from __future__ import annotations

from typing import Any

import pytest

from graph_schema.store import GraphStoreError
from tests.unit.test_api_app import client, make_service


def test_tool_unavailable_503_has_retry_after(monkeypatch: pytest.MonkeyPatch) -> None:
    import agent.api.tools as api  # the routers look tools up in their own module

    def broken_tool(**kwargs: Any) -> dict[str, Any]:
        raise RuntimeError("no trained model")

    monkeypatch.setattr(api, "find_tool", lambda service, name: (broken_tool, "fake"))
    r = client(make_service()).post("/v1/tools/viewed_together", json={"product_id": "P1"})
    assert r.status_code == 503 and r.json()["error"] == "tool_unavailable"
    assert r.headers["retry-after"] == "5"


def test_graph_outage_during_chat_503_has_retry_after() -> None:
    service = make_service()
    service.ask.side_effect = GraphStoreError("server went away")
    r = client(service).post("/v1/chat", json={"question": "제주 흑돼지"})
    assert r.status_code == 503 and r.headers["retry-after"] == "5"


def test_explicit_headers_are_kept() -> None:
    from agent.api import ApiError

    assert ApiError(503, "x", "y", headers={"Retry-After": "30"}).headers == {"Retry-After": "30"}
    assert ApiError(400, "x", "y").headers is None
