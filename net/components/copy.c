/*
 * net/components/copy.c - the network copier, one per untrusted rx client
 * (sDDF design, "Copier").
 *
 * The rx DMA region is never mapped into a client: the copier copies each
 * frame virt_rx hands it into a buffer of the client's own rx data region
 * and always gives the DMA buffer straight back to virt_rx. It never waits:
 * with no free client buffer the frame is dropped (and counted). A client
 * that writes a bad offset into its free queue loses that buffer, nothing
 * else.
 *
 * The copier never asks for a signal on the client's free queue: it wakes
 * only when virt_rx delivers frames, and looks for client buffers then.
 *
 * Handler: rx_return (virt_rx active -> client active, virt_rx free), then
 * notify (the client at once, virt_rx through the deferred slot).
 */
#include <string.h>

#include <sddf/os.h>
#include <sddf/config.h>
#include <sddf/net/queue.h>
#include <sddf/net/config.h>

#include "net_checks.h"

static struct {
    const net_copy_config_t *cfg;
    net_queue_handle_t virt; /* we consume active, produce free */
    net_queue_handle_t cli;  /* we produce active, consume free */
    const uint8_t *dev;      /* rx DMA region, read-only here */
    uint64_t dev_size;
    uint8_t *cdata; /* the client's rx data region */
    uint64_t cdata_size;
    bool notify_virt, notify_cli;
    uint64_t *frames, *no_buf, *bad_client_buf, *bad_desc, *client_full, *virt_full;
} cp;

/*
 * Take a valid buffer offset from the client's free queue into *@off.
 * Invalid offsets are dropped and counted; at most one queue's worth is
 * skipped per frame so a client flooding bad entries cannot hold us here.
 */
static bool take_client_buffer(uint64_t *off)
{
    net_buff_desc_t c;
    for (uint32_t tries = 0; tries < cp.cli.capacity; tries++) {
        if (net_dequeue_free(&cp.cli, &c) != 0)
            return false;
        if (net_offset_valid(c.io_or_offset, cp.cdata_size)) {
            *off = c.io_or_offset;
            return true;
        }
        sddf_stat_add(cp.bad_client_buf, 1);
    }
    return false;
}

/* Copy one frame (@d is a private copy of virt_rx's descriptor), then return its buffer. */
static void copy_frame(net_buff_desc_t d)
{
    uint64_t off = d.io_or_offset;
    uint16_t len = d.len;
    uint64_t coff;
    if (!net_offset_valid(off, cp.dev_size) || !net_rx_len_valid(len)) {
        sddf_stat_add(cp.bad_desc, 1);
    } else if (net_queue_full_active(&cp.cli)) {
        sddf_stat_add(cp.client_full, 1); /* corrupt client indices: keep its buffers */
    } else if (!take_client_buffer(&coff)) {
        sddf_stat_add(cp.no_buf, 1);
    } else {
        memcpy(cp.cdata + coff, cp.dev + off, len);
        net_buff_desc_t out = {coff, len, 0, {0}};
        if (net_enqueue_active(&cp.cli, out) == 0) {
            cp.notify_cli = true;
            sddf_stat_add(cp.frames, 1);
        } else {
            sddf_stat_add(cp.client_full, 1);
        }
    }
    /* Always back to virt_rx, len unchanged (sDDF: a vswitch reuses it); it validates. */
    if (net_enqueue_free(&cp.virt, d) != 0)
        sddf_stat_add(cp.virt_full, 1);
    else
        cp.notify_virt = true;
}

/* Drain virt_rx's active queue, with the double check. */
static void rx_return(void)
{
    for (;;) {
        net_buff_desc_t d;
        while (net_dequeue_active(&cp.virt, &d) == 0)
            copy_frame(d);
        net_request_signal_active(&cp.virt);
        if (net_queue_empty_active(&cp.virt))
            break;
        net_cancel_signal_active(&cp.virt);
    }
}

/* Signal the client at once and virt_rx through the deferred slot, each only if it asked. */
static void notify_peers(void)
{
    if (cp.notify_cli && net_require_signal_active(&cp.cli)) {
        net_cancel_signal_active(&cp.cli);
        sddf_notify(cp.cfg->client.id);
    }
    if (cp.notify_virt && net_require_signal_free(&cp.virt)) {
        net_cancel_signal_free(&cp.virt);
        sddf_deferred_notify(cp.cfg->virt_rx.id);
    }
    cp.notify_cli = false;
    cp.notify_virt = false;
}

void init(void)
{
    memset(&cp, 0, sizeof(cp));
    const net_copy_config_t *cfg = net_config_get(NET_ROLE_COPY, sizeof(*cfg), "copy");
    cp.cfg = cfg;
    cp.virt = net_check_conn(&cfg->virt_rx, "copy: virt_rx");
    cp.cli = net_check_conn(&cfg->client, "copy: client");
    if (cfg->device_data.vaddr == 0 || cfg->device_data.size == 0 ||
        cfg->device_data.size % NET_BUFFER_SIZE != 0)
        sddf_fatal("copy: rx DMA region not mapped or not a whole number of buffers (%llu bytes)",
                   (unsigned long long)cfg->device_data.size);
    net_check_data_region(&cfg->client_data, cfg->client.num_buffers, true, "copy: client rx");
    cp.dev = sddf_region_ptr(&cfg->device_data);
    cp.dev_size = cfg->device_data.size;
    cp.cdata = sddf_region_ptr(&cfg->client_data);
    cp.cdata_size = cfg->client_data.size;
    cp.frames = sddf_stat_counter("rx_frames");
    cp.no_buf = sddf_stat_counter("dropped_no_buf");
    cp.bad_client_buf = sddf_stat_counter("bad_client_buf");
    cp.bad_desc = sddf_stat_counter("bad_desc");
    cp.client_full = sddf_stat_counter("client_full");
    cp.virt_full = sddf_stat_counter("virt_full");

    if (net_buffers_init(&cp.cli, 0) != cfg->client.num_buffers)
        sddf_log("copy: client rx free queue was not empty at start");
    net_cancel_signal_free(&cp.cli); /* never wanted: see the file comment */
}

void notified(sddf_channel ch)
{
    (void)ch; /* a notification is only a hint: look at the queue */
    rx_return();
    notify_peers();
}
