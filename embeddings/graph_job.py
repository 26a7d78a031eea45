"""Train node2vec on the stored graph and write Merchant.graph_embedding back.

The walk graph is the merchant–place–category–menu–user graph: merchants connect to
their region, category and dishes, and to the users who reviewed them (the Review hop is
collapsed, so a user who reviewed two merchants links them in two steps). Node ids are
prefixed by label because keys of different labels may collide (a Category and a Menu
can both be called '전복').
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from embeddings.graph import Node2VecConfig, TypedEdges, fit_node2vec
from graph_schema.store import GraphStore

EDGE_QUERIES: dict[str, str] = {
    "LOCATED_IN": "MATCH (a:Merchant)-[:LOCATED_IN]->(b:Place) "
    "RETURN 'Merchant:' + a.merchant_id AS s, 'Place:' + b.place_id AS d",
    "IN_CATEGORY": "MATCH (a:Merchant)-[:IN_CATEGORY]->(b:Category) "
    "RETURN 'Merchant:' + a.merchant_id AS s, 'Category:' + b.name AS d",
    "SERVES": "MATCH (a:Merchant)-[:SERVES]->(b:Menu) "
    "RETURN 'Merchant:' + a.merchant_id AS s, 'Menu:' + b.name AS d",
    "REVIEWED": "MATCH (u:User)-[:WROTE]->(:Review)-[:ABOUT]->(m:Merchant) "
    "RETURN DISTINCT 'User:' + u.user_id AS s, 'Merchant:' + m.merchant_id AS d",
    "IN": "MATCH (a:Place)-[:IN]->(b:Place) "
    "RETURN 'Place:' + a.place_id AS s, 'Place:' + b.place_id AS d",
}


@dataclass
class GraphEmbeddingReport:
    nodes: int
    edges: int
    merchants_written: int
    dim: int
    seconds: float


def train_graph_embeddings(store: GraphStore, config: Node2VecConfig) -> GraphEmbeddingReport:
    started = time.perf_counter()
    edges = []
    for rel, query in EDGE_QUERIES.items():
        rows = store.read(query, timeout_ms=600_000, max_rows=100_000_000).rows
        edges.append(TypedEdges(rel, [r["s"] for r in rows], [r["d"] for r in rows]))
    result = fit_node2vec(edges, config)
    merchants = [
        (node_id.removeprefix("Merchant:"), vec.tolist())
        for node_id, vec in result.vectors.items()
        if node_id.startswith("Merchant:")
    ]
    store.ensure_schema(graph_dim=config.dim)
    written = 0
    for i in range(0, len(merchants), 1000):
        written += store.set_vectors("Merchant", "graph_embedding", merchants[i : i + 1000])
    return GraphEmbeddingReport(
        result.num_nodes, result.num_edges, written, config.dim, time.perf_counter() - started
    )
