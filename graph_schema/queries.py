"""The Cypher that every backend runs, written once: builders over `graph_schema.model`.

`GraphStore` (`store.py`) sends these for its batched upserts, vector reads and writes,
counts and fingerprints; what the engines write differently comes from the backend's
dialect module (`dialect_<engine>.py`: passed in as `dialect`). The jobs that read the
graph in bulk (`tripgraph embed`, the graph-embedding job) take their queries from here too,
so that the Cypher of this layer lives in one module. The agent's queries live in
`agent/cypher.py`; an engine's own commands (FalkorDB's GRAPH.* calls, its legacy vector
migration) stay in the engine's module.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from graph_schema import model

if TYPE_CHECKING:
    from graph_schema.store import Dialect


# -- batched upserts ---------------------------------------------------------------------
def upsert_nodes(label: str, vector_props: list[str], dialect: Dialect) -> str:
    """MERGE `$rows` (`{key, props, vec_<prop>...}`) on the node key; a null vector keeps
    the stored one."""
    spec = model.node_spec(label)
    sets = ["n += row.props"]
    for name in vector_props:
        sets.append(
            f"n.{name} = CASE WHEN row.vec_{name} IS NULL THEN n.{name} "
            f"ELSE {dialect.vector_value(f'row.vec_{name}')} END"
        )
    return f"UNWIND $rows AS row MERGE (n:{label} {{{spec.key}: row.key}}) SET {', '.join(sets)}"


def upsert_relationships(rel_type: str) -> str:
    """MERGE `$rows` (`{start, end, props}`) between existing nodes; returns `n` matched."""
    spec = model.rel_spec(rel_type)
    start, end = model.node_spec(spec.start), model.node_spec(spec.end)
    return (
        f"UNWIND $rows AS row "
        f"MATCH (a:{start.label} {{{start.key}: row.start}}) "
        f"MATCH (b:{end.label} {{{end.key}: row.end}}) "
        f"MERGE (a)-[r:{rel_type}]->(b) SET r += row.props "
        f"RETURN count(r) AS n"
    )


# -- vectors on node properties ------------------------------------------------------------
def set_vectors(label: str, prop: str, fingerprint: str | None, dialect: Dialect) -> str:
    """Set `$rows` (`{key, vec}`, with `fp` when `fingerprint` names its property) on
    existing nodes; returns `n` written."""
    key = model.node_spec(label).key
    sets = [f"n.{prop} = {dialect.vector_value('row.vec')}"]
    if fingerprint is not None:
        sets.append(f"n.{fingerprint} = row.fp")
    return (
        f"UNWIND $rows AS row MATCH (n:{label} {{{key}: row.key}}) "
        f"SET {', '.join(sets)} RETURN count(n) AS n"
    )


def vector_search(spec: model.VectorIndexSpec, dialect: Dialect) -> str:
    """Nearest nodes to `$vector` (`$k` of them), best first, as `node` and `score`."""
    return dialect.query_vector_index(spec) + " RETURN node, score ORDER BY score DESC"


def vector_search_keys(spec: model.VectorIndexSpec, dialect: Dialect) -> str:
    """As `vector_search`, but the nodes' keys (`key`) only."""
    key = model.node_spec(spec.label).key
    return (
        dialect.query_vector_index(spec) + f" RETURN node.{key} AS key, score ORDER BY score DESC"
    )


def get_vectors(spec: model.VectorIndexSpec) -> str:
    """`key` and vector `v` of the nodes keyed `$keys` that have one."""
    key = model.node_spec(spec.label).key
    return (
        f"MATCH (n:{spec.label}) WHERE n.{key} IN $keys AND n.{spec.prop} IS NOT NULL "
        f"RETURN n.{key} AS key, n.{spec.prop} AS v"
    )


def delete_vectors(spec: model.VectorIndexSpec) -> str:
    """Drop the vector and its fingerprint of the nodes keyed `$keys`; returns `n`."""
    key = model.node_spec(spec.label).key
    return (
        f"MATCH (n:{spec.label}) WHERE n.{key} IN $keys AND n.{spec.prop} IS NOT NULL "
        f"SET n.{spec.prop} = null, n.{model.fingerprint_prop(spec)} = null "
        "RETURN count(n) AS n"
    )


def vector_fingerprints(spec: model.VectorIndexSpec) -> str:
    """`key` and recorded fingerprint `fp` of every node with a vector."""
    key = model.node_spec(spec.label).key
    return (
        f"MATCH (n:{spec.label}) WHERE n.{spec.prop} IS NOT NULL "
        f"RETURN n.{key} AS key, n.{model.fingerprint_prop(spec)} AS fp"
    )


def vector_source(spec: model.VectorIndexSpec, source: str | None) -> str:
    """`key` and embedded content `src` (null where there is no source property) of every
    node of the index's label."""
    key = model.node_spec(spec.label).key
    text = f"n.{source}" if source else "null"
    return f"MATCH (n:{spec.label}) RETURN n.{key} AS key, {text} AS src"


def existing_keys(label: str) -> str:
    """`key` of the nodes keyed `$keys` that exist."""
    key = model.node_spec(label).key
    return f"MATCH (n:{label}) WHERE n.{key} IN $keys RETURN n.{key} AS key"


def nodes_by_key(label: str) -> str:
    """The nodes `n` keyed `$keys`."""
    key = model.node_spec(label).key
    return f"MATCH (n:{label}) WHERE n.{key} IN $keys RETURN n"


# -- full-text, counts, fingerprints ------------------------------------------------------------
def fulltext_search(spec: model.FulltextIndexSpec, dialect: Dialect) -> str:
    """The best `$k` nodes for `$query`, as `node` and `score`."""
    return dialect.query_fulltext_index(spec) + " RETURN node, score ORDER BY score DESC LIMIT $k"


def count_nodes(label: str, *, total_length_of: str | None = None) -> str:
    """`n` nodes of the label; with `total_length_of`, also `len`, the summed size of that
    property."""
    agg = f", sum(size(n.{total_length_of})) AS len" if total_length_of else ""
    return f"MATCH (n:{label}) RETURN count(n) AS n{agg}"


def count_relationships(rel_type: str) -> str:
    return f"MATCH ()-[r:{rel_type}]->() RETURN count(r) AS n"


def all_nodes(spec: model.NodeSpec) -> str:
    """Every node `n` of the label, in key order."""
    return f"MATCH (n:{spec.label}) RETURN n ORDER BY n.{spec.key}"


def all_relationships(rel: model.RelSpec) -> str:
    """Every relationship of the type: end keys `a`, `b` and properties `p`, in key order."""
    s, e = model.node_spec(rel.start), model.node_spec(rel.end)
    return (
        f"MATCH (a:{s.label})-[r:{rel.type}]->(b:{e.label}) "
        f"RETURN a.{s.key} AS a, b.{e.key} AS b, properties(r) AS p ORDER BY a, b"
    )


DELETE_ALL = "MATCH (n) DETACH DELETE n"


# -- the bulk reads of the jobs ------------------------------------------------------------------
# `tripgraph embed`: every review's text (`id`, `text`), in key order; the fingerprints of
# the texts decide what is embedded.
REVIEW_TEXTS = "MATCH (r:Review) RETURN r.review_id AS id, r.text AS text ORDER BY id"

# The graph-embedding job's edges, one query per edge type: source `s` and destination `d`,
# node ids prefixed by label (keys of different labels may collide). A user is linked to
# each merchant they reviewed once, however many reviews: the Review hop is collapsed.
GRAPH_EMBEDDING_EDGES: dict[str, str] = {
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
