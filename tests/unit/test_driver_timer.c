/*
 * tests/unit/test_driver_timer.c - the timerfd timer driver
 * (drivers/timer/timerfd): its OS-free deadline bookkeeping directly, and the
 * driver's protected()/notified() against the fake OS layer and a real
 * timerfd that this test creates and hands over as the IRQ descriptor.
 */
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <sddf/host/device.h>
#include <sddf/timer/config.h>
#include <sddf/timer/protocol.h>

#include "deadlines.h"
#include "fake_os.h"

#define IRQ_CH  0u
#define CLIENT1 1u
#define CLIENT2 5u
#define STRAY   7u

/* The timerfd the "monitor" (this test) delivers as IRQ channel IRQ_CH. */
static int test_timer_fd = -1;
static timer_driver_config_t test_cfg;

int sddf_host_irq_fd(sddf_channel irq_ch)
{
    return irq_ch == IRQ_CH ? test_timer_fd : -1;
}

static uint64_t mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_IN_S + (uint64_t)ts.tv_nsec;
}

/* ---- deadline bookkeeping ------------------------------------------------ */

static void test_slot_replace(void **state)
{
    (void)state;
    timer_deadlines_t d;
    uint64_t e;
    timer_deadlines_init(&d);
    assert_false(timer_deadline_earliest(&d, &e));
    assert_int_equal(timer_deadline_set(&d, 3, 100, 50), 0);
    assert_true(timer_deadline_earliest(&d, &e));
    assert_int_equal(e, 150);
    /* A new call replaces the old slot, even with a later deadline. */
    assert_int_equal(timer_deadline_set(&d, 3, 100, 10), 0);
    assert_true(timer_deadline_earliest(&d, &e));
    assert_int_equal(e, 110);
    assert_int_equal(timer_deadline_set(&d, 3, 100, 900), 0);
    assert_true(timer_deadline_earliest(&d, &e));
    assert_int_equal(e, 1000);
    assert_int_equal(timer_deadlines_expire(&d, 999), 0);
    assert_int_equal(timer_deadlines_expire(&d, 1000), UINT64_C(1) << 3);
    assert_false(timer_deadline_earliest(&d, &e));
    /* Out-of-range channels change nothing. */
    assert_int_equal(timer_deadline_set(&d, SDDF_MAX_CHANNELS, 0, 1), -1);
    timer_deadline_clear(&d, SDDF_MAX_CHANNELS);
    assert_int_equal(d.pending, 0);
}

static void test_earliest_many(void **state)
{
    (void)state;
    timer_deadlines_t d;
    uint64_t e;
    timer_deadlines_init(&d);
    /* Every channel, deadlines in a scrambled order: (ch * 37) % 63 is a permutation. */
    for (sddf_channel ch = 0; ch < SDDF_MAX_CHANNELS; ch++)
        timer_deadline_set(&d, ch, 1000, 10 + (uint64_t)((ch * 37u) % SDDF_MAX_CHANNELS));
    uint64_t last = 0;
    for (unsigned i = 0; i < SDDF_MAX_CHANNELS; i++) {
        assert_true(timer_deadline_earliest(&d, &e));
        assert_int_equal(e, 1010 + i);
        assert_true(e > last || i == 0);
        last = e;
        /* Exactly one channel holds each deadline; expiring at e removes it alone. */
        uint64_t mask = timer_deadlines_expire(&d, e);
        assert_int_equal(__builtin_popcountll(mask), 1);
        sddf_channel ch = (sddf_channel)__builtin_ctzll(mask);
        assert_int_equal((ch * 37u) % SDDF_MAX_CHANNELS, i);
    }
    assert_false(timer_deadline_earliest(&d, &e));
}

static void test_expire_exact(void **state)
{
    (void)state;
    timer_deadlines_t d;
    uint64_t e;
    timer_deadlines_init(&d);
    timer_deadline_set(&d, 2, 0, 10);
    timer_deadline_set(&d, 9, 0, 20);
    timer_deadline_set(&d, 40, 0, 30);
    timer_deadline_set(&d, 62, 0, 20);
    uint64_t mask = timer_deadlines_expire(&d, 20);
    assert_int_equal(mask, (UINT64_C(1) << 2) | (UINT64_C(1) << 9) | (UINT64_C(1) << 62));
    assert_int_equal(d.pending, UINT64_C(1) << 40);
    assert_true(timer_deadline_earliest(&d, &e));
    assert_int_equal(e, 30);
    assert_int_equal(timer_deadlines_expire(&d, 29), 0);
    timer_deadline_clear(&d, 40);
    assert_int_equal(timer_deadlines_expire(&d, UINT64_MAX), 0);
}

static void test_saturating(void **state)
{
    (void)state;
    assert_int_equal(timer_add_sat(1, 2), 3);
    assert_int_equal(timer_add_sat(UINT64_MAX - 5, 4), UINT64_MAX - 1);
    assert_int_equal(timer_add_sat(UINT64_MAX - 5, 5), UINT64_MAX);
    assert_int_equal(timer_add_sat(UINT64_MAX - 5, 6), UINT64_MAX);
    assert_int_equal(timer_add_sat(UINT64_MAX, UINT64_MAX), UINT64_MAX);
    assert_int_equal(timer_add_sat(0, UINT64_MAX), UINT64_MAX);

    timer_deadlines_t d;
    uint64_t e;
    timer_deadlines_init(&d);
    /* A huge relative timeout must land in the far future, not wrap into the past. */
    timer_deadline_set(&d, 1, UINT64_MAX - 100, UINT64_MAX);
    assert_true(timer_deadline_earliest(&d, &e));
    assert_int_equal(e, UINT64_MAX);
    assert_int_equal(timer_deadlines_expire(&d, UINT64_MAX - 1), 0);
    assert_int_equal(timer_deadlines_expire(&d, UINT64_MAX), UINT64_C(1) << 1);
}

/* ---- the driver --------------------------------------------------------- */

static void build_config(void)
{
    memset(&test_cfg, 0, sizeof(test_cfg));
    memcpy(test_cfg.header.magic, SDDF_CONFIG_MAGIC, 4);
    test_cfg.header.class_id = SDDF_CLASS_TIMER;
    test_cfg.header.role = TIMER_ROLE_DRIVER;
    test_cfg.header.version = SDDF_CONFIG_VERSION;
    test_cfg.header.size = sizeof(test_cfg);
    test_cfg.irq_id = IRQ_CH;
    test_cfg.num_clients = 2;
    test_cfg.client_ids[0] = CLIENT1;
    test_cfg.client_ids[1] = CLIENT2;
}

static int driver_setup(void **state)
{
    (void)state;
    test_timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (test_timer_fd < 0)
        return -1;
    fake_os_reset();
    build_config();
    fake_os_add_config(&test_cfg);
    init();
    return 0;
}

static int driver_teardown(void **state)
{
    (void)state;
    close(test_timer_fd);
    test_timer_fd = -1;
    return 0;
}

static sddf_msginfo call(sddf_channel ch, uint64_t label, uint32_t count, uint64_t mr0)
{
    sddf_set_mr(0, mr0);
    sddf_msginfo reply = protected(ch, sddf_msginfo_new(label, count));
    fake_os_end_handler();
    return reply;
}

/* Nanoseconds until the timerfd fires, or 0 if disarmed. */
static uint64_t timerfd_remaining(void)
{
    struct itimerspec its;
    assert_int_equal(timerfd_gettime(test_timer_fd, &its), 0);
    return (uint64_t)its.it_value.tv_sec * NS_IN_S + (uint64_t)its.it_value.tv_nsec;
}

/* Wait (at most @max_ms) for the timerfd to become readable. */
static bool wait_irq(int max_ms)
{
    struct pollfd p = {test_timer_fd, POLLIN, 0};
    return poll(&p, 1, max_ms) == 1 && (p.revents & POLLIN);
}

static void test_get_time_monotonic(void **state)
{
    (void)state;
    uint64_t before = mono_ns();
    sddf_msginfo r = call(CLIENT1, SDDF_TIMER_GET_TIME, 0, 0);
    assert_int_equal(sddf_msginfo_get_count(r), 1);
    uint64_t t1 = sddf_get_mr(0);
    r = call(CLIENT2, SDDF_TIMER_GET_TIME, 0, 0);
    assert_int_equal(sddf_msginfo_get_count(r), 1);
    uint64_t t2 = sddf_get_mr(0);
    uint64_t after = mono_ns();
    assert_true(before <= t1);
    assert_true(t1 <= t2);
    assert_true(t2 <= after);
    assert_int_equal(fake_os_stat("bad_calls"), 0);
}

static void test_stray_channel_and_label(void **state)
{
    (void)state;
    sddf_msginfo r = call(STRAY, SDDF_TIMER_GET_TIME, 0, 0);
    assert_int_equal(sddf_msginfo_get_count(r), 0);
    r = call(STRAY, SDDF_TIMER_SET_TIMEOUT, 1, 0);
    assert_int_equal(sddf_msginfo_get_count(r), 0);
    assert_int_equal(fake_os_notify_count(STRAY), 0); /* no slot for a non-client */
    r = call(SDDF_MAX_CHANNELS + 5, SDDF_TIMER_GET_TIME, 0, 0);
    assert_int_equal(sddf_msginfo_get_count(r), 0);
    r = call(CLIENT1, 77, 1, 0);
    assert_int_equal(sddf_msginfo_get_count(r), 0);
    /* SET_TIMEOUT without its argument is refused, not read from a stale MR. */
    r = call(CLIENT1, SDDF_TIMER_SET_TIMEOUT, 0, 0);
    assert_int_equal(sddf_msginfo_get_count(r), 0);
    assert_int_equal(fake_os_notify_count(CLIENT1), 0);
    assert_int_equal(fake_os_stat("bad_calls"), 5);
    /* A client may not notify the driver; doing so is harmless. */
    fake_os_dispatch(CLIENT1);
    assert_int_equal(fake_os_irq_ack_count(IRQ_CH), 0);
    assert_int_equal(timerfd_remaining(), 0);
}

static void test_zero_timeout_fires_in_ppc(void **state)
{
    (void)state;
    call(CLIENT2, SDDF_TIMER_SET_TIMEOUT, 1, 0);
    assert_int_equal(fake_os_notify_count(CLIENT2), 1);
    assert_int_equal(fake_os_notify_count(CLIENT1), 0);
    assert_int_equal(fake_os_stat("timeouts_fired"), 1);
    assert_int_equal(timerfd_remaining(), 0); /* nothing left pending: disarmed */
}

static void test_timeout_fires(void **state)
{
    (void)state;
    uint64_t start = mono_ns();
    call(CLIENT1, SDDF_TIMER_SET_TIMEOUT, 1, 10 * NS_IN_MS);
    assert_int_equal(fake_os_notify_count(CLIENT1), 0);
    uint64_t rem = timerfd_remaining();
    assert_true(rem > 0 && rem <= 10 * NS_IN_MS);
    assert_true(wait_irq(2000));
    fake_os_dispatch(IRQ_CH);
    assert_true(mono_ns() - start >= 10 * NS_IN_MS);
    assert_int_equal(fake_os_notify_count(CLIENT1), 1);
    assert_int_equal(fake_os_notify_count(CLIENT2), 0);
    assert_int_equal(fake_os_irq_ack_count(IRQ_CH), 1);
    assert_int_equal(timerfd_remaining(), 0);
    /* The slot was cleared: a spurious IRQ notifies nobody. */
    fake_os_dispatch(IRQ_CH);
    assert_int_equal(fake_os_notify_count(CLIENT1), 1);
    assert_int_equal(fake_os_irq_ack_count(IRQ_CH), 2);
}

static void test_replace_and_rearm(void **state)
{
    (void)state;
    /* CLIENT1 asks for 5 ms, then replaces it with 10 s; CLIENT2 asks for 20 ms. */
    call(CLIENT1, SDDF_TIMER_SET_TIMEOUT, 1, 5 * NS_IN_MS);
    call(CLIENT1, SDDF_TIMER_SET_TIMEOUT, 1, 10 * NS_IN_S);
    call(CLIENT2, SDDF_TIMER_SET_TIMEOUT, 1, 20 * NS_IN_MS);
    uint64_t rem = timerfd_remaining();
    assert_true(rem > 0 && rem <= 20 * NS_IN_MS);
    assert_true(wait_irq(2000));
    fake_os_dispatch(IRQ_CH);
    assert_int_equal(fake_os_notify_count(CLIENT2), 1);
    assert_int_equal(fake_os_notify_count(CLIENT1), 0);
    /* Re-armed to CLIENT1's remaining deadline. */
    rem = timerfd_remaining();
    assert_true(rem > 9 * NS_IN_S && rem <= 10 * NS_IN_S);
    /* A relative timeout near UINT64_MAX saturates to the far future, not the past. */
    call(CLIENT1, SDDF_TIMER_SET_TIMEOUT, 1, UINT64_MAX);
    assert_int_equal(fake_os_notify_count(CLIENT1), 0);
    assert_true(timerfd_remaining() > 100ull * 365 * 24 * 3600 * NS_IN_S);
    assert_false(wait_irq(30));
    assert_int_equal(fake_os_stat("arm_errors"), 0);
}

static void bad_irq_config(void)
{
    build_config();
    test_cfg.irq_id = SDDF_MAX_CHANNELS;
    init();
}

static void client_is_irq_config(void)
{
    build_config();
    test_cfg.client_ids[1] = IRQ_CH;
    init();
}

static void too_many_clients_config(void)
{
    build_config();
    test_cfg.num_clients = SDDF_TIMER_MAX_CLIENTS + 1;
    init();
}

static void no_config(void)
{
    build_config();
    test_cfg.header.size = sizeof(test_cfg) - 1; /* a tool/driver mismatch: not found */
    init();
}

static void test_bad_config(void **state)
{
    (void)state;
    assert_true(fake_os_catch_fatal(bad_irq_config));
    assert_true(fake_os_catch_fatal(client_is_irq_config));
    assert_true(fake_os_catch_fatal(too_many_clients_config));
    assert_true(fake_os_catch_fatal(no_config));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_slot_replace),
        cmocka_unit_test(test_earliest_many),
        cmocka_unit_test(test_expire_exact),
        cmocka_unit_test(test_saturating),
        cmocka_unit_test_setup_teardown(test_get_time_monotonic, driver_setup, driver_teardown),
        cmocka_unit_test_setup_teardown(test_stray_channel_and_label, driver_setup,
                                        driver_teardown),
        cmocka_unit_test_setup_teardown(test_zero_timeout_fires_in_ppc, driver_setup,
                                        driver_teardown),
        cmocka_unit_test_setup_teardown(test_timeout_fires, driver_setup, driver_teardown),
        cmocka_unit_test_setup_teardown(test_replace_and_rearm, driver_setup, driver_teardown),
        cmocka_unit_test_setup_teardown(test_bad_config, driver_setup, driver_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
