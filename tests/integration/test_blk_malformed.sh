#!/bin/bash
# tests/integration/test_blk_malformed.sh - malformed partition tables.
#
# Each case breaks a real image (sgdisk GPT, or sfdisk MBR, or sgdisk with
# a misaligned partition) in one way. The virtualiser must say what is
# wrong in one clear line, the affected clients must see a device that is
# not there (a read answered BLK_RESP_ERR_NO_DEVICE), the others must work,
# nothing may crash, and SIGTERM must stop everything with exit 0.
# shellcheck source=tests/integration/common.sh
. "$(dirname "$0")/common.sh" "$@"
# shellcheck source=tests/integration/blk_common.sh
. "$ROOT/tests/integration/blk_common.sh"

ANY='(done|no device)'
# case | how to make it | expected virt line (regex) | clients left working
CASES=(
    "hdr_crc|gpt|partition table rejected: malformed GPT: primary header CRC32 mismatch|"
    "array_crc|gpt|partition table rejected: malformed GPT: primary entry array CRC32 mismatch|"
    "backup_disagrees|gpt|partition table rejected: malformed GPT: the backup entry array .* disagrees with the primary|"
    "count_max|gpt|partition table rejected: malformed GPT: primary header entry count 4294967295|"
    "entry_size|gpt|partition table rejected: malformed GPT: primary header entry size 256|"
    "past_end|gpt|client 'client1': partition 2 .* ends past the end of the disk; it sees no device|client0"
    "overlap|gpt|client 'client0': partition 1 .* overlaps partition 2; it sees no device|"
    "misaligned|sgdisk-a1|client 'client0': partition 1 \(sectors 2049\.\..*\) does not start on a 4 KiB boundary; it sees no device|client1"
    "mbr_boot|mbr|partition table rejected: malformed MBR: entry 2 has boot indicator 0x12|"
    "zero|gpt|partition table rejected: no partition table: block 0 has no MBR signature 0x55AA|"
)

for c in "${CASES[@]}"; do
    IFS='|' read -r name how want working <<<"$c"
    img=$WORK/$name.img
    log=$WORK/$name.log
    case "$how" in
    gpt | mbr)
        "$MAKE_IMAGE" "$img" "$how" >/dev/null || fatal "$name: cannot make the image"
        python3 "$BLK_IMAGE_PY" corrupt "$name" "$img" || fatal "$name: cannot corrupt the image"
        ;;
    sgdisk-a1)
        truncate -s 64M "$img"
        sgdisk -a 1 -n 1:2049:+24M -n 2:51208:+24M "$img" >/dev/null || fatal "$name: sgdisk"
        ;;
    esac
    blk_system "$WORK/$name.system" "$img" blk_client blk_client
    blk_start "$WORK/$name.system" "$log"
    wait_lines "$log" "^\[client[01]\] $ANY" 2 30 || fatal "$name: clients did not report in 30 s"
    sleep 0.2
    blk_stop "$log" "$name"
    check "$name: the virtualiser says what is wrong" grep -qE "^\[blk0_virt\] $want" "$log"
    expect_eq "$name: lines about the table" \
        "$(grep -cE '^\[blk0_virt\] partition table rejected' "$log")" \
        "$(case "$want" in "partition table rejected"*) echo 1 ;; *) echo 0 ;; esac)"
    for cl in client0 client1; do
        if [ "$cl" = "$working" ]; then
            check "$name: $cl works" grep -q "^\[$cl\] done ok" "$log"
        else
            check "$name: $cl sees no device" \
                grep -q "^\[$cl\] no device: a read of block 0 was answered 'no device'" "$log"
        fi
    done
    grep '^\[blk0_virt\]' "$log" | sed "s/^/    $name: /"
done
test_done
