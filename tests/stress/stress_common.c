/*
 * stress_common.c - producer and consumer handlers, watchdog and report of
 * the network queue stress tests (see stress_common.h).
 *
 * Each handler has the three phases of an sDDF component (sDDF design,
 * "signal only when needed"): process the queues; register for the next
 * event with the double check (request_signal, re-check, cancel and go
 * again if work appeared); notify the peer if it asked (require_signal,
 * cancel_signal, notify). Random pauses sit between every step, including
 * between processing and request_signal and between enqueue and
 * require_signal, to widen the race windows the protocol must close.
 */
#include "stress_common.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define PAGE           4096u
#define ROUND_UP(x, a) (((x) + (a)-1) / (a) * (a))

/* Shared memory layout: control block, free queue, active queue, data; each page aligned. */
static size_t off_free(void)
{
    return ROUND_UP(sizeof(stress_control_t), PAGE);
}

static size_t off_active(uint32_t cap)
{
    return off_free() + ROUND_UP(NET_QUEUE_BYTES(cap), PAGE);
}

static size_t off_data(uint32_t cap)
{
    return off_active(cap) + ROUND_UP(NET_QUEUE_BYTES(cap), PAGE);
}

size_t stress_shared_bytes(uint32_t capacity)
{
    return off_data(capacity) + (size_t)capacity * NET_BUFFER_SIZE;
}

void stress_layout(stress_env_t *env, void *mem)
{
    unsigned char *base = mem;
    uint32_t cap = env->cfg->capacity;
    env->ctl = (stress_control_t *)base;
    (void)net_queue_init(&env->h, (net_queue_t *)(base + off_free()),
                         (net_queue_t *)(base + off_active(cap)), cap);
    env->data = base + off_data(cap);
    (void)net_buffers_init(&env->h, 0);
}

double stress_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* ---- configuration ---------------------------------------------------------- */

static void usage(const char *prog)
{
    fprintf(stderr,
            "usage: %s [--count N] [--capacity C] [--seed S] [--stall SECONDS]\n"
            "          [--timeout SECONDS] [--no-pause] [--no-pin]\n"
            "          [--broken no-double-check|no-fence] [--expect-lost-wakeup]\n"
            "  --count defaults to $SDDF_STRESS_COUNT, else 10000000.\n"
            "  --broken deliberately breaks the protocol (manual tool / self-check);\n"
            "  --expect-lost-wakeup exits 0 only if the watchdog catches a lost wake-up.\n",
            prog);
}

static int parse_u64(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0')
        return -1;
    *out = v;
    return 0;
}

static int parse_seconds(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !(v > 0) || v > 1e6)
        return -1;
    *out = v;
    return 0;
}

int stress_parse(stress_config_t *cfg, int argc, char **argv)
{
    static const struct option opts[] = {
        {"count", required_argument, NULL, 'n'},
        {"capacity", required_argument, NULL, 'c'},
        {"seed", required_argument, NULL, 's'},
        {"stall", required_argument, NULL, 'w'},
        {"timeout", required_argument, NULL, 't'},
        {"broken", required_argument, NULL, 'b'},
        {"expect-lost-wakeup", no_argument, NULL, 'x'},
        {"no-pause", no_argument, NULL, 'p'},
        {"no-pin", no_argument, NULL, 'P'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *cfg = (stress_config_t){.count = 10000000,
                             .capacity = 2,
                             .seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32),
                             .stall_seconds = 10,
                             .timeout = 300,
                             .pin = true};
    const char *env_count = getenv("SDDF_STRESS_COUNT");
    if (env_count != NULL && *env_count != '\0' && parse_u64(env_count, &cfg->count) != 0) {
        fprintf(stderr, "bad SDDF_STRESS_COUNT '%s'\n", env_count);
        return -1;
    }
    int c;
    uint64_t v;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n':
            if (parse_u64(optarg, &cfg->count) != 0)
                goto bad;
            break;
        case 'c':
            if (parse_u64(optarg, &v) != 0 || v > UINT32_MAX ||
                !net_queue_capacity_valid((uint32_t)v))
                goto bad;
            cfg->capacity = (uint32_t)v;
            break;
        case 's':
            if (parse_u64(optarg, &cfg->seed) != 0)
                goto bad;
            break;
        case 'w':
            if (parse_seconds(optarg, &cfg->stall_seconds) != 0)
                goto bad;
            break;
        case 't':
            if (parse_seconds(optarg, &cfg->timeout) != 0)
                goto bad;
            break;
        case 'b':
            if (strcmp(optarg, "no-double-check") == 0)
                cfg->broken = STRESS_BROKEN_NO_DOUBLE_CHECK;
            else if (strcmp(optarg, "no-fence") == 0)
                cfg->broken = STRESS_BROKEN_NO_FENCE;
            else if (strcmp(optarg, "none") == 0)
                cfg->broken = STRESS_BROKEN_NONE;
            else
                goto bad;
            break;
        case 'x':
            cfg->expect_lost_wakeup = true;
            break;
        case 'p':
            cfg->no_pause = true;
            break;
        case 'P':
            cfg->pin = false;
            break;
        default:
            goto bad;
        }
    }
    if (optind != argc || cfg->count == 0)
        goto bad;
    return 0;
bad:
    usage(argv[0]);
    return -1;
}

void stress_print_config(const stress_config_t *cfg, const char *variant)
{
    static const char *const broken[] = {"none", "no-double-check", "no-fence"};
    printf("%s: capacity %" PRIu32 ", %" PRIu64 " buffers, seed %" PRIu64
           ", stall %.1f s, timeout %.0f s, pauses %s, broken %s%s\n",
           variant, cfg->capacity, cfg->count, cfg->seed, cfg->stall_seconds, cfg->timeout,
           cfg->no_pause ? "off" : "on", broken[cfg->broken],
           cfg->expect_lost_wakeup ? " (self-check: expecting a lost wake-up)" : "");
    fflush(stdout);
}

bool stress_pick_cpus(int *cpu_producer, int *cpu_consumer)
{
    cpu_set_t set;
    CPU_ZERO(&set);
    if (sched_getaffinity(0, sizeof(set), &set) != 0) {
        printf("sched_getaffinity failed (%s): not pinning\n", strerror(errno));
        return false;
    }
    int found = 0, cpus[2] = {-1, -1};
    for (int i = 0; i < CPU_SETSIZE && found < 2; i++)
        if (CPU_ISSET(i, &set))
            cpus[found++] = i;
    if (found < 2) {
        printf("fewer than 2 CPUs available: producer and consumer NOT pinned to different "
               "cores (the test is weaker: no true parallelism)\n");
        return false;
    }
    *cpu_producer = cpus[0];
    *cpu_consumer = cpus[1];
    printf("pinning producer to CPU %d, consumer to CPU %d\n", cpus[0], cpus[1]);
    fflush(stdout);
    return true;
}

/* ---- one side ------------------------------------------------------------------ */

typedef struct side {
    stress_env_t *env;
    const stress_config_t *cfg;
    stress_side_t *me;
    uint64_t rng;
    uint8_t *held;   /* per buffer index: 1 while this side holds it */
    uint32_t *stack; /* producer: indices of the buffers it holds */
    uint32_t nheld;
    uint64_t seq; /* producer: next to send; consumer: next expected */
} side_t;

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

/* Busy-wait for about @us microseconds (the CPU stays awake, as if working). */
static void spin_us(uint64_t us)
{
    double until = stress_now() + (double)us * 1e-6;
    while (stress_now() < until)
        atomic_signal_fence(memory_order_seq_cst);
}

/*
 * Pauses. A cross-CPU wake-up takes tens of microseconds here, far longer
 * than a handler's bookkeeping, so without long pauses the two sides run in
 * lock-step (one always asleep) and the race windows are never hit. Hence
 * two kinds of pause point:
 *  - step: between any two steps; usually nothing, often a busy-wait of up
 *    to ~128 iterations, rarely a sched_yield or a short nanosleep;
 *  - window: at the race windows (between processing and request_signal,
 *    between request_signal and the re-check, between enqueue and
 *    require_signal); a quarter of them busy-wait up to 40 us so that the
 *    peer, woken by our last notification, runs in the middle of the window.
 */
static void pause_step(side_t *s)
{
    if (s->cfg->no_pause)
        return;
    uint64_t r = rnd(&s->rng);
    unsigned sel = (unsigned)(r & 0xFFF);
    if (sel < 1024) {
        for (unsigned i = (unsigned)((r >> 12) & 127); i > 0; i--)
            atomic_signal_fence(memory_order_seq_cst);
    } else if (sel < 1028) {
        sched_yield();
    } else if (sel == 1028) {
        struct timespec ts = {0, (long)((r >> 12) % 20 + 1) * 1000};
        nanosleep(&ts, NULL);
    }
}

static void pause_window(side_t *s)
{
    if (s->cfg->no_pause)
        return;
    uint64_t r = rnd(&s->rng);
    if ((r & 3) == 0)
        spin_us((r >> 2) % 40);
    else
        pause_step(s);
}

/* A random batch size in 1..@max: how many buffers to handle before the notify step. */
static uint32_t batch_size(side_t *s, uint32_t max)
{
    return max <= 1 ? 1 : (uint32_t)(rnd(&s->rng) % max) + 1;
}

static int fail(side_t *s, const char *fmt, ...)
{
    stress_control_t *ctl = s->env->ctl;
    uint32_t zero = 0;
    /* the first failure writes the message, then publishes it through @failed */
    va_list ap;
    va_start(ap, fmt);
    if (atomic_compare_exchange_strong(&ctl->error_claimed, &zero, 1)) {
        /* the analyzer loses va_start across the atomic CAS macro: a false positive */
        vsnprintf(ctl->error, sizeof(ctl->error), fmt, ap); // NOLINT(clang-analyzer-valist.*)
        atomic_store(&ctl->failed, 1);
    }
    va_end(ap);
    atomic_store(&s->me->state, STRESS_STATE_FAILED);
    return -1;
}

static void bump(_Atomic uint64_t *counter)
{
    atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* The protocol's consumer step "request_signal", or its fence-less broken variant. */
static void request_signal(side_t *s, net_queue_t *q)
{
    if (s->cfg->broken == STRESS_BROKEN_NO_FENCE)
        atomic_store_explicit(&q->consumer_signalled, 0, memory_order_relaxed);
    else
        net_queue__request_signal(q);
}

/* The protocol's producer step "require_signal", or its fence-less broken variant. */
static bool require_signal(side_t *s, net_queue_t *q)
{
    if (s->cfg->broken == STRESS_BROKEN_NO_FENCE)
        return atomic_load_explicit(&q->consumer_signalled, memory_order_relaxed) == 0;
    return net_queue__require_signal(q);
}

/*
 * Notify step after a batch (sDDF: producer side of the flag protocol):
 * if the consumer of @q asked, clear its request and notify channel @ch.
 */
static void notify_step(side_t *s, net_queue_t *q, int ch)
{
    pause_window(s); /* between enqueue and require_signal */
    if (require_signal(s, q)) {
        net_queue__cancel_signal(q);
        s->env->notify(s->env, ch);
        bump(&s->me->notifies);
    }
}

/*
 * Register step (sDDF: consumer side, the double check): ask for a signal
 * on @q, re-check it, and if work appeared cancel the request and report
 * true (go round again). The broken mode skips the re-check.
 */
static bool register_step(side_t *s, net_queue_t *q)
{
    pause_window(s); /* between processing and request_signal */
    request_signal(s, q);
    pause_window(s);
    if (s->cfg->broken == STRESS_BROKEN_NO_DOUBLE_CHECK || net_queue__empty(q, s->cfg->capacity))
        return false;
    net_queue__cancel_signal(q);
    bump(&s->me->rechecks);
    return true;
}

/* Validate a descriptor read from a queue: returns the buffer index or -1. */
static int64_t buffer_index(side_t *s, net_buff_desc_t d)
{
    uint64_t off = d.io_or_offset;
    if (off % NET_BUFFER_SIZE != 0 || off / NET_BUFFER_SIZE >= s->cfg->capacity)
        return -1;
    return (int64_t)(off / NET_BUFFER_SIZE);
}

static uint16_t len_for(uint64_t seq)
{
    return (uint16_t)(seq % 1501u + 14u);
}

/* The stamp in a buffer: seq at the start, ~seq at the end (published with the descriptor). */
static void stamp(unsigned char *buf, uint64_t seq)
{
    uint64_t inv = ~seq;
    memcpy(buf, &seq, sizeof(seq));
    memcpy(buf + NET_BUFFER_SIZE - sizeof(inv), &inv, sizeof(inv));
}

static void read_stamp(const unsigned char *buf, uint64_t *seq, uint64_t *inv)
{
    memcpy(seq, buf, sizeof(*seq));
    memcpy(inv, buf + NET_BUFFER_SIZE - sizeof(*inv), sizeof(*inv));
}

/* Producer: take every returned buffer off the free queue into the private stack. */
static int producer_collect(side_t *s)
{
    net_buff_desc_t d;
    while (net_dequeue_free(&s->env->h, &d) == 0) {
        int64_t idx = buffer_index(s, d);
        if (idx < 0)
            return fail(s, "producer: bad offset %#" PRIx64 " on free", d.io_or_offset);
        if (s->held[idx])
            return fail(s, "producer: buffer %" PRId64 " returned twice", idx);
        if (d.len != 0)
            return fail(s, "producer: free entry with len %u", d.len);
        s->held[idx] = 1;
        s->stack[s->nheld++] = (uint32_t)idx;
        bump(&s->me->progress);
        pause_step(s);
    }
    return 0;
}

/* Producer: stamp and send up to @n held buffers on the active queue. */
static int producer_send(side_t *s, uint32_t n)
{
    stress_env_t *env = s->env;
    for (; n > 0 && s->seq < s->cfg->count && s->nheld > 0; n--) {
        uint32_t idx = s->stack[--s->nheld];
        s->held[idx] = 0;
        stamp(env->data + (size_t)idx * NET_BUFFER_SIZE, s->seq);
        net_buff_desc_t out = {(uint64_t)idx * NET_BUFFER_SIZE, len_for(s->seq), 0, {0}};
        if (net_enqueue_active(&env->h, out) != 0)
            return fail(s, "producer: active full while holding a buffer");
        s->seq++;
        bump(&s->me->progress);
        pause_step(s);
    }
    return 0;
}

/*
 * Producer handler (like a client's Tx path): take back returned buffers,
 * send them in random batches with the notify step after each batch, then
 * register for the free queue with the double check.
 */
static int producer_handler(side_t *s, bool *done)
{
    uint32_t cap = s->cfg->capacity;
    for (;;) {
        if (producer_collect(s) != 0)
            return -1;
        while (s->seq < s->cfg->count && s->nheld > 0) {
            if (producer_send(s, batch_size(s, s->nheld)) != 0)
                return -1;
            notify_step(s, s->env->h.active, STRESS_CH_ACTIVE);
            if (producer_collect(s) != 0)
                return -1;
        }
        *done = s->seq == s->cfg->count && s->nheld == cap;
        if (*done || !register_step(s, s->env->h.free))
            return 0;
    }
}

/* Consumer: receive and check up to @n buffers, returning each through free. Sets *@got. */
static int consumer_receive(side_t *s, uint32_t n, uint32_t *got)
{
    stress_env_t *env = s->env;
    net_buff_desc_t d;
    *got = 0;
    while (*got < n && net_dequeue_active(&env->h, &d) == 0) {
        int64_t idx = buffer_index(s, d);
        if (idx < 0)
            return fail(s, "consumer: bad offset %#" PRIx64 " on active", d.io_or_offset);
        if (s->held[idx])
            return fail(s, "consumer: buffer %" PRId64 " received twice", idx);
        if (s->seq >= s->cfg->count)
            return fail(s, "consumer: buffer beyond the %" PRIu64 " sent", s->cfg->count);
        unsigned char *buf = env->data + (size_t)idx * NET_BUFFER_SIZE;
        uint64_t seq, inv;
        read_stamp(buf, &seq, &inv);
        if (seq != s->seq || inv != ~s->seq)
            return fail(s,
                        "consumer: expected buffer #%" PRIu64 ", got #%" PRIu64
                        " (tail stamp %#" PRIx64 ") in buffer %" PRId64,
                        s->seq, seq, ~inv, idx);
        if (d.len != len_for(seq) || d.oid != 0)
            return fail(s, "consumer: buffer #%" PRIu64 " has len %u oid %u", seq, d.len, d.oid);
        s->held[idx] = 1;
        stamp(buf, UINT64_MAX); /* so a stale re-delivery cannot pass */
        s->seq++;
        bump(&s->me->progress);
        pause_step(s);

        s->held[idx] = 0;
        net_buff_desc_t back = {d.io_or_offset, 0, 0, {0}};
        if (net_enqueue_free(&env->h, back) != 0)
            return fail(s, "consumer: free full while holding a buffer");
        (*got)++;
        pause_step(s);
    }
    return 0;
}

/*
 * Consumer handler (like a client's Rx path): receive in random batches,
 * returning the buffers with the notify step after each batch, then
 * register for the active queue with the double check.
 */
static int consumer_handler(side_t *s, bool *done)
{
    for (;;) {
        uint32_t got;
        do {
            if (consumer_receive(s, batch_size(s, s->cfg->capacity), &got) != 0)
                return -1;
            if (got > 0)
                notify_step(s, s->env->h.free, STRESS_CH_FREE);
        } while (got > 0);
        *done = s->seq == s->cfg->count;
        if (*done || !register_step(s, s->env->h.active))
            return 0;
    }
}

/* The PD event loop: handler once at start, then wait/handle until done. */
static int run_side(stress_env_t *env, stress_side_t *me, uint64_t salt, int ch,
                    int (*handler)(side_t *s, bool *done))
{
    uint32_t cap = env->cfg->capacity;
    side_t s = {.env = env, .cfg = env->cfg, .me = me, .rng = (env->cfg->seed ^ salt) | 1};
    s.held = calloc(cap, 1);
    s.stack = calloc(cap, sizeof(*s.stack));
    if (s.held == NULL || s.stack == NULL) {
        free(s.held);
        free(s.stack);
        (void)fail(&s, "out of memory");
        return STRESS_FAIL;
    }
    int rc = STRESS_OK;
    bool done = false;
    atomic_store(&me->state, STRESS_STATE_RUNNING);
    if (handler(&s, &done) != 0)
        rc = STRESS_FAIL;
    while (rc == STRESS_OK && !done) {
        if (atomic_load(&env->ctl->failed)) {
            rc = STRESS_FAIL;
            break;
        }
        atomic_store(&me->state, STRESS_STATE_WAITING);
        env->wait(env, ch);
        atomic_store(&me->state, STRESS_STATE_RUNNING);
        bump(&me->wakeups);
        uint64_t before = atomic_load_explicit(&me->progress, memory_order_relaxed);
        if (handler(&s, &done) != 0)
            rc = STRESS_FAIL;
        else if (atomic_load_explicit(&me->progress, memory_order_relaxed) == before)
            bump(&me->idle_wakeups);
    }
    if (rc == STRESS_OK)
        atomic_store(&me->state, STRESS_STATE_DONE);
    free(s.held);
    free(s.stack);
    return rc;
}

int stress_run_producer(stress_env_t *env)
{
    return run_side(env, &env->ctl->producer, 0x5DEECE66Dull, STRESS_CH_FREE, producer_handler);
}

int stress_run_consumer(stress_env_t *env)
{
    return run_side(env, &env->ctl->consumer, 0xB5297A4D3F84D5B5ull, STRESS_CH_ACTIVE,
                    consumer_handler);
}

/* ---- watchdog and report -------------------------------------------------------- */

static const char *state_name(uint32_t st)
{
    static const char *const names[] = {"starting", "running", "asleep (waiting)", "done",
                                        "failed"};
    return st < sizeof(names) / sizeof(names[0]) ? names[st] : "?";
}

static void print_sides(stress_env_t *env)
{
    stress_control_t *ctl = env->ctl;
    printf("  producer: %s, progress %" PRIu64 ", wake-ups %" PRIu64 "; consumer: %s, "
           "progress %" PRIu64 ", wake-ups %" PRIu64 "\n"
           "  active: length %u, flag %u; free: length %u, flag %u\n",
           state_name(atomic_load(&ctl->producer.state)), atomic_load(&ctl->producer.progress),
           atomic_load(&ctl->producer.wakeups), state_name(atomic_load(&ctl->consumer.state)),
           atomic_load(&ctl->consumer.progress), atomic_load(&ctl->consumer.wakeups),
           net_queue_length(env->h.active), atomic_load(&env->h.active->consumer_signalled),
           net_queue_length(env->h.free), atomic_load(&env->h.free->consumer_signalled));
}

/* No progress for the stall period: name the stuck side. */
static int diagnose_stall(stress_env_t *env, double idle)
{
    stress_control_t *ctl = env->ctl;
    uint32_t cap = env->cfg->capacity;
    uint32_t la = net_queue_length(env->h.active), lf = net_queue_length(env->h.free);
    uint32_t ps = atomic_load(&ctl->producer.state), cs = atomic_load(&ctl->consumer.state);
    int rc = STRESS_LOST_WAKEUP;
    if (cs == STRESS_STATE_WAITING && la > 0 && la <= cap)
        printf("WATCHDOG: LOST WAKE-UP: the CONSUMER is stuck: asleep for %.1f s with %u "
               "buffer(s) in the active queue it never heard about\n",
               idle, la);
    else if (ps == STRESS_STATE_WAITING && lf > 0 && lf <= cap)
        printf("WATCHDOG: LOST WAKE-UP: the PRODUCER is stuck: asleep for %.1f s with %u "
               "buffer(s) in the free queue it never heard about\n",
               idle, lf);
    else {
        printf("WATCHDOG: no progress for %.1f s and no side asleep on pending work\n", idle);
        rc = STRESS_FAIL;
    }
    print_sides(env);
    return rc;
}

int stress_watch(stress_env_t *env, bool (*finished)(void *arg), void *arg)
{
    stress_control_t *ctl = env->ctl;
    double start = stress_now(), last_change = start;
    uint64_t last = UINT64_MAX;
    for (;;) {
        bool fin = finished(arg);
        if (atomic_load(&ctl->failed)) {
            printf("FAILED: %s\n", ctl->error);
            print_sides(env);
            return STRESS_FAIL;
        }
        if (fin)
            return STRESS_OK;
        uint64_t p = atomic_load(&ctl->producer.progress) + atomic_load(&ctl->consumer.progress);
        double t = stress_now();
        if (p != last) {
            last = p;
            last_change = t;
        } else if (t - last_change >= env->cfg->stall_seconds) {
            return diagnose_stall(env, t - last_change);
        }
        if (t - start >= env->cfg->timeout) {
            printf("TIMEOUT: overall bound of %.0f s exceeded (still progressing)\n",
                   env->cfg->timeout);
            print_sides(env);
            return STRESS_TIMEOUT;
        }
        struct timespec ts = {0, (long)20 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
}

int stress_report(stress_env_t *env, double seconds)
{
    stress_control_t *ctl = env->ctl;
    const stress_config_t *cfg = env->cfg;
    uint64_t n = cfg->count;
    if (atomic_load(&ctl->failed)) {
        printf("FAILED: %s\n", ctl->error);
        return STRESS_FAIL;
    }
    /* every buffer sent once, received once in order (checked per buffer), all returned */
    uint64_t pp = atomic_load(&ctl->producer.progress), cp = atomic_load(&ctl->consumer.progress);
    uint32_t la = net_queue_length(env->h.active), lf = net_queue_length(env->h.free);
    if (cp != n || pp != 2 * n + cfg->capacity || la != 0 || lf != 0) {
        printf("FAILED: final state: consumer received %" PRIu64 " of %" PRIu64
               ", producer progress %" PRIu64 " (want %" PRIu64 "), active %u, free %u\n",
               cp, n, pp, 2 * n + cfg->capacity, la, lf);
        return STRESS_FAIL;
    }
    printf("OK: %" PRIu64 " buffers, each exactly once and in order, in %.2f s: %.0f buffers/s\n",
           n, seconds, (double)n / seconds);
    printf("  producer: wake-ups %" PRIu64 " (idle %" PRIu64 "), notifications sent %" PRIu64
           ", double checks that found work %" PRIu64 "\n",
           atomic_load(&ctl->producer.wakeups), atomic_load(&ctl->producer.idle_wakeups),
           atomic_load(&ctl->producer.notifies), atomic_load(&ctl->producer.rechecks));
    printf("  consumer: wake-ups %" PRIu64 " (idle %" PRIu64 "), notifications sent %" PRIu64
           ", double checks that found work %" PRIu64 "\n",
           atomic_load(&ctl->consumer.wakeups), atomic_load(&ctl->consumer.idle_wakeups),
           atomic_load(&ctl->consumer.notifies), atomic_load(&ctl->consumer.rechecks));
    return STRESS_OK;
}

int stress_exit_code(const stress_config_t *cfg, int result)
{
    if (!cfg->expect_lost_wakeup)
        return result;
    if (result == STRESS_LOST_WAKEUP) {
        printf("self-check OK: the watchdog caught the lost wake-up of the broken protocol\n");
        return STRESS_OK;
    }
    printf("self-check FAILED: the broken protocol was not caught (result %d)\n", result);
    return STRESS_FAIL;
}
