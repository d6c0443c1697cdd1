/*
 * tests/unit/test_serial_virt_tx.c - the serial tx virtualiser
 * (serial/components/virt_tx.c) through the fake OS layer: the test plays the
 * driver, two clients and virt_rx's console ring.
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
#define CH_C0   1u
#define CH_C1   2u
#define CH_CONS 3u
#define DRV_CAP 8192u
#define CLI_CAP 4096u

static struct {
    serial_virt_tx_config_t cfg;
    serial_queue_handle_t drv, cli[2], console;
    char out[2 * DRV_CAP];
} t;

/* The begin text build() configures (set before calling it; reset after). */
static const char *begin_text = "";

static void build(bool colour, bool prefix)
{
    st_free_all();
    memset(&t, 0, sizeof(t));
    fake_os_reset();
    st_header(&t.cfg.header, SERIAL_ROLE_VIRT_TX, sizeof(t.cfg));
    st_conn(&t.cfg.driver, DRV_CAP, CH_DRV, &t.drv);
    t.cfg.num_clients = 2;
    for (int i = 0; i < 2; i++) {
        st_conn(&t.cfg.clients[i].conn, CLI_CAP, (uint8_t)(CH_C0 + i), &t.cli[i]);
        snprintf(t.cfg.clients[i].name, sizeof(t.cfg.clients[i].name), "c%d", i);
    }
    st_conn(&t.cfg.console, CLI_CAP, CH_CONS, &t.console);
    t.cfg.has_console = 1;
    t.cfg.enable_colour = colour;
    t.cfg.enable_prefix = prefix;
    snprintf(t.cfg.begin_str, sizeof(t.cfg.begin_str), "%s", begin_text);
    fake_os_add_config(&t.cfg);
    init();
    fake_os_end_handler();
}

static const char *drain(void)
{
    st_take(&t.drv, t.out, sizeof(t.out));
    return t.out;
}

/*
 * Complete lines move whole; a partial line waits while another source has
 * output pending, and shows once it is the only output left; its
 * continuation follows without a prefix.
 */
static void test_whole_lines(void **state)
{
    (void)state;
    build(false, true);
    st_put(&t.cli[0], "hel", 3);
    st_put(&t.cli[1], "wor", 3);
    fake_os_dispatch(CH_C1);
    assert_string_equal(drain(), ""); /* two partial lines: neither may hold the line */
    assert_int_equal(fake_os_notify_count(CH_DRV), 0);
    st_put(&t.cli[1], "ld\r\n", 4);
    fake_os_dispatch(CH_C1);
    assert_string_equal(drain(), "[c1] world\r\n[c0] hel");
    assert_true(fake_os_notify_count(CH_DRV) >= 1);
    st_put(&t.cli[0], "lo\r\nmore", 8);
    st_put(&t.cli[1], "x\n", 2);
    fake_os_dispatch(CH_C0);
    /* the holder ends its line first; "more" waits for c1's line, then shows alone */
    assert_string_equal(drain(), "lo\r\n[c1] x\n[c0] more");
    st_put(&t.cli[0], "\n", 1);
    fake_os_dispatch(CH_C0);
    assert_string_equal(drain(), "\n");
    assert_int_equal(fake_os_stat("tx_lines"), 4);
    assert_int_equal(fake_os_stat("tx_partial"), 2);
    assert_int_equal(fake_os_stat("tx_breaks"), 0);
    assert_int_equal(fake_os_stat("tx_split"), 0);
}

/*
 * A prompt shows at once on an idle console. Another client's line then
 * ends the prompt's terminal line first (never inside it), and the
 * prompting client's continuation starts a new line with its prefix.
 */
static void test_prompt_broken_not_interleaved(void **state)
{
    (void)state;
    build(true, true);
    st_put(&t.cli[0], "> ", 2);
    fake_os_dispatch(CH_C0);
    assert_string_equal(drain(), "\x1b[31m[c0] > \x1b[0m");
    st_put(&t.cli[0], "ab", 2); /* the holder goes on: no prefix, nothing in between */
    fake_os_dispatch(CH_C0);
    assert_string_equal(drain(), "\x1b[31mab\x1b[0m");
    st_put(&t.cli[1], "line\n", 5);
    fake_os_dispatch(CH_C1);
    assert_string_equal(drain(), "\r\n\x1b[32m[c1] line\x1b[0m\n");
    st_put(&t.cli[0], "c\r\n", 3);
    fake_os_dispatch(CH_C0);
    assert_string_equal(drain(), "\x1b[31m[c0] c\x1b[0m\r\n"); /* the reset before the break */
    assert_int_equal(fake_os_stat("tx_breaks"), 1);
    /* a partial line of another client breaks the held line too, once it is alone */
    st_put(&t.cli[0], "p0", 2);
    fake_os_dispatch(CH_C0);
    st_put(&t.cli[1], "p1", 2);
    fake_os_dispatch(CH_C1);
    assert_string_equal(drain(), "\x1b[31m[c0] p0\x1b[0m\r\n\x1b[32m[c1] p1\x1b[0m");
    assert_int_equal(fake_os_stat("tx_breaks"), 2);
}

/* The holder's continuation goes first, and a second partial line waits behind it. */
static void test_holder_keeps_line(void **state)
{
    (void)state;
    build(false, true);
    st_put(&t.cli[1], "b> ", 3);
    fake_os_dispatch(CH_C1);
    assert_string_equal(drain(), "[c1] b> ");
    st_put(&t.cli[0], "a", 1);
    st_put(&t.cli[1], "xy", 2);
    fake_os_dispatch(CH_C0);
    assert_string_equal(drain(), "xy"); /* c1 holds the line; c0's partial waits */
    st_put(&t.cli[1], "z\n", 2);
    fake_os_dispatch(CH_C1);
    assert_string_equal(drain(), "z\n[c0] a");
    assert_int_equal(fake_os_stat("tx_breaks"), 0);
}

/* Colour: ESC[3Nm .. ESC[0m around each line, N by client index; console lines plain. */
static void test_colour_and_console(void **state)
{
    (void)state;
    build(true, false);
    st_put(&t.cli[1], "x\n", 2);
    st_put(&t.console, "note\r\n", 6);
    fake_os_dispatch(CH_CONS);
    assert_string_equal(drain(), "note\r\n\x1b[32mx\x1b[0m\n"); /* console first */
}

/*
 * Rule 5: a console message goes before a client's answer even when that
 * client holds the terminal line with a prompt (the holder used to go first).
 */
static void test_console_before_holder(void **state)
{
    (void)state;
    build(false, true);
    st_put(&t.cli[1], "b> ", 3);
    fake_os_dispatch(CH_C1);
    assert_string_equal(drain(), "[c1] b> ");
    st_put(&t.console, "\r\nswitched\r\n", 12);
    st_put(&t.cli[1], "answer\n", 7);
    fake_os_dispatch(CH_C1);
    assert_string_equal(drain(), "\r\n\r\nswitched\r\n[c1] answer\n");
}

/*
 * Rule 5 inside one pass: virt_rx may publish a message and the input a
 * client answers while virt_tx is between two clients. Simulated with the
 * notify hook: virt_tx signals client 0 (it asked for room) in the middle of
 * its pass, and at that moment the console message and client 1's answer
 * appear. The message must still come first.
 */
static void mid_pass_hook(sddf_channel ch)
{
    if (ch != CH_C0)
        return;
    st_put(&t.console, "\r\nnow c1\r\n", 10);
    st_put(&t.cli[1], "c1 answer\n", 10);
}

static void test_console_before_client_mid_pass(void **state)
{
    (void)state;
    build(false, true);
    st_put(&t.cli[0], "c0 line\n", 8);
    serial_request_consumer_signal(&t.cli[0]); /* client 0 waits for room */
    fake_os_set_notify_hook(mid_pass_hook);
    fake_os_dispatch(CH_C0);
    fake_os_set_notify_hook(NULL);
    fake_os_dispatch(CH_C1); /* whatever the pass left */
    assert_string_equal(drain(), "[c0] c0 line\n\r\nnow c1\r\n[c1] c1 answer\n");
}

/* The begin text is text: '\n' becomes "\r\n" (an existing "\r\n" stays) and it ends a line. */
static void test_begin_text(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } cases[] = {
        {"Begin input", "Begin input\r\n"},
        {"a\nb", "a\r\nb\r\n"},
        {"a\r\nb\n", "a\r\nb\r\n"},
        {"\n", "\r\n"},
        {"", ""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        begin_text = cases[i].in;
        build(true, true);
        begin_text = "";
        assert_string_equal(drain(), cases[i].out); /* no colour: it is not a client's */
        st_put(&t.cli[0], "x\n", 2);
        fake_os_dispatch(CH_C0);
        assert_string_equal(drain(), "\x1b[31m[c0] x\x1b[0m\n"); /* on a line of its own */
    }
}

/* Driver ring full: the line stays whole in the client ring, virt_tx asks the driver to signal. */
static void test_driver_full_backpressure(void **state)
{
    (void)state;
    build(false, false);
    static char big[DRV_CAP];
    memset(big, 'a', sizeof(big));
    uint32_t done = 0;
    while (done < DRV_CAP - 10) { /* fill the driver ring with 4000-byte lines */
        uint32_t n = DRV_CAP - 10 - done < 4000 ? DRV_CAP - 10 - done : 4000;
        big[n - 1] = '\n';
        assert_int_equal(st_put(&t.cli[0], big, n), n);
        big[n - 1] = 'a';
        fake_os_dispatch(CH_C0);
        done += n;
    }
    assert_int_equal(serial_queue_length_consumer(&t.drv), DRV_CAP - 10);
    st_put(&t.cli[1], "0123456789abc\n", 14);  /* 14 > 10 bytes free */
    serial_request_consumer_signal(&t.cli[1]); /* client 1 waits for room */
    fake_os_clear_events();
    fake_os_dispatch(CH_C1);
    assert_int_equal(serial_queue_length_consumer(&t.drv), DRV_CAP - 10);
    assert_int_equal(atomic_load(&t.drv.queue->producer_signalled), 0);
    assert_int_equal(fake_os_notify_count(CH_C1), 0);
    drain();                  /* the driver consumes ... */
    fake_os_dispatch(CH_DRV); /* ... and signals because virt_tx asked */
    assert_string_equal(drain(), "0123456789abc\n");
    assert_int_equal(fake_os_notify_count(CH_C1), 1); /* room for the client that asked */
    assert_true(fake_os_stat("driver_full") >= 1);
}

/* A partial line of half the client ring moves as it is (counted): no deadlock. */
static void test_long_partial_line(void **state)
{
    (void)state;
    build(false, false);
    static char part[CLI_CAP / 2];
    memset(part, 'p', sizeof(part));
    st_put(&t.cli[0], part, sizeof(part));
    fake_os_dispatch(CH_C0);
    assert_int_equal(strlen(drain()), sizeof(part));
    assert_int_equal(fake_os_stat("tx_split"), 1);
}

/* A client that corrupts its indices is dropped and counted; the other keeps flowing. */
static void test_corrupt_client(void **state)
{
    (void)state;
    build(false, true);
    atomic_store(&t.cli[0].queue->tail, 5 * CLI_CAP);
    st_put(&t.cli[1], "ok\n", 3);
    fake_os_dispatch(CH_C0);
    assert_string_equal(drain(), "[c1] ok\n");
    assert_int_equal(fake_os_stat("tx_corrupt"), 1);
}

/* Every byte value, NUL included, passes unchanged inside a line. */
static void test_all_bytes(void **state)
{
    (void)state;
    build(false, false);
    char in[257];
    uint32_t n = 0;
    for (int b = 0; b < 256; b++)
        if (b != '\n')
            in[n++] = (char)b;
    in[n++] = '\n';
    st_put(&t.cli[0], in, n);
    fake_os_dispatch(CH_C0);
    assert_int_equal(st_take(&t.drv, t.out, sizeof(t.out)), n);
    assert_memory_equal(t.out, in, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_whole_lines),
        cmocka_unit_test(test_prompt_broken_not_interleaved),
        cmocka_unit_test(test_holder_keeps_line),
        cmocka_unit_test(test_colour_and_console),
        cmocka_unit_test(test_console_before_holder),
        cmocka_unit_test(test_console_before_client_mid_pass),
        cmocka_unit_test(test_begin_text),
        cmocka_unit_test(test_driver_full_backpressure),
        cmocka_unit_test(test_long_partial_line),
        cmocka_unit_test(test_corrupt_client),
        cmocka_unit_test(test_all_bytes),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    st_free_all();
    return rc;
}
