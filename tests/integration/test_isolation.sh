#!/bin/bash
# tests/integration/test_isolation.sh - every PD is its own process and maps
# only what the description grants, with the granted permissions.
#
# Runs the echo server example, lets it carry traffic, then compares each PD's
# /proc/PID/maps with `sddf describe` (check_isolation.py): 8 distinct PD
# processes whose parent is the monitor, none with any capability (the driver
# included), only the driver holding the TAP; each region mapped only by the PDs
# it is granted to; read-only grants mapped r--s (e.g. the rx DMA region in
# virt_rx and the copiers); no client maps the rx DMA region or the other
# client's regions.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"

NS=sddf-it-iso-$$
"$BUILD/sddf" describe "$ECHO_SYSTEM" >"$WORK/describe.xml" || fatal "sddf describe failed"
start_echo_system "$NS"
check "traffic flows before inspection" ip netns exec "$NS" "$BUILD/echo_check" --udp 100 \
    --tcp-bytes 262144 "${ECHO_CLIENTS[1]}"
expect_eq "PD processes" "$(pd_names "$WORK/sddf.log" | wc -l)" 8
python3 "$ROOT/tests/integration/check_isolation.py" "$WORK/describe.xml" "$WORK/sddf.log" \
    "$SDDF_PID"
check "maps match the description (check_isolation.py)" test $? = 0
sddf_stop TERM 15
expect_eq "exit status after SIGTERM" "$SDDF_RC" 0
assert_torn_down "$NS"
test_done
