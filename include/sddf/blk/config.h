/*
 * sddf/blk/config.h - configuration records of the block class.
 *
 * Written by the system tool from a <blk> element (tools/system_blk*.c),
 * read by each block component with sddf_config_find(SDDF_CLASS_BLK, role,
 * sizeof(record)). Shapes follow sDDF's blk configs (driver, virt, client);
 * the host driver additionally gets its IO address table, because on Linux
 * the driver itself plays the DMA engine, plus the ids of its device and IRQ.
 */
#ifndef SDDF_BLK_CONFIG_H
#define SDDF_BLK_CONFIG_H

#include <stdint.h>
#include <sddf/config.h>

/** Most clients a block device supports (sDDF's SDDF_BLK_MAX_CLIENTS). */
#define SDDF_BLK_MAX_CLIENTS 64u

/** Most regions in the driver's IO table: the virt's partition-table region plus each client's. */
#define SDDF_BLK_MAX_IO_REGIONS (SDDF_BLK_MAX_CLIENTS + 1u)

/** Roles (the record's `role` byte) of the block class. */
enum blk_config_role {
    BLK_ROLE_DRIVER = 0,
    BLK_ROLE_VIRT = 1,
    BLK_ROLE_CLIENT = 2,
};

/**
 * One end of a block connection as seen by this PD: the storage_info page
 * (rw for its publisher, r for the reader), both queues, their common
 * capacity and the channel to the peer.
 */
typedef struct blk_connection_resource {
    sddf_region_resource_t storage_info;
    sddf_region_resource_t req_queue;
    sddf_region_resource_t resp_queue;
    uint32_t num_buffers; /* queue capacity, a power of two */
    uint8_t id;           /* channel id to the peer */
    uint8_t reserved[3];
} blk_connection_resource_t;
_Static_assert(sizeof(blk_connection_resource_t) == 56, "connection is 56 bytes");

/** Driver: its connection to the virt, its device, IRQ and the regions it may "DMA" to. */
typedef struct blk_driver_config {
    sddf_config_header_t header;
    blk_connection_resource_t virt; /* driver consumes requests, produces responses */
    uint8_t irq_id;                 /* channel id of the completion IRQ (an eventfd) */
    uint8_t device_id;              /* id of the <device> holding the disk's descriptor */
    uint8_t num_io_regions;
    uint8_t reserved[5];
    sddf_device_region_resource_t io_regions[SDDF_BLK_MAX_IO_REGIONS]; /* all rw here */
} blk_driver_config_t;

/** The virt's view of one client. */
typedef struct blk_virt_client {
    blk_connection_resource_t conn;     /* virt consumes requests, produces responses */
    sddf_device_region_resource_t data; /* the client's data region: size and io_addr (vaddr 0:
                                           the virt never maps client data on the host) */
    uint32_t partition;                 /* 0-based index in the partition table
                                           (partition number - 1, as sfdisk/sgdisk count) */
    uint32_t reserved;
    char name[64]; /* the client PD's name, for messages */
} blk_virt_client_t;

/** Virtualiser: the driver connection, its own partition-table region, the clients. */
typedef struct blk_virt_config {
    sddf_config_header_t header;
    uint64_t num_clients;
    blk_connection_resource_t driver;   /* virt produces requests, consumes responses */
    sddf_device_region_resource_t data; /* the virt's region for partition-table reads (rw) */
    blk_virt_client_t clients[SDDF_BLK_MAX_CLIENTS];
} blk_virt_config_t;

/** Client: its connection to the virt and its data region. */
typedef struct blk_client_config {
    sddf_config_header_t header;
    blk_connection_resource_t virt; /* storage_info is read-only here */
    sddf_region_resource_t data;
} blk_client_config_t;

#endif /* SDDF_BLK_CONFIG_H */
