/*
 * blk/components/partition.h - partition-table discovery for the block
 * virtualiser (sDDF design, "virt_partition_init"): an OS-free state machine
 * that says which disk blocks it needs next, parses them when they arrive,
 * and ends with a table of partitions in 4 KiB blocks.
 *
 * Schemes: MBR (4 primary entries; UEFI spec 2.10 §5.2.1) and GPT
 * (protective MBR, header CRC32, entry-array CRC32, primary compared with
 * the backup; UEFI spec 2.10 §5.3). Everything read from the disk is
 * untrusted: every field is read once, checked with 64-bit arithmetic that
 * cannot wrap, and a bad table or entry is rejected with a reason, never
 * followed.
 *
 * Two levels of failure: a malformed *table* (bad signature, CRC, header
 * field, primary/backup mismatch) fails discovery as a whole; a bad *entry*
 * (past the end of the disk, start not 4 KiB-aligned, overlapping another,
 * smaller than a block) is marked BAD with a reason and only that
 * partition is unusable.
 *
 * Use: blk_part_start(), then while the result is BLK_PART_READ: read
 * `read_count` blocks from `read_block` into scratch + `read_off`, and call
 * blk_part_step() with the scratch buffer (at least BLK_PART_SCRATCH_BYTES).
 */
#ifndef SDDF_BLK_COMPONENTS_PARTITION_H
#define SDDF_BLK_COMPONENTS_PARTITION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Most GPT entries accepted (128 is what every partitioning tool writes). */
#define BLK_PART_MAX_ENTRIES 256u
/** The only GPT entry size accepted (UEFI: 128 × 2^n; every tool writes 128). */
#define BLK_PART_GPT_ENTRY_SIZE 128u
/** Scratch bytes the caller provides: a header block plus a misaligned 32 KiB entry array. */
#define BLK_PART_SCRATCH_BYTES ((size_t)10 * 4096u)
/** Length of a failure message, NUL included. */
#define BLK_PART_MSG_LEN 160u

/** Result of blk_part_start / blk_part_step. */
enum blk_part_rc {
    BLK_PART_READ = 0, /* read the blocks named in the state, then call blk_part_step */
    BLK_PART_DONE,     /* the table is valid (its entries may still be BAD) */
    BLK_PART_FAILED,   /* the table is malformed or missing: see msg */
};

enum blk_part_scheme { BLK_PART_NONE = 0, BLK_PART_MBR, BLK_PART_GPT };

/** State of one table entry. */
enum blk_part_entry_state {
    BLK_PART_ENTRY_EMPTY = 0, /* unused slot: no partition */
    BLK_PART_ENTRY_OK,
    BLK_PART_ENTRY_BAD, /* present but unusable: see reason */
};

/** Why an entry is BAD. */
enum blk_part_bad {
    BLK_PART_BAD_NONE = 0,
    BLK_PART_BAD_PAST_END,   /* ends past the disk (or GPT's last usable LBA) */
    BLK_PART_BAD_BEFORE,     /* GPT: starts before the first usable LBA */
    BLK_PART_BAD_INVERTED,   /* GPT: last LBA before first LBA */
    BLK_PART_BAD_MISALIGNED, /* start not a multiple of 4 KiB */
    BLK_PART_BAD_TOO_SMALL,  /* less than one 4 KiB block */
    BLK_PART_BAD_OVERLAP,    /* overlaps entry `other` */
    BLK_PART_BAD_EXTENDED,   /* MBR extended container: logical partitions are not supported */
};

/** One partition, in 4 KiB transfer blocks. */
typedef struct blk_part_entry {
    uint64_t start;                     /* first block */
    uint64_t count;                     /* blocks (a partial last block is left out) */
    uint64_t first_sector, last_sector; /* as on disk, for messages (last inclusive) */
    uint8_t state;                      /* enum blk_part_entry_state */
    uint8_t bad;                        /* enum blk_part_bad */
    uint32_t other;                     /* BLK_PART_BAD_OVERLAP: the other entry's index */
} blk_part_entry_t;

/** The discovered table: entries[i] is partition number i+1 (as sfdisk/sgdisk number them). */
typedef struct blk_part_table {
    uint8_t scheme; /* enum blk_part_scheme */
    uint32_t num_entries;
    blk_part_entry_t entries[BLK_PART_MAX_ENTRIES];
} blk_part_table_t;

/** A GPT header's fields, as read and checked. */
typedef struct blk_gpt_header {
    uint64_t my_lba, alt_lba, first_usable, last_usable, entries_lba;
    uint32_t num_entries, entry_size, entries_crc;
    uint8_t disk_guid[16];
} blk_gpt_header_t;

/** Discovery state. */
typedef struct blk_part_disc {
    uint64_t disk_sectors;
    uint32_t sector_size;
    int state;
    /* the read the caller must do next */
    uint64_t read_block;
    uint16_t read_count;
    uint32_t read_off; /* where in scratch the blocks go */
    uint32_t data_off; /* where in scratch the wanted bytes start */
    blk_gpt_header_t primary;
    blk_part_table_t table;
    char msg[BLK_PART_MSG_LEN];
} blk_part_disc_t;

/**
 * Start discovery on a disk of @disk_sectors logical sectors of @sector_size
 * bytes (a power of two, 512..4096; at least one 4 KiB block). The size need
 * not be a multiple of 4 KiB: the reads asked for may then include the final
 * partial block (its block number is disk_sectors * sector_size / 4096),
 * which the caller must read with the bytes past the end as zeros (the
 * io_uring driver does: sddf/blk/storage_info.h). Returns BLK_PART_READ (read
 * block 0), or BLK_PART_FAILED for impossible geometry.
 */
int blk_part_start_sectors(blk_part_disc_t *d, uint64_t disk_sectors, uint32_t sector_size);

/** blk_part_start_sectors() on a disk of exactly @disk_blocks 4 KiB blocks. */
int blk_part_start(blk_part_disc_t *d, uint64_t disk_blocks, uint32_t sector_size);

/** Parse the blocks just read into @scratch (BLK_PART_SCRATCH_BYTES). Returns enum blk_part_rc. */
int blk_part_step(blk_part_disc_t *d, const uint8_t *scratch);

/** Fail discovery because the last read failed (device error @status). Returns BLK_PART_FAILED. */
int blk_part_read_failed(blk_part_disc_t *d, unsigned status);

/** A short English reason for a BAD entry, e.g. "starts before ...". */
const char *blk_part_bad_reason(uint8_t bad);

/** The entry for 0-based @index, or NULL if the table has no such slot. */
const blk_part_entry_t *blk_part_get(const blk_part_table_t *t, uint32_t index);

/* ---- internal to the parser (mbr.c, gpt.c, partition.c) ---------------- */

/** Little-endian field reads (the on-disk formats are little-endian). */
static inline uint32_t blk_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}
static inline uint64_t blk_le64(const uint8_t *p)
{
    return (uint64_t)blk_le32(p) | (uint64_t)blk_le32(p + 4) << 32;
}

/** CRC-32 (IEEE 802.3, reflected 0xEDB88320) as GPT uses it. */
uint32_t blk_crc32(const uint8_t *p, size_t n);

/** Parse an MBR sector: 0 = MBR table filled, 1 = protective MBR (GPT), -1 = failed (msg). */
int blk_mbr_parse(blk_part_disc_t *d, const uint8_t *sector);

/** Parse and check a GPT header at @p; @lba is where it was read. 0 or -1 (msg). */
int blk_gpt_header_parse(blk_part_disc_t *d, const uint8_t *p, uint64_t lba, blk_gpt_header_t *h);

/** Check the backup header @b against the primary. 0 or -1 (msg). */
int blk_gpt_compare(blk_part_disc_t *d, const blk_gpt_header_t *b);

/** Fill the table from a checked entry array. */
void blk_gpt_entries(blk_part_disc_t *d, const uint8_t *array, const blk_gpt_header_t *h);

/** Check an entry's alignment and size and convert it to blocks (sets state). */
void blk_part_set_entry(blk_part_disc_t *d, uint32_t i, uint64_t first, uint64_t last_incl);

/** Mark every pair of overlapping OK entries BAD (both). */
void blk_part_check_overlaps(blk_part_table_t *t);

/** Format the failure message (printf-style) and return BLK_PART_FAILED. */
int blk_part_fail(blk_part_disc_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif /* SDDF_BLK_COMPONENTS_PARTITION_H */
