/*
 * tests/unit/test_net_copy.c - the copier (net/components/copy.c) driven
 * through the fake OS layer: the test plays virt_rx and the client through
 * the queue API.
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

#define VBUFS   8u /* rx DMA buffers (virt side) */
#define CBUFS   4u /* client rx buffers */
#define CH_VIRT 3u
#define CH_CLI  5u

static struct {
    net_copy_config_t cfg;
    uint8_t *dma, *cdata;
    net_queue_handle_t virt, cli;
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

static void build(void)
{
    memset(&t, 0, sizeof(t));
    fake_os_reset();
    memcpy(t.cfg.header.magic, SDDF_CONFIG_MAGIC, 4);
    t.cfg.header.class_id = SDDF_CLASS_NET;
    t.cfg.header.role = NET_ROLE_COPY;
    t.cfg.header.version = SDDF_CONFIG_VERSION;
    t.cfg.header.size = sizeof(t.cfg);
    conn_make(&t.cfg.virt_rx, VBUFS, CH_VIRT, &t.virt);
    conn_make(&t.cfg.client, CBUFS, CH_CLI, &t.cli);
    t.dma = zalloc((size_t)VBUFS * NET_BUFFER_SIZE);
    t.cfg.device_data.vaddr = (uintptr_t)t.dma;
    t.cfg.device_data.size = (uint64_t)VBUFS * NET_BUFFER_SIZE;
    t.cdata = zalloc((size_t)CBUFS * NET_BUFFER_SIZE);
    t.cfg.client_data.vaddr = (uintptr_t)t.cdata;
    t.cfg.client_data.size = (uint64_t)CBUFS * NET_BUFFER_SIZE;
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

/* virt_rx: hand the copier DMA buffer @idx holding a @len-byte frame of pattern @seed. */
static void virt_deliver(uint32_t idx, uint16_t len, uint8_t seed)
{
    for (uint32_t i = 0; i < len; i++)
        t.dma[idx * NET_BUFFER_SIZE + i] = (uint8_t)(seed + i * 7);
    net_buff_desc_t d = {(uint64_t)idx * NET_BUFFER_SIZE, len, 0, {0}};
    assert_int_equal(net_enqueue_active(&t.virt, d), 0);
}

static void init_fills_client_free(void **state)
{
    (void)state;
    assert_int_equal(net_queue_length(t.cli.free), CBUFS);
    for (uint32_t i = 0; i < CBUFS; i++)
        assert_int_equal(t.cli.free->buffers[i].io_or_offset, i * NET_BUFFER_SIZE);
    /* It never asks the client for a signal on the free queue. */
    assert_int_equal(atomic_load(&t.cli.free->consumer_signalled), 1);
}

static void copies_exactly(void **state)
{
    (void)state;
    virt_deliver(5, 1514, 3);
    virt_deliver(2, 60, 9);
    fake_os_dispatch(CH_VIRT);
    net_buff_desc_t c = {0}, v = {0};
    assert_int_equal(net_dequeue_active(&t.cli, &c), 0);
    assert_int_equal(c.io_or_offset, 0);
    assert_int_equal(c.len, 1514);
    assert_memory_equal(t.cdata + c.io_or_offset, t.dma + (size_t)5 * NET_BUFFER_SIZE, 1514);
    assert_int_equal(t.cdata[c.io_or_offset + 1514], 0); /* not a byte more */
    assert_int_equal(net_dequeue_active(&t.cli, &c), 0);
    assert_int_equal(c.io_or_offset, NET_BUFFER_SIZE);
    assert_int_equal(c.len, 60);
    assert_memory_equal(t.cdata + c.io_or_offset, t.dma + (size_t)2 * NET_BUFFER_SIZE, 60);
    /* Both DMA buffers back to virt_rx, len unchanged. */
    assert_int_equal(net_dequeue_free(&t.virt, &v), 0);
    assert_int_equal(v.io_or_offset, 5 * NET_BUFFER_SIZE);
    assert_int_equal(v.len, 1514);
    assert_int_equal(net_dequeue_free(&t.virt, &v), 0);
    assert_int_equal(v.io_or_offset, 2 * NET_BUFFER_SIZE);
    assert_int_equal(fake_os_stat("rx_frames"), 2);
    assert_int_equal(fake_os_notify_count(CH_CLI), 1);
    assert_int_equal(fake_os_deferred_count(CH_CLI), 0);
    assert_int_equal(fake_os_deferred_count(CH_VIRT), 1);
    assert_int_equal(fake_os_notify_count(CH_VIRT), 0);
}

static void drops_without_client_buffer(void **state)
{
    (void)state;
    net_buff_desc_t d = {0};
    while (net_dequeue_free(&t.cli, &d) == 0) /* the client holds all its buffers */
        ;
    virt_deliver(1, 100, 0);
    fake_os_dispatch(CH_VIRT);
    assert_int_equal(net_queue_length(t.cli.active), 0);
    assert_int_equal(fake_os_stat("dropped_no_buf"), 1);
    assert_int_equal(net_dequeue_free(&t.virt, &d), 0);
    assert_int_equal(d.io_or_offset, NET_BUFFER_SIZE);
    assert_int_equal(fake_os_notify_count(CH_CLI), 0);
}

static void drops_invalid_client_offsets(void **state)
{
    (void)state;
    net_buff_desc_t d = {0};
    while (net_dequeue_free(&t.cli, &d) == 0)
        ;
    const uint64_t bad[] = {1, (uint64_t)CBUFS * NET_BUFFER_SIZE, UINT64_MAX - NET_BUFFER_SIZE + 1};
    for (int i = 0; i < 3; i++) {
        net_buff_desc_t b = {bad[i], 0, 0, {0}};
        assert_int_equal(net_enqueue_free(&t.cli, b), 0);
    }
    net_buff_desc_t good = {(uint64_t)3 * NET_BUFFER_SIZE, 0, 0, {0}};
    assert_int_equal(net_enqueue_free(&t.cli, good), 0);
    virt_deliver(0, 64, 1);
    fake_os_dispatch(CH_VIRT);
    assert_int_equal(fake_os_stat("bad_client_buf"), 3);
    assert_int_equal(net_dequeue_active(&t.cli, &d), 0);
    assert_int_equal(d.io_or_offset, 3 * NET_BUFFER_SIZE);
    assert_memory_equal(t.cdata + (size_t)3 * NET_BUFFER_SIZE, t.dma, 64);
    /* Only bad ones left in the queue: the next frame is dropped, not copied astray. */
    for (int i = 0; i < 3; i++) {
        net_buff_desc_t b = {bad[i], 0, 0, {0}};
        assert_int_equal(net_enqueue_free(&t.cli, b), 0);
    }
    virt_deliver(1, 64, 1);
    fake_os_dispatch(CH_VIRT);
    assert_int_equal(fake_os_stat("bad_client_buf"), 6);
    assert_int_equal(fake_os_stat("dropped_no_buf"), 1);
    assert_int_equal(net_queue_length(t.virt.free), 2);
}

static void bad_virt_descriptors(void **state)
{
    (void)state;
    const uint64_t offs[] = {(uint64_t)VBUFS * NET_BUFFER_SIZE, 17, 0, 0};
    const uint16_t lens[] = {60, 60, 0, 2049};
    for (int i = 0; i < 4; i++) {
        net_buff_desc_t d = {offs[i], lens[i], 0, {0}};
        assert_int_equal(net_enqueue_active(&t.virt, d), 0);
    }
    fake_os_dispatch(CH_VIRT);
    assert_int_equal(fake_os_stat("bad_desc"), 4);
    assert_int_equal(net_queue_length(t.cli.active), 0);
    assert_int_equal(net_queue_length(t.cli.free), CBUFS); /* no client buffer used */
    assert_int_equal(net_queue_length(t.virt.free), 4);    /* all handed back */
}

static void corrupt_client_active(void **state)
{
    (void)state;
    atomic_store(&t.cli.active->head, (uint16_t)(0 - CBUFS)); /* looks full */
    virt_deliver(4, 80, 0);
    fake_os_dispatch(CH_VIRT);
    assert_int_equal(fake_os_stat("client_full"), 1);
    assert_int_equal(net_queue_length(t.cli.free), CBUFS); /* its buffers kept */
    assert_int_equal(net_queue_length(t.virt.free), 1);
}

static void notify_only_when_asked(void **state)
{
    (void)state;
    net_cancel_signal_active(&t.cli);
    net_cancel_signal_free(&t.virt);
    virt_deliver(0, 60, 0);
    fake_os_dispatch(CH_VIRT);
    assert_int_equal(fake_os_notify_count(CH_CLI), 0);
    assert_int_equal(fake_os_deferred_count(CH_VIRT), 0);
    net_request_signal_active(&t.cli);
    net_request_signal_free(&t.virt);
    virt_deliver(1, 60, 0);
    virt_deliver(2, 60, 0);
    fake_os_dispatch(CH_VIRT);
    virt_deliver(3, 60, 0);
    fake_os_dispatch(CH_VIRT);
    assert_int_equal(fake_os_notify_count(CH_CLI), 1);
    assert_int_equal(fake_os_deferred_count(CH_VIRT), 1);
    /* The virt's active queue is left with a signal requested (double check). */
    assert_int_equal(atomic_load(&t.virt.active->consumer_signalled), 0);
    /* A signal from the client (never requested, so spurious) is harmless. */
    fake_os_dispatch(CH_CLI);
    assert_int_equal(fake_os_notify_count(CH_CLI), 1);
}

static void run_init(void)
{
    init();
}

static void config_errors_are_fatal(void **state)
{
    (void)state;
    t.cfg.client_data.size = (uint64_t)(CBUFS + 1) * NET_BUFFER_SIZE;
    assert_true(fake_os_catch_fatal(run_init));
    t.cfg.client_data.size = (uint64_t)CBUFS * NET_BUFFER_SIZE;
    t.cfg.device_data.size = VBUFS * NET_BUFFER_SIZE - 1;
    assert_true(fake_os_catch_fatal(run_init));
    t.cfg.device_data.size = (uint64_t)VBUFS * NET_BUFFER_SIZE;
    t.cfg.virt_rx.num_buffers = 0;
    assert_true(fake_os_catch_fatal(run_init));
    t.cfg.virt_rx.num_buffers = VBUFS;
    t.cfg.client.free_queue.size = 8;
    assert_true(fake_os_catch_fatal(run_init));
    t.cfg.client.free_queue.size = NET_QUEUE_BYTES(CBUFS);
    t.cfg.header.version = SDDF_CONFIG_VERSION + 1;
    assert_true(fake_os_catch_fatal(run_init));
    t.cfg.header.version = SDDF_CONFIG_VERSION;
    t.cfg.header.size = sizeof(t.cfg) - 8;
    assert_true(fake_os_catch_fatal(run_init));
    t.cfg.header.size = sizeof(t.cfg);
    assert_false(fake_os_catch_fatal(run_init));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(init_fills_client_free, setup, teardown),
        cmocka_unit_test_setup_teardown(copies_exactly, setup, teardown),
        cmocka_unit_test_setup_teardown(drops_without_client_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(drops_invalid_client_offsets, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_virt_descriptors, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_client_active, setup, teardown),
        cmocka_unit_test_setup_teardown(notify_only_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(config_errors_are_fatal, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
