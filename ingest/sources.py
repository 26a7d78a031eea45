"""Read dataset files (Parquet, CSV, JSONL) row by row, with the row's position.

Positions are 1-based data rows for Parquet and JSONL, and the physical line for CSV (the
header is line 1), so a quarantine entry points at the row a person would open.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

SUFFIXES = (".parquet", ".csv", ".jsonl")


@dataclass(frozen=True)
class RawRow:
    line: int
    data: dict[str, Any] | None  # None when the row could not even be parsed
    error: str | None = None


def find_file(directory: Path, stem: str) -> Path | None:
    """The dataset file `stem` in any supported format, or None."""
    for suffix in SUFFIXES:
        path = directory / f"{stem}{suffix}"
        if path.exists():
            return path
    return None


def read_rows(path: Path) -> Iterator[RawRow]:
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        yield from _read_parquet(path)
    elif suffix == ".csv":
        yield from _read_csv(path)
    elif suffix == ".jsonl":
        yield from _read_jsonl(path)
    else:
        raise ValueError(f"unsupported file type {path.suffix!r}: use one of {SUFFIXES}")


def _read_parquet(path: Path) -> Iterator[RawRow]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    line = 0
    for batch in pq.ParquetFile(path).iter_batches(batch_size=20_000):
        # Arrow gives plain Python values; only float columns can hold NaN ("missing").
        floats = [f.name for f in batch.schema if pa.types.is_floating(f.type)]
        for row in batch.to_pylist():
            line += 1
            for k in floats:
                v = row[k]
                if v is not None and v != v:
                    row[k] = None
            yield RawRow(line, row)


def _read_csv(path: Path) -> Iterator[RawRow]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        header = reader.fieldnames or []
        for row in reader:
            line = reader.line_num
            if None in row or any(v is None for v in row.values()):
                yield RawRow(line, None, f"expected {len(header)} fields")
                continue
            # Empty CSV cells mean "missing"; list columns are JSON arrays.
            data: dict[str, Any] = {}
            for k, v in row.items():
                if v == "":
                    data[k] = None
                elif v.startswith("[") and v.endswith("]"):
                    try:
                        data[k] = json.loads(v)
                    except json.JSONDecodeError:
                        data[k] = v
                else:
                    data[k] = v
            yield RawRow(line, data)


def _read_jsonl(path: Path) -> Iterator[RawRow]:
    with path.open(encoding="utf-8") as fh:
        for line, text in enumerate(fh, start=1):
            if not text.strip():
                continue
            try:
                data = json.loads(text)
            except json.JSONDecodeError as exc:
                yield RawRow(line, None, f"invalid JSON: {exc.msg}")
                continue
            if not isinstance(data, dict):
                yield RawRow(line, None, "expected a JSON object")
                continue
            yield RawRow(line, data)
