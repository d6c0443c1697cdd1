/*
 * drivers/blk/io_uring/ring.c - see ring.h.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/uio.h>
#include <time.h>

#include "ring.h"

#define BUF_TRIES    10
#define BUF_RETRY_NS 20000000L /* 20 ms */

/* Setup flags, cheapest completion delivery first (see ring.h). */
static const unsigned setup_tries[] = {
    IORING_SETUP_DEFER_TASKRUN | IORING_SETUP_SINGLE_ISSUER | IORING_SETUP_TASKRUN_FLAG,
    IORING_SETUP_COOP_TASKRUN | IORING_SETUP_TASKRUN_FLAG,
    0,
};

int blk_ring_setup(blk_ring_t *r, int disk_fd, int efd, uint32_t entries,
                   const sddf_device_region_resource_t *io, uint32_t num_io)
{
    memset(r, 0, sizeof(*r));
    int rc = -EINVAL;
    for (size_t i = 0; i < sizeof(setup_tries) / sizeof(setup_tries[0]); i++) {
        rc = io_uring_queue_init(entries, &r->ring, setup_tries[i]);
        if (rc == 0) {
            r->flags = setup_tries[i];
            break;
        }
    }
    if (rc < 0)
        return rc;
    r->defer = (r->flags & IORING_SETUP_DEFER_TASKRUN) != 0;
    r->taskrun_flag = (r->flags & IORING_SETUP_TASKRUN_FLAG) != 0;
    r->fd = disk_fd;
    if (io_uring_register_files(&r->ring, &disk_fd, 1) == 0) {
        r->fixed_file = true;
        r->fd = 0; /* index in the registered file table */
    }
    (void)io_uring_register_ring_fd(&r->ring); /* saves a file lookup per enter, if allowed */
    struct iovec iov[SDDF_BLK_MAX_IO_REGIONS];
    if (num_io > SDDF_BLK_MAX_IO_REGIONS)
        num_io = SDDF_BLK_MAX_IO_REGIONS;
    r->buf_bytes = 0;
    for (uint32_t i = 0; i < num_io; i++) {
        iov[i] = (struct iovec){(void *)(uintptr_t)io[i].region.vaddr, io[i].region.size};
        r->buf_bytes += io[i].region.size;
    }
    /* Registering pins (and so first faults in) every page before the kernel checks
       RLIMIT_MEMLOCK: with regions larger than the limit that costs their size in RAM and
       time, ten times over with the retries below, only to fail. Skip what cannot succeed. */
    struct rlimit rl;
    if (num_io > 0 && getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        r->buf_bytes > rl.rlim_cur) {
        r->buf_limit = rl.rlim_cur;
        r->buf_err = -ENOMEM;
        num_io = 0;
    }
    /* Pinned pages count against RLIMIT_MEMLOCK for the whole user (uid), and a ring that was
       just closed (a restarted or previous driver) is released asynchronously: retry briefly. */
    for (int i = 0; num_io > 0 && i < BUF_TRIES; i++) {
        r->buf_err = io_uring_register_buffers(&r->ring, iov, num_io);
        if (r->buf_err != -ENOMEM)
            break;
        nanosleep(&(struct timespec){0, BUF_RETRY_NS}, NULL);
    }
    r->fixed_buf = num_io > 0 && r->buf_err == 0 && r->buf_limit == 0;
    rc = io_uring_register_eventfd(&r->ring, efd);
    if (rc < 0) {
        io_uring_queue_exit(&r->ring);
        return rc;
    }
    return 0;
}

const char *blk_ring_mode(const blk_ring_t *r, char *buf, uint32_t len)
{
    char why[128] = "";
    if (!r->fixed_buf && r->buf_limit > 0)
        snprintf(why, sizeof(why),
                 " (fixed buffers skipped: %llu KiB of IO regions, RLIMIT_MEMLOCK %llu KiB)",
                 (unsigned long long)(r->buf_bytes >> 10),
                 (unsigned long long)(r->buf_limit >> 10));
    else if (!r->fixed_buf && r->buf_err < 0)
        snprintf(why, sizeof(why), " (fixed buffers refused: %s)", strerror(-r->buf_err));
    snprintf(buf, len, "%s, %s, %s%s",
             r->defer                                      ? "defer_taskrun"
             : (r->flags & IORING_SETUP_COOP_TASKRUN) != 0 ? "coop_taskrun"
                                                           : "default task work",
             r->fixed_file ? "fixed file" : "plain file",
             r->fixed_buf ? "fixed buffers" : "plain buffers", why);
    return buf;
}

int blk_ring_prep(blk_engine_t *e, uint32_t slot, uint8_t code, uint8_t *ptr, uint32_t len,
                  uint64_t off, int buf)
{
    blk_ring_t *r = e->ring;
    struct io_uring_sqe *sqe = io_uring_get_sqe(&r->ring);
    if (sqe == NULL) { /* the SQ holds the queue capacity and is submitted often: only if the
                          kernel lags */
        io_uring_submit(&r->ring);
        sqe = io_uring_get_sqe(&r->ring);
        if (sqe == NULL)
            return -1;
    }
    if (code == BLK_REQ_FLUSH)
        io_uring_prep_fsync(sqe, r->fd, IORING_FSYNC_DATASYNC);
    else if (code == BLK_REQ_READ)
        r->fixed_buf ? io_uring_prep_read_fixed(sqe, r->fd, ptr, len, off, buf)
                     : io_uring_prep_read(sqe, r->fd, ptr, len, off);
    else
        r->fixed_buf ? io_uring_prep_write_fixed(sqe, r->fd, ptr, len, off, buf)
                     : io_uring_prep_write(sqe, r->fd, ptr, len, off);
    if (r->fixed_file)
        sqe->flags |= IOSQE_FIXED_FILE;
    io_uring_sqe_set_data64(sqe, slot);
    return 0;
}

void blk_ring_submit(blk_engine_t *e)
{
    blk_ring_t *r = e->ring;
    /* A failure leaves the SQEs queued; the driver submits again after each handler. */
    (void)io_uring_submit(&r->ring);
}

/* Completion work waits in the kernel (only known with TASKRUN_FLAG). */
static bool taskrun_waiting(blk_ring_t *r)
{
    return r->taskrun_flag &&
           (__atomic_load_n(r->ring.sq.kflags, __ATOMIC_ACQUIRE) & IORING_SQ_TASKRUN) != 0;
}

bool blk_ring_pending(blk_ring_t *r)
{
    return io_uring_cq_ready(&r->ring) > 0 || taskrun_waiting(r);
}

uint32_t blk_ring_reap(blk_ring_t *r, blk_engine_t *e)
{
    if (taskrun_waiting(r) || (r->defer && !r->taskrun_flag))
        (void)io_uring_get_events(&r->ring); /* post the deferred completions */
    struct io_uring_cqe *cqes[64];
    uint32_t total = 0;
    unsigned n;
    while ((n = io_uring_peek_batch_cqe(&r->ring, cqes, 64)) > 0) {
        for (unsigned i = 0; i < n; i++)
            blk_engine_complete(e, io_uring_cqe_get_data64(cqes[i]), cqes[i]->res);
        io_uring_cq_advance(&r->ring, n);
        total += n;
    }
    return total;
}

void blk_ring_exit(blk_ring_t *r)
{
    io_uring_queue_exit(&r->ring);
}
