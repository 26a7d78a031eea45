"""Soak the real API server: concurrent clients, graph-server kills, a misbehaving LLM.

Loopback only and bounded (`--minutes`). It builds (once) an embedded graph of the tiny
dataset, starts `tripgraph serve` on it with the LLM pointed at a local OpenAI-compatible
stub that in turn times out, answers 429 and returns garbage, drives `POST /v1/chat` from
`--clients` concurrent clients, SIGKILLs the embedded graph server (the redis-server child)
every `--kill-every` seconds, and samples the app's RSS.

Counted: answers (200), 503s (with and without Retry-After), other statuses (500 is a bug),
client errors (connection refused/reset: answers lost), answers with 3 picks, answers with
fewer picks that say why (non-empty `answer` text), RSS growth per 1,000 requests.

    .venv/bin/python benchmarks/soak_api.py --minutes 5

Writes runs/benchmarks/soak_api.json.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import psutil

from tripgraph.settings import PROJECT_ROOT

QUESTIONS = [
    "제주 애월에서 부모님 모시고 갈 흑돼지집 추천해줘",
    "서귀포 아이랑 갈 카페 추천",
    "오사카 도톤보리 근처 맛집",
    "부산 해운대 조용한 숙소",
]


class MisbehavingLLM:
    """An OpenAI-compatible endpoint whose answers cycle: a hang past the client's timeout,
    429 with Retry-After, then a 200 whose body is not a chat completion."""

    def __init__(self, hang_s: float) -> None:
        self.counts: Counter[str] = Counter()
        lock = threading.Lock()
        llm = self

        class H(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length", 0)))
                with lock:
                    mode = ("timeout", "429", "garbage")[sum(llm.counts.values()) % 3]
                    llm.counts[mode] += 1
                try:
                    if mode == "timeout":
                        time.sleep(hang_s)
                        self.send_response(200)
                        body = b"{}"
                    elif mode == "429":
                        self.send_response(429)
                        self.send_header("Retry-After", "0")
                        body = b'{"error": {"message": "rate limited"}}'
                    else:
                        self.send_response(200)
                        body = b"\x00not json{{"
                    self.send_header("content-type", "application/json")
                    self.end_headers()
                    self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client timed out and left

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), H)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/v1"


def build_graph(root: Path) -> Path:
    graph = root / "graph"
    if (root / "built").exists():
        return graph
    from embeddings.text.factory import make_embedder
    from graph_schema.falkordb_store import EmbeddedFalkorDBStore
    from ingest.embed_reviews import embed_reviews
    from ingest.generate import generate
    from ingest.loader import ingest_dataset

    generate("tiny", 42, root / "data")
    with EmbeddedFalkorDBStore(graph, "tripgraph") as store:
        ingest_dataset(store, root / "data", root / "state", progress=False)
        embedder = make_embedder("hashing")
        embedder.load()
        embed_reviews(store, embedder, progress=False)
    (root / "built").write_text("ok")
    return graph


def graph_server(graph: Path) -> psutil.Process | None:
    for proc in psutil.process_iter(["name"]):
        try:
            if proc.info["name"] == "redis-server" and Path(proc.cwd()) == graph:
                return proc
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return None


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--minutes", type=float, default=5.0)
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--kill-every", type=float, default=60.0)
    ap.add_argument("--llm-timeout-s", type=float, default=2.0)
    ap.add_argument("--work-dir", type=Path, default=Path(tempfile.gettempdir()) / "soak-api")
    ap.add_argument("--out", type=Path, default=PROJECT_ROOT / "runs/benchmarks/soak_api.json")
    args = ap.parse_args()

    graph = build_graph(args.work_dir)
    llm = MisbehavingLLM(hang_s=args.llm_timeout_s + 1.0)
    with socket_port() as port:
        pass
    env = {
        **os.environ,
        "TRIPGRAPH_GRAPH__BACKEND": "embedded",
        "TRIPGRAPH_GRAPH__EMBEDDED_DIR": str(graph),
        "TRIPGRAPH_EMBEDDING__TEXT_MODEL": "hashing",
        "TRIPGRAPH_RUN_DIR": str(args.work_dir / "runs"),
        "TRIPGRAPH_LLM__BASE_URL": llm.base_url,
        "TRIPGRAPH_LLM__TIMEOUT_S": str(args.llm_timeout_s),
        "TRIPGRAPH_LLM__MAX_RETRIES": "1",
    }
    env.pop("TRIPGRAPH_API_TOKEN", None)
    log = (args.work_dir / "serve.log").open("w")
    tripgraph = Path(sys.executable).parent / "tripgraph"
    proc = subprocess.Popen(
        [str(tripgraph), "serve", "--port", str(port), "--log-level", "warning"],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                if httpx.get(base + "/healthz", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"serve did not come up: {proc.returncode}")
            time.sleep(0.5)
        result = soak(args, base, graph, psutil.Process(proc.pid))
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        llm.server.shutdown()
    result["llm_stub_responses"] = dict(llm.counts)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))


class socket_port:
    """A free loopback port (closed again before the server binds it)."""

    def __enter__(self) -> int:
        import socket

        self.s = socket.socket()
        self.s.bind(("127.0.0.1", 0))
        return int(self.s.getsockname()[1])

    def __exit__(self, *exc: object) -> None:
        self.s.close()


def soak(args: argparse.Namespace, base: str, graph: Path, app: psutil.Process) -> dict[str, Any]:
    stop = time.monotonic() + args.minutes * 60
    lock = threading.Lock()
    status: Counter[str] = Counter()
    picks: Counter[str] = Counter()
    kills: list[dict[str, Any]] = []
    rss: list[tuple[int, int]] = []  # (requests done, bytes)
    done = [0]
    examples: dict[str, str] = {}

    def client(i: int) -> None:
        with httpx.Client(base_url=base, timeout=120) as http:
            n = 0
            while time.monotonic() < stop:
                q = QUESTIONS[(i + n) % len(QUESTIONS)]
                n += 1
                try:
                    r = http.post("/v1/chat", json={"question": q})
                except httpx.HTTPError as exc:
                    key = f"client_error:{type(exc).__name__}"
                    with lock:
                        status[key] += 1
                        done[0] += 1
                    continue
                key = str(r.status_code)
                if r.status_code == 503:
                    key += "+retry_after" if "retry-after" in r.headers else "-no_retry_after"
                with lock:
                    status[key] += 1
                    done[0] += 1
                    if r.status_code != 200:
                        examples.setdefault(key, r.text[:300])
                if r.status_code == 200:
                    body = r.json()
                    k = len(body.get("picks", []))
                    kind = (
                        "3"
                        if k >= 3
                        else ("fewer_says_why" if body.get("answer") else "fewer_silent")
                    )
                    with lock:
                        picks[kind] += 1

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    next_kill = started + args.kill_every
    next_rss = started
    while any(t.is_alive() for t in threads):
        now = time.monotonic()
        if now >= next_rss:
            with lock:
                rss.append(
                    (
                        done[0],
                        sum(
                            p.memory_info().rss
                            for p in [app, *app.children(True)]
                            if p.name() != "redis-server"
                        ),
                    )
                )
            next_rss = now + 5
        if now >= next_kill and now < stop:
            server = graph_server(graph)
            with lock:
                kills.append(
                    {
                        "t_s": round(now - started, 1),
                        "pid": server.pid if server else None,
                        "requests_done": done[0],
                    }
                )
            if server is not None:
                server.send_signal(signal.SIGKILL)
            next_kill = now + args.kill_every
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    growth = None
    if len(rss) >= 2 and rss[-1][0] > rss[0][0]:
        growth = (rss[-1][1] - rss[0][1]) / (rss[-1][0] - rss[0][0]) * 1000 / 2**20
    return {
        "minutes": args.minutes,
        "clients": args.clients,
        "elapsed_s": round(elapsed, 1),
        "requests": done[0],
        "requests_per_s": round(done[0] / elapsed, 2),
        "status": dict(status),
        "answers_picks": dict(picks),
        "graph_server_kills": kills,
        "rss_mib_first_last": [round(rss[0][1] / 2**20, 1), round(rss[-1][1] / 2**20, 1)]
        if rss
        else None,
        "rss_growth_mib_per_1000_requests": round(growth, 2) if growth is not None else None,
        "non_200_examples": examples,
    }


if __name__ == "__main__":
    main()
