"""Embed the merchant graph and write Merchant.graph_embedding back (for the backfill).

The graph is the merchant–place–category–menu–user graph: merchants connect to their
region, category and dishes, and to the users who reviewed them (the Review hop is
collapsed into one User–Merchant edge per distinct pair, so a user who reviewed two
merchants links them in two steps; the 900k Review nodes never enter the graph). Node ids
are prefixed by label because keys of different labels may collide (a Category and a Menu
can both be called '전복').

The edges come from the store (`edges_from_store`: one bulk read per relationship type, the
queries in `graph_schema.queries`) or straight from a generated dataset's Parquet files
(`edges_from_parquet`: the same edges, without loading the graph first). Both give the same
graph for the same dataset.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from embeddings.graph import GraphEmbeddingConfig, ProNEConfig, TypedEdges, fit_graph_embeddings
from graph_schema.queries import GRAPH_EMBEDDING_EDGES
from graph_schema.store import GraphStore

EdgeSource = Literal["store", "parquet"]

WRITE_BATCH = 1000  # merchants per set_vectors call
INDEX = "merchant_graph_embedding"


def edges_from_store(store: GraphStore) -> list[TypedEdges]:
    edges = []
    for rel, query in GRAPH_EMBEDDING_EDGES.items():
        rows = store.read(query, timeout_ms=600_000, max_rows=100_000_000).rows
        edges.append(TypedEdges(rel, [r["s"] for r in rows], [r["d"] for r in rows]))
    return edges


def _prefixed(prefix: str, column: pa.ChunkedArray) -> list[str]:
    return pc.binary_join_element_wise(prefix, pc.cast(column, pa.string()), "").to_pylist()


def edges_from_parquet(dataset_dir: Path) -> list[TypedEdges]:
    """The edges `edges_from_store` reads, taken from the generator's Parquet files; the
    merchant → region Place mapping is the loader's: the region-level place of that name
    under the merchant's city."""
    places = pq.read_table(dataset_dir / "places.parquet").to_pylist()
    by_id = {p["place_id"]: p for p in places}
    region_place = {
        (by_id[p["parent_id"]]["name"], p["name"]): p["place_id"]
        for p in places
        if p["level"] == "region" and p.get("parent_id") in by_id
    }
    merchants = pq.read_table(
        dataset_dir / "merchants.parquet", columns=["merchant_id", "category", "city", "region"]
    ).to_pylist()
    located = [
        (m["merchant_id"], region_place[(m["city"], m["region"])])
        for m in merchants
        if (m["city"], m["region"]) in region_place
    ]
    menus = pq.read_table(dataset_dir / "merchant_menus.parquet", columns=["merchant_id", "menu"])
    reviews = pq.read_table(dataset_dir / "reviews.parquet", columns=["user_id", "merchant_id"])
    reviews = reviews.filter(pc.is_valid(reviews["user_id"]))
    # DISTINCT (user, merchant), as in the store query: a second review adds no weight
    pairs = reviews.group_by(["user_id", "merchant_id"]).aggregate([])
    parent_links = [(p["place_id"], p["parent_id"]) for p in places if p.get("parent_id") in by_id]
    return [
        TypedEdges(
            "LOCATED_IN",
            [f"Merchant:{m}" for m, _ in located],
            [f"Place:{p}" for _, p in located],
        ),
        TypedEdges(
            "IN_CATEGORY",
            [f"Merchant:{m['merchant_id']}" for m in merchants],
            [f"Category:{m['category']}" for m in merchants],
        ),
        TypedEdges(
            "SERVES",
            _prefixed("Merchant:", menus["merchant_id"]),
            _prefixed("Menu:", menus["menu"]),
        ),
        TypedEdges(
            "REVIEWED",
            _prefixed("User:", pairs["user_id"]),
            _prefixed("Merchant:", pairs["merchant_id"]),
        ),
        TypedEdges(
            "IN", [f"Place:{c}" for c, _ in parent_links], [f"Place:{p}" for _, p in parent_links]
        ),
    ]


def merchant_vectors(vectors: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """merchant_id -> L2-normalised vector (float32): the backfill compares by cosine."""
    out = {}
    for node_id, vec in vectors.items():
        if node_id.startswith("Merchant:"):
            norm = float(np.linalg.norm(vec))
            out[node_id.removeprefix("Merchant:")] = (vec / norm if norm > 0 else vec).astype(
                np.float32
            )
    return out


def training_tag(edges: list[TypedEdges], config: GraphEmbeddingConfig) -> str:
    """What the vectors were fitted on: the method, its settings and the edge set (order
    free). Recorded with the vectors; an equal tag means refitting would change nothing
    but the random draw."""
    digest = hashlib.sha256(
        json.dumps({"method": type(config).__name__, **asdict(config)}, sort_keys=True).encode()
    )
    for typed in sorted(edges, key=lambda e: e.rel_type):
        digest.update(f"\n#{typed.rel_type}\n".encode())
        digest.update(
            "\n".join(sorted(map("\t".join, zip(typed.src, typed.dst, strict=True)))).encode()
        )
    return f"graph:{digest.hexdigest()[:16]}"


@dataclass
class GraphEmbeddingReport:
    method: str
    source: EdgeSource
    nodes: int
    edges: int
    merchants_written: int
    dim: int
    seconds: float
    # export (reading the edges), build (CSR), the method's phases, write (set_vectors)
    phase_seconds: dict[str, float] = field(default_factory=dict)
    current: bool = False  # the stored vectors were fitted on this graph: nothing refitted


def train_graph_embeddings(
    store: GraphStore,
    config: GraphEmbeddingConfig,
    *,
    dataset_dir: Path | None = None,
    force: bool = False,
) -> GraphEmbeddingReport:
    """Embed the graph (edges from `dataset_dir`'s Parquet files when given, else from the
    store) and store every merchant's vector; rerunning overwrites the same property.

    Unless `force`, a graph whose merchants all hold vectors fitted on the same edges with
    the same settings (the recorded `training_tag`; backends that record no tag always
    refit) is left as it is."""
    started = time.perf_counter()
    source: EdgeSource = "parquet" if dataset_dir is not None else "store"
    edges = edges_from_parquet(dataset_dir) if dataset_dir is not None else edges_from_store(store)
    export_s = time.perf_counter() - started
    tag = training_tag(edges, config)
    if not force and store.vector_tag(INDEX) == tag:
        status = store.vector_status(INDEX)
        if status.ok:
            return GraphEmbeddingReport(
                "prone" if isinstance(config, ProNEConfig) else "node2vec",
                source,
                len({n for e in edges for n in (*e.src, *e.dst)}),
                sum(len(e.src) for e in edges),
                0,
                config.dim,
                time.perf_counter() - started,
                {
                    "export": round(export_s, 3),
                    "check": round(time.perf_counter() - started - export_s, 3),
                },
                current=True,
            )
    result = fit_graph_embeddings(edges, config)
    t0 = time.perf_counter()
    merchants = [(mid, vec.tolist()) for mid, vec in merchant_vectors(result.vectors).items()]
    store.ensure_schema(graph_dim=config.dim)
    written = 0
    for i in range(0, len(merchants), WRITE_BATCH):
        written += store.set_vectors("Merchant", "graph_embedding", merchants[i : i + WRITE_BATCH])
    store.set_vector_tag(INDEX, tag)
    store.flush_vectors()  # durable and visible to the agent's process before we report
    phases = {"export": export_s, **result.phase_seconds, "write": time.perf_counter() - t0}
    return GraphEmbeddingReport(
        result.method,
        source,
        result.num_nodes,
        result.num_edges,
        written,
        config.dim,
        time.perf_counter() - started,
        {k: round(v, 3) for k, v in phases.items()},
    )
