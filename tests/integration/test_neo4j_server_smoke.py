"""Smoke checks of a real Neo4j 5 server: the features tripgraph's Neo4j backend relies on.

Run against the Maven-built server (`scripts/neo4j-test-server.sh start`) or the
docker-compose one; skipped when NEO4J_URI is unset. Every check works on labels and index
names unique to this module run, and removes them afterwards, so it can share a database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from neo4j import READ_ACCESS, Driver, GraphDatabase
from neo4j.exceptions import AuthError, ClientError, ConstraintError

pytestmark = [pytest.mark.integration, pytest.mark.neo4j]

KOREAN_REVIEW = "애월 흑돼지 맛집"
# Korean attaches particles to nouns ("흑돼지집에서" = "at the black-pork place"), so a
# whitespace/word tokenizer keeps the noun glued to them; the cjk analyzer indexes bigrams.
KOREAN_REVIEW_WITH_PARTICLES = "애월 흑돼지집에서 먹었어요"


def _env(name: str, default: str | None = None) -> str:
    value = os.environ.get(name, default)
    if value is None:
        pytest.skip(f"{name} is not set; start scripts/neo4j-test-server.sh or docker compose")
    return value


@pytest.fixture(scope="module")
def auth() -> tuple[str, str]:
    return _env("NEO4J_USER", "neo4j"), _env("NEO4J_PASSWORD", "tripgraph-dev")


@pytest.fixture(scope="module")
def driver(auth: tuple[str, str]) -> Iterator[Driver]:
    drv = GraphDatabase.driver(_env("NEO4J_URI"), auth=auth)
    try:
        drv.verify_connectivity()
        yield drv
    finally:
        drv.close()


@pytest.fixture()
def tag(driver: Driver) -> Iterator[str]:
    """A label/index-name suffix owned by one test; its nodes and schema are dropped after."""
    suffix = uuid.uuid4().hex[:10]
    yield suffix
    with driver.session() as session:
        for row in session.run(
            "SHOW CONSTRAINTS YIELD name WHERE name ENDS WITH $s RETURN name", s=suffix
        ):
            session.run(f"DROP CONSTRAINT `{row['name']}` IF EXISTS").consume()
        for row in session.run(
            "SHOW INDEXES YIELD name WHERE name ENDS WITH $s RETURN name", s=suffix
        ):
            session.run(f"DROP INDEX `{row['name']}` IF EXISTS").consume()
        for label in ("Smoke", "SmokeStd", "SmokeCjk", "SmokeVec", "SmokeUniq"):
            session.run(f"MATCH (n:`{label}_{suffix}`) DETACH DELETE n").consume()


def test_connects_with_password_and_rejects_a_wrong_one(
    driver: Driver, auth: tuple[str, str]
) -> None:
    assert driver.get_server_info().agent.startswith("Neo4j/5.")
    with driver.session() as session:
        assert session.run("RETURN 1 AS one").single(strict=True)["one"] == 1
    bad = GraphDatabase.driver(_env("NEO4J_URI"), auth=(auth[0], auth[1] + "-wrong"))
    try:
        with pytest.raises(AuthError):
            bad.verify_connectivity()
    finally:
        bad.close()


def test_read_access_mode_rejects_writes(driver: Driver, tag: str) -> None:
    label = f"Smoke_{tag}"
    with driver.session(default_access_mode=READ_ACCESS) as session:
        with pytest.raises(ClientError) as auto_commit:
            session.run(f"CREATE (:`{label}`)").consume()
        with pytest.raises(ClientError) as managed:
            session.execute_read(lambda tx: tx.run(f"CREATE (:`{label}`)").consume())
    assert auto_commit.value.code == "Neo.ClientError.Statement.AccessMode"
    assert managed.value.code == "Neo.ClientError.Statement.AccessMode"
    with driver.session() as session:
        count = session.run(f"MATCH (n:`{label}`) RETURN count(n) AS c").single(strict=True)
    assert count["c"] == 0


@pytest.mark.parametrize(
    ("query", "query_type"),
    [
        ("MATCH (n) RETURN n LIMIT 1", "r"),
        ("CREATE (n:`Smoke_{tag}`)", "w"),
        ("MATCH (n:`Smoke_{tag}`) SET n.seen = true RETURN n", "rw"),
        ("CREATE INDEX smoke_idx_{tag} FOR (n:`Smoke_{tag}`) ON (n.name)", "s"),
    ],
)
def test_explain_reports_query_type_without_running(
    driver: Driver, tag: str, query: str, query_type: str
) -> None:
    with driver.session() as session:
        summary = session.run("EXPLAIN " + query.format(tag=tag)).consume()
        assert summary.query_type == query_type
        assert summary.plan is not None
        created = session.run(
            "SHOW INDEXES YIELD name WHERE name ENDS WITH $s RETURN name", s=tag
        ).data()
        assert created == []
        count = session.run(f"MATCH (n:`Smoke_{tag}`) RETURN count(n) AS c").single(strict=True)
    assert count["c"] == 0


def test_vector_index_cosine_top_k(driver: Driver, tag: str) -> None:
    label, index = f"SmokeVec_{tag}", f"smoke_vec_{tag}"
    with driver.session() as session:
        session.run(
            f"CREATE VECTOR INDEX {index} FOR (n:`{label}`) ON (n.embedding) OPTIONS "
            "{indexConfig: {`vector.dimensions`: 4, `vector.similarity_function`: 'cosine'}}"
        ).consume()
        session.run(
            f"UNWIND $rows AS row CREATE (:`{label}` {{name: row.name, embedding: row.embedding}})",
            rows=[
                {"name": "east", "embedding": [1.0, 0.0, 0.0, 0.0]},
                {"name": "north", "embedding": [0.0, 1.0, 0.0, 0.0]},
                {"name": "east-ish", "embedding": [0.9, 0.1, 0.0, 0.0]},
            ],
        ).consume()
        session.run("CALL db.awaitIndexes(60)").consume()
        hits = session.run(
            "CALL db.index.vector.queryNodes($index, 2, $q) YIELD node, score "
            "RETURN node.name AS name, score",
            index=index,
            q=[1.0, 0.0, 0.0, 0.0],
        ).data()
    assert [hit["name"] for hit in hits] == ["east", "east-ish"]
    assert hits[0]["score"] == pytest.approx(1.0)
    assert hits[0]["score"] > hits[1]["score"]


def _fulltext_hits(driver: Driver, analyzer: str | None, tag: str) -> dict[str, list[str]]:
    """Index both reviews with `analyzer` (None = server default) and run each query."""
    label = f"SmokeCjk_{tag}" if analyzer else f"SmokeStd_{tag}"
    index = f"smoke_ft_{analyzer or 'default'}_{tag}"
    options = f" OPTIONS {{indexConfig: {{`fulltext.analyzer`: '{analyzer}'}}}}" if analyzer else ""
    with driver.session() as session:
        session.run(
            f"CREATE FULLTEXT INDEX {index} FOR (n:`{label}`) ON EACH [n.text]{options}"
        ).consume()
        session.run(
            f"UNWIND $texts AS t CREATE (:`{label}` {{text: t}})",
            texts=[KOREAN_REVIEW, KOREAN_REVIEW_WITH_PARTICLES],
        ).consume()
        session.run("CALL db.awaitIndexes(60)").consume()
        return {
            query: sorted(
                row["text"]
                for row in session.run(
                    "CALL db.index.fulltext.queryNodes($index, $q) YIELD node "
                    "RETURN node.text AS text",
                    index=index,
                    q=query,
                )
            )
            for query in ("흑돼지", "돼지", "애월")
        }


def test_fulltext_korean_default_analyzer_matches_whole_words_only(
    driver: Driver, tag: str
) -> None:
    hits = _fulltext_hits(driver, None, tag)
    assert hits["흑돼지"] == [KOREAN_REVIEW]  # not inside "흑돼지집에서"
    assert hits["돼지"] == []
    assert hits["애월"] == sorted([KOREAN_REVIEW, KOREAN_REVIEW_WITH_PARTICLES])


def test_fulltext_korean_cjk_analyzer_matches_inside_words(driver: Driver, tag: str) -> None:
    hits = _fulltext_hits(driver, "cjk", tag)
    both = sorted([KOREAN_REVIEW, KOREAN_REVIEW_WITH_PARTICLES])
    assert hits["흑돼지"] == both
    assert hits["돼지"] == both
    assert hits["애월"] == both


def test_uniqueness_constraint_rejects_duplicates(driver: Driver, tag: str) -> None:
    label, name = f"SmokeUniq_{tag}", f"smoke_uniq_{tag}"
    with driver.session() as session:
        session.run(f"CREATE CONSTRAINT {name} FOR (n:`{label}`) REQUIRE n.id IS UNIQUE").consume()
        session.run(f"CREATE (:`{label}` {{id: 'm-1'}})").consume()
        with pytest.raises(ConstraintError):
            session.run(f"CREATE (:`{label}` {{id: 'm-1'}})").consume()
        shown = session.run(
            "SHOW CONSTRAINTS YIELD name, type WHERE name = $n RETURN type", n=name
        ).single(strict=True)
        count = session.run(f"MATCH (n:`{label}`) RETURN count(n) AS c").single(strict=True)
    assert shown["type"] == "UNIQUENESS"
    assert count["c"] == 1
