#!/bin/bash
# examples/blk/make-image.sh IMAGE [mbr|gpt] - make the block example's disk
# image: 64 MiB, two partitions (1: 24 MiB ext4 from 1 MiB, 2: 24 MiB vfat
# after it), partitioned with sfdisk (mbr) or sgdisk (gpt, the default).
# Each file system is made in a separate file and copied into place, so no
# loop device or privilege is needed.
#
# Safe to rerun: the arguments and tools are checked first, the image is
# built in a temporary file next to IMAGE and renamed over it only when
# complete, so a failure never destroys an existing image. IMAGE must be a
# regular file (or not exist yet): never point it at a real disk.
set -euo pipefail
usage() {
    echo "usage: $0 IMAGE [mbr|gpt]" >&2
    exit 2
}
[ $# -ge 1 ] && [ $# -le 2 ] && [ -n "$1" ] || usage
img=$1
scheme=${2:-gpt}
case "$scheme" in
gpt) part_tool=sgdisk ;;
mbr) part_tool=sfdisk ;;
*)
    echo "$0: scheme must be mbr or gpt, not '$scheme'" >&2
    exit 2
    ;;
esac
if [ -e "$img" ] && [ ! -f "$img" ]; then
    echo "$0: '$img' exists and is not a regular file (a disk?): not touched" >&2
    exit 2
fi
dir=$(dirname -- "$img")
[ -d "$dir" ] && [ -w "$dir" ] || {
    echo "$0: cannot write in '$dir'" >&2
    exit 2
}
for t in "$part_tool" mkfs.ext4 mkfs.vfat truncate dd; do
    command -v "$t" >/dev/null || {
        echo "$0: $t is not installed (scripts/install-deps.sh)" >&2
        exit 2
    }
done

tmp=$(mktemp -d)
new=$(mktemp -- "$img.XXXXXX")
trap 'rm -rf "$tmp"; rm -f -- "$new"' EXIT
truncate -s 64M "$new"
case "$scheme" in
gpt) sgdisk -n 1:2048:+24M -t 1:8300 -n 2:0:+24M -t 2:0700 "$new" >/dev/null ;;
mbr) printf 'label: dos\nstart=2048, size=24MiB, type=83\nsize=24MiB, type=c\n' |
         sfdisk -q "$new" >/dev/null ;;
esac
truncate -s 24M "$tmp/p1" "$tmp/p2"
mkfs.ext4 -q -F "$tmp/p1"
mkfs.vfat "$tmp/p2" >/dev/null
# Partition 2 starts right after partition 1: 1 MiB + 24 MiB.
dd if="$tmp/p1" of="$new" bs=1M seek=1 conv=notrunc status=none
dd if="$tmp/p2" of="$new" bs=1M seek=25 conv=notrunc status=none
chmod 0644 "$new"
mv -f -- "$new" "$img"
echo "$img: 64 MiB, $scheme, partition 1 ext4 (24 MiB at 1 MiB), partition 2 vfat (24 MiB at 25 MiB)"
