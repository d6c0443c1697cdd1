#!/bin/bash
# tests/integration/test_frames.sh - malformed, minimal and oversized frames
# from the Linux side must not take the system down.
#
# An AF_PACKET socket in the test's namespace writes frames of 0, 14, 60 and
# 1514 bytes onto the TAP (to client0's MAC and to broadcast; the kernel
# itself refuses frames shorter than an Ethernet header, which
# frame_inject reports), then, after raising the TAP's MTU to 9000, a
# 9014-byte frame that no 2048-byte buffer can hold. Afterwards the system
# must still run and echo, and the TAP driver's counters (sddf run --stats)
# must show the oversized frame dropped.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"

INJECT=$BUILD/tests/integration/frame_inject
[ -x "$INJECT" ] || fatal "$INJECT is not built"
NS=sddf-it-frames-$$
start_echo_system "$NS" --stats
CLIENT0_MAC=02:00:c6:12:00:02

for dst in "$CLIENT0_MAC" ff:ff:ff:ff:ff:ff; do
    ip netns exec "$NS" "$INJECT" "$ECHO_TAP" "$dst" 0 14 60 1514 >"$WORK/inject.txt" 2>&1
    check "inject small/normal frames to $dst" test $? = 0
    cat "$WORK/inject.txt"
    check "the 14, 60 and 1514-byte frames went out" \
        test "$(grep -c 'result=sent' "$WORK/inject.txt")" = 3
done
check "system still running after small frames" proc_alive "$SDDF_PID"
check "UDP/TCP echo after small frames" ip netns exec "$NS" "$BUILD/echo_check" --udp 100 \
    --tcp-bytes 262144 "${ECHO_CLIENTS[0]}"

ip -n "$NS" link set "$ECHO_TAP" mtu 9000
tap_mtu() {
    ip -n "$NS" -o link show "$ECHO_TAP" | sed -n 's/.* mtu \([0-9]*\) .*/\1/p'
}
expect_eq "TAP MTU raised" "$(tap_mtu)" 9000
ip netns exec "$NS" "$INJECT" "$ECHO_TAP" "$CLIENT0_MAC" 9014 4000 2049 >"$WORK/inject-big.txt" 2>&1
cat "$WORK/inject-big.txt"
check "oversized frames (9014, 4000, 2049 bytes) went out" \
    test "$(grep -c 'result=sent' "$WORK/inject-big.txt")" = 3
ip -n "$NS" link set "$ECHO_TAP" mtu 1500
sleep 0.5
check "system still running after oversized frames" proc_alive "$SDDF_PID"
for ip in "${ECHO_CLIENTS[@]}"; do
    check "UDP echo to $ip after oversized frames" ip netns exec "$NS" "$BUILD/echo_check" \
        --udp 200 --tcp-bytes 262144 "$ip"
done

sddf_stop TERM 15
expect_eq "exit status after SIGTERM" "$SDDF_RC" 0
expect_eq "fault lines" "$(grep -c 'faulted' "$WORK/sddf.log")" 0
# The driver is the PD that holds the TAP; its counter rx_oversize counts
# frames that do not fit a 2048-byte buffer.
DRIVER=$(pd_names "$WORK/sddf.log" | grep -i 'driver' | grep -v -i timer | head -n 1)
echo "driver '$DRIVER' counters: $(stats_line "$WORK/sddf.log" "$DRIVER")"
expect_eq "driver counted the 3 oversized frames as dropped (rx_oversize)" \
    "$(stat_value "$WORK/sddf.log" "$DRIVER" rx_oversize)" 3
assert_torn_down "$NS"
test_done
