/*
 * tools/system_net_config.c - the configuration records of an expanded
 * <net>: net_driver_config_t, net_virt_rx_config_t, net_virt_tx_config_t,
 * net_copy_config_t, net_client_config_t (sddf/net/config.h) and, for a
 * client with an ip, lib_sddf_lwip_config_t (sddf/net/lwip_config.h).
 * Every address in a record is the vaddr at which the receiving PD maps the
 * region (sddf/config.h).
 */
#include <stdlib.h>
#include <string.h>

#include <sddf/net/config.h>
#include <sddf/net/lwip_config.h>

#include "system_net.h"

_Static_assert(sizeof(net_driver_config_t) % 8 == 0, "records keep 8-byte alignment");
_Static_assert(sizeof(net_virt_rx_config_t) % 8 == 0, "records keep 8-byte alignment");
_Static_assert(sizeof(net_virt_tx_config_t) % 8 == 0, "records keep 8-byte alignment");
_Static_assert(sizeof(net_copy_config_t) % 8 == 0, "records keep 8-byte alignment");
_Static_assert(sizeof(net_client_config_t) % 8 == 0, "records keep 8-byte alignment");
_Static_assert(sizeof(lib_sddf_lwip_config_t) % 8 == 0, "records keep 8-byte alignment");

static net_connection_resource_t conn(const sys_system *sys, size_t pd, const size_t q[2],
                                      uint32_t num_buffers, unsigned id)
{
    return (net_connection_resource_t){
        .free_queue = sys_region_in(sys, pd, q[0]),
        .active_queue = sys_region_in(sys, pd, q[1]),
        .num_buffers = num_buffers,
        .id = (uint8_t)id,
    };
}

static void driver_config(sys_builder *b, const net_spec *n)
{
    const sys_system *sys = b->sys;
    size_t pd = n->driver.pd;
    net_driver_config_t *c = sys_xrealloc(NULL, 1, sizeof(*c));
    memset(c, 0, sizeof(*c));
    sys_config_header(c, SDDF_CLASS_NET, NET_ROLE_DRIVER, sizeof(*c));
    c->virt_rx = conn(sys, pd, n->rx_q, n->rx_buffers, n->id_drv_rx);
    c->virt_tx = conn(sys, pd, n->tx_q, n->tx_capacity, n->id_drv_tx);
    c->irq_id = (uint8_t)n->irq_id;
    c->num_io_regions = (uint8_t)(1 + n->num_clients);
    c->io_regions[0] = sys_device_region_in(sys, pd, n->dma);
    for (size_t i = 0; i < n->num_clients; i++)
        c->io_regions[1 + i] = sys_device_region_in(sys, pd, n->clients[i].tx_data);
    sys_config_append(b->sys, pd, c, sizeof(*c));
    free(c);
}

static void virt_rx_config(sys_builder *b, const net_spec *n)
{
    const sys_system *sys = b->sys;
    size_t pd = n->virt_rx.pd;
    net_virt_rx_config_t *c = sys_xrealloc(NULL, 1, sizeof(*c));
    memset(c, 0, sizeof(*c));
    sys_config_header(c, SDDF_CLASS_NET, NET_ROLE_VIRT_RX, sizeof(*c));
    c->driver = conn(sys, pd, n->rx_q, n->rx_buffers, n->id_rx_drv);
    c->data = sys_device_region_in(sys, pd, n->dma);
    c->buffer_metadata = sys_region_in(sys, pd, n->metadata);
    c->num_clients = (uint8_t)n->num_clients;
    for (size_t i = 0; i < n->num_clients; i++) {
        const net_client_spec *cl = &n->clients[i];
        c->clients[i].conn = conn(sys, pd, cl->q_virt_copier, n->rx_buffers, cl->id_virt_rx);
        memcpy(c->clients[i].mac_addr, cl->mac, 6);
    }
    sys_config_append(b->sys, pd, c, sizeof(*c));
    free(c);
}

static void virt_tx_config(sys_builder *b, const net_spec *n)
{
    const sys_system *sys = b->sys;
    size_t pd = n->virt_tx.pd;
    net_virt_tx_config_t *c = sys_xrealloc(NULL, 1, sizeof(*c));
    memset(c, 0, sizeof(*c));
    sys_config_header(c, SDDF_CLASS_NET, NET_ROLE_VIRT_TX, sizeof(*c));
    c->driver = conn(sys, pd, n->tx_q, n->tx_capacity, n->id_tx_drv);
    c->num_clients = (uint8_t)n->num_clients;
    for (size_t i = 0; i < n->num_clients; i++) {
        const net_client_spec *cl = &n->clients[i];
        c->clients[i].conn = conn(sys, pd, cl->q_client_virt, cl->tx_buffers, cl->id_virt_tx);
        c->clients[i].data = sys_device_region_in(sys, pd, cl->tx_data);
    }
    sys_config_append(b->sys, pd, c, sizeof(*c));
    free(c);
}

static void copier_config(sys_builder *b, const net_spec *n, const net_client_spec *cl)
{
    const sys_system *sys = b->sys;
    size_t pd = cl->copier;
    net_copy_config_t c = {0};
    sys_config_header(&c, SDDF_CLASS_NET, NET_ROLE_COPY, sizeof(c));
    c.virt_rx = conn(sys, pd, cl->q_virt_copier, n->rx_buffers, cl->id_copier_virt);
    c.device_data = sys_region_in(sys, pd, n->dma);
    c.client = conn(sys, pd, cl->q_copier_client, cl->rx_buffers, cl->id_copier_client);
    c.client_data = sys_region_in(sys, pd, cl->rx_data);
    sys_config_append(b->sys, pd, &c, sizeof(c));
}

static void client_config(sys_builder *b, const net_client_spec *cl)
{
    const sys_system *sys = b->sys;
    size_t pd = cl->pd;
    net_client_config_t c = {0};
    sys_config_header(&c, SDDF_CLASS_NET, NET_ROLE_CLIENT, sizeof(c));
    c.rx = conn(sys, pd, cl->q_copier_client, cl->rx_buffers, cl->id_client_copier);
    c.rx_data = sys_region_in(sys, pd, cl->rx_data);
    c.tx = conn(sys, pd, cl->q_client_virt, cl->tx_buffers, cl->id_client_virt_tx);
    c.tx_data = sys_region_in(sys, pd, cl->tx_data);
    memcpy(c.mac_addr, cl->mac, 6);
    sys_config_append(b->sys, pd, &c, sizeof(c));
    if (cl->has_ip) {
        lib_sddf_lwip_config_t l = {0};
        sys_config_header(&l, SDDF_CLASS_LWIP, LWIP_ROLE_CLIENT, sizeof(l));
        l.ip = cl->ip;
        l.netmask = cl->netmask;
        l.gateway = cl->gateway;
        sys_config_append(b->sys, pd, &l, sizeof(l));
    }
}

void sys_net_write_configs(sys_builder *b, const net_spec *n)
{
    driver_config(b, n);
    virt_rx_config(b, n);
    virt_tx_config(b, n);
    for (size_t i = 0; i < n->num_clients; i++) {
        copier_config(b, n, &n->clients[i]);
        client_config(b, &n->clients[i]);
    }
}
