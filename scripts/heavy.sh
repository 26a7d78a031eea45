#!/usr/bin/env bash
# Run a heavy job (training, benchmark, full-scale anything) in one of two CPU slots.
#
# The machine has 2 cores shared by parallel contributors. Single-threaded jobs take one
# slot each, so two of them run side by side without ruining each other's timings; a job
# that needs the whole machine (multi-threaded training, throughput benchmarks) sets
# HEAVY_SLOTS=2 and waits for both. Slots are taken in a fixed order (1, then 2) by
# two-slot jobs, and without blocking by one-slot jobs (which retry every 5 s), so no two jobs can deadlock.
#
#   scripts/heavy.sh .venv/bin/python benchmarks/recsys_beauty.py ... > /tmp/LOG 2>&1 &
#   HEAVY_SLOTS=2 scripts/heavy.sh .venv/bin/python benchmarks/bench_api.py ...
set -euo pipefail

slot_dir=${HEAVY_SLOT_DIR:-/tmp}
slot1="$slot_dir/tripgraph-heavy.1.lock"
slot2="$slot_dir/tripgraph-heavy.2.lock"

if [[ "${HEAVY_SLOTS:-1}" == "2" ]]; then
  exec flock "$slot1" flock "$slot2" nice -n 5 "$@"
fi

# flock -n exits with 75 (EX_TEMPFAIL, chosen with -E) when the slot is taken; any other
# status is the job's own and is passed on.
while true; do
  for slot in "$slot1" "$slot2"; do
    rc=0
    flock -n -E 75 "$slot" nice -n 5 "$@" || rc=$?
    [[ $rc -ne 75 ]] && exit "$rc"
  done
  sleep 5
done
