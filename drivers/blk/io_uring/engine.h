/*
 * drivers/blk/io_uring/engine.h - the block driver's request engine: the
 * part of blk_driver_io_uring that turns sDDF block requests into disk I/O
 * and completions into responses, independent of how the I/O is issued.
 *
 * The engine issues I/O through three functions it does not define
 * (blk_ring_prep, blk_ring_submit, declared below): the driver links it with
 * ring.c (liburing), the unit test (tests/unit/test_blk_driver.c) with a
 * fake ring that completes I/O however the test says (short transfers,
 * EAGAIN, errors, any order). Completions come back through
 * blk_engine_complete, one call per CQE.
 *
 * Rules (sDDF block protocol, PROTOCOLS 3.4):
 *  - READ/WRITE of `count` 4 KiB blocks at `block_number`; the IO address
 *    must lie inside one registered IO region and the range inside the disk,
 *    else BLK_RESP_ERR_INVALID_PARAM with success_count 0. A disk whose size
 *    is not a multiple of 4 KiB has `tail` bytes in a final partial block:
 *    a READ may cover it (block `blocks`), and the bytes past the end of the
 *    disk read as zeros, so that the virtualiser can read a GPT backup in
 *    the last sector (sddf/blk/storage_info.h); a WRITE may not. A WRITE to a
 *    read-only disk is refused the same way (the virtualiser refuses it
 *    first; the driver does not trust it to).
 *  - FLUSH becomes fdatasync (answered OK on a read-only disk too: nothing
 *    is dirty, and Linux allows fdatasync on a read-only descriptor).
 *  - BARRIER: no request after it starts before every request before it has
 *    completed; it is answered when that is so (at once if nothing is in
 *    flight).
 *  - A short transfer is continued from where it stopped (up to
 *    BLK_ENGINE_MAX_RETRIES times); -EAGAIN and -EINTR are retried the same
 *    way. End of file, an error, or too many retries end the request with
 *    BLK_RESP_ERR_IO and success_count = whole blocks done before it.
 *  - A request is taken from the queue only if its response is sure to fit
 *    the response queue (responses pending + in flight < capacity).
 * Every value read from shared memory is a private copy, checked before use;
 * an impossible completion (an unknown slot) is counted in `bad`.
 */
#ifndef SDDF_DRIVERS_BLK_ENGINE_H
#define SDDF_DRIVERS_BLK_ENGINE_H

#include <stdbool.h>
#include <stdint.h>
#include <sddf/config.h>
#include <sddf/blk/queue.h>

/** Continuations of one short transfer, or EAGAIN/EINTR retries, before BLK_RESP_ERR_IO. */
#define BLK_ENGINE_MAX_RETRIES 16u

/** One accepted request being worked on (index = the I/O's user data). */
typedef struct blk_engine_slot {
    uint64_t disk_off; /* byte offset of the request on the disk */
    uint8_t *ptr;      /* its buffer (NULL for FLUSH) */
    uint32_t len;      /* bytes asked for */
    uint32_t done;     /* bytes transferred so far */
    uint32_t id;       /* the requester's id, returned in the response */
    int buf;           /* IO region index = fixed-buffer index */
    uint16_t count;    /* blocks asked for */
    uint8_t code;      /* BLK_REQ_READ, _WRITE or _FLUSH */
    uint8_t retries;
} blk_engine_slot_t;

/** Counters the engine adds to (each points at a statistics counter, or a test's variable). */
typedef struct blk_engine_stats {
    uint64_t *reads, *writes, *flushes, *barriers, *errors, *bad, *short_io, *retries;
} blk_engine_stats_t;

/** The engine's state (one per driver; large: keep it static). */
typedef struct blk_engine {
    void *ring;                              /* blk_ring_prep's own state (ring.c's, or a fake's) */
    blk_queue_handle_t q;                    /* driver side: consume requests, produce responses */
    const sddf_device_region_resource_t *io; /* the IO table: region i = fixed buffer i */
    uint32_t num_io;
    uint64_t blocks; /* disk size in whole 4 KiB blocks */
    uint32_t tail;   /* bytes of a final partial block (0..4095): READ-only, as block `blocks` */
    bool read_only;
    uint32_t in_flight; /* accepted, not yet answered (a waiting barrier counts) */
    bool barrier;       /* a barrier waits for in_flight to drain */
    uint32_t barrier_id;
    bool notify; /* a response was produced since blk_engine_take_notify */
    uint32_t num_free;
    blk_engine_stats_t st;
    uint32_t free_slots[BLK_MAX_QUEUE_CAPACITY];
    blk_engine_slot_t slots[BLK_MAX_QUEUE_CAPACITY];
} blk_engine_t;

/**
 * Queue the I/O (or its remaining part) of slot @slot of @e: READ/WRITE of
 * @len bytes at @ptr from/to disk byte @off (@buf: fixed-buffer index), or
 * FLUSH (@ptr NULL, @len 0). Its completion must come back as
 * blk_engine_complete(@e, @slot, res). Defined by ring.c or a test's fake.
 * Returns 0, or -1 if it cannot be queued (the engine answers BLK_RESP_ERR_IO).
 */
int blk_ring_prep(blk_engine_t *e, uint32_t slot, uint8_t code, uint8_t *ptr, uint32_t len,
                  uint64_t off, int buf);

/** Hand what blk_ring_prep queued to the kernel (called once per accepted request). */
void blk_ring_submit(blk_engine_t *e);

/**
 * Set up @e for queue @q, IO table @io[0..@num_io), a disk of @blocks 4 KiB
 * blocks, read-only or not, and counters @st (every pointer non-NULL). No
 * partial tail block: set e->tail afterwards for one.
 */
void blk_engine_init(blk_engine_t *e, blk_queue_handle_t q, const sddf_device_region_resource_t *io,
                     uint32_t num_io, uint64_t blocks, bool read_only, blk_engine_stats_t st);

/**
 * Take requests while their responses are sure to fit and no barrier waits:
 * answer bad ones at once, start the others (one blk_ring_submit each, so
 * the device starts on the first while later ones are prepared). Returns the
 * number of requests taken.
 */
uint32_t blk_engine_intake(blk_engine_t *e);

/** One completion: slot @slot (the I/O's user data, unchecked) finished with @res (bytes or
 * -errno). */
void blk_engine_complete(blk_engine_t *e, uint64_t slot, int res);

/** True if intake could take a request now (the queue is not empty and no barrier waits). */
bool blk_engine_can_take(blk_engine_t *e);

/** True if a response was produced since the last call (then the virtualiser must be notified). */
bool blk_engine_take_notify(blk_engine_t *e);

#endif /* SDDF_DRIVERS_BLK_ENGINE_H */
