#!/bin/bash
# scripts/run-tests.sh - lint sddf, build it three ways and run every test suite.
#
#   lint         clang-format and cppcheck (scripts/lint.sh) before building;
#                clang-tidy with build/'s compile_commands.json after it.
#                Each counts as one test
#   build/       normal build (debugoptimized, -Werror): every suite
#   build-asan/  -Db_sanitize=address,undefined: every suite, any sanitizer
#                report fails the test (halt_on_error=1; leaks too where
#                LeakSanitizer works on this machine)
#   build-tsan/  -Db_sanitize=thread: only the 'stress' suite's programs
#
# Installs the Debian packages (scripts/install-deps.sh) and lwIP first.
# The integration suite needs root: it creates its own network namespaces
# (addresses from 198.18.0.0/15 only; nothing touches the root namespace).
# Prints the log of every failing test, and ends with one line
# "N passed, N failed". Exit status 0 only if nothing failed.
#
# Usage (as root): scripts/run-tests.sh [--no-deps]
set -uo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT" || exit 2

DEPS=1
case "${1:-}" in
'') ;;
--no-deps) DEPS=0 ;;
*) echo "usage: $0 [--no-deps]" >&2 && exit 2 ;;
esac

START=$SECONDS
PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()

say() {
    echo "==== run-tests: $*"
}

# fail_step NAME: count a step that could not run (a build failure) as a failure.
fail_step() {
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("$1")
    say "FAILED: $1"
}

# count_results BUILD_DIR: add the results of the last `meson test` in BUILD_DIR.
count_results() {
    local out
    out=$(python3 - "$1/meson-logs/testlog.json" <<'EOF'
import json, sys
ok = bad = skip = 0
names = []
try:
    with open(sys.argv[1]) as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            t = json.loads(line)
            r = t.get("result", "")
            if r in ("OK", "EXPECTEDFAIL"):
                ok += 1
            elif r == "SKIP":
                skip += 1
            else:
                bad += 1
                names.append(t.get("name", "?"))
except OSError:
    pass
print(ok, bad, skip, " ".join(n.replace(" ", "_") for n in names))
EOF
    )
    local ok bad skip names
    read -r ok bad skip names <<<"$out"
    PASSED=$((PASSED + ok))
    FAILED=$((FAILED + bad))
    SKIPPED=$((SKIPPED + skip))
    local n
    for n in $names; do
        FAILED_NAMES+=("$(basename "$1"):$n")
    done
}

# run_suites BUILD_DIR TIMEOUT_MULTIPLIER [meson test args...]
run_suites() {
    local dir=$1 mult=$2
    shift 2
    say "meson test -C $dir $*"
    rm -f "$dir/meson-logs/testlog.json"
    meson test -C "$dir" --no-rebuild --print-errorlogs -t "$mult" "$@"
    count_results "$dir"
}

if [ "$(id -u)" != 0 ]; then
    say "note: not root: the integration tests will be skipped"
fi

if [ $DEPS = 1 ]; then
    "$ROOT/scripts/install-deps.sh" || {
        echo "run-tests: installing the Debian packages failed" >&2
        echo "0 passed, 1 failed"
        exit 1
    }
fi

# Sanitizer settings: any report is a failure.
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=0:print_stacktrace=1
export TSAN_OPTIONS=halt_on_error=1:second_deadlock_stack=1
LSAN=1
PROBE=$(mktemp -d "${TMPDIR:-/tmp}/sddf-lsan.XXXXXX")
printf '#include <stdlib.h>\nint main(void) { void *volatile p = malloc(64); p = 0; return p != 0; }\n' \
    >"$PROBE/p.c"
if cc -fsanitize=address "$PROBE/p.c" -o "$PROBE/p" 2>/dev/null; then
    ASAN_OPTIONS=detect_leaks=1 "$PROBE/p" >/dev/null 2>&1 && LSAN=0 # no report: LSan cannot work here
fi
rm -rf "$PROBE"
export ASAN_OPTIONS=halt_on_error=1:abort_on_error=0:detect_leaks=$LSAN:detect_stack_use_after_return=1
[ $LSAN = 1 ] || say "note: LeakSanitizer does not work on this machine; leak checks are off"

# pass_step NAME: count a step that is not a meson test (a lint) as a pass.
pass_step() {
    PASSED=$((PASSED + 1))
    say "passed: $1"
}

# 0. clang-format and cppcheck: seconds, and no build needed.
say "scripts/lint.sh"
if "$ROOT/scripts/lint.sh"; then
    pass_step "lint (clang-format, cppcheck)"
else
    fail_step "lint (clang-format, cppcheck)"
fi

# 1. Normal build, every suite, then clang-tidy as compiled there (about a
# minute on 2 cores).
if "$ROOT/scripts/build.sh" build; then
    run_suites build 1
    say "scripts/lint.sh --tidy-only build"
    if "$ROOT/scripts/lint.sh" --tidy-only build; then
        pass_step "lint (clang-tidy)"
    else
        fail_step "lint (clang-tidy)"
    fi
else
    fail_step "build/ (normal build)"
fi

# 2. ASan + UBSan build, every suite (slower: double the timeouts).
if "$ROOT/scripts/build.sh" build-asan -Db_sanitize=address,undefined -Db_lundef=false; then
    run_suites build-asan 3
else
    fail_step "build-asan/ (ASan+UBSan build)"
fi

# 3. TSan build of the stress suite's programs only.
if "$ROOT/scripts/build.sh" --setup-only build-tsan -Db_sanitize=thread; then
    TSAN_TARGETS=()
    LISTED=1
    if LIST=$(python3 "$ROOT/scripts/lib/suite_targets.py" build-tsan stress); then
        [ -z "$LIST" ] || mapfile -t TSAN_TARGETS <<<"$LIST"
    else
        LISTED=0
    fi
    if [ $LISTED = 0 ]; then
        fail_step "build-tsan/ (listing the stress suite's programs)"
    elif [ ${#TSAN_TARGETS[@]} = 0 ]; then
        say "note: no 'stress' suite tests are registered: nothing to run under TSan"
    elif ninja -C build-tsan "${TSAN_TARGETS[@]}"; then
        run_suites build-tsan 3 --suite stress
    else
        fail_step "build-tsan/ (TSan build of ${TSAN_TARGETS[*]})"
    fi
else
    fail_step "build-tsan/ (TSan configure)"
fi

ELAPSED=$((SECONDS - START))
echo
say "finished in $((ELAPSED / 60)) min $((ELAPSED % 60)) s; skipped: $SKIPPED"
if [ $FAILED -gt 0 ]; then
    say "failed: ${FAILED_NAMES[*]}"
fi
echo "$PASSED passed, $FAILED failed"
[ $FAILED = 0 ]
