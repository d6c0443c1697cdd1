/*
 * tests/unit/test_blk_partition.c - the partition-table parser
 * (blk/components/{partition,mbr,gpt}.c) on in-memory images: valid MBR and
 * GPT tables (512- and 4096-byte sectors), and every malformation the
 * virtualiser must survive, each with its message or entry reason.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "blk_disk_image.h"

#define MIB (1024ull * 1024)

static blk_part_disc_t disc;

static void test_crc32_vector(void **state)
{
    (void)state;
    assert_int_equal(blk_crc32((const uint8_t *)"123456789", 9), 0xCBF43926u);
    assert_int_equal(blk_crc32(NULL, 0), 0);
}

static void test_mbr_two_partitions(void **state)
{
    (void)state;
    test_disk d = disk_new(16 * MIB, 512);
    mbr_entry(&d, 0, 0x83, 2048, 8192);  /* 1 MiB .. 5 MiB */
    mbr_entry(&d, 1, 0x0c, 10240, 8193); /* 5 MiB + a partial block */
    assert_int_equal(disk_discover(&d, &disc, NULL), BLK_PART_DONE);
    assert_int_equal(disc.table.scheme, BLK_PART_MBR);
    assert_int_equal(disc.table.num_entries, 4);
    const blk_part_entry_t *e = blk_part_get(&disc.table, 0);
    assert_int_equal(e->state, BLK_PART_ENTRY_OK);
    assert_int_equal(e->start, 256);
    assert_int_equal(e->count, 1024);
    e = blk_part_get(&disc.table, 1);
    assert_int_equal(e->state, BLK_PART_ENTRY_OK);
    assert_int_equal(e->start, 1280);
    assert_int_equal(e->count, 1024); /* the partial last block is left out */
    assert_int_equal(blk_part_get(&disc.table, 2)->state, BLK_PART_ENTRY_EMPTY);
    assert_null(blk_part_get(&disc.table, 4));
    free(d.bytes);
}

static void test_mbr_missing_or_bad(void **state)
{
    (void)state;
    test_disk d = disk_new(4 * MIB, 512);
    assert_int_equal(disk_discover(&d, &disc, NULL), BLK_PART_FAILED);
    assert_non_null(strstr(disc.msg, "no MBR signature"));
    assert_null(blk_part_get(&disc.table, 0));
    mbr_entry(&d, 0, 0x83, 2048, 2048);
    d.bytes[446 + 16] = 0x12; /* boot indicator of entry 2 */
    assert_int_equal(disk_discover(&d, &disc, NULL), BLK_PART_FAILED);
    assert_non_null(strstr(disc.msg, "boot indicator"));
    free(d.bytes);
}

static void test_mbr_bad_entries(void **state)
{
    (void)state;
    test_disk d = disk_new(8 * MIB, 512);           /* 16384 sectors */
    mbr_entry(&d, 0, 0x83, 2049, 1024);             /* misaligned */
    mbr_entry(&d, 1, 0x83, 12288, 8192);            /* past the end */
    mbr_entry(&d, 2, 0x05, 4096, 1024);             /* extended */
    mbr_entry(&d, 3, 0x83, 0xFFFFFFFF, 0xFFFFFFFF); /* 32+32 bits: no wrap in 64 */
    assert_int_equal(disk_discover(&d, &disc, NULL), BLK_PART_DONE);
    assert_int_equal(disc.table.entries[0].bad, BLK_PART_BAD_MISALIGNED);
    assert_int_equal(disc.table.entries[1].bad, BLK_PART_BAD_PAST_END);
    assert_int_equal(disc.table.entries[2].bad, BLK_PART_BAD_EXTENDED);
    assert_int_equal(disc.table.entries[3].state, BLK_PART_ENTRY_BAD);
    for (int i = 0; i < 4; i++)
        assert_int_equal(disc.table.entries[i].state, BLK_PART_ENTRY_BAD);
    free(d.bytes);
}

static void test_mbr_overlap(void **state)
{
    (void)state;
    test_disk d = disk_new(8 * MIB, 512);
    mbr_entry(&d, 0, 0x83, 2048, 4096);
    mbr_entry(&d, 1, 0x83, 4096, 4096);
    mbr_entry(&d, 2, 0x83, 8192, 2048);
    assert_int_equal(disk_discover(&d, &disc, NULL), BLK_PART_DONE);
    assert_int_equal(disc.table.entries[0].bad, BLK_PART_BAD_OVERLAP);
    assert_int_equal(disc.table.entries[1].bad, BLK_PART_BAD_OVERLAP);
    assert_int_equal(disc.table.entries[0].other, 1);
    assert_int_equal(disc.table.entries[2].state, BLK_PART_ENTRY_OK);
    free(d.bytes);
}

static const uint64_t parts[2][2] = {{2048, 10239}, {10240, 14335}};

static void check_two_gpt_parts(uint32_t per_block)
{
    assert_int_equal(disc.table.scheme, BLK_PART_GPT);
    assert_int_equal(disc.table.num_entries, 128);
    for (int i = 0; i < 2; i++) {
        const blk_part_entry_t *e = blk_part_get(&disc.table, (uint32_t)i);
        assert_int_equal(e->state, BLK_PART_ENTRY_OK);
        assert_int_equal(e->start, parts[i][0] / per_block);
        assert_int_equal(e->count, (parts[i][1] - parts[i][0] + 1) / per_block);
    }
    assert_int_equal(blk_part_get(&disc.table, 2)->state, BLK_PART_ENTRY_EMPTY);
}

static void test_gpt_valid_512(void **state)
{
    (void)state;
    test_disk d = disk_new(8 * MIB, 512);
    gpt_init(&d, parts, 2);
    int reads = 0;
    assert_int_equal(disk_discover(&d, &disc, &reads), BLK_PART_DONE);
    assert_int_equal(reads, 5);
    check_two_gpt_parts(8);
    free(d.bytes);
}

static void test_gpt_valid_4096(void **state)
{
    (void)state;
    test_disk d = disk_new(64 * MIB, 4096);
    gpt_init(&d, parts, 2);
    assert_int_equal(disk_discover(&d, &disc, NULL), BLK_PART_DONE);
    check_two_gpt_parts(1);
    free(d.bytes);
}

/* A disk whose size is not a multiple of 4 KiB (8 MiB and 1..7 sectors): the backup GPT in its
 * last sector lies in the partial final block; found (read padded with zeros), table valid.
 * Told only the whole blocks (blk_part_start), the same disk's backup is out of reach. */
static void test_gpt_partial_last_block(void **state)
{
    (void)state;
    for (uint64_t extra = 1; extra < 8; extra++) {
        test_disk d = disk_new(8 * MIB + extra * 512, 512);
        gpt_init(&d, parts, 2);
        assert_int_equal(disk_discover(&d, &disc, NULL), BLK_PART_DONE);
        assert_int_equal(disc.disk_sectors, 8 * MIB / 512 + extra);
        check_two_gpt_parts(8);
        assert_int_equal(blk_part_start(&disc, d.size / 4096, 512), BLK_PART_READ);
        assert_int_equal(disc.disk_sectors, 8 * MIB / 512);
        free(d.bytes);
    }
    assert_int_equal(blk_part_start_sectors(&disc, 7, 512), BLK_PART_FAILED); /* < 1 block */
    assert_non_null(strstr(disc.msg, "unsupported disk size of 7 512-byte sectors"));
}

/* Build a valid 8 MiB GPT, let @mutate break it, expect failure with @needle in the message. */
static void expect_gpt_failure(void (*mutate)(test_disk *), const char *needle)
{
    test_disk d = disk_new(8 * MIB, 512);
    gpt_init(&d, parts, 2);
    mutate(&d);
    assert_int_equal(disk_discover(&d, &disc, NULL), BLK_PART_FAILED);
    if (strstr(disc.msg, needle) == NULL)
        fail_msg("message '%s' lacks '%s'", disc.msg, needle);
    assert_null(blk_part_get(&disc.table, 0));
    free(d.bytes);
}

static void m_hdr_crc(test_disk *d)
{
    gpt_hdr(d, 1)[40] ^= 1;
}
static void m_arr_crc(test_disk *d)
{
    d->bytes[2 * 512 + 128 + 40] ^= 1;
}
static void m_backup_hdr(test_disk *d)
{
    uint64_t b = disk_sectors(d) - 1;
    put64(gpt_hdr(d, b) + 48, blk_le64(gpt_hdr(d, b) + 48) - 8);
    gpt_fix_hdr_crc(d, b);
}
static void m_backup_arr(test_disk *d)
{
    gpt_entry_at(d, gpt_backup_array(d), 1, 10240, 12287);
    gpt_fix_crcs(d, disk_sectors(d) - 1);
}
static void m_backup_sig(test_disk *d)
{
    gpt_hdr(d, disk_sectors(d) - 1)[0] = 'X';
}
static void m_count_max(test_disk *d)
{
    put32(gpt_hdr(d, 1) + 80, 0xFFFFFFFFu);
    gpt_fix_hdr_crc(d, 1);
}
static void m_count_zero(test_disk *d)
{
    put32(gpt_hdr(d, 1) + 80, 0);
    gpt_fix_hdr_crc(d, 1);
}
static void m_entry_size(test_disk *d)
{
    put32(gpt_hdr(d, 1) + 84, 256);
    gpt_fix_hdr_crc(d, 1);
}
static void m_my_lba(test_disk *d)
{
    put64(gpt_hdr(d, 1) + 24, 7);
    gpt_fix_hdr_crc(d, 1);
}
static void m_alt_huge(test_disk *d)
{
    put64(gpt_hdr(d, 1) + 32, UINT64_MAX - 3);
    gpt_fix_hdr_crc(d, 1);
}
static void m_entries_huge(test_disk *d)
{
    put64(gpt_hdr(d, 1) + 72, (UINT64_MAX / 512) + 1); /* lba * 512 would wrap */
    gpt_fix_hdr_crc(d, 1);
}
static void m_hdr_size(test_disk *d)
{
    put32(gpt_hdr(d, 1) + 12, 4096);
    gpt_fix_hdr_crc(d, 1);
}

static void test_gpt_malformed(void **state)
{
    (void)state;
    expect_gpt_failure(m_hdr_crc, "primary header CRC32 mismatch");
    expect_gpt_failure(m_arr_crc, "primary entry array CRC32 mismatch");
    expect_gpt_failure(m_backup_hdr, "backup header (LBA 16383) disagrees");
    expect_gpt_failure(m_backup_arr, "backup entry array (CRC32");
    expect_gpt_failure(m_backup_sig, "no backup header signature");
    expect_gpt_failure(m_count_max, "entry count 4294967295");
    expect_gpt_failure(m_count_zero, "entry count 0");
    expect_gpt_failure(m_entry_size, "entry size 256");
    expect_gpt_failure(m_my_lba, "says it is at LBA 7");
    expect_gpt_failure(m_alt_huge, "do not fit");
    expect_gpt_failure(m_entries_huge, "do not fit");
    expect_gpt_failure(m_hdr_size, "header size 4096");
}

/* Entry-level problems: the table stands, only those partitions are BAD. */
static void test_gpt_bad_entries(void **state)
{
    (void)state;
    test_disk d = disk_new(8 * MIB, 512);
    const uint64_t bad[5][2] = {
        {2048, 4095},  /* fine */
        {4097, 6143},  /* not 4 KiB-aligned */
        {6144, 20000}, /* past the end of the disk */
        {8192, 9215},  /* overlaps ... */
        {9000, 10239}, /* ... this one */
    };
    gpt_init(&d, bad, 5);
    assert_int_equal(disk_discover(&d, &disc, NULL), BLK_PART_DONE);
    assert_int_equal(disc.table.entries[0].state, BLK_PART_ENTRY_OK);
    assert_int_equal(disc.table.entries[1].bad, BLK_PART_BAD_MISALIGNED);
    assert_int_equal(disc.table.entries[2].bad, BLK_PART_BAD_OVERLAP); /* overlaps 3 too */
    assert_int_equal(disc.table.entries[3].bad, BLK_PART_BAD_OVERLAP);
    assert_int_equal(disc.table.entries[4].bad, BLK_PART_BAD_OVERLAP);
    assert_non_null(strstr(blk_part_bad_reason(BLK_PART_BAD_PAST_END), "past the end"));
    free(d.bytes);

    d = disk_new(8 * MIB, 512);
    const uint64_t past[2][2] = {{2048, 4095}, {6144, 16383 + 100}};
    gpt_init(&d, past, 2);
    assert_int_equal(disk_discover(&d, &disc, NULL), BLK_PART_DONE);
    assert_int_equal(disc.table.entries[1].bad, BLK_PART_BAD_PAST_END);
    const uint64_t inv[1][2] = {{6143, 2048}};
    gpt_init(&d, inv, 1);
    assert_int_equal(disk_discover(&d, &disc, NULL), BLK_PART_DONE);
    assert_int_equal(disc.table.entries[0].bad, BLK_PART_BAD_INVERTED);
    free(d.bytes);
}

static void test_bad_geometry_and_read_error(void **state)
{
    (void)state;
    assert_int_equal(blk_part_start(&disc, 1024, 1000), BLK_PART_FAILED);
    assert_int_equal(blk_part_start(&disc, 0, 512), BLK_PART_FAILED);
    assert_int_equal(blk_part_start(&disc, UINT64_MAX, 512), BLK_PART_FAILED);
    assert_int_equal(blk_part_start(&disc, 1024, 512), BLK_PART_READ);
    assert_int_equal(disc.read_block, 0);
    assert_int_equal(disc.read_count, 1);
    assert_int_equal(blk_part_read_failed(&disc, 3), BLK_PART_FAILED);
    assert_non_null(strstr(disc.msg, "failed to read block 0"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_crc32_vector),
        cmocka_unit_test(test_mbr_two_partitions),
        cmocka_unit_test(test_mbr_missing_or_bad),
        cmocka_unit_test(test_mbr_bad_entries),
        cmocka_unit_test(test_mbr_overlap),
        cmocka_unit_test(test_gpt_valid_512),
        cmocka_unit_test(test_gpt_valid_4096),
        cmocka_unit_test(test_gpt_partial_last_block),
        cmocka_unit_test(test_gpt_malformed),
        cmocka_unit_test(test_gpt_bad_entries),
        cmocka_unit_test(test_bad_geometry_and_read_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
