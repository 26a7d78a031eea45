"""FalkorDB Cypher (embedded FalkorDBLite and remote FalkorDB servers).

FalkorDB names indexes by label and property rather than by name, stores vectors only when
wrapped in `vecf32()`, returns vector *distances* (lower = nearer) and creates uniqueness
constraints through a Redis command that needs an exact-match index first.
"""

from __future__ import annotations

from graph_schema import model

name = "falkordb"


def vector_value(expr: str) -> str:
    return f"vecf32({expr})"


def create_constraint(spec: model.NodeSpec) -> list[str]:
    # The UNIQUE constraint itself is a GRAPH.CONSTRAINT command (see FalkorDBStore);
    # the range index it requires is plain Cypher.
    return [f"CREATE INDEX FOR (n:{spec.label}) ON (n.{spec.key})"]


def create_vector_index(spec: model.VectorIndexSpec, dimension: int) -> str:
    return (
        f"CREATE VECTOR INDEX FOR (n:{spec.label}) ON (n.{spec.prop}) "
        f"OPTIONS {{dimension: {int(dimension)}, similarityFunction: 'cosine'}}"
    )


def query_vector_index(spec: model.VectorIndexSpec) -> str:
    # Cosine *distance* d = 1 - cos: turn it into a similarity so both engines agree.
    return (
        f"CALL db.idx.vector.queryNodes('{spec.label}', '{spec.prop}', $k, vecf32($vector)) "
        f"YIELD node, score AS distance WITH node, 1.0 - distance AS score"
    )


def create_fulltext_index(spec: model.FulltextIndexSpec) -> list[str]:
    props = ", ".join(f"'{p}'" for p in spec.props)
    return [f"CALL db.idx.fulltext.createNodeIndex('{spec.label}', {props})"]


def drop_fulltext_index(spec: model.FulltextIndexSpec) -> str:
    # FalkorDB keeps one full-text index per label.
    return f"CALL db.idx.fulltext.drop('{spec.label}')"


def query_fulltext_index(spec: model.FulltextIndexSpec) -> str:
    return f"CALL db.idx.fulltext.queryNodes('{spec.label}', $query) YIELD node, score"
