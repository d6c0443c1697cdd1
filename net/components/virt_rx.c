/*
 * net/components/virt_rx.c - the network receive virtualiser (sDDF design,
 * "Rx virtualiser").
 *
 * Demultiplexes the frames the driver receives into the rx DMA region among
 * the clients (their copiers) by destination MAC address: a unicast match
 * goes to that one client, a group address (broadcast or multicast) to every
 * client, anything else straight back to the driver. Client queues carry
 * offsets into the DMA region, the driver queues IO addresses.
 *
 * Buffers are shared by refcount (one byte per DMA buffer in the
 * buffer_metadata region) plus a private bit per client holding the buffer,
 * so a copier returning a buffer it does not hold (a double free) is counted
 * and ignored instead of handing the driver a buffer still being read.
 *
 * Handlers: rx_provide (client free queues -> driver free queue), rx_return
 * (driver active queue -> client active queues), then notify.
 */
#include <string.h>

#include <sddf/os.h>
#include <sddf/config.h>
#include <sddf/net/queue.h>
#include <sddf/net/config.h>

#include "net_checks.h"

static struct {
    const net_virt_rx_config_t *cfg;
    net_queue_handle_t drv;
    net_queue_handle_t cli[SDDF_NET_MAX_CLIENTS];
    uint32_t num_clients;
    const uint8_t *data; /* rx DMA region, read-only here */
    uint64_t data_size;
    uint64_t io_addr;
    uint8_t *refcount;   /* buffer_metadata: clients holding each buffer */
    bool notify_drv;     /* gave the driver buffers in this handler */
    uint64_t notify_cli; /* bit c: client c got frames in this handler */
    uint64_t *frames, *no_match, *bad_desc, *double_free, *client_full, *drv_full;
} vr;

/* Bit c set = client c holds the buffer. Private: the ground truth behind refcount. */
_Static_assert(SDDF_NET_MAX_CLIENTS <= 64, "one holder bit per client");
static uint64_t holders[NET_MAX_QUEUE_CAPACITY];

/* Hand the buffer at @off back to the driver's free queue. */
static void give_to_driver(uint64_t off)
{
    net_buff_desc_t d = {vr.io_addr + off, 0, 0, {0}};
    if (net_enqueue_free(&vr.drv, d) != 0) {
        sddf_stat_add(vr.drv_full, 1); /* capacity = buffer count: only a corrupt queue */
        return;
    }
    vr.notify_drv = true;
}

/* Route one descriptor from the driver's active queue (@io, @len are private copies). */
static void demux(uint64_t io, uint16_t len)
{
    uint64_t off = io - vr.io_addr; /* wraps to a huge value below the region */
    if (io < vr.io_addr || !net_offset_valid(off, vr.data_size)) {
        sddf_stat_add(vr.bad_desc, 1); /* not one of our buffers: nothing to return */
        return;
    }
    uint32_t idx = (uint32_t)(off / NET_BUFFER_SIZE);
    if (holders[idx] != 0) {
        sddf_stat_add(vr.bad_desc, 1); /* still out with clients: returning it would duplicate it */
        return;
    }
    if (!net_rx_len_valid(len)) {
        sddf_stat_add(vr.bad_desc, 1);
        give_to_driver(off);
        return;
    }

    uint8_t dst[6];
    memcpy(dst, vr.data + off, sizeof(dst)); /* read once: the driver may still write it */
    uint64_t want = 0;
    if (mac802_addr_is_group(dst)) {
        want = vr.num_clients == 64u ? UINT64_MAX : (1ull << vr.num_clients) - 1;
    } else {
        for (uint32_t c = 0; c < vr.num_clients; c++) {
            if (mac802_addr_eq(dst, vr.cfg->clients[c].mac_addr)) {
                want = 1ull << c;
                break;
            }
        }
    }
    if (want == 0) {
        sddf_stat_add(vr.no_match, 1);
        give_to_driver(off);
        return;
    }

    uint64_t got = 0;
    for (uint32_t c = 0; c < vr.num_clients; c++) {
        if (!(want & (1ull << c)))
            continue;
        net_buff_desc_t d = {off, len, 0, {0}};
        if (net_enqueue_active(&vr.cli[c], d) == 0)
            got |= 1ull << c;
        else
            sddf_stat_add(vr.client_full, 1); /* only this client loses its copy */
    }
    if (got == 0) {
        give_to_driver(off);
        return;
    }
    holders[idx] = got;
    vr.refcount[idx] = (uint8_t)__builtin_popcountll(got);
    vr.notify_cli |= got;
    sddf_stat_add(vr.frames, 1);
}

/* Client @c returned the buffer at offset @off. */
static void release(uint32_t c, uint64_t off)
{
    if (!net_offset_valid(off, vr.data_size)) {
        sddf_stat_add(vr.bad_desc, 1);
        return;
    }
    uint32_t idx = (uint32_t)(off / NET_BUFFER_SIZE);
    uint64_t bit = 1ull << c;
    if (!(holders[idx] & bit) || vr.refcount[idx] == 0) {
        sddf_stat_add(vr.double_free, 1);
        return;
    }
    holders[idx] &= ~bit;
    vr.refcount[idx] = (uint8_t)__builtin_popcountll(holders[idx]);
    if (holders[idx] == 0)
        give_to_driver(off);
}

/* Drain the driver's active queue, with the double check (sDDF signalling protocol). */
static void rx_return(void)
{
    for (;;) {
        net_buff_desc_t d;
        while (net_dequeue_active(&vr.drv, &d) == 0)
            demux(d.io_or_offset, d.len);
        net_request_signal_active(&vr.drv);
        if (net_queue_empty_active(&vr.drv))
            break;
        net_cancel_signal_active(&vr.drv);
    }
}

/* Drain every client's free queue, each with the double check. */
static void rx_provide(void)
{
    for (uint32_t c = 0; c < vr.num_clients; c++) {
        for (;;) {
            net_buff_desc_t d;
            while (net_dequeue_free(&vr.cli[c], &d) == 0)
                release(c, d.io_or_offset);
            net_request_signal_free(&vr.cli[c]);
            if (net_queue_empty_free(&vr.cli[c]))
                break;
            net_cancel_signal_free(&vr.cli[c]);
        }
    }
}

/* Signal each peer that got work and asked; the driver takes the one deferred slot. */
static void notify_peers(void)
{
    for (uint32_t c = 0; c < vr.num_clients; c++) {
        if ((vr.notify_cli & (1ull << c)) && net_require_signal_active(&vr.cli[c])) {
            net_cancel_signal_active(&vr.cli[c]);
            sddf_notify(vr.cfg->clients[c].conn.id);
        }
    }
    vr.notify_cli = 0;
    if (vr.notify_drv && net_require_signal_free(&vr.drv)) {
        net_cancel_signal_free(&vr.drv);
        sddf_deferred_notify(vr.cfg->driver.id);
    }
    vr.notify_drv = false;
}

void init(void)
{
    memset(&vr, 0, sizeof(vr));
    const net_virt_rx_config_t *cfg = net_config_get(NET_ROLE_VIRT_RX, sizeof(*cfg), "virt_rx");
    vr.cfg = cfg;
    vr.drv = net_check_conn(&cfg->driver, "virt_rx: driver");
    uint32_t nbufs = cfg->driver.num_buffers;
    net_check_data_region(&cfg->data.region, nbufs, true, "virt_rx: rx DMA");
    net_check_io_range(cfg->data.io_addr, cfg->data.region.size, "virt_rx: rx DMA");
    if (cfg->buffer_metadata.vaddr == 0 || cfg->buffer_metadata.size < nbufs)
        sddf_fatal("virt_rx: buffer_metadata needs %u bytes, has %llu", nbufs,
                   (unsigned long long)cfg->buffer_metadata.size);
    if (cfg->num_clients > SDDF_NET_MAX_CLIENTS)
        sddf_fatal("virt_rx: %u clients, at most %u", cfg->num_clients, SDDF_NET_MAX_CLIENTS);
    vr.num_clients = cfg->num_clients;
    for (uint32_t c = 0; c < vr.num_clients; c++)
        vr.cli[c] = net_check_conn(&cfg->clients[c].conn, "virt_rx: client");

    vr.data = sddf_region_ptr(&cfg->data.region);
    vr.data_size = cfg->data.region.size;
    vr.io_addr = cfg->data.io_addr;
    vr.refcount = sddf_region_ptr(&cfg->buffer_metadata);
    memset(vr.refcount, 0, nbufs);
    memset(holders, 0, nbufs * sizeof(holders[0]));
    vr.frames = sddf_stat_counter("rx_frames");
    vr.no_match = sddf_stat_counter("rx_no_match");
    vr.bad_desc = sddf_stat_counter("bad_desc");
    vr.double_free = sddf_stat_counter("double_free");
    vr.client_full = sddf_stat_counter("client_full");
    vr.drv_full = sddf_stat_counter("driver_full");

    if (net_buffers_init(&vr.drv, vr.io_addr) != nbufs)
        sddf_log("virt_rx: driver rx free queue was not empty at start");
    if (net_require_signal_free(&vr.drv)) {
        net_cancel_signal_free(&vr.drv);
        sddf_notify(cfg->driver.id);
    }
}

void notified(sddf_channel ch)
{
    (void)ch; /* a notification is only a hint: look at every queue */
    rx_provide();
    rx_return();
    notify_peers();
}
