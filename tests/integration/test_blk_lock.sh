#!/bin/bash
# tests/integration/test_blk_lock.sh - one disk, one writer, across systems.
#
# System A (blk_client built with ROUNDS=300 on both partitions) runs on a
# GPT image. While it runs, `sddf run` of a second system on the same image,
# named another way each time ("DIR/./disk.img", a symbolic link, a hard
# link), and of a read-only system, must each exit 2 at once with one line
# saying the image is in use, and start no PD. System A must be unaffected:
# both clients read back correct data in every round, then SIGTERM gives
# exit 0. Afterwards the lock is gone: a new system on the image runs. Two
# read-only systems may share an image. An image its owner may not write
# (chmod 444) is refused unless read_only="true", and stays unchanged.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"
# shellcheck source=tests/integration/blk_common.sh
. "$ROOT/tests/integration/blk_common.sh"

p=blk_client_long
[ -x "$BUILD/tests/integration/$p" ] || fatal "$BUILD/tests/integration/$p is not built"
ln -s "$BUILD/tests/integration/$p" "$WORK/$p"
img=$WORK/disk.img
"$MAKE_IMAGE" "$img" gpt >/dev/null || fatal "cannot make the image"
ln -s "$img" "$WORK/sym.img"
ln "$img" "$WORK/hard.img"

# ro_system FILE IMAGE: one blk_client on partition 1 of IMAGE, read-only.
ro_system() {
    cat >"$1" <<XML
<?xml version="1.0"?>
<system>
    <protection_domain name="client0" priority="97"><program_image path="blk_client"/></protection_domain>
    <blk name="blk0" driver="io_uring" image="$2" read_only="true">
        <client pd="client0" partition="1" data_size="0x100000"/>
    </blk>
</system>
XML
}

# refused NAME SYSTEM REGEX: `sddf run SYSTEM` exits 2 within 20 s, its log
# matches REGEX (one line), and no PD was started.
refused() {
    local log=$WORK/$1.log rc
    timeout 20 "$BUILD/sddf" run --timeout 10000 "$2" >"$log" 2>&1
    rc=$?
    expect_eq "$1: sddf run exit status" "$rc" 2
    expect_eq "$1: one line says why" "$(grep -cE "$3" "$log")" 1
    expect_eq "$1: no PD started" "$(grep -c 'started PD' "$log")" 0
    grep -E "$3" "$log" | sed "s/^/    $1: /"
}

loga=$WORK/a.log
blk_system "$WORK/a.system" "$img" "$p" "$p"
blk_start "$WORK/a.system" "$loga"
wait_lines "$loga" '^\[blk0_virt\] client .client1.: GPT partition 2' 1 30 ||
    fatal "system A did not start in 30 s"
pid_a=$SDDF_PID
n=0
for other in "$WORK/./disk.img" "$WORK/sym.img" "$WORK/hard.img"; do
    n=$((n + 1))
    blk_system "$WORK/b$n.system" "$other" blk_client blk_client
    refused "second_writer_$n" "$WORK/b$n.system" \
        "^sddf: PD 'blk0_driver': block device 0 '.*' is in use by another running system"
done
ro_system "$WORK/ro.system" "$WORK/sym.img"
refused "reader_while_writing" "$WORK/ro.system" "is in use by another running system"
check "system A still runs" proc_alive "$pid_a"
SDDF_PID=$pid_a
wait_lines "$loga" '^\[client[01]\] done' 2 120 || fatal "system A's clients did not finish in 120 s"
blk_stop "$loga" "system A"
expect_eq "system A: both clients read back correct data in all 300 rounds" \
    "$(grep -c 'round 299), read them back behind a barrier: match; flushed' "$loga")" 2
expect_eq "system A: both done ok" "$(grep -c '^\[client[01]\] done ok' "$loga")" 2

# The lock went with system A.
logc=$WORK/c.log
blk_system "$WORK/c.system" "$WORK/hard.img" blk_client blk_client
blk_start "$WORK/c.system" "$logc"
wait_lines "$logc" '^\[client[01]\] done' 2 30 || fatal "system C did not finish in 30 s"
blk_stop "$logc" "system C (after A stopped)"
expect_eq "system C: both done ok" "$(grep -c '^\[client[01]\] done ok' "$logc")" 2

# Readers share.
ro_system "$WORK/ro2.system" "$img"
blk_start "$WORK/ro.system" "$WORK/r1.log"
pid_r1=$SDDF_PID
wait_lines "$WORK/r1.log" '^\[client0\] done ok' 1 30 || fatal "reader 1 did not finish in 30 s"
blk_start "$WORK/ro2.system" "$WORK/r2.log"
wait_lines "$WORK/r2.log" '^\[client0\] done ok' 1 30 || fatal "reader 2 did not finish in 30 s"
check "reader 1 still runs beside reader 2" proc_alive "$pid_r1"
blk_stop "$WORK/r2.log" "reader 2"
SDDF_PID=$pid_r1
blk_stop "$WORK/r1.log" "reader 1"

# chmod 444: refused unless read_only="true"; the image is not touched.
chmod 444 "$img"
sum=$(sha256sum <"$img")
refused "mode_444" "$WORK/c.system" "disk image '.*' is not writable by its owner \(mode 0444\)"
blk_start "$WORK/ro2.system" "$WORK/r3.log"
wait_lines "$WORK/r3.log" '^\[client0\] done ok' 1 30 || fatal "read-only run of a 0444 image failed"
blk_stop "$WORK/r3.log" "0444 image read-only"
expect_eq "0444 image unchanged" "$(sha256sum <"$img")" "$sum"
test_done
