/*
 * drivers/net/tap/tap.c - the Ethernet driver PD for a Linux TAP device.
 *
 * The monitor creates the TAP (IFF_TAP | IFF_NO_PI) and hands this PD only
 * its non-blocking fd, delivered as the IRQ channel: readable = frames to
 * receive. Roles and names follow the sDDF design's Ethernet driver:
 * rx_return moves received frames to virt_rx's rx active queue; the
 * rx free queue replaces the hardware rx ring; tx_provide sends what virt_tx
 * put on tx active and returns every buffer on tx free at once (a TAP write
 * is synchronous, so tx_return is folded into it).
 *
 * The driver plays the DMA engine (io_table.h), so unlike a seL4 driver it
 * validates every descriptor: a bad IO address or length is counted and
 * dropped (a bad rx buffer is not used; a bad tx buffer goes back to tx free
 * with len 0, so nothing leaks).
 *
 * Flow control: when rx free runs dry the driver asks virt_rx for a signal
 * (with the double check) and leaves the IRQ masked, so the TAP's own queue
 * absorbs (and past its length, drops) excess frames. virt_rx returning
 * buffers resumes rx and re-arms the IRQ.
 *
 * The one deferred slot (sddf/os.h) holds the IRQ ack on the rx paths and the
 * virt_tx notification on the tx path; virt_rx is always notified directly.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <sddf/host/device.h>
#include <sddf/net/config.h>
#include <sddf/net/queue.h>
#include <sddf/os.h>

#include "io_table.h"

/** Largest Ethernet frame without FCS for a 1500-byte MTU (IEEE 802.3). */
#define TAP_MAX_FRAME 1514u
/** Smallest frame worth sending: a bare Ethernet header. */
#define TAP_MIN_FRAME 14u
/** Read-overflow space, so that readv() reports the true size of an oversize frame. */
#define TAP_SCRATCH_BYTES 65536u
/** Most rx buffers one rx_return pass consumes; then the IRQ is acked and re-fires if needed. */
#define TAP_RX_BUDGET 1024u

/* The PD's component state. */
static struct {
    net_queue_handle_t rx; /* with virt_rx: driver consumes free, produces active */
    net_queue_handle_t tx; /* with virt_tx: driver consumes active, produces free */
    sddf_channel irq, virt_rx_ch, virt_tx_ch;
    int fd;
    net_io_table_t io;
    /* A buffer taken from rx free but not filled (the TAP had nothing). */
    bool stash_valid;
    uint64_t stash_io;
    uint8_t *stash_buf;
    bool irq_held; /* IRQ left masked until virt_rx returns buffers */
    bool warned_rx, warned_tx, warned_ch;
    struct {
        uint64_t *rx_frames, *rx_bytes, *rx_oversize, *rx_bad_desc, *rx_errors;
        uint64_t *tx_frames, *tx_bytes, *tx_bad_desc, *tx_errors;
    } stat;
    uint8_t scratch[TAP_SCRATCH_BYTES];
} tap;

/* Bind @h to the queue pair of @c; any inconsistency is a configuration error. */
static void bind_connection(net_queue_handle_t *h, const net_connection_resource_t *c,
                            const char *name)
{
    uint32_t n = c->num_buffers;
    if (!net_queue_capacity_valid(n) || c->id >= SDDF_MAX_CHANNELS)
        sddf_fatal("tap: %s: bad capacity %u or channel %u", name, n, c->id);
    const sddf_region_resource_t *q[2] = {&c->free_queue, &c->active_queue};
    for (int i = 0; i < 2; i++) {
        if (q[i]->vaddr == 0 || q[i]->vaddr % _Alignof(net_queue_t) != 0 ||
            q[i]->size < NET_QUEUE_BYTES(n))
            sddf_fatal("tap: %s: queue region %d unmapped, misaligned or too small", name, i);
    }
    net_queue_init(h, sddf_region_ptr(&c->free_queue), sddf_region_ptr(&c->active_queue), n);
}

void init(void)
{
    const net_driver_config_t *cfg =
        sddf_config_find(SDDF_CLASS_NET, NET_ROLE_DRIVER, sizeof(net_driver_config_t));
    if (cfg == NULL)
        sddf_fatal("tap: no network driver configuration");
    if (cfg->header.version != SDDF_CONFIG_VERSION)
        sddf_fatal("tap: configuration version %u, expected %u", cfg->header.version,
                   SDDF_CONFIG_VERSION);

    memset(&tap, 0, sizeof(tap));
    bind_connection(&tap.rx, &cfg->virt_rx, "virt_rx");
    bind_connection(&tap.tx, &cfg->virt_tx, "virt_tx");
    tap.irq = cfg->irq_id;
    tap.virt_rx_ch = cfg->virt_rx.id;
    tap.virt_tx_ch = cfg->virt_tx.id;
    if (tap.irq >= SDDF_MAX_CHANNELS || tap.irq == tap.virt_rx_ch || tap.irq == tap.virt_tx_ch ||
        tap.virt_rx_ch == tap.virt_tx_ch)
        sddf_fatal("tap: channels irq %u, virt_rx %u, virt_tx %u must be distinct", tap.irq,
                   tap.virt_rx_ch, tap.virt_tx_ch);
    if (net_io_table_init(&tap.io, cfg->io_regions, cfg->num_io_regions) != 0)
        sddf_fatal("tap: bad IO address table (%u regions)", cfg->num_io_regions);
    tap.fd = sddf_host_irq_fd(tap.irq);
    if (tap.fd < 0)
        sddf_fatal("tap: channel %u is not an IRQ with a device", tap.irq);

    tap.stat.rx_frames = sddf_stat_counter("rx_frames");
    tap.stat.rx_bytes = sddf_stat_counter("rx_bytes");
    tap.stat.rx_oversize = sddf_stat_counter("rx_oversize");
    tap.stat.rx_bad_desc = sddf_stat_counter("rx_bad_desc");
    tap.stat.rx_errors = sddf_stat_counter("rx_errors");
    tap.stat.tx_frames = sddf_stat_counter("tx_frames");
    tap.stat.tx_bytes = sddf_stat_counter("tx_bytes");
    tap.stat.tx_bad_desc = sddf_stat_counter("tx_bad_desc");
    tap.stat.tx_errors = sddf_stat_counter("tx_errors");

    /* Rx buffers are wanted only while starved; tx work always wakes us. */
    net_cancel_signal_free(&tap.rx);
    net_request_signal_active(&tap.tx);
}

/* Keep an unfilled rx buffer for the next pass (it is ours until used). */
static void rx_stash(uint64_t io, uint8_t *buf)
{
    tap.stash_valid = true;
    tap.stash_io = io;
    tap.stash_buf = buf;
}

/*
 * Take an rx buffer: the stashed one, else the next valid one from rx free.
 * Invalid descriptors are counted, dropped and charged to *@budget.
 */
static bool rx_take_buffer(uint64_t *io, uint8_t **buf, unsigned *budget)
{
    if (tap.stash_valid) {
        tap.stash_valid = false;
        *io = tap.stash_io;
        *buf = tap.stash_buf;
        return true;
    }
    net_buff_desc_t d;
    while (*budget > 0 && net_dequeue_free(&tap.rx, &d) == 0) {
        uint64_t addr = d.io_or_offset;
        uint8_t *p = net_io_rx_buffer(&tap.io, addr);
        if (p != NULL) {
            *io = addr;
            *buf = p;
            return true;
        }
        (*budget)--;
        sddf_stat_add(tap.stat.rx_bad_desc, 1);
    }
    return false;
}

/* Whether rx_return could make progress: a buffer to fill and room to publish it. */
static bool rx_can_progress(void)
{
    return (tap.stash_valid || !net_queue_empty_free(&tap.rx)) && !net_queue_full_active(&tap.rx);
}

/*
 * Receive frames into rx buffers until the TAP is empty, the buffers run out
 * or the budget is spent. Decides whether the IRQ is re-armed (deferred ack)
 * or held, and notifies virt_rx directly if it asked.
 */
static void rx_return(void)
{
    bool enqueued = false, starved;
    unsigned budget = TAP_RX_BUDGET;
    for (;;) {
        starved = false;
        while (budget > 0) {
            uint64_t io;
            uint8_t *buf;
            if (net_queue_full_active(&tap.rx) || !rx_take_buffer(&io, &buf, &budget)) {
                starved = budget > 0;
                break;
            }
            budget--;
            struct iovec iov[2] = {{buf, NET_BUFFER_SIZE}, {tap.scratch, sizeof(tap.scratch)}};
            ssize_t n = readv(tap.fd, iov, 2);
            if (n < 0) {
                rx_stash(io, buf);
                if (errno == EINTR)
                    continue;
                if (errno != EAGAIN && errno != EWOULDBLOCK) {
                    sddf_stat_add(tap.stat.rx_errors, 1);
                    if (!tap.warned_rx)
                        sddf_log("tap: read: %s", strerror(errno));
                    tap.warned_rx = true;
                }
                break; /* drained (or broken): the IRQ re-fires when readable */
            }
            if (n == 0 || (size_t)n > TAP_MAX_FRAME) {
                sddf_stat_add(tap.stat.rx_oversize, 1);
                rx_stash(io, buf);
                continue;
            }
            net_buff_desc_t d = {io, (uint16_t)n, 0, {0}};
            (void)net_enqueue_active(&tap.rx, d); /* cannot fail: checked not full above */
            sddf_stat_add(tap.stat.rx_frames, 1);
            sddf_stat_add(tap.stat.rx_bytes, (uint64_t)n);
            enqueued = true;
        }
        if (!starved)
            break;
        /* Out of buffers: ask virt_rx to signal their return, then double-check. */
        net_request_signal_free(&tap.rx);
        if (!rx_can_progress())
            break;
        net_cancel_signal_free(&tap.rx);
    }

    tap.irq_held = starved;
    if (!starved)
        sddf_deferred_irq_ack(tap.irq);
    if (enqueued && net_require_signal_active(&tap.rx)) {
        net_cancel_signal_active(&tap.rx);
        sddf_notify(tap.virt_rx_ch);
    }
}

/* Send one validated frame; failures are counted, never retried. */
static void tx_send(const uint8_t *frame, uint32_t len)
{
    ssize_t n = write(tap.fd, frame, len);
    if (n == (ssize_t)len) {
        sddf_stat_add(tap.stat.tx_frames, 1);
        sddf_stat_add(tap.stat.tx_bytes, len);
        return;
    }
    /* EAGAIN/ENOBUFS: the TAP's queue is full, the frame is dropped (never spin). */
    sddf_stat_add(tap.stat.tx_errors, 1);
    if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != ENOBUFS && !tap.warned_tx) {
        tap.warned_tx = true;
        sddf_log("tap: write: %s", strerror(errno));
    }
}

/*
 * Drain tx active (double-check loop of the signalling protocol), sending each
 * valid frame and returning every buffer on tx free with len 0. Stops early
 * only if tx free is full, which a well-behaved virt_tx never causes (its
 * capacity equals the number of buffers).
 */
static void tx_provide(void)
{
    bool returned = false;
    for (;;) {
        net_buff_desc_t d;
        while (!net_queue_full_free(&tap.tx) && net_dequeue_active(&tap.tx, &d) == 0) {
            uint64_t io = d.io_or_offset;
            uint32_t len = d.len;
            const uint8_t *frame = NULL;
            if (len >= TAP_MIN_FRAME && len <= TAP_MAX_FRAME)
                frame = net_io_tx_frame(&tap.io, io, len);
            if (frame != NULL)
                tx_send(frame, len);
            else
                sddf_stat_add(tap.stat.tx_bad_desc, 1);
            net_buff_desc_t r = {io, 0, d.oid, {0}};
            (void)net_enqueue_free(&tap.tx, r); /* cannot fail: checked not full above */
            returned = true;
        }
        net_request_signal_active(&tap.tx);
        if (net_queue_empty_active(&tap.tx) || net_queue_full_free(&tap.tx))
            break;
        net_cancel_signal_active(&tap.tx);
    }
    if (returned && net_require_signal_free(&tap.tx)) {
        net_cancel_signal_free(&tap.tx);
        sddf_deferred_notify(tap.virt_tx_ch);
    }
}

void notified(sddf_channel ch)
{
    if (ch == tap.irq) {
        rx_return();
    } else if (ch == tap.virt_rx_ch) {
        /* Buffers came back: resume rx only if it was starved (the IRQ is held). */
        if (tap.irq_held)
            rx_return();
    } else if (ch == tap.virt_tx_ch) {
        tx_provide();
    } else if (!tap.warned_ch) {
        tap.warned_ch = true;
        sddf_log("tap: notification on unexpected channel %u", ch);
    }
}
