#!/bin/bash
# tests/integration/test_describe_run.sh - `sddf describe` prints a complete
# system: its output, run by `sddf run` on its own, behaves like the original.
#
# The echo server example is expanded with `sddf describe` (every class
# element becomes plain PDs, regions, maps, channels, IRQs, devices and
# <config> records), the output is checked, described again (a fixed point,
# comments aside), and run in a fresh namespace: every client must answer
# ping and carry UDP and TCP echoes (before the fix the PDs died with "no
# network config record"), then SIGTERM tears everything down.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"

require_programs sddf
DESCRIBED=$WORK/echo_described.system
"$BUILD/sddf" describe "$ECHO_SYSTEM" >"$DESCRIBED" || fatal "sddf describe failed"
check "the describe output carries configuration records" grep -q '<config class=' "$DESCRIBED"
check "sddf check accepts the describe output" "$BUILD/sddf" check "$DESCRIBED"
"$BUILD/sddf" describe "$DESCRIBED" >"$WORK/again.system" || fatal "describe of describe failed"
strip_comments() { sed -e 's/<!--.*-->//' -e '/<!--/,/-->/d' "$1" | sed -e 's/ *$//' -e '/^$/d'; }
check "describing the output again gives the same system" \
    diff <(strip_comments "$DESCRIBED") <(strip_comments "$WORK/again.system")

ECHO_SYSTEM=$DESCRIBED
NS=sddf-it-desc-$$
start_echo_system "$NS"
for ip in "${ECHO_CLIENTS[@]}"; do
    check "UDP and TCP echo from $ip (described system)" ip netns exec "$NS" \
        "$BUILD/echo_check" --udp 50 --tcp-bytes 65536 "$ip"
done
sddf_stop TERM 15
expect_eq "exit status after SIGTERM" "$SDDF_RC" 0
expect_eq "fault lines" "$(grep -c 'faulted\|killed by\|exited' "$WORK/sddf.log")" 0
assert_torn_down "$NS"
test_done
