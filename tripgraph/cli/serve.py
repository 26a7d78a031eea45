"""CLI commands of the interfaces: `tripgraph serve` (HTTP API), `tripgraph ui` (chat UI) and
`tripgraph mcp` (the tools as an MCP server)."""

from __future__ import annotations

import os
import sys
from typing import Annotated, Literal

import typer

from tripgraph.settings import PROJECT_ROOT

UI_APP = "agent/ui/app.py"
WORKER_HEALTHCHECK_S = 120


def serve(
    host: Annotated[
        str, typer.Option(help="interface to bind (127.0.0.1 = this machine only)")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8080,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="worker processes; with the embedded graph they share one graph server",
        ),
    ] = 1,
    log_level: Annotated[str, typer.Option(help="uvicorn log level")] = "info",
    access_log: Annotated[
        bool, typer.Option(help="log every request (at info level); off for load tests")
    ] = True,
) -> None:
    """Start the HTTP API (FastAPI; OpenAPI docs at /docs). Bearer auth when
    TRIPGRAPH_API_TOKEN is set."""
    import uvicorn

    uvicorn.run(
        "agent.api:create_app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        access_log=access_log,
        # With several workers, the supervisor pings each one and SIGKILLs any that does not
        # answer in time (default 5 s), even during start-up. A worker's start-up (imports,
        # graph vocabulary, warm-up) holds the GIL for long stretches, and on a busy 2-core
        # machine a 5 s answer is not sure: workers were killed mid-start-up in a loop, each
        # kill leaving the graph server it had started behind.
        timeout_worker_healthcheck=WORKER_HEALTHCHECK_S,
    )


def ui(
    host: Annotated[str, typer.Option(help="interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535)] = 8000,
) -> None:
    """Start the Chainlit chat UI (headless: open http://HOST:PORT yourself)."""
    # Chainlit reads .chainlit/config.toml and public/ from its app root: the repository.
    env = {**os.environ, "CHAINLIT_APP_ROOT": str(PROJECT_ROOT)}
    args = [
        sys.executable,
        "-m",
        "chainlit",
        "run",
        UI_APP,
        "--headless",
        "--host",
        host,
        "--port",
        str(port),
    ]
    os.chdir(PROJECT_ROOT)
    typer.echo(f"chat UI on http://{host}:{port}", err=True)
    # exec: the UI becomes this process, so Ctrl-C and kill reach it directly.
    os.execve(sys.executable, args, env)


def mcp(
    transport: Annotated[
        Literal["stdio", "streamable-http"],
        typer.Option(
            help="stdio (an MCP client starts this command) or streamable-http (a server)"
        ),
    ] = "stdio",
    host: Annotated[str, typer.Option(help="streamable-http: interface to bind")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="streamable-http: port")] = 8765,
) -> None:
    """Serve the agent's tools over MCP (recommend places, read-only Cypher, schema,
    products, viewed together, entities, place mapping, itinerary → package). Streamable
    HTTP answers at http://HOST:PORT/mcp, with bearer auth when TRIPGRAPH_API_TOKEN is set."""
    from agent.mcp_server import serve as serve_mcp
    from tripgraph.settings import get_settings

    if transport == "streamable-http":
        typer.echo(f"MCP (streamable HTTP) on http://{host}:{port}/mcp", err=True)
    serve_mcp(get_settings(), transport, host, port)


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.command()(ui)
    app.command()(mcp)
