/*
 * tests/unit/test_serial_client.c - the serial client library
 * (serial/lib/client.c) through the fake OS layer: the test plays virt_tx and
 * virt_rx.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <sddf/serial/client.h>

#include "fake_os.h"
#include "serial_test_rings.h"

#define CH_TX 4u
#define CH_RX 5u
#define CAP   64u

static struct {
    serial_client_config_t cfg;
    serial_queue_handle_t tx, rx;
    char buf[256];
} t;

static void build(void)
{
    st_free_all();
    memset(&t, 0, sizeof(t));
    fake_os_reset();
    st_header(&t.cfg.header, SERIAL_ROLE_CLIENT, sizeof(t.cfg));
    st_conn(&t.cfg.tx, CAP, CH_TX, &t.tx);
    st_conn(&t.cfg.rx, CAP, CH_RX, &t.rx);
    t.cfg.rx_enabled = 1;
    strcpy(t.cfg.name, "me");
    fake_os_add_config(&t.cfg);
    assert_ptr_equal(serial_client_config(), &t.cfg);
    assert_int_equal(serial_client_init(&t.cfg), 0);
    assert_int_equal(sddf_serial_tx_channel(), CH_TX);
}

static const char *sent(void)
{
    st_take(&t.tx, t.buf, sizeof(t.buf));
    return t.buf;
}

/* Nothing is published before the newline; the newline publishes "\r\n" and notifies once. */
static void test_flush_on_newline(void **state)
{
    (void)state;
    build();
    sddf_printf("n=%d", 42);
    assert_string_equal(sent(), "");
    assert_int_equal(fake_os_notify_count(CH_TX), 0);
    sddf_putchar('\n');
    assert_string_equal(sent(), "n=42\r\n");
    assert_int_equal(fake_os_notify_count(CH_TX), 1);
}

/*
 * A partial line is published only by sddf_serial_flush or once it fills
 * half the ring, never because the ring is nearly full of unread lines
 * (virt_tx would show the half line and another client's line would break
 * it).
 */
static void test_partial_line_publication(void **state)
{
    (void)state;
    build();
    for (int i = 0; i < 3; i++)
        sddf_printf("line %09d\n", i); /* 3 x 16 bytes, published, not read */
    assert_int_equal(serial_queue_length_consumer(&t.tx), 48);
    for (int i = 0; i < 8; i++)
        sddf_putchar('p'); /* 8 of 64 bytes free after these */
    assert_int_equal(serial_queue_length_consumer(&t.tx), 48);
    assert_int_equal(fake_os_notify_count(CH_TX), 3);
    sddf_serial_flush(); /* a prompt */
    assert_int_equal(serial_queue_length_consumer(&t.tx), 56);
    assert_int_equal(fake_os_notify_count(CH_TX), 4);
    sddf_serial_flush(); /* nothing new: no notification */
    assert_int_equal(fake_os_notify_count(CH_TX), 4);
    sent();
    for (unsigned i = 0; i < CAP / 2 - 1; i++)
        sddf_putchar('a');
    assert_int_equal(serial_queue_length_consumer(&t.tx), 0);
    sddf_putchar('b'); /* half the ring without a newline: published */
    assert_int_equal(serial_queue_length_consumer(&t.tx), CAP / 2);
    assert_int_equal(fake_os_notify_count(CH_TX), 5);
}

/* A full ring drops (counted) and never blocks; tx_space asks for a signal with the double check.
 */
static void test_full_drops_and_space(void **state)
{
    (void)state;
    build();
    for (unsigned i = 0; i < CAP + 10; i++)
        sddf_putchar('x');
    assert_int_equal(fake_os_stat("serial_tx_dropped"), 10);
    serial_cancel_consumer_signal(&t.tx);
    assert_false(sddf_serial_tx_space(1));
    assert_int_equal(atomic_load(&t.tx.queue->producer_signalled), 0);
    sent(); /* virt_tx drains */
    assert_true(sddf_serial_tx_space(CAP));
    assert_false(sddf_serial_tx_space(CAP + 1));
}

/*
 * Line-atomic overflow: a line that does not fit is dropped whole (never its
 * head without its tail), counted once, and the next line that fits goes out
 * whole.
 */
static void test_overflow_drops_whole_lines(void **state)
{
    (void)state;
    build();
    for (int i = 0; i < 3; i++)
        sddf_printf("line %09d\n", i);    /* 3 x 16 bytes: 16 free */
    sddf_printf("a line of 20 chars.\n"); /* 16 of its bytes would fit: none may go */
    assert_int_equal(fake_os_stat("serial_tx_dropped_lines"), 1);
    sddf_printf("x%d\n", 7); /* fits after the dropped one */
    assert_string_equal(sent(), "line 000000000\r\nline 000000001\r\nline 000000002\r\nx7\r\n");
    for (int i = 0; i < 4; i++)
        sddf_printf("line %09d\n", i); /* exactly full */
    sddf_printf("%s\n", "dropped");
    sddf_printf("%s\n", "also dropped");
    assert_int_equal(fake_os_stat("serial_tx_dropped_lines"), 3);
    sent(); /* virt_tx drains */
    sddf_printf("whole\n");
    assert_string_equal(sent(), "whole\r\n");
    /* a line longer than the ring can never fit: dropped, and the next one is whole */
    for (int i = 0; i < 100; i++)
        sddf_putchar('y');
    sddf_putchar('\n');
    sent();
    sddf_printf("after\n");
    assert_string_equal(sent(), "after\r\n");
}

/* A dropped line whose head is already out (a flushed prompt) is still ended with "\r\n". */
static void test_overflow_after_prompt(void **state)
{
    (void)state;
    build();
    sddf_printf("> ");
    sddf_serial_flush();
    for (int i = 0; i < 70; i++)
        sddf_putchar('z'); /* the rest of the line does not fit */
    sent();                /* virt_tx drains: the prompt and the 'z's flushed at half the ring */
    sddf_putchar('\n');
    sddf_printf("next\n");
    const char *out = sent();
    assert_string_equal(out, "\r\nnext\r\n"); /* the dropped line ends; next is on its own */
    assert_int_equal(fake_os_stat("serial_tx_dropped_lines"), 1);
}

/* Raw output: bytes unchanged ('\n' stays '\n', NUL passes), published at once. */
static void test_raw_write(void **state)
{
    (void)state;
    build();
    const char raw[] = {'a', '\0', '\n', (char)0xff};
    assert_int_equal(sddf_serial_write(raw, sizeof(raw)), sizeof(raw));
    assert_int_equal(st_take(&t.tx, t.buf, sizeof(t.buf)), sizeof(raw));
    assert_memory_equal(t.buf, raw, sizeof(raw));
}

/* Input: non-blocking reads; -1 when nothing waits; corrupt indices read as nothing. */
static void test_read(void **state)
{
    (void)state;
    build();
    assert_int_equal(sddf_getchar(), -1);
    st_put(&t.rx, "hi\xff", 3);
    assert_int_equal(sddf_getchar(), 'h');
    char b[8];
    assert_int_equal(sddf_serial_read(b, sizeof(b)), 2);
    assert_int_equal((unsigned char)b[1], 0xff);
    assert_int_equal(serial_queue_length_producer(&t.rx), 0); /* head published */
    atomic_store(&t.rx.queue->tail, 1000);
    assert_int_equal(sddf_serial_read(b, sizeof(b)), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flush_on_newline),
        cmocka_unit_test(test_partial_line_publication),
        cmocka_unit_test(test_full_drops_and_space),
        cmocka_unit_test(test_overflow_drops_whole_lines),
        cmocka_unit_test(test_overflow_after_prompt),
        cmocka_unit_test(test_raw_write),
        cmocka_unit_test(test_read),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    st_free_all();
    return rc;
}

/* The fake OS layer's dispatch needs a PD entry point; this test PD has none of its own. */
void notified(sddf_channel ch)
{
    (void)ch;
}
