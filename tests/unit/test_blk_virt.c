/*
 * tests/unit/test_blk_virt.c - the block virtualiser (blk/components/virt*.c)
 * against the fake OS layer. The test plays the driver (serving the virt's
 * driver queue from an in-memory disk image, responses in reverse order)
 * and two clients through the queue API: partition discovery, id and block
 * translation, every request check, a malformed table and a missing
 * partition, and hostile clients (reused ids, blocks near 2^64, corrupt
 * indices, a flood) next to a well-behaved one.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include <sddf/blk/config.h>
#include <sddf/blk/queue.h>
#include <sddf/blk/storage_info.h>

#include "blk_disk_image.h"
#include "fake_os.h"

#define MIB        (1024ull * 1024)
#define CH_DRV     0u
#define CAP        8u
#define DATA_SIZE  ((size_t)64 * 1024)
#define IO_SCRATCH 0x10000000ull

static const uint64_t IO_DATA[2] = {0x20000000ull, 0x30000000ull};

static struct {
    test_disk disk;
    blk_virt_config_t cfg;
    blk_storage_info_t *drv_info, *cli_info[2];
    blk_queue_handle_t drv, cli[2];
    uint8_t *scratch, *data[2];
    void *mem[64];
    int num_mem;
    uint64_t drv_reqs; /* requests the fake driver served */
} t;

static void *zalloc(size_t n)
{
    void *p = aligned_alloc(4096, (n + 4095) / 4096 * 4096);
    memset(p, 0, (n + 4095) / 4096 * 4096);
    t.mem[t.num_mem++] = p;
    return p;
}

static sddf_region_resource_t reg(void *p, uint64_t size)
{
    return (sddf_region_resource_t){(uint64_t)(uintptr_t)p, size};
}

static blk_connection_resource_t conn(blk_storage_info_t **info, blk_queue_handle_t *h,
                                      uint32_t cap, uint8_t id)
{
    *info = zalloc(4096);
    void *rq = zalloc(BLK_REQ_QUEUE_BYTES(cap)), *sq = zalloc(BLK_RESP_QUEUE_BYTES(cap));
    blk_queue_init(h, rq, sq, cap);
    return (blk_connection_resource_t){reg(*info, 4096),
                                       reg(rq, BLK_REQ_QUEUE_BYTES(cap)),
                                       reg(sq, BLK_RESP_QUEUE_BYTES(cap)),
                                       cap,
                                       id,
                                       {0}};
}

/* Two clients on partitions @p0 and @p1 (0-based) of a disk the caller fills in. */
static void free_mem(void)
{
    for (int i = 0; i < t.num_mem; i++)
        free(t.mem[i]);
    t.num_mem = 0;
}

static void setup_system(uint32_t p0, uint32_t p1)
{
    free_mem(); /* a test may set up several systems on one disk */
    memset(&t.cfg, 0, sizeof(t.cfg));
    fake_os_reset();
    t.cfg.header = (sddf_config_header_t){{'s', 'D', 'D', 'F'}, SDDF_CLASS_BLK, BLK_ROLE_VIRT,
                                          SDDF_CONFIG_VERSION,  sizeof(t.cfg),  0};
    t.cfg.num_clients = 2;
    t.cfg.driver = conn(&t.drv_info, &t.drv, 2 * CAP, CH_DRV);
    t.scratch = zalloc(BLK_PART_SCRATCH_BYTES);
    t.cfg.data =
        (sddf_device_region_resource_t){reg(t.scratch, BLK_PART_SCRATCH_BYTES), IO_SCRATCH};
    uint32_t parts[2] = {p0, p1};
    for (int c = 0; c < 2; c++) {
        blk_virt_client_t *cl = &t.cfg.clients[c];
        cl->conn = conn(&t.cli_info[c], &t.cli[c], CAP, (uint8_t)(1 + c));
        t.data[c] = zalloc(DATA_SIZE);
        cl->data = (sddf_device_region_resource_t){{0, DATA_SIZE}, IO_DATA[c]};
        cl->partition = parts[c];
        snprintf(cl->name, sizeof(cl->name), "client%d", c);
    }
    fake_os_add_config(&t.cfg);
    t.drv_info->sector_size = (uint16_t)t.disk.ss;
    t.drv_info->capacity = t.disk.size / 4096;
    t.drv_reqs = 0;
}

static void teardown_system(void)
{
    free_mem();
    free(t.disk.bytes);
}

static uint8_t *io_ptr(uint64_t io, uint64_t len)
{
    if (io >= IO_SCRATCH && io + len <= IO_SCRATCH + BLK_PART_SCRATCH_BYTES)
        return t.scratch + (io - IO_SCRATCH);
    for (int c = 0; c < 2; c++)
        if (io >= IO_DATA[c] && io + len <= IO_DATA[c] + DATA_SIZE)
            return t.data[c] + (io - IO_DATA[c]);
    return NULL;
}

/* Serve every queued driver request (responses in reverse order), then notify the virt. */
static unsigned serve_driver(void)
{
    blk_req_t reqs[64];
    unsigned n = 0;
    while (n < 64 && blk_dequeue_req_entry(&t.drv, &reqs[n]) == 0)
        n++;
    for (unsigned i = n; i-- > 0;) {
        blk_req_t *r = &reqs[i];
        uint64_t off = r->block_number * 4096, len = (uint64_t)r->count * 4096;
        uint32_t st = BLK_RESP_OK;
        uint8_t *p = io_ptr(r->io_or_offset, len);
        if (r->code == BLK_REQ_READ || r->code == BLK_REQ_WRITE) {
            assert_non_null(p);
            assert_true(off + len <= t.disk.size);
            if (r->code == BLK_REQ_READ)
                memcpy(p, t.disk.bytes + off, len);
            else
                memcpy(t.disk.bytes + off, p, len);
        }
        assert_int_equal(blk_enqueue_resp(&t.drv, st, r->count, r->id), 0);
        t.drv_reqs++;
    }
    if (n > 0)
        fake_os_dispatch(CH_DRV);
    return n;
}

static void run_driver(void)
{
    for (int i = 0; i < 100 && serve_driver() > 0; i++)
        ;
}

static void start_virt(void)
{
    init();
    assert_int_equal(t.drv_reqs, 0);
    assert_true(blk_queue_empty_req(&t.drv)); /* waits for the driver's ready flag */
    blk_storage_set_ready(t.drv_info, true);
    fake_os_dispatch(CH_DRV);
    run_driver();
    assert_true(blk_storage_is_ready(t.cli_info[0]));
    assert_true(blk_storage_is_ready(t.cli_info[1]));
}

static const uint64_t parts[2][2] = {{2048, 4095}, {4096, 8191}}; /* 1 MiB and 2 MiB */

static void gpt_disk(void)
{
    t.disk = disk_new(8 * MIB, 512);
    gpt_init(&t.disk, parts, 2);
}

/* Submit from client @c, run the virt and the driver, return the response. */
static blk_resp_t roundtrip(int c, uint32_t code, uint64_t off, uint64_t block, uint16_t count,
                            uint32_t id)
{
    assert_int_equal(blk_enqueue_req(&t.cli[c], code, off, block, count, id), 0);
    fake_os_dispatch((sddf_channel)(1 + c));
    run_driver();
    blk_resp_t r = {0}; /* cmocka's failing assert is not noreturn to the analyzer */
    assert_int_equal(blk_dequeue_resp_entry(&t.cli[c], &r), 0);
    assert_int_equal(r.id, id);
    return r;
}

static void test_discovery_and_io(void **state)
{
    (void)state;
    gpt_disk();
    setup_system(0, 1);
    start_virt();
    assert_int_equal(t.cli_info[0]->capacity, 256);
    assert_int_equal(t.cli_info[1]->capacity, 512);
    assert_int_equal(t.cli_info[0]->sector_size, 512);
    /* client 1 writes 3 blocks at partition block 10 from offset 8 KiB */
    for (int i = 0; i < 3 * 4096; i++)
        t.data[1][8192 + i] = (uint8_t)(i * 7 + 1);
    blk_resp_t r = roundtrip(1, BLK_REQ_WRITE, 8192, 10, 3, 0xDEADBEEF);
    assert_int_equal(r.status, BLK_RESP_OK);
    assert_int_equal(r.success_count, 3);
    uint64_t at = (4096 / 8 + 10) * 4096ull; /* partition start 4096 sectors = block 512 */
    assert_memory_equal(t.disk.bytes + at, t.data[1] + 8192, (size_t)3 * 4096);
    r = roundtrip(1, BLK_REQ_READ, 32768, 10, 3, 5);
    assert_int_equal(r.status, BLK_RESP_OK);
    assert_memory_equal(t.data[1] + 32768, t.data[1] + 8192, (size_t)3 * 4096);
    /* the last block of partition 0 is reachable, one past it is not */
    assert_int_equal(roundtrip(0, BLK_REQ_READ, 0, 255, 1, 1).status, BLK_RESP_OK);
    assert_int_equal(roundtrip(0, BLK_REQ_FLUSH, 0, 0, 0, 2).status, BLK_RESP_OK);
    assert_int_equal(roundtrip(0, BLK_REQ_BARRIER, 0, 0, 0, 3).status, BLK_RESP_OK);
    assert_int_equal(fake_os_stat("requests"), 5);
    teardown_system();
}

static void test_invalid_requests(void **state)
{
    (void)state;
    gpt_disk();
    setup_system(0, 1);
    start_virt();
    uint64_t served = t.drv_reqs;
    struct { // NOLINT(clang-analyzer-optin.performance.Padding): a small table in argument order
        uint32_t code;
        uint64_t off, block;
        uint16_t count;
    } bad[] = {
        {7, 0, 0, 1},                            /* unknown code */
        {0xFFFFFFFF, 0, 0, 1},                   /* unknown code */
        {BLK_REQ_READ, 0, 0, 0},                 /* count 0 */
        {BLK_REQ_READ, 100, 0, 1},               /* misaligned offset */
        {BLK_REQ_READ, DATA_SIZE, 0, 1},         /* offset outside the region */
        {BLK_REQ_WRITE, DATA_SIZE - 4096, 0, 2}, /* range leaves the region */
        {BLK_REQ_READ, UINT64_MAX - 4095, 0, 1}, /* offset near 2^64 */
        {BLK_REQ_READ, 0, 256, 1},               /* one past the partition */
        {BLK_REQ_READ, 0, 250, 7},               /* range leaves the partition */
        {BLK_REQ_READ, 0, UINT64_MAX, 1},        /* block near 2^64 */
        {BLK_REQ_WRITE, 0, UINT64_MAX - 2, 4},   /* block + count wraps */
        {BLK_REQ_READ, 0, 0, 65535},             /* larger than the region */
    };
    for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        blk_resp_t r = roundtrip(0, bad[i].code, bad[i].off, bad[i].block, bad[i].count, 100 + i);
        if (r.status != BLK_RESP_ERR_INVALID_PARAM)
            fail_msg("bad request %u got status %u", i, r.status);
        assert_int_equal(r.success_count, 0);
    }
    assert_int_equal(t.drv_reqs, served); /* nothing reached the driver */
    assert_int_equal(fake_os_stat("invalid"), sizeof(bad) / sizeof(bad[0]));
    teardown_system();
}

/* A read-only disk: each client's storage_info says so; WRITE is refused by the virt with
   BLK_RESP_ERR_INVALID_PARAM (blk_checks.h) and never reaches the driver; READ, FLUSH and
   BARRIER go through. */
static void test_read_only_disk(void **state)
{
    (void)state;
    gpt_disk();
    setup_system(0, 1);
    t.drv_info->read_only = true;
    start_virt();
    assert_true(t.cli_info[0]->read_only);
    assert_true(t.cli_info[1]->read_only);
    uint8_t before[4096];
    memcpy(before, t.disk.bytes + (2048 / 8 + 3) * 4096ull, sizeof(before));
    memset(t.data[0], 0x5A, 4096);
    uint64_t served = t.drv_reqs;
    blk_resp_t r = roundtrip(0, BLK_REQ_WRITE, 0, 3, 1, 1);
    assert_int_equal(r.status, BLK_RESP_ERR_INVALID_PARAM);
    assert_int_equal(r.success_count, 0);
    assert_int_equal(t.drv_reqs, served);
    assert_memory_equal(t.disk.bytes + (2048 / 8 + 3) * 4096ull, before, sizeof(before));
    assert_int_equal(roundtrip(0, BLK_REQ_READ, 0, 3, 1, 2).status, BLK_RESP_OK);
    assert_memory_equal(t.data[0], before, sizeof(before));
    assert_int_equal(roundtrip(1, BLK_REQ_FLUSH, 0, 0, 0, 3).status, BLK_RESP_OK);
    assert_int_equal(roundtrip(1, BLK_REQ_BARRIER, 0, 0, 0, 4).status, BLK_RESP_OK);
    assert_int_equal(t.drv_reqs, served + 3);
    assert_int_equal(fake_os_stat("invalid"), 1);
    teardown_system();
}

static void test_malformed_table(void **state)
{
    (void)state;
    gpt_disk();
    gpt_hdr(&t.disk, 1)[40] ^= 1; /* header CRC no longer matches */
    setup_system(0, 1);
    start_virt();
    for (int c = 0; c < 2; c++) {
        assert_int_equal(t.cli_info[c]->capacity, 0);
        blk_resp_t r = roundtrip(c, BLK_REQ_READ, 0, 0, 1, 9);
        assert_int_equal(r.status, BLK_RESP_ERR_NO_DEVICE);
        assert_int_equal(roundtrip(c, BLK_REQ_FLUSH, 0, 0, 0, 9).status, BLK_RESP_ERR_NO_DEVICE);
    }
    teardown_system();
}

static void test_missing_partition(void **state)
{
    (void)state;
    t.disk = disk_new(8 * MIB, 512);
    mbr_entry(&t.disk, 0, 0x83, 2048, 2048);
    mbr_entry(&t.disk, 1, 0x83, 4097, 2048); /* misaligned */
    setup_system(0, 1);
    start_virt();
    assert_int_equal(t.cli_info[0]->capacity, 256);
    assert_int_equal(t.cli_info[1]->capacity, 0);
    assert_int_equal(roundtrip(1, BLK_REQ_READ, 0, 0, 1, 1).status, BLK_RESP_ERR_NO_DEVICE);
    assert_int_equal(roundtrip(0, BLK_REQ_READ, 0, 0, 1, 1).status, BLK_RESP_OK);
    teardown_system();
    t.disk = disk_new(8 * MIB, 512);
    mbr_entry(&t.disk, 0, 0x83, 2048, 2048);
    setup_system(0, 3); /* partition 4: an empty slot */
    start_virt();
    assert_int_equal(t.cli_info[1]->capacity, 0);
    setup_system(0, 200); /* beyond the 4 MBR slots */
    start_virt();
    assert_int_equal(t.cli_info[1]->capacity, 0);
    assert_int_equal(t.cli_info[0]->capacity, 256);
    teardown_system();
}

/* Client 1 misbehaves in every way; client 0 keeps working and gets its own data. */
static void test_hostile_client(void **state)
{
    (void)state;
    gpt_disk();
    setup_system(0, 1);
    start_virt();
    /* client 0's partition holds a known pattern */
    uint64_t p0 = 256 * 4096ull;
    for (int i = 0; i < 4096; i++)
        t.disk.bytes[p0 + (size_t)4096 * 5 + i] = (uint8_t)(i ^ 0x5A);
    /* reused ids in flight */
    for (int i = 0; i < 4; i++)
        assert_int_equal(blk_enqueue_req(&t.cli[1], BLK_REQ_READ, 0, (uint64_t)i, 1, 42), 0);
    fake_os_dispatch(2);
    run_driver();
    for (int i = 0; i < 4; i++) {
        blk_resp_t r;
        assert_int_equal(blk_dequeue_resp_entry(&t.cli[1], &r), 0);
        assert_int_equal(r.id, 42);
        assert_int_equal(r.status, BLK_RESP_OK);
    }
    /* a flood without taking responses: at most CAP ever accepted */
    for (int round = 0; round < 5; round++) {
        while (blk_enqueue_req(&t.cli[1], BLK_REQ_READ, 0, 0, 1, 7) == 0)
            ;
        fake_os_dispatch(2);
        run_driver();
    }
    assert_int_equal(blk_queue_length_resp(&t.cli[1]), CAP);
    blk_resp_t r = roundtrip(0, BLK_REQ_READ, 4096, 5, 1, 77);
    assert_int_equal(r.status, BLK_RESP_OK);
    assert_memory_equal(t.data[0] + 4096, t.disk.bytes + p0 + (size_t)4096 * 5, 4096);
    /* corrupt indices */
    atomic_store(&t.cli[1].req_queue->tail, 0x80000000u);
    atomic_store(&t.cli[1].resp_queue->head, 0x12345678u);
    fake_os_dispatch(2);
    run_driver();
    r = roundtrip(0, BLK_REQ_READ, 0, 5, 1, 78);
    assert_int_equal(r.status, BLK_RESP_OK);
    assert_memory_equal(t.data[0], t.disk.bytes + p0 + (size_t)4096 * 5, 4096);
    /* a driver response with an unknown id or garbage status */
    assert_int_equal(blk_enqueue_resp(&t.drv, BLK_RESP_OK, 1, 9999), 0);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(fake_os_stat("driver_bad_resp"), 1);
    assert_int_equal(blk_enqueue_req(&t.cli[0], BLK_REQ_READ, 0, 0, 1, 5), 0);
    fake_os_dispatch(1);
    blk_req_t dr = {0};
    assert_int_equal(blk_dequeue_req_entry(&t.drv, &dr), 0);
    assert_int_equal(dr.block_number, 256); /* translated: partition start + 0 */
    assert_int_equal(dr.io_or_offset, IO_DATA[0]);
    assert_int_equal(blk_enqueue_resp(&t.drv, 1234, 60000, dr.id), 0);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(blk_dequeue_resp_entry(&t.cli[0], &r), 0);
    assert_int_equal(r.status, BLK_RESP_ERR_UNSPEC);
    assert_int_equal(r.success_count, 1); /* clamped to the request's count */
    assert_int_equal(r.id, 5);
    teardown_system();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_discovery_and_io), cmocka_unit_test(test_invalid_requests),
        cmocka_unit_test(test_malformed_table),  cmocka_unit_test(test_missing_partition),
        cmocka_unit_test(test_hostile_client),   cmocka_unit_test(test_read_only_disk),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
