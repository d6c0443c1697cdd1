/*
 * tx.c - lib_sddf_lwip transmit path: each frame is copied from its pbuf
 * chain into a free tx buffer (sDDF design: "lib_sddf_lwip copies Tx pbuf
 * chains into sDDF Tx buffers") and put on tx active for virt_tx.
 *
 * Back-pressure: when tx free is empty the frame is not dropped but kept
 * (pbuf_ref) in a small bounded backlog, and a signal is requested on tx
 * free with the double check; virt_tx's notification flushes the backlog.
 * Only when the backlog is full does lwIP get ERR_MEM (counted).
 */
#include <lwip/pbuf.h>

#include "glue.h"

/*
 * Take one free tx buffer. Descriptors come from virt_tx: an offset that is
 * not a buffer of our tx region is dropped and counted, never written to.
 */
static bool tx_take_buffer(net_buff_desc_t *out)
{
    struct sddf_lwip *s = &sddf_lwip_state;
    net_buff_desc_t d;

    while (net_dequeue_free(&s->tx, &d) == 0) {
        uint64_t off = d.io_or_offset;
        if (off % NET_BUFFER_SIZE != 0 || off / NET_BUFFER_SIZE >= s->tx_buffers) {
            sddf_stat_add(s->stats.tx_bad_desc, 1);
            continue;
        }
        out->io_or_offset = off;
        return true;
    }
    return false;
}

/* Copy @p into the buffer at @off and publish it on tx active. */
static void tx_send(struct pbuf *p, uint64_t off)
{
    struct sddf_lwip *s = &sddf_lwip_state;
    uint16_t len = p->tot_len;

    (void)pbuf_copy_partial(p, s->tx_data + off, len, 0);
    net_buff_desc_t d = {off, len, 0, {0}};
    /* tx active holds every tx buffer, so it is never full unless virt_tx
     * corrupted its head: then the buffer is lost and counted. */
    if (net_enqueue_active(&s->tx, d) != 0) {
        sddf_stat_add(s->stats.tx_dropped, 1);
        return;
    }
    s->notify_tx = true;
    sddf_stat_add(s->stats.tx_frames, 1);
}

/* Send backlogged frames, oldest first, while tx buffers are free. */
static void tx_flush_backlog(void)
{
    struct sddf_lwip *s = &sddf_lwip_state;
    net_buff_desc_t d;

    while (s->backlog_len > 0 && tx_take_buffer(&d)) {
        struct pbuf *p = s->backlog[s->backlog_head];
        s->backlog[s->backlog_head] = NULL;
        s->backlog_head = (s->backlog_head + 1) % SDDF_LWIP_TX_BACKLOG;
        s->backlog_len--;
        tx_send(p, d.io_or_offset);
        pbuf_free(p);
    }
}

/*
 * Flush the backlog; while frames still wait, keep a signal request on tx
 * free (re-checked after asking, so a buffer returned in between is seen);
 * once the backlog is empty, cancel it so virt_tx stops waking us.
 */
static void tx_flush_and_register(void)
{
    struct sddf_lwip *s = &sddf_lwip_state;

    for (;;) {
        tx_flush_backlog();
        if (s->backlog_len == 0) {
            net_cancel_signal_free(&s->tx);
            return;
        }
        net_request_signal_free(&s->tx);
        if (net_queue_empty_free(&s->tx))
            return;
        net_cancel_signal_free(&s->tx);
    }
}

net_sddf_err_t sddf_lwip_transmit_pbuf(struct pbuf *p)
{
    struct sddf_lwip *s = &sddf_lwip_state;
    net_buff_desc_t d;

    if (p == NULL || p->tot_len == 0)
        return SDDF_LWIP_ERR_INVALID_PBUF;
    if (p->tot_len > SDDF_LWIP_MAX_FRAME) {
        sddf_stat_add(s->stats.tx_too_large, 1);
        return SDDF_LWIP_ERR_LARGE_PBUF;
    }
    /* Keep frame order: nothing overtakes the backlog. */
    if (s->backlog_len == 0 && tx_take_buffer(&d)) {
        tx_send(p, d.io_or_offset);
        return SDDF_LWIP_ERR_OK;
    }
    if (s->backlog_len == SDDF_LWIP_TX_BACKLOG) {
        sddf_stat_add(s->stats.tx_dropped, 1);
        return SDDF_LWIP_ERR_NO_BUF;
    }
    pbuf_ref(p);
    s->backlog[(s->backlog_head + s->backlog_len) % SDDF_LWIP_TX_BACKLOG] = p;
    s->backlog_len++;
    sddf_stat_add(s->stats.tx_backlogged, 1);
    tx_flush_and_register();
    return SDDF_LWIP_ERR_OK;
}

err_t sddf_lwip_linkoutput(struct netif *netif, struct pbuf *p)
{
    (void)netif;
    switch (sddf_lwip_transmit_pbuf(p)) {
    case SDDF_LWIP_ERR_OK:
        return ERR_OK;
    case SDDF_LWIP_ERR_NO_BUF:
        return ERR_MEM;
    default:
        return ERR_BUF;
    }
}

void sddf_lwip_process_tx(void)
{
    sddf_lwip_time_event();
    tx_flush_and_register();
}

void sddf_lwip_tx_reset(void)
{
    struct sddf_lwip *s = &sddf_lwip_state;

    while (s->backlog_len > 0) {
        pbuf_free(s->backlog[s->backlog_head]);
        s->backlog[s->backlog_head] = NULL;
        s->backlog_head = (s->backlog_head + 1) % SDDF_LWIP_TX_BACKLOG;
        s->backlog_len--;
    }
    s->backlog_head = 0;
}

uint32_t sddf_lwip_tx_backlog_len(void)
{
    return sddf_lwip_state.backlog_len;
}
