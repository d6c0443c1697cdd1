/*
 * tests/unit/test_net_virt_rx.c - the rx virtualiser (net/components/virt_rx.c)
 * driven through the fake OS layer: the test plays the driver and two
 * clients (copiers) through the queue API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <sddf/net/config.h>
#include <sddf/net/queue.h>

#include "fake_os.h"

#define NBUFS   8u
#define IO_BASE 0x10000000ull
#define CH_DRV  0u
#define CH_A    1u
#define CH_B    2u

static const uint8_t MAC_A[6] = {0x02, 0, 0, 0, 0, 0xa};
static const uint8_t MAC_B[6] = {0x02, 0, 0, 0, 0, 0xb};
static const uint8_t MAC_X[6] = {0x02, 0, 0, 0, 0, 0xee};
static const uint8_t BCAST[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
static const uint8_t MCAST[6] = {0x01, 0x00, 0x5e, 0x00, 0x00, 0x01};

/* One test system: the config record and the test's views of the queues. */
static struct {
    net_virt_rx_config_t cfg;
    uint8_t *dma;
    uint8_t *meta;
    net_queue_handle_t drv, a, b;
    void *allocs[16];
    unsigned nallocs;
} t;

static void *zalloc(size_t n)
{
    void *p = aligned_alloc(4096, (n + 4095) / 4096 * 4096);
    assert_non_null(p);
    memset(p, 0, n);
    t.allocs[t.nallocs++] = p;
    return p;
}

static void conn_make(net_connection_resource_t *c, uint32_t cap, uint8_t ch, net_queue_handle_t *h)
{
    c->num_buffers = cap;
    c->id = ch;
    c->free_queue.size = NET_QUEUE_BYTES(cap);
    c->active_queue.size = NET_QUEUE_BYTES(cap);
    c->free_queue.vaddr = (uintptr_t)zalloc(NET_QUEUE_BYTES(cap));
    c->active_queue.vaddr = (uintptr_t)zalloc(NET_QUEUE_BYTES(cap));
    net_queue_init(h, (net_queue_t *)(uintptr_t)c->free_queue.vaddr,
                   (net_queue_t *)(uintptr_t)c->active_queue.vaddr, cap);
}

/* Build the system without calling init (config tests edit it first). */
static void build(void)
{
    memset(&t, 0, sizeof(t));
    fake_os_reset();
    memcpy(t.cfg.header.magic, SDDF_CONFIG_MAGIC, 4);
    t.cfg.header.class_id = SDDF_CLASS_NET;
    t.cfg.header.role = NET_ROLE_VIRT_RX;
    t.cfg.header.version = SDDF_CONFIG_VERSION;
    t.cfg.header.size = sizeof(t.cfg);
    conn_make(&t.cfg.driver, NBUFS, CH_DRV, &t.drv);
    t.dma = zalloc((size_t)NBUFS * NET_BUFFER_SIZE);
    t.cfg.data.region.vaddr = (uintptr_t)t.dma;
    t.cfg.data.region.size = (uint64_t)NBUFS * NET_BUFFER_SIZE;
    t.cfg.data.io_addr = IO_BASE;
    t.meta = zalloc(NBUFS);
    t.cfg.buffer_metadata.vaddr = (uintptr_t)t.meta;
    t.cfg.buffer_metadata.size = NBUFS;
    t.cfg.num_clients = 2;
    conn_make(&t.cfg.clients[0].conn, NBUFS, CH_A, &t.a);
    memcpy(t.cfg.clients[0].mac_addr, MAC_A, 6);
    conn_make(&t.cfg.clients[1].conn, NBUFS, CH_B, &t.b);
    memcpy(t.cfg.clients[1].mac_addr, MAC_B, 6);
    fake_os_add_config(&t.cfg);
}

static int setup(void **state)
{
    (void)state;
    build();
    init();
    fake_os_end_handler();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (unsigned i = 0; i < t.nallocs; i++)
        free(t.allocs[i]);
    t.nallocs = 0;
    return 0;
}

/* Driver: take a free buffer, write a frame to @dst of @len bytes, publish it. */
static uint64_t drv_rx(const uint8_t *dst, uint16_t len)
{
    net_buff_desc_t d = {0};
    assert_int_equal(net_dequeue_free(&t.drv, &d), 0);
    uint8_t *p = t.dma + (d.io_or_offset - IO_BASE);
    memcpy(p, dst, 6);
    memset(p + 6, 0x5a, len - 6);
    d.len = len;
    assert_int_equal(net_enqueue_active(&t.drv, d), 0);
    return d.io_or_offset;
}

static void drv_raw(uint64_t io, uint16_t len)
{
    net_buff_desc_t d = {io, len, 0, {0}};
    assert_int_equal(net_enqueue_active(&t.drv, d), 0);
}

static uint32_t free_len(net_queue_handle_t *h)
{
    return net_queue_length(h->free);
}

static uint32_t active_len(net_queue_handle_t *h)
{
    return net_queue_length(h->active);
}

/* Client: free the buffer at @off. */
static void cli_free(net_queue_handle_t *h, uint64_t off)
{
    net_buff_desc_t d = {off, 0, 0, {0}};
    assert_int_equal(net_enqueue_free(h, d), 0);
}

static void init_fills_driver_free(void **state)
{
    (void)state;
    assert_int_equal(free_len(&t.drv), NBUFS);
    for (uint32_t i = 0; i < NBUFS; i++)
        assert_int_equal(t.drv.free->buffers[i].io_or_offset,
                         IO_BASE + (uint64_t)i * NET_BUFFER_SIZE);
    assert_int_equal(fake_os_notify_count(CH_DRV), 1);
}

static void unicast_to_right_client(void **state)
{
    (void)state;
    uint64_t io = drv_rx(MAC_B, 60);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(active_len(&t.a), 0);
    net_buff_desc_t d = {0};
    assert_int_equal(net_dequeue_active(&t.b, &d), 0);
    assert_int_equal(d.io_or_offset, io - IO_BASE);
    assert_int_equal(d.len, 60);
    assert_memory_equal(t.dma + d.io_or_offset, MAC_B, 6);
    assert_int_equal(t.dma[d.io_or_offset + 59], 0x5a);
    assert_int_equal(t.meta[d.io_or_offset / NET_BUFFER_SIZE], 1);
    assert_int_equal(fake_os_stat("rx_frames"), 1);
    assert_int_equal(fake_os_notify_count(CH_B), 1);
    assert_int_equal(fake_os_notify_count(CH_A), 0);

    /* The driver asked for a signal: the freed buffer comes back, notified deferred. */
    fake_os_clear_events();
    net_request_signal_free(&t.drv);
    uint32_t before = free_len(&t.drv);
    cli_free(&t.b, d.io_or_offset);
    fake_os_dispatch(CH_B);
    assert_int_equal(free_len(&t.drv), before + 1);
    assert_int_equal(t.drv.free->buffers[(t.drv.free->tail - 1) & (NBUFS - 1)].io_or_offset, io);
    assert_int_equal(t.meta[d.io_or_offset / NET_BUFFER_SIZE], 0);
    assert_int_equal(fake_os_deferred_count(CH_DRV), 1);
    assert_int_equal(fake_os_notify_count(CH_DRV), 0);
}

static void group_to_all_with_refcount(void **state)
{
    (void)state;
    const uint8_t *groups[2] = {BCAST, MCAST};
    for (int g = 0; g < 2; g++) {
        uint64_t io = drv_rx(groups[g], 42);
        uint64_t off = io - IO_BASE;
        fake_os_dispatch(CH_DRV);
        net_buff_desc_t da = {0}, db = {0};
        assert_int_equal(net_dequeue_active(&t.a, &da), 0);
        assert_int_equal(net_dequeue_active(&t.b, &db), 0);
        assert_int_equal(da.io_or_offset, off);
        assert_int_equal(db.io_or_offset, off);
        assert_int_equal(t.meta[off / NET_BUFFER_SIZE], 2);
        uint32_t before = free_len(&t.drv);
        cli_free(&t.a, off);
        fake_os_dispatch(CH_A);
        assert_int_equal(free_len(&t.drv), before); /* B still holds it */
        assert_int_equal(t.meta[off / NET_BUFFER_SIZE], 1);
        /* A frees it again: a double free, ignored. */
        cli_free(&t.a, off);
        fake_os_dispatch(CH_A);
        assert_int_equal(free_len(&t.drv), before);
        assert_int_equal(fake_os_stat("double_free"), 2 * (uint64_t)g + 1);
        cli_free(&t.b, off);
        fake_os_dispatch(CH_B);
        assert_int_equal(free_len(&t.drv), before + 1); /* exactly once */
        cli_free(&t.b, off);
        fake_os_dispatch(CH_B);
        assert_int_equal(free_len(&t.drv), before + 1);
    }
    assert_int_equal(fake_os_stat("double_free"), 4);
}

static void no_match_returned(void **state)
{
    (void)state;
    uint32_t before = free_len(&t.drv);
    uint64_t io = drv_rx(MAC_X, 100);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(active_len(&t.a) + active_len(&t.b), 0);
    assert_int_equal(free_len(&t.drv), before);
    assert_int_equal(t.drv.free->buffers[(t.drv.free->tail - 1) & (NBUFS - 1)].io_or_offset, io);
    assert_int_equal(fake_os_stat("rx_no_match"), 1);
}

static void bad_driver_descriptors(void **state)
{
    (void)state;
    net_buff_desc_t d = {0};
    /* Take every free buffer so returns are easy to see. */
    while (net_dequeue_free(&t.drv, &d) == 0)
        ;
    drv_raw(IO_BASE - NET_BUFFER_SIZE, 60);                   /* below the region */
    drv_raw(IO_BASE + (uint64_t)NBUFS * NET_BUFFER_SIZE, 60); /* past the end */
    drv_raw(IO_BASE + NET_BUFFER_SIZE + 1, 60);               /* misaligned */
    drv_raw(0, 60);                                           /* null */
    drv_raw(IO_BASE + (uint64_t)1 * NET_BUFFER_SIZE, 0);      /* len 0 */
    drv_raw(IO_BASE + (uint64_t)2 * NET_BUFFER_SIZE, 13);     /* shorter than a header */
    drv_raw(IO_BASE + (uint64_t)3 * NET_BUFFER_SIZE, 2049);   /* longer than a buffer */
    fake_os_dispatch(CH_DRV);
    assert_int_equal(fake_os_stat("bad_desc"), 7);
    assert_int_equal(active_len(&t.a) + active_len(&t.b), 0);
    /* Valid addresses with bad lengths went back to the driver, the others nowhere. */
    assert_int_equal(free_len(&t.drv), 3);
    for (uint32_t i = 1; i <= 3; i++) {
        assert_int_equal(net_dequeue_free(&t.drv, &d), 0);
        assert_int_equal(d.io_or_offset, IO_BASE + (uint64_t)i * NET_BUFFER_SIZE);
        assert_int_equal(d.len, 0);
    }
    /* A maximal frame (2048) is fine. */
    memcpy(t.dma + (size_t)4 * NET_BUFFER_SIZE, MAC_A, 6);
    drv_raw(IO_BASE + (uint64_t)4 * NET_BUFFER_SIZE, 2048);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(active_len(&t.a), 1);
    /* The driver hands the same buffer again while A holds it: dropped, not duplicated. */
    drv_raw(IO_BASE + (uint64_t)4 * NET_BUFFER_SIZE, 60);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(active_len(&t.a), 1);
    assert_int_equal(free_len(&t.drv), 0);
    assert_int_equal(fake_os_stat("bad_desc"), 8);
}

static void bad_client_returns(void **state)
{
    (void)state;
    uint32_t before = free_len(&t.drv);
    cli_free(&t.a, 3);                                 /* misaligned */
    cli_free(&t.a, (uint64_t)NBUFS * NET_BUFFER_SIZE); /* out of range */
    cli_free(&t.a, IO_BASE);                           /* an IO address, not an offset */
    cli_free(&t.b, (uint64_t)2 * NET_BUFFER_SIZE);     /* never handed out: double free */
    fake_os_dispatch(CH_A);
    assert_int_equal(fake_os_stat("bad_desc"), 3);
    assert_int_equal(fake_os_stat("double_free"), 1);
    assert_int_equal(free_len(&t.drv), before);
}

static void corrupt_client_indices(void **state)
{
    (void)state;
    /* A's active queue looks full (head moved back): A loses frames, B does not. */
    atomic_store(&t.a.active->head, (uint16_t)(0 - NBUFS));
    uint32_t before = free_len(&t.drv);
    drv_rx(MAC_A, 60);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(fake_os_stat("client_full"), 1);
    assert_int_equal(free_len(&t.drv), before); /* straight back to the driver */
    uint64_t io = drv_rx(BCAST, 60);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(fake_os_stat("client_full"), 2);
    assert_int_equal(active_len(&t.b), 1);
    assert_int_equal(t.meta[(io - IO_BASE) / NET_BUFFER_SIZE], 1);
    net_buff_desc_t d = {0};
    assert_int_equal(net_dequeue_active(&t.b, &d), 0);
    cli_free(&t.b, d.io_or_offset);
    fake_os_dispatch(CH_B);
    assert_int_equal(free_len(&t.drv), before); /* the only holder freed it */

    /* B's free queue has a wild tail: read as empty, nothing followed. */
    atomic_store(&t.b.free->tail, (uint16_t)(t.b.free->head + NBUFS + 5));
    fake_os_dispatch(CH_B);
    assert_int_equal(free_len(&t.drv), before);
    assert_int_equal(fake_os_stat("double_free") + fake_os_stat("bad_desc"), 0);
}

static void notify_only_when_asked(void **state)
{
    (void)state;
    /* A cancels its request: no signal however many frames arrive. */
    net_cancel_signal_active(&t.a);
    drv_rx(MAC_A, 60);
    drv_rx(MAC_A, 60);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(fake_os_notify_count(CH_A), 0);
    /* B asked (zeroed flag): one signal for a batch, none for the next batch. */
    drv_rx(MAC_B, 60);
    drv_rx(MAC_B, 60);
    fake_os_dispatch(CH_DRV);
    drv_rx(MAC_B, 60);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(fake_os_notify_count(CH_B), 1);
    /* B asks again: one more. */
    net_request_signal_active(&t.b);
    drv_rx(MAC_B, 60);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(fake_os_notify_count(CH_B), 2);
    /* Clients are signalled directly, never through the deferred slot. */
    assert_int_equal(fake_os_deferred_count(CH_A) + fake_os_deferred_count(CH_B), 0);

    /* Driver: returns while it did not ask -> nothing; after asking -> one deferred. */
    net_buff_desc_t d = {0};
    assert_int_equal(net_dequeue_active(&t.a, &d), 0);
    cli_free(&t.a, d.io_or_offset);
    fake_os_dispatch(CH_A);
    assert_int_equal(fake_os_deferred_count(CH_DRV), 0);
    net_request_signal_free(&t.drv);
    assert_int_equal(net_dequeue_active(&t.a, &d), 0);
    cli_free(&t.a, d.io_or_offset);
    for (int i = 0; i < 3; i++) {
        assert_int_equal(net_dequeue_active(&t.b, &d), 0);
        cli_free(&t.b, d.io_or_offset);
    }
    fake_os_dispatch(CH_B);
    assert_int_equal(fake_os_deferred_count(CH_DRV), 1);
    assert_int_equal(fake_os_notify_count(CH_DRV), 1); /* only the one from init */
    /* The driver's active queue is left with its signal requested (double check). */
    assert_int_equal(atomic_load(&t.drv.active->consumer_signalled), 0);
}

/* ---- configuration errors ---- */

static void run_init(void)
{
    init();
}

static void expect_fatal(void (*edit)(void))
{
    build();
    edit();
    assert_true(fake_os_catch_fatal(run_init));
    teardown(NULL);
}

static void edit_none(void)
{
    fake_os_reset(); /* no config record at all */
}
static void edit_cap(void)
{
    t.cfg.clients[1].conn.num_buffers = 6;
}
static void edit_region(void)
{
    t.cfg.data.region.size -= NET_BUFFER_SIZE;
}
static void edit_queue(void)
{
    t.cfg.driver.active_queue.size = NET_QUEUE_BYTES(NBUFS) - 1;
}
static void edit_clients(void)
{
    t.cfg.num_clients = SDDF_NET_MAX_CLIENTS + 1;
}
static void edit_meta(void)
{
    t.cfg.buffer_metadata.size = NBUFS - 1;
}

static void config_errors_are_fatal(void **state)
{
    (void)state;
    teardown(NULL);
    expect_fatal(edit_none);
    expect_fatal(edit_cap);
    expect_fatal(edit_region);
    expect_fatal(edit_queue);
    expect_fatal(edit_clients);
    expect_fatal(edit_meta);
    build();
    assert_false(fake_os_catch_fatal(run_init));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(init_fills_driver_free, setup, teardown),
        cmocka_unit_test_setup_teardown(unicast_to_right_client, setup, teardown),
        cmocka_unit_test_setup_teardown(group_to_all_with_refcount, setup, teardown),
        cmocka_unit_test_setup_teardown(no_match_returned, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_driver_descriptors, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_client_returns, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_client_indices, setup, teardown),
        cmocka_unit_test_setup_teardown(notify_only_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(config_errors_are_fatal, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
