/*
 * serial/lib/client.c - the serial client library (see sddf/serial/client.h).
 *
 * The tx tail is kept privately and published on '\n', on
 * sddf_serial_flush, and when the unpublished (partial) line reaches half
 * the ring: virt_tx moves a partial line of half its ring in pieces anyway,
 * and a shorter one is never published before its end, so virt_tx shows a
 * partial line only when the client meant it (a prompt, by flushing). Every
 * publication notifies virt_tx (serial form: the producer always notifies).
 * The rx head is kept privately too and published after each read; virt_rx
 * never waits for a client (it drops input for a full ring), so reading
 * notifies nobody.
 *
 * Overflow is line-atomic: when a character of a text line does not fit,
 * the whole line is dropped (its unpublished part is taken back, the rest
 * of it is skipped up to its '\n') and counted once in serial_tx_dropped_lines
 * (its bytes in serial_tx_dropped), so the terminal never shows the head of
 * one line spliced onto the tail of another. Only a part already published
 * (a flushed prompt, or a line longer than half the ring) can show; such a
 * dropped line is still ended with "\r\n" when that fits, so the next line
 * starts on a line of its own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <sddf/serial/client.h>

/* The library's part of this PD's state. */
static struct {
    bool ready, rx_enabled;
    serial_queue_handle_t tx, rx;
    uint32_t tx_tail, rx_head;
    uint32_t line_start; /* ring index where the current text line began */
    bool dropping;       /* the current line did not fit: skip to its '\n' */
    sddf_channel tx_ch, rx_ch;
    uint64_t *tx_dropped, *tx_dropped_lines, *rx_bytes;
} sc;

const serial_client_config_t *serial_client_config(void)
{
    const serial_client_config_t *c =
        sddf_config_find(SDDF_CLASS_SERIAL, SERIAL_ROLE_CLIENT, sizeof(*c));
    return c != NULL && c->header.version == SDDF_CONFIG_VERSION ? c : NULL;
}

int serial_client_init(const serial_client_config_t *cfg)
{
    memset(&sc, 0, sizeof(sc));
    if (cfg == NULL || serial_conn_init(&cfg->tx, &sc.tx) != 0)
        return -1;
    if (cfg->rx_enabled && serial_conn_init(&cfg->rx, &sc.rx) != 0)
        return -1;
    sc.rx_enabled = cfg->rx_enabled != 0;
    sc.tx_ch = cfg->tx.id;
    sc.rx_ch = cfg->rx.id;
    sc.tx_tail = serial_queue_tail(&sc.tx);
    sc.line_start = sc.tx_tail;
    sc.rx_head = sc.rx_enabled ? serial_queue_head(&sc.rx) : 0;
    sc.tx_dropped = sddf_stat_counter("serial_tx_dropped");
    sc.tx_dropped_lines = sddf_stat_counter("serial_tx_dropped_lines");
    sc.rx_bytes = sddf_stat_counter("serial_rx_bytes");
    sc.ready = true;
    return 0;
}

bool serial_client_ready(void)
{
    return sc.ready;
}

sddf_channel sddf_serial_tx_channel(void)
{
    return sc.tx_ch;
}

sddf_channel sddf_serial_rx_channel(void)
{
    return sc.rx_ch;
}

void sddf_serial_flush(void)
{
    if (!sc.ready || serial_queue_tail(&sc.tx) == sc.tx_tail)
        return;
    serial_update_shared_tail(&sc.tx, sc.tx_tail);
    sddf_notify(sc.tx_ch);
}

/* Both indices are ours: bytes of the ring not yet published. */
static uint32_t unpublished(void)
{
    return sc.tx_tail - serial_queue_tail(&sc.tx);
}

/* The line break of a dropped line whose head is already out, if it fits (both bytes or none). */
static void end_dropped_line(void)
{
    if (sc.line_start != sc.tx_tail && serial_queue_free(&sc.tx, sc.tx_tail) >= 2) {
        serial_enqueue_local(&sc.tx, &sc.tx_tail, '\r');
        serial_enqueue_local(&sc.tx, &sc.tx_tail, '\n');
        sddf_serial_flush();
    }
    sc.line_start = sc.tx_tail;
}

/*
 * The current line does not fit (@c did not): take back its unpublished
 * part, count it, and skip the rest of it (up to its '\n', which @c may be).
 */
static void drop_line(char c)
{
    uint32_t back = unpublished();
    sc.tx_tail -= back;
    sddf_stat_add(sc.tx_dropped, (uint64_t)back + 1);
    sddf_stat_add(sc.tx_dropped_lines, 1);
    sc.dropping = c != '\n';
    if (!sc.dropping)
        end_dropped_line();
}

void sddf_putchar(char c)
{
    if (!sc.ready)
        return;
    if (sc.dropping) {
        sddf_stat_add(sc.tx_dropped, 1);
        if (c == '\n') {
            sc.dropping = false;
            end_dropped_line();
        }
        return;
    }
    uint32_t need = c == '\n' ? 2 : 1; /* "\r\n": both or neither */
    if (serial_queue_free(&sc.tx, sc.tx_tail) < need) {
        drop_line(c);
        return;
    }
    if (c == '\n') {
        serial_enqueue_local(&sc.tx, &sc.tx_tail, '\r');
        serial_enqueue_local(&sc.tx, &sc.tx_tail, '\n');
        sc.line_start = sc.tx_tail;
        sddf_serial_flush();
        return;
    }
    serial_enqueue_local(&sc.tx, &sc.tx_tail, c);
    if (unpublished() >= sc.tx.capacity / 2)
        sddf_serial_flush(); /* a line this long cannot stay whole: virt_tx splits it */
}

int sddf_printf(const char *fmt, ...)
{
    char buf[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    if (n < 0)
        return n;
    size_t len = (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1;
    for (size_t i = 0; i < len; i++)
        sddf_putchar(buf[i]);
    return n;
}

uint32_t sddf_serial_write(const void *buf, uint32_t n)
{
    if (!sc.ready)
        return 0;
    uint32_t done = serial_enqueue_batch_local(&sc.tx, &sc.tx_tail, n, buf);
    sddf_serial_flush();
    sc.line_start = sc.tx_tail; /* raw bytes are not a text line to take back */
    return done;
}

bool sddf_serial_tx_space(uint32_t need)
{
    if (!sc.ready || need > sc.tx.capacity)
        return false;
    if (serial_queue_free(&sc.tx, sc.tx_tail) >= need)
        return true;
    sddf_serial_flush(); /* virt_tx must see what is there to make room */
    serial_request_consumer_signal(&sc.tx);
    if (serial_queue_free(&sc.tx, sc.tx_tail) >= need) { /* the double check */
        serial_cancel_consumer_signal(&sc.tx);
        return true;
    }
    return false;
}

uint32_t sddf_serial_read(void *buf, uint32_t max)
{
    if (!sc.ready || !sc.rx_enabled)
        return 0;
    uint32_t avail = atomic_load_explicit(&sc.rx.queue->tail, memory_order_acquire) - sc.rx_head;
    if (avail > sc.rx.capacity)
        avail = 0; /* corrupt indices: nothing we can trust */
    uint32_t n = avail < max ? avail : max;
    if (n == 0)
        return 0;
    serial_queue__copy_out(&sc.rx, sc.rx_head, buf, n);
    sc.rx_head += n;
    serial_update_shared_head(&sc.rx, sc.rx_head);
    sddf_stat_add(sc.rx_bytes, n);
    return n;
}

int sddf_getchar(void)
{
    unsigned char c;
    return sddf_serial_read(&c, 1) == 1 ? c : -1;
}
