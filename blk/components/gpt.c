/*
 * blk/components/gpt.c - the GUID Partition Table (UEFI spec 2.10 §5.3):
 * header checks (signature, size, CRC32 over header_size bytes with the CRC
 * field zeroed, own LBA, entry size and count, usable range), the backup
 * header compared with the primary, and the entry array turned into
 * partitions. All fields are little-endian and untrusted.
 *
 * Header layout: "EFI PART" @0, revision @8, header_size @12, header_crc32
 * @16, my_lba @24, alternate_lba @32, first_usable @40, last_usable @48,
 * disk_guid @56, entries_lba @72, num_entries @80, entry_size @84,
 * entries_crc32 @88. Entry: type GUID @0 (zero = unused), unique GUID @16,
 * first_lba @32, last_lba @40 (inclusive), attributes @48, name @56.
 */
#include <string.h>

#include "partition.h"

#define GPT_HEADER_MIN 92u

/* Record the failure (blk_part_fail) and return -1, this file's error value. */
#define gpt_fail(d, ...) (blk_part_fail((d), __VA_ARGS__), -1)

uint32_t blk_crc32(const uint8_t *p, size_t n)
{
    /* Nibble-at-a-time table: small and fast enough for a 32 KiB array. */
    static const uint32_t tab[16] = {
        0x00000000, 0x1DB71064, 0x3B6E20C8, 0x26D930AC, 0x76DC4190, 0x6B6B51F4,
        0x4DB26158, 0x5005713C, 0xEDB88320, 0xF00F9344, 0xD6D6A3E8, 0xCB61B38C,
        0x9B64C2B0, 0x86D3D2D4, 0xA00AE278, 0xBDBDF21C,
    };
    uint32_t c = 0xFFFFFFFFu;
    for (size_t i = 0; i < n; i++) {
        c ^= p[i];
        c = (c >> 4) ^ tab[c & 15];
        c = (c >> 4) ^ tab[c & 15];
    }
    return ~c;
}

int blk_gpt_header_parse(blk_part_disc_t *d, const uint8_t *p, uint64_t lba, blk_gpt_header_t *h)
{
    const char *which = lba == 1 ? "primary" : "backup";
    if (memcmp(p, "EFI PART", 8) != 0)
        return gpt_fail(d, "malformed GPT: no %s header signature \"EFI PART\" at LBA %llu", which,
                        (unsigned long long)lba);
    uint32_t size = blk_le32(p + 12);
    if (size < GPT_HEADER_MIN || size > d->sector_size)
        return gpt_fail(d, "malformed GPT: %s header size %u (want %u..%u)", which, size,
                        GPT_HEADER_MIN, d->sector_size);
    uint8_t copy[4096];
    memcpy(copy, p, size);
    memset(copy + 16, 0, 4);
    uint32_t stored = blk_le32(p + 16), computed = blk_crc32(copy, size);
    if (stored != computed)
        return gpt_fail(d,
                        "malformed GPT: %s header CRC32 mismatch (stored 0x%08x, "
                        "computed 0x%08x)",
                        which, stored, computed);
    h->my_lba = blk_le64(p + 24);
    h->alt_lba = blk_le64(p + 32);
    h->first_usable = blk_le64(p + 40);
    h->last_usable = blk_le64(p + 48);
    memcpy(h->disk_guid, p + 56, 16);
    h->entries_lba = blk_le64(p + 72);
    h->num_entries = blk_le32(p + 80);
    h->entry_size = blk_le32(p + 84);
    h->entries_crc = blk_le32(p + 88);
    uint64_t n = d->disk_sectors;
    if (h->my_lba != lba)
        return gpt_fail(d, "malformed GPT: %s header at LBA %llu says it is at LBA %llu", which,
                        (unsigned long long)lba, (unsigned long long)h->my_lba);
    if (h->entry_size != BLK_PART_GPT_ENTRY_SIZE)
        return gpt_fail(d, "malformed GPT: %s header entry size %u (only %u is supported)", which,
                        h->entry_size, BLK_PART_GPT_ENTRY_SIZE);
    if (h->num_entries == 0 || h->num_entries > BLK_PART_MAX_ENTRIES)
        return gpt_fail(d, "malformed GPT: %s header entry count %u (want 1..%u)", which,
                        h->num_entries, BLK_PART_MAX_ENTRIES);
    uint64_t array_sectors =
        ((uint64_t)h->num_entries * h->entry_size + d->sector_size - 1) / d->sector_size;
    if (h->alt_lba >= n || h->alt_lba == lba || h->last_usable >= n ||
        h->first_usable > h->last_usable || h->entries_lba < 2 || h->entries_lba >= n ||
        array_sectors > n - h->entries_lba)
        return gpt_fail(d,
                        "malformed GPT: %s header LBAs do not fit a disk of %llu "
                        "sectors (alternate %llu, usable %llu..%llu, entries at %llu)",
                        which, (unsigned long long)n, (unsigned long long)h->alt_lba,
                        (unsigned long long)h->first_usable, (unsigned long long)h->last_usable,
                        (unsigned long long)h->entries_lba);
    return 0;
}

int blk_gpt_compare(blk_part_disc_t *d, const blk_gpt_header_t *b)
{
    const blk_gpt_header_t *p = &d->primary;
    if (b->alt_lba != p->my_lba || b->first_usable != p->first_usable ||
        b->last_usable != p->last_usable || b->num_entries != p->num_entries ||
        b->entry_size != p->entry_size || memcmp(b->disk_guid, p->disk_guid, 16) != 0)
        return gpt_fail(d,
                        "malformed GPT: the backup header (LBA %llu) disagrees with the "
                        "primary",
                        (unsigned long long)b->my_lba);
    if (b->entries_crc != p->entries_crc)
        return gpt_fail(d,
                        "malformed GPT: the backup entry array (CRC32 0x%08x) disagrees "
                        "with the primary (0x%08x)",
                        b->entries_crc, p->entries_crc);
    return 0;
}

void blk_gpt_entries(blk_part_disc_t *d, const uint8_t *array, const blk_gpt_header_t *h)
{
    static const uint8_t zero[16] = {0};
    blk_part_table_t *t = &d->table;
    memset(t, 0, sizeof(*t));
    t->scheme = BLK_PART_GPT;
    t->num_entries = h->num_entries;
    for (uint32_t i = 0; i < h->num_entries; i++) {
        const uint8_t *e = array + (size_t)i * BLK_PART_GPT_ENTRY_SIZE;
        if (memcmp(e, zero, 16) == 0)
            continue; /* unused entry */
        uint64_t first = blk_le64(e + 32), last = blk_le64(e + 40);
        blk_part_entry_t *x = &t->entries[i];
        x->first_sector = first;
        x->last_sector = last;
        x->state = BLK_PART_ENTRY_BAD;
        if (last < first)
            x->bad = BLK_PART_BAD_INVERTED;
        else if (first < h->first_usable)
            x->bad = BLK_PART_BAD_BEFORE;
        else if (last > h->last_usable || last >= d->disk_sectors)
            x->bad = BLK_PART_BAD_PAST_END;
        else
            blk_part_set_entry(d, i, first, last);
    }
    blk_part_check_overlaps(t);
}
