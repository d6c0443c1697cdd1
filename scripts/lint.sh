#!/bin/bash
# scripts/lint.sh - static checks of sddf's own C code (git-tracked files
# only: lwIP under .deps/ is not ours and is never checked or reported).
#
#   clang-format  every tracked .c/.h matches .clang-format (--dry-run -Werror)
#   cppcheck      every tracked .c: warning, performance and portability
#                 checks; scripts/lint/cppcheck.cfg describes sddf's API.
#                 A false positive is silenced on its line with
#                 // cppcheck-suppress ID and a reason
#   clang-tidy    (--tidy, --tidy-only) every tracked .c outside tests/ with
#                 the checks of .clang-tidy, compiled as
#                 BUILD_DIR/compile_commands.json says. A false positive is
#                 silenced on its line with NOLINT(check-name) and a reason
#
# clang-format and cppcheck take seconds; clang-tidy about a minute on 2 cores.
# Every finding is printed; exit status 1 if there is any, 2 on a usage
# error, a missing tool or build directory.
#
# Usage: scripts/lint.sh [--tidy BUILD_DIR | --tidy-only BUILD_DIR]
#   --tidy BUILD_DIR       also run clang-tidy
#   --tidy-only BUILD_DIR  run only clang-tidy (scripts/run-tests.sh runs the
#                          fast checks before building and this one after)
#   BUILD_DIR              a configured meson build directory, e.g. build
#                          (a relative path is taken from the repo root)
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

usage() {
    echo "usage: $0 [--tidy BUILD_DIR | --tidy-only BUILD_DIR]" >&2
    exit 2
}
say() {
    echo "lint: $*"
}
die() {
    echo "lint: error: $*" >&2
    exit 2
}

FAST=1
TIDY_DIR=
if [ $# = 2 ] && [ "$1" = --tidy ]; then
    TIDY_DIR=$2
elif [ $# = 2 ] && [ "$1" = --tidy-only ]; then
    TIDY_DIR=$2
    FAST=0
elif [ $# != 0 ]; then
    usage
fi

TOOLS=(git)
[ $FAST = 0 ] || TOOLS+=(clang-format cppcheck)
[ -z "$TIDY_DIR" ] || TOOLS+=(clang-tidy python3)
for t in "${TOOLS[@]}"; do
    command -v "$t" >/dev/null 2>&1 || die "$t not found (scripts/install-deps.sh installs it)"
done
if [ -n "$TIDY_DIR" ]; then
    TIDY_DIR=$(cd "$TIDY_DIR" 2>/dev/null && pwd) || die "no build directory $2"
    [ -f "$TIDY_DIR/compile_commands.json" ] ||
        die "$TIDY_DIR/compile_commands.json not found: configure it first (scripts/build.sh)"
fi

mapfile -d '' SOURCES < <(git ls-files -z -- '*.c' '*.h')
mapfile -d '' C_FILES < <(git ls-files -z -- '*.c')
# tests/ is not tidied: its fixtures do their size arithmetic in unsigned int
# (about a hundred implicit-widening findings).
mapfile -d '' TIDY_FILES < <(git ls-files -z -- '*.c' ':!:tests/*')
[ ${#C_FILES[@]} -gt 0 ] || die "no tracked .c files (not a git checkout?)"

OUT=$(mktemp -d "${TMPDIR:-/tmp}/sddf-lint.XXXXXX")
trap 'rm -rf "$OUT"' EXIT
FINDINGS=0

# found TOOL N: count N findings of TOOL (at least one: the tool failed).
found() {
    FINDINGS=$((FINDINGS + ($2 > 0 ? $2 : 1)))
    say "$1: FAILED: $2 findings"
}

# clang-format prints one "code should be clang-formatted" error per bad line.
check_format() {
    say "clang-format: ${#SOURCES[@]} files"
    if printf '%s\0' "${SOURCES[@]}" |
        xargs -0 clang-format --dry-run -Werror >"$OUT/format" 2>&1; then
        say "clang-format: OK"
        return
    fi
    cat "$OUT/format"
    found clang-format "$(grep -c 'clang-format-violations' "$OUT/format" || true)"
    say "clang-format: fix with clang-format -i FILE"
}

# cppcheck checks only the -D_GNU_SOURCE configuration (what meson builds).
check_cppcheck() {
    say "cppcheck: ${#C_FILES[@]} files"
    if cppcheck --enable=warning,performance,portability --std=c11 -D_GNU_SOURCE -Iinclude \
        --library=scripts/lint/cppcheck.cfg --suppress=missingIncludeSystem --inline-suppr \
        --error-exitcode=1 --quiet -j "$(nproc)" \
        --template='{file}:{line}:{column}: {severity}: {message} [{id}]\n{code}' \
        "${C_FILES[@]}" >"$OUT/cppcheck" 2>&1; then
        say "cppcheck: OK"
        return
    fi
    cat "$OUT/cppcheck"
    found cppcheck "$(grep -cE '^[^ ]+:[0-9]+:[0-9]+: [a-z]+: ' "$OUT/cppcheck" || true)"
}

# clang-tidy: one process per file, on every core. Only the diagnostics of
# our own files are kept: those under .deps/ (lwIP; .clang-tidy's
# HeaderFilterRegex already leaves its headers out) are dropped, and so are
# the repeats from a header included by many files or a file compiled twice.
check_tidy() {
    say "clang-tidy: ${#TIDY_FILES[@]} files, compiled as in $TIDY_DIR"
    local rc=0 n
    printf '%s\0' "${TIDY_FILES[@]}" |
        xargs -0 -n 1 -P "$(nproc)" clang-tidy -p "$TIDY_DIR" --quiet \
            >"$OUT/tidy" 2>"$OUT/tidy.err" || rc=$?
    n=$(python3 - "$ROOT" "$OUT/tidy" "$OUT/tidy.ours" <<'EOF'
import os, re, sys
root, src, dst = sys.argv[1:4]
head = re.compile(r"^(/?[^ :]+):(\d+):(\d+): (warning|error|note): ")
blocks, seen, cur = [], set(), None
with open(src, errors="replace") as f:
    for line in f:
        m = head.match(line)
        if m and m.group(4) != "note":
            path = os.path.relpath(os.path.normpath(m.group(1)), root)
            ours = not (path.startswith("..") or path.startswith(".deps" + os.sep))
            line = path + line[len(m.group(1)):]
            cur = [line] if ours and line not in seen else None
            if cur is not None:
                seen.add(line)
                blocks.append(cur)
        elif cur is not None:
            cur.append(line)
with open(dst, "w") as f:
    for b in blocks:
        f.write("".join(b))
print(len(blocks))
EOF
    )
    cat "$OUT/tidy.ours"
    if [ "$rc" != 0 ]; then
        # clang-tidy itself failed (a compile error, a file it could not
        # process): show what it said, less its per-file chatter.
        grep -vE '^[0-9]+ warnings? (and [0-9]+ errors? )?generated\.$' "$OUT/tidy.err" || true
        say "clang-tidy: exited with status $rc"
        found clang-tidy "$n"
    elif [ "$n" != 0 ]; then
        found clang-tidy "$n"
    else
        say "clang-tidy: OK"
    fi
}

if [ $FAST = 1 ]; then
    check_format
    check_cppcheck
fi
[ -z "$TIDY_DIR" ] || check_tidy

if [ $FINDINGS -gt 0 ]; then
    say "FAILED: $FINDINGS findings"
    exit 1
fi
say "clean"
