#!/bin/bash
# tests/integration/test_signals.sh - SIGINT and SIGTERM to `sddf run` while
# the echo system is up and has carried traffic: exit status 0, every PD
# process gone, the TAP device removed, the namespace back to just lo.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"

for sig in INT TERM; do
    NS=sddf-it-sig$sig-$$
    start_echo_system "$NS"
    check "UDP echo before SIG$sig" ip netns exec "$NS" "$BUILD/echo_check" --udp 50 \
        --tcp-bytes 65536 "${ECHO_CLIENTS[0]}"
    pids=$(sed -n "s/^sddf: started PD '[^']*' (pid \([0-9]*\)).*/\1/p" "$WORK/sddf.log" |
        tr '\n' ' ')
    sddf_stop "$sig" 15
    expect_eq "exit status after SIG$sig" "$SDDF_RC" 0
    expect_eq "fault lines after SIG$sig" "$(grep -c 'faulted' "$WORK/sddf.log")" 0
    assert_torn_down "$NS"
    [ "$FAILS" = 0 ] || echo "PD pids were: $pids"
    ns_cleanup
    mv "$WORK/sddf.log" "$WORK/sddf-$sig.log"
done
test_done
