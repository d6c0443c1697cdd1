#!/bin/bash
# tests/integration/test_isolation.sh - every PD is its own process and maps
# only what the description grants, with the granted permissions.
#
# Runs the echo server example, lets it carry traffic, then compares each PD's
# /proc/PID/maps with `sddf describe` (check_isolation.py): 8 distinct PD
# processes whose parent is the monitor, none with any capability (the driver
# included), each under a uid and gid of its own (non-zero, not the monitor's,
# distinct), only the driver holding the TAP; each region mapped only by the PDs
# it is granted to; read-only grants mapped r--s (e.g. the rx DMA region in
# virt_rx and the copiers); no client maps the rx DMA region or the other
# client's regions.
#
# Then kill_probe.system: two PDs (pd_kill_probe) each try kill(pid, 0) on
# the other and on the monitor; both must get EPERM (distinct uids).
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

PROBE=$BUILD/tests/integration/pd_kill_probe
[ -x "$PROBE" ] || fatal "$PROBE is not built"
cp "$ROOT/tests/integration/kill_probe.system" "$WORK/"
ln -s "$PROBE" "$WORK/pd_kill_probe"
"$BUILD/sddf" run --timeout 2000 "$WORK/kill_probe.system" >"$WORK/probe.log" 2>&1
expect_eq "kill_probe.system: exit status after --timeout" "$?" 0
cat "$WORK/probe.log"
for pd in probe_a probe_b; do
    check "$pd may signal neither its sibling nor the monitor" grep -Eq \
        "^\[$pd\] probe: uid=[1-9][0-9]* gid=[1-9][0-9]* siblings=1 eperm=1 allowed=0 monitor=EPERM$" \
        "$WORK/probe.log"
done
uid_a=$(sed -n 's/^\[probe_a\] probe: uid=\([0-9]*\).*/\1/p' "$WORK/probe.log")
uid_b=$(sed -n 's/^\[probe_b\] probe: uid=\([0-9]*\).*/\1/p' "$WORK/probe.log")
check "the probes run under different uids ($uid_a, $uid_b)" test -n "$uid_a" -a "$uid_a" != "$uid_b"
test_done
