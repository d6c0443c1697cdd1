#!/bin/bash
# tests/integration/test_hostile.sh - a hostile client must not make anything
# else in the system fail (DESIGN §7).
#
# hostile.system is the echo server with client1 replaced by
# pd_hostile_client, which runs timed phases (logged "hostile: phase X"):
# (a) bad tx offsets and lengths, (b) double enqueue and buffers it does not
# hold, (c) garbage in its queue indices and flags plus a tail chase,
# (d) a notification flood and malformed PPCs, (e) bad rx free returns.
#
# Default case: while the phases run, Linux's stack drives client0
# (198.18.0.2) with echo_check over and over (1000 UDP echoes and a 4 MiB TCP
# echo per run, every byte compared) and injects frames to client1's MAC so
# that its copier has frames to place; every run must be correct. Then
# SIGTERM: exit 0, no PD faulted, and the monitor's counters show the drops
# (virt_tx tx_bad and tx_dup, client1_copier bad_client_buf) while the
# components behind the hostile's neighbours saw nothing bad (virt_rx
# bad_desc/double_free, driver tx_bad_desc, client0_copier bad_client_buf 0).
#
# Case "crash" (third argument): pd_hostile_crash runs phase a, then
# publishes half a tx batch and stores to an unmapped address. The monitor
# must report exactly that one fault in one line (client1, SIGSEGV, the
# address the PD logged), exit 1 and tear everything down.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"
CASE=${3:-phases}

HOSTILE=$BUILD/tests/integration/pd_hostile_client
CRASHER=$BUILD/tests/integration/pd_hostile_crash
INJECT=$BUILD/tests/integration/frame_inject
CLIENT0=198.18.0.2
CLIENT1_MAC=02:00:c6:12:00:03
TRAFFIC_S=45 # bound on the traffic loop while the phases run (they take ~14 s)

require_programs sddf echo_check net_driver_tap net_virt_rx net_virt_tx net_copy \
    timer_driver_timerfd echo_server
for p in "$HOSTILE" "$CRASHER" "$INJECT"; do
    [ -x "$p" ] || fatal "$p is not built"
done
# The descriptions name the hostile program relative to their own folder.
cp "$ROOT/tests/integration/hostile.system" "$WORK/"
# With a second CPU, the hostile gets one to itself (every other PD stays on
# the first): it then runs truly in parallel with virt_tx and its copier, as
# on a multicore seL4 system, which is what makes a queue "tail chase" bite.
LAST_CPU=$(($(nproc) - 1))
if [ "$LAST_CPU" -gt 0 ]; then
    sed -i "s/<protection_domain name=\"client1\" priority=\"97\"/& cpu=\"$LAST_CPU\"/" \
        "$WORK/hostile.system"
    grep -q "cpu=\"$LAST_CPU\"" "$WORK/hostile.system" || fatal "cannot pin client1 to CPU $LAST_CPU"
    echo "client1 (the hostile) pinned to CPU $LAST_CPU"
fi
sed 's/"pd_hostile_client"/"pd_hostile_crash"/' "$WORK/hostile.system" >"$WORK/hostile_crash.system"
ln -s "$HOSTILE" "$WORK/pd_hostile_client"
ln -s "$CRASHER" "$WORK/pd_hostile_crash"

check "sddf check accepts hostile.system" "$BUILD/sddf" check "$WORK/hostile.system"
check "sddf check accepts hostile_crash.system" "$BUILD/sddf" check "$WORK/hostile_crash.system"

LOGF=$WORK/sddf.log

# start_hostile NS SYSTEM: run SYSTEM with --stats in NS until client0 answers.
start_hostile() {
    ns_create "$1" || fatal "cannot create namespace $1"
    sddf_start "$1" "$LOGF" --stats "$2"
    wait_tap "$1" "$ECHO_TAP" 20 || fatal "TAP $ECHO_TAP not up within 20 s"
    wait_ping "$1" "$CLIENT0" 30 || fatal "client0 does not answer ping within 30 s"
    echo "ok: hostile system up in $1 (sddf pid $SDDF_PID)"
}

# phases_seen: the letters of the phases the hostile has started so far.
phases_seen() {
    sed -n 's/.*hostile: phase \([a-f]\) start.*/\1/p' "$LOGF" | tr -d '\n'
}

# inject_loop NS SECONDS: bursts of frames to client1's MAC, bounded in time,
# so its copier takes buffers from the hostile's rx free queue.
inject_loop() {
    local end=$((SECONDS + $2)) sizes
    sizes=$(printf '60 %.0s' {1..24})
    while [ $SECONDS -lt $end ] && proc_alive "$SDDF_PID"; do
        # shellcheck disable=SC2086
        ip netns exec "$1" "$INJECT" "$ECHO_TAP" "$CLIENT1_MAC" $sizes 1514 >/dev/null 2>&1
        sleep 0.05
    done
}

# echo_run NS N: one echo_check run against client0, asserted in full.
echo_run() {
    local out=$WORK/echo-$2.txt udp tcp seen
    seen=$(phases_seen)
    ip netns exec "$1" "$BUILD/echo_check" --udp 1000 --tcp-bytes 4194304 --phase-ms 20000 \
        "$CLIENT0" >"$out" 2>&1
    udp=$(grep '^udp ' "$out")
    tcp=$(grep '^tcp ' "$out")
    echo "run $2: udp retries=$(kv "$udp" retries) rtt_max_us=$(kv "$udp" rtt_max_us)" \
        "seconds=$(kv "$udp" seconds); tcp seconds=$(kv "$tcp" seconds)"
    if grep -q '^result ok' "$out" && [ "$(kv "$udp" received)" = 1000 ] &&
        [ "$(kv "$udp" mismatched)" = 0 ] && [ "$(kv "$tcp" received)" = 4194304 ] &&
        [ "$(kv "$tcp" match)" = yes ]; then
        check "client0 echo run $2 correct (phases started before: '${seen:--}', after: '$(phases_seen)')" true
    else
        check "client0 echo run $2 correct (phases '${seen:--}' .. '$(phases_seen)')" false
        cat "$out"
    fi
}

case_phases() {
    local ns=sddf-it-hostile-$$ runs=0 deadline inj
    start_hostile "$ns" "$WORK/hostile.system"
    inject_loop "$ns" "$TRAFFIC_S" &
    inj=$!
    deadline=$((SECONDS + TRAFFIC_S))
    while ! grep -q 'hostile: all phases done' "$LOGF" && [ $SECONDS -lt $deadline ] &&
        proc_alive "$SDDF_PID"; do
        runs=$((runs + 1))
        echo_run "$ns" "$runs"
    done
    check "the hostile finished all its phases within ${TRAFFIC_S} s" \
        grep -q 'hostile: all phases done' "$LOGF"
    check "client0 was driven during the phases (runs: $runs >= 3)" test "$runs" -ge 3
    runs=$((runs + 1))
    echo_run "$ns" "$runs (after the phases)"
    kill "$inj" 2>/dev/null
    wait "$inj" 2>/dev/null

    local p
    for p in a b c d e; do
        check "hostile phase $p ran to its end" grep -q "hostile: phase $p done" "$LOGF"
    done
    grep 'hostile: ' "$LOGF"

    sddf_stop TERM 15
    expect_eq "sddf run exit status after SIGTERM" "$SDDF_RC" 0
    expect_eq "PDs started" "$(pd_names "$LOGF" | wc -l)" 8
    expect_eq "stats lines (one per PD)" "$(grep -c '^sddf: stats ' "$LOGF")" 8
    expect_eq "fault lines" "$(grep -c 'faulted' "$LOGF")" 0
    grep '^sddf: stats ' "$LOGF"

    local v c
    for c in tx_bad tx_dup; do
        v=$(stat_value "$LOGF" net0_virt_tx "$c")
        check "virt_tx counted the hostile's drops: $c=${v:-missing} > 0" test "${v:-0}" -gt 0
    done
    v=$(stat_value "$LOGF" client1_copier bad_client_buf)
    check "client1_copier dropped bad rx free offsets: bad_client_buf=${v:-missing} > 0" \
        test "${v:-0}" -gt 0
    # Behind the hostile's two neighbours (virt_tx and its copier) nothing bad arrives.
    expect_eq "virt_tx: driver returned no bad buffer (tx_ret_bad)" \
        "$(stat_value "$LOGF" net0_virt_tx tx_ret_bad)" 0
    expect_eq "virt_tx: driver queue never full (driver_full)" \
        "$(stat_value "$LOGF" net0_virt_tx driver_full)" 0
    expect_eq "driver: no bad tx descriptor from virt_tx (tx_bad_desc)" \
        "$(stat_value "$LOGF" net0_driver tx_bad_desc)" 0
    for c in bad_desc double_free driver_full; do
        expect_eq "virt_rx: $c" "$(stat_value "$LOGF" net0_virt_rx "$c")" 0
    done
    for c in bad_client_buf bad_desc; do
        expect_eq "client0_copier: $c" "$(stat_value "$LOGF" client0_copier "$c")" 0
    done
    assert_torn_down "$ns"
}

case_crash() {
    local ns=sddf-it-hostile-crash-$$ line addr
    start_hostile "$ns" "$WORK/hostile_crash.system"
    check "client0 echoes while the crasher runs phase a" ip netns exec "$ns" \
        "$BUILD/echo_check" --udp 100 --tcp-bytes 0 "$CLIENT0"
    sddf_wait_exit 30
    grep -v '^sddf: stats ' "$LOGF"
    expect_eq "sddf run exit status after the crash" "$SDDF_RC" 1
    check "the crasher ran phase a" grep -q 'hostile: phase a done' "$LOGF"
    addr=$(sed -n 's/.*hostile: phase f: .* unmapped address \(0x[0-9a-f]*\).*/\1/p' "$LOGF")
    check "the crasher published half a batch and logged its target address" test -n "$addr"
    expect_eq "fault lines" "$(grep -c 'faulted' "$LOGF")" 1
    line=$(grep 'faulted' "$LOGF")
    echo "fault line: $line"
    check "the fault line names client1, SIGSEGV and the address" \
        grep -q "^sddf: PD 'client1' faulted: SIGSEGV (.*) at address 0x0*${addr#0x}\$" "$LOGF"
    check "no other PD is reported faulted" test "$(echo "$line" | grep -vc "'client1'")" = 0
    expect_eq "PDs started" "$(pd_names "$LOGF" | wc -l)" 8
    assert_torn_down "$ns"
}

case "$CASE" in
phases) case_phases ;;
crash) case_crash ;;
*) fatal "unknown case '$CASE' (phases or crash)" ;;
esac
test_done
