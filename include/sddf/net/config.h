/*
 * sddf/net/config.h - configuration records of the network class.
 *
 * Written by the system tool from a <network> element, read by each network
 * component with sddf_config_find(SDDF_CLASS_NET, role, sizeof(record)).
 * Shapes follow sDDF's net configs (driver, virt_rx, virt_tx, copy, client);
 * the host driver additionally gets its IO address table, because on Linux
 * the driver itself plays the DMA engine.
 */
#ifndef SDDF_NET_CONFIG_H
#define SDDF_NET_CONFIG_H

#include <stdint.h>
#include <sddf/config.h>

/** Most clients a network supports (sDDF's SDDF_NET_MAX_CLIENTS). */
#define SDDF_NET_MAX_CLIENTS 64u

/** Most regions a driver's IO address table holds: rx DMA plus every client's tx region. */
#define SDDF_NET_MAX_IO_REGIONS (SDDF_NET_MAX_CLIENTS + 1u)

/** Roles (the record's `role` byte) of the network class. */
enum net_config_role {
    NET_ROLE_DRIVER = 0,
    NET_ROLE_VIRT_RX = 1,
    NET_ROLE_VIRT_TX = 2,
    NET_ROLE_COPY = 3,
    NET_ROLE_CLIENT = 4,
};

/**
 * One end of a queue pair as seen by this PD: both queues mapped, their
 * common capacity (= number of buffers that can ever be in them) and the
 * channel that signals the peer.
 */
typedef struct net_connection_resource {
    sddf_region_resource_t free_queue;
    sddf_region_resource_t active_queue;
    uint32_t num_buffers; /* power of two, the queue capacity */
    uint8_t id;           /* channel id to the peer */
    uint8_t reserved[3];
} net_connection_resource_t;
_Static_assert(sizeof(net_connection_resource_t) == 40, "connection is 40 bytes");

/** Driver: its queue pairs, its IRQ channel and the regions it may "DMA" to. */
typedef struct net_driver_config {
    sddf_config_header_t header;
    net_connection_resource_t virt_rx; /* driver produces rx active, consumes rx free */
    net_connection_resource_t virt_tx; /* driver consumes tx active, produces tx free */
    uint8_t irq_id;                    /* channel id of the device IRQ */
    uint8_t mac_addr[6];               /* not used by the TAP driver (clients have their own) */
    uint8_t num_io_regions;
    uint32_t reserved;
    /* IO address translation: io_regions[0] is the rx DMA region (rw), the rest
     * are client tx data regions (read-only in the driver). */
    sddf_device_region_resource_t io_regions[SDDF_NET_MAX_IO_REGIONS];
} net_driver_config_t;

/** virt_rx's view of one client (a copier): its queue pair and MAC address. */
typedef struct net_virt_rx_client {
    net_connection_resource_t conn;
    uint8_t mac_addr[6];
    uint8_t reserved[2];
} net_virt_rx_client_t;

/** Rx virtualiser: demultiplexes the driver's rx queue to clients by destination MAC. */
typedef struct net_virt_rx_config {
    sddf_config_header_t header;
    net_connection_resource_t driver;
    sddf_device_region_resource_t data;     /* the rx DMA region, mapped read-only */
    sddf_region_resource_t buffer_metadata; /* one refcount byte per DMA buffer, rw */
    uint8_t num_clients;
    uint8_t reserved[7];
    net_virt_rx_client_t clients[SDDF_NET_MAX_CLIENTS];
} net_virt_rx_config_t;

/** virt_tx's view of one client: its queue pair and its tx data region (read-only here). */
typedef struct net_virt_tx_client {
    net_connection_resource_t conn;
    sddf_device_region_resource_t data;
} net_virt_tx_client_t;

/** Tx virtualiser: multiplexes clients onto the driver, checking and translating offsets. */
typedef struct net_virt_tx_config {
    sddf_config_header_t header;
    net_connection_resource_t driver;
    uint8_t num_clients;
    uint8_t reserved[7];
    net_virt_tx_client_t clients[SDDF_NET_MAX_CLIENTS];
} net_virt_tx_config_t;

/** Copier: copies frames from the rx DMA region into one client's own rx region. */
typedef struct net_copy_config {
    sddf_config_header_t header;
    net_connection_resource_t virt_rx;  /* copier consumes active, produces free */
    sddf_region_resource_t device_data; /* rx DMA region, read-only here */
    net_connection_resource_t client;   /* copier produces active, consumes free */
    sddf_region_resource_t client_data; /* the client's rx data region, rw */
} net_copy_config_t;

/** Client: its rx pair (from its copier), tx pair (to virt_tx), data regions and MAC. */
typedef struct net_client_config {
    sddf_config_header_t header;
    net_connection_resource_t rx;
    sddf_region_resource_t rx_data;
    net_connection_resource_t tx;
    sddf_region_resource_t tx_data;
    uint8_t mac_addr[6];
    uint8_t reserved[2];
} net_client_config_t;

/** True if the 6-byte MAC addresses @a and @b are equal. */
static inline int mac802_addr_eq(const uint8_t *a, const uint8_t *b)
{
    for (int i = 0; i < 6; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

/** True if @a is the broadcast address ff:ff:ff:ff:ff:ff. */
static inline int mac802_addr_is_bcast(const uint8_t *a)
{
    for (int i = 0; i < 6; i++)
        if (a[i] != 0xff)
            return 0;
    return 1;
}

/** True if @a is a group (multicast or broadcast) address: I/G bit set (IEEE 802). */
static inline int mac802_addr_is_group(const uint8_t *a)
{
    return (a[0] & 1) != 0;
}

#endif /* SDDF_NET_CONFIG_H */
