#!/bin/bash
# tests/integration/test_blk_geometry.sh - disks and regions at the edges.
#
#  - tiny: a GPT image (sgdisk) with partitions of 8 and 16 sectors (1 and 2
#    blocks of 4 KiB): the example clients size their pattern to the
#    partition (1 block each, never a zero-block request) and read back a
#    match; the image holds exactly what they wrote.
#  - odd sizes: GPT images of 64 MiB plus 1 and plus 7 sectors (sector counts
#    not a multiple of 8, as real disks have): the backup GPT in the last
#    sector, inside a partial 4 KiB block, is found (the driver serves that
#    block read-only, zeros past the end), both partitions work and the
#    partial block is never written.
#  - small data region: a client with data_size="0x1000" says in one line
#    that its data region is too small, and the system stops cleanly: no
#    fault, exit 1 (a PD stopped with sddf_fatal).
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"
# shellcheck source=tests/integration/blk_common.sh
. "$ROOT/tests/integration/blk_common.sh"

# run_ok NAME IMAGE: the example on IMAGE; both clients done ok, image verified.
run_ok() {
    local log=$WORK/$1.log
    cp "$2" "$WORK/$1.orig"
    blk_system "$WORK/$1.system" "$2" blk_client blk_client
    blk_start "$WORK/$1.system" "$log"
    wait_lines "$log" '^\[client[01]\] done' 2 30 || fatal "$1: clients did not finish in 30 s"
    blk_stop "$log" "$1"
    expect_eq "$1: both clients done ok" "$(grep -c '^\[client[01]\] done ok' "$log")" 2
    expect_eq "$1: both read back a match" "$(grep -c 'behind a barrier: match; flushed' "$log")" 2
    check "$1: image holds exactly the written bytes" \
        python3 "$BLK_IMAGE_PY" verify "$WORK/$1.orig" "$2" "$log"
}

# Tiny partitions.
img=$WORK/tiny.img
truncate -s 1M "$img"
sgdisk -a 8 -n 1:40:47 -n 2:48:63 "$img" >/dev/null || fatal "sgdisk (tiny)"
run_ok tiny "$img"
log=$WORK/tiny.log
check "tiny: virt gives client0 1 block" grep -q "client 'client0': GPT partition 1, 1 block of 4 KiB from block 5$" "$log"
check "tiny: virt gives client1 2 blocks" grep -q "client 'client1': GPT partition 2, 2 blocks of 4 KiB from block 6$" "$log"
check "tiny: client0 sees 1 block" grep -q '^\[client0\] partition of 1 block (4 KiB)' "$log"
check "tiny: client0 wrote its only block" grep -q '^\[client0\] wrote 1 block at partition block 0 ' "$log"
check "tiny: client1 wrote its upper block" grep -q '^\[client1\] wrote 1 block at partition block 1 ' "$log"
expect_eq "tiny: the virt refused nothing" "$(stat_value "$log" blk0_virt invalid)" 0

# Disks whose sector count is not a multiple of 8.
for extra in 1 7; do
    name=odd$extra
    img=$WORK/$name.img
    truncate -s $((64 * 1024 * 1024 + extra * 512)) "$img"
    sgdisk -n 1:2048:+24M -t 1:8300 -n 2:0:+24M "$img" >/dev/null || fatal "sgdisk ($name)"
    sgdisk -v "$img" | grep -q 'No problems found' || fatal "$name: sgdisk -v is not happy"
    tail_before=$(tail -c $((extra * 512)) "$img" | sha256sum)
    run_ok "$name" "$img"
    log=$WORK/$name.log
    check "$name: driver reports the partial block" \
        grep -q "^\[blk0_driver\] and a partial block of $extra sectors ($((extra * 512)) bytes) at the end: read-only" "$log"
    check "$name: the table was accepted" grep -q "client 'client1': GPT partition 2, 6144 blocks" "$log"
    expect_eq "$name: the partial block is unchanged" "$(tail -c $((extra * 512)) "$img" | sha256sum)" "$tail_before"
done

# A data region smaller than the client needs.
img=$WORK/small.img
log=$WORK/small.log
"$MAKE_IMAGE" "$img" gpt >/dev/null || fatal "cannot make the image"
blk_system "$WORK/small.system" "$img" blk_client blk_client
sed -i '0,/data_size="0x100000"/s//data_size="0x1000"/' "$WORK/small.system"
timeout 30 "$BUILD/sddf" run --stats --timeout 10000 "$WORK/small.system" >"$log" 2>&1
expect_eq "small: sddf run exit status (a PD stopped with sddf_fatal)" "$?" 1
check "small: client0 says why, in one line" \
    grep -q '^\[client0\] data region too small (need 131072 bytes, have 4096)$' "$log"
check "small: client0 stopped with a fatal error, not a fault" \
    grep -q "^sddf: PD 'client0' exited with status 121 (fatal error)" "$log"
expect_eq "small: nothing faulted" "$(grep -c 'killed by\|faulted' "$log")" 0
check "small: a PD without counters says so" grep -q '^sddf: stats client0 (none)$' "$log"
test_done
