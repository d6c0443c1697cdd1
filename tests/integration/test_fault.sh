#!/bin/bash
# tests/integration/test_fault.sh - a PD that stores to a read-only map dies
# and the monitor names it.
#
# ro_write.system (this directory): "owner" maps a page rw and holds a TAP,
# "writer" maps the same page r, reads the owner's value through it, then
# stores to it. Expected: exactly one monitor line naming 'writer', SIGSEGV
# and the faulting address; `sddf run` exits 1; no process and no TAP left.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"

PROG=$BUILD/tests/integration/pd_ro_write
require_programs sddf
[ -x "$PROG" ] || fatal "$PROG is not built"
# The description names its program relative to its own folder.
cp "$ROOT/tests/integration/ro_write.system" "$WORK/"
ln -s "$PROG" "$WORK/pd_ro_write"

check "sddf check accepts ro_write.system" "$BUILD/sddf" check "$WORK/ro_write.system"

NS=sddf-it-fault-$$
ns_create "$NS" || fatal "cannot create namespace $NS"
sddf_start "$NS" "$WORK/sddf.log" "$WORK/ro_write.system"
sddf_wait_exit 20
cat "$WORK/sddf.log"
expect_eq "sddf run exit status" "$SDDF_RC" 1
expect_eq "fault lines" "$(grep -c 'faulted' "$WORK/sddf.log")" 1
line=$(grep 'faulted' "$WORK/sddf.log")
check "fault line names PD 'writer', SIGSEGV and address 0x30000008" \
    grep -q "^sddf: PD 'writer' faulted: SIGSEGV (.*) at address 0x0*30000008" "$WORK/sddf.log"
check "the writer read the owner's value through its read-only map" \
    grep -q 'read the magic through the read-only map' "$WORK/sddf.log"
check "no other PD is reported faulted" test "$(echo "$line" | grep -vc "'writer'")" = 0
expect_eq "PDs started" "$(pd_names "$WORK/sddf.log" | tr '\n' ' ')" "owner writer "
assert_torn_down "$NS"
test_done
