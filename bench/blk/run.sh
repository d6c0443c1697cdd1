#!/bin/bash
# bench/blk/run.sh [BUILD_DIR] - the block benchmark: the same four
# workloads through sddf (client blk_bench, the block virtualiser and the
# io_uring driver as separate PDs) and through fio (ioengine=io_uring) on
# the same image file and partition, in one run, printed as figures and
# sddf/fio ratios. A benchmark, not a test: it exits 0 unless something
# fails to run. Goal: sddf within 10% of fio at depth 32.
#
#   randread_qd1   4 KiB random reads, iodepth 1
#   randread_qd32  4 KiB random reads, iodepth 32
#   seqread_1m     1 MiB sequential reads, iodepth 4
#   seqwrite_1m    1 MiB sequential writes, iodepth 4
#
# Comparable by construction: one image (512 MiB file, one GPT partition
# from 1 MiB, filled with random data, on the file system of $TMPDIR), the
# same range of it, O_DIRECT on both sides (the driver's mode line is
# printed; fio --direct=1), the same io_uring features (sddf registers the
# file and its data regions: fio --registerfiles --fixedbufs), the same block
# size, depth and duration (3 s: PHASE_NS in blk_bench.c, fio --runtime=3),
# and the same CPU set: each configuration runs both under `taskset -c SET`.
# For each workload and repetition sddf and fio run back to back, so both see
# the same host state; the summary is the median of BLK_BENCH_REPS runs.
#
# Configurations (BLK_BENCH_CONFIGS, default "same@0 same@0,1 split@0,1"):
#   same@SET    every PD on the first CPU of SET (sddf's default placement)
#   split@SET   client and virtualiser on the first CPU of SET, the driver
#               on the second
# Output: "sample ..." and "summary ..." lines (key=value, machine-readable),
# then a table per configuration, then "goal ..." lines. BLK_BENCH_REPS
# (default 3) sets the repetitions; BLK_BENCH_WORKLOADS a subset.
#
# Failures: a sample whose sddf run fails (the system does not start, or
# does not print "bench done" within SAMPLE_TIMEOUT s) or whose fio run
# fails stops the benchmark: the reason and the end of the log are printed,
# a "sample ... failed=1" line is recorded, the summary covers the samples
# taken so far (a workload without samples shows "n/a"), and the exit
# status is 1. The system under test is always stopped: it runs in this
# shell (never in a $(...) subshell), so its pid is known to the trap that
# runs on every exit path (end, error, Ctrl-C, SIGTERM).
# Fault injection (for testing this script): BLK_BENCH_INJECT=invalid|hang
# with BLK_BENCH_INJECT_AT=N (default 1) breaks the Nth sddf sample: an
# invalid description (sddf run exits 2), or a partition that does not
# exist (the system runs but never says "bench done").
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
REPS=${BLK_BENCH_REPS:-3}
CONFIGS=${BLK_BENCH_CONFIGS:-"same@0 same@0,1 split@0,1"}
WORKLOADS=${BLK_BENCH_WORKLOADS:-"randread_qd1 randread_qd32 seqread_1m seqwrite_1m"}
INJECT=${BLK_BENCH_INJECT:-}
INJECT_AT=${BLK_BENCH_INJECT_AT:-1}
SAMPLE_TIMEOUT=${BLK_BENCH_SAMPLE_TIMEOUT:-60} # s for one sddf sample (3 s of work, start, drain)
for p in sddf blk_virt blk_driver_io_uring blk_bench; do
    [ -x "$BUILD/$p" ] || { echo "run.sh: $BUILD/$p is not built" >&2; exit 1; }
done
for t in fio sgdisk taskset python3; do
    command -v "$t" >/dev/null || { echo "run.sh: $t is not installed" >&2; exit 1; }
done
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sddf-blk-bench.XXXXXX")
SDDF_PID=

# stop_sddf: stop the running system (SIGTERM, then SIGKILL after 10 s) and reap it.
stop_sddf() {
    local pid=$SDDF_PID
    [ -n "$pid" ] || return 0
    SDDF_PID=
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}
cleanup() {
    stop_sddf
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "run.sh: interrupted" >&2; exit 130' INT TERM HUP

img=$WORK/bench.img
truncate -s 512M "$img"
sgdisk -n 1:2048:0 "$img" >/dev/null
# Real data, not holes: reads of a sparse file would not touch the disk.
start=$((2048 * 512))
size=$(($(sgdisk -i 1 "$img" | sed -n 's/^Partition size: \([0-9]*\) sectors.*/\1/p') * 512))
size=$((size / 1048576 * 1048576))
dd if=/dev/urandom of="$img" bs=1M seek=1 count=$((size / 1048576)) conv=notrunc status=none
sync

workload_params() { # name -> "rw bs depth"
    case "$1" in
    randread_qd1) echo "randread 4k 1" ;;
    randread_qd32) echo "randread 4k 32" ;;
    seqread_1m) echo "read 1m 4" ;;
    seqwrite_1m) echo "write 1m 4" ;;
    *) echo "run.sh: unknown workload $1" >&2; exit 1 ;;
    esac
}

# sddf_run CONFIG WORKLOAD: one sddf sample. Sets S_IOPS and S_MBPS, and the driver's mode
# line in $WORK/mode; returns 1 (FAIL_WHY says why, the log is $WORK/sddf.log) on failure.
# Runs in this shell: SDDF_PID is always known to stop_sddf and the trap.
SAMPLE_NO=0
sddf_run() {
    local kind=${1%@*} set=${1#*@} name=$2
    local first=${set%%,*} second=${set#*,} drv="" log=$WORK/sddf.log part=1 cap=64 line
    S_IOPS='' S_MBPS='' FAIL_WHY=''
    SAMPLE_NO=$((SAMPLE_NO + 1))
    if [ "$kind" = split ]; then
        [ "$second" != "$set" ] || { echo "run.sh: split@ needs two CPUs" >&2; exit 1; }
        drv="<driver cpu=\"$second\"/><virt cpu=\"$first\"/>"
    fi
    if [ "$SAMPLE_NO" = "$INJECT_AT" ]; then
        case "$INJECT" in
        invalid) cap=3 ;; # not a power of two: sddf run refuses the description
        hang) part=9 ;;   # no such partition: blk_bench never says "bench done"
        esac
    fi
    cat >"$WORK/bench.system" <<XML
<?xml version="1.0"?>
<system>
    <protection_domain name="bench-$name" priority="97"><program_image path="blk_bench"/></protection_domain>
    <blk name="blk0" driver="io_uring" image="$img">
        $drv
        <client pd="bench-$name" partition="$part" data_size="0x400000" queue_capacity="$cap"/>
    </blk>
</system>
XML
    : >"$log"
    taskset -c "$set" "$BUILD/sddf" run --stats "$WORK/bench.system" >"$log" 2>&1 &
    SDDF_PID=$!
    local deadline=$((SECONDS + SAMPLE_TIMEOUT)) done=0
    while [ $SECONDS -lt $deadline ]; do
        if grep -q '^\[bench-[a-z0-9_]*\] bench done$' "$log"; then
            done=1
            break
        fi
        kill -0 "$SDDF_PID" 2>/dev/null || break
        sleep 0.1
    done
    # The system may have printed the line just before it ended: read the whole log again.
    [ "$done" = 1 ] || ! grep -q '^\[bench-[a-z0-9_]*\] bench done$' "$log" || done=1
    if [ "$done" = 0 ]; then
        if kill -0 "$SDDF_PID" 2>/dev/null; then
            FAIL_WHY="no \"bench done\" within $SAMPLE_TIMEOUT s"
        else
            FAIL_WHY="sddf run ended early"
        fi
        stop_sddf
        return 1
    fi
    stop_sddf
    grep -m1 '^\[blk0_driver\] disk:' "$log" | sed 's/^\[blk0_driver\] disk: //' >"$WORK/mode" || true
    line=$(grep -m1 "bench sddf $name " "$log" || true)
    S_IOPS=$(sed -n 's/.* iops=\([0-9.]*\) .*/\1/p' <<<"$line")
    S_MBPS=$(sed -n 's/.* mbps=\([0-9.]*\) .*/\1/p' <<<"$line")
    if [ -z "$S_IOPS" ] || [ -z "$S_MBPS" ] || ! grep -q ' errors=0$' <<<"$line"; then
        FAIL_WHY="no result line, or I/O errors: '${line:-none}'"
        return 1
    fi
    sleep 0.3 # the driver's ring (its pinned buffers) is released asynchronously
}

fio_run() { # set rw bs depth -> "iops mbps" (nothing if fio failed)
    taskset -c "$1" fio --name=bench --filename="$img" --ioengine=io_uring --direct=1 \
        --registerfiles=1 --fixedbufs=1 --rw="$2" --bs="$3" --iodepth="$4" --offset="$start" \
        --size="$size" --time_based --runtime=3 --randrepeat=0 --norandommap \
        --output-format=json 2>/dev/null |
        python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; d=j["read"] if j["read"]["io_bytes"] else j["write"]; print("%.0f %.1f" % (d["iops"], d["bw_bytes"]/1e6))' 2>/dev/null || true
}

echo "# sddf block benchmark: $(uname -r), $(nproc) CPUs, $(fio --version), image on $(df -T "$WORK" | awk 'NR==2 {print $2}')"
echo "# each sample: sddf (client, virt, driver PDs) then fio, same image range, O_DIRECT, 3 s each; $REPS reps; median"
samples=$WORK/samples
: >"$samples"
failed=0
for cfg in $CONFIGS; do
    for w in $WORKLOADS; do
        read -r rw bs depth <<<"$(workload_params "$w")"
        for rep in $(seq 1 "$REPS"); do
            why='' f_iops='' f_mbps=''
            if ! sddf_run "$cfg" "$w"; then
                why="sddf: $FAIL_WHY"
            else
                read -r f_iops f_mbps <<<"$(fio_run "${cfg#*@}" "$rw" "$bs" "$depth")" || true
                [ -n "${f_iops:-}" ] && [ -n "${f_mbps:-}" ] || why="fio failed"
            fi
            if [ -n "$why" ]; then
                echo "sample config=$cfg workload=$w rep=$rep failed=1" | tee -a "$samples"
                echo "run.sh: sample $SAMPLE_NO ($cfg $w rep $rep) failed: $why; stopping" >&2
                echo "---- end of $WORK/sddf.log:" >&2
                tail -n 20 "$WORK/sddf.log" >&2 || true
                failed=1
                break 3
            fi
            line="sample config=$cfg workload=$w rep=$rep sddf_iops=$S_IOPS fio_iops=$f_iops sddf_mbps=$S_MBPS fio_mbps=$f_mbps"
            echo "$line" | tee -a "$samples"
        done
        echo "# $cfg $w: driver $(cat "$WORK/mode" 2>/dev/null)"
    done
done
python3 - "$samples" "$CONFIGS" "$WORKLOADS" <<'PY' || true
import statistics, sys
KEYS = ('sddf_iops', 'fio_iops', 'sddf_mbps', 'fio_mbps')
rows = []
for l in open(sys.argv[1]):
    kv = dict(x.split('=', 1) for x in l.split()[1:] if '=' in x)
    try:
        if kv.get('failed') != '1':
            rows.append(dict(kv, **{k: float(kv[k]) for k in KEYS}))
    except (KeyError, ValueError):
        pass  # an incomplete sample line counts as missing
configs, workloads = sys.argv[2].split(), sys.argv[3].split()
best = {}
for c in configs:
    table = []
    for w in workloads:
        r = [x for x in rows if x['config'] == c and x['workload'] == w]
        if not r:
            print('summary config=%s workload=%s reps=0' % (c, w))
            table.append((w, None, 0.0, 0.0))
            continue
        v = {k: statistics.median([x[k] for x in r]) for k in KEYS}
        ir = v['sddf_iops'] / v['fio_iops'] if v['fio_iops'] else 0.0
        mr = v['sddf_mbps'] / v['fio_mbps'] if v['fio_mbps'] else 0.0
        print('summary config=%s workload=%s sddf_iops=%.0f fio_iops=%.0f sddf_mbps=%.1f fio_mbps=%.1f '
              'iops_ratio=%.2f mbps_ratio=%.2f reps=%d' % (c, w, v['sddf_iops'], v['fio_iops'],
              v['sddf_mbps'], v['fio_mbps'], ir, mr, len(r)))
        table.append((w, v, ir, mr))
        if ir > best.get(w, ('', -1))[1]:
            best[w] = (c, ir)
    print('\nconfiguration %s (taskset -c %s for both)' % (c, c.split('@')[1]))
    print('%-14s %12s %12s %10s %10s %10s %10s' % ('workload', 'sddf_iops', 'fio_iops', 'sddf_MB/s',
          'fio_MB/s', 'iops_ratio', 'mbps_ratio'))
    for w, v, ir, mr in table:
        if v is None:
            print('%-14s %12s' % (w, 'n/a (no samples)'))
            continue
        print('%-14s %12.0f %12.0f %10.1f %10.1f %10.2f %10.2f' % (w, v['sddf_iops'], v['fio_iops'],
              v['sddf_mbps'], v['fio_mbps'], ir, mr))
    print()
for w, (c, ir) in best.items():
    print('goal workload=%s best_config=%s iops_ratio=%.2f' % (w, c, ir))
if 'randread_qd32' in best:
    c, ir = best['randread_qd32']
    print('# goal: sddf within 10%% of fio at depth 32: %s (iops_ratio %.2f, %s)' %
          ('met' if ir >= 0.90 else 'NOT met', ir, c))
PY
if [ "$failed" = 1 ]; then
    echo "run.sh: stopped after a failed sample (see above); the summary covers the samples before it" >&2
    exit 1
fi
