#!/bin/bash
# scripts/install-deps.sh - install every Debian package sddf needs to build
# and test (Debian 12 "bookworm"). Run as root.
#
# Idempotent: if every package is already installed it does nothing (no
# network); otherwise it runs `apt-get update` once and installs the missing
# ones, non-interactively.
#
# Usage: scripts/install-deps.sh [--list]
#   --list   print the package list and exit (no root needed)
set -euo pipefail

# The one list of packages, with why each is needed.
PACKAGES=(
    build-essential # gcc, make, libc headers; gcc's ASan/UBSan/TSan runtimes
    meson           # build system
    ninja-build     # build backend
    pkg-config      # meson finds libxml2 and cmocka through it
    libxml2-dev     # the sddf tool parses system descriptions with libxml2
    libcmocka-dev   # unit tests
    dpkg-dev        # dpkg-source: scripts/fetch-lwip.sh unpacks Debian's lwIP source
    ca-certificates # apt over https mirrors (fetch-lwip.sh uses the machine's sources)
    clang           # sanitizer builds and libFuzzer-capable compiler
    llvm            # llvm-symbolizer: readable sanitizer reports
    iproute2        # ip netns / ip link: tests run inside their own network namespaces
    iputils-ping    # ping from Linux's stack to the echo server clients
    procps          # ps/pgrep: tests check that no PD process is left behind
    python3         # tests parse `sddf describe` output and meson's introspection
    liburing-dev    # the io_uring block driver (drivers/blk/io_uring)
    fdisk           # sfdisk: block tests build MBR disk images
    gdisk           # sgdisk: block tests build GPT disk images
    e2fsprogs       # mkfs.ext4: block tests format partitions
    dosfstools      # mkfs.vfat: block tests format partitions
    fio             # bench/blk compares sddf with fio (ioengine=io_uring)
    clang-format    # scripts/lint.sh: formatting check (.clang-format)
    cppcheck        # scripts/lint.sh: static analysis
    clang-tidy      # scripts/lint.sh --tidy: static analysis (.clang-tidy)
)

if [ "${1:-}" = --list ]; then
    printf '%s\n' "${PACKAGES[@]}"
    exit 0
fi
if [ $# -gt 0 ]; then
    echo "usage: $0 [--list]" >&2
    exit 2
fi

if [ "$(id -u)" != 0 ]; then
    echo "install-deps: error: must run as root (it installs Debian packages with apt-get)" >&2
    exit 1
fi
command -v apt-get >/dev/null 2>&1 || {
    echo "install-deps: error: apt-get not found: this script is for Debian 12" >&2
    exit 1
}

missing=()
for p in "${PACKAGES[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#PACKAGES[@]} packages already installed"
    exit 0
fi

export DEBIAN_FRONTEND=noninteractive
echo "install-deps: installing: ${missing[*]}"
apt-get update -q
apt-get install -q -y --no-install-recommends "${missing[@]}"
echo "install-deps: done"
