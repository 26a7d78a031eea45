"""CSV cells of the Neo4j import files (ingest/neo4j_import.py): what a column carries as
is, and what goes to the MERGE replay because the importer would store it differently."""

from __future__ import annotations

import math

import pytest

from ingest.bulk import NeedsMerge
from ingest.neo4j_import import _cell


@pytest.mark.parametrize(
    ("value", "kind", "cell"),
    [
        ("흑돼지", "STRING", ("흑돼지", False)),
        ("첫 줄\n둘째 줄", "STRING", ("첫 줄\n둘째 줄", True)),
        ("", "STRING", ("", False)),
        (True, "BOOLEAN", ("true", False)),
        (3, "INTEGER", (3, False)),
        (3, "FLOAT", (3.0, False)),
        (["애월", "한림;협재"], "LIST<STRING>", ("애월\x1f한림;협재", False)),
        (None, "STRING", (None, False)),
    ],
)
def test_cells_carry_values(value: object, kind: str, cell: tuple[object, bool]) -> None:
    assert _cell(value, kind) == cell


@pytest.mark.parametrize(
    ("value", "kind"),
    [
        ([], "LIST<STRING>"),  # the importer would store no property; MERGE stores []
        (["a", ""], "LIST<STRING>"),
        (["a\x1fb"], "LIST<STRING>"),
        (math.nan, "FLOAT"),
        (1, "BOOLEAN"),
        (True, "INTEGER"),
        ("3", "INTEGER"),
    ],
)
def test_cells_refuse_what_the_importer_would_change(value: object, kind: str) -> None:
    with pytest.raises(NeedsMerge):
        _cell(value, kind)
