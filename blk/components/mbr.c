/*
 * blk/components/mbr.c - the Master Boot Record: 4 primary entries of 16
 * bytes at byte 446 and the signature 0x55 0xAA at 510 (UEFI spec 2.10
 * §5.2.1). A protective MBR (an entry of type 0xEE) hands over to GPT.
 *
 * Every value comes from the disk and is checked before use: the boot
 * indicator must be 0x00 or 0x80 (anything else is not an MBR, e.g. a
 * file-system boot sector that happens to end in 0x55AA), and ranges are
 * compared with the disk size in 64-bit arithmetic (32-bit LBA + 32-bit
 * count cannot wrap there).
 */
#include <string.h>

#include "partition.h"

#define MBR_ENTRIES_OFF         446u
#define MBR_ENTRY_SIZE          16u
#define MBR_NUM_ENTRIES         4u
#define MBR_TYPE_GPT_PROTECTIVE 0xEEu

static bool is_extended(uint8_t type)
{
    return type == 0x05 || type == 0x0F || type == 0x85; /* DOS, Windows LBA, Linux extended */
}

int blk_mbr_parse(blk_part_disc_t *d, const uint8_t *sector)
{
    if (sector[510] != 0x55 || sector[511] != 0xAA) {
        blk_part_fail(d, "no partition table: block 0 has no MBR signature 0x55AA");
        return -1;
    }
    const uint8_t *e = sector + MBR_ENTRIES_OFF;
    for (uint32_t i = 0; i < MBR_NUM_ENTRIES; i++) {
        uint8_t boot = e[(size_t)i * MBR_ENTRY_SIZE];
        if (boot != 0x00 && boot != 0x80) {
            blk_part_fail(d,
                          "malformed MBR: entry %u has boot indicator 0x%02x (want 0x00 or 0x80)",
                          i + 1, boot);
            return -1;
        }
    }
    for (uint32_t i = 0; i < MBR_NUM_ENTRIES; i++)
        if (e[(size_t)i * MBR_ENTRY_SIZE + 4] == MBR_TYPE_GPT_PROTECTIVE)
            return 1;

    blk_part_table_t *t = &d->table;
    memset(t, 0, sizeof(*t));
    t->scheme = BLK_PART_MBR;
    t->num_entries = MBR_NUM_ENTRIES;
    for (uint32_t i = 0; i < MBR_NUM_ENTRIES; i++) {
        const uint8_t *p = e + (size_t)i * MBR_ENTRY_SIZE;
        uint8_t type = p[4];
        uint64_t first = blk_le32(p + 8);
        uint64_t n = blk_le32(p + 12);
        blk_part_entry_t *x = &t->entries[i];
        if (type == 0)
            continue; /* an unused slot (type 0 means empty whatever the range says) */
        x->first_sector = first;
        x->last_sector = n ? first + n - 1 : first;
        if (n == 0) {
            x->state = BLK_PART_ENTRY_BAD;
            x->bad = BLK_PART_BAD_TOO_SMALL;
        } else if (is_extended(type)) {
            x->state = BLK_PART_ENTRY_BAD;
            x->bad = BLK_PART_BAD_EXTENDED;
        } else if (first + n > d->disk_sectors) {
            x->state = BLK_PART_ENTRY_BAD;
            x->bad = BLK_PART_BAD_PAST_END;
        } else {
            blk_part_set_entry(d, i, first, first + n - 1);
        }
    }
    blk_part_check_overlaps(t);
    return 0;
}
