/*
 * blk/components/virt_partition.c - the block virtualiser's partition
 * discovery (sDDF design: "virt_partition_init", re-entered on each driver
 * response until done) and the publication of each client's storage_info.
 *
 * The virt reads the table itself, through the driver, into its own small
 * region (never a client's); partition.c parses it. When discovery ends,
 * each client is mapped to its configured partition. A rejected table, or a
 * partition that is missing or unusable, is reported in one log line and
 * leaves the affected clients with a device that is not there: a published
 * capacity of 0 and BLK_RESP_ERR_NO_DEVICE for every request.
 *
 * The disk's size is the driver's exact sector count (the storage_info
 * page's host extension) when it agrees with its capacity, so that a GPT
 * backup in the last sector of a disk that is not a multiple of 4 KiB is
 * found (the driver serves the partial final block, zero-padded); else
 * whole blocks.
 */
#include <stdio.h>
#include <string.h>

#include <sddf/os.h>

#include "virt.h"

static const char *scheme_name(uint8_t s)
{
    return s == BLK_PART_GPT ? "GPT" : "MBR";
}

/* Map client @c to its partition; returns false (logged) if it has none. */
static bool assign(uint32_t c, int rc)
{
    blk_virt_state_t *v = &blk_virt;
    const blk_virt_client_t *cl = &v->cfg->clients[c];
    uint32_t num = cl->partition + 1; /* as sfdisk/sgdisk number partitions */
    if (rc != BLK_PART_DONE)
        return false; /* already reported in one line for every client */
    const blk_part_entry_t *e = blk_part_get(&v->disc.table, cl->partition);
    if (e == NULL || e->state == BLK_PART_ENTRY_EMPTY) {
        sddf_log("client '%s': partition %u does not exist (%s table with %u entries); "
                 "it sees no device",
                 cl->name, num, scheme_name(v->disc.table.scheme), v->disc.table.num_entries);
        return false;
    }
    if (e->state != BLK_PART_ENTRY_OK) {
        if (e->bad == BLK_PART_BAD_OVERLAP)
            sddf_log("client '%s': partition %u (sectors %llu..%llu) overlaps partition %u; "
                     "it sees no device",
                     cl->name, num, (unsigned long long)e->first_sector,
                     (unsigned long long)e->last_sector, e->other + 1);
        else
            sddf_log("client '%s': partition %u (sectors %llu..%llu) %s; it sees no device",
                     cl->name, num, (unsigned long long)e->first_sector,
                     (unsigned long long)e->last_sector, blk_part_bad_reason(e->bad));
        return false;
    }
    v->part_start[c] = e->start;
    v->part_blocks[c] = e->count;
    sddf_log("client '%s': %s partition %u, %llu block%s of 4 KiB from block %llu", cl->name,
             scheme_name(v->disc.table.scheme), num, (unsigned long long)e->count,
             e->count == 1 ? "" : "s", (unsigned long long)e->start);
    return true;
}

/* Discovery ended with @rc: assign partitions, publish every storage_info, start serving. */
static void finish(int rc)
{
    blk_virt_state_t *v = &blk_virt;
    if (rc != BLK_PART_DONE)
        sddf_log("partition table rejected: %s; all %u client(s) see no device", v->disc.msg,
                 v->num_clients);
    for (uint32_t c = 0; c < v->num_clients; c++) {
        v->cli_ok[c] = assign(c, rc);
        blk_storage_info_t *si = v->cli_info[c];
        snprintf(si->serial_number, sizeof(si->serial_number), "%.40s-p%u",
                 v->drv_info->serial_number, v->cfg->clients[c].partition + 1);
        si->read_only = v->drv_info->read_only;
        si->sector_size = v->drv_info->sector_size;
        si->block_size = 1;
        si->queue_depth = (uint16_t)v->cli[c].capacity;
        si->cylinders = si->heads = si->blocks = 0;
        si->capacity = v->cli_ok[c] ? v->part_blocks[c] : 0;
        *blk_storage_sectors(si) = si->capacity * (si->sector_size ? 4096u / si->sector_size : 0);
        blk_storage_set_ready(si, true);
        sddf_notify(v->cfg->clients[c].conn.id);
    }
    v->phase = BLK_VIRT_RUNNING;
}

/* Send the read the parser asked for; fails discovery if it cannot be sent. */
static void send_read(void)
{
    blk_virt_state_t *v = &blk_virt;
    blk_part_disc_t *d = &v->disc;
    int id = blk_virt_id_alloc(BLK_VIRT_OWN, 0, d->read_count);
    if (id < 0 || blk_enqueue_req(&v->drv, BLK_REQ_READ, v->cfg->data.io_addr + d->read_off,
                                  d->read_block, d->read_count, (uint32_t)id) != 0) {
        finish(blk_part_fail(d, "cannot send a partition-table read to the driver"));
        return;
    }
    v->notify_drv = true;
}

void blk_virt_discovery_start(void)
{
    blk_virt_state_t *v = &blk_virt;
    v->phase = BLK_VIRT_DISCOVERY;
    uint64_t capacity = v->drv_info->capacity;
    uint16_t sector_size = v->drv_info->sector_size;
    uint64_t sectors = *blk_storage_sectors(v->drv_info);
    int rc;
    if (sector_size < 512 || sector_size > 4096 || (sector_size & (sector_size - 1)) != 0) {
        rc = blk_part_start(&v->disc, capacity, sector_size); /* fails, saying why */
    } else {
        /* The exact size, if the driver gave one that agrees with its capacity (at most one
           partial block more); else whole blocks only. */
        uint64_t per_block = 4096u / sector_size;
        if (capacity > UINT64_MAX / per_block - per_block || sectors / per_block != capacity)
            sectors = capacity * per_block;
        rc = blk_part_start_sectors(&v->disc, sectors, sector_size);
    }
    if (rc == BLK_PART_READ)
        send_read();
    else
        finish(rc);
}

void blk_virt_discovery_resp(uint32_t status, uint16_t success_count, uint16_t count)
{
    blk_virt_state_t *v = &blk_virt;
    if (v->phase != BLK_VIRT_DISCOVERY) {
        sddf_stat_add(v->drv_bad, 1);
        return;
    }
    int rc = status == BLK_RESP_OK && success_count == count
                 ? blk_part_step(&v->disc, v->scratch)
                 : blk_part_read_failed(&v->disc, status);
    if (rc == BLK_PART_READ)
        send_read();
    else
        finish(rc);
}
