#!/bin/bash
# tests/unit/test_sddf_cli.sh - the `sddf` command line names what is wrong:
# an unknown option, a missing value or FILE, a directory given as FILE.
# Usage: test_sddf_cli.sh SDDF_BINARY
set -u
SDDF=$1
FAILS=0
OUT=$(mktemp "${TMPDIR:-/tmp}/sddf-cli.XXXXXX")
trap 'rm -f "$OUT"' EXIT

# expect STATUS TEXT ARGS...: sddf ARGS exits with STATUS and its first
# output line is TEXT (the usage that may follow is not checked).
expect() {
    local status=$1 text=$2 got
    shift 2
    "$SDDF" "$@" >"$OUT" 2>&1
    got=$?
    if [ "$got" != "$status" ] || [ "$(head -n 1 "$OUT")" != "$text" ]; then
        echo "FAIL: sddf $*: status $got (want $status), first line:"
        head -n 1 "$OUT"
        echo "  want: $text"
        FAILS=$((FAILS + 1))
    else
        echo "ok: sddf $*"
    fi
}

expect 2 "sddf: unknown option '--bogus' for run" run --bogus FILE
expect 2 "sddf: option '--timeout' needs a value (milliseconds)" run FILE --timeout
expect 2 "sddf: run needs a FILE" run --quiet
expect 2 "sddf: one FILE only ('a' and 'b')" run a b
expect 2 "sddf: unknown option '--bogus' for check" check --bogus
expect 2 "sddf: describe needs exactly one FILE" describe
expect 2 "sddf: unknown command 'frobnicate'" frobnicate x
expect 1 "/tmp: is a directory (a system description is a file)" check /tmp
expect 2 "/tmp: is a directory (a system description is a file)" run /tmp
[ "$FAILS" = 0 ] && echo "PASS" || echo "FAILED: $FAILS"
exit $((FAILS != 0))
