"""Static read-only check for Cypher that comes from users or from an LLM.

This is the first of two gates: it rejects anything that is not plainly a single read
query, before the query reaches a database. The second gate is the backend itself
(`EXPLAIN` query type + a READ transaction on Neo4j, `GRAPH.RO_QUERY` on FalkorDB), so a
trick that slips past this parser is still refused by the engine.

The check errs on the side of refusing: a property called `set` would be rejected too.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# Clauses that change data or schema, or run admin commands. GQL synonyms (INSERT, FINISH
# is harmless) and admin verbs are included because Neo4j 5 accepts them.
WRITE_KEYWORDS = frozenset(
    {
        "CREATE",
        "MERGE",
        "SET",
        "DELETE",
        "DETACH",
        "REMOVE",
        "DROP",
        "INSERT",
        "FOREACH",
        "LOAD",
        "ALTER",
        "GRANT",
        "DENY",
        "REVOKE",
        "RENAME",
        "START",
        "STOP",
        "TERMINATE",
        "ENABLE",
        "USE",
        "SHOW",
    }
)
FIRST_KEYWORDS = frozenset({"MATCH", "OPTIONAL", "WITH", "UNWIND", "RETURN", "CALL"})
# Procedures a read query may call: index look-ups and schema introspection of both engines.
ALLOWED_PROCEDURES = frozenset(
    {
        "db.idx.vector.querynodes",
        "db.idx.fulltext.querynodes",
        "db.index.vector.querynodes",
        "db.index.fulltext.querynodes",
        "db.labels",
        "db.relationshiptypes",
        "db.propertykeys",
    }
)

_TOKEN = re.compile(
    r"""
    (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<ident>`(?:[^`]|``)*`)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<unclosed>['"`]|/\*)
    """,
    re.VERBOSE | re.DOTALL,
)
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CALL = re.compile(r"\bCALL\s*(\{|[A-Za-z_][A-Za-z0-9_.]*)", re.IGNORECASE)


class UnsafeCypherError(ValueError):
    """The query is not a single read-only query; the message says why."""


@dataclass(frozen=True)
class CheckedCypher:
    text: str  # the query, stripped of surrounding whitespace and one trailing ';'


def _code_only(query: str) -> str:
    """Replace string literals and quoted identifiers by placeholders; refuse comments."""
    out: list[str] = []
    pos = 0
    for m in _TOKEN.finditer(query):
        out.append(query[pos : m.start()])
        if m.lastgroup == "comment":
            raise UnsafeCypherError("comments are not allowed in queries")
        if m.lastgroup == "unclosed":
            raise UnsafeCypherError("unterminated string, identifier or comment")
        out.append(" __lit__ " if m.lastgroup == "string" else " __ident__ ")
        pos = m.end()
    out.append(query[pos:])
    return "".join(out)


def check_read_only(query: str) -> CheckedCypher:
    """Return the query if it is a single read-only statement, else raise UnsafeCypherError."""
    if not query or not query.strip():
        raise UnsafeCypherError("empty query")
    if len(query) > 10_000:
        raise UnsafeCypherError("query longer than 10,000 characters")
    text = query.strip()
    if text.endswith(";"):
        text = text[:-1].rstrip()
    for ch in text:
        cat = unicodedata.category(ch)
        # Zero-width and bidi control characters hide what a reader sees.
        if cat in ("Cf", "Co", "Cs") or (cat == "Cc" and ch not in "\n\r\t"):
            raise UnsafeCypherError(f"control or invisible character U+{ord(ch):04X} in query")
    code = _code_only(text)
    if any(ord(ch) > 127 for ch in code):
        raise UnsafeCypherError("non-ASCII characters are only allowed inside string literals")
    if ";" in code:
        raise UnsafeCypherError("only one statement is allowed")
    words = [w.upper() for w in _WORD.findall(code)]
    writes = sorted(WRITE_KEYWORDS.intersection(words))
    if writes:
        raise UnsafeCypherError(f"write or admin clause not allowed: {', '.join(writes)}")
    if not words or words[0] not in FIRST_KEYWORDS:
        raise UnsafeCypherError(
            "a query must start with MATCH, OPTIONAL MATCH, WITH, UNWIND, RETURN or CALL"
        )
    if re.search(r"\bIN\s+TRANSACTIONS\b", code, re.IGNORECASE):
        raise UnsafeCypherError("CALL { } IN TRANSACTIONS is not allowed")
    if re.search(r"\bapoc\s*\.", code, re.IGNORECASE):
        raise UnsafeCypherError("APOC procedures and functions are not allowed")
    for m in _CALL.finditer(code):
        target = m.group(1)
        if target == "{":
            continue  # read subquery: its clauses were checked with the rest
        if target.lower() not in ALLOWED_PROCEDURES:
            raise UnsafeCypherError(f"procedure {target} is not allowed")
    return CheckedCypher(text=text)
