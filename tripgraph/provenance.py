"""Where a result came from: every JSON that evals and benchmarks write records the commit."""

from __future__ import annotations

import subprocess

from tripgraph.settings import PROJECT_ROOT


def git_sha() -> str | None:
    """The checked-out commit, or None outside a git checkout (e.g. an unpacked sdist)."""
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=5,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout.strip() or None
