/*
 * drivers/blk/io_uring/driver.c - the block driver for a disk image file or
 * a block device, through io_uring (program blk_driver_io_uring).
 *
 * It only translates between the sDDF block queues and the disk (sDDF
 * design: no policy, no clients): READ/WRITE become io_uring reads/writes
 * from/to the data regions, which are registered as fixed buffers (plain
 * reads/writes if registration is refused); FLUSH becomes fdatasync; a
 * BARRIER stops intake until everything before it has completed (a drain).
 * Many requests are in flight and complete out of order. A short transfer
 * is continued from where it stopped; an error or end of file ends the
 * request with BLK_RESP_ERR_IO and success_count = whole blocks done.
 *
 * The IRQ is an eventfd registered with io_uring (readable = a completion
 * was posted). Handlers: blk_complete (CQ -> responses), blk_intake
 * (requests -> SQ), then submit and notify the virtualiser (always: the
 * block class does not use the signalling flags).
 */
#include <errno.h>
#include <liburing.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#include <sddf/os.h>
#include <sddf/host/device.h>

#include "../../../blk/components/blk_checks.h"
#include "disk.h"
#include "io_table.h"

#define MAX_RETRIES 16u /* continuations of one short transfer, or EAGAIN/EINTR retries */

typedef struct slot {
    uint64_t disk_off; /* byte offset of the request on the disk */
    uint8_t *ptr;
    uint32_t len, done; /* bytes */
    uint32_t id;
    int buf; /* fixed-buffer index */
    uint16_t count;
    uint8_t code;
    uint8_t retries;
} slot_t;

static struct {
    const blk_driver_config_t *cfg;
    blk_queue_handle_t q;
    blk_storage_info_t *info;
    blk_disk_t disk;
    int fd, efd;
    struct io_uring ring;
    bool fixed;
    uint64_t blocks;
    uint32_t in_flight; /* accepted, not yet answered (a pending barrier counts) */
    bool barrier;       /* a barrier waits for in_flight to drain */
    uint32_t barrier_id;
    bool notify;
    uint32_t num_free;
    uint32_t free_slots[BLK_MAX_QUEUE_CAPACITY];
    slot_t slots[BLK_MAX_QUEUE_CAPACITY];
    uint64_t *reads, *writes, *flushes, *barriers, *errors, *bad, *short_io;
} d;

static void respond(blk_resp_status_t st, uint16_t success, uint32_t id)
{
    if (blk_enqueue_resp(&d.q, st, success, id) != 0)
        sddf_stat_add(d.bad, 1); /* room was checked at intake: only a corrupt queue */
    if (st != BLK_RESP_OK)
        sddf_stat_add(d.errors, 1);
    d.notify = true;
}

/* Queue (or re-queue) slot @s's remaining work. */
static void prep(uint32_t s)
{
    slot_t *x = &d.slots[s];
    struct io_uring_sqe *sqe = io_uring_get_sqe(&d.ring);
    if (sqe == NULL) { /* the SQ holds the queue capacity: only if the kernel lags */
        io_uring_submit(&d.ring);
        sqe = io_uring_get_sqe(&d.ring);
    }
    if (sqe == NULL) {
        sddf_fatal("io_uring submission queue full");
    }
    uint8_t *p = x->ptr + x->done;
    uint32_t n = x->len - x->done;
    uint64_t off = x->disk_off + x->done;
    if (x->code == BLK_REQ_FLUSH)
        io_uring_prep_fsync(sqe, d.fd, IORING_FSYNC_DATASYNC);
    else if (x->code == BLK_REQ_READ)
        d.fixed ? io_uring_prep_read_fixed(sqe, d.fd, p, n, off, x->buf)
                : io_uring_prep_read(sqe, d.fd, p, n, off);
    else
        d.fixed ? io_uring_prep_write_fixed(sqe, d.fd, p, n, off, x->buf)
                : io_uring_prep_write(sqe, d.fd, p, n, off);
    io_uring_sqe_set_data64(sqe, s);
}

/* Accept request @r (a private copy): answer it at once, or start it. */
static void start(const blk_req_t *r)
{
    if (r->code == BLK_REQ_BARRIER) {
        sddf_stat_add(d.barriers, 1);
        if (d.in_flight == 0) {
            respond(BLK_RESP_OK, 0, r->id);
        } else {
            d.barrier = true;
            d.barrier_id = r->id;
            d.in_flight++;
        }
        return;
    }
    slot_t x = {.id = r->id, .code = (uint8_t)r->code, .count = r->count};
    if (r->code == BLK_REQ_READ || r->code == BLK_REQ_WRITE) {
        uint64_t len = (uint64_t)r->count * BLK_TRANSFER_SIZE;
        blk_io_hit_t h =
            blk_io_lookup(d.cfg->io_regions, d.cfg->num_io_regions, r->io_or_offset, len);
        if (r->count == 0 || r->block_number >= d.blocks || r->count > d.blocks - r->block_number ||
            h.index < 0) {
            respond(BLK_RESP_ERR_INVALID_PARAM, 0, r->id);
            return;
        }
        x.ptr = h.ptr;
        x.buf = h.index;
        x.len = (uint32_t)len;
        x.disk_off = r->block_number * BLK_TRANSFER_SIZE;
        sddf_stat_add(r->code == BLK_REQ_READ ? d.reads : d.writes, 1);
    } else if (r->code == BLK_REQ_FLUSH) {
        sddf_stat_add(d.flushes, 1);
    } else {
        respond(BLK_RESP_ERR_INVALID_PARAM, 0, r->id);
        return;
    }
    uint32_t s = d.free_slots[--d.num_free];
    d.slots[s] = x;
    d.in_flight++;
    prep(s);
}

/* Requests -> SQ, while responses are sure to fit and no barrier waits. */
static void blk_intake(void)
{
    for (;;) {
        if (d.barrier || blk_queue_empty_req(&d.q))
            return;
        uint32_t pending = blk_queue_length_resp(&d.q);
        if (pending >= d.q.capacity || d.in_flight >= d.q.capacity - pending || d.num_free == 0)
            return;
        blk_req_t r;
        if (blk_dequeue_req_entry(&d.q, &r) != 0)
            return;
        start(&r);
    }
}

/* One completion of slot @s with result @res. */
static void complete(uint32_t s, int res)
{
    slot_t *x = &d.slots[s];
    blk_resp_status_t st = BLK_RESP_OK;
    if ((res == -EAGAIN || res == -EINTR) && x->retries < MAX_RETRIES) {
        x->retries++;
        prep(s);
        return;
    }
    if (res < 0) {
        st = BLK_RESP_ERR_IO;
    } else if (x->code != BLK_REQ_FLUSH) {
        x->done += (uint32_t)res;
        if (x->done < x->len) {
            sddf_stat_add(d.short_io, 1);
            if (res > 0 && x->retries < MAX_RETRIES) {
                x->retries++;
                prep(s); /* continue a short transfer where it stopped */
                return;
            }
            st = BLK_RESP_ERR_IO; /* end of file or no progress */
        }
    }
    uint16_t success = x->code == BLK_REQ_FLUSH ? 0 : (uint16_t)(x->done / BLK_TRANSFER_SIZE);
    respond(st, st == BLK_RESP_OK ? x->count : success, x->id);
    d.free_slots[d.num_free++] = s;
    d.in_flight--;
    if (d.barrier && d.in_flight == 1) { /* only the barrier itself is left */
        d.barrier = false;
        d.in_flight = 0;
        respond(BLK_RESP_OK, 0, d.barrier_id);
    }
}

/* CQ -> responses. */
static void blk_complete(void)
{
    struct io_uring_cqe *cqes[64];
    unsigned n;
    while ((n = io_uring_peek_batch_cqe(&d.ring, cqes, 64)) > 0) {
        for (unsigned i = 0; i < n; i++) {
            uint64_t s = io_uring_cqe_get_data64(cqes[i]);
            int res = cqes[i]->res;
            if (s < d.q.capacity)
                complete((uint32_t)s, res);
            else
                sddf_stat_add(d.bad, 1);
        }
        io_uring_cq_advance(&d.ring, n);
    }
}

static void setup_ring(void)
{
    int rc = io_uring_queue_init(d.q.capacity, &d.ring, 0);
    if (rc < 0)
        sddf_fatal("io_uring_queue_init(%u): %s", d.q.capacity, strerror(-rc));
    struct iovec iov[SDDF_BLK_MAX_IO_REGIONS];
    for (uint32_t i = 0; i < d.cfg->num_io_regions; i++)
        iov[i] = (struct iovec){sddf_region_ptr(&d.cfg->io_regions[i].region),
                                d.cfg->io_regions[i].region.size};
    rc = io_uring_register_buffers(&d.ring, iov, d.cfg->num_io_regions);
    d.fixed = rc == 0;
    if (!d.fixed)
        sddf_log("fixed buffers refused (%s): using plain reads and writes", strerror(-rc));
    rc = io_uring_register_eventfd(&d.ring, d.efd);
    if (rc < 0)
        sddf_fatal("io_uring_register_eventfd: %s", strerror(-rc));
}

void init(void)
{
    memset(&d, 0, sizeof(d));
    d.cfg = blk_config_get(BLK_ROLE_DRIVER, sizeof(*d.cfg), "blk driver");
    d.q = blk_check_conn(&d.cfg->virt, "blk driver");
    d.info = sddf_region_ptr(&d.cfg->virt.storage_info);
    if (d.cfg->num_io_regions == 0 || d.cfg->num_io_regions > SDDF_BLK_MAX_IO_REGIONS)
        sddf_fatal("blk driver: %u IO regions", d.cfg->num_io_regions);
    for (uint32_t i = 0; i < d.cfg->num_io_regions; i++)
        blk_check_data(&d.cfg->io_regions[i], "blk driver: IO region");
    d.fd = sddf_host_device_fd(d.cfg->device_id);
    d.efd = sddf_host_irq_fd(d.cfg->irq_id);
    if (d.fd < 0 || d.efd < 0)
        sddf_fatal("blk driver: no disk (device %u) or no eventfd IRQ (channel %u)",
                   d.cfg->device_id, d.cfg->irq_id);
    int rc = blk_disk_probe(d.fd, &d.disk);
    if (rc < 0)
        sddf_fatal("blk driver: cannot use the disk descriptor: %s", strerror(-rc));
    d.blocks = d.disk.bytes / BLK_TRANSFER_SIZE;
    for (uint32_t i = 0; i < d.q.capacity; i++)
        d.free_slots[i] = d.q.capacity - 1 - i;
    d.num_free = d.q.capacity;
    setup_ring();
    sddf_log("disk: %llu blocks of 4 KiB, %u-byte sectors, %s, %s, %s",
             (unsigned long long)d.blocks, d.disk.sector_size,
             d.disk.read_only ? "read-only" : "read-write",
             d.disk.direct ? "O_DIRECT" : "buffered I/O (no O_DIRECT on this file system)",
             d.fixed ? "fixed buffers" : "plain buffers");
    if (d.disk.bytes % BLK_TRANSFER_SIZE != 0)
        sddf_log("the last %llu bytes (less than a 4 KiB block) are not used",
                 (unsigned long long)(d.disk.bytes % BLK_TRANSFER_SIZE));
    d.reads = sddf_stat_counter("reads");
    d.writes = sddf_stat_counter("writes");
    d.flushes = sddf_stat_counter("flushes");
    d.barriers = sddf_stat_counter("barriers");
    d.errors = sddf_stat_counter("errors");
    d.bad = sddf_stat_counter("bad");
    d.short_io = sddf_stat_counter("short_transfers");
    snprintf(d.info->serial_number, sizeof(d.info->serial_number), "io_uring-%s", d.disk.serial);
    d.info->read_only = d.disk.read_only;
    d.info->sector_size = (uint16_t)d.disk.sector_size;
    d.info->block_size = 1;
    d.info->queue_depth = (uint16_t)(d.q.capacity > 0xFFFF ? 0xFFFF : d.q.capacity);
    d.info->capacity = d.blocks;
    blk_storage_set_ready(d.info, true);
    sddf_notify(d.cfg->virt.id);
}

void notified(sddf_channel ch)
{
    if (ch == d.cfg->irq_id) {
        uint64_t v;
        if (read(d.efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
            sddf_stat_add(d.bad, 1);
        sddf_irq_ack(ch);
    }
    blk_complete();
    blk_intake();
    if (io_uring_sq_ready(&d.ring) > 0)
        io_uring_submit(&d.ring);
    if (d.notify)
        sddf_notify(d.cfg->virt.id);
    d.notify = false;
}
