/*
 * blk/components/virt.c - the block virtualiser (sDDF design, "Block
 * virtualiser"): shares one disk among clients, one partition each.
 *
 * Request path (blk_request): each client's request queue in turn, in index
 * order. Every request is a private copy, checked (blk_virt_check_req: code,
 * count, offset and alignment in the client's data region, range inside the
 * partition, with arithmetic that cannot wrap); a bad one is answered at
 * once with BLK_RESP_ERR_INVALID_PARAM and nothing goes to the driver. A
 * good one gets a driver id from a private allocator (the record keeps the
 * client's own id, which may be anything, reused or not) and goes to the
 * driver with io_addr = data region IO base + offset and block = partition
 * start + block.
 *
 * Response path (blk_response): each driver response's id is checked
 * against the allocator, the record freed, and the response returned to its
 * client with the client's id. Then the clients are served again: work may
 * have waited for driver ids or queue room.
 *
 * Bounds: a client has at most `capacity` requests in flight or answered
 * but not yet taken (so its responses always fit its queue), and the driver
 * queue holds the sum of those, so a flooding or stalled client cannot take
 * another client's share. Notifications are unconditional (sDDF block).
 */
#include <string.h>

#include <sddf/os.h>

#include "blk_checks.h"
#include "virt.h"

blk_virt_state_t blk_virt;

int blk_virt_id_alloc(uint8_t client, uint32_t cli_id, uint16_t count)
{
    blk_virt_state_t *v = &blk_virt;
    if (v->num_free == 0)
        return -1;
    uint32_t id = v->free_ids[--v->num_free];
    v->recs[id] = (blk_virt_rec_t){cli_id, count, client, true};
    return (int)id;
}

static void id_free(uint32_t id)
{
    blk_virt_state_t *v = &blk_virt;
    v->recs[id].in_use = false;
    v->free_ids[v->num_free++] = id;
}

static void respond(uint32_t c, blk_resp_status_t status, uint16_t success, uint32_t id)
{
    if (blk_enqueue_resp(&blk_virt.cli[c], status, success, id) != 0)
        sddf_stat_add(blk_virt.resp_drop, 1); /* only if the client corrupted its queue */
    blk_virt.notify_cli |= 1ull << c;
}

/* Check and forward one request (a private copy) of client @c. */
static void submit(uint32_t c, const blk_req_t *r)
{
    blk_virt_state_t *v = &blk_virt;
    if (!v->cli_ok[c]) {
        sddf_stat_add(v->no_dev, 1);
        respond(c, BLK_RESP_ERR_NO_DEVICE, 0, r->id);
        return;
    }
    blk_resp_status_t st = blk_virt_check_req(r, v->cfg->clients[c].data.region.size,
                                              v->part_blocks[c], v->cli_info[c]->read_only);
    if (st != BLK_RESP_OK) {
        sddf_stat_add(v->invalid, 1);
        respond(c, st, 0, r->id);
        return;
    }
    bool data = r->code == BLK_REQ_READ || r->code == BLK_REQ_WRITE;
    uint16_t count = data ? r->count : 0;
    int id = blk_virt_id_alloc((uint8_t)c, r->id, count);
    /* Room was checked before dequeuing: both failures are unreachable. */
    if (id < 0 ||
        blk_enqueue_req(&v->drv, (blk_req_code_t)r->code,
                        data ? v->cfg->clients[c].data.io_addr + r->io_or_offset : 0,
                        data ? v->part_start[c] + r->block_number : 0, count, (uint32_t)id) != 0) {
        if (id >= 0)
            id_free((uint32_t)id);
        respond(c, BLK_RESP_ERR_UNSPEC, 0, r->id);
        return;
    }
    v->inflight[c]++;
    v->notify_drv = true;
    sddf_stat_add(v->reqs, 1);
}

/* Serve client @c, at most one queue's worth. Returns false if the driver side is full. */
static bool serve_client(uint32_t c)
{
    blk_virt_state_t *v = &blk_virt;
    blk_queue_handle_t *q = &v->cli[c];
    for (uint32_t budget = q->capacity; budget > 0; budget--) {
        if (blk_queue_empty_req(q))
            return true;
        uint32_t pending = blk_queue_length_resp(q); /* > capacity if corrupt: then wait */
        if (pending >= q->capacity || v->inflight[c] >= q->capacity - pending)
            return true; /* its responses would not fit: it must take some first */
        if (blk_queue_full_req(&v->drv) || v->num_free == 0)
            return false;
        blk_req_t r;
        if (blk_dequeue_req_entry(q, &r) != 0)
            return true;
        submit(c, &r);
    }
    return true;
}

static void blk_request(void)
{
    blk_virt_state_t *v = &blk_virt;
    if (v->phase != BLK_VIRT_RUNNING)
        return; /* client traffic waits until every partition is known */
    for (uint32_t i = 0; i < v->num_clients; i++) {
        uint32_t c = (v->next_client + i) % v->num_clients;
        if (!serve_client(c))
            break;
    }
    v->next_client = v->num_clients ? (v->next_client + 1) % v->num_clients : 0;
}

static void blk_response(void)
{
    blk_virt_state_t *v = &blk_virt;
    blk_resp_t r;
    while (blk_dequeue_resp_entry(&v->drv, &r) == 0) {
        uint32_t id = r.id;
        if (id >= v->num_ids || !v->recs[id].in_use) {
            sddf_stat_add(v->drv_bad, 1);
            continue;
        }
        blk_virt_rec_t rec = v->recs[id];
        id_free(id);
        if (rec.client == BLK_VIRT_OWN) {
            blk_virt_discovery_resp(r.status, r.success_count, rec.count);
            continue;
        }
        uint32_t status = r.status > BLK_RESP_ERR_NO_DEVICE ? BLK_RESP_ERR_UNSPEC : r.status;
        uint16_t done = r.success_count > rec.count ? rec.count : r.success_count;
        if (status != BLK_RESP_OK)
            sddf_stat_add(v->io_err, 1);
        v->inflight[rec.client]--;
        respond(rec.client, (blk_resp_status_t)status, done, rec.cli_id);
    }
}

static void notify_peers(bool in_handler)
{
    blk_virt_state_t *v = &blk_virt;
    for (uint32_t c = 0; c < v->num_clients; c++)
        if (v->notify_cli & (1ull << c))
            sddf_notify(v->cfg->clients[c].conn.id);
    v->notify_cli = 0;
    if (v->notify_drv) {
        if (in_handler)
            sddf_deferred_notify(v->cfg->driver.id);
        else
            sddf_notify(v->cfg->driver.id);
    }
    v->notify_drv = false;
}

/* The driver's storage_info is ready: discover partitions (once). */
static void maybe_start(void)
{
    if (blk_virt.phase == BLK_VIRT_WAIT_DRIVER && blk_storage_is_ready(blk_virt.drv_info))
        blk_virt_discovery_start();
}

void init(void)
{
    blk_virt_state_t *v = &blk_virt;
    memset(v, 0, sizeof(*v));
    const blk_virt_config_t *cfg = blk_config_get(BLK_ROLE_VIRT, sizeof(*cfg), "blk virt");
    v->cfg = cfg;
    v->drv = blk_check_conn(&cfg->driver, "blk virt: driver");
    v->drv_info = sddf_region_ptr(&cfg->driver.storage_info);
    blk_check_region(&cfg->data.region, BLK_PART_SCRATCH_BYTES, "blk virt", "partition region");
    blk_check_data(&cfg->data, "blk virt: partition region");
    v->scratch = sddf_region_ptr(&cfg->data.region);
    if (cfg->num_clients > SDDF_BLK_MAX_CLIENTS)
        sddf_fatal("blk virt: %llu clients, at most %u", (unsigned long long)cfg->num_clients,
                   SDDF_BLK_MAX_CLIENTS);
    v->num_clients = (uint32_t)cfg->num_clients;
    uint64_t total = 1; /* partition-table reads */
    for (uint32_t c = 0; c < v->num_clients; c++) {
        v->cli[c] = blk_check_conn(&cfg->clients[c].conn, "blk virt: client");
        blk_check_data(&cfg->clients[c].data, "blk virt: client data");
        v->cli_info[c] = sddf_region_ptr(&cfg->clients[c].conn.storage_info);
        total += v->cli[c].capacity;
    }
    v->num_ids = v->drv.capacity;
    if (total > v->num_ids + 1)
        sddf_log("driver queue (%u) is smaller than the clients' queues together (%llu): "
                 "clients may wait for each other",
                 v->num_ids, (unsigned long long)total - 1);
    for (uint32_t i = 0; i < v->num_ids; i++)
        v->free_ids[i] = v->num_ids - 1 - i;
    v->num_free = v->num_ids;
    v->reqs = sddf_stat_counter("requests");
    v->invalid = sddf_stat_counter("invalid");
    v->no_dev = sddf_stat_counter("no_device");
    v->drv_bad = sddf_stat_counter("driver_bad_resp");
    v->resp_drop = sddf_stat_counter("client_resp_drop");
    v->io_err = sddf_stat_counter("io_errors");
    maybe_start();
    notify_peers(false);
}

void notified(sddf_channel ch)
{
    (void)ch; /* a notification is only a hint: look at every queue */
    maybe_start();
    blk_response();
    blk_request();
    notify_peers(true);
}
