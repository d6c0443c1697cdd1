#!/bin/bash
# tests/integration/test_echo_serial.sh - the echo server with a serial
# console (examples/echo_server/echo_server_serial.system) end to end: the
# test owns a pty (pty_relay.py) and runs `sddf run` in its own network
# namespace with the pty's slave as its terminal. Both echo-server PDs must
# print their "echo server up" status line through the serial client
# library, each whole, with its client prefix and colour, on the console
# (not in the monitor's log); ping and UDP/TCP echo to both clients must
# still work (Linux's stack in the namespace, 198.18.0.0/15 only); SIGTERM
# stops everything with exit 0 and nothing left behind.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"

SYSTEM=examples/echo_server/echo_server_serial.system
NS=sddf-it-eser-$$
CONSOLE=$WORK/console.out
require_programs sddf echo_check net_driver_tap net_virt_rx net_virt_tx net_copy \
    timer_driver_timerfd echo_server serial_driver_tty serial_virt_rx serial_virt_tx

# The pty: the relay lives at most 600 s, and is stopped on every exit path.
python3 "$ROOT/tests/integration/pty_relay.py" "$WORK/pty" "$CONSOLE" 600 &
RELAY=$!
trap 'kill -TERM "$RELAY" 2>/dev/null; wait "$RELAY" 2>/dev/null; test_cleanup' EXIT
for _ in $(seq 100); do
    [ -s "$WORK/pty" ] && break
    sleep 0.1
done
SLAVE=$(cat "$WORK/pty" 2>/dev/null)
[ -c "$SLAVE" ] || fatal "no pty from pty_relay.py"

# console_has BYTES: the console capture holds BYTES (Python escapes: \r \n \x1b).
console_count() {
    python3 -c 'import sys
d = open(sys.argv[1], "rb").read()
print(d.count(sys.argv[2].encode().decode("unicode_escape").encode("latin-1")))' "$CONSOLE" "$1"
}

# `sddf run` with the pty as its terminal (stdin and stdout); the monitor's
# own messages go to stderr, the log.
ns_create "$NS" || fatal "cannot create namespace $NS"
# shellcheck disable=SC2094 # the pty is both stdin and stdout, as a terminal is
ip netns exec "$NS" env --default-signal=INT,QUIT "$BUILD/sddf" run --stats "$SYSTEM" \
    <"$SLAVE" >"$SLAVE" 2>"$WORK/sddf.log" &
SDDF_PID=$!
SDDF_PIDS+=("$SDDF_PID")
wait_tap "$NS" "$ECHO_TAP" 20 || fatal "TAP $ECHO_TAP not up within 20 s"
for ip in "${ECHO_CLIENTS[@]}"; do
    wait_ping "$NS" "$ip" 30 || fatal "client $ip does not answer ping within 30 s"
done
echo "ok: echo system with serial console up in $NS (sddf pid $SDDF_PID)"

# The status lines: whole, once each, "[name] " prefix inside the client's
# colour (ESC[3Nm, N = 1 + client index, reset with ESC[0m before the line
# break), the client library's \r\n.
LINES=()
for i in 0 1; do
    LINES+=("\\x1b[3$((i + 1))m[client$i] client$i: echo server up at 198.18.0.$((i + 2)): udp 1235 tcp 1236\\x1b[0m\\r\\n")
done
for _ in $(seq 100); do
    [ "$(console_count "${LINES[0]}")" -ge 1 ] && [ "$(console_count "${LINES[1]}")" -ge 1 ] && break
    sleep 0.1
done
for i in 0 1; do
    expect_eq "client$i's status line on the console (whole, prefixed, coloured)" \
        "$(console_count "${LINES[$i]}")" 1
done
expect_eq "status lines in the monitor's log (they went to the console)" \
    "$(grep -c 'echo server up' "$WORK/sddf.log")" 0

# The network still works for both clients.
for ip in "${ECHO_CLIENTS[@]}"; do
    ip netns exec "$NS" ping -n -c 5 -i 0.2 -W 2 -w 10 "$ip" >"$WORK/ping-$ip.txt" 2>&1
    expect_eq "ping $ip" "$(ping_summary "$WORK/ping-$ip.txt")" "sent=5 received=5"
    ip netns exec "$NS" "$BUILD/echo_check" --udp 300 --tcp-bytes 1048576 --phase-ms 60000 \
        "$ip" >"$WORK/echo-$ip.txt" 2>&1
    udp=$(grep '^udp ' "$WORK/echo-$ip.txt")
    expect_eq "udp $ip received" "$(kv "$udp" received)" 300
    expect_eq "udp $ip mismatched" "$(kv "$udp" mismatched)" 0
    tcp=$(grep '^tcp ' "$WORK/echo-$ip.txt")
    expect_eq "tcp $ip match" "$(kv "$tcp" match)" yes
    check "echo_check $ip says ok" grep -q '^result ok' "$WORK/echo-$ip.txt" ||
        cat "$WORK/echo-$ip.txt"
done

sddf_stop TERM 15
expect_eq "sddf run exit status after SIGTERM" "$SDDF_RC" 0
expect_eq "PDs started" "$(pd_names "$WORK/sddf.log" | wc -l)" 11
expect_eq "fault lines" "$(grep -c 'faulted' "$WORK/sddf.log")" 0
lines=$(stat_value "$WORK/sddf.log" serial_virt_tx tx_lines)
check "serial_virt_tx moved the two status lines (tx_lines=${lines:-none})" \
    test "${lines:-0}" -ge 2
expect_eq "serial_virt_tx split lines" "$(stat_value "$WORK/sddf.log" serial_virt_tx tx_split)" 0
assert_torn_down "$NS"
test_done
