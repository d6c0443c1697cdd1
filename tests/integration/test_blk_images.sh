#!/bin/bash
# tests/integration/test_blk_images.sh - the block example on real images.
#
# For a GPT image (sgdisk) and an MBR image (sfdisk), each with an ext4 and a
# vfat partition (mkfs.ext4, mkfs.vfat): run the two example clients; each
# reads its partition's first block and finds the right file-system magic,
# writes a pattern, reads it back behind a barrier and flushes. Then, with
# the host's own tools (sfdisk for the layout, blkid for the file systems)
# and checksums: the written blocks hold exactly the pattern, in the right
# partition, and every other byte of the image is unchanged.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"
# shellcheck source=tests/integration/blk_common.sh
. "$ROOT/tests/integration/blk_common.sh"

for scheme in gpt mbr; do
    img=$WORK/$scheme.img
    log=$WORK/$scheme.log
    "$MAKE_IMAGE" "$img" "$scheme" >/dev/null || fatal "cannot make the $scheme image"
    cp "$img" "$WORK/$scheme.orig"
    blk_system "$WORK/$scheme.system" "$img" blk_client blk_client
    check "$scheme: sddf check" "$BUILD/sddf" check "$WORK/$scheme.system"
    blk_start "$WORK/$scheme.system" "$log"
    wait_lines "$log" '^\[client[01]\] done' 2 30 || fatal "$scheme: clients did not finish in 30 s"
    blk_stop "$log" "$scheme"
    check "$scheme: driver said how it does I/O" grep -q '^\[blk0_driver\] disk: 16384 blocks.*O_DIRECT' "$log"
    check "$scheme: client0 found ext4's magic" \
        grep -q '^\[client0\] .*block 0: file system ext4 (magic 0xEF53)' "$log"
    check "$scheme: client1 found a FAT boot sector" \
        grep -q '^\[client1\] .*block 0: file system vfat' "$log"
    expect_eq "$scheme: clients done ok" "$(grep -c '^\[client[01]\] done ok' "$log")" 2
    check "$scheme: both read back what they wrote" \
        test "$(grep -c 'behind a barrier: match; flushed' "$log")" = 2
    start1=$(sfdisk -J "$img" | python3 -c 'import json,sys; print(json.load(sys.stdin)["partitiontable"]["partitions"][0]["start"])')
    expect_eq "$scheme: blkid still sees ext4 in partition 1" \
        "$(blkid -p -O $((start1 * 512)) -s TYPE -o value "$img")" ext4
    check "$scheme: image holds exactly the written bytes (host tools, sha256)" \
        python3 "$BLK_IMAGE_PY" verify "$WORK/$scheme.orig" "$img" "$log"
    echo "---- $scheme: $(stats_line "$log" blk0_virt)"
done
test_done
