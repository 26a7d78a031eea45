"""`tripgraph mcp` over stdio, driven by the MCP SDK's own client, on the tiny embedded graph:
the tools and their typed input schemas, a call of each, a write refused with the graph left
unchanged, bad arguments answered as tool errors (and the server still answering after)."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import anyio
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, TextContent

from tests.integration.test_api_contract import QUESTION, tiny_graph_env
from tripgraph.settings import PROJECT_ROOT

pytestmark = pytest.mark.integration

TOOLS = {
    "recommend_places",
    "cypher_read",
    "graph_schema",
    "recommend_products",
    "viewed_together",
    "extract_entities",
    "map_places",
    "itinerary_to_package",
}
COUNT = "MATCH (m:Merchant) RETURN count(m) AS n"


def _text(result: CallToolResult) -> str:
    return "\n".join(c.text for c in result.content if isinstance(c, TextContent))


def _ok(result: CallToolResult) -> Any:
    assert not result.isError, _text(result)
    assert result.structuredContent is not None
    return result.structuredContent.get("result", result.structuredContent)


def _model_or_not_trained(result: CallToolResult, key: str) -> None:
    """A recommender or NER tool answers, or says that its model is not trained yet and how
    to train it (the tiny test environment trains none)."""
    if result.isError:
        assert "not available yet" in _text(result) or "cannot run now" in _text(result)
        assert "tripgraph train" in _text(result), _text(result)
    else:
        assert key in _ok(result)


@pytest.fixture(scope="module")
def server_params(tmp_path_factory: pytest.TempPathFactory) -> StdioServerParameters:
    env = tiny_graph_env(tmp_path_factory)
    # The place databases of the tiny dataset, where the settings look for them.
    data_root = tmp_path_factory.mktemp("mcp-data")
    (data_root / "tiny").symlink_to(Path(env["TRIPGRAPH_GRAPH__EMBEDDED_DIR"]).parent / "data")
    env |= {"TRIPGRAPH_DATA_DIR": str(data_root), "TRIPGRAPH_SCALE": "tiny"}
    return StdioServerParameters(
        command=str(Path(sys.executable).parent / "tripgraph"),
        args=["mcp"],
        env={**os.environ, **env},
        cwd=PROJECT_ROOT,
    )


async def _scenario(params: StdioServerParameters, errlog: Any) -> None:
    with anyio.fail_after(180):
        await _calls(params, errlog)


async def _calls(params: StdioServerParameters, errlog: Any) -> None:
    async with (
        stdio_client(params, errlog=errlog) as (read, write),
        ClientSession(read, write) as session,
    ):
        init = await session.initialize()
        assert init.serverInfo.name == "tripgraph"
        listed = (await session.list_tools()).tools
        assert {t.name for t in listed} == TOOLS
        schemas = {t.name: t.inputSchema for t in listed}
        assert all(s["type"] == "object" for s in schemas.values())
        assert schemas["cypher_read"]["required"] == ["query"]
        assert schemas["cypher_read"]["properties"]["max_rows"]["maximum"] == 500
        assert "days" in schemas["itinerary_to_package"]["required"]

        schema = await session.call_tool("graph_schema", {})
        assert "Merchant" in _text(schema) and "LOCATED_IN" in _text(schema)

        count = _ok(await session.call_tool("cypher_read", {"query": COUNT}))
        n = count["rows"][0]["n"]
        assert count["columns"] == ["n"] and n > 0
        pois = _ok(
            await session.call_tool(
                "cypher_read",
                {
                    "query": "MATCH (p:Place) WHERE p.level = $level RETURN p.name AS name "
                    "ORDER BY name",
                    "params": {"level": "poi"},
                    "max_rows": 3,
                },
            )
        )
        assert len(pois["rows"]) == 3 and pois["truncated"]

        for write in (
            "CREATE (m:Merchant {merchant_id: 'HACK'}) RETURN m",
            "MATCH (m:Merchant) DETACH DELETE m",
            "MATCH (m:Merchant) SET m.name = 'x' RETURN m",
        ):
            refused = await session.call_tool("cypher_read", {"query": write})
            assert refused.isError and "refused" in _text(refused), _text(refused)
        after = _ok(await session.call_tool("cypher_read", {"query": COUNT}))
        assert after["rows"][0]["n"] == n

        first = _ok(await session.call_tool("recommend_places", {"question": QUESTION}))
        assert first["slots"]["region"] == "애월읍" and len(first["picks"]) == 3
        assert all(p["evidence"] for p in first["picks"])
        follow = _ok(
            await session.call_tool(
                "recommend_places",
                {"question": "다른 곳도 알려줘", "thread_id": first["thread_id"]},
            )
        )
        assert follow["slots"]["region"] == "애월읍"
        assert {p["merchant_id"] for p in follow["picks"]}.isdisjoint(
            {p["merchant_id"] for p in first["picks"]}
        )

        names = [r["name"] for r in pois["rows"]]
        packages = _ok(
            await session.call_tool(
                "itinerary_to_package",
                {"days": [{"day": 1, "places": names[:2]}, {"day": 2, "places": names[2:]}]},
            )
        )
        assert "packages" in packages
        mapped = _ok(await session.call_tool("map_places", {"names": [names[0]]}))
        assert mapped[0]["query"] == names[0] and mapped[0]["source"]

        _model_or_not_trained(
            await session.call_tool("recommend_products", {"user_id": "U000001", "k": 3}),
            "items",
        )
        _model_or_not_trained(
            await session.call_tool("viewed_together", {"product_id": "P00001"}), "items"
        )
        _model_or_not_trained(
            await session.call_tool("extract_entities", {"text": QUESTION}), "entities"
        )

        for name, args in (
            ("cypher_read", {"query": COUNT, "max_rows": 0}),
            ("cypher_read", {}),
            ("cypher_read", {"query": "MATCH (n RETURN n"}),
            ("recommend_places", {"question": ""}),
            ("recommend_places", {"question": QUESTION, "thread_id": "../x"}),
            ("itinerary_to_package", {"days": []}),
            ("itinerary_to_package", {"days": [{"day": "first"}]}),
            ("map_places", {"names": "성산일출봉"}),
            ("recommend_products", {"k": 1000}),
            ("viewed_together", {"product_id": "P 1; DROP"}),
        ):
            bad = await session.call_tool(name, args)
            assert bad.isError, (name, args, _text(bad))
        unknown = await session.call_tool("no_such_tool", {})
        assert unknown.isError
        # Still serving after every error.
        assert {t.name for t in (await session.list_tools()).tools} == TOOLS


def test_mcp_stdio_tools(server_params: StdioServerParameters, tmp_path: Path) -> None:
    errlog = tmp_path / "mcp-stderr.log"
    with errlog.open("w") as err:
        try:
            anyio.run(_scenario, server_params, err)
        except BaseException:
            err.flush()
            print(errlog.read_text()[-4000:], file=sys.stderr)
            raise
    # Nothing but protocol on stdout: the graph server's and libraries' output went here.
    assert "Traceback" not in errlog.read_text(), errlog.read_text()[-3000:]


async def _http_calls(url: str, token: str) -> None:
    import httpx
    from mcp.client.streamable_http import streamable_http_client

    async with httpx.AsyncClient() as raw:
        assert (await raw.post(url, json={})).status_code == 401  # no token
    headers = {"Authorization": f"Bearer {token}"}
    async with (
        httpx.AsyncClient(headers=headers, timeout=120) as http,
        streamable_http_client(url, http_client=http) as (read, write, _),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        assert {t.name for t in (await session.list_tools()).tools} == TOOLS
        count = _ok(await session.call_tool("cypher_read", {"query": COUNT}))
        assert count["rows"][0]["n"] > 0
        refused = await session.call_tool("cypher_read", {"query": "MATCH (n) DELETE n"})
        assert refused.isError and "refused" in _text(refused)


@pytest.mark.heavy  # a second server process (~10-20 s of start-up on a busy machine)
def test_mcp_streamable_http_with_token(
    server_params: StdioServerParameters, tmp_path: Path
) -> None:
    import signal
    import socket
    import subprocess
    import time

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {**(server_params.env or {}), "TRIPGRAPH_API_TOKEN": "mcp-token"}
    log = tmp_path / "mcp-http.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [server_params.command, "mcp", "--transport", "streamable-http", "--port", str(port)],
            env=env,
            cwd=PROJECT_ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert proc.poll() is None, log.read_text()[-3000:]
                assert time.monotonic() < deadline, log.read_text()[-3000:]
                time.sleep(0.3)
        anyio.run(_http_calls, f"http://127.0.0.1:{port}/mcp", "mcp-token")
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=30)
