/*
 * drivers/serial/tty/tty.c - the serial driver PD for a Linux terminal: the
 * one `sddf run` was started from, or a tty/pty named in the description.
 *
 * The monitor opens the terminal (and puts a real one in raw mode, restoring
 * it on every exit path); this PD gets only non-blocking descriptors
 * (sddf/host/device.h) and two IRQs: device_in (input readable) and
 * device_out (output has room), each masked after it fires until acked.
 * Roles and names follow the sDDF serial driver (PROTOCOLS 2.3):
 *
 *  - tx_provide (virt_tx notified, or device_out): write the tx ring to the
 *    terminal until it is empty or the terminal is full; on EAGAIN ack
 *    device_out and wait for it. Notify virt_tx if it asked for room.
 *  - rx_return (device_in): read into the rx ring only while it has room;
 *    when it is full, ask virt_rx for a signal (with the double check) and
 *    leave device_in masked, so input waits in the terminal's own buffer
 *    (back-pressure, no busy loop). virt_rx's signal resumes reading. The
 *    IRQ is acked only once read() says EAGAIN. Always notify virt_rx after
 *    enqueueing. End of input (read returns 0) stops reading for good.
 *  - End of output (EPIPE: the reader of a pipe has gone, e.g. `sddf run
 *    ... | head`; the runtime ignores SIGPIPE) is the mirror of input EOF:
 *    nothing more is written, and what virt_tx sends is consumed and
 *    dropped (counted: tx_discarded), so no one waits for a terminal that
 *    will never drain.
 *  - A regular file or /dev/null (`sddf run ... > file`, `< /dev/null`)
 *    works unchanged: its IRQs are always ready (sddf/host/device.h), a
 *    write never returns EAGAIN and a read of /dev/null is EOF at once.
 *
 * Indices read from the rings are the virtualisers'; a corrupt tx ring is
 * dropped and counted (tx_corrupt), never followed.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <sddf/host/device.h>
#include <sddf/os.h>
#include <sddf/serial/config.h>
#include <sddf/serial/queue.h>

static struct {
    const serial_driver_config_t *cfg;
    serial_queue_handle_t rx, tx;
    uint32_t rx_tail, tx_head;
    int in_fd, out_fd;
    bool rx_enabled, rx_held, in_eof, out_ended;
    uint64_t *rx_bytes, *tx_bytes, *rx_full, *tx_errors, *tx_corrupt, *rx_errors, *tx_discarded;
} tty;

static void rx_return(void)
{
    if (!tty.rx_enabled || tty.in_eof)
        return;
    uint32_t start = tty.rx_tail;
    tty.rx_held = false;
    for (;;) {
        uint32_t room = serial_queue_contiguous_free(&tty.rx, tty.rx_tail);
        if (room == 0) {
            serial_request_consumer_signal(&tty.rx);
            if (serial_queue_free(&tty.rx, tty.rx_tail) == 0) {
                tty.rx_held = true; /* device_in stays masked until virt_rx makes room */
                sddf_stat_add(tty.rx_full, 1);
                break;
            }
            serial_cancel_consumer_signal(&tty.rx);
            continue;
        }
        char *dst = tty.rx.data_region + (tty.rx_tail & (tty.rx.capacity - 1));
        ssize_t n = read(tty.in_fd, dst, room);
        if (n > 0) {
            tty.rx_tail += (uint32_t)n;
            sddf_stat_add(tty.rx_bytes, (uint64_t)n);
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            sddf_irq_ack(tty.cfg->in_irq); /* drained: wait for more */
            break;
        } else {
            /* end of input (pipe closed, pty hung up) or an error: stop for good */
            if (n < 0)
                sddf_stat_add(tty.rx_errors, 1);
            sddf_log("tty: input %s; no more input is read", n == 0 ? "ended" : strerror(errno));
            tty.in_eof = true;
            break;
        }
    }
    if (tty.rx_tail != start) {
        serial_update_shared_tail(&tty.rx, tty.rx_tail);
        sddf_notify(tty.cfg->rx.id); /* serial form: the producer always notifies */
    }
}

static void tx_provide(void)
{
    uint32_t start = tty.tx_head;
    for (;;) {
        uint32_t avail =
            atomic_load_explicit(&tty.tx.queue->tail, memory_order_acquire) - tty.tx_head;
        if (avail > tty.tx.capacity) {
            sddf_stat_add(tty.tx_corrupt, 1);
            tty.tx_head += avail; /* resynchronise; the bytes are lost */
            break;
        }
        uint32_t n = serial_queue_contiguous_length(&tty.tx, tty.tx_head);
        if (n == 0 || n > avail)
            break;
        if (tty.out_ended) {
            tty.tx_head += n; /* nowhere to write: consume, so virt_tx never waits */
            sddf_stat_add(tty.tx_discarded, n);
            continue;
        }
        const char *src = tty.tx.data_region + (tty.tx_head & (tty.tx.capacity - 1));
        ssize_t w = write(tty.out_fd, src, n);
        if (w > 0) {
            tty.tx_head += (uint32_t)w;
            sddf_stat_add(tty.tx_bytes, (uint64_t)w);
        } else if (w < 0 && errno == EINTR) {
            continue;
        } else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            sddf_irq_ack(tty.cfg->out_irq); /* full: device_out fires when there is room */
            break;
        } else if (w < 0 && errno == EPIPE) {
            sddf_log("tty: output ended (no reader); no more output is written");
            tty.out_ended = true; /* the loop discards the rest */
        } else {
            sddf_stat_add(tty.tx_errors, 1); /* e.g. the terminal hung up: drop */
            tty.tx_head += n;
        }
    }
    if (tty.tx_head != start) {
        serial_update_shared_head(&tty.tx, tty.tx_head);
        if (serial_require_consumer_signal(&tty.tx)) { /* virt_tx waits for room */
            serial_cancel_consumer_signal(&tty.tx);
            sddf_notify(tty.cfg->tx.id);
        }
    }
}

void init(void)
{
    memset(&tty, 0, sizeof(tty));
    const serial_driver_config_t *cfg =
        sddf_config_find(SDDF_CLASS_SERIAL, SERIAL_ROLE_DRIVER, sizeof(*cfg));
    if (cfg == NULL || cfg->header.version != SDDF_CONFIG_VERSION)
        sddf_fatal("tty: no serial driver config record of this version");
    tty.cfg = cfg;
    if (serial_conn_init(&cfg->tx, &tty.tx) != 0)
        sddf_fatal("tty: bad tx connection");
    tty.rx_enabled = cfg->rx_enabled != 0;
    if (tty.rx_enabled && serial_conn_init(&cfg->rx, &tty.rx) != 0)
        sddf_fatal("tty: bad rx connection");
    tty.in_fd = sddf_host_device_fd(cfg->device_id);
    tty.out_fd = sddf_host_device_out_fd(cfg->device_id);
    if (tty.in_fd < 0 || tty.out_fd < 0 ||
        sddf_host_device_kind(cfg->device_id) != SDDF_HOST_DEVICE_TTY)
        sddf_fatal("tty: device %u is not a terminal of this PD", cfg->device_id);
    tty.tx_head = serial_queue_head(&tty.tx);
    tty.rx_tail = tty.rx_enabled ? serial_queue_tail(&tty.rx) : 0;
    tty.rx_bytes = sddf_stat_counter("rx_bytes");
    tty.tx_bytes = sddf_stat_counter("tx_bytes");
    tty.rx_full = sddf_stat_counter("rx_ring_full");
    tty.rx_errors = sddf_stat_counter("rx_errors");
    tty.tx_errors = sddf_stat_counter("tx_errors");
    tty.tx_corrupt = sddf_stat_counter("tx_corrupt");
    tty.tx_discarded = sddf_stat_counter("tx_discarded");
}

void notified(sddf_channel ch)
{
    const serial_driver_config_t *cfg = tty.cfg;
    if (ch == cfg->in_irq || (tty.rx_enabled && ch == cfg->rx.id && tty.rx_held))
        rx_return(); /* input, or virt_rx made room after we filled the ring */
    else if (ch == cfg->out_irq || ch == cfg->tx.id)
        tx_provide();
    /* anything else: a spurious signal, harmless */
}
