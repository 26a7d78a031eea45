#!/usr/bin/env bash
# Run a heavy job (training, benchmark, full-scale anything) in one of two CPU slots.
#
# The machine has 2 cores shared by parallel contributors. Single-threaded jobs take one
# slot each, so two of them run side by side without ruining each other's timings; a job
# that needs the whole machine (multi-threaded training, throughput benchmarks) sets
# HEAVY_SLOTS=2 and waits for both.
#
# Jobs wait their turn on a queue lock first, and only the job at the head of the queue
# looks for a free slot. Without the queue, a job polling for "either slot" lost every
# time to jobs blocked on one slot file, and starved for an hour. A blocked waiter on the
# queue holds no slot, so two-slot jobs cannot deadlock with one-slot jobs.
#
#   scripts/heavy.sh .venv/bin/python benchmarks/recsys_beauty.py ... > /tmp/LOG 2>&1 &
#   HEAVY_SLOTS=2 scripts/heavy.sh .venv/bin/python benchmarks/bench_api.py ...
#
# Do not take the slot files with a bare `flock`: that jumps the queue.
set -euo pipefail

slot_dir=${HEAVY_SLOT_DIR:-/tmp}
exec 7>"$slot_dir/tripgraph-heavy.queue.lock"
exec 8>"$slot_dir/tripgraph-heavy.1.lock"
exec 9>"$slot_dir/tripgraph-heavy.2.lock"

flock 7
if [[ "${HEAVY_SLOTS:-1}" == "2" ]]; then
  flock 8
  flock 9
else
  until flock -n 8 && exec 9>&-  || { flock -n 9 && exec 8>&-; }; do sleep 2; done
fi
flock -u 7
exec 7>&-
# This shell holds the slot while the job runs; the job gets none of the lock descriptors,
# so a server it leaves behind cannot keep the slot taken.
rc=0
nice -n 5 "$@" 7>&- 8>&- 9>&- || rc=$?
exit "$rc"
