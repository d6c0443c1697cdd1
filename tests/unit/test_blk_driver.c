/*
 * tests/unit/test_blk_driver.c - the io_uring block driver's request engine
 * (drivers/blk/io_uring/engine.c) linked with a fake ring: every I/O the
 * engine queues is recorded, and the test completes it with whatever result
 * it wants (short transfers, end of file, -EIO, -EAGAIN), in any order.
 * Covers: continuation of short transfers, errors mapped to BLK_RESP_ERR_IO
 * with success_count = whole blocks done, the EAGAIN retry path and its
 * bound, BARRIER ordering (nothing after it starts before everything before
 * it completed), request checks (incl. WRITE/FLUSH on a read-only disk),
 * response-room accounting, a failed prep and an impossible completion, and
 * the READ-only partial block at the end of a disk that is not a multiple
 * of 4 KiB (zeros past the end).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "../../drivers/blk/io_uring/engine.h"

#define CAP     8u
#define BLOCKS  64u
#define IO_BASE 0x100000ull
#define IO_SIZE (16u * BLK_TRANSFER_SIZE)

/* One I/O the engine queued. */
typedef struct op {
    uint32_t slot;
    uint8_t code;
    uint8_t *ptr;
    uint32_t len;
    uint64_t off;
    int buf;
} op_t;

static struct {
    blk_engine_t eng; /* large: static */
    blk_queue_handle_t q;
    void *req_mem, *resp_mem;
    uint8_t *data;
    sddf_device_region_resource_t io;
    uint64_t c[8]; /* reads writes flushes barriers errors bad short retries */
    op_t ops[256];
    uint32_t num_ops; /* recorded I/Os */
    uint32_t submits;
    bool fail_prep;
} t;

int blk_ring_prep(blk_engine_t *e, uint32_t slot, uint8_t code, uint8_t *ptr, uint32_t len,
                  uint64_t off, int buf)
{
    assert_ptr_equal(e, &t.eng);
    if (t.fail_prep)
        return -1;
    assert_true(t.num_ops < 256);
    t.ops[t.num_ops++] = (op_t){slot, code, ptr, len, off, buf};
    return 0;
}

void blk_ring_submit(blk_engine_t *e)
{
    assert_ptr_equal(e, &t.eng);
    t.submits++;
}

static void setup(bool read_only)
{
    free(t.req_mem);
    free(t.resp_mem);
    free(t.data);
    memset(&t, 0, sizeof(t));
    t.req_mem = calloc(1, BLK_REQ_QUEUE_BYTES(CAP));
    t.resp_mem = calloc(1, BLK_RESP_QUEUE_BYTES(CAP));
    t.data = aligned_alloc(4096, IO_SIZE);
    assert_int_equal(blk_queue_init(&t.q, t.req_mem, t.resp_mem, CAP), 0);
    t.io = (sddf_device_region_resource_t){{(uint64_t)(uintptr_t)t.data, IO_SIZE}, IO_BASE};
    blk_engine_stats_t st = {&t.c[0], &t.c[1], &t.c[2], &t.c[3],
                             &t.c[4], &t.c[5], &t.c[6], &t.c[7]};
    blk_engine_init(&t.eng, t.q, &t.io, 1, BLOCKS, read_only, st);
}

static int setup_rw(void **state)
{
    (void)state;
    setup(false);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(t.req_mem);
    free(t.resp_mem);
    free(t.data);
    t.req_mem = t.resp_mem = NULL;
    t.data = NULL;
    return 0;
}

static void req(blk_req_code_t code, uint32_t buf_block, uint64_t block, uint16_t count,
                uint32_t id)
{
    assert_int_equal(
        blk_enqueue_req(&t.q, code, IO_BASE + (uint64_t)buf_block * 4096, block, count, id), 0);
}

/* Take the next response; fails the test if there is none. */
static blk_resp_t resp(void)
{
    blk_resp_t r;
    assert_int_equal(blk_dequeue_resp_entry(&t.q, &r), 0);
    return r;
}

static void expect_resp(uint32_t status, uint16_t success, uint32_t id)
{
    blk_resp_t r = resp();
    assert_int_equal(r.id, id);
    assert_int_equal(r.status, status);
    assert_int_equal(r.success_count, success);
}

static void expect_no_resp(void)
{
    assert_true(blk_queue_empty_resp(&t.q));
}

/* Complete recorded op @i with @res. */
static void complete(uint32_t i, int res)
{
    assert_true(i < t.num_ops);
    blk_engine_complete(&t.eng, t.ops[i].slot, res);
}

static void test_read_maps_to_disk(void **state)
{
    (void)state;
    req(BLK_REQ_READ, 2, 10, 3, 77);
    assert_int_equal(blk_engine_intake(&t.eng), 1);
    assert_int_equal(t.num_ops, 1);
    assert_int_equal(t.submits, 1);
    assert_int_equal(t.ops[0].code, BLK_REQ_READ);
    assert_ptr_equal(t.ops[0].ptr, t.data + 2 * 4096);
    assert_int_equal(t.ops[0].len, 3 * 4096);
    assert_int_equal(t.ops[0].off, 10 * 4096);
    assert_int_equal(t.ops[0].buf, 0);
    expect_no_resp();
    complete(0, 3 * 4096);
    expect_resp(BLK_RESP_OK, 3, 77);
    assert_true(blk_engine_take_notify(&t.eng));
    assert_false(blk_engine_take_notify(&t.eng));
    assert_int_equal(t.eng.in_flight, 0);
    assert_int_equal(t.c[0], 1);
}

static void test_short_transfer_continued(void **state)
{
    (void)state;
    req(BLK_REQ_READ, 0, 20, 4, 5);
    blk_engine_intake(&t.eng);
    complete(0, 5000); /* short: the rest is queued from byte 5000 */
    expect_no_resp();
    assert_int_equal(t.num_ops, 2);
    assert_int_equal(t.ops[1].slot, t.ops[0].slot);
    assert_ptr_equal(t.ops[1].ptr, t.data + 5000);
    assert_int_equal(t.ops[1].len, 4 * 4096 - 5000);
    assert_int_equal(t.ops[1].off, 20 * 4096 + 5000);
    assert_int_equal(t.submits, 2);
    complete(1, 4 * 4096 - 5000);
    expect_resp(BLK_RESP_OK, 4, 5);
    assert_int_equal(t.c[6], 1); /* short_transfers */
    assert_int_equal(t.c[4], 0); /* errors */
}

static void test_eof_is_io_error_with_blocks_done(void **state)
{
    (void)state;
    req(BLK_REQ_READ, 0, 60, 4, 9);
    blk_engine_intake(&t.eng);
    complete(0, 2 * 4096 + 100); /* 2 whole blocks and a bit */
    complete(1, 0);              /* then end of file: no progress */
    expect_resp(BLK_RESP_ERR_IO, 2, 9);
    assert_int_equal(t.num_ops, 2);
    assert_int_equal(t.c[4], 1);
    assert_int_equal(t.eng.in_flight, 0);
}

/* A disk of BLOCKS blocks and 3 sectors: a READ may cover the partial tail block, the bytes
 * past the end read as zeros (a short read that reaches the end is complete); a WRITE to it
 * is refused; a short read that stops before the end is still an I/O error. */
static void test_partial_tail_block(void **state)
{
    (void)state;
    t.eng.tail = 3 * 512;
    memset(t.data, 0xAB, IO_SIZE);
    req(BLK_REQ_READ, 0, BLOCKS - 1, 2, 1); /* the last whole block and the tail */
    assert_int_equal(blk_engine_intake(&t.eng), 1);
    assert_int_equal(t.ops[0].len, 2 * 4096);
    complete(0, 4096 + 1536); /* what a file of that size gives */
    expect_resp(BLK_RESP_OK, 2, 1);
    for (uint32_t i = 4096 + 1536; i < 2 * 4096; i++)
        assert_int_equal(t.data[i], 0);
    assert_int_equal(t.data[4096 + 1535], 0xAB); /* the disk's bytes are left as read */
    req(BLK_REQ_READ, 0, BLOCKS, 2, 2);          /* past the tail */
    req(BLK_REQ_WRITE, 0, BLOCKS, 1, 3);         /* the tail is read-only */
    assert_int_equal(blk_engine_intake(&t.eng), 2);
    expect_resp(BLK_RESP_ERR_INVALID_PARAM, 0, 2);
    expect_resp(BLK_RESP_ERR_INVALID_PARAM, 0, 3);
    req(BLK_REQ_READ, 0, BLOCKS, 1, 4);
    assert_int_equal(blk_engine_intake(&t.eng), 1);
    complete(1, 512);               /* short of the end (the file shrank) */
    assert_int_equal(t.num_ops, 3); /* continued */
    complete(2, 0);                 /* end of file before the disk's end: error */
    expect_resp(BLK_RESP_ERR_IO, 0, 4);
}

static void test_error_after_partial_write(void **state)
{
    (void)state;
    req(BLK_REQ_WRITE, 1, 3, 3, 11);
    blk_engine_intake(&t.eng);
    assert_int_equal(t.ops[0].code, BLK_REQ_WRITE);
    complete(0, 4096);
    complete(1, -EIO);
    expect_resp(BLK_RESP_ERR_IO, 1, 11);
    /* An immediate error: nothing done. */
    req(BLK_REQ_WRITE, 1, 3, 2, 12);
    blk_engine_intake(&t.eng);
    complete(2, -ENOSPC);
    expect_resp(BLK_RESP_ERR_IO, 0, 12);
    assert_int_equal(t.c[4], 2);
}

static void test_eagain_retried_then_bounded(void **state)
{
    (void)state;
    req(BLK_REQ_READ, 0, 0, 1, 1);
    blk_engine_intake(&t.eng);
    complete(0, -EAGAIN);
    complete(1, -EINTR);
    assert_int_equal(t.num_ops, 3); /* the same I/O queued again, twice */
    assert_int_equal(t.ops[2].off, 0);
    assert_int_equal(t.ops[2].len, 4096);
    complete(2, 4096);
    expect_resp(BLK_RESP_OK, 1, 1);
    assert_int_equal(t.c[7], 2);
    /* A request that never stops failing with EAGAIN ends after the bound. */
    req(BLK_REQ_READ, 0, 0, 1, 2);
    blk_engine_intake(&t.eng);
    for (uint32_t i = 0; i <= BLK_ENGINE_MAX_RETRIES; i++) {
        expect_no_resp();
        complete(t.num_ops - 1, -EAGAIN);
    }
    expect_resp(BLK_RESP_ERR_IO, 0, 2);
    assert_int_equal(t.num_ops, 3 + 1 + BLK_ENGINE_MAX_RETRIES);
}

static void test_barrier_orders(void **state)
{
    (void)state;
    req(BLK_REQ_WRITE, 0, 1, 1, 100);
    req(BLK_REQ_WRITE, 1, 2, 2, 101);
    req(BLK_REQ_BARRIER, 0, 0, 0, 200);
    req(BLK_REQ_READ, 4, 1, 1, 300);
    req(BLK_REQ_WRITE, 5, 9, 1, 301);
    assert_int_equal(blk_engine_intake(&t.eng), 3); /* W, W, barrier: then it stops */
    assert_int_equal(t.num_ops, 2);
    assert_int_equal(blk_engine_intake(&t.eng), 0); /* a later look changes nothing */
    assert_false(blk_engine_can_take(&t.eng));
    complete(1, 2 * 4096);
    expect_resp(BLK_RESP_OK, 2, 101);
    expect_no_resp();
    assert_int_equal(blk_engine_intake(&t.eng), 0);
    assert_int_equal(t.num_ops, 2); /* nothing after the barrier started */
    complete(0, 1000);              /* short: its continuation is still before the barrier */
    expect_no_resp();
    assert_int_equal(t.num_ops, 3);
    assert_int_equal(blk_engine_intake(&t.eng), 0);
    complete(2, 4096 - 1000);
    expect_resp(BLK_RESP_OK, 1, 100);
    expect_resp(BLK_RESP_OK, 0, 200); /* the barrier, after everything before it */
    assert_int_equal(t.eng.in_flight, 0);
    assert_true(blk_engine_can_take(&t.eng));
    assert_int_equal(blk_engine_intake(&t.eng), 2);
    assert_int_equal(t.num_ops, 5);
    assert_int_equal(t.ops[3].off, 1 * 4096);
    assert_int_equal(t.ops[4].off, 9 * 4096);
    assert_int_equal(t.c[3], 1);
}

static void test_barrier_alone_and_errors_before_it(void **state)
{
    (void)state;
    /* Nothing in flight: answered at once, and intake goes on behind it. */
    req(BLK_REQ_BARRIER, 0, 0, 0, 1);
    req(BLK_REQ_READ, 0, 0, 1, 2);
    assert_int_equal(blk_engine_intake(&t.eng), 2);
    expect_resp(BLK_RESP_OK, 0, 1);
    assert_int_equal(t.num_ops, 1);
    /* A failing request before a barrier still releases it. */
    req(BLK_REQ_BARRIER, 0, 0, 0, 3);
    req(BLK_REQ_READ, 0, 5, 1, 4);
    blk_engine_intake(&t.eng);
    assert_int_equal(t.num_ops, 1);
    complete(0, -EIO);
    expect_resp(BLK_RESP_ERR_IO, 0, 2);
    expect_resp(BLK_RESP_OK, 0, 3);
    blk_engine_intake(&t.eng);
    assert_int_equal(t.num_ops, 2);
    assert_int_equal(t.ops[1].off, 5 * 4096);
}

static void test_invalid_requests(void **state)
{
    (void)state;
    req(BLK_REQ_READ, 0, 0, 0, 1);              /* count 0 */
    req(BLK_REQ_READ, 0, BLOCKS, 1, 2);         /* past the end of the disk */
    req(BLK_REQ_READ, 0, BLOCKS - 1, 2, 3);     /* ends past the end */
    req(BLK_REQ_READ, 15, 0, 2, 4);             /* buffer ends past the IO region */
    req((blk_req_code_t)9, 0, 0, 1, 5);         /* unknown code */
    req(BLK_REQ_READ, 0, UINT64_MAX - 1, 4, 6); /* block number near 2^64 */
    assert_int_equal(blk_engine_intake(&t.eng), 6);
    for (uint32_t id = 1; id <= 6; id++)
        expect_resp(BLK_RESP_ERR_INVALID_PARAM, 0, id);
    assert_int_equal(blk_enqueue_req(&t.q, BLK_REQ_READ, IO_BASE - 4096, 0, 1, 7), 0);
    blk_engine_intake(&t.eng);
    expect_resp(BLK_RESP_ERR_INVALID_PARAM, 0, 7); /* IO address below the region */
    assert_int_equal(t.num_ops, 0);
    assert_int_equal(t.eng.in_flight, 0);
    assert_int_equal(t.eng.num_free, CAP);
}

static void test_read_only_disk(void **state)
{
    (void)state;
    setup(true);
    req(BLK_REQ_WRITE, 0, 0, 1, 1);
    req(BLK_REQ_FLUSH, 0, 0, 0, 2);
    req(BLK_REQ_READ, 0, 0, 1, 3);
    assert_int_equal(blk_engine_intake(&t.eng), 3);
    expect_resp(BLK_RESP_ERR_INVALID_PARAM, 0, 1);
    assert_int_equal(t.num_ops, 2);
    assert_int_equal(t.ops[0].code, BLK_REQ_FLUSH);
    assert_null(t.ops[0].ptr);
    assert_int_equal(t.ops[0].len, 0);
    assert_int_equal(t.ops[1].code, BLK_REQ_READ);
    complete(0, 0);
    expect_resp(BLK_RESP_OK, 0, 2);
    complete(1, 4096);
    expect_resp(BLK_RESP_OK, 1, 3);
    assert_int_equal(t.c[1], 0); /* no write counted */
}

static void test_response_room(void **state)
{
    (void)state;
    for (uint32_t i = 0; i < CAP; i++)
        req(BLK_REQ_READ, i, i, 1, i);
    assert_int_equal(blk_engine_intake(&t.eng), CAP);
    for (uint32_t i = 0; i < CAP; i++)
        complete(i, 4096);
    /* CAP responses wait, the virt takes none: a new request must wait too. */
    req(BLK_REQ_READ, 0, 0, 1, 100);
    assert_int_equal(blk_engine_intake(&t.eng), 0);
    resp();
    assert_int_equal(blk_engine_intake(&t.eng), 1);
    /* Corrupt response indices (length > capacity) stop intake, nothing else. */
    req(BLK_REQ_READ, 0, 0, 1, 101);
    atomic_store(&t.q.resp_queue->tail, 1000u);
    assert_int_equal(blk_engine_intake(&t.eng), 0);
}

static void test_prep_failure_and_bad_completion(void **state)
{
    (void)state;
    t.fail_prep = true;
    req(BLK_REQ_READ, 0, 0, 1, 1);
    blk_engine_intake(&t.eng);
    expect_resp(BLK_RESP_ERR_IO, 0, 1);
    assert_int_equal(t.eng.in_flight, 0);
    assert_int_equal(t.eng.num_free, CAP);
    assert_int_equal(t.submits, 0);
    t.fail_prep = false;
    blk_engine_complete(&t.eng, CAP, 4096);
    blk_engine_complete(&t.eng, UINT64_MAX, 4096);
    assert_int_equal(t.c[5], 2); /* bad */
    expect_no_resp();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_read_maps_to_disk, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_short_transfer_continued, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_eof_is_io_error_with_blocks_done, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_partial_tail_block, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_error_after_partial_write, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_eagain_retried_then_bounded, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_barrier_orders, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_barrier_alone_and_errors_before_it, setup_rw,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_invalid_requests, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_read_only_disk, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_response_room, setup_rw, teardown),
        cmocka_unit_test_setup_teardown(test_prep_failure_and_bad_completion, setup_rw, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
