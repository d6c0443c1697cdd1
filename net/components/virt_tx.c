/*
 * net/components/virt_tx.c - the network transmit virtualiser (sDDF design,
 * "Tx virtualiser").
 *
 * Multiplexes the clients' transmit queues onto the driver, zero-copy: each
 * client descriptor (an offset into that client's tx data region) is checked
 * and translated to an IO address (region io_addr + offset); completed
 * buffers come back from the driver and are translated back and returned to
 * the client that owns them. Invariant: a buffer always returns to its owner,
 * and at most once: a private bit per tx buffer records that it is out with
 * the driver, so a client cannot submit the same buffer twice (and so fill
 * the driver queue other clients share) and the driver cannot return one
 * that is not out.
 *
 * Handlers: tx_return (driver free queue -> client free queues), tx_provide
 * (client active queues -> driver active queue), then notify.
 */
#include <string.h>

#include <sddf/os.h>
#include <sddf/config.h>
#include <sddf/net/queue.h>
#include <sddf/net/config.h>

#include "net_checks.h"

static struct {
    const net_virt_tx_config_t *cfg;
    net_queue_handle_t drv;
    net_queue_handle_t cli[SDDF_NET_MAX_CLIENTS];
    uint64_t io_addr[SDDF_NET_MAX_CLIENTS]; /* IO base of each client's tx region */
    uint64_t size[SDDF_NET_MAX_CLIENTS];    /* bytes of each client's tx region */
    uint32_t num_clients;
    bool notify_drv;     /* gave the driver frames in this handler */
    uint64_t notify_cli; /* bit c: client c got buffers back in this handler */
    uint64_t *frames, *bad, *dup, *ret_bad, *client_full, *drv_full, *overrun;
} vt;

/* out[c][i / 64] bit i % 64: client c's buffer i is with the driver. */
static uint64_t out[SDDF_NET_MAX_CLIENTS][NET_MAX_QUEUE_CAPACITY / 64];

static bool out_test(uint32_t c, uint32_t i)
{
    return (out[c][i / 64] >> (i % 64)) & 1;
}

static void out_set(uint32_t c, uint32_t i, bool v)
{
    if (v)
        out[c][i / 64] |= 1ull << (i % 64);
    else
        out[c][i / 64] &= ~(1ull << (i % 64));
}

/* Give buffer @off back to client @c's free queue. */
static void give_to_client(uint32_t c, uint64_t off)
{
    net_buff_desc_t d = {off, 0, 0, {0}};
    if (net_enqueue_free(&vt.cli[c], d) != 0) {
        sddf_stat_add(vt.client_full, 1); /* only with corrupt indices: the client's loss */
        return;
    }
    vt.notify_cli |= 1ull << c;
}

/* Check and forward one descriptor of client @c (a private copy). */
static void submit(uint32_t c, net_buff_desc_t d)
{
    uint64_t off = d.io_or_offset;
    uint16_t len = d.len;
    bool off_ok = net_offset_valid(off, vt.size[c]);
    uint32_t idx = off_ok ? (uint32_t)(off / NET_BUFFER_SIZE) : 0;
    if (off_ok && out_test(c, idx)) {
        sddf_stat_add(vt.dup, 1); /* already with the driver: it comes back from there */
        return;
    }
    /* Shorter than an Ethernet header is no frame: the driver trusts us (sDDF), so stop it here. */
    if (!off_ok || len < NET_ETH_HEADER_LEN || len > NET_ETH_MAX_FRAME_LEN ||
        off + len > vt.size[c]) {
        sddf_stat_add(vt.bad, 1);
        give_to_client(c, off);
        return;
    }
    net_buff_desc_t t = {vt.io_addr[c] + off, len, 0, {0}};
    if (net_enqueue_active(&vt.drv, t) != 0) {
        sddf_stat_add(vt.drv_full, 1); /* checked before dequeuing: unreachable */
        give_to_client(c, off);
        return;
    }
    out_set(c, idx, true);
    vt.notify_drv = true;
    sddf_stat_add(vt.frames, 1);
}

/* The driver finished with the buffer at IO address @io: return it to its owner. */
static void reclaim(uint64_t io)
{
    for (uint32_t c = 0; c < vt.num_clients; c++) {
        if (io < vt.io_addr[c] || io - vt.io_addr[c] >= vt.size[c])
            continue;
        uint64_t off = io - vt.io_addr[c];
        uint32_t idx = (uint32_t)(off / NET_BUFFER_SIZE);
        if (off % NET_BUFFER_SIZE != 0 || !out_test(c, idx))
            break; /* not a buffer start, or not out: a duplicate */
        out_set(c, idx, false);
        give_to_client(c, off);
        return;
    }
    sddf_stat_add(vt.ret_bad, 1);
}

/* Drain the driver's free queue, with the double check. */
static void tx_return(void)
{
    for (;;) {
        net_buff_desc_t d;
        while (net_dequeue_free(&vt.drv, &d) == 0)
            reclaim(d.io_or_offset);
        net_request_signal_free(&vt.drv);
        if (net_queue_empty_free(&vt.drv))
            break;
        net_cancel_signal_free(&vt.drv);
    }
}

/*
 * Drain each client's active queue in index order, each with the double
 * check. Stop when the driver's queue is full: tx_return (which asked for a
 * signal on the driver's free queue) runs again once the driver makes room.
 *
 * At most one queue's worth per client per call: a well-behaved client holds
 * no more buffers than that and gets none back during the pass, so one that
 * offers more is rewriting its tail to keep us here (a "tail chase" that
 * would starve every other client). It is counted (tx_overrun) and left with
 * a signal request: its next notification brings us back.
 */
static void tx_provide(void)
{
    for (uint32_t c = 0; c < vt.num_clients; c++) {
        uint32_t budget = vt.cli[c].capacity;
        for (;;) {
            net_buff_desc_t d;
            while (!net_queue_empty_active(&vt.cli[c]) && budget > 0) {
                if (net_queue_full_active(&vt.drv))
                    return; /* full BEFORE dequeuing: the frame stays queued */
                if (net_dequeue_active(&vt.cli[c], &d) != 0)
                    break;
                budget--;
                submit(c, d);
            }
            net_request_signal_active(&vt.cli[c]);
            if (net_queue_empty_active(&vt.cli[c]))
                break;
            if (budget == 0) {
                sddf_stat_add(vt.overrun, 1);
                break;
            }
            net_cancel_signal_active(&vt.cli[c]);
        }
    }
}

/*
 * Signal each peer that got work and asked; the driver takes the one deferred
 * slot, unless @defer is false (init: no handler return to flush the slot).
 */
static void notify_peers(bool defer)
{
    for (uint32_t c = 0; c < vt.num_clients; c++) {
        if ((vt.notify_cli & (1ull << c)) && net_require_signal_free(&vt.cli[c])) {
            net_cancel_signal_free(&vt.cli[c]);
            sddf_notify(vt.cfg->clients[c].conn.id);
        }
    }
    vt.notify_cli = 0;
    if (vt.notify_drv && net_require_signal_active(&vt.drv)) {
        net_cancel_signal_active(&vt.drv);
        if (defer)
            sddf_deferred_notify(vt.cfg->driver.id);
        else
            sddf_notify(vt.cfg->driver.id);
    }
    vt.notify_drv = false;
}

void init(void)
{
    memset(&vt, 0, sizeof(vt));
    const net_virt_tx_config_t *cfg = net_config_get(NET_ROLE_VIRT_TX, sizeof(*cfg), "virt_tx");
    vt.cfg = cfg;
    vt.drv = net_check_conn(&cfg->driver, "virt_tx: driver");
    if (cfg->num_clients > SDDF_NET_MAX_CLIENTS)
        sddf_fatal("virt_tx: %u clients, at most %u", cfg->num_clients, SDDF_NET_MAX_CLIENTS);
    vt.num_clients = cfg->num_clients;
    for (uint32_t c = 0; c < vt.num_clients; c++) {
        const net_virt_tx_client_t *cl = &cfg->clients[c];
        vt.cli[c] = net_check_conn(&cl->conn, "virt_tx: client");
        net_check_data_region(&cl->data.region, cl->conn.num_buffers, false, "virt_tx: client tx");
        net_check_io_range(cl->data.io_addr, cl->data.region.size, "virt_tx: client tx");
        vt.io_addr[c] = cl->data.io_addr;
        vt.size[c] = cl->data.region.size;
        for (uint32_t o = 0; o < c; o++) /* overlapping IO ranges would make ownership ambiguous */
            if (vt.io_addr[c] < vt.io_addr[o] + vt.size[o] &&
                vt.io_addr[o] < vt.io_addr[c] + vt.size[c])
                sddf_fatal("virt_tx: tx IO ranges of clients %u and %u overlap", o, c);
        memset(out[c], 0, (cl->conn.num_buffers + 63) / 64 * sizeof(uint64_t));
    }
    vt.frames = sddf_stat_counter("tx_frames");
    vt.bad = sddf_stat_counter("tx_bad");
    vt.dup = sddf_stat_counter("tx_dup");
    vt.ret_bad = sddf_stat_counter("tx_ret_bad");
    vt.client_full = sddf_stat_counter("client_full");
    vt.drv_full = sddf_stat_counter("driver_full");
    vt.overrun = sddf_stat_counter("tx_overrun");

    tx_provide(); /* clients may have queued frames before we started */
    notify_peers(false);
}

void notified(sddf_channel ch)
{
    (void)ch; /* a notification is only a hint: look at every queue */
    tx_return();
    tx_provide();
    notify_peers(true);
}
