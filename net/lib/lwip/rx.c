/*
 * rx.c - lib_sddf_lwip receive path: rx active buffers become zero-copy
 * custom pbufs (sDDF design: "Rx is zero-copy: pbufs point straight at sDDF
 * buffers"); freeing the pbuf returns the buffer to rx free.
 *
 * The copier is trusted by the sDDF design, but this client still validates
 * each descriptor (read once into a local): a bad offset is never followed,
 * a buffer lwIP already holds is never handed out twice.
 */
#include <string.h>

#include <lwip/netif.h>
#include <lwip/pbuf.h>

#include "glue.h"

static bool rx_is_held(uint32_t index)
{
    return (sddf_lwip_state.rx_held[index / 8] >> (index % 8)) & 1u;
}

static void rx_set_held(uint32_t index, bool held)
{
    uint8_t bit = (uint8_t)(1u << (index % 8));
    if (held)
        sddf_lwip_state.rx_held[index / 8] |= bit;
    else
        sddf_lwip_state.rx_held[index / 8] &= (uint8_t)~bit;
}

void sddf_lwip_rx_reset(uint32_t size)
{
    struct sddf_lwip *s = &sddf_lwip_state;
    if (size > SDDF_LWIP_RX_PBUFS)
        size = SDDF_LWIP_RX_PBUFS;
    s->rx_pool = NULL;
    for (uint32_t i = size; i-- > 0;) {
        s->rx_pbufs[i].next_free = s->rx_pool;
        s->rx_pool = &s->rx_pbufs[i];
    }
    s->rx_pool_free = size;
    s->rx_blocked = false;
    memset(s->rx_held, 0, sizeof(s->rx_held));
}

/* lwIP's custom free function: the pbuf's last reference is gone. */
static void rx_pbuf_free(struct pbuf *p)
{
    struct sddf_lwip *s = &sddf_lwip_state;
    struct sddf_lwip_rx_pbuf *c = (struct sddf_lwip_rx_pbuf *)(void *)p;
    net_buff_desc_t d = {(uint64_t)c->index * NET_BUFFER_SIZE, 0, 0, {0}};

    rx_set_held(c->index, false);
    /* Cannot fail while the copier respects the queue (capacity = number of
     * buffers); if it corrupted the indices, the buffer is lost and counted. */
    if (net_enqueue_free(&s->rx, d) == 0)
        s->notify_rx = true;
    else
        sddf_stat_add(s->stats.rx_free_lost, 1);
    c->next_free = s->rx_pool;
    s->rx_pool = c;
    s->rx_pool_free++;
}

/* Hand one valid rx buffer to lwIP. */
static void rx_input(uint32_t index, uint16_t len)
{
    struct sddf_lwip *s = &sddf_lwip_state;
    struct sddf_lwip_rx_pbuf *c = s->rx_pool;

    s->rx_pool = c->next_free;
    s->rx_pool_free--;
    c->index = index;
    c->custom.custom_free_function = rx_pbuf_free;
    rx_set_held(index, true);

    struct pbuf *p =
        pbuf_alloced_custom(PBUF_RAW, len, PBUF_REF, &c->custom,
                            s->rx_data + (size_t)index * NET_BUFFER_SIZE, NET_BUFFER_SIZE);
    sddf_stat_add(s->stats.rx_frames, 1);
    /* lwIP frees the pbuf itself on success; on error we must. Either way
     * rx_pbuf_free returns the buffer when the last reference goes. */
    if (s->netif.input(p, &s->netif) != ERR_OK)
        pbuf_free(p);
}

/*
 * Check a descriptor from rx active. Returns true if it names a buffer we
 * may hand to lwIP. A bad length on a valid, unheld buffer gives the buffer
 * straight back; any other bad descriptor is dropped (never followed).
 */
static bool rx_desc_valid(net_buff_desc_t d, uint32_t *index_out)
{
    struct sddf_lwip *s = &sddf_lwip_state;
    uint64_t off = d.io_or_offset;
    uint16_t len = d.len;

    if (off % NET_BUFFER_SIZE != 0 || off / NET_BUFFER_SIZE >= s->rx_buffers) {
        sddf_stat_add(s->stats.rx_bad_desc, 1);
        return false;
    }
    uint32_t index = (uint32_t)(off / NET_BUFFER_SIZE);
    if (rx_is_held(index)) {
        sddf_stat_add(s->stats.rx_dup_desc, 1);
        return false;
    }
    if (len < SDDF_LWIP_MIN_FRAME || len > NET_BUFFER_SIZE) {
        sddf_stat_add(s->stats.rx_bad_desc, 1);
        net_buff_desc_t back = {off, 0, 0, {0}};
        if (net_enqueue_free(&s->rx, back) == 0)
            s->notify_rx = true;
        return false;
    }
    *index_out = index;
    return true;
}

void sddf_lwip_process_rx(void)
{
    struct sddf_lwip *s = &sddf_lwip_state;

    sddf_lwip_time_event();
    for (;;) {
        while (s->rx_pool_free > 0) {
            net_buff_desc_t d;
            uint32_t index;
            if (net_dequeue_active(&s->rx, &d) != 0)
                break;
            if (rx_desc_valid(d, &index))
                rx_input(index, d.len);
        }
        if (s->rx_pool_free == 0) {
            /* Resume when a pbuf is freed (sddf_lwip_maybe_notify). Without a
             * signal request the copier keeps going; it drops when our free
             * queue runs dry, which is sDDF's flow control. */
            if (!s->rx_blocked)
                sddf_stat_add(s->stats.rx_pool_empty, 1);
            s->rx_blocked = true;
            net_cancel_signal_active(&s->rx);
            return;
        }
        s->rx_blocked = false;
        /* Double check (sDDF signalling protocol): ask, then look again. */
        net_request_signal_active(&s->rx);
        if (net_queue_empty_active(&s->rx))
            return;
        net_cancel_signal_active(&s->rx);
    }
}

uint32_t sddf_lwip_rx_pbufs_free(void)
{
    return sddf_lwip_state.rx_pool_free;
}
