/*
 * sddf/net/lwip.h - lib_sddf_lwip: an lwIP (NO_SYS, raw API) network
 * interface over a network client's sDDF queues (sDDF design, "Client with
 * lib_sddf_lwip").
 *
 * Receive is zero-copy: each buffer on the rx active queue becomes a custom
 * PBUF_REF pbuf pointing into the client's rx data region; when lwIP (or the
 * application) frees the pbuf, the buffer goes back on rx free. Transmit
 * copies the pbuf chain into a free tx buffer and enqueues it on tx active;
 * when no tx buffer is free, a small bounded backlog holds the frames until
 * virt_tx returns buffers. lwIP's timers run off the timer class.
 *
 * Use from a client PD (single-threaded, handlers never block):
 *   init():      sddf_lwip_init(...) with the PD's config records, then set
 *                up pcbs, then sddf_lwip_maybe_notify().
 *   notified():  rx channel -> sddf_lwip_process_rx(); tx channel ->
 *                sddf_lwip_process_tx(); timer channel ->
 *                sddf_lwip_process_timeout(); then always
 *                sddf_lwip_maybe_notify().
 *
 * Statistics counters (sddf_stat_counter): rx_frames, rx_bad_desc,
 * rx_dup_desc, rx_pool_empty, rx_free_lost, tx_frames, tx_too_large,
 * tx_bad_desc, tx_backlogged, tx_dropped.
 */
#ifndef SDDF_NET_LWIP_H
#define SDDF_NET_LWIP_H

#include <stdbool.h>
#include <stdint.h>

#include <lwip/netif.h>
#include <lwip/pbuf.h>

#include <sddf/net/config.h>
#include <sddf/net/lwip_config.h>
#include <sddf/timer/config.h>

/** Largest Ethernet frame the glue sends or accepts: 14-byte header + 1500 MTU. */
#define SDDF_LWIP_MAX_FRAME 1514u

/** Smallest frame accepted on receive: an Ethernet header. */
#define SDDF_LWIP_MIN_FRAME 14u

/** Period of lwIP's timer tick, in milliseconds (sDDF: 100 ms). */
#define SDDF_LWIP_TICK_MS 100u

/**
 * Zero-copy rx pbufs available at once (the fixed custom-pbuf pool). When
 * all are in use the glue stops taking frames from rx active until one is
 * freed. The pool in use is min(this, rx queue capacity).
 */
#ifndef SDDF_LWIP_RX_PBUFS
#define SDDF_LWIP_RX_PBUFS 1024u
#endif

/** Frames the tx backlog holds while no tx buffer is free. */
#ifndef SDDF_LWIP_TX_BACKLOG
#define SDDF_LWIP_TX_BACKLOG 64u
#endif

/** Results of the glue's transmit and init functions (sDDF's net_sddf_err_t). */
typedef enum net_sddf_err {
    SDDF_LWIP_ERR_OK = 0,
    SDDF_LWIP_ERR_LARGE_PBUF = -1,   /* frame longer than SDDF_LWIP_MAX_FRAME */
    SDDF_LWIP_ERR_INVALID_PBUF = -2, /* NULL or empty pbuf */
    SDDF_LWIP_ERR_NO_BUF = -3,       /* no tx buffer free and the backlog is full */
    SDDF_LWIP_ERR_UNHANDLED = -4,    /* bad configuration or lwIP refused the netif */
} net_sddf_err_t;

/** Called by lwIP when the netif goes up or down, or its address changes. */
typedef void (*sddf_lwip_netif_status_fn)(struct netif *netif);

/**
 * Bring up lwIP over the client's queues.
 *
 * @lwip_config: static IPv4 address, netmask, gateway (network byte order).
 * @net_config:  the client's rx/tx queue pairs, data regions, channels, MAC.
 * @timer_config: the timer driver channel (PPC and timeout notifications).
 * @status_fn:   optional netif status callback (NULL for none).
 *
 * Checks every queue and region size against the capacities (a record that
 * does not fit is refused), initialises lwIP (once per process), fills the tx
 * free queue with every tx buffer (offsets from 0), adds the netif (up, link
 * up, default; a gratuitous ARP is sent), and arms the first timer tick.
 * Calling it again replaces the previous netif (used by tests).
 *
 * Returns SDDF_LWIP_ERR_OK, or SDDF_LWIP_ERR_UNHANDLED (logged) on a bad
 * configuration.
 */
net_sddf_err_t sddf_lwip_init(const lib_sddf_lwip_config_t *lwip_config,
                              const net_client_config_t *net_config,
                              const timer_client_config_t *timer_config,
                              sddf_lwip_netif_status_fn status_fn);

/**
 * Feed every frame on rx active to lwIP (zero-copy), until the queue is
 * empty (then a signal is requested with the double check) or the pbuf pool
 * is exhausted (then taking frames resumes once a pbuf is freed, at the next
 * sddf_lwip_maybe_notify). Bad descriptors are dropped and counted.
 */
void sddf_lwip_process_rx(void);

/**
 * virt_tx returned tx buffers: send the backlog while buffers are free, and
 * keep a signal request on tx free only while frames wait.
 */
void sddf_lwip_process_tx(void);

/** The timer fired: run lwIP's due timeouts and arm the next tick. */
void sddf_lwip_process_timeout(void);

/**
 * End of every handler: resume rx if it waited for pbufs, then notify the
 * copier (if buffers were returned to rx free and it asked) and virt_tx (if
 * frames were put on tx active and it asked). One of them uses the deferred
 * notify slot if it is empty; the other, or both if the slot holds another
 * channel, is notified directly (sDDF: one deferred slot per handler).
 */
void sddf_lwip_maybe_notify(void);

/**
 * Copy @p (a whole frame, Ethernet header first) into a free tx buffer and
 * put it on tx active; if no buffer is free, keep a reference to @p in the
 * backlog. The caller keeps its own reference either way.
 * Returns SDDF_LWIP_ERR_OK (sent or backlogged), SDDF_LWIP_ERR_INVALID_PBUF,
 * SDDF_LWIP_ERR_LARGE_PBUF or SDDF_LWIP_ERR_NO_BUF (all counted drops).
 */
net_sddf_err_t sddf_lwip_transmit_pbuf(struct pbuf *p);

/** The netif lwIP uses (valid after a successful sddf_lwip_init). */
struct netif *sddf_lwip_netif(void);

/** Rx pbufs currently free in the zero-copy pool. */
uint32_t sddf_lwip_rx_pbufs_free(void);

/** Frames currently waiting in the tx backlog. */
uint32_t sddf_lwip_tx_backlog_len(void);

#endif /* SDDF_NET_LWIP_H */
