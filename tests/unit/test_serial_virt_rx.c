/*
 * tests/unit/test_serial_virt_rx.c - the serial rx virtualiser
 * (serial/components/virt_rx.c) through the fake OS layer: the test plays the
 * driver, three clients and virt_tx (the console ring).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "fake_os.h"
#include "serial_test_rings.h"

#define CH_DRV  0u
#define CH_CONS 1u
#define CH_C0   2u
#define NCLI    3
#define CLI_CAP 64u

static struct {
    serial_virt_rx_config_t cfg;
    serial_queue_handle_t drv, console, cli[NCLI];
    char buf[4096];
} t;

static void build(void)
{
    st_free_all();
    memset(&t, 0, sizeof(t));
    fake_os_reset();
    st_header(&t.cfg.header, SERIAL_ROLE_VIRT_RX, sizeof(t.cfg));
    st_conn(&t.cfg.driver, 1024, CH_DRV, &t.drv);
    st_conn(&t.cfg.console, 1024, CH_CONS, &t.console);
    t.cfg.num_clients = NCLI;
    t.cfg.switch_char = SERIAL_SWITCH_CHAR;
    t.cfg.terminate_num_char = SERIAL_TERMINATE_NUM_CHAR;
    for (int i = 0; i < NCLI; i++) {
        st_conn(&t.cfg.clients[i].conn, CLI_CAP, (uint8_t)(CH_C0 + i), &t.cli[i]);
        snprintf(t.cfg.clients[i].name, sizeof(t.cfg.clients[i].name), "cli%d", i);
    }
    fake_os_add_config(&t.cfg);
    init();
    fake_os_end_handler();
}

/* The driver delivers @s. */
static void type(const char *s)
{
    st_put(&t.drv, s, (uint32_t)strlen(s));
    fake_os_dispatch(CH_DRV);
}

static const char *got(int c)
{
    st_take(&t.cli[c], t.buf, sizeof(t.buf));
    return t.buf;
}

static const char *console(void)
{
    st_take(&t.console, t.buf, sizeof(t.buf));
    return t.buf;
}

static void test_default_client_and_switch(void **state)
{
    (void)state;
    build();
    type("ab");
    assert_string_equal(got(0), "ab");
    assert_int_equal(fake_os_notify_count(CH_C0), 1); /* the producer always notifies */
    type("\x1c"
         "2\r"
         "xy");
    assert_string_equal(got(0), "");
    assert_string_equal(got(2), "xy");
    assert_string_equal(console(), "\r\nsddf serial: input now goes to client 2 (cli2)\r\n");
    type("\x1c"
         "0001\r"
         "z"); /* leading zeros: 4 digits are allowed */
    assert_string_equal(got(1), "z");
    assert_int_equal(fake_os_stat("rx_switches"), 2);
}

static void test_literal_switch_char(void **state)
{
    (void)state;
    build();
    type("a\x1c\x1c"
         "b");
    assert_string_equal(got(0), "a\x1c"
                                "b");
    assert_string_equal(console(), "");
}

/* The console line for a bad sequence while input stays with client 0. */
static const char *bad_msg(const char *why)
{
    static char want[160];
    snprintf(want, sizeof(want),
             "\r\nsddf serial: bad switch sequence (%s): input stays with client 0 (cli0)\r\n",
             why);
    return want;
}

/*
 * The rule (virt_rx.c): a sequence runs from Ctrl-\ up to and including its
 * Enter; an invalid one is swallowed whole (no byte of it reaches a client),
 * switches nothing and is reported once, at its Enter, with its first
 * problem.
 */
static void test_invalid_sequences(void **state)
{
    (void)state;
    static const struct {
        const char *in, *why;
    } cases[] = {
        {"\x1cq\r", "not a digit"},
        {"\x1c"
         "1x\r",
         "not a digit"},
        {"\x1c"
         "12x34\r",
         "not a digit"}, /* the first problem is named */
        {"\x1c"
         "12345\r",
         "too many digits"},
        {"\x1c"
         "12345x\r",
         "too many digits"},
        {"\x1c\r", "no client number"},
        {"\x1c"
         "3\r",
         "no such client"},
        {"\x1c"
         "9999\r",
         "no such client"},
        {"\x1chello world\r", "not a digit"}, /* a whole line typed after a stray Ctrl-\ */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        build();
        type(cases[i].in);
        assert_string_equal(console(), bad_msg(cases[i].why));
        for (int c = 0; c < NCLI; c++)
            assert_string_equal(got(c), ""); /* nothing leaks, not even the Enter */
        assert_int_equal(fake_os_stat("rx_bad_switch"), 1);
        assert_int_equal(fake_os_stat("rx_switches"), 0);
        type("k\r"); /* still client 0, back to normal input */
        assert_string_equal(got(0), "k\r");
        assert_string_equal(console(), "");
    }
}

/* A bad sequence is reported at its Enter, however it arrives; until then nothing moves. */
static void test_bad_sequence_reported_at_enter(void **state)
{
    (void)state;
    build();
    type("\x1c"
         "12345");
    type("67");
    assert_string_equal(console(), "");
    assert_string_equal(got(0), "");
    type("\r");
    assert_string_equal(console(), bad_msg("too many digits"));
    assert_string_equal(got(0), "");
    /* split across handler calls, a valid one still switches */
    type("\x1c");
    type("2");
    type("\rz");
    assert_string_equal(got(2), "z");
    assert_string_equal(got(0), "");
}

/* A Ctrl-\ inside a sequence abandons it and starts a new one (no report for the abandoned part).
 */
static void test_switch_char_restarts_sequence(void **state)
{
    (void)state;
    build();
    type("\x1c"
         "1\x1c"
         "2\r"
         "a");
    assert_string_equal(got(2), "a");
    assert_string_equal(got(1), "");
    assert_string_equal(got(0), "");
    assert_string_equal(console(), "\r\nsddf serial: input now goes to client 2 (cli2)\r\n");
    assert_int_equal(fake_os_stat("rx_bad_switch"), 0);
    type("\x1cxy\x1c"
         "0\r"
         "b"); /* a bad sequence is abandoned too */
    assert_string_equal(got(0), "b");
    assert_string_equal(got(2), "");
    assert_string_equal(console(), "\r\nsddf serial: input now goes to client 0 (cli0)\r\n");
    assert_int_equal(fake_os_stat("rx_bad_switch"), 0);
    type("\x1c"
         "1\x1c\x1c"
         "c"); /* restart, then Ctrl-\ twice: a literal Ctrl-\ */
    assert_string_equal(got(0), "\x1c"
                                "c");
    assert_string_equal(console(), "");
}

/*
 * Ordering: the console ring (the switch message) is published before the
 * new client's input, so when a client is signalled its input's message is
 * visible to virt_tx already, and virt_tx is signalled first.
 */
static uint32_t console_tail_at_client_notify;
static int console_notified_first;

static void order_hook(sddf_channel ch)
{
    if (ch == CH_CONS && console_notified_first < 0)
        console_notified_first = 1;
    if (ch == CH_C0 + 1) {
        if (console_notified_first < 0)
            console_notified_first = 0;
        console_tail_at_client_notify = atomic_load(&t.console.queue->tail);
    }
}

static void test_console_published_before_client(void **state)
{
    (void)state;
    build();
    console_notified_first = -1;
    console_tail_at_client_notify = 0;
    fake_os_set_notify_hook(order_hook);
    type("\x1c"
         "1\r"
         "xyz\r"); /* one chunk: the switch and the input behind it */
    fake_os_set_notify_hook(NULL);
    assert_int_equal(console_notified_first, 1);
    const char *msg = "\r\nsddf serial: input now goes to client 1 (cli1)\r\n";
    assert_int_equal(console_tail_at_client_notify, strlen(msg));
    assert_string_equal(console(), msg);
    assert_string_equal(got(1), "xyz\r");
}

/* A client that does not read: excess is dropped and counted, the driver ring always drains. */
static void test_flood_drops(void **state)
{
    (void)state;
    build();
    char flood[1000];
    memset(flood, 'f', sizeof(flood) - 1);
    flood[sizeof(flood) - 1] = '\0';
    for (int i = 0; i < 10; i++)
        type(flood);
    assert_int_equal(serial_queue_length_consumer(&t.drv), 0);
    assert_int_equal(serial_queue_length_consumer(&t.cli[0]), CLI_CAP);
    assert_int_equal(fake_os_stat("rx_dropped"), 10 * 999 - CLI_CAP);
    type("\x1c"
         "1\r"
         "ok"); /* switching still works */
    assert_string_equal(got(1), "ok");
}

/* The driver asked for room (its ring was full): virt_rx signals it after draining. */
static void test_driver_signal(void **state)
{
    (void)state;
    build();
    serial_request_consumer_signal(&t.drv);
    type("q");
    assert_int_equal(fake_os_notify_count(CH_DRV), 1);
    type("r"); /* not asked again: no signal */
    assert_int_equal(fake_os_notify_count(CH_DRV), 1);
}

/* Every byte value but the switch character passes unchanged. */
static void test_all_bytes(void **state)
{
    (void)state;
    build();
    for (int b = 0; b < 256; b += CLI_CAP) {
        char in[CLI_CAP];
        uint32_t n = 0;
        for (int v = b; v < b + (int)CLI_CAP; v++)
            if (v != SERIAL_SWITCH_CHAR)
                in[n++] = (char)v;
        st_put(&t.drv, in, n);
        fake_os_dispatch(CH_DRV);
        assert_int_equal(st_take(&t.cli[0], t.buf, sizeof(t.buf)), n);
        assert_memory_equal(t.buf, in, n);
    }
}

static void test_corrupt_driver_ring(void **state)
{
    (void)state;
    build();
    atomic_store(&t.drv.queue->tail, 5000);
    fake_os_dispatch(CH_DRV);
    assert_int_equal(fake_os_stat("rx_corrupt"), 1);
    assert_string_equal(got(0), "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_client_and_switch),
        cmocka_unit_test(test_literal_switch_char),
        cmocka_unit_test(test_invalid_sequences),
        cmocka_unit_test(test_bad_sequence_reported_at_enter),
        cmocka_unit_test(test_switch_char_restarts_sequence),
        cmocka_unit_test(test_console_published_before_client),
        cmocka_unit_test(test_flood_drops),
        cmocka_unit_test(test_driver_signal),
        cmocka_unit_test(test_all_bytes),
        cmocka_unit_test(test_corrupt_driver_ring),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    st_free_all();
    return rc;
}
