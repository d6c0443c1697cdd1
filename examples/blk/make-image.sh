#!/bin/bash
# examples/blk/make-image.sh IMAGE [mbr|gpt] - make the block example's disk
# image: 64 MiB, two partitions (1: 24 MiB ext4 from 1 MiB, 2: 24 MiB vfat
# after it), partitioned with sfdisk (mbr) or sgdisk (gpt, the default).
# Each file system is made in a separate file and copied into place, so no
# loop device or privilege is needed.
set -euo pipefail
img=${1:?usage: $0 IMAGE [mbr|gpt]}
scheme=${2:-gpt}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
rm -f "$img"
truncate -s 64M "$img"
case "$scheme" in
gpt) sgdisk -n 1:2048:+24M -t 1:8300 -n 2:0:+24M -t 2:0700 "$img" >/dev/null ;;
mbr) printf 'label: dos\nstart=2048, size=24MiB, type=83\nsize=24MiB, type=c\n' |
         sfdisk -q "$img" >/dev/null ;;
*) echo "$0: scheme must be mbr or gpt" >&2; exit 2 ;;
esac
truncate -s 24M "$tmp/p1" "$tmp/p2"
mkfs.ext4 -q -F "$tmp/p1"
mkfs.vfat "$tmp/p2" >/dev/null
# Partition 2 starts right after partition 1: 1 MiB + 24 MiB.
dd if="$tmp/p1" of="$img" bs=1M seek=1 conv=notrunc status=none
dd if="$tmp/p2" of="$img" bs=1M seek=25 conv=notrunc status=none
echo "$img: 64 MiB, $scheme, partition 1 ext4 (24 MiB at 1 MiB), partition 2 vfat (24 MiB at 25 MiB)"
