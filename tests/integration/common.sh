# shellcheck shell=bash
# tests/integration/common.sh - sourced first by every integration test.
#
# Usage in a test: . "$(dirname "$0")/common.sh" "$@"   (args: BUILD_DIR SOURCE_ROOT)
# Provides: BUILD, ROOT, WORK (a private temp dir), check/expect_eq
# assertions, and a cleanup trap (stops sddf, deletes the test's
# namespaces, removes WORK unless the test failed). A test ends with
# `test_done`, which prints the verdict and exits 0 or 1.
# Exit status 77 = skipped (meson's convention): only when not root.
set -uo pipefail

if [ $# -lt 2 ]; then
    echo "usage: $0 BUILD_DIR SOURCE_ROOT" >&2
    exit 2
fi
BUILD=$(cd "$1" && pwd)
ROOT=$(cd "$2" && pwd)
LOG_PREFIX=$(basename "$0" .sh)
cd "$ROOT" || exit 2 # descriptions name their programs relative to the tree
# shellcheck source=scripts/lib/netns.sh
. "$ROOT/scripts/lib/netns.sh"

if [ "$(id -u)" != 0 ]; then
    echo "SKIP: integration tests need root (network namespaces, TAP devices)"
    exit 77
fi

FAILS=0
CHECKS=0
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sddf-$LOG_PREFIX.XXXXXX")

test_cleanup() {
    ns_cleanup
    if [ "$FAILS" = 0 ]; then
        rm -rf "$WORK"
    else
        echo "logs kept in $WORK"
    fi
}
trap test_cleanup EXIT
trap 'echo "FAIL: interrupted"; FAILS=$((FAILS + 1)); exit 1' INT TERM

# check DESCRIPTION COMMAND...: one assertion; COMMAND's status decides.
check() {
    local what=$1
    shift
    CHECKS=$((CHECKS + 1))
    if "$@"; then
        echo "ok: $what"
    else
        echo "FAIL: $what"
        FAILS=$((FAILS + 1))
        return 1
    fi
}

# expect_eq DESCRIPTION ACTUAL EXPECTED
expect_eq() {
    CHECKS=$((CHECKS + 1))
    if [ "$2" = "$3" ]; then
        echo "ok: $1 ($2)"
    else
        echo "FAIL: $1: got '$2', expected '$3'"
        FAILS=$((FAILS + 1))
        return 1
    fi
}

# fatal MSG: an assertion that makes the rest of the test meaningless.
fatal() {
    echo "FAIL: $*"
    FAILS=$((FAILS + 1))
    show_log
    exit 1
}

# show_log: print the monitor log ($WORK/sddf.log) into the test log.
show_log() {
    local f=$WORK/sddf.log
    if [ -f "$f" ]; then
        echo "---- $f (last 60 lines)"
        tail -n 60 "$f"
        echo "----"
    fi
}

# require_programs NAME...: fail early, clearly, if a program is not built.
require_programs() {
    local p
    for p in "$@"; do
        [ -x "$BUILD/$p" ] || fatal "$BUILD/$p is not built"
    done
}

# start_echo_system NS [SDDF_RUN_ARGS...]: run the echo server example in NS
# and wait (bounded) until the TAP is up and both clients answer ping.
start_echo_system() {
    local ns=$1 ip
    shift
    require_programs sddf echo_check net_driver_tap net_virt_rx net_virt_tx net_copy \
        timer_driver_timerfd echo_server
    ns_create "$ns" || fatal "cannot create namespace $ns"
    sddf_start "$ns" "$WORK/sddf.log" "$@" "$ECHO_SYSTEM"
    wait_tap "$ns" "$ECHO_TAP" 20 || fatal "TAP $ECHO_TAP not up within 20 s"
    for ip in "${ECHO_CLIENTS[@]}"; do
        wait_ping "$ns" "$ip" 30 || fatal "client $ip does not answer ping within 30 s"
    done
    echo "ok: echo system up in $ns (sddf pid $SDDF_PID)"
}

# assert_torn_down NS: nothing of the system is left: no process in NS, no PD
# process the monitor reported, no TAP, only lo in the namespace.
assert_torn_down() {
    local ns=$1 pid left=""
    expect_eq "no process left in $ns" "$(ip netns pids "$ns" | tr '\n' ' ')" ""
    for pid in $(sed -n "s/^sddf: started PD '[^']*' (pid \([0-9]*\)).*/\1/p" "$WORK/sddf.log"); do
        proc_alive "$pid" && left="$left $pid"
    done
    expect_eq "no PD process left" "$left" ""
    expect_eq "interfaces left in $ns" "$(ip -n "$ns" -o link show | awk -F': ' '{print $2}' |
        tr '\n' ' ')" "lo "
}

# test_done: print the verdict and exit.
test_done() {
    if [ "$FAILS" = 0 ]; then
        echo "PASS: $CHECKS checks"
        exit 0
    fi
    show_log
    echo "FAILED: $FAILS of $CHECKS checks"
    exit 1
}
