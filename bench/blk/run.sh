#!/bin/bash
# bench/blk/run.sh [BUILD_DIR] - the block benchmark: the same four
# workloads through sddf (client blk_bench, the block virtualiser and the
# io_uring driver as separate PDs) and through fio (ioengine=io_uring,
# O_DIRECT) on the same image file and partition, in one run, printed as
# figures and sddf/fio ratios. A benchmark, not a test: it exits 0 unless
# something fails to run. Goal: sddf within 10% of fio at depth 32.
#
#   randread_qd1   4 KiB random reads, iodepth 1
#   randread_qd32  4 KiB random reads, iodepth 32
#   seqread_1m     1 MiB sequential reads, iodepth 4
#   seqwrite_1m    1 MiB sequential writes, iodepth 4
#
# The image (512 MiB, one GPT partition from 1 MiB) is made in a temporary
# directory on the file system of $TMPDIR (default /tmp); it must allow
# O_DIRECT for a fair comparison (the driver says which mode it uses).
# Each workload runs 3 s (PHASE_NS in blk_bench.c; fio --runtime=3).
# BLK_DRIVER_XML='<driver cpu="1"/>' places the driver on another CPU (on a
# 2-vCPU VM this was slower: cross-CPU wake-ups cost more than they give).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
for p in sddf blk_virt blk_driver_io_uring blk_bench; do
    [ -x "$BUILD/$p" ] || { echo "run.sh: $BUILD/$p is not built" >&2; exit 1; }
done
command -v fio >/dev/null || { echo "run.sh: fio is not installed" >&2; exit 1; }
command -v sgdisk >/dev/null || { echo "run.sh: sgdisk is not installed" >&2; exit 1; }
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sddf-blk-bench.XXXXXX")
SDDF_PID=
cleanup() {
    [ -n "$SDDF_PID" ] && kill -TERM "$SDDF_PID" 2>/dev/null && wait "$SDDF_PID" 2>/dev/null
    rm -rf "$WORK"
}
trap cleanup EXIT

img=$WORK/bench.img
truncate -s 512M "$img"
sgdisk -n 1:2048:0 "$img" >/dev/null
# Real data, not holes: reads of a sparse file would not touch the disk.
start=$((2048 * 512))
size=$(( $(sgdisk -i 1 "$img" | sed -n 's/^Partition size: \([0-9]*\) sectors.*/\1/p') * 512 ))
size=$((size / 1048576 * 1048576))
dd if=/dev/urandom of="$img" bs=1M seek=1 count=$((size / 1048576)) conv=notrunc status=none

cat >"$WORK/bench.system" <<XML
<?xml version="1.0"?>
<system>
    <protection_domain name="bench" priority="97"><program_image path="blk_bench"/></protection_domain>
    <blk name="blk0" driver="io_uring" image="$img">
        ${BLK_DRIVER_XML:-}
        <client pd="bench" partition="1" data_size="0x400000" queue_capacity="64"/>
    </blk>
</system>
XML
log=$WORK/sddf.log
echo "sddf: client, virtualiser and driver as separate PDs (3 s per workload)..." >&2
"$BUILD/sddf" run --stats "$WORK/bench.system" >"$log" 2>&1 &
SDDF_PID=$!
for _ in $(seq 1 300); do
    grep -q 'bench done' "$log" && break
    kill -0 "$SDDF_PID" 2>/dev/null || break
    sleep 0.1
done
grep -q 'bench done' "$log" || { cat "$log"; echo "run.sh: sddf run failed" >&2; exit 1; }
kill -TERM "$SDDF_PID"
wait "$SDDF_PID" || true
SDDF_PID=
grep '^\[blk0_driver\] disk:' "$log" | sed 's/^/# /'

fio_run() { # name rw bs depth
    fio --name="$1" --filename="$img" --ioengine=io_uring --direct=1 --rw="$2" --bs="$3" \
        --iodepth="$4" --offset="$start" --size="$size" --time_based --runtime=3 \
        --randrepeat=0 --norandommap --output-format=json 2>/dev/null |
        python3 -c 'import json,sys; j=json.load(sys.stdin)["jobs"][0]; d=j["read"] if j["read"]["io_bytes"] else j["write"]; print("%.0f %.1f" % (d["iops"], d["bw_bytes"]/1e6))'
}
echo "fio: ioengine=io_uring, direct=1, same image and partition..." >&2
printf '%-14s %12s %12s %10s %10s %10s %10s\n' workload sddf_iops fio_iops sddf_MB/s fio_MB/s \
    iops_ratio mbps_ratio
for w in "randread_qd1 randread 4k 1" "randread_qd32 randread 4k 32" \
         "seqread_1m read 1m 4" "seqwrite_1m write 1m 4"; do
    read -r name rw bs depth <<<"$w"
    line=$(grep "bench sddf $name " "$log")
    s_iops=$(sed 's/.* iops=\([0-9.]*\).*/\1/' <<<"$line")
    s_mbps=$(sed 's/.* mbps=\([0-9.]*\).*/\1/' <<<"$line")
    read -r f_iops f_mbps <<<"$(fio_run "$name" "$rw" "$bs" "$depth")"
    python3 -c "
s_i, f_i, s_m, f_m = $s_iops, $f_iops, $s_mbps, $f_mbps
print('%-14s %12.0f %12.0f %10.1f %10.1f %10.2f %10.2f' % ('$name', s_i, f_i, s_m, f_m,
      s_i / f_i if f_i else 0, s_m / f_m if f_m else 0))"
done
echo "# goal: sddf within 10% of fio at depth 32 (randread_qd32 iops_ratio >= 0.90)"
