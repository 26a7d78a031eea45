"""The AOF directory states `prepare_aof` leaves before a server starts (no server here)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from graph_schema.aof import (
    AOF_DIR,
    MANIFEST,
    ManifestEntry,
    fold_into_saved_rdb,
    has_aof,
    manifest_text,
    parse_manifest,
    prepare_aof,
)

RDB = "tripgraph.db"


def test_parse_manifest_reads_what_redis_writes() -> None:
    text = (
        "file appendonly.aof.3.base.rdb seq 3 type b\n"
        "file appendonly.aof.5.incr.aof seq 5 type h\n"
        "file appendonly.aof.6.incr.aof seq 6 type i startoffset 0 endoffset 120\n"
    )
    assert parse_manifest(text) == [
        ManifestEntry("appendonly.aof.3.base.rdb", 3, "b"),
        ManifestEntry("appendonly.aof.5.incr.aof", 5, "h"),
        ManifestEntry("appendonly.aof.6.incr.aof", 6, "i"),
    ]
    entries = parse_manifest(text)
    assert parse_manifest(manifest_text(entries)) == entries


@pytest.mark.parametrize(
    "text",
    [
        "file a seq 1\n",  # no type
        "file a seq x type b\n",
        "file a seq 1 type q\n",
        "file ../a seq 1 type b\n",
        "file a seq 1 type b extra\n",
        "file a seq 1 type b\nfile b seq 2 type b\n",  # two bases
    ],
)
def test_parse_manifest_refuses_what_redis_would_not_load(text: str) -> None:
    with pytest.raises(ValueError):
        parse_manifest(text)


def _rdb(tmp_path: Path, data: bytes = b"REDIS0012 graph bytes") -> Path:
    (tmp_path / RDB).write_bytes(data)
    return tmp_path / RDB


def test_an_rdb_only_graph_becomes_the_base_of_its_aof(tmp_path: Path) -> None:
    rdb = _rdb(tmp_path)
    done = prepare_aof(tmp_path, RDB)
    assert done.action == "adopted" and done.set_aside is None
    aof = tmp_path / AOF_DIR
    entries = parse_manifest((aof / MANIFEST).read_text())
    assert [(e.type, e.seq) for e in entries] == [("b", 1), ("i", 1)]
    base, incr = (aof / e.name for e in entries)
    assert os.path.samefile(base, rdb)  # a hard link: no copy of a large graph
    assert incr.read_bytes() == b""
    assert sorted(p.name for p in tmp_path.iterdir()) == [AOF_DIR, RDB]


def test_a_committed_aof_is_left_as_it_is(tmp_path: Path) -> None:
    _rdb(tmp_path)
    aof = tmp_path / AOF_DIR
    aof.mkdir()
    (aof / MANIFEST).write_text("file appendonly.aof.7.base.rdb seq 7 type b\n")
    before = {p.name: p.read_bytes() for p in aof.iterdir()}
    assert prepare_aof(tmp_path, RDB).action == "aof"
    assert {p.name: p.read_bytes() for p in aof.iterdir()} == before


def test_a_manifest_less_aof_dir_is_set_aside_and_the_rdb_wins(tmp_path: Path) -> None:
    """What a cut-short first rewrite leaves (the session-7 loss): never loaded, never
    deleted; the RDB, which holds the graph, becomes the AOF."""
    _rdb(tmp_path)
    stale = tmp_path / AOF_DIR
    stale.mkdir()
    (stale / "temp-appendonly.aof.incr").write_bytes(b"*1\r\n")
    done = prepare_aof(tmp_path, RDB)
    assert done.action == "adopted"
    assert done.set_aside is not None
    assert (done.set_aside / "temp-appendonly.aof.incr").read_bytes() == b"*1\r\n"
    assert has_aof(tmp_path)


def test_a_cut_short_adoption_is_redone(tmp_path: Path) -> None:
    _rdb(tmp_path)
    half = tmp_path / f"{AOF_DIR}.adopting"
    half.mkdir()
    (half / "appendonly.aof.1.base.rdb").write_bytes(b"partial")
    assert prepare_aof(tmp_path, RDB).action == "adopted"
    assert not half.exists()
    base = tmp_path / AOF_DIR / "appendonly.aof.1.base.rdb"
    assert base.read_bytes() == (tmp_path / RDB).read_bytes()


def test_a_new_graph_is_left_to_redis(tmp_path: Path) -> None:
    assert prepare_aof(tmp_path, RDB).action == "fresh"
    assert list(tmp_path.iterdir()) == []


def test_fold_makes_the_saved_rdb_the_base_and_drops_the_rest(tmp_path: Path) -> None:
    rdb = _rdb(tmp_path, b"REDIS0012 saved at shutdown")
    aof = tmp_path / AOF_DIR
    aof.mkdir()
    (aof / MANIFEST).write_text(
        "file appendonly.aof.3.base.rdb seq 3 type b\n"
        "file appendonly.aof.2.incr.aof seq 2 type h\n"
        "file appendonly.aof.4.incr.aof seq 4 type i\n"
    )
    for name in ("appendonly.aof.3.base.rdb", "appendonly.aof.4.incr.aof", "temp-rewrite.aof"):
        (aof / name).write_bytes(b"old")
    (aof / "appendonly.aof.5.base.rdb").write_bytes(b"from a fold cut short")
    assert fold_into_saved_rdb(tmp_path, rdb)
    entries = parse_manifest((aof / MANIFEST).read_text())
    assert entries == [
        ManifestEntry("appendonly.aof.5.base.rdb", 5, "b"),
        ManifestEntry("appendonly.aof.5.incr.aof", 5, "i"),
    ]
    assert os.path.samefile(aof / entries[0].name, rdb)
    assert (aof / entries[1].name).read_bytes() == b""
    assert sorted(p.name for p in aof.iterdir()) == sorted([MANIFEST, *(e.name for e in entries)])


def test_fold_without_an_aof_does_nothing(tmp_path: Path) -> None:
    rdb = _rdb(tmp_path)
    assert not fold_into_saved_rdb(tmp_path, rdb)
    assert [p.name for p in tmp_path.iterdir()] == [RDB]
