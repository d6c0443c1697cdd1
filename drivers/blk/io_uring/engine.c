/*
 * drivers/blk/io_uring/engine.c - see engine.h.
 */
#include <errno.h>
#include <string.h>

#include <sddf/os.h>

#include "engine.h"
#include "io_table.h"

static void respond(blk_engine_t *e, blk_resp_status_t st, uint16_t success, uint32_t id)
{
    if (blk_enqueue_resp(&e->q, st, success, id) != 0)
        sddf_stat_add(e->st.bad, 1); /* room was checked at intake: only a corrupt queue */
    if (st != BLK_RESP_OK)
        sddf_stat_add(e->st.errors, 1);
    e->notify = true;
}

void blk_engine_init(blk_engine_t *e, blk_queue_handle_t q, const sddf_device_region_resource_t *io,
                     uint32_t num_io, uint64_t blocks, bool read_only, blk_engine_stats_t st)
{
    e->q = q;
    e->io = io;
    e->num_io = num_io;
    e->blocks = blocks;
    e->tail = 0;
    e->read_only = read_only;
    e->in_flight = 0;
    e->barrier = false;
    e->notify = false;
    e->st = st;
    for (uint32_t i = 0; i < q.capacity; i++)
        e->free_slots[i] = q.capacity - 1 - i;
    e->num_free = q.capacity;
}

/* Release slot @s after its response. Answers a waiting barrier once only it is left. */
static void finish(blk_engine_t *e, uint32_t s)
{
    e->free_slots[e->num_free++] = s;
    e->in_flight--;
    if (e->barrier && e->in_flight == 1) {
        e->barrier = false;
        e->in_flight = 0;
        respond(e, BLK_RESP_OK, 0, e->barrier_id);
    }
}

/* (Re)queue slot @s's remaining part. Returns true, or false after answering it BLK_RESP_ERR_IO. */
static bool issue(blk_engine_t *e, uint32_t s)
{
    blk_engine_slot_t *x = &e->slots[s];
    uint8_t *p = x->ptr != NULL ? x->ptr + x->done : NULL;
    if (blk_ring_prep(e, s, x->code, p, x->len - x->done, x->disk_off + x->done, x->buf) == 0)
        return true;
    respond(e, BLK_RESP_ERR_IO, (uint16_t)(x->done / BLK_TRANSFER_SIZE), x->id);
    finish(e, s);
    return false;
}

/* Accept request @r (a private copy): answer it at once, or start it. True if I/O was queued. */
static bool start(blk_engine_t *e, const blk_req_t *r)
{
    if (r->code == BLK_REQ_BARRIER) {
        sddf_stat_add(e->st.barriers, 1);
        if (e->in_flight == 0) {
            respond(e, BLK_RESP_OK, 0, r->id);
        } else {
            e->barrier = true;
            e->barrier_id = r->id;
            e->in_flight++;
        }
        return false;
    }
    blk_engine_slot_t x = {.id = r->id, .code = (uint8_t)r->code, .count = r->count};
    if (r->code == BLK_REQ_READ || r->code == BLK_REQ_WRITE) {
        uint64_t len = (uint64_t)r->count * BLK_TRANSFER_SIZE; /* < 2^28: no wrap */
        blk_io_hit_t h = blk_io_lookup(e->io, e->num_io, r->io_or_offset, len);
        /* A READ may include the partial tail block; a WRITE may not. */
        uint64_t limit = e->blocks + (r->code == BLK_REQ_READ && e->tail > 0 ? 1 : 0);
        if (r->count == 0 || r->block_number >= limit || r->count > limit - r->block_number ||
            h.index < 0 || (r->code == BLK_REQ_WRITE && e->read_only)) {
            respond(e, BLK_RESP_ERR_INVALID_PARAM, 0, r->id);
            return false;
        }
        x.ptr = h.ptr;
        x.buf = h.index;
        x.len = (uint32_t)len;
        x.disk_off = r->block_number * BLK_TRANSFER_SIZE;
        sddf_stat_add(r->code == BLK_REQ_READ ? e->st.reads : e->st.writes, 1);
    } else if (r->code == BLK_REQ_FLUSH) {
        sddf_stat_add(e->st.flushes, 1);
    } else {
        respond(e, BLK_RESP_ERR_INVALID_PARAM, 0, r->id);
        return false;
    }
    uint32_t s = e->free_slots[--e->num_free]; /* intake checked num_free */
    e->slots[s] = x;
    e->in_flight++;
    return issue(e, s);
}

bool blk_engine_can_take(blk_engine_t *e)
{
    return !e->barrier && !blk_queue_empty_req(&e->q);
}

uint32_t blk_engine_intake(blk_engine_t *e)
{
    uint32_t taken = 0;
    while (blk_engine_can_take(e)) {
        uint32_t pending = blk_queue_length_resp(&e->q); /* > capacity if corrupt: then wait */
        if (pending >= e->q.capacity || e->in_flight >= e->q.capacity - pending || e->num_free == 0)
            break;
        blk_req_t r;
        if (blk_dequeue_req_entry(&e->q, &r) != 0)
            break;
        taken++;
        /* Submit each request at once, not one batch at the end: a virtual disk starts on
           each doorbell, so it works while the next requests are prepared (like fio's
           iodepth_batch_submit=1). Measured in bench/blk: see README "Block benchmark". */
        if (start(e, &r))
            blk_ring_submit(e);
    }
    return taken;
}

void blk_engine_complete(blk_engine_t *e, uint64_t slot, int res)
{
    if (slot >= e->q.capacity) {
        sddf_stat_add(e->st.bad, 1);
        return;
    }
    uint32_t s = (uint32_t)slot;
    blk_engine_slot_t *x = &e->slots[s];
    if ((res == -EAGAIN || res == -EINTR) && x->retries < BLK_ENGINE_MAX_RETRIES) {
        x->retries++;
        sddf_stat_add(e->st.retries, 1);
        if (issue(e, s))
            blk_ring_submit(e);
        return;
    }
    blk_resp_status_t st = BLK_RESP_OK;
    if (res < 0) {
        st = BLK_RESP_ERR_IO;
    } else if (x->code != BLK_REQ_FLUSH) {
        uint32_t left = x->len - x->done;
        x->done += (uint32_t)res > left ? left : (uint32_t)res;
        uint64_t end = e->blocks * BLK_TRANSFER_SIZE + e->tail;
        if (x->done < x->len && x->code == BLK_REQ_READ && x->disk_off + x->done >= end) {
            memset(x->ptr + x->done, 0, x->len - x->done); /* past the end of the disk */
            x->done = x->len;
        }
        if (x->done < x->len) {
            sddf_stat_add(e->st.short_io, 1);
            if (res > 0 && x->retries < BLK_ENGINE_MAX_RETRIES) {
                x->retries++;
                if (issue(e, s)) /* continue a short transfer where it stopped */
                    blk_ring_submit(e);
                return;
            }
            st = BLK_RESP_ERR_IO; /* end of file, or no progress */
        }
    }
    uint16_t success = x->code == BLK_REQ_FLUSH ? 0 : (uint16_t)(x->done / BLK_TRANSFER_SIZE);
    respond(e, st, st == BLK_RESP_OK ? x->count : success, x->id);
    finish(e, s);
}

bool blk_engine_take_notify(blk_engine_t *e)
{
    bool n = e->notify;
    e->notify = false;
    return n;
}
