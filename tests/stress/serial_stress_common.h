/*
 * serial_stress_common.h - the part of the serial ring stress tests shared by
 * the two-process (memfd + eventfd) and the threaded (futex, for
 * ThreadSanitizer) variants: options, the shared block, the producer and
 * consumer that run sDDF's serial signalling protocol (producer-requested,
 * PROTOCOLS 3.2 "Serial form") exactly as components do, and the watchdog
 * that turns a lost wake-up into a failure.
 *
 * The producer writes a pseudo-random byte stream in random batches
 * (serial_enqueue_batch_local + serial_update_shared_tail) and always
 * notifies the consumer; when the ring is full it asks for a signal
 * (serial_request_consumer_signal), re-checks the free space (the double
 * check) and sleeps only if there is still none. The consumer checks every
 * byte in order, publishes its head in random steps and notifies the
 * producer only if it asked (serial_require_consumer_signal). Random pauses
 * sit in the race windows.
 *
 * Exit codes: SSTRESS_OK 0; FAIL 1 (a byte out of order, or a side failed);
 * USAGE 2; LOST 3 (no progress while the producer sleeps with room in the
 * ring); TIMEOUT 4. --broken no-double-check skips the re-check; with
 * --expect-lost-wakeup the run passes only if the watchdog catches that.
 */
#ifndef SDDF_TESTS_SERIAL_STRESS_COMMON_H
#define SDDF_TESTS_SERIAL_STRESS_COMMON_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sddf/serial/queue.h>

enum { SSTRESS_OK = 0, SSTRESS_FAIL = 1, SSTRESS_USAGE = 2, SSTRESS_LOST = 3, SSTRESS_TIMEOUT = 4 };

/** Sides, also the index of the channel that wakes them. */
enum { SSTRESS_PRODUCER = 0, SSTRESS_CONSUMER = 1 };

/** What a side is doing, as the watchdog sees it. */
enum { SSTRESS_RUNNING = 0, SSTRESS_WAITING = 1, SSTRESS_DONE = 2 };

/** The block both sides share (a memfd or plain memory), followed by the ring's data. */
typedef struct sstress_shared {
    serial_queue_t q;
    _Atomic uint64_t progress[2]; /* producer bytes sent, consumer bytes checked */
    _Atomic uint32_t state[2];
    _Atomic uint32_t failed;
    char data[];
} sstress_shared_t;

/** One run: options, the shared block, and the variant's notify and wait. */
typedef struct sstress {
    uint32_t capacity; /* ring bytes, a valid serial capacity */
    uint64_t bytes;    /* stream length */
    double timeout;    /* overall bound, seconds */
    double stall;      /* no progress this long = stuck */
    bool broken;       /* skip the producer's double check */
    bool expect_lost;  /* self-check: pass only if the watchdog fires */
    sstress_shared_t *sh;
    serial_queue_handle_t h;
    void (*notify)(struct sstress *s, int side); /* wake @side (binary, coalescing) */
    void (*wait)(struct sstress *s, int side);   /* @side sleeps until notified */
    void *os;                                    /* the variant's own data */
} sstress_t;

/** Parse the options into @s (defaults first). Returns 0, or -1 after printing usage. */
int sstress_parse(sstress_t *s, int argc, char **argv);

/** Bytes of the shared block for a ring of @capacity. */
size_t sstress_shared_bytes(uint32_t capacity);

/** Bind @s to @mem (zeroed, sstress_shared_bytes long) and set the ring up. */
void sstress_layout(sstress_t *s, void *mem);

/** Run the producer side to the end. Returns SSTRESS_OK. */
int sstress_producer(sstress_t *s);

/** Run the consumer side to the end. Returns SSTRESS_OK or SSTRESS_FAIL. */
int sstress_consumer(sstress_t *s);

/**
 * Watch until @poll(@arg) returns an exit code (both sides ended: OK or
 * FAIL; -1 while running), a stall (SSTRESS_LOST if the producer sleeps with
 * room, else SSTRESS_FAIL) or the timeout. Prints the verdict.
 */
int sstress_watch(sstress_t *s, int (*poll)(void *arg), void *arg);

/** Map the result to the process exit code (inverted in self-check mode); prints it. */
int sstress_exit_code(const sstress_t *s, int rc, double seconds);

/** Monotonic time in seconds. */
double sstress_now(void);

#endif /* SDDF_TESTS_SERIAL_STRESS_COMMON_H */
