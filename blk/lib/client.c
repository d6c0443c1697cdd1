/*
 * blk/lib/client.c - the block client library (sddf/blk/client.h).
 *
 * The virtualiser is trusted by its clients (sDDF trust model), but the
 * configuration record is still checked at init, and completions are
 * handed to the caller as private copies.
 */
#include <sddf/blk/client.h>

#include "../components/blk_checks.h"

void blk_client_init(blk_client_t *c)
{
    const blk_client_config_t *cfg = blk_config_get(BLK_ROLE_CLIENT, sizeof(*cfg), "blk client");
    *c = (blk_client_t){0};
    c->queue = blk_check_conn(&cfg->virt, "blk client");
    c->info = sddf_region_ptr(&cfg->virt.storage_info);
    if (cfg->data.vaddr == 0 || cfg->data.vaddr % BLK_TRANSFER_SIZE != 0 || cfg->data.size == 0 ||
        cfg->data.size % BLK_TRANSFER_SIZE != 0)
        sddf_fatal("blk client: bad data region (%llu bytes at 0x%llx)",
                   (unsigned long long)cfg->data.size, (unsigned long long)cfg->data.vaddr);
    c->data = sddf_region_ptr(&cfg->data);
    c->data_size = cfg->data.size;
    c->ch = cfg->virt.id;
}

bool blk_client_ready(blk_client_t *c)
{
    return blk_storage_is_ready(c->info);
}

uint64_t blk_client_capacity(blk_client_t *c)
{
    return blk_client_ready(c) ? c->info->capacity : 0;
}

uint8_t *blk_client_buf(blk_client_t *c, uint64_t offset, uint32_t blocks)
{
    uint64_t bytes = (uint64_t)blocks * BLK_TRANSFER_SIZE;
    if (offset % BLK_TRANSFER_SIZE != 0 || offset > c->data_size || bytes > c->data_size - offset)
        return NULL;
    return c->data + offset;
}

int blk_client_submit(blk_client_t *c, blk_req_code_t code, uint64_t offset, uint64_t block,
                      uint16_t count, uint32_t id)
{
    if (blk_enqueue_req(&c->queue, code, offset, block, count, id) != 0)
        return -1;
    c->in_flight++;
    c->pending_notify = true;
    return 0;
}

void blk_client_notify(blk_client_t *c)
{
    if (c->pending_notify)
        sddf_notify(c->ch);
    c->pending_notify = false;
}

int blk_client_complete(blk_client_t *c, blk_resp_t *out)
{
    if (blk_dequeue_resp_entry(&c->queue, out) != 0)
        return -1;
    if (c->in_flight > 0)
        c->in_flight--;
    return 0;
}

const char *blk_resp_status_str(uint32_t status)
{
    switch (status) {
    case BLK_RESP_OK:
        return "ok";
    case BLK_RESP_ERR_UNSPEC:
        return "unspecified error";
    case BLK_RESP_ERR_INVALID_PARAM:
        return "invalid parameter";
    case BLK_RESP_ERR_IO:
        return "I/O error";
    case BLK_RESP_ERR_NO_DEVICE:
        return "no device";
    default:
        return "unknown status";
    }
}
