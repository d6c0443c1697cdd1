/*
 * blk/components/blk_checks.h - configuration checks shared by the block
 * components (virtualiser, driver, client library) and the virtualiser's
 * request check.
 *
 * Configuration records come from the system tool; a mismatch between tool
 * and component must stop the PD at init with a clear message rather than
 * become an out-of-bounds access later, so every config check ends in
 * sddf_fatal. The request check applies to a private copy of a request read
 * from shared memory (sDDF design: "never trust a neighbour").
 */
#ifndef SDDF_BLK_COMPONENTS_BLK_CHECKS_H
#define SDDF_BLK_COMPONENTS_BLK_CHECKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sddf/os.h>
#include <sddf/config.h>
#include <sddf/blk/config.h>
#include <sddf/blk/queue.h>
#include <sddf/blk/storage_info.h>

/**
 * This PD's block record for @role, of exactly @size bytes. Stops the PD
 * (naming @who) if it is missing, of another size or another version.
 */
static inline const void *blk_config_get(uint8_t role, uint32_t size, const char *who)
{
    const sddf_config_header_t *h = sddf_config_find(SDDF_CLASS_BLK, role, size);
    if (h == NULL)
        sddf_fatal("%s: no block config record (role %u, %u bytes): tool/component mismatch?", who,
                   role, size);
    else if (h->version != SDDF_CONFIG_VERSION)
        sddf_fatal("%s: config record version %u, expected %u", who, h->version,
                   SDDF_CONFIG_VERSION);
    return h;
}

/** Stop the PD unless @r is mapped, 8-byte aligned and at least @need bytes. */
static inline void blk_check_region(const sddf_region_resource_t *r, uint64_t need, const char *who,
                                    const char *which)
{
    if (r->vaddr == 0 || r->vaddr % 8 != 0)
        sddf_fatal("%s: %s not mapped or misaligned (vaddr 0x%llx)", who, which,
                   (unsigned long long)r->vaddr);
    if (r->size < need)
        sddf_fatal("%s: %s region is %llu bytes, needs %llu", who, which,
                   (unsigned long long)r->size, (unsigned long long)need);
}

/**
 * Check connection @c (capacity a power of two, channel id in range, the
 * storage_info page and both queues mapped and large enough) and return a
 * handle bound to it. Stops the PD on any inconsistency.
 */
static inline blk_queue_handle_t blk_check_conn(const blk_connection_resource_t *c, const char *who)
{
    blk_queue_handle_t h = {0};
    if (!blk_queue_capacity_valid(c->num_buffers))
        sddf_fatal("%s: queue capacity %u is not a power of two in 1..%u", who, c->num_buffers,
                   BLK_MAX_QUEUE_CAPACITY);
    if (c->id >= SDDF_MAX_CHANNELS)
        sddf_fatal("%s: channel id %u out of range", who, c->id);
    blk_check_region(&c->storage_info, sizeof(blk_storage_info_page_t), who, "storage_info");
    blk_check_region(&c->req_queue, BLK_REQ_QUEUE_BYTES(c->num_buffers), who, "request queue");
    blk_check_region(&c->resp_queue, BLK_RESP_QUEUE_BYTES(c->num_buffers), who, "response queue");
    blk_queue_init(&h, sddf_region_ptr(&c->req_queue), sddf_region_ptr(&c->resp_queue),
                   c->num_buffers);
    return h;
}

/** Stop the PD unless data region @r is a non-empty multiple of BLK_TRANSFER_SIZE whose IO range
 * does not wrap. */
static inline void blk_check_data(const sddf_device_region_resource_t *r, const char *who)
{
    uint64_t size = r->region.size;
    if (size == 0 || size % BLK_TRANSFER_SIZE != 0 || r->io_addr == 0 ||
        r->io_addr % BLK_TRANSFER_SIZE != 0 || r->io_addr + size < r->io_addr)
        sddf_fatal("%s: bad data region (%llu bytes at IO address 0x%llx)", who,
                   (unsigned long long)size, (unsigned long long)r->io_addr);
}

/**
 * Check a client request (a private copy) against the client's data region
 * of @data_size bytes and partition of @part_blocks blocks. Returns
 * BLK_RESP_OK if it may go to the driver, else the status to answer with
 * (sDDF virt: code, count, offset and partition-range checks; this project
 * also refuses a WRITE to a read-only device here). 64-bit arithmetic that
 * cannot wrap: count <= 65535 so count * 4096 < 2^28.
 */
static inline blk_resp_status_t blk_virt_check_req(const blk_req_t *r, uint64_t data_size,
                                                   uint64_t part_blocks, bool read_only)
{
    if (r->code == BLK_REQ_FLUSH || r->code == BLK_REQ_BARRIER)
        return BLK_RESP_OK;
    if (r->code != BLK_REQ_READ && r->code != BLK_REQ_WRITE)
        return BLK_RESP_ERR_INVALID_PARAM;
    uint64_t bytes = (uint64_t)r->count * BLK_TRANSFER_SIZE;
    uint64_t off = r->io_or_offset;
    if (r->count == 0 || off % BLK_TRANSFER_SIZE != 0 || off >= data_size ||
        bytes > data_size - off)
        return BLK_RESP_ERR_INVALID_PARAM;
    if (r->block_number >= part_blocks || r->count > part_blocks - r->block_number)
        return BLK_RESP_ERR_INVALID_PARAM;
    if (r->code == BLK_REQ_WRITE && read_only)
        return BLK_RESP_ERR_INVALID_PARAM;
    return BLK_RESP_OK;
}

#endif /* SDDF_BLK_COMPONENTS_BLK_CHECKS_H */
