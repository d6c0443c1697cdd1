/*
 * drivers/blk/io_uring/ring.h - the block driver's io_uring: setup, the
 * engine's blk_ring_prep/blk_ring_submit (engine.h), and reaping.
 *
 * Setup asks for the cheapest completion delivery the kernel offers and
 * falls back step by step (each refusal is logged by the caller through
 * blk_ring_mode):
 *   1. DEFER_TASKRUN | SINGLE_ISSUER | TASKRUN_FLAG (Linux 6.1+): completions
 *      are posted only when the driver asks (blk_ring_reap), the registered
 *      eventfd is signalled once when the first one waits, and the
 *      IORING_SQ_TASKRUN flag lets a polling driver see that without a
 *      system call. No signal-style interruption of the driver.
 *   2. COOP_TASKRUN | TASKRUN_FLAG (5.19+): the same flag, posting on the
 *      next system call.
 *   3. no flags.
 * The disk descriptor is registered (fixed file) and so is the ring's own
 * descriptor, when the kernel allows; the IO regions are registered as
 * fixed buffers (index = IO table index) when RLIMIT_MEMLOCK allows (the
 * monitor raises it for the driver, when it may), else plain reads and
 * writes are used (correct, somewhat slower). Registration is not even
 * tried when the regions exceed the limit: the kernel would pin every page
 * first. Locked memory is accounted per uid, and the monitor gives PD i of
 * every system the same uid (MONITOR_PD_ID_BASE + i): two systems running at
 * once whose drivers have the same PD index share one budget, so the second
 * may be refused fixed buffers (ENOMEM) and fall back; the driver's "disk:"
 * line says which mode it got and why.
 */
#ifndef SDDF_DRIVERS_BLK_RING_H
#define SDDF_DRIVERS_BLK_RING_H

#include <liburing.h>
#include <stdbool.h>
#include <stdint.h>
#include <sddf/config.h>
#include <sddf/blk/config.h>

#include "engine.h"

typedef struct blk_ring {
    struct io_uring ring;
    int fd;             /* the disk (or 0 = fixed file index 0 when fixed_file) */
    bool fixed_file;    /* the disk is registered: SQEs use IOSQE_FIXED_FILE */
    bool fixed_buf;     /* the IO regions are registered fixed buffers */
    bool defer;         /* DEFER_TASKRUN: completions are posted by blk_ring_reap */
    bool taskrun_flag;  /* IORING_SQ_TASKRUN tells that completion work waits */
    unsigned flags;     /* setup flags in use */
    int buf_err;        /* 0, or why the fixed buffers were refused (-errno) */
    uint64_t buf_bytes; /* bytes of the IO regions */
    uint64_t buf_limit; /* > 0: registration skipped, RLIMIT_MEMLOCK (bytes) is below buf_bytes */
} blk_ring_t;

/**
 * Create the ring for @entries requests on disk @disk_fd, signalling
 * eventfd @efd on completions, with IO regions @io[0..@num_io) as fixed
 * buffers. Returns 0, or a negative errno if no ring could be made or the
 * eventfd could not be registered.
 */
int blk_ring_setup(blk_ring_t *r, int disk_fd, int efd, uint32_t entries,
                   const sddf_device_region_resource_t *io, uint32_t num_io);

/** A short description of what setup obtained ("defer_taskrun, fixed file, fixed buffers"). */
const char *blk_ring_mode(const blk_ring_t *r, char *buf, uint32_t len);

/**
 * Deliver every completion that is ready to blk_engine_complete(@e, ...),
 * first running deferred completion work if the kernel says some waits.
 * Returns the number of completions delivered.
 */
uint32_t blk_ring_reap(blk_ring_t *r, blk_engine_t *e);

/** True if completions are ready or completion work waits (no system call). */
bool blk_ring_pending(blk_ring_t *r);

/** Tear down the ring (unit tests; a PD just exits). */
void blk_ring_exit(blk_ring_t *r);

#endif /* SDDF_DRIVERS_BLK_RING_H */
