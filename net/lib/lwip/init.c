/*
 * init.c - lib_sddf_lwip set-up: checks the client's configuration records,
 * binds the queues, initialises lwIP and brings up the Ethernet netif with
 * the static IPv4 address of the lib_sddf_lwip record.
 */
#include <string.h>

#include <lwip/etharp.h>
#include <lwip/init.h>
#include <lwip/netif.h>
#include <netif/ethernet.h>

#include <sddf/timer/client.h>

#include "glue.h"

struct sddf_lwip sddf_lwip_state;

/* A region fits if it is mapped and at least @need bytes long. */
static bool region_fits(const sddf_region_resource_t *r, uint64_t need)
{
    return r->vaddr != 0 && r->size >= need;
}

/* A connection fits if its capacity is valid and both queues hold it. */
static bool conn_fits(const net_connection_resource_t *c)
{
    return net_queue_capacity_valid(c->num_buffers) && c->id < SDDF_MAX_CHANNELS &&
           region_fits(&c->free_queue, NET_QUEUE_BYTES(c->num_buffers)) &&
           region_fits(&c->active_queue, NET_QUEUE_BYTES(c->num_buffers));
}

static bool config_valid(const lib_sddf_lwip_config_t *lc, const net_client_config_t *nc,
                         const timer_client_config_t *tc)
{
    if (lc == NULL || nc == NULL || tc == NULL) {
        sddf_log("lwip: missing configuration record (lwip %p, net %p, timer %p)", (const void *)lc,
                 (const void *)nc, (const void *)tc);
        return false;
    }
    if (!conn_fits(&nc->rx) || !conn_fits(&nc->tx)) {
        sddf_log("lwip: net client queues do not fit their capacities");
        return false;
    }
    if (!region_fits(&nc->rx_data, (uint64_t)nc->rx.num_buffers * NET_BUFFER_SIZE) ||
        !region_fits(&nc->tx_data, (uint64_t)nc->tx.num_buffers * NET_BUFFER_SIZE)) {
        sddf_log("lwip: net client data regions are smaller than their buffers");
        return false;
    }
    if (tc->driver_id >= SDDF_MAX_CHANNELS) {
        sddf_log("lwip: bad timer channel %u", tc->driver_id);
        return false;
    }
    if (lc->ip == 0) {
        sddf_log("lwip: no IPv4 address configured");
        return false;
    }
    return true;
}

static void glue_stats_init(struct sddf_lwip_stats *st)
{
    st->rx_frames = sddf_stat_counter("rx_frames");
    st->rx_bad_desc = sddf_stat_counter("rx_bad_desc");
    st->rx_dup_desc = sddf_stat_counter("rx_dup_desc");
    st->rx_pool_empty = sddf_stat_counter("rx_pool_empty");
    st->rx_free_lost = sddf_stat_counter("rx_free_lost");
    st->tx_frames = sddf_stat_counter("tx_frames");
    st->tx_too_large = sddf_stat_counter("tx_too_large");
    st->tx_bad_desc = sddf_stat_counter("tx_bad_desc");
    st->tx_backlogged = sddf_stat_counter("tx_backlogged");
    st->tx_dropped = sddf_stat_counter("tx_dropped");
}

/* netif_add's init callback: an Ethernet interface with our MAC. */
static err_t netif_setup(struct netif *netif)
{
    const net_client_config_t *nc = netif->state;

    netif->name[0] = 's';
    netif->name[1] = 'd';
    netif->hwaddr_len = ETH_HWADDR_LEN;
    memcpy(netif->hwaddr, nc->mac_addr, ETH_HWADDR_LEN);
    netif->mtu = SDDF_LWIP_MAX_FRAME - SIZEOF_ETH_HDR;
    netif->flags = NETIF_FLAG_BROADCAST | NETIF_FLAG_ETHARP | NETIF_FLAG_ETHERNET;
    netif->output = etharp_output;
    netif->linkoutput = sddf_lwip_linkoutput;
    return ERR_OK;
}

net_sddf_err_t sddf_lwip_init(const lib_sddf_lwip_config_t *lwip_config,
                              const net_client_config_t *net_config,
                              const timer_client_config_t *timer_config,
                              sddf_lwip_netif_status_fn status_fn)
{
    struct sddf_lwip *s = &sddf_lwip_state;

    if (!config_valid(lwip_config, net_config, timer_config))
        return SDDF_LWIP_ERR_UNHANDLED;

    if (s->netif_added) {
        netif_remove(&s->netif);
        s->netif_added = false;
    }
    sddf_lwip_tx_reset();

    (void)net_queue_init(&s->rx, sddf_region_ptr(&net_config->rx.free_queue),
                         sddf_region_ptr(&net_config->rx.active_queue), net_config->rx.num_buffers);
    (void)net_queue_init(&s->tx, sddf_region_ptr(&net_config->tx.free_queue),
                         sddf_region_ptr(&net_config->tx.active_queue), net_config->tx.num_buffers);
    s->rx_data = sddf_region_ptr(&net_config->rx_data);
    s->tx_data = sddf_region_ptr(&net_config->tx_data);
    s->rx_buffers = net_config->rx.num_buffers;
    s->tx_buffers = net_config->tx.num_buffers;
    s->rx_ch = net_config->rx.id;
    s->tx_ch = net_config->tx.id;
    s->timer_ch = timer_config->driver_id;
    s->notify_rx = false;
    s->notify_tx = false;
    glue_stats_init(&s->stats);
    sddf_lwip_rx_reset(s->rx_buffers);

    sddf_lwip_time_refresh();
    s->rand_state = (uint32_t)s->now_ms * 2654435761u;
    for (int i = 0; i < 6; i++)
        s->rand_state = s->rand_state * 31u + net_config->mac_addr[i];

    /* Clients own their tx buffers: all start free (sDDF: base 0). */
    (void)net_buffers_init(&s->tx, 0);

    if (!s->lwip_initialised) {
        lwip_init();
        s->lwip_initialised = true;
    }

    ip4_addr_t ip, mask, gw;
    ip4_addr_set_u32(&ip, lwip_config->ip);
    ip4_addr_set_u32(&mask, lwip_config->netmask);
    ip4_addr_set_u32(&gw, lwip_config->gateway);
    /* netif->state points at the (read-only) config for netif_setup. */
    if (netif_add(&s->netif, &ip, &mask, &gw, (void *)(uintptr_t)net_config, netif_setup,
                  ethernet_input) == NULL) {
        sddf_log("lwip: netif_add failed");
        return SDDF_LWIP_ERR_UNHANDLED;
    }
    s->netif_added = true;
    if (status_fn != NULL)
        netif_set_status_callback(&s->netif, status_fn);
    netif_set_default(&s->netif);
    netif_set_up(&s->netif);
    netif_set_link_up(&s->netif);

    /* Frames may already wait (the copier ran first); then the first tick. */
    sddf_lwip_process_rx();
    sddf_timer_set_timeout(s->timer_ch, (uint64_t)SDDF_LWIP_TICK_MS * NS_IN_MS);
    return SDDF_LWIP_ERR_OK;
}

struct netif *sddf_lwip_netif(void)
{
    return &sddf_lwip_state.netif;
}
