#!/bin/bash
# scripts/build.sh - configure (or reconfigure) and build sddf with Meson+Ninja.
#
# Usage: scripts/build.sh [--setup-only] [BUILD_DIR [MESON_OPTION...]] [-- NINJA_TARGET...]
#   --setup-only   configure only, do not run ninja
#   BUILD_DIR      default: build (relative paths are taken from the repo root)
#   MESON_OPTION   passed to `meson setup`, e.g. -Db_sanitize=address,undefined
#   NINJA_TARGET   build only these targets (default: everything)
#
# Fetches lwIP into .deps/lwip first (scripts/fetch-lwip.sh) if it is missing.
# A build directory that already exists is reconfigured with the given
# options, so running this again after a change is always safe.
# Every program lands at the top of BUILD_DIR: BUILD_DIR/sddf, BUILD_DIR/echo_server, ...
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

SETUP_ONLY=0
if [ "${1:-}" = --setup-only ]; then
    SETUP_ONLY=1
    shift
fi
BUILD=build
if [ $# -gt 0 ] && [ "$1" != -- ]; then
    BUILD=$1
    shift
fi
OPTS=()
while [ $# -gt 0 ] && [ "$1" != -- ]; do
    OPTS+=("$1")
    shift
done
TARGETS=()
if [ $# -gt 0 ]; then
    shift # the --
    TARGETS=("$@")
fi

if ! [ -f .deps/lwip/src/include/lwip/init.h ]; then
    echo "build: lwIP is missing, fetching it"
    "$ROOT/scripts/fetch-lwip.sh"
fi

LOG=$(mktemp "${TMPDIR:-/tmp}/sddf-meson.XXXXXX")
trap 'rm -f "$LOG"' EXIT
if [ -f "$BUILD/meson-private/coredata.dat" ]; then
    echo "build: reconfiguring $BUILD ${OPTS[*]:-}"
    meson setup --reconfigure "$BUILD" "${OPTS[@]}" >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        echo "build: error: meson setup --reconfigure $BUILD failed" >&2
        exit 1
    }
else
    echo "build: configuring $BUILD ${OPTS[*]:-}"
    mkdir -p "$(dirname "$BUILD")"
    meson setup "$BUILD" "${OPTS[@]}" >"$LOG" 2>&1 || {
        cat "$LOG" >&2
        echo "build: error: meson setup $BUILD failed" >&2
        exit 1
    }
fi
if [ $SETUP_ONLY = 1 ]; then
    exit 0
fi
echo "build: ninja -C $BUILD ${TARGETS[*]:-}"
ninja -C "$BUILD" "${TARGETS[@]}"
