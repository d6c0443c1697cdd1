/*
 * test_net_queue.c - unit tests of the network transport queue
 * (include/sddf/net/queue.h): full/empty at every fill level, FIFO order and
 * content, the 16-bit wrap of both indices, corrupt indices written by an
 * untrusted peer, net_buffers_init, capacity validation and the signal flag.
 *
 * Rules under test: sDDF design, SPSC queue rules and network queue format
 * (16-bit free-running indices, slot = index % capacity, every slot usable,
 * capacity private) and the "signal only when needed" flag protocol.
 *
 * Every queue is allocated with exactly NET_QUEUE_BYTES(capacity) bytes, so
 * under AddressSanitizer any access to a slot outside the capacity (e.g. one
 * a corrupt index would select) is reported as a heap overflow.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sddf/net/queue.h>

/*
 * Capacities exercised by most tests: edge sizes and the largest allowed
 * (32768: 65536 cannot be told from empty with 16-bit indices, see
 * test_capacity_valid).
 */
static const uint32_t capacities[] = {1, 2, 4, 8, 512, NET_MAX_QUEUE_CAPACITY};
#define N_CAPACITIES (sizeof(capacities) / sizeof(capacities[0]))

/* Allocate a queue of exactly NET_QUEUE_BYTES(@cap) zeroed bytes. */
static net_queue_t *queue_alloc(uint32_t cap)
{
    net_queue_t *q = malloc(NET_QUEUE_BYTES(cap));
    assert_non_null(q);
    memset(q, 0, NET_QUEUE_BYTES(cap));
    return q;
}

/* A handle over a fresh free/active pair of capacity @cap. */
static void pair_alloc(net_queue_handle_t *h, uint32_t cap)
{
    assert_int_equal(net_queue_init(h, queue_alloc(cap), queue_alloc(cap), cap), 0);
}

static void pair_free(net_queue_handle_t *h)
{
    free(h->free);
    free(h->active);
}

/* Place both indices of @q directly, as a queue that has run for a while would have them. */
static void set_indices(net_queue_t *q, uint16_t head, uint16_t tail)
{
    atomic_store(&q->head, head);
    atomic_store(&q->tail, tail);
}

static uint16_t head_of(net_queue_t *q)
{
    return atomic_load(&q->head);
}

static uint16_t tail_of(net_queue_t *q)
{
    return atomic_load(&q->tail);
}

/* A descriptor whose every field is derived from @seq, so content and order can be checked. */
static net_buff_desc_t desc_for(uint64_t seq)
{
    net_buff_desc_t d = {0x100000000ull + seq * NET_BUFFER_SIZE,
                         (uint16_t)(seq * 7u + 1u),
                         (uint8_t)(seq % 64u),
                         {0}};
    return d;
}

static void assert_desc_is(net_buff_desc_t d, uint64_t seq)
{
    net_buff_desc_t want = desc_for(seq);
    assert_int_equal(d.io_or_offset, want.io_or_offset);
    assert_int_equal(d.len, want.len);
    assert_int_equal(d.oid, want.oid);
}

/*
 * Queue-generic operations, so every test covers both the free and the
 * active variants of the public API (they must behave identically).
 */
typedef struct queue_ops {
    net_queue_t *(*queue)(net_queue_handle_t *h);
    bool (*empty)(net_queue_handle_t *h);
    bool (*full)(net_queue_handle_t *h);
    int (*enqueue)(net_queue_handle_t *h, net_buff_desc_t d);
    int (*dequeue)(net_queue_handle_t *h, net_buff_desc_t *d);
} queue_ops_t;

static net_queue_t *free_q(net_queue_handle_t *h)
{
    return h->free;
}

static net_queue_t *active_q(net_queue_handle_t *h)
{
    return h->active;
}

static const queue_ops_t ops_list[] = {
    {free_q, net_queue_empty_free, net_queue_full_free, net_enqueue_free, net_dequeue_free},
    {active_q, net_queue_empty_active, net_queue_full_active, net_enqueue_active,
     net_dequeue_active},
};
#define N_OPS (sizeof(ops_list) / sizeof(ops_list[0]))

/* The queue holds @level entries: check every predicate agrees. */
static void assert_level(const queue_ops_t *o, net_queue_handle_t *h, uint32_t level)
{
    net_queue_t *q = o->queue(h);
    assert_int_equal(net_queue_length(q), level);
    assert_int_equal(o->empty(h), level == 0);
    assert_int_equal(o->full(h), level == h->capacity);
}

/* ---- capacity validation and init ----------------------------------------- */

static void test_capacity_valid(void **state)
{
    (void)state;
    for (uint32_t shift = 0; shift < 32; shift++) {
        uint32_t c = 1u << shift;
        assert_int_equal(net_queue_capacity_valid(c), c <= NET_MAX_QUEUE_CAPACITY);
    }
    /* every non power of two up to past the maximum is rejected */
    for (uint32_t c = 0; c <= 2 * NET_MAX_QUEUE_CAPACITY + 3; c++) {
        bool pow2 = c != 0 && (c & (c - 1)) == 0;
        assert_int_equal(net_queue_capacity_valid(c), pow2 && c <= NET_MAX_QUEUE_CAPACITY);
    }
    assert_false(net_queue_capacity_valid(UINT32_MAX));
    assert_false(net_queue_capacity_valid(0x80000000u));
    /*
     * Regression: 16-bit indices make tail - head at most 65535, so a full
     * queue of 65536 entries would read as empty (every buffer lost).
     */
    assert_true(NET_MAX_QUEUE_CAPACITY <= 0xFFFFu);
    assert_false(net_queue_capacity_valid(65536));
    assert_true(net_queue_capacity_valid(32768));
}

static void test_queue_init(void **state)
{
    (void)state;
    net_queue_t a, b;
    net_queue_handle_t h = {(net_queue_t *)1, (net_queue_t *)2, 77};
    const uint32_t bad[] = {
        0, 3, 6, 100, NET_MAX_QUEUE_CAPACITY * 2, NET_MAX_QUEUE_CAPACITY + 1, UINT32_MAX};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(net_queue_init(&h, &a, &b, bad[i]), -1);
        /* handle unchanged on error */
        assert_ptr_equal(h.free, (net_queue_t *)1);
        assert_ptr_equal(h.active, (net_queue_t *)2);
        assert_int_equal(h.capacity, 77);
    }
    for (size_t i = 0; i < N_CAPACITIES; i++) {
        assert_int_equal(net_queue_init(&h, &a, &b, capacities[i]), 0);
        assert_ptr_equal(h.free, &a);
        assert_ptr_equal(h.active, &b);
        assert_int_equal(h.capacity, capacities[i]);
    }
}

/* ---- every fill level, FIFO ------------------------------------------------- */

/*
 * From @start (head = tail = start), fill to capacity one entry at a time
 * and drain again, checking every predicate at every level and the content
 * and order of every entry. Starts near 0xFFFF make both indices wrap.
 */
static void fill_and_drain(const queue_ops_t *o, uint32_t cap, uint16_t start)
{
    net_queue_handle_t h;
    pair_alloc(&h, cap);
    net_queue_t *q = o->queue(&h);
    set_indices(q, start, start);

    for (uint32_t level = 0; level < cap; level++) {
        assert_level(o, &h, level);
        assert_int_equal(o->enqueue(&h, desc_for(level)), 0);
    }
    assert_level(o, &h, cap);
    /* full: the next enqueue fails and changes nothing */
    uint16_t tail = tail_of(q);
    assert_int_equal(o->enqueue(&h, desc_for(999999)), -1);
    assert_int_equal(tail_of(q), tail);
    assert_int_equal(tail, (uint16_t)(start + cap));
    assert_level(o, &h, cap);

    for (uint32_t i = 0; i < cap; i++) {
        net_buff_desc_t d = {0};
        assert_level(o, &h, cap - i);
        assert_int_equal(o->dequeue(&h, &d), 0);
        assert_desc_is(d, i);
    }
    assert_level(o, &h, 0);
    /* empty: the next dequeue fails and leaves the output and head untouched */
    net_buff_desc_t d = desc_for(424242);
    assert_int_equal(o->dequeue(&h, &d), -1);
    assert_desc_is(d, 424242);
    assert_int_equal(head_of(q), (uint16_t)(start + cap));
    pair_free(&h);
}

static void test_fill_drain_every_level(void **state)
{
    (void)state;
    for (size_t c = 0; c < N_CAPACITIES; c++) {
        uint32_t cap = capacities[c];
        const uint16_t starts[] = {0,
                                   1,
                                   0x7FFF,
                                   (uint16_t)(0x10000u - cap),
                                   (uint16_t)(0x10000u - cap / 2),
                                   (uint16_t)(0x10000u - cap / 2 - 1),
                                   0xFFFE,
                                   0xFFFF};
        for (size_t o = 0; o < N_OPS; o++)
            for (size_t s = 0; s < sizeof(starts) / sizeof(starts[0]); s++)
                fill_and_drain(&ops_list[o], cap, starts[s]);
    }
}

/*
 * Black-box wrap at every fill level: fill to @level just below the wrap,
 * then move the window forward (one enqueue and one dequeue per step) until
 * both tail and head have crossed 0xFFFF -> 0, checking the level and the
 * FIFO content at each step.
 */
static void steady_through_wrap(const queue_ops_t *o, net_queue_handle_t *h, uint32_t level)
{
    uint32_t cap = h->capacity;
    net_queue_t *q = o->queue(h);
    uint16_t start = (uint16_t)(0x10000u - level - 3u);
    uint64_t next_in = 0, next_out = 0;
    set_indices(q, start, start);

    for (uint32_t i = 0; i < level; i++)
        assert_int_equal(o->enqueue(h, desc_for(next_in++)), 0);
    assert_level(o, h, level);

    bool head_wrapped = false, tail_wrapped = false;
    for (uint32_t step = 0; step < level + 6u; step++) {
        net_buff_desc_t d = {0};
        uint16_t head0 = head_of(q), tail0 = tail_of(q);
        if (level < cap) {
            assert_int_equal(o->enqueue(h, desc_for(next_in++)), 0);
            assert_level(o, h, level + 1);
            assert_int_equal(o->dequeue(h, &d), 0);
        } else {
            assert_int_equal(o->enqueue(h, desc_for(7777777)), -1);
            assert_int_equal(o->dequeue(h, &d), 0);
            assert_level(o, h, level - 1);
            assert_int_equal(o->enqueue(h, desc_for(next_in++)), 0);
        }
        assert_desc_is(d, next_out++);
        assert_level(o, h, level);
        head_wrapped |= head_of(q) < head0;
        tail_wrapped |= tail_of(q) < tail0;
    }
    assert_true(head_wrapped);
    assert_true(tail_wrapped);

    /* drain and check the rest, in order */
    for (uint32_t i = 0; i < level; i++) {
        net_buff_desc_t d = {0};
        assert_int_equal(o->dequeue(h, &d), 0);
        assert_desc_is(d, next_out++);
    }
    assert_level(o, h, 0);
    assert_int_equal(next_in, next_out);
}

static void test_wrap_every_level(void **state)
{
    (void)state;
    for (size_t c = 0; c < N_CAPACITIES; c++) {
        uint32_t cap = capacities[c];
        net_queue_handle_t h;
        pair_alloc(&h, cap);
        for (size_t o = 0; o < N_OPS; o++) {
            if (cap <= 512) {
                for (uint32_t level = 0; level <= cap; level++)
                    steady_through_wrap(&ops_list[o], &h, level);
            } else {
                /* O(cap^2) for every level: sample here, the white-box test covers all */
                const uint32_t levels[] = {0, 1, 2, 3, cap / 2 - 1, cap / 2, cap - 2, cap - 1, cap};
                for (size_t l = 0; l < sizeof(levels) / sizeof(levels[0]); l++)
                    steady_through_wrap(&ops_list[o], &h, levels[l]);
            }
        }
        pair_free(&h);
    }
}

/*
 * White-box wrap at every fill level of every capacity: place head and tail
 * so that either straddles 0xFFFF -> 0, then check the predicates, that a
 * dequeue reads exactly slot head % cap and that an enqueue writes exactly
 * slot tail % cap, and that both indices wrap to the right value.
 */
static void check_state(net_queue_handle_t *h, uint16_t head, uint32_t level)
{
    const queue_ops_t *o = &ops_list[1];
    uint32_t cap = h->capacity;
    net_queue_t *q = o->queue(h);
    uint16_t tail = (uint16_t)(head + level);
    set_indices(q, head, tail);
    assert_level(o, h, level);

    if (level > 0) {
        net_buff_desc_t d = {0};
        q->buffers[head & (cap - 1)] = desc_for(head);
        assert_int_equal(o->dequeue(h, &d), 0);
        assert_desc_is(d, head);
        assert_int_equal(head_of(q), (uint16_t)(head + 1));
        assert_level(o, h, level - 1);
        set_indices(q, head, tail);
    }
    if (level < cap) {
        q->buffers[tail & (cap - 1)] = desc_for(1);
        assert_int_equal(o->enqueue(h, desc_for(tail)), 0);
        assert_desc_is(q->buffers[tail & (cap - 1)], tail);
        assert_int_equal(tail_of(q), (uint16_t)(tail + 1));
        assert_level(o, h, level + 1);
    } else {
        assert_int_equal(o->enqueue(h, desc_for(tail)), -1);
        assert_int_equal(tail_of(q), tail);
    }
}

static void test_wrap_every_level_whitebox(void **state)
{
    (void)state;
    for (size_t c = 0; c < N_CAPACITIES; c++) {
        uint32_t cap = capacities[c];
        net_queue_handle_t h;
        pair_alloc(&h, cap);
        for (uint32_t level = 0; level <= cap; level++) {
            /* head around the wrap, then tail around the wrap */
            for (int k = -2; k <= 1; k++) {
                check_state(&h, (uint16_t)k, level);
                check_state(&h, (uint16_t)(k - (int)level), level);
            }
        }
        pair_free(&h);
    }
}

/* Random interleaving against a model FIFO, starting just below the wrap. */
static void test_fifo_random(void **state)
{
    (void)state;
    for (size_t c = 0; c < N_CAPACITIES; c++) {
        uint32_t cap = capacities[c];
        net_queue_handle_t h;
        pair_alloc(&h, cap);
        set_indices(h.active, 0xFFF0, 0xFFF0);
        uint64_t in = 0, out = 0, x = 0x9E3779B97F4A7C15ull ^ cap;
        for (int i = 0; i < 400000; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            /* bias towards filling for the first half, draining for the second */
            bool want_in = (x % 100) < (i < 200000 ? 60u : 40u);
            if (want_in) {
                int rc = net_enqueue_active(&h, desc_for(in));
                assert_int_equal(rc, in - out == cap ? -1 : 0);
                if (rc == 0)
                    in++;
            } else {
                net_buff_desc_t d = {0};
                int rc = net_dequeue_active(&h, &d);
                assert_int_equal(rc, in == out ? -1 : 0);
                if (rc == 0)
                    assert_desc_is(d, out++);
            }
            assert_level(&ops_list[1], &h, (uint32_t)(in - out));
        }
        /* the free queue of the pair was never touched */
        assert_int_equal(head_of(h.free), 0);
        assert_int_equal(tail_of(h.free), 0);
        pair_free(&h);
    }
}

/* ---- corrupt indices from an untrusted peer --------------------------------- */

/*
 * A peer that makes tail - head (u16) exceed the capacity: the consumer must
 * see empty, the producer full, neither may move an index or touch any slot
 * (ASan checks slots outside the exact allocation; a snapshot checks inside).
 */
static void test_corrupt_indices(void **state)
{
    (void)state;
    for (size_t c = 0; c < N_CAPACITIES; c++) {
        uint32_t cap = capacities[c];
        if (cap > 0xFFFFu)
            continue; /* no u16 difference exceeds such a capacity */
        net_queue_handle_t h;
        pair_alloc(&h, cap);
        size_t bytes = NET_QUEUE_BYTES(cap);
        unsigned char *snap = malloc(bytes);
        assert_non_null(snap);
        for (uint32_t i = 0; i < cap; i++)
            h.active->buffers[i] = desc_for(i);

        const uint16_t heads[] = {0, 1, 0x7FFF, 0x8000, 0xFFFE, 0xFFFF, (uint16_t)(0 - cap)};
        for (size_t hi = 0; hi < sizeof(heads) / sizeof(heads[0]); hi++) {
            for (uint32_t len = cap + 1; len <= 0xFFFFu; len++) {
                uint16_t head = heads[hi], tail = (uint16_t)(head + len);
                set_indices(h.active, head, tail);
                memcpy(snap, h.active, bytes);

                assert_true(net_queue_empty_active(&h));
                assert_true(net_queue_full_active(&h));
                net_buff_desc_t d = desc_for(555);
                assert_int_equal(net_dequeue_active(&h, &d), -1);
                assert_desc_is(d, 555);
                assert_int_equal(net_enqueue_active(&h, desc_for(666)), -1);
                assert_int_equal(head_of(h.active), head);
                assert_int_equal(tail_of(h.active), tail);
                /* a full compare is O(cap): do it for small queues and a sample of large ones */
                if (cap <= 8 || (len & 0xFFF) == 0)
                    assert_memory_equal(snap, h.active, bytes);
            }
        }
        free(snap);
        pair_free(&h);
    }
}

/* ---- net_buffers_init --------------------------------------------------------- */

static void test_buffers_init(void **state)
{
    (void)state;
    const uint64_t bases[] = {0, 0x40000000ull, 0xFFFF000000000000ull};
    for (size_t c = 0; c < N_CAPACITIES; c++) {
        uint32_t cap = capacities[c];
        for (size_t b = 0; b < sizeof(bases) / sizeof(bases[0]); b++) {
            net_queue_handle_t h;
            pair_alloc(&h, cap);
            set_indices(h.free, 0xFFFF, 0xFFFF); /* the fill itself crosses the wrap */
            assert_int_equal(net_buffers_init(&h, bases[b]), cap);
            assert_true(net_queue_full_free(&h));
            assert_true(net_queue_empty_active(&h));
            for (uint32_t i = 0; i < cap; i++) {
                net_buff_desc_t d = {0};
                assert_int_equal(net_dequeue_free(&h, &d), 0);
                assert_int_equal(d.io_or_offset, bases[b] + (uint64_t)i * NET_BUFFER_SIZE);
                assert_int_equal(d.len, 0);
                assert_int_equal(d.oid, 0);
            }
            assert_true(net_queue_empty_free(&h));
            pair_free(&h);
        }

        /* a queue that already holds k entries takes only cap - k more */
        net_queue_handle_t h;
        pair_alloc(&h, cap);
        uint32_t k = cap / 2;
        for (uint32_t i = 0; i < k; i++)
            assert_int_equal(net_enqueue_free(&h, desc_for(i)), 0);
        assert_int_equal(net_buffers_init(&h, 0), cap - k);
        assert_true(net_queue_full_free(&h));
        assert_int_equal(net_buffers_init(&h, 0), 0);
        pair_free(&h);
    }
}

/* ---- signal flag -------------------------------------------------------------- */

static uint32_t flag_of(net_queue_t *q)
{
    return atomic_load(&q->consumer_signalled);
}

static void test_signal_flags(void **state)
{
    (void)state;
    net_queue_handle_t h;
    pair_alloc(&h, 4);

    /* zeroed shared memory starts as "the consumer wants a signal" */
    assert_int_equal(flag_of(h.free), 0);
    assert_int_equal(flag_of(h.active), 0);
    assert_true(net_require_signal_free(&h));
    assert_true(net_require_signal_active(&h));
    /* require only reads */
    assert_true(net_require_signal_active(&h));
    assert_int_equal(flag_of(h.active), 0);

    /* cancel: not wanted / already sent; idempotent; per queue */
    net_cancel_signal_active(&h);
    assert_int_equal(flag_of(h.active), 1);
    assert_false(net_require_signal_active(&h));
    assert_true(net_require_signal_free(&h));
    net_cancel_signal_active(&h);
    assert_false(net_require_signal_active(&h));

    net_cancel_signal_free(&h);
    assert_false(net_require_signal_free(&h));

    /* request: wanted again */
    net_request_signal_active(&h);
    assert_int_equal(flag_of(h.active), 0);
    assert_true(net_require_signal_active(&h));
    assert_false(net_require_signal_free(&h));
    net_request_signal_free(&h);
    assert_true(net_require_signal_free(&h));

    /* the flag protocol never moves an index, the queue ops never touch the flag */
    assert_int_equal(net_enqueue_active(&h, desc_for(1)), 0);
    assert_int_equal(flag_of(h.active), 0);
    net_cancel_signal_active(&h);
    net_buff_desc_t d = {0};
    assert_int_equal(net_dequeue_active(&h, &d), 0);
    assert_int_equal(flag_of(h.active), 1);
    assert_int_equal(head_of(h.active), 1);
    assert_int_equal(tail_of(h.active), 1);
    assert_int_equal(head_of(h.free), 0);
    assert_int_equal(tail_of(h.free), 0);

    /* one producer batch: require, cancel, notify; a second require says no */
    net_request_signal_active(&h);
    assert_true(net_require_signal_active(&h));
    net_cancel_signal_active(&h);
    assert_false(net_require_signal_active(&h));
    pair_free(&h);
}

/* The consumer's double check (sDDF design): a request after an enqueue
 * it did not see must be followed by a non-empty re-check. */
static void test_double_check_sequence(void **state)
{
    (void)state;
    net_queue_handle_t h;
    pair_alloc(&h, 2);
    net_cancel_signal_active(&h); /* consumer is running */
    /* producer enqueues while the consumer thinks the queue is empty */
    assert_int_equal(net_enqueue_active(&h, desc_for(0)), 0);
    assert_false(net_require_signal_active(&h)); /* so the producer does not notify */
    /* consumer: request, then the re-check finds the entry */
    net_request_signal_active(&h);
    assert_false(net_queue_empty_active(&h));
    net_cancel_signal_active(&h);
    net_buff_desc_t d = {0};
    assert_int_equal(net_dequeue_active(&h, &d), 0);
    assert_desc_is(d, 0);
    net_request_signal_active(&h);
    assert_true(net_queue_empty_active(&h));
    /* now a producer enqueue must notify */
    assert_int_equal(net_enqueue_active(&h, desc_for(1)), 0);
    assert_true(net_require_signal_active(&h));
    pair_free(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_capacity_valid),
        cmocka_unit_test(test_queue_init),
        cmocka_unit_test(test_fill_drain_every_level),
        cmocka_unit_test(test_wrap_every_level),
        cmocka_unit_test(test_wrap_every_level_whitebox),
        cmocka_unit_test(test_fifo_random),
        cmocka_unit_test(test_corrupt_indices),
        cmocka_unit_test(test_buffers_init),
        cmocka_unit_test(test_signal_flags),
        cmocka_unit_test(test_double_check_sequence),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
