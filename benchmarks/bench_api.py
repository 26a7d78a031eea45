"""HTTP API load test: `tripgraph serve` in offline mode, loaded from a second process.

    .venv/bin/python benchmarks/bench_api.py                      # settings' graph (make run)
    TRIPGRAPH_GRAPH__EMBEDDED_DIR=/tmp/g .venv/bin/python benchmarks/bench_api.py --workers 2
    # writes runs/benchmarks/api.json

Several workers share one embedded graph: the first to start runs the FalkorDBLite server,
the others connect to it (start-up is serialised by a lock file beside the graph). Each
worker runs at most TRIPGRAPH_API_AGENT_THREADS agent calls at once (default 2 x cores).

The server runs as a child process on a free loopback port (uvicorn, --workers N); this
process is the load generator: C concurrent clients (one keep-alive connection each) post
recommendation questions to /v1/chat until --requests have been sent or --duration seconds
have passed, whichever comes first. A short warm-up is not counted, and measuring starts
only once every worker has finished its start-up (each one logs it).

The clients share this process's one core at most (asyncio). `--client raw` (default) is a
minimal HTTP/1.1 keep-alive client on asyncio streams: real requests and responses over
loopback sockets, with status, Content-Length and chunked bodies handled, at about a fifth
of httpx's CPU per request — on 2 cores the load generator's own CPU is taken from the
server. `--client httpx` is the general-purpose client, for comparison.
Reported: requests/s, latency p50/p95/p99/max, status counts and errors, the agent's own
stage timings (from the answers), and the machine's load average before and after — the
figures depend on what else the CPUs are doing.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx

from tripgraph.provenance import git_sha

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = [
    "제주 애월에서 부모님 모시고 갈 흑돼지집 추천해줘",
    "성산에서 아이랑 가기 좋은 해산물 맛집 알려줘",
    "서귀포에서 바다 보이는 조용한 카페 추천해줘",
    "한림 근처 고기국수 맛집 추천해줘",
    "함덕에서 친구들이랑 갈 횟집 알려줘",
    "중문 근처 갈치조림 잘하는 곳 추천해줘",
    "구좌에서 주차 되는 브런치 카페 알려줘",
    "제주시 노형동 가성비 좋은 해장국집 추천해줘",
]
TARGET_RPS = 30.0


def recommendation_questions(name: str) -> list[str]:
    """`bench`: the 8 questions above, repeated (query vectors and plans are then cached);
    `gold`: every recommendation question of the agent's gold set (distinct slots and
    HyDE texts, so the query-vector cache mostly misses until each has been asked once)."""
    if name == "bench":
        return QUESTIONS
    from evals.agent import load_gold

    return [g["question"] for g in load_gold() if g.get("kind") == "recommend"]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = (len(ordered) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def start_server(port: int, workers: int, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TRIPGRAPH_LLM__BASE_URL": ""}  # offline mode, whatever .env says
    env.pop("TRIPGRAPH_API_TOKEN", None)
    cmd = [
        str(Path(sys.executable).parent / "tripgraph"),
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--log-level",
        "info",  # start-up lines tell when every worker is ready
        "--no-access-log",
    ]
    with log.open("wb") as out:
        return subprocess.Popen(
            cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )


def wait_healthy(
    base: str, proc: subprocess.Popen[bytes], log: Path, timeout: float, workers: int = 1
) -> dict:
    """Wait until /healthz answers 200 and all `workers` have logged the end of their
    start-up (a worker still warming up would take CPU from the measured phase)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            r = httpx.get(f"{base}/healthz", timeout=2)
            ready = log.read_text(errors="replace").count("Application startup complete")
            if r.status_code == 200 and ready >= workers:
                return dict(r.json())
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise SystemExit(f"server not healthy after {timeout:.0f}s:\n{log.read_text()[-3000:]}")


def stop_server(proc: subprocess.Popen[bytes]) -> None:
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


CYPHER = "MATCH (m:Merchant)-[:LOCATED_IN]->(p:Place {name: $region}) RETURN m.name AS name LIMIT 5"


class RawClient:
    """One HTTP/1.1 keep-alive connection on asyncio streams: POST a JSON body, read the
    status line, headers and body (Content-Length or chunked). Reconnects when the server
    closes the connection or a request fails."""

    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def post(self, path: str, body: dict[str, Any], timeout: float) -> tuple[int, bytes]:
        try:
            return await asyncio.wait_for(self._post(path, body), timeout)
        except BaseException:
            await self.close()  # the connection's state is unknown now
            raise

    async def _post(self, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        data = json.dumps(body, ensure_ascii=False).encode()
        self.writer.write(
            f"POST {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Type: application/json\r\nAccept: application/json\r\n"
            f"Content-Length: {len(data)}\r\n\r\n".encode()
            + data
        )
        await self.writer.drain()
        head = await self.reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                k, v = line.split(":", 1)
                headers[k.strip().lower()] = v.strip()
        if "content-length" in headers:
            payload = await self.reader.readexactly(int(headers["content-length"]))
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            parts = []
            while size := int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16):
                parts.append(await self.reader.readexactly(size))
                await self.reader.readexactly(2)
            await self.reader.readuntil(b"\r\n")  # the empty trailer line
            payload = b"".join(parts)
        else:
            raise ConnectionError("response without length")
        if headers.get("connection", "").lower() == "close":
            await self.close()
        return status, payload

    async def close(self) -> None:
        writer, self.reader, self.writer = self.writer, None, None
        if writer is not None:
            writer.close()
            with contextlib.suppress(OSError):
                await writer.wait_closed()


async def load(
    base: str,
    clients: int,
    max_requests: int,
    max_seconds: float,
    warmup: int,
    endpoint: str = "chat",
    client_kind: str = "raw",
    questions: list[str] | None = None,
) -> dict[str, Any]:
    """C clients in a closed loop, one connection each; returns per-request records of the
    measured phase. `chat` asks the agent; `cypher` runs one small read-only query (the HTTP
    layer and the store without the agent, to show where the time goes)."""
    questions = questions or QUESTIONS
    sent = 0
    records: list[dict[str, Any]] = []
    url = httpx.URL(base)
    raws = [RawClient(url.host, url.port or 80) for _ in range(clients)]
    limits = httpx.Limits(max_connections=clients, max_keepalive_connections=clients)
    async with httpx.AsyncClient(base_url=base, timeout=60, limits=limits) as http:

        async def post(slot: int, path: str, body: dict[str, Any]) -> tuple[int, bytes]:
            if client_kind == "raw":
                return await raws[slot].post(path, body, timeout=60)
            r = await http.post(path, json=body)
            return r.status_code, r.content

        async def one(slot: int, i: int) -> dict[str, Any]:
            question = questions[i % len(questions)]
            started = time.perf_counter()
            try:
                if endpoint == "cypher":
                    body = {"query": CYPHER, "params": {"region": "애월읍"}}
                    status, payload = await post(slot, "/v1/cypher", body)
                else:
                    status, payload = await post(slot, "/v1/chat", {"question": question})
                ms = (time.perf_counter() - started) * 1000
                rec: dict[str, Any] = {"status": status, "ms": ms}
                if status == 200 and endpoint == "chat":
                    answer = json.loads(payload)
                    rec["picks"] = len(answer.get("picks") or [])
                    rec["mode"] = answer.get("mode")
                    rec["stages"] = answer.get("timings_ms") or {}
                return rec
            except (httpx.HTTPError, OSError, asyncio.IncompleteReadError, TimeoutError) as exc:
                return {
                    "status": None,
                    "ms": (time.perf_counter() - started) * 1000,
                    "error": type(exc).__name__,
                }

        # Warm-up, not counted: `warmup` requests, each client sending its share in turn
        # (a connection carries one request at a time).
        async def warm(slot: int) -> None:
            for i in range(slot, warmup, clients):
                await one(slot, i)

        await asyncio.gather(*(warm(c) for c in range(clients)))

        started = time.perf_counter()
        deadline = started + max_seconds

        async def client(slot: int) -> None:
            nonlocal sent
            while sent < max_requests and time.perf_counter() < deadline:
                i = sent
                sent += 1
                records.append(await one(slot, i))

        await asyncio.gather(*(client(c) for c in range(clients)))
        elapsed = time.perf_counter() - started
        for raw in raws:
            await raw.close()
    return {"records": records, "elapsed_s": elapsed}


def summarise(records: list[dict[str, Any]], elapsed: float) -> dict[str, Any]:
    ok = [r for r in records if r["status"] == 200]
    lat = [r["ms"] for r in ok]
    statuses: dict[str, int] = {}
    for r in records:
        key = str(r["status"] or r.get("error"))
        statuses[key] = statuses.get(key, 0) + 1
    stage_names = sorted({k for r in ok for k in r.get("stages", {})})
    stages = {
        name: round(statistics.median([r["stages"][name] for r in ok if name in r["stages"]]), 1)
        for name in stage_names
    }
    return {
        "requests": len(records),
        "ok": len(ok),
        "errors": len(records) - len(ok),
        "status_counts": statuses,
        "elapsed_s": round(elapsed, 2),
        "requests_per_s": round(len(ok) / elapsed, 2) if elapsed else 0.0,
        "latency_ms": {
            "p50": round(_percentile(lat, 0.50), 1),
            "p95": round(_percentile(lat, 0.95), 1),
            "p99": round(_percentile(lat, 0.99), 1),
            "mean": round(statistics.fmean(lat), 1) if lat else None,
            "max": round(max(lat), 1) if lat else None,
        },
        "answers_with_3_picks": sum(1 for r in ok if r.get("picks") == 3),
        "modes": sorted({str(r.get("mode")) for r in ok}),
        "agent_stage_median_ms": stages,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    ap.add_argument("--requests", type=int, default=1000, help="measured requests at most")
    ap.add_argument("--duration", type=float, default=60.0, help="measured seconds at most")
    ap.add_argument("--warmup", type=int, default=16, help="requests before measuring")
    ap.add_argument(
        "--cypher-seconds",
        type=float,
        default=15.0,
        help="then load /v1/cypher for this long (0: skip)",
    )
    ap.add_argument("--start-timeout", type=float, default=600.0)
    ap.add_argument(
        "--questions",
        choices=("bench", "gold"),
        default="bench",
        help="the 8 bench questions, or every recommendation question of the gold set",
    )
    ap.add_argument(
        "--client",
        choices=("raw", "httpx"),
        default="raw",
        help="load generator: minimal keep-alive HTTP/1.1 client, or httpx",
    )
    ap.add_argument("--out", type=Path, default=ROOT / "runs" / "benchmarks" / "api.json")
    args = ap.parse_args()

    from tripgraph.settings import get_settings

    settings = get_settings()
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    args.out.parent.mkdir(parents=True, exist_ok=True)
    log = args.out.with_suffix(".server.log")
    load_before = os.getloadavg()
    t0 = time.perf_counter()
    proc = start_server(port, args.workers, log)
    try:
        health = wait_healthy(base, proc, log, args.start_timeout, args.workers)
        startup_s = time.perf_counter() - t0
        print(f"server up in {startup_s:.1f}s: {health}", flush=True)
        run = asyncio.run(
            load(
                base,
                args.clients,
                args.requests,
                args.duration,
                args.warmup,
                client_kind=args.client,
                questions=recommendation_questions(args.questions),
            )
        )
        cypher_run = None
        if args.cypher_seconds > 0:
            cypher_run = asyncio.run(
                load(
                    base,
                    args.clients,
                    10**6,
                    args.cypher_seconds,
                    args.warmup,
                    "cypher",
                    args.client,
                )
            )
    finally:
        stop_server(proc)
    metrics = summarise(run["records"], run["elapsed_s"])
    cypher_metrics = (
        summarise(cypher_run["records"], cypher_run["elapsed_s"]) if cypher_run else None
    )
    result = {
        "benchmark": "api",
        "git_sha": git_sha(),
        "config": {
            "clients": args.clients,
            "workers": args.workers,
            "agent_threads_per_worker": os.environ.get("TRIPGRAPH_API_AGENT_THREADS")
            or f"default: 2 x {os.cpu_count()} cores",
            "max_requests": args.requests,
            "max_seconds": args.duration,
            "warmup": args.warmup,
            "endpoint": "POST /v1/chat (JSON)",
            "load_client": args.client,
            "question_set": args.questions,
            "questions": recommendation_questions(args.questions),
            "graph_backend": settings.graph.backend,
            "graph_dir": str(settings.graph.embedded_dir),
            "text_embedder": settings.embedding.text_model,
            "mode": health.get("mode"),
        },
        "machine": {
            "cpus": os.cpu_count(),
            "python": platform.python_version(),
            "loadavg_before": [round(x, 2) for x in load_before],
            "loadavg_after": [round(x, 2) for x in os.getloadavg()],
        },
        "server_startup_s": round(startup_s, 1),
        "metrics": metrics,
        "cypher_metrics": cypher_metrics,
        "target": {"requests_per_s": TARGET_RPS, "errors": 0},
        "meets_target": metrics["requests_per_s"] >= TARGET_RPS and metrics["errors"] == 0,
    }
    args.out.write_text(json.dumps(result, ensure_ascii=False, indent=2))
    m = metrics
    print(
        f"{m['ok']}/{m['requests']} ok in {m['elapsed_s']}s: {m['requests_per_s']} req/s, "
        f"p50 {m['latency_ms']['p50']} ms, p95 {m['latency_ms']['p95']} ms, "
        f"errors {m['errors']} → {args.out}"
    )
    if cypher_metrics:
        c = cypher_metrics
        print(
            f"/v1/cypher: {c['requests_per_s']} req/s, p50 {c['latency_ms']['p50']} ms, "
            f"p95 {c['latency_ms']['p95']} ms, errors {c['errors']}"
        )


if __name__ == "__main__":
    main()
