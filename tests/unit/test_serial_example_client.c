/*
 * tests/unit/test_serial_example_client.c - the example serial client
 * (examples/serial/serial_client.c) with the client library, through the
 * fake OS layer: the test plays virt_rx (typing) and virt_tx (draining).
 * Checks its back-pressure: it reads input only while a whole answer fits,
 * so a paste larger than its tx ring is answered completely, line by line,
 * with nothing dropped, once virt_tx makes room.
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

#define CH_TX  1u
#define CH_RX  2u
#define TX_CAP 1024u
#define RX_CAP 2048u
#define LINES  150

static struct {
    serial_client_config_t cfg;
    serial_queue_handle_t tx, rx;
    char buf[TX_CAP + 1];
    char all[LINES * 32 + 256];
    size_t all_len;
} t;

static void build(void)
{
    st_free_all();
    memset(&t, 0, sizeof(t));
    fake_os_reset();
    st_header(&t.cfg.header, SERIAL_ROLE_CLIENT, sizeof(t.cfg));
    st_conn(&t.cfg.tx, TX_CAP, CH_TX, &t.tx);
    st_conn(&t.cfg.rx, RX_CAP, CH_RX, &t.rx);
    t.cfg.rx_enabled = 1;
    strcpy(t.cfg.name, "me");
    fake_os_add_config(&t.cfg);
    init();
    fake_os_end_handler();
}

/* As virt_tx: take what the client published, append it to t.all. */
static uint32_t drain(void)
{
    uint32_t n = st_take(&t.tx, t.buf, sizeof(t.buf));
    assert_true(t.all_len + n < sizeof(t.all));
    memcpy(t.all + t.all_len, t.buf, n);
    t.all_len += n;
    t.all[t.all_len] = '\0';
    return n;
}

static void test_answers_a_line(void **state)
{
    (void)state;
    build();
    drain();
    assert_string_equal(t.all, "me (client 0) ready: type a line\r\n");
    st_put(&t.rx, "hi\r", 3);
    fake_os_dispatch(CH_RX);
    t.all_len = 0;
    drain();
    assert_string_equal(t.all, "me got: hi\r\n");
}

/* A paste of LINES lines, more answer text than the tx ring holds: all answered, whole, in order.
 */
static void test_backpressure(void **state)
{
    (void)state;
    build();
    drain();
    t.all_len = 0;
    char in[LINES * 10 + 1];
    size_t n = 0;
    for (int i = 0; i < LINES; i++)
        n += (size_t)snprintf(in + n, sizeof(in) - n, "line %03d\r", i);
    assert_int_equal(st_put(&t.rx, in, (uint32_t)n), n); /* the whole paste fits the rx ring */
    fake_os_dispatch(CH_RX);
    /* no room for another answer: the client stopped reading, asked for a signal */
    assert_true(serial_queue_length_consumer(&t.rx) > 0);
    assert_int_equal(atomic_load(&t.tx.queue->producer_signalled), 0);
    int rounds = 0;
    while (serial_queue_length_consumer(&t.rx) > 0 && rounds++ < 100) {
        drain();
        fake_os_dispatch(CH_TX); /* virt_tx made room and signals, as the client asked */
    }
    drain();
    assert_true(rounds > 1);
    char want[LINES * 20 + 1];
    size_t w = 0;
    for (int i = 0; i < LINES; i++)
        w += (size_t)snprintf(want + w, sizeof(want) - w, "me got: line %03d\r\n", i);
    assert_string_equal(t.all, want);
    assert_int_equal(fake_os_stat("serial_tx_dropped"), 0);
    assert_int_equal(fake_os_stat("serial_tx_dropped_lines"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers_a_line),
        cmocka_unit_test(test_backpressure),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    st_free_all();
    return rc;
}
