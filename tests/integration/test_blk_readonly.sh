#!/bin/bash
# tests/integration/test_blk_readonly.sh - a read-only disk.
#
# A GPT image (sgdisk, mkfs.ext4) opened with <blk read_only="true">: the
# driver says it is read-only, the client's storage_info has read_only set,
# a WRITE is refused by the virtualiser with BLK_RESP_ERR_INVALID_PARAM
# (status 2, success_count 0: blk/components/blk_checks.h) and never reaches
# the driver, READ, FLUSH and BARRIER are answered OK (FLUSH on a read-only
# disk has nothing to write back), and the image is byte-for-byte unchanged.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"
# shellcheck source=tests/integration/blk_common.sh
. "$ROOT/tests/integration/blk_common.sh"

p=pd_blk_readonly
[ -x "$BUILD/tests/integration/$p" ] || fatal "$BUILD/tests/integration/$p is not built"
ln -s "$BUILD/tests/integration/$p" "$WORK/$p"
img=$WORK/disk.img
log=$WORK/readonly.log
"$MAKE_IMAGE" "$img" gpt >/dev/null || fatal "cannot make the image"
sum_before=$(sha256sum <"$img")
cat >"$WORK/ro.system" <<XML
<?xml version="1.0"?>
<system>
    <protection_domain name="client0" priority="97"><program_image path="$p"/></protection_domain>
    <blk name="blk0" driver="io_uring" image="$img" read_only="true">
        <client pd="client0" partition="1" data_size="0x100000"/>
    </blk>
</system>
XML
check "sddf check accepts read_only" "$BUILD/sddf" check "$WORK/ro.system"
blk_start "$WORK/ro.system" "$log"
wait_lines "$log" '^\[client0\] readonly done' 1 30 || fatal "the client did not finish in 30 s"
sleep 0.2
blk_stop "$log" "readonly"
check "driver says read-only" grep -q '^\[blk0_driver\] disk: .*, read-only, ' "$log"
check "storage_info.read_only is set" grep -q '^\[client0\] storage_info: read_only=1 capacity=6144 ' "$log"
check "READ answered ok" grep -q '^\[client0\] resp read status=0 (ok) success_count=1$' "$log"
check "WRITE refused: INVALID_PARAM, 0 blocks" \
    grep -q '^\[client0\] resp write status=2 (invalid parameter) success_count=0$' "$log"
check "FLUSH answered ok" grep -q '^\[client0\] resp flush status=0 (ok) success_count=0$' "$log"
check "BARRIER answered ok" grep -q '^\[client0\] resp barrier status=0 (ok) success_count=0$' "$log"
check "READ after the barrier ok" grep -q '^\[client0\] resp read_again status=0 (ok) success_count=1$' "$log"
expect_eq "virt counted the refused write" "$(stat_value "$log" blk0_virt invalid)" 1
expect_eq "driver saw no write" "$(stat_value "$log" blk0_driver writes)" 0
expect_eq "driver saw the flush" "$(stat_value "$log" blk0_driver flushes)" 1
expect_eq "image unchanged (sha256)" "$(sha256sum <"$img")" "$sum_before"
echo "---- $(stats_line "$log" blk0_driver)"
test_done
