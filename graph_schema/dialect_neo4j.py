"""Neo4j 5 Cypher: named constraints and indexes, `db.index.*` procedures.

Neo4j's cosine vector score is (1 + cos) / 2 in [0, 1]; it is mapped back to cos so that
scores mean the same on every backend.
"""

from __future__ import annotations

from graph_schema import model

name = "neo4j"


def vector_value(expr: str) -> str:
    return expr


def create_constraint(spec: model.NodeSpec) -> list[str]:
    cname = f"{spec.label.lower()}_{spec.key}_unique"
    return [
        f"CREATE CONSTRAINT {cname} IF NOT EXISTS "
        f"FOR (n:{spec.label}) REQUIRE n.{spec.key} IS UNIQUE"
    ]


def create_vector_index(spec: model.VectorIndexSpec, dimension: int) -> str:
    return (
        f"CREATE VECTOR INDEX {spec.name} IF NOT EXISTS FOR (n:{spec.label}) ON (n.{spec.prop}) "
        f"OPTIONS {{indexConfig: {{`vector.dimensions`: {int(dimension)}, "
        f"`vector.similarity_function`: 'cosine'}}}}"
    )


def query_vector_index(spec: model.VectorIndexSpec) -> str:
    return (
        f"CALL db.index.vector.queryNodes('{spec.name}', $k, $vector) "
        f"YIELD node, score AS s WITH node, 2.0 * s - 1.0 AS score"
    )


def create_fulltext_index(spec: model.FulltextIndexSpec) -> list[str]:
    props = ", ".join(f"n.{p}" for p in spec.props)
    # The CJK analyzer splits Hangul into bigrams, so '흑돼지' matches inside '흑돼지집'.
    return [
        f"CREATE FULLTEXT INDEX {spec.name} IF NOT EXISTS FOR (n:{spec.label}) ON EACH [{props}] "
        f"OPTIONS {{indexConfig: {{`fulltext.analyzer`: 'cjk'}}}}"
    ]


def drop_fulltext_index(spec: model.FulltextIndexSpec) -> str:
    return f"DROP INDEX {spec.name} IF EXISTS"


def query_fulltext_index(spec: model.FulltextIndexSpec) -> str:
    return f"CALL db.index.fulltext.queryNodes('{spec.name}', $query) YIELD node, score"
