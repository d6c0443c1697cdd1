# shellcheck shell=bash
# tests/integration/blk_common.sh - sourced by test_blk_*.sh after
# common.sh: make disk images, write a two-client block system for them,
# run it (no network: no namespace needed) and wait for log lines.

MAKE_IMAGE=$ROOT/examples/blk/make-image.sh
BLK_IMAGE_PY=$ROOT/tests/integration/blk_image.py
for tool in sfdisk sgdisk mkfs.ext4 mkfs.vfat blkid; do
    command -v "$tool" >/dev/null || fatal "$tool not installed (scripts/install-deps.sh)"
done
require_programs sddf blk_virt blk_driver_io_uring blk_client

# blk_system FILE IMAGE PROG0 PROG1: a system with client0 (PROG0) on
# partition 1 and client1 (PROG1) on partition 2 of IMAGE.
blk_system() {
    cat >"$1" <<XML
<?xml version="1.0"?>
<system>
    <protection_domain name="client0" priority="97"><program_image path="$3"/></protection_domain>
    <protection_domain name="client1" priority="97"><program_image path="$4"/></protection_domain>
    <blk name="blk0" driver="io_uring" image="$2">
        <client pd="client0" partition="1" data_size="0x100000"/>
        <client pd="client1" partition="2" data_size="0x100000"/>
    </blk>
</system>
XML
}

# blk_start SYSTEM LOG: run `sddf run --stats SYSTEM` in the background.
blk_start() {
    "$BUILD/sddf" run --stats "$1" >"$2" 2>&1 &
    SDDF_PID=$!
    SDDF_PIDS+=("$SDDF_PID")
}

# wait_lines LOG REGEX COUNT TIMEOUT_S: wait until REGEX matches COUNT lines.
wait_lines() {
    local deadline=$((SECONDS + $4))
    while [ "$(grep -cE "$2" "$1" 2>/dev/null)" -lt "$3" ]; do
        [ $SECONDS -lt $deadline ] || return 1
        proc_alive "$SDDF_PID" || return 1
        sleep 0.1
    done
    return 0
}

# blk_stop LOG WHAT: SIGTERM the system; expect exit 0 and no fault line.
blk_stop() {
    sddf_stop TERM 15
    expect_eq "$2: sddf run exit status after SIGTERM" "$SDDF_RC" 0
    expect_eq "$2: PDs reported faulted" "$(grep -c 'faulted' "$1")" 0
}
