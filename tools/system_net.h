/*
 * tools/system_net.h - a <net> element as read (system_net.c) and the
 * entities its expansion created, which system_net_config.c turns into
 * configuration records. Internal to the system tool.
 *
 * Queue pairs are two regions: index 0 is the free queue, 1 the active queue.
 */
#ifndef SDDF_TOOLS_SYSTEM_NET_H
#define SDDF_TOOLS_SYSTEM_NET_H

#include "system_internal.h"

/** A generated component PD: <driver>, <virt_rx> or <virt_tx>. */
typedef struct net_role_spec {
    const char *name; /* owned by the builder or by net_spec.names */
    unsigned priority;
    int cpu; /* -1 = default placement */
    int line;
    size_t pd; /* after expansion */
} net_role_spec;

/** One <client> of a net and what expansion made for it. */
typedef struct net_client_spec {
    size_t pd; /* the declared client PD */
    uint8_t mac[6];
    bool has_ip;
    uint32_t ip, netmask, gateway; /* network byte order */
    uint32_t rx_buffers, tx_buffers;
    const char *copier_name;
    unsigned copier_priority;
    int line;
    /* expansion */
    size_t copier;
    size_t q_virt_copier[2], q_copier_client[2], q_client_virt[2];
    size_t rx_data, tx_data;
    unsigned id_virt_rx, id_copier_virt; /* virt_rx <-> copier */
    unsigned id_copier_client, id_client_copier;
    unsigned id_virt_tx, id_client_virt_tx;
} net_client_spec;

/** One <net>. */
typedef struct net_spec {
    const char *name;
    const char *device;
    const char *program; /* the driver's program, from the driver kind */
    uint32_t host_addr;
    uint8_t prefix;
    uint16_t mtu;
    uint32_t rx_buffers;  /* rx DMA buffers */
    uint32_t tx_capacity; /* driver tx queue: sum of clients' tx_buffers, rounded up */
    int line;
    net_role_spec driver, virt_rx, virt_tx;
    net_client_spec *clients;
    size_t num_clients;
    char **names; /* generated default names (owned) */
    size_t num_names;
    /* expansion */
    size_t tap;
    size_t dma, metadata, rx_q[2], tx_q[2];
    unsigned irq_id;
    unsigned id_drv_rx, id_rx_drv; /* driver <-> virt_rx */
    unsigned id_drv_tx, id_tx_drv; /* driver <-> virt_tx */
} net_spec;

/** Append every configuration record of an expanded net to its PDs. */
void sys_net_write_configs(sys_builder *b, const net_spec *n);

#endif /* SDDF_TOOLS_SYSTEM_NET_H */
