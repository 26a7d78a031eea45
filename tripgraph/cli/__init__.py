"""The `tripgraph` command line: a thin adapter over the packages.

The roof of the import layers (docs/architecture.md): each area's commands live in one module
of this package (`ingest`: data, ingest, embed, cypher, graph embeddings; `agent`: ask and the
agent eval; `serve`: API, UI, MCP; `recsys`, `nlu`, `embeddings`: training and evals) and
register themselves here. Heavy imports (torch, langgraph) happen inside the commands so that
`tripgraph --help` stays fast.
"""

from __future__ import annotations

import signal
import threading

import typer

app = typer.Typer(
    help="tripgraph: graph-centric travel and dining recommendation agent.", no_args_is_help=True
)


def _exit_on_sigterm(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@app.callback()
def _main() -> None:
    # Python dies on an unhandled SIGTERM without running `finally` blocks or atexit, and
    # the embedded graph's server (a child process) is stopped only from there: a killed
    # command would leave it running. As SystemExit, SIGTERM unwinds like Ctrl-C does.
    # (`serve` replaces this with uvicorn's own handler, which closes the store too.)
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


data_app = typer.Typer(help="Generate datasets.", no_args_is_help=True)
train_app = typer.Typer(help="Train models.", no_args_is_help=True)
eval_app = typer.Typer(
    help="Offline evaluation runs (JSON + PNG under runs/).", no_args_is_help=True
)
app.add_typer(data_app, name="data")
app.add_typer(train_app, name="train")
app.add_typer(eval_app, name="eval")

# Registration: each area adds its commands to the groups above from its own cli module.
from tripgraph.cli.agent import register as register_agent  # noqa: E402
from tripgraph.cli.embeddings import register as register_embeddings  # noqa: E402
from tripgraph.cli.ingest import register as register_graph  # noqa: E402
from tripgraph.cli.nlu import register as register_nlu  # noqa: E402
from tripgraph.cli.recsys import register as register_recsys  # noqa: E402
from tripgraph.cli.serve import register as register_api  # noqa: E402

register_graph(app, data_app, train_app)
register_agent(app, eval_app, train_app)
register_api(app)
register_recsys(train_app, eval_app)
register_nlu(app, train_app, eval_app)
register_embeddings(eval_app, train_app)
