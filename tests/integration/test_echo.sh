#!/bin/bash
# tests/integration/test_echo.sh - the echo server end to end, with
# assertions: Linux's own stack in a private namespace pings both lwIP
# clients, sends 1000 UDP echoes of 1..1472 bytes, one 4 MiB TCP echo and 3
# concurrent 1 MiB TCP echoes to each, and every byte must come back; then
# SIGTERM stops the system with exit 0 and nothing left behind.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"

NS=sddf-it-echo-$$
start_echo_system "$NS" --stats

echo_traffic "$NS" "$WORK"
UDP_BYTES=$((1000 * 1001 / 2)) # sizes 1..1000
for ip in "${ECHO_CLIENTS[@]}"; do
    expect_eq "ping $ip" "$(ping_summary "$WORK/ping-$ip.txt")" "sent=5 received=5"
    udp=$(grep '^udp ' "$WORK/echo-$ip.txt")
    expect_eq "udp $ip sent" "$(kv "$udp" sent)" 1000
    expect_eq "udp $ip received" "$(kv "$udp" received)" 1000
    expect_eq "udp $ip lost" "$(kv "$udp" lost)" 0
    expect_eq "udp $ip mismatched" "$(kv "$udp" mismatched)" 0
    expect_eq "udp $ip bytes" "$(kv "$udp" bytes)" "$UDP_BYTES"
    tcp=$(grep '^tcp ' "$WORK/echo-$ip.txt")
    expect_eq "tcp $ip bytes echoed" "$(kv "$tcp" received)" 4194304
    expect_eq "tcp $ip match" "$(kv "$tcp" match)" yes
    conc=$(grep '^tcp ' "$WORK/conc-$ip.txt")
    expect_eq "tcp x3 $ip connections complete" "$(kv "$conc" conns_ok)" 3
    expect_eq "tcp x3 $ip bytes echoed" "$(kv "$conc" received)" $((3 * 1048576))
    expect_eq "tcp x3 $ip match" "$(kv "$conc" match)" yes
    for f in echo conc; do
        check "echo_check $f $ip says ok" grep -q '^result ok' "$WORK/$f-$ip.txt" ||
            cat "$WORK/$f-$ip.txt"
    done
done

sddf_stop TERM 15
expect_eq "sddf run exit status after SIGTERM" "$SDDF_RC" 0
expect_eq "PDs started" "$(pd_names "$WORK/sddf.log" | wc -l)" 8
expect_eq "stats lines (one per PD)" "$(grep -c '^sddf: stats ' "$WORK/sddf.log")" 8
expect_eq "fault lines" "$(grep -c 'faulted' "$WORK/sddf.log")" 0
assert_torn_down "$NS"
test_done
