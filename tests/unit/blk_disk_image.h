/*
 * tests/unit/blk_disk_image.h - in-memory disk images with MBR or GPT
 * tables for the block unit tests (partition parser and virtualiser), and
 * helpers to break them in the ways the adversarial tests need.
 * Header-only (static functions): each test includes it once.
 */
#ifndef SDDF_TESTS_BLK_DISK_IMAGE_H
#define SDDF_TESTS_BLK_DISK_IMAGE_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "../../blk/components/partition.h"

typedef struct test_disk {
    uint8_t *bytes;
    uint64_t size; /* bytes, a multiple of 4096 */
    uint32_t ss;   /* sector size */
} test_disk;

static __attribute__((unused)) void put32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static __attribute__((unused)) void put64(uint8_t *p, uint64_t v)
{
    put32(p, (uint32_t)v);
    put32(p + 4, (uint32_t)(v >> 32));
}

static __attribute__((unused)) test_disk disk_new(uint64_t size, uint32_t ss)
{
    test_disk d = {calloc(1, size), size, ss};
    return d;
}

static __attribute__((unused)) uint64_t disk_sectors(const test_disk *d)
{
    return d->size / d->ss;
}

/* MBR entry @i (0..3): type, first sector, sectors. */
static __attribute__((unused)) void mbr_entry(test_disk *d, int i, uint8_t type, uint32_t first,
                                              uint32_t n)
{
    uint8_t *e = d->bytes + 446 + 16 * i;
    memset(e, 0, 16);
    e[4] = type;
    put32(e + 8, first);
    put32(e + 12, n);
    d->bytes[510] = 0x55;
    d->bytes[511] = 0xAA;
}

static __attribute__((unused)) uint8_t *gpt_hdr(test_disk *d, uint64_t lba)
{
    return d->bytes + lba * d->ss;
}

/* Recompute the header CRC of the header at @lba. */
static __attribute__((unused)) void gpt_fix_hdr_crc(test_disk *d, uint64_t lba)
{
    uint8_t *h = gpt_hdr(d, lba);
    put32(h + 16, 0);
    put32(h + 16, blk_crc32(h, 92));
}

/* Recompute the array CRC of the header at @lba (from its own array), then its header CRC. */
static __attribute__((unused)) void gpt_fix_crcs(test_disk *d, uint64_t lba)
{
    uint8_t *h = gpt_hdr(d, lba);
    uint64_t arr = blk_le64(h + 72);
    uint32_t n = blk_le32(h + 80);
    if (n <= BLK_PART_MAX_ENTRIES)
        put32(h + 88, blk_crc32(d->bytes + arr * d->ss, (size_t)n * 128));
    gpt_fix_hdr_crc(d, lba);
}

/* GPT entry @i in the array at @arr_lba. */
static __attribute__((unused)) void gpt_entry_at(test_disk *d, uint64_t arr_lba, int i,
                                                 uint64_t first, uint64_t last)
{
    uint8_t *e = d->bytes + arr_lba * d->ss + 128 * i;
    memset(e, 0, 128);
    e[0] = 0xAF; /* any nonzero type GUID */
    e[1] = (uint8_t)(i + 1);
    e[16] = (uint8_t)(i + 1);
    put64(e + 32, first);
    put64(e + 40, last);
}

/* Backup array LBA used by gpt_init: just below the backup header, 128 entries. */
static __attribute__((unused)) uint64_t gpt_backup_array(const test_disk *d)
{
    return disk_sectors(d) - 1 - (128 * 128) / d->ss;
}

/* A valid GPT with 128 entries and partitions @parts (first, last) pairs, both copies. */
static __attribute__((unused)) void gpt_init(test_disk *d, const uint64_t (*parts)[2], int nparts)
{
    uint64_t n = disk_sectors(d), arr_sectors = (128 * 128) / d->ss;
    mbr_entry(d, 0, 0xEE, 1, (uint32_t)(n - 1 > 0xFFFFFFFF ? 0xFFFFFFFF : n - 1));
    uint64_t lbas[2] = {1, n - 1}, arrs[2] = {2, gpt_backup_array(d)};
    for (int c = 0; c < 2; c++) {
        uint8_t *h = gpt_hdr(d, lbas[c]);
        memset(h, 0, d->ss);
        memcpy(h, "EFI PART", 8);
        put32(h + 8, 0x00010000);
        put32(h + 12, 92);
        put64(h + 24, lbas[c]);
        put64(h + 32, lbas[1 - c]);
        put64(h + 40, 2 + arr_sectors);
        put64(h + 48, n - 2 - arr_sectors);
        memset(h + 56, 0x5A, 16);
        put64(h + 72, arrs[c]);
        put32(h + 80, 128);
        put32(h + 84, 128);
        for (int i = 0; i < nparts; i++)
            gpt_entry_at(d, arrs[c], i, parts[i][0], parts[i][1]);
        gpt_fix_crcs(d, lbas[c]);
    }
}

/* Run discovery against @d; returns the final rc. Counts reads in *@reads if not NULL. */
static __attribute__((unused)) int disk_discover(const test_disk *d, blk_part_disc_t *disc,
                                                 int *reads)
{
    static uint8_t scratch[BLK_PART_SCRATCH_BYTES];
    int rc = blk_part_start_sectors(disc, d->size / d->ss, d->ss);
    int n = 0;
    /* As the io_uring driver reads: whole blocks, and a final partial one padded with zeros. */
    uint64_t readable = (d->size + 4095) / 4096 * 4096;
    while (rc == BLK_PART_READ && n < 16) {
        uint64_t off = disc->read_block * 4096, len = (uint64_t)disc->read_count * 4096;
        if (off > readable || len > readable - off || disc->read_off + len > sizeof(scratch))
            return blk_part_read_failed(disc, 2);
        uint64_t have = off + len <= d->size ? len : d->size - off;
        memcpy(scratch + disc->read_off, d->bytes + off, have);
        memset(scratch + disc->read_off + have, 0, len - have);
        rc = blk_part_step(disc, scratch);
        n++;
    }
    if (reads)
        *reads = n;
    return rc;
}

#endif /* SDDF_TESTS_BLK_DISK_IMAGE_H */
