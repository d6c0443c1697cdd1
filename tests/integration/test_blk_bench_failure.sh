#!/bin/bash
# tests/integration/test_blk_bench_failure.sh - bench/blk/run.sh when a
# sample fails: with BLK_BENCH_INJECT=invalid (sddf run refuses the
# description) and BLK_BENCH_INJECT=hang (the system runs but never says
# "bench done"), the benchmark stops with exit 1 and a clear line, records
# the failed sample, prints a summary that shows the workload without
# samples (no Python error), and leaves nothing behind: no process started
# from its work directory, and no work directory. Also when it is stopped
# with SIGTERM in the middle of a sample.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"
# shellcheck source=tests/integration/blk_common.sh
. "$ROOT/tests/integration/blk_common.sh"
for t in fio taskset; do
    command -v "$t" >/dev/null || fatal "$t not installed (scripts/install-deps.sh)"
done
require_programs blk_bench

# leftovers DIR: pids of processes whose command line mentions DIR.
leftovers() {
    local f pid out=""
    for f in /proc/[0-9]*/cmdline; do
        pid=${f#/proc/}
        pid=${pid%/cmdline}
        [ "$pid" != $$ ] || continue
        tr '\0' ' ' <"$f" 2>/dev/null | grep -qF "$1" && out="$out $pid"
    done
    echo "$out"
}

for inject in invalid hang; do
    tmp=$WORK/tmp-$inject
    log=$WORK/bench-$inject.log
    mkdir "$tmp"
    TMPDIR=$tmp BLK_BENCH_INJECT=$inject BLK_BENCH_INJECT_AT=2 BLK_BENCH_SAMPLE_TIMEOUT=8 \
        BLK_BENCH_REPS=1 BLK_BENCH_CONFIGS=same@0 BLK_BENCH_WORKLOADS="randread_qd1 seqread_1m" \
        timeout 170 bash "$ROOT/bench/blk/run.sh" "$BUILD" >"$log" 2>&1
    expect_eq "$inject: run.sh exit status" "$?" 1
    check "$inject: the first sample ran" grep -q '^sample config=same@0 workload=randread_qd1 rep=1 sddf_iops=' "$log"
    check "$inject: the failed sample is recorded" grep -q '^sample config=same@0 workload=seqread_1m rep=1 failed=1$' "$log"
    check "$inject: it says why and stops" grep -q '^run.sh: sample 2 (same@0 seqread_1m rep 1) failed: sddf: .*; stopping$' "$log"
    check "$inject: the summary shows the missing workload" grep -q '^summary config=same@0 workload=seqread_1m reps=0$' "$log"
    check "$inject: the summary has the good one" grep -q '^summary config=same@0 workload=randread_qd1 sddf_iops=.* reps=1$' "$log"
    expect_eq "$inject: no Python error" "$(grep -c 'Traceback\|Error:' "$log")" 0
    expect_eq "$inject: no process left" "$(leftovers "$tmp")" ""
    expect_eq "$inject: work directory removed" "$(ls -A "$tmp")" ""
    grep '^run.sh:' "$log" | sed "s/^/    $inject: /"
done

# SIGTERM in the middle of the first sample.
tmp=$WORK/tmp-term
mkdir "$tmp"
TMPDIR=$tmp BLK_BENCH_REPS=1 BLK_BENCH_CONFIGS=same@0 BLK_BENCH_WORKLOADS=randread_qd1 \
    bash "$ROOT/bench/blk/run.sh" "$BUILD" >"$WORK/bench-term.log" 2>&1 &
pid=$!
for _ in $(seq 1 300); do
    grep -q 'started PD' "$tmp"/sddf-blk-bench.*/sddf.log 2>/dev/null && break
    sleep 0.1
done
check "term: a sample was running" grep -q 'started PD' "$tmp"/sddf-blk-bench.*/sddf.log
kill -TERM "$pid"
wait_exit "$pid" 30 || kill -KILL "$pid"
wait "$pid"
expect_eq "term: run.sh exit status" "$?" 130
expect_eq "term: no process left" "$(leftovers "$tmp")" ""
expect_eq "term: work directory removed" "$(ls -A "$tmp")" ""
test_done
