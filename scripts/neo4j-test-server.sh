#!/usr/bin/env bash
# Start/stop a real Neo4j 5.26 Community server for tests and CI, built from Maven Central
# (tests/neo4j_server). No Docker needed. Once built, starting never touches the network.
#
#   scripts/neo4j-test-server.sh start|stop|status|wait|build
#   scripts/neo4j-test-server.sh import DIR   # neo4j-admin database import of DIR (see
#                                             # ingest/neo4j_import.py); server stopped
#
# Environment (all optional):
#   NEO4J_BOLT_PORT   (7687)            NEO4J_PASSWORD  (tripgraph-dev)
#   NEO4J_RUN_DIR     (tests/neo4j_server/run: pid file, log, home; a benchmark's second
#                      server needs its own, and its own port and data dir)
#   NEO4J_DATA_DIR    (RUN_DIR/data)
#   NEO4J_IMPORT_MEMORY (2G: the importer's off-heap memory; it defaults to 90% of RAM)
#   NEO4J_HEAP        (768m)            NEO4J_PAGECACHE_MB (256)
#   NEO4J_START_TIMEOUT (120, seconds)  JAVA (java)
#   NEO4J_JAVA_OPTS   (-XX:TieredStopAtLevel=1: C1 only; on 2 shared cores the C2 compiler
#                      threads roughly double the time to READY, and test queries are small)
# On success `start` prints the URI to export, e.g. NEO4J_URI=bolt://127.0.0.1:7687
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SERVER_DIR="$ROOT/tests/neo4j_server"
RUN_DIR="${NEO4J_RUN_DIR:-$SERVER_DIR/run}"
DATA_DIR="${NEO4J_DATA_DIR:-$RUN_DIR/data}"
JAR="$SERVER_DIR/target/neo4j-test-server.jar"
PID_FILE="$RUN_DIR/neo4j.pid"
LOG_FILE="$RUN_DIR/neo4j.log"
PORT="${NEO4J_BOLT_PORT:-7687}"
TIMEOUT="${NEO4J_START_TIMEOUT:-120}"
JAVA="${JAVA:-java}"
URI="bolt://127.0.0.1:$PORT"

log() { echo "neo4j-test-server: $*" >&2; }

running_pid() {
    # Prints the pid and succeeds only if the pid file names a live process of ours.
    [[ -f "$PID_FILE" ]] || return 1
    local pid
    pid="$(cat "$PID_FILE")"
    [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null || return 1
    # A stale pid file may name a recycled pid: check it really is our jar.
    tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null | grep -q "neo4j-test-server.jar" || return 1
    echo "$pid"
}

ready() { [[ -f "$LOG_FILE" ]] && grep -q '^READY ' "$LOG_FILE"; }

build() {
    if [[ -f "$JAR" && -d "$SERVER_DIR/target/lib" ]]; then
        return 0
    fi
    log "building $JAR (first time downloads Neo4j from Maven Central)"
    (cd "$SERVER_DIR" && mvn -q -B package -DskipTests)
}

print_uri() {
    echo "NEO4J_URI=$URI"
    echo "NEO4J_USER=neo4j"
}

wait_ready() {
    local pid="$1" waited=0
    while (( waited < TIMEOUT )); do
        if ready; then
            log "$(grep -m1 '^READY ' "$LOG_FILE")"
            return 0
        fi
        if ! kill -0 "$pid" 2>/dev/null; then
            log "server exited before READY: $(grep -m1 '^FAILED ' "$LOG_FILE" || echo 'no FAILED line')"
            log "last log lines:"
            tail -n 40 "$LOG_FILE" >&2
            return 1
        fi
        sleep 1
        waited=$((waited + 1))
    done
    log "no READY within ${TIMEOUT}s; last log lines:"
    tail -n 40 "$LOG_FILE" >&2
    return 1
}

start() {
    local pid
    if pid="$(running_pid)"; then
        log "already running (pid $pid)"
        wait_ready "$pid"
        print_uri
        return 0
    fi
    build
    mkdir -p "$RUN_DIR"
    : > "$LOG_FILE"
    local java_opts
    read -r -a java_opts <<< "${NEO4J_JAVA_OPTS--XX:TieredStopAtLevel=1}"
    # setsid: the server outlives this shell (CI step, test fixture) until `stop`.
    NEO4J_HOME_DIR="$RUN_DIR" NEO4J_DATA_DIR="$DATA_DIR" setsid "$JAVA" \
        -Xms256m "-Xmx${NEO4J_HEAP:-768m}" -XX:+UseG1GC -XX:+ExitOnOutOfMemoryError \
        "${java_opts[@]}" \
        -jar "$JAR" >> "$LOG_FILE" 2>&1 < /dev/null &
    pid=$!
    echo "$pid" > "$PID_FILE"
    log "started pid $pid, log $LOG_FILE"
    if ! wait_ready "$pid"; then
        stop
        return 1
    fi
    print_uri
}

stop() {
    local pid waited=0
    if ! pid="$(running_pid)"; then
        rm -f "$PID_FILE"
        log "not running"
        return 0
    fi
    kill -TERM "$pid"
    # A clean shutdown flushes the page cache; give it time before forcing.
    while kill -0 "$pid" 2>/dev/null && (( waited < 60 )); do
        sleep 1
        waited=$((waited + 1))
    done
    if kill -0 "$pid" 2>/dev/null; then
        log "pid $pid ignored SIGTERM for 60s; killing"
        kill -KILL "$pid"
    fi
    rm -f "$PID_FILE"
    log "stopped"
}

import_dir() {
    # The offline importer writes the store files of database `neo4j` directly, replacing
    # what the data dir held; a running server would keep the old files open.
    local dir="${1:?usage: $0 import DIR}" pid
    if pid="$(running_pid)"; then
        log "the server is running (pid $pid): stop it before an import"
        return 1
    fi
    [[ -f "$dir/neo4j-admin-import.args" ]] || {
        log "no $dir/neo4j-admin-import.args: run tripgraph ingest --export-neo4j $dir first"
        return 1
    }
    build
    mkdir -p "$RUN_DIR/conf" "$DATA_DIR"
    # neo4j-admin reads its data dir from NEO4J_CONF/neo4j.conf, the server from the env.
    echo "server.directories.data=$DATA_DIR" > "$RUN_DIR/conf/neo4j.conf"
    NEO4J_HOME="$RUN_DIR" NEO4J_CONF="$RUN_DIR/conf" "$JAVA" -Xmx1g -XX:+UseG1GC \
        -cp "$SERVER_DIR/target/lib/*" org.neo4j.cli.AdminTool \
        database import full --overwrite-destination=true \
        "--max-off-heap-memory=${NEO4J_IMPORT_MEMORY:-2G}" \
        "--report-file=$RUN_DIR/import.report" \
        "@$dir/neo4j-admin-import.args" neo4j
}

status() {
    local pid
    if pid="$(running_pid)" && ready; then
        log "running (pid $pid) at $URI"
        print_uri
    elif pid="$(running_pid)"; then
        log "starting (pid $pid), not READY yet"
        return 1
    else
        log "not running"
        return 3
    fi
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    status) status ;;
    wait)
        pid="$(running_pid)" || { log "not running"; exit 1; }
        wait_ready "$pid" && print_uri ;;
    build) build ;;
    import) import_dir "${2:-}" ;;
    *) echo "usage: $0 start|stop|status|wait|build|import DIR" >&2; exit 2 ;;
esac
