"""Deterministic Parquet output: explicit schemas, fixed compression, chunked writers."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

_WRITE_OPTS = {"compression": "zstd", "compression_level": 3, "write_statistics": True}


def write_table(table: pa.Table, path: Path, row_group_size: int = 200_000) -> int:
    """Write one table; returns its row count."""
    pq.write_table(table, path, row_group_size=row_group_size, **_WRITE_OPTS)
    return table.num_rows


def write_chunks(chunks: Iterable[pa.Table], path: Path, schema: pa.Schema) -> int:
    """Stream tables of one schema into a single file, one row group per chunk, so the
    largest tables never sit in memory whole."""
    rows = 0
    with pq.ParquetWriter(path, schema, **_WRITE_OPTS) as writer:
        for chunk in chunks:
            writer.write_table(chunk.cast(schema))
            rows += chunk.num_rows
    return rows
