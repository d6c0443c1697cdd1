/*
 * blk/components/partition.c - the discovery state machine (see
 * partition.h) and the checks every scheme shares: entry alignment and size,
 * overlaps, messages.
 *
 * Steps: block 0 (MBR); if it is a protective MBR: the primary GPT header
 * (LBA 1), the primary entry array, the backup header (at the primary's
 * alternate LBA), the backup entry array. Header reads land at scratch
 * offset 0, array reads at 4096.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "partition.h"

/* Largest disk accepted: 2^40 blocks (4 PiB) keeps every sector product far from 2^64. */
#define BLK_PART_MAX_DISK_BLOCKS (1ull << 40)
#define SLOT_HEADER              0u
#define SLOT_ARRAY               4096u

enum { S_MBR, S_PRI_HDR, S_PRI_ARR, S_BAK_HDR, S_BAK_ARR, S_END };

int blk_part_fail(blk_part_disc_t *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->msg, sizeof(d->msg), fmt, ap);
    va_end(ap);
    d->state = S_END;
    d->table.scheme = BLK_PART_NONE;
    d->table.num_entries = 0;
    return BLK_PART_FAILED;
}

/* Ask for @bytes bytes from byte @off of the disk into scratch slot @slot. */
static int want(blk_part_disc_t *d, int next, uint64_t off, uint32_t bytes, uint32_t slot)
{
    uint64_t first = off / 4096, last = (off + bytes - 1) / 4096;
    d->state = next;
    d->read_block = first;
    d->read_count = (uint16_t)(last - first + 1);
    d->read_off = slot;
    d->data_off = slot + (uint32_t)(off % 4096);
    return BLK_PART_READ;
}

static uint32_t array_bytes(const blk_gpt_header_t *h)
{
    return h->num_entries * BLK_PART_GPT_ENTRY_SIZE; /* both checked: <= 32 KiB */
}

int blk_part_start_sectors(blk_part_disc_t *d, uint64_t disk_sectors, uint32_t sector_size)
{
    memset(d, 0, sizeof(*d));
    d->sector_size = sector_size;
    if (sector_size < 512 || sector_size > 4096 || (sector_size & (sector_size - 1)) != 0)
        return blk_part_fail(d, "unsupported sector size %u (want 512..4096, a power of two)",
                             sector_size);
    uint64_t per_block = 4096 / sector_size;
    if (disk_sectors < per_block || disk_sectors / per_block > BLK_PART_MAX_DISK_BLOCKS)
        return blk_part_fail(d, "unsupported disk size of %llu %u-byte sectors",
                             (unsigned long long)disk_sectors, sector_size);
    d->disk_sectors = disk_sectors;
    return want(d, S_MBR, 0, 512, SLOT_HEADER);
}

int blk_part_start(blk_part_disc_t *d, uint64_t disk_blocks, uint32_t sector_size)
{
    if (sector_size < 512 || sector_size > 4096 || (sector_size & (sector_size - 1)) != 0 ||
        disk_blocks > BLK_PART_MAX_DISK_BLOCKS)
        return blk_part_start_sectors(d, disk_blocks == 0 ? 0 : UINT64_MAX, sector_size);
    return blk_part_start_sectors(d, disk_blocks * (4096 / sector_size), sector_size);
}

int blk_part_read_failed(blk_part_disc_t *d, unsigned status)
{
    return blk_part_fail(d,
                         "the device failed to read block %llu of the partition table "
                         "(status %u)",
                         (unsigned long long)d->read_block, status);
}

int blk_part_step(blk_part_disc_t *d, const uint8_t *s)
{
    const uint8_t *p = s + d->data_off;
    blk_gpt_header_t bak;
    uint32_t crc;
    switch (d->state) {
    case S_MBR: {
        int rc = blk_mbr_parse(d, p);
        if (rc < 0)
            return BLK_PART_FAILED;
        if (rc == 0) {
            d->state = S_END;
            return BLK_PART_DONE;
        }
        return want(d, S_PRI_HDR, d->sector_size, d->sector_size, SLOT_HEADER);
    }
    case S_PRI_HDR:
        if (blk_gpt_header_parse(d, p, 1, &d->primary) != 0)
            return BLK_PART_FAILED;
        return want(d, S_PRI_ARR, d->primary.entries_lba * d->sector_size, array_bytes(&d->primary),
                    SLOT_ARRAY);
    case S_PRI_ARR:
        crc = blk_crc32(p, array_bytes(&d->primary));
        if (crc != d->primary.entries_crc)
            return blk_part_fail(d,
                                 "malformed GPT: primary entry array CRC32 mismatch (stored "
                                 "0x%08x, computed 0x%08x)",
                                 d->primary.entries_crc, crc);
        blk_gpt_entries(d, p, &d->primary);
        return want(d, S_BAK_HDR, d->primary.alt_lba * d->sector_size, d->sector_size, SLOT_HEADER);
    case S_BAK_HDR:
        if (blk_gpt_header_parse(d, p, d->primary.alt_lba, &bak) != 0 ||
            blk_gpt_compare(d, &bak) != 0)
            return BLK_PART_FAILED;
        return want(d, S_BAK_ARR, bak.entries_lba * d->sector_size, array_bytes(&bak), SLOT_ARRAY);
    case S_BAK_ARR:
        crc = blk_crc32(p, array_bytes(&d->primary));
        if (crc != d->primary.entries_crc)
            return blk_part_fail(d,
                                 "malformed GPT: backup entry array CRC32 mismatch (stored "
                                 "0x%08x, computed 0x%08x)",
                                 d->primary.entries_crc, crc);
        d->state = S_END;
        return BLK_PART_DONE;
    default:
        return d->msg[0] ? BLK_PART_FAILED : BLK_PART_DONE;
    }
}

void blk_part_set_entry(blk_part_disc_t *d, uint32_t i, uint64_t first, uint64_t last_incl)
{
    blk_part_entry_t *x = &d->table.entries[i];
    uint64_t per_block = 4096 / d->sector_size;
    x->first_sector = first;
    x->last_sector = last_incl;
    x->state = BLK_PART_ENTRY_BAD;
    if (first % per_block != 0) {
        x->bad = BLK_PART_BAD_MISALIGNED;
        return;
    }
    uint64_t count = (last_incl - first + 1) / per_block; /* a partial last block is left out */
    if (count == 0) {
        x->bad = BLK_PART_BAD_TOO_SMALL;
        return;
    }
    x->start = first / per_block;
    x->count = count;
    x->bad = BLK_PART_BAD_NONE;
    x->state = BLK_PART_ENTRY_OK;
}

void blk_part_check_overlaps(blk_part_table_t *t)
{
    for (uint32_t j = 0; j < t->num_entries; j++) {
        blk_part_entry_t *b = &t->entries[j];
        if (b->state == BLK_PART_ENTRY_EMPTY || b->bad == BLK_PART_BAD_EXTENDED)
            continue;
        for (uint32_t i = 0; i < j; i++) {
            blk_part_entry_t *a = &t->entries[i];
            if (a->state == BLK_PART_ENTRY_EMPTY || a->bad == BLK_PART_BAD_EXTENDED)
                continue;
            /* Sector ranges, so entries that are BAD for other reasons still count. */
            if (a->first_sector <= b->last_sector && b->first_sector <= a->last_sector) {
                a->state = b->state = BLK_PART_ENTRY_BAD;
                a->bad = b->bad = BLK_PART_BAD_OVERLAP;
                a->other = j;
                b->other = i;
            }
        }
    }
}

const char *blk_part_bad_reason(uint8_t bad)
{
    switch (bad) {
    case BLK_PART_BAD_PAST_END:
        return "ends past the end of the disk";
    case BLK_PART_BAD_BEFORE:
        return "starts before the first usable LBA";
    case BLK_PART_BAD_INVERTED:
        return "ends before it starts";
    case BLK_PART_BAD_MISALIGNED:
        return "does not start on a 4 KiB boundary";
    case BLK_PART_BAD_TOO_SMALL:
        return "is smaller than one 4 KiB block";
    case BLK_PART_BAD_OVERLAP:
        return "overlaps another partition";
    case BLK_PART_BAD_EXTENDED:
        return "is an extended partition (logical partitions are not supported)";
    default:
        return "is usable";
    }
}

const blk_part_entry_t *blk_part_get(const blk_part_table_t *t, uint32_t index)
{
    if (t->scheme == BLK_PART_NONE || index >= t->num_entries)
        return NULL;
    return &t->entries[index];
}
