"""The static read-only gate for user and LLM Cypher."""

from __future__ import annotations

import pytest

from graph_schema.readonly import UnsafeCypherError, check_read_only

ALLOWED = [
    "MATCH (m:Merchant) RETURN m.name LIMIT 5",
    "MATCH (m:Merchant) WHERE m.name CONTAINS 'SET 이름' RETURN m",  # keyword inside a string
    "OPTIONAL MATCH (m:Merchant)-[:SERVES]->(x:Menu) RETURN x.name",
    "WITH 1 AS x RETURN x",
    "UNWIND [1, 2] AS x RETURN x",
    "CALL db.idx.vector.queryNodes('Review', 'embedding', 5, vecf32($v)) YIELD node RETURN node",
    "CALL db.index.fulltext.queryNodes('merchant_name', '흑돼지') YIELD node RETURN node",
    "MATCH (m:Merchant) CALL { WITH m MATCH (m)<-[:ABOUT]-(r) RETURN count(r) AS n } RETURN n",
    "MATCH (m:Merchant) RETURN m.name;",
    "MATCH (m:`Merchant`) RETURN m.offset_x",  # 'set' inside a longer word is fine
]

REFUSED = {
    "CREATE (n:Merchant)": "write",
    "match (m) detach delete m": "write",
    "MATCH (m) SET m.x = 1": "write",
    "MATCH (m) REMOVE m.x": "write",
    "MERGE (m:Merchant {merchant_id: 'x'})": "write or admin",
    "MATCH (m) RETURN m; MATCH (n) DELETE n": "one statement",
    "MATCH (m) RETURN m // comment": "comments",
    "MATCH (m) /* hidden */ RETURN m": "comments",
    "LOAD CSV FROM 'file:///etc/passwd' AS l RETURN l": "write or admin",
    "MATCH (m) FOREACH (x IN [1] | CREATE (:A))": "write",
    "CALL apoc.cypher.runWrite('CREATE (n)', {})": "APOC",
    "CALL dbms.killQueries([])": "not allowed",
    "MATCH (m) CALL { CREATE (:X) } RETURN m": "write",
    "MATCH (m) CALL { WITH m RETURN m } IN TRANSACTIONS RETURN m": "TRANSACTIONS",
    "SHOW USERS": "write or admin",
    "DROP INDEX foo": "write or admin",
    "MATCH (m) RETURN m\u200b; DELETE m": "invisible",
    "MATCH (m) ＳＥＴ m.x = 1": "non-ASCII",
    "MATCH (m) WHERE m.name = 'unterminated RETURN m": "unterminated",
    "": "empty",
    "EXPLAIN MATCH (m) RETURN m": "must start",
    "MATCH (m) RETURN m UNION MATCH (n) DETACH DELETE n RETURN n": "write",
    "USE system MATCH (m) RETURN m": "write or admin",
}


@pytest.mark.parametrize("query", ALLOWED)
def test_read_queries_pass(query: str) -> None:
    assert check_read_only(query).text.rstrip(";") == query.strip().rstrip(";")


@pytest.mark.parametrize(("query", "why"), REFUSED.items())
def test_unsafe_queries_are_refused_with_a_reason(query: str, why: str) -> None:
    with pytest.raises(UnsafeCypherError, match=f"(?i){why}"):
        check_read_only(query)
