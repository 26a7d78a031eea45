"""The Neo4j sink of the bulk load (`ingest.bulk`): batched `UNWIND ... CREATE` over Bolt."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from graph_schema import model
from graph_schema.store import GraphStore
from ingest.bulk import MARKER_LABEL, BulkLoadError, BulkSink, Sender


class Neo4jBulkSink(BulkSink):
    """Nodes by `UNWIND ... CREATE`, returning their element ids; relationships by
    `MATCH ... WHERE elementId(a) = ...` (a direct record lookup, no index seek); the
    constraints and indexes last, built once over the loaded graph. (Constraints first,
    with relationships matched on the keys, ran at 4,500-6,000 rows/s on 431,000 rows.)"""

    # Rows per transaction: large enough that per-transaction costs vanish, small enough
    # for the test server's 768 MB heap.
    BATCH_ROWS = 20_000

    def __init__(self, store: GraphStore, *, batch_rows: int = BATCH_ROWS) -> None:
        super().__init__(store)
        self.batch_rows = batch_rows
        # (is_node, label or type, rows) in the order the loader wrote them: nodes are
        # created (and their element ids known) before the relationships that use them.
        self._pending: list[tuple[bool, str, list[Any]]] = []
        self._rows = 0
        self._element_ids: list[str] = []  # by internal id; filled by the sender thread
        self._prefix: str | None = None  # the element ids' common prefix, if they have one
        self._tails: list[str] = []  # the element ids without it
        self._sender = Sender(self._send)

    def _begin(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        self.store.write(f"CREATE (:{MARKER_LABEL} {{started: $t}})", {"t": time.time()})

    def _append(self, is_node: bool, name: str, item: Any) -> None:
        if not self._pending or self._pending[-1][:2] != (is_node, name):
            self._pending.append((is_node, name, []))
        self._pending[-1][2].append(item)
        self._rows += 1

    def _add_node(self, label: str, props: dict[str, Any]) -> None:
        self._append(True, label, props)

    def _add_rel(
        self,
        rel_type: str,
        spec: model.RelSpec,
        start_id: int,
        end_id: int,
        start_key: Any,
        end_key: Any,
        props: dict[str, Any],
    ) -> None:
        self._append(False, rel_type, (start_id, end_id, props))

    def _maybe_flush(self) -> None:
        if self._rows >= self.batch_rows:
            self._flush()

    def _flush(self) -> None:
        for is_node, name, rows in self._pending:
            for chunk in _chunks(rows, self.batch_rows):
                self._sender.put((is_node, name, chunk))
        self._pending, self._rows = [], 0

    def _send(self, item: tuple[bool, str, list[Any]]) -> None:
        # The driver's pure-Python packer costs microseconds per value, more than the
        # server's work: nodes travel as lists of values under one key list (not maps),
        # relationships whose properties are integers as one space-separated string.
        is_node, name, rows = item
        if is_node:
            self._send_nodes(name, rows)
        elif self._prefix is not None and _integer_props(rows):
            self._send_rels_packed(name, rows)
        else:
            ids = self._element_ids
            cypher = (
                "UNWIND $rows AS row MATCH (a) WHERE elementId(a) = row[0] "
                f"MATCH (b) WHERE elementId(b) = row[1] CREATE (a)-[r:{name}]->(b) "
                "SET r = row[2]"
            )
            payload = [[ids[s], ids[e], p] for s, e, p in rows]
            self.store.write(cypher, {"rows": payload})

    def _send_nodes(self, label: str, rows: list[dict[str, Any]]) -> None:
        keys = list(dict.fromkeys(k for row in rows for k in row))
        # A null in CREATE's map sets nothing, as MERGE's `+=` of a null-free map.
        props = ", ".join(f"`{k}`: row[{i}]" for i, k in enumerate(keys))
        payload = [[row.get(k) for k in keys] for row in rows]
        result = self.store.write(
            f"UNWIND $rows AS row CREATE (n:{label} {{{props}}}) RETURN elementId(n) AS id",
            {"rows": payload},
        ).rows
        if len(result) != len(rows):
            raise BulkLoadError(f"{label}: {len(result)} nodes created of {len(rows)}")
        eids = [r["id"] for r in result]
        # Element ids are "<prefix>:<number>" with one prefix per database: relationships
        # then send the numbers only. (If not, they send whole ids.)
        if self._prefix is None and not self._element_ids:
            self._prefix = eids[0].rpartition(":")[0] + ":"
        if self._prefix is not None:
            n = len(self._prefix)
            tails = [e[n:] for e in eids]
            if all(e.startswith(self._prefix) for e in eids) and all(map(str.isdigit, tails)):
                self._tails.extend(tails)
            else:
                self._prefix = None
        self._element_ids.extend(eids)

    def _send_rels_packed(self, rel_type: str, rows: list[Any]) -> None:
        keys = list(rows[0][2])
        width = 2 + len(keys)
        tails = self._tails
        parts: list[str] = []
        for s, e, p in rows:
            parts.append(tails[s])
            parts.append(tails[e])
            parts.extend(map(str, p.values()))
        sets = ", ".join(f"r.`{k}` = toInteger(v[i + {2 + j}])" for j, k in enumerate(keys))
        cypher = (
            f"WITH split($data, ' ') AS v UNWIND range(0, size(v) - 1, {width}) AS i "
            "MATCH (a) WHERE elementId(a) = $prefix + v[i] "
            "MATCH (b) WHERE elementId(b) = $prefix + v[i + 1] "
            f"CREATE (a)-[r:{rel_type}]->(b)" + (f" SET {sets}" if keys else "")
        )
        self.store.write(cypher, {"data": " ".join(parts), "prefix": self._prefix})

    def _join(self) -> None:
        self._sender.join()

    def nodes_written(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        # Creating a constraint takes a schema lock that the relationship transactions
        # would wait on: the schema comes after everything (`_after_bulk`).
        return None

    def _after_bulk(self, *, text_dim: int | None, graph_dim: int | None) -> None:
        # ensure_schema waits for the indexes to come online.
        self.store.ensure_schema(text_dim=text_dim, graph_dim=graph_dim)


def _integer_props(rows: list[Any]) -> bool:
    """Whether every relationship row has the same property keys, all with int values."""
    keys = rows[0][2].keys()
    return all(p.keys() == keys and all(type(v) is int for v in p.values()) for _, _, p in rows)


def _chunks(rows: list[Any], n: int) -> Iterator[list[Any]]:
    for i in range(0, len(rows), n):
        yield rows[i : i + n]
