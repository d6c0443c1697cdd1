#!/bin/bash
# scripts/run-echo-server.sh - the main job: build sddf and run the echo
# server example against Linux's own network stack, end to end.
#
#   1. install the Debian packages (scripts/install-deps.sh), fetch lwIP,
#      build into build/ (scripts/build.sh);
#   2. create a private network namespace and run
#        sddf run --stats examples/echo_server/echo_server.system
#      in it: 8 PDs (TAP driver, rx/tx virtualisers, two copiers, two lwIP
#      echo clients, timer driver), the TAP device sddftap0 = 198.18.0.1/24;
#   3. from that namespace: ping both clients (198.18.0.2, 198.18.0.3), 1000
#      UDP echoes of 1..1472 bytes each, a 4 MiB TCP echo each and 3
#      concurrent TCP echoes each, every byte compared;
#   4. stop the system with SIGTERM, print a summary with the monitor's
#      per-PD counters, and remove everything (namespace, TAP, processes).
#
# Usage (as root): scripts/run-echo-server.sh [--no-deps] [--keep-logs]
#   SDDF_BUILD=DIR picks the build directory (default: build)
# Exit status: 0 if every step passed.
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${SDDF_BUILD:-$ROOT/build}
LOG_PREFIX=run-echo-server
# shellcheck source=scripts/lib/netns.sh
. "$ROOT/scripts/lib/netns.sh"

DEPS=1
KEEP=0
for a in "$@"; do
    case "$a" in
    --no-deps) DEPS=0 ;;
    --keep-logs) KEEP=1 ;;
    -h | --help) sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//' && exit 0 ;;
    *) echo "usage: $0 [--no-deps] [--keep-logs]" >&2 && exit 2 ;;
    esac
done

if [ "$(id -u)" != 0 ]; then
    log "error: run as root (it installs packages and creates a network namespace)"
    exit 1
fi

set -e
if [ $DEPS = 1 ]; then
    "$ROOT/scripts/install-deps.sh"
fi
"$ROOT/scripts/build.sh" "$BUILD"
set +e
cd "$ROOT"

NS=sddf-echo-$$
OUT=$(mktemp -d "${TMPDIR:-/tmp}/sddf-echo.XXXXXX")
STATUS=1
# shellcheck disable=SC2317 # called from the EXIT trap
finish() {
    ns_cleanup
    if [ "$STATUS" = 0 ] && [ "$KEEP" = 0 ]; then
        rm -rf "$OUT"
    else
        log "logs kept in $OUT"
    fi
}
trap finish EXIT
trap 'log "interrupted"; exit 130' INT TERM

ns_create "$NS" || exit 1
log "namespace $NS; starting: sddf run --stats $ECHO_SYSTEM"
sddf_start "$NS" "$OUT/sddf.log" --stats "$ECHO_SYSTEM"

fail() {
    log "FAIL: $*"
    log "last lines of the monitor's log:"
    tail -n 30 "$OUT/sddf.log" >&2
    exit 1
}

wait_tap "$NS" "$ECHO_TAP" 20 || fail "TAP $ECHO_TAP did not come up within 20 s"
log "TAP $ECHO_TAP is up: $(ip -n "$NS" -o -4 addr show "$ECHO_TAP" | awk '{print $4}')"
for ip in "${ECHO_CLIENTS[@]}"; do
    wait_ping "$NS" "$ip" 30 || fail "client $ip did not answer ping within 30 s"
    log "client $ip answers"
done

echo_traffic "$NS" "$OUT"
TRAFFIC_FAILS=$?

log "stopping the system (SIGTERM)"
sddf_stop TERM 15
[ $SDDF_RC = 0 ] || log "FAIL: sddf run exited with status $SDDF_RC (expected 0)"
LEFT=$(ip netns pids "$NS")
TAP_LEFT=$(ip -n "$NS" -o link show "$ECHO_TAP" 2>/dev/null)

echo
echo "==== sddf echo server: summary ===="
for ip in "${ECHO_CLIENTS[@]}"; do
    udp=$(grep '^udp ' "$OUT/echo-$ip.txt")
    tcp=$(grep '^tcp ' "$OUT/echo-$ip.txt")
    conc=$(grep '^tcp ' "$OUT/conc-$ip.txt")
    echo "client $ip:"
    echo "  ping:              $(ping_summary "$OUT/ping-$ip.txt")"
    echo "  udp echo (1235):   round_trips=$(kv "$udp" received)/$(kv "$udp" sent)" \
        "lost=$(kv "$udp" lost) retries=$(kv "$udp" retries) mismatched=$(kv "$udp" mismatched)" \
        "bytes=$(kv "$udp" bytes) rtt_avg_us=$(kv "$udp" rtt_avg_us)"
    echo "  tcp echo (1236):   bytes=$(kv "$tcp" received)/$(kv "$tcp" bytes)" \
        "match=$(kv "$tcp" match) seconds=$(kv "$tcp" seconds)"
    echo "  tcp echo x3:       bytes=$(kv "$conc" received)/$(kv "$conc" bytes)" \
        "connections_ok=$(kv "$conc" conns_ok)/3 match=$(kv "$conc" match)"
done
echo "per-PD counters (sddf run --stats, after SIGTERM):"
grep '^sddf: stats ' "$OUT/sddf.log" | sed 's/^sddf: stats /  /'
if grep -q 'faulted' "$OUT/sddf.log"; then
    echo "faults:"
    grep 'faulted' "$OUT/sddf.log" | sed 's/^/  /'
fi
echo "teardown: sddf exit status $SDDF_RC; processes left in namespace: ${LEFT:-none};" \
    "TAP left: ${TAP_LEFT:+yes}${TAP_LEFT:-no}"

if [ $TRAFFIC_FAILS = 0 ] && [ $SDDF_RC = 0 ] && [ -z "$LEFT" ] && [ -z "$TAP_LEFT" ]; then
    STATUS=0
    echo "RESULT: PASS"
else
    for f in "$OUT"/*.txt; do
        grep -q 'result ok\| 0% packet loss' "$f" || { echo "--- $f"; cat "$f"; }
    done
    echo "RESULT: FAIL"
fi
exit $STATUS
