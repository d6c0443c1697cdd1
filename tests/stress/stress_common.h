/*
 * stress_common.h - the part of the network queue stress tests shared by the
 * two-process (eventfd) and the threaded (futex, ThreadSanitizer) variants:
 * configuration, the shared control block, the producer and consumer
 * handlers that run sDDF's "signal only when needed" protocol exactly as
 * components do, and the watchdog that turns a lost wake-up into a failure
 * naming the stuck side.
 *
 * Topology: one free/active queue pair. The producer (like a client's Tx
 * side) takes empty buffers from free, stamps a sequence number into the
 * buffer and its descriptor, and enqueues them on active; the consumer
 * checks every buffer arrives exactly once and in order and returns it
 * through free. Each side is the consumer of one queue and the producer of
 * the other, so both directions exercise the protocol. Channels: the
 * producer notifies STRESS_CH_ACTIVE (wakes the consumer), the consumer
 * notifies STRESS_CH_FREE (wakes the producer).
 */
#ifndef SDDF_TESTS_STRESS_COMMON_H
#define SDDF_TESTS_STRESS_COMMON_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sddf/net/queue.h>

/** Channel that wakes the consumer (active queue has work). */
#define STRESS_CH_ACTIVE 0
/** Channel that wakes the producer (free queue has buffers). */
#define STRESS_CH_FREE 1

/** Exit codes of the stress programs. */
enum stress_exit {
    STRESS_OK = 0,
    STRESS_FAIL = 1,        /* a check failed (order, duplicate, corrupt descriptor...) */
    STRESS_USAGE = 2,       /* bad arguments or setup error */
    STRESS_LOST_WAKEUP = 3, /* watchdog: no progress while work was pending */
    STRESS_TIMEOUT = 4,     /* overall time bound exceeded while still progressing */
};

/** Deliberate protocol bugs, to show the watchdog catches a lost wake-up. */
enum stress_broken {
    STRESS_BROKEN_NONE = 0,
    STRESS_BROKEN_NO_DOUBLE_CHECK, /* consumers sleep right after request_signal */
    STRESS_BROKEN_NO_FENCE,        /* request/require without the seq_cst fences */
};

/** Run parameters, from the command line and SDDF_STRESS_COUNT. */
typedef struct stress_config {
    uint64_t count;       /* buffers to send (default 10^7) */
    uint32_t capacity;    /* queue capacity, a valid net queue capacity */
    uint64_t seed;        /* PRNG seed for the random pauses */
    double stall_seconds; /* watchdog: no progress this long with work pending = failure */
    double timeout;       /* overall bound in seconds */
    enum stress_broken broken;
    bool expect_lost_wakeup; /* self-check: succeed only if the watchdog fires */
    bool no_pause;           /* no random pauses (throughput baseline) */
    bool pin;                /* pin producer and consumer to different CPUs */
} stress_config_t;

/** What a side is doing, as the watchdog sees it. */
enum stress_state {
    STRESS_STATE_INIT = 0,
    STRESS_STATE_RUNNING,
    STRESS_STATE_WAITING, /* blocked in wait() for its channel */
    STRESS_STATE_DONE,
    STRESS_STATE_FAILED,
};

/** Per-side counters, written by that side only (relaxed), read by the watchdog. */
typedef struct stress_side {
    _Atomic uint64_t progress; /* producer: buffers sent + buffers taken back; consumer: received */
    _Atomic uint64_t wakeups;  /* returns from wait() */
    _Atomic uint64_t idle_wakeups; /* wake-ups that found nothing to do */
    _Atomic uint64_t notifies;     /* notifications sent to the peer */
    _Atomic uint64_t rechecks;     /* double checks that found new work (the race, caught) */
    _Atomic uint32_t state;        /* enum stress_state */
    char pad[64 - 5 * 8 - 4];
} stress_side_t;
_Static_assert(sizeof(stress_side_t) == 64, "one cache line per side");

/** The control block both sides and the watchdog share. */
typedef struct stress_control {
    stress_side_t producer;
    stress_side_t consumer;
    _Atomic uint32_t error_claimed; /* the first failing side takes it, writes @error */
    _Atomic uint32_t failed;        /* then sets this: @error is complete */
    char error[256];
} stress_control_t;

/**
 * Everything a side needs. @notify signals the peer on a channel; @wait
 * blocks until this side's channel was signalled at least once since the
 * last wait (binary, coalescing, like an seL4 notification or a
 * non-semaphore eventfd). @os is the variant's private data.
 */
typedef struct stress_env {
    const stress_config_t *cfg;
    stress_control_t *ctl;
    net_queue_handle_t h; /* h.free and h.active: the shared pair */
    unsigned char *data;  /* data region: capacity * NET_BUFFER_SIZE bytes */
    void (*notify)(struct stress_env *env, int ch);
    void (*wait)(struct stress_env *env, int ch);
    void *os;
} stress_env_t;

/** Bytes of shared memory for the control block, both queues and the data region. */
size_t stress_shared_bytes(uint32_t capacity);

/**
 * Lay out and initialise (zeroed memory expected) @mem of
 * stress_shared_bytes() bytes into @env's pointers, and fill the free queue
 * with every buffer (net_buffers_init), as the system would before start.
 */
void stress_layout(stress_env_t *env, void *mem);

/** Parse arguments; prints usage and returns -1 on error. */
int stress_parse(stress_config_t *cfg, int argc, char **argv);

/** Print the configuration line (and the pinning decision) to stdout. */
void stress_print_config(const stress_config_t *cfg, const char *variant);

/**
 * The two CPUs to pin producer and consumer to: the first two in this
 * process's affinity mask. Returns false (and prints why) if fewer than 2.
 */
bool stress_pick_cpus(int *cpu_producer, int *cpu_consumer);

/** Run the producer side to completion. Returns STRESS_OK or STRESS_FAIL. */
int stress_run_producer(stress_env_t *env);

/** Run the consumer side to completion. Returns STRESS_OK or STRESS_FAIL. */
int stress_run_consumer(stress_env_t *env);

/**
 * Watch both sides until @finished(@arg) says they are done, a side fails,
 * there is no progress for cfg->stall_seconds (lost wake-up; prints which
 * side is stuck) or cfg->timeout passes. Returns an enum stress_exit value.
 */
int stress_watch(stress_env_t *env, bool (*finished)(void *arg), void *arg);

/** After a successful run: check final state, print rates and wake-ups. Returns an exit code. */
int stress_report(stress_env_t *env, double seconds);

/** Map the watchdog result to the process exit code (inverting it in self-check mode). */
int stress_exit_code(const stress_config_t *cfg, int result);

/** Monotonic time in seconds. */
double stress_now(void);

#endif /* SDDF_TESTS_STRESS_COMMON_H */
