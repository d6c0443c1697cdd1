/*
 * tests/unit/test_net_virt_tx.c - the tx virtualiser (net/components/virt_tx.c)
 * driven through the fake OS layer: the test plays the driver and two
 * clients through the queue API.
 */
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include <sddf/net/config.h>
#include <sddf/net/queue.h>

#include "fake_os.h"

#define CBUFS  4u /* tx buffers per client */
#define DBUFS  8u /* driver queue capacity: the sum */
#define IO_0   0x20000000ull
#define IO_1   0x30000000ull
#define CH_DRV 0u
#define CH_0   1u
#define CH_1   2u
#define SIZE   ((uint64_t)CBUFS * NET_BUFFER_SIZE)

static struct {
    net_virt_tx_config_t cfg;
    net_queue_handle_t drv, c[2];
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

/* Two clients of @cbufs tx buffers each, a driver queue of @dbufs. */
static void build_with_clients(uint32_t dbufs, uint32_t cbufs)
{
    memset(&t, 0, sizeof(t));
    fake_os_reset();
    memcpy(t.cfg.header.magic, SDDF_CONFIG_MAGIC, 4);
    t.cfg.header.class_id = SDDF_CLASS_NET;
    t.cfg.header.role = NET_ROLE_VIRT_TX;
    t.cfg.header.version = SDDF_CONFIG_VERSION;
    t.cfg.header.size = sizeof(t.cfg);
    conn_make(&t.cfg.driver, dbufs, CH_DRV, &t.drv);
    t.cfg.num_clients = 2;
    const uint64_t io[2] = {IO_0, IO_1};
    for (int i = 0; i < 2; i++) {
        conn_make(&t.cfg.clients[i].conn, cbufs, (uint8_t)(CH_0 + i), &t.c[i]);
        /* not mapped: virt_tx never reads it */
        t.cfg.clients[i].data.region.size = (uint64_t)cbufs * NET_BUFFER_SIZE;
        t.cfg.clients[i].data.io_addr = io[i];
    }
    fake_os_add_config(&t.cfg);
}

static void build_with(uint32_t dbufs)
{
    build_with_clients(dbufs, CBUFS);
}

static int setup(void **state)
{
    (void)state;
    build_with(DBUFS);
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

static void send(int c, uint64_t off, uint16_t len)
{
    net_buff_desc_t d = {off, len, 0, {0}};
    assert_int_equal(net_enqueue_active(&t.c[c], d), 0);
}

static void drv_complete(uint64_t io)
{
    net_buff_desc_t d = {io, 0, 0, {0}};
    assert_int_equal(net_enqueue_free(&t.drv, d), 0);
}

static void translates_to_io(void **state)
{
    (void)state;
    send(1, (uint64_t)2 * NET_BUFFER_SIZE, 100);
    send(0, 0, 1514);
    fake_os_dispatch(CH_1);
    net_buff_desc_t d = {0};
    /* Index order: client 0 first. */
    assert_int_equal(net_dequeue_active(&t.drv, &d), 0);
    assert_int_equal(d.io_or_offset, IO_0);
    assert_int_equal(d.len, 1514);
    assert_int_equal(net_dequeue_active(&t.drv, &d), 0);
    assert_int_equal(d.io_or_offset, IO_1 + (uint64_t)2 * NET_BUFFER_SIZE);
    assert_int_equal(d.len, 100);
    assert_int_equal(fake_os_stat("tx_frames"), 2);
    assert_int_equal(fake_os_deferred_count(CH_DRV), 1);
    assert_int_equal(fake_os_notify_count(CH_DRV), 0);
}

static void bad_descriptors_go_home(void **state)
{
    (void)state;
    const uint64_t offs[] = {0, NET_BUFFER_SIZE, 2 * NET_BUFFER_SIZE + 8, SIZE, UINT64_MAX - 1};
    const uint16_t lens[] = {0, 1515, 60, 60, 60};
    /* Two batches: a client queue holds CBUFS entries. */
    for (int b = 0; b < 2; b++) {
        int first = b * 3, last = b ? 5 : 3;
        for (int i = first; i < last; i++)
            send(1, offs[i], lens[i]);
        fake_os_dispatch(CH_1);
        for (int i = first; i < last; i++) {
            net_buff_desc_t d = {0};
            assert_int_equal(net_dequeue_free(&t.c[1], &d), 0);
            assert_int_equal(d.io_or_offset, offs[i]);
            assert_int_equal(d.len, 0);
        }
    }
    assert_int_equal(fake_os_stat("tx_bad"), 5);
    assert_int_equal(net_queue_length(t.drv.active), 0);
    assert_int_equal(net_queue_length(t.c[0].free), 0);
    assert_int_equal(fake_os_notify_count(CH_1), 1);
    assert_int_equal(fake_os_notify_count(CH_0), 0);
}

static void return_to_owner(void **state)
{
    (void)state;
    send(0, NET_BUFFER_SIZE, 60);
    send(1, (uint64_t)3 * NET_BUFFER_SIZE, 60);
    fake_os_dispatch(CH_0);
    fake_os_clear_events();
    drv_complete(IO_1 + (uint64_t)3 * NET_BUFFER_SIZE);
    drv_complete(IO_0 + NET_BUFFER_SIZE);
    drv_complete(IO_0 + NET_BUFFER_SIZE);                   /* again: not out any more */
    drv_complete(0x40000000);                               /* nobody's */
    drv_complete(IO_1 + (uint64_t)3 * NET_BUFFER_SIZE + 4); /* inside, misaligned */
    drv_complete(IO_1 + SIZE);                              /* just past client 1 */
    fake_os_dispatch(CH_DRV);
    assert_int_equal(fake_os_stat("tx_ret_bad"), 4);
    net_buff_desc_t d = {0};
    assert_int_equal(net_dequeue_free(&t.c[0], &d), 0);
    assert_int_equal(d.io_or_offset, NET_BUFFER_SIZE);
    assert_int_equal(net_dequeue_free(&t.c[0], &d), -1);
    assert_int_equal(net_dequeue_free(&t.c[1], &d), 0);
    assert_int_equal(d.io_or_offset, 3 * NET_BUFFER_SIZE);
    assert_int_equal(net_dequeue_free(&t.c[1], &d), -1);
    assert_int_equal(fake_os_notify_count(CH_0), 1);
    assert_int_equal(fake_os_notify_count(CH_1), 1);
    /* Clients' notifies are direct; the driver's free queue is re-armed. */
    assert_int_equal(fake_os_deferred_count(CH_0) + fake_os_deferred_count(CH_1), 0);
    assert_int_equal(atomic_load(&t.drv.free->consumer_signalled), 0);
}

static void duplicate_submission(void **state)
{
    (void)state;
    send(0, 0, 60);
    send(0, 0, 60);
    fake_os_dispatch(CH_0);
    assert_int_equal(net_queue_length(t.drv.active), 1);
    assert_int_equal(fake_os_stat("tx_dup"), 1);
    assert_int_equal(net_queue_length(t.c[0].free), 0);
    drv_complete(IO_0);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(net_queue_length(t.c[0].free), 1);
    /* Out and back: it may be sent again. */
    send(0, 0, 60);
    fake_os_dispatch(CH_0);
    assert_int_equal(net_queue_length(t.drv.active), 2);
}

static void driver_full_loses_nothing(void **state)
{
    (void)state;
    teardown(NULL);
    build_with(2);
    init();
    fake_os_end_handler();
    send(0, 0, 60);
    send(0, NET_BUFFER_SIZE, 60);
    send(0, (uint64_t)2 * NET_BUFFER_SIZE, 60);
    send(1, 0, 60);
    fake_os_dispatch(CH_0);
    assert_int_equal(net_queue_length(t.drv.active), 2);
    assert_int_equal(net_queue_length(t.c[0].active), 1); /* waits, not dropped */
    assert_int_equal(net_queue_length(t.c[1].active), 1);
    /* The driver sends one and completes it: the next frames move. */
    net_buff_desc_t d = {0};
    assert_int_equal(net_dequeue_active(&t.drv, &d), 0);
    drv_complete(d.io_or_offset);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(net_queue_length(t.c[0].active), 0);
    assert_int_equal(net_queue_length(t.c[1].active), 1);
    assert_int_equal(net_queue_length(t.drv.active), 2);
    assert_int_equal(net_dequeue_active(&t.drv, &d), 0);
    assert_int_equal(net_dequeue_active(&t.drv, &d), 0);
    drv_complete(d.io_or_offset);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(net_queue_length(t.c[1].active), 0);
    assert_int_equal(net_dequeue_active(&t.drv, &d), 0);
    assert_int_equal(d.io_or_offset, IO_1);
    assert_int_equal(fake_os_stat("tx_frames"), 4);
    assert_int_equal(fake_os_stat("driver_full") + fake_os_stat("tx_bad"), 0);
}

static void corrupt_client_indices(void **state)
{
    (void)state;
    /* Client 0's active tail is wild: read as empty; client 1 is still served. */
    atomic_store(&t.c[0].active->tail, (uint16_t)(CBUFS + 7));
    send(1, 0, 60);
    fake_os_dispatch(CH_0);
    assert_int_equal(net_queue_length(t.drv.active), 1);
    /* Client 1's free queue looks full: its buffer is dropped and counted. */
    atomic_store(&t.c[1].free->head, (uint16_t)(0 - CBUFS));
    drv_complete(IO_1);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(fake_os_stat("client_full"), 1);
}

static void notify_only_when_asked(void **state)
{
    (void)state;
    /* Driver asked (zeroed flag): one deferred notify per request. */
    send(0, 0, 60);
    fake_os_dispatch(CH_0);
    send(0, NET_BUFFER_SIZE, 60);
    fake_os_dispatch(CH_0);
    assert_int_equal(fake_os_deferred_count(CH_DRV), 1);
    net_request_signal_active(&t.drv);
    send(0, (uint64_t)2 * NET_BUFFER_SIZE, 60);
    fake_os_dispatch(CH_0);
    assert_int_equal(fake_os_deferred_count(CH_DRV), 2);
    /* Client 0 cancelled: its buffers come back silently. */
    net_cancel_signal_free(&t.c[0]);
    drv_complete(IO_0);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(net_queue_length(t.c[0].free), 1);
    assert_int_equal(fake_os_notify_count(CH_0), 0);
    net_request_signal_free(&t.c[0]);
    drv_complete(IO_0 + NET_BUFFER_SIZE);
    drv_complete(IO_0 + (uint64_t)2 * NET_BUFFER_SIZE);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(fake_os_notify_count(CH_0), 1);
    /* Client active queue re-armed after draining (double check). */
    assert_int_equal(atomic_load(&t.c[0].active->consumer_signalled), 0);
    assert_int_equal(fake_os_deferred_count(CH_0) + fake_os_deferred_count(CH_1), 0);
}

static void init_sends_queued_frames(void **state)
{
    (void)state;
    teardown(NULL);
    build_with(DBUFS);
    send(1, NET_BUFFER_SIZE, 60); /* queued before virt_tx starts */
    init();
    fake_os_end_handler();
    assert_int_equal(net_queue_length(t.drv.active), 1);
    /* init has no handler return to flush a deferred notify: it signals directly. */
    assert_int_equal(fake_os_notify_count(CH_DRV), 1);
    assert_int_equal(fake_os_deferred_count(CH_DRV), 0);
}

static void runt_frames_go_home(void **state)
{
    (void)state;
    /* The driver trusts virt_tx (sDDF): a "frame" without an Ethernet header stops here. */
    send(1, 0, 1);
    send(1, NET_BUFFER_SIZE, 13);
    send(1, (uint64_t)2 * NET_BUFFER_SIZE, 14);
    fake_os_dispatch(CH_1);
    assert_int_equal(fake_os_stat("tx_bad"), 2);
    net_buff_desc_t d = {0};
    assert_int_equal(net_dequeue_active(&t.drv, &d), 0);
    assert_int_equal(d.io_or_offset, IO_1 + (uint64_t)2 * NET_BUFFER_SIZE);
    assert_int_equal(d.len, 14);
    assert_int_equal(net_dequeue_active(&t.drv, &d), -1);
    assert_int_equal(net_dequeue_free(&t.c[1], &d), 0);
    assert_int_equal(d.io_or_offset, 0);
    assert_int_equal(net_dequeue_free(&t.c[1], &d), 0);
    assert_int_equal(d.io_or_offset, NET_BUFFER_SIZE);
}

/* Tx buffers per client in tail_chase_is_bounded (the echo example's count). */
#define CHASE_BUFS 512u

/* The hostile client of a tail chase: keeps client 1's active queue full until told to stop. */
static struct {
    atomic_bool stop;
    _Atomic uint64_t iterations;
} chase;

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void *chaser(void *arg)
{
    net_queue_t *q = arg;
    uint64_t end = mono_ns() + 2000000000ull; /* bounded: 2 s at most */
    while (!atomic_load(&chase.stop)) {
        uint16_t head = atomic_load_explicit(&q->head, memory_order_acquire);
        atomic_store_explicit(&q->tail, (uint16_t)(head + CHASE_BUFS), memory_order_release);
        uint64_t it = atomic_fetch_add_explicit(&chase.iterations, 1, memory_order_relaxed);
        if (it % 1024 == 0 && mono_ns() >= end)
            break;
    }
    return NULL;
}

static void tail_chase_is_bounded(void **state)
{
    (void)state;
    /* Regression (test_hostile.sh, phase c): client 1 rewrites its tail as fast as
     * virt_tx consumes, so the queue never drains; one call must still end after
     * one queue's worth, having served client 0 too. */
    teardown(NULL);
    build_with_clients(2 * CHASE_BUFS, CHASE_BUFS); /* room for the chaser to stay ahead */
    init();
    fake_os_end_handler();
    net_queue_t *q = t.c[1].active;
    for (uint32_t i = 0; i < CHASE_BUFS; i++) {
        net_buff_desc_t bad = {1, 60, 0, {0}};
        q->buffers[i] = bad;
    }
    send(0, 0, 60);
    atomic_store(&chase.stop, false);
    atomic_store(&chase.iterations, 0);
    /* On two CPUs or more, the chaser and virt_tx each get their own (as on SMP seL4);
     * on one, the chase rarely bites, but the bound must hold either way. */
    cpu_set_t all, cpus[2];
    assert_int_equal(sched_getaffinity(0, sizeof(all), &all), 0);
    int n = 0;
    for (int cpu = 0; cpu < CPU_SETSIZE && n < 2; cpu++) {
        if (CPU_ISSET(cpu, &all)) {
            CPU_ZERO(&cpus[n]);
            CPU_SET(cpu, &cpus[n]);
            n++;
        }
    }
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, chaser, q), 0);
    if (n == 2) {
        (void)pthread_setaffinity_np(th, sizeof(cpus[1]), &cpus[1]);
        (void)sched_setaffinity(0, sizeof(cpus[0]), &cpus[0]);
    }
    uint64_t give_up = mono_ns() + 1000000000ull;
    while (atomic_load(&chase.iterations) < 100000 && mono_ns() < give_up)
        ; /* until the chaser runs hot (bounded: 1 s) */
    fake_os_dispatch(CH_1);
    atomic_store(&chase.stop, true);
    pthread_join(th, NULL);
    (void)sched_setaffinity(0, sizeof(all), &all);
    assert_true(fake_os_stat("tx_bad") <= CHASE_BUFS);
    assert_int_equal(fake_os_stat("tx_frames"), 1); /* client 0 was served */
    assert_int_equal(net_queue_length(t.drv.active), 1);
}

static void run_init(void)
{
    init();
}

static void config_errors_are_fatal(void **state)
{
    (void)state;
    t.cfg.clients[1].data.region.size = SIZE + NET_BUFFER_SIZE;
    assert_true(fake_os_catch_fatal(run_init));
    t.cfg.clients[1].data.region.size = SIZE;
    t.cfg.clients[1].data.io_addr = IO_0 + NET_BUFFER_SIZE; /* overlaps client 0 */
    assert_true(fake_os_catch_fatal(run_init));
    t.cfg.clients[1].data.io_addr = IO_1;
    t.cfg.driver.num_buffers = 12;
    assert_true(fake_os_catch_fatal(run_init));
    t.cfg.driver.num_buffers = DBUFS;
    t.cfg.clients[0].conn.free_queue.vaddr = 0;
    assert_true(fake_os_catch_fatal(run_init));
    t.cfg.clients[0].conn.free_queue.vaddr = (uintptr_t)t.c[0].free;
    t.cfg.num_clients = SDDF_NET_MAX_CLIENTS + 1;
    assert_true(fake_os_catch_fatal(run_init));
    t.cfg.num_clients = 2;
    assert_false(fake_os_catch_fatal(run_init));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(translates_to_io, setup, teardown),
        cmocka_unit_test_setup_teardown(bad_descriptors_go_home, setup, teardown),
        cmocka_unit_test_setup_teardown(return_to_owner, setup, teardown),
        cmocka_unit_test_setup_teardown(duplicate_submission, setup, teardown),
        cmocka_unit_test_setup_teardown(driver_full_loses_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_client_indices, setup, teardown),
        cmocka_unit_test_setup_teardown(notify_only_when_asked, setup, teardown),
        cmocka_unit_test_setup_teardown(init_sends_queued_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(config_errors_are_fatal, setup, teardown),
        cmocka_unit_test_setup_teardown(runt_frames_go_home, setup, teardown),
        cmocka_unit_test_setup_teardown(tail_chase_is_bounded, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
