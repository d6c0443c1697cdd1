/*
 * glue.h - private state of lib_sddf_lwip, shared by its source files.
 *
 * One instance per client PD (lwIP itself is a per-process singleton with
 * NO_SYS). Everything read from the client's queues is validated in rx.c and
 * tx.c before use; the state below is private memory, never shared.
 */
#ifndef SDDF_LWIP_GLUE_H
#define SDDF_LWIP_GLUE_H

#include <stdbool.h>
#include <stdint.h>

#include <lwip/netif.h>
#include <lwip/pbuf.h>

#include <sddf/net/lwip.h>
#include <sddf/net/queue.h>
#include <sddf/os.h>

/** A zero-copy rx pbuf: lwIP's custom pbuf plus the sDDF buffer it covers. */
struct sddf_lwip_rx_pbuf {
    struct pbuf_custom custom; /* first: lwIP hands back &custom.pbuf */
    struct sddf_lwip_rx_pbuf *next_free;
    uint32_t index; /* buffer index in the rx data region */
};

/** Statistics counters (see sddf/net/lwip.h for their meaning). */
struct sddf_lwip_stats {
    uint64_t *rx_frames;
    uint64_t *rx_bad_desc;
    uint64_t *rx_dup_desc;
    uint64_t *rx_pool_empty;
    uint64_t *rx_free_lost;
    uint64_t *tx_frames;
    uint64_t *tx_too_large;
    uint64_t *tx_bad_desc;
    uint64_t *tx_backlogged;
    uint64_t *tx_dropped;
};

struct sddf_lwip {
    bool lwip_initialised; /* lwip_init() ran (once per process) */
    bool netif_added;
    struct netif netif;

    /* the client's queues and data regions (from net_client_config_t) */
    net_queue_handle_t rx;
    net_queue_handle_t tx;
    uint8_t *rx_data;
    uint8_t *tx_data;
    uint32_t rx_buffers; /* = rx queue capacity; rx_data holds that many buffers */
    uint32_t tx_buffers;
    sddf_channel rx_ch;
    sddf_channel tx_ch;
    sddf_channel timer_ch;

    /* rx: the fixed custom-pbuf pool and which rx buffers lwIP holds */
    struct sddf_lwip_rx_pbuf rx_pbufs[SDDF_LWIP_RX_PBUFS];
    struct sddf_lwip_rx_pbuf *rx_pool;
    uint32_t rx_pool_free;
    bool rx_blocked; /* stopped taking frames: pool empty */
    uint8_t rx_held[NET_MAX_QUEUE_CAPACITY / 8];

    /* tx: frames waiting for a free tx buffer, oldest at backlog_head */
    struct pbuf *backlog[SDDF_LWIP_TX_BACKLOG];
    uint32_t backlog_head;
    uint32_t backlog_len;

    /* work done in this handler that a peer may need to hear about */
    bool notify_rx; /* buffers returned to rx free (for the copier) */
    bool notify_tx; /* frames put on tx active (for virt_tx) */

    /* time: milliseconds since start, refreshed at most once per event */
    uint64_t now_ms;
    bool time_stale;
    uint32_t rand_state;

    struct sddf_lwip_stats stats;
};

/** The library's state (defined in init.c). */
extern struct sddf_lwip sddf_lwip_state;

/** Reset the rx pool to @size free pbufs and clear the held map (rx.c). */
void sddf_lwip_rx_reset(uint32_t size);

/** lwIP's linkoutput for the netif: send or backlog one frame (tx.c). */
err_t sddf_lwip_linkoutput(struct netif *netif, struct pbuf *p);

/** Drop every frame still in the tx backlog (tx.c). */
void sddf_lwip_tx_reset(void);

/** Read the timer driver's clock into now_ms (time.c). */
void sddf_lwip_time_refresh(void);

/** Mark the clock as stale: the next sys_now() refreshes it (time.c). */
static inline void sddf_lwip_time_event(void)
{
    sddf_lwip_state.time_stale = true;
}

#endif /* SDDF_LWIP_GLUE_H */
