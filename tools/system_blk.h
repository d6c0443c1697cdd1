/*
 * tools/system_blk.h - a <blk> element as read (system_blk.c) and the
 * entities its expansion created, which system_blk_config.c turns into
 * configuration records. Internal to the system tool.
 */
#ifndef SDDF_TOOLS_SYSTEM_BLK_H
#define SDDF_TOOLS_SYSTEM_BLK_H

#include "system_internal.h"

/** Bytes of the virt's own region for partition-table reads (sDDF: 10 pages). */
#define BLK_TOOL_PART_REGION 0xA000ull
/** Highest partition number a client may name (the virt reads at most 256 GPT entries). */
#define BLK_TOOL_MAX_PARTITION 256u

/** A generated component PD: <driver> or <virt>. */
typedef struct blk_role_spec {
    const char *name;
    unsigned priority;
    int cpu; /* -1 = default placement */
    int line;
    size_t pd; /* after expansion */
} blk_role_spec;

/** One <client> of a blk and what expansion made for it. */
typedef struct blk_client_spec {
    size_t pd;
    uint32_t partition; /* 1-based, as written */
    uint64_t data_size;
    uint32_t capacity;
    int line;
    /* expansion */
    size_t info, q[2], data; /* q[0] requests, q[1] responses */
    unsigned id_virt, id_client;
} blk_client_spec;

/** One <blk>. */
typedef struct blk_spec {
    const char *name;
    char *image; /* absolute path (owned) */
    bool read_only;
    uint32_t capacity; /* driver queue: the clients' capacities added, rounded up */
    int line;
    blk_role_spec driver, virt;
    blk_client_spec *clients;
    size_t num_clients;
    char *names[2]; /* generated default names (owned) */
    /* expansion */
    size_t info, q[2], part, device;
    unsigned irq_id, device_id, id_drv, id_virt;
} blk_spec;

/** Append every configuration record of an expanded blk to its PDs. */
void sys_blk_write_configs(sys_builder *b, const blk_spec *k);

#endif /* SDDF_TOOLS_SYSTEM_BLK_H */
