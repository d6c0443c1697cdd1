/*
 * test_serial_queue.c - unit tests of the serial byte ring
 * (include/sddf/serial/queue.h): every fill level, FIFO content, the 32-bit
 * wrap of both indices, batch enqueue/dequeue across the end of the data
 * region, contiguous helpers, corrupt indices written by a peer, capacity
 * validation and the producer-requested signal flag (sDDF serial form).
 *
 * Each data region is allocated with exactly `capacity` bytes, so under
 * AddressSanitizer any access outside the ring is reported.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sddf/serial/queue.h>

static const uint32_t capacities[] = {1, 2, 4, 16, 1024};
#define N_CAPS (sizeof(capacities) / sizeof(capacities[0]))

/* Start indices: zero, just below the 32-bit wrap, and in the middle. */
static const uint32_t starts[] = {0, UINT32_MAX - 5, 0x80000000u - 3};
#define N_STARTS (sizeof(starts) / sizeof(starts[0]))

typedef struct ring {
    serial_queue_handle_t h;
    serial_queue_t q;
    char *data;
} ring_t;

static void ring_open(ring_t *r, uint32_t cap, uint32_t start)
{
    memset(&r->q, 0, sizeof(r->q));
    r->data = malloc(cap);
    assert_non_null(r->data);
    assert_int_equal(serial_queue_init(&r->h, &r->q, cap, r->data), 0);
    atomic_store(&r->q.head, start);
    atomic_store(&r->q.tail, start);
}

static void ring_close(ring_t *r)
{
    free(r->data);
}

static void test_capacity_valid(void **state)
{
    (void)state;
    assert_false(serial_queue_capacity_valid(0));
    assert_false(serial_queue_capacity_valid(3));
    assert_false(serial_queue_capacity_valid(SERIAL_MAX_QUEUE_CAPACITY * 2u));
    assert_true(serial_queue_capacity_valid(1));
    assert_true(serial_queue_capacity_valid(SERIAL_MAX_QUEUE_CAPACITY));
    serial_queue_handle_t h = {0};
    serial_queue_t q;
    char d[8];
    assert_int_equal(serial_queue_init(&h, &q, 6, d), -1);
    assert_null(h.queue);
}

/* Fill to every level and drain, at every start index: lengths, full/empty, content. */
static void test_fill_levels_and_wrap(void **state)
{
    (void)state;
    for (size_t ci = 0; ci < N_CAPS; ci++) {
        uint32_t cap = capacities[ci];
        for (size_t si = 0; si < N_STARTS; si++) {
            for (uint32_t lvl = 0; lvl <= cap; lvl++) {
                ring_t r;
                ring_open(&r, cap, starts[si]);
                for (uint32_t i = 0; i < lvl; i++) {
                    assert_false(serial_queue_full(&r.h, serial_queue_tail(&r.h)));
                    assert_int_equal(serial_enqueue(&r.h, (char)(i * 7 + 1)), 0);
                    assert_int_equal(serial_queue_length_producer(&r.h), i + 1);
                }
                assert_int_equal(serial_queue_length_consumer(&r.h), lvl);
                assert_int_equal(serial_queue_free(&r.h, serial_queue_tail(&r.h)), cap - lvl);
                assert_int_equal(serial_queue_full(&r.h, serial_queue_tail(&r.h)), lvl == cap);
                assert_int_equal(serial_queue_empty(&r.h, serial_queue_head(&r.h)), lvl == 0);
                if (lvl == cap)
                    assert_int_equal(serial_enqueue(&r.h, 'x'), -1);
                for (uint32_t i = 0; i < lvl; i++) {
                    char c = 0;
                    assert_int_equal(serial_dequeue(&r.h, &c), 0);
                    assert_int_equal((unsigned char)c, (unsigned char)(i * 7 + 1));
                }
                char c;
                assert_int_equal(serial_dequeue(&r.h, &c), -1);
                assert_true(serial_queue_empty(&r.h, serial_queue_head(&r.h)));
                assert_int_equal(atomic_load(&r.q.tail), starts[si] + lvl);
                ring_close(&r);
            }
        }
    }
}

/* Local indices: nothing is visible to the peer until published. */
static void test_local_then_publish(void **state)
{
    (void)state;
    ring_t r;
    ring_open(&r, 8, UINT32_MAX - 2);
    uint32_t tail = serial_queue_tail(&r.h);
    for (int i = 0; i < 5; i++)
        assert_int_equal(serial_enqueue_local(&r.h, &tail, (char)('a' + i)), 0);
    assert_true(serial_queue_empty(&r.h, serial_queue_head(&r.h)));
    serial_update_shared_tail(&r.h, tail);
    assert_int_equal(serial_queue_length_consumer(&r.h), 5);
    uint32_t head = serial_queue_head(&r.h);
    char c;
    assert_int_equal(serial_dequeue_local(&r.h, &head, &c), 0);
    assert_int_equal(c, 'a');
    assert_int_equal(serial_queue_length_producer(&r.h), 5); /* head not published */
    serial_update_shared_head(&r.h, head);
    assert_int_equal(serial_queue_length_producer(&r.h), 4);
    ring_close(&r);
}

/* Batch enqueue/dequeue at every offset across the end of the data region and the u32 wrap. */
static void test_batch_wrap(void **state)
{
    (void)state;
    const uint32_t cap = 16;
    char src[16], dst[16];
    for (uint32_t i = 0; i < cap; i++)
        src[i] = (char)(0xf0 + i);
    for (uint32_t off = 0; off < 2 * cap; off++) {
        for (uint32_t n = 0; n <= cap; n++) {
            ring_t r;
            ring_open(&r, cap, UINT32_MAX - cap + off);
            assert_int_equal(serial_queue_contiguous_free(&r.h, serial_queue_tail(&r.h)),
                             cap - ((UINT32_MAX - cap + off) & (cap - 1)));
            assert_int_equal(serial_enqueue_batch(&r.h, n, src), n);
            uint32_t cl = serial_queue_contiguous_length(&r.h, serial_queue_head(&r.h));
            assert_true(cl <= n);
            uint32_t head = serial_queue_head(&r.h);
            memset(dst, 0, sizeof(dst));
            assert_int_equal(serial_dequeue_batch_local(&r.h, &head, cap, dst), n);
            assert_memory_equal(dst, src, n);
            /* a batch larger than the room is cut */
            assert_int_equal(serial_enqueue_batch(&r.h, cap, src), cap - n);
            ring_close(&r);
        }
    }
}

/* A peer that writes indices further apart than the capacity: empty to us, full to it. */
static void test_corrupt_indices(void **state)
{
    (void)state;
    ring_t r;
    ring_open(&r, 8, 100);
    atomic_store(&r.q.tail, 100 + 9);
    assert_true(serial_queue_corrupt(&r.h));
    assert_true(serial_queue_empty(&r.h, 100));
    assert_int_equal(serial_queue_length_consumer(&r.h), 0);
    assert_int_equal(serial_queue_contiguous_length(&r.h, 100), 0);
    char c;
    uint32_t head = 100;
    assert_int_equal(serial_dequeue_local(&r.h, &head, &c), -1);
    char buf[8];
    assert_int_equal(serial_dequeue_batch_local(&r.h, &head, 8, buf), 0);
    /* head beyond tail: the producer sees a full ring, never a huge free count */
    atomic_store(&r.q.tail, 100);
    atomic_store(&r.q.head, 150);
    assert_true(serial_queue_full(&r.h, 100));
    assert_int_equal(serial_queue_free(&r.h, 100), 0);
    assert_int_equal(serial_enqueue(&r.h, 'x'), -1);
    assert_int_equal(serial_enqueue_batch(&r.h, 4, "abcd"), 0);
    ring_close(&r);
}

/* The flag: zeroed = wants a signal; request sets 0, cancel sets 1, require reads it. */
static void test_signal_flag(void **state)
{
    (void)state;
    ring_t r;
    ring_open(&r, 4, 0);
    assert_true(serial_require_consumer_signal(&r.h));
    serial_cancel_consumer_signal(&r.h);
    assert_false(serial_require_consumer_signal(&r.h));
    serial_request_consumer_signal(&r.h);
    assert_true(serial_require_consumer_signal(&r.h));
    assert_int_equal(atomic_load(&r.q.producer_signalled), 0);
    ring_close(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capacity_valid),     cmocka_unit_test(test_fill_levels_and_wrap),
        cmocka_unit_test(test_local_then_publish), cmocka_unit_test(test_batch_wrap),
        cmocka_unit_test(test_corrupt_indices),    cmocka_unit_test(test_signal_flag),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
