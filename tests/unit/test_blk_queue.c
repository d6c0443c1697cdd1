/*
 * tests/unit/test_blk_queue.c - the block queues (include/sddf/blk/queue.h)
 * and storage_info page: FIFO order, full/empty, every slot usable, the wrap
 * of the 32-bit indices, corrupt indices read as empty (consumer) and full
 * (producer), capacity rules, plug hint, ready flag.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <sddf/blk/queue.h>
#include <sddf/blk/storage_info.h>

#define CAP 8u

static _Alignas(16) uint8_t req_mem[BLK_REQ_QUEUE_BYTES(CAP)];
static _Alignas(16) uint8_t resp_mem[BLK_RESP_QUEUE_BYTES(CAP)];

static blk_queue_handle_t fresh(void)
{
    memset(req_mem, 0, sizeof(req_mem));
    memset(resp_mem, 0, sizeof(resp_mem));
    blk_queue_handle_t h;
    assert_int_equal(
        blk_queue_init(&h, (blk_req_queue_t *)req_mem, (blk_resp_queue_t *)resp_mem, CAP), 0);
    return h;
}

static void test_capacity_rules(void **state)
{
    (void)state;
    blk_queue_handle_t h = {0};
    assert_int_equal(blk_queue_init(&h, NULL, NULL, 0), -1);
    assert_int_equal(blk_queue_init(&h, NULL, NULL, 6), -1);
    assert_int_equal(blk_queue_init(&h, NULL, NULL, BLK_MAX_QUEUE_CAPACITY * 2), -1);
    assert_int_equal(h.capacity, 0); /* unchanged on failure */
    assert_int_equal(blk_queue_init(&h, NULL, NULL, BLK_MAX_QUEUE_CAPACITY), 0);
    assert_int_equal(blk_queue_init(&h, NULL, NULL, 1), 0);
    assert_int_equal(BLK_REQ_QUEUE_BYTES(128), 16 + 128 * 32);
    assert_int_equal(BLK_RESP_QUEUE_BYTES(128), 8 + 128 * 12);
}

static void test_fifo_full_empty(void **state)
{
    (void)state;
    blk_queue_handle_t h = fresh();
    assert_true(blk_queue_empty_req(&h));
    assert_true(blk_queue_empty_resp(&h));
    blk_req_t r;
    assert_int_equal(blk_dequeue_req_entry(&h, &r), -1);
    for (uint32_t i = 0; i < CAP; i++)
        assert_int_equal(
            blk_enqueue_req(&h, BLK_REQ_WRITE, (uint64_t)i * 4096, 1000 + i, (uint16_t)i, 7 * i),
            0);
    assert_true(blk_queue_full_req(&h)); /* every slot usable */
    assert_int_equal(blk_queue_length_req(&h), CAP);
    assert_int_equal(blk_enqueue_req(&h, BLK_REQ_READ, 0, 0, 1, 99), -1);
    for (uint32_t i = 0; i < CAP; i++) {
        uint32_t code, id;
        uint64_t io, block;
        uint16_t count;
        assert_int_equal(blk_dequeue_req(&h, &code, &io, &block, &count, &id), 0);
        assert_int_equal(code, BLK_REQ_WRITE);
        assert_int_equal(io, i * 4096);
        assert_int_equal(block, 1000 + i);
        assert_int_equal(count, i);
        assert_int_equal(id, 7 * i);
    }
    assert_true(blk_queue_empty_req(&h));
    for (uint32_t i = 0; i < CAP; i++)
        assert_int_equal(blk_enqueue_resp(&h, BLK_RESP_ERR_IO, (uint16_t)i, i), 0);
    assert_true(blk_queue_full_resp(&h));
    assert_int_equal(blk_enqueue_resp(&h, BLK_RESP_OK, 0, 0), -1);
    uint32_t st, id;
    uint16_t sc;
    assert_int_equal(blk_dequeue_resp(&h, &st, &sc, &id), 0);
    assert_int_equal(st, BLK_RESP_ERR_IO);
    assert_int_equal(blk_queue_length_resp(&h), CAP - 1);
}

/* Indices near 2^32 wrap naturally: order and counts stay right. */
static void test_index_wrap(void **state)
{
    (void)state;
    blk_queue_handle_t h = fresh();
    blk_req_queue_t *q = h.req_queue;
    blk_resp_queue_t *p = h.resp_queue;
    atomic_store(&q->head, UINT32_MAX - 3);
    atomic_store(&q->tail, UINT32_MAX - 3);
    atomic_store(&p->head, UINT32_MAX - 1);
    atomic_store(&p->tail, UINT32_MAX - 1);
    uint32_t next_out = 0;
    for (uint32_t i = 0; i < 100; i++) {
        assert_int_equal(blk_enqueue_req(&h, BLK_REQ_READ, 0, i, 1, i), 0);
        assert_int_equal(blk_enqueue_resp(&h, BLK_RESP_OK, 1, i), 0);
        if (i % 3 == 2) { /* let the queues fill up across the wrap */
            for (int k = 0; k < 3; k++) {
                blk_req_t r = {0}; /* cmocka's failing assert is not noreturn to the analyzer */
                blk_resp_t s = {0};
                assert_int_equal(blk_dequeue_req_entry(&h, &r), 0);
                assert_int_equal(blk_dequeue_resp_entry(&h, &s), 0);
                assert_int_equal(r.id, next_out);
                assert_int_equal(s.id, next_out);
                next_out++;
            }
        }
    }
    assert_true(atomic_load(&q->tail) < 1000); /* it did wrap */
    assert_int_equal(blk_queue_length_req(&h), 100 - next_out);
    /* Fill to full exactly across the wrap. */
    while (blk_enqueue_req(&h, BLK_REQ_READ, 0, 0, 1, 0) == 0)
        ;
    assert_int_equal(blk_queue_length_req(&h), CAP);
}

/* A peer that writes garbage indices stalls only its own queue. */
static void test_corrupt_indices(void **state)
{
    (void)state;
    blk_queue_handle_t h = fresh();
    atomic_store(&h.req_queue->tail, 12345); /* length 12345 > capacity */
    assert_true(blk_queue_empty_req(&h));
    blk_req_t r;
    assert_int_equal(blk_dequeue_req_entry(&h, &r), -1);
    assert_true(blk_queue_full_req(&h));
    assert_int_equal(blk_enqueue_req(&h, BLK_REQ_READ, 0, 0, 1, 1), -1);
    atomic_store(&h.resp_queue->head, 5); /* head ahead of tail: length wraps huge */
    assert_true(blk_queue_empty_resp(&h));
    assert_true(blk_queue_full_resp(&h));
    assert_int_equal(blk_enqueue_resp(&h, BLK_RESP_OK, 0, 0), -1);
    blk_resp_t s;
    assert_int_equal(blk_dequeue_resp_entry(&h, &s), -1);
    /* Slots are masked with the private capacity whatever the indices are. */
    h = fresh();
    atomic_store(&h.req_queue->head, 0xFFFFFF00u);
    atomic_store(&h.req_queue->tail, 0xFFFFFF00u);
    assert_int_equal(blk_enqueue_req(&h, BLK_REQ_READ, 1, 2, 3, 4), 0);
    assert_int_equal(((blk_req_queue_t *)req_mem)->buffers[0xFFFFFF00u % CAP].id, 4);
}

static void test_plug_and_ready(void **state)
{
    (void)state;
    blk_queue_handle_t h = fresh();
    assert_false(blk_queue_plugged_req(&h));
    blk_queue_plug_req(&h);
    assert_true(blk_queue_plugged_req(&h));
    blk_queue_unplug_req(&h);
    assert_false(blk_queue_plugged_req(&h));
    blk_storage_info_t si = {0};
    assert_false(blk_storage_is_ready(&si));
    blk_storage_set_ready(&si, true);
    assert_true(blk_storage_is_ready(&si));
    assert_int_equal(((uint8_t *)&si)[65], 1); /* the sDDF layout: ready at byte 65 */
    blk_storage_set_ready(&si, false);
    assert_false(blk_storage_is_ready(&si));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capacity_rules), cmocka_unit_test(test_fifo_full_empty),
        cmocka_unit_test(test_index_wrap),     cmocka_unit_test(test_corrupt_indices),
        cmocka_unit_test(test_plug_and_ready),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
