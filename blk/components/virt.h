/*
 * blk/components/virt.h - the block virtualiser's state, shared by its two
 * files: virt.c (init, the request and response paths) and
 * virt_partition.c (partition discovery through the driver and publishing
 * each client's storage_info). Internal to the component.
 */
#ifndef SDDF_BLK_COMPONENTS_VIRT_H
#define SDDF_BLK_COMPONENTS_VIRT_H

#include <stdbool.h>
#include <stdint.h>
#include <sddf/blk/config.h>
#include <sddf/blk/queue.h>
#include <sddf/blk/storage_info.h>

#include "partition.h"

/** Marks an in-flight record as the virt's own partition-table read. */
#define BLK_VIRT_OWN 0xFFu

/** What the virt remembers about a request it sent to the driver (indexed by the driver id). */
typedef struct blk_virt_rec {
    uint32_t cli_id; /* the client's own id, restored on the response */
    uint16_t count;
    uint8_t client; /* index, or BLK_VIRT_OWN */
    bool in_use;
} blk_virt_rec_t;

enum blk_virt_phase { BLK_VIRT_WAIT_DRIVER, BLK_VIRT_DISCOVERY, BLK_VIRT_RUNNING };

typedef struct blk_virt_state {
    const blk_virt_config_t *cfg;
    enum blk_virt_phase phase;
    blk_queue_handle_t drv;
    blk_storage_info_t *drv_info; /* read-only here */
    uint8_t *scratch;             /* the virt's own region for partition-table reads */
    uint32_t num_clients;
    blk_queue_handle_t cli[SDDF_BLK_MAX_CLIENTS];
    blk_storage_info_t *cli_info[SDDF_BLK_MAX_CLIENTS];
    uint64_t part_start[SDDF_BLK_MAX_CLIENTS], part_blocks[SDDF_BLK_MAX_CLIENTS];
    bool cli_ok[SDDF_BLK_MAX_CLIENTS]; /* has a usable partition */
    uint32_t inflight[SDDF_BLK_MAX_CLIENTS];
    uint32_t next_client; /* round-robin start */
    uint32_t num_ids;     /* driver ids 0 .. num_ids-1 (driver queue capacity) */
    uint32_t num_free;    /* ids on the free stack */
    uint32_t free_ids[BLK_MAX_QUEUE_CAPACITY];
    blk_virt_rec_t recs[BLK_MAX_QUEUE_CAPACITY];
    blk_part_disc_t disc;
    uint64_t notify_cli; /* bit c: client c got responses in this handler */
    bool notify_drv;
    uint64_t *reqs, *invalid, *no_dev, *drv_bad, *resp_drop, *io_err;
} blk_virt_state_t;

/** The component's state (virt.c). */
extern blk_virt_state_t blk_virt;

/** Take a driver id and record it; returns the id, or -1 if none is free. */
int blk_virt_id_alloc(uint8_t client, uint32_t cli_id, uint16_t count);

/** Start partition discovery: sends the first read to the driver (virt_partition.c). */
void blk_virt_discovery_start(void);

/** A driver response to one of the virt's own reads arrived (virt_partition.c). */
void blk_virt_discovery_resp(uint32_t status, uint16_t success_count, uint16_t count);

#endif /* SDDF_BLK_COMPONENTS_VIRT_H */
