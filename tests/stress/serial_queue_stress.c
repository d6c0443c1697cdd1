/*
 * serial_queue_stress.c - two-process stress test of the serial byte ring
 * (include/sddf/serial/queue.h) and its producer-requested signalling (sDDF
 * serial form), set up like the host OS layer runs PDs: header and data in a
 * memfd mapped MAP_SHARED into two forked processes pinned to different
 * CPUs, notifications over non-semaphore eventfds (coalescing).
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
 * The parent is the watchdog: no progress for --stall seconds while the
 * producer sleeps with room in the ring = a lost wake-up (exit 3).
 * --broken no-double-check skips the re-check; with --expect-lost-wakeup
 * the run passes only if the watchdog catches that (self-check).
 *
 * Usage: serial_queue_stress [--capacity C] [--bytes N] [--timeout S]
 *        [--stall S] [--broken no-double-check] [--expect-lost-wakeup]
 * Exit: 0 ok; 1 a check failed; 2 usage; 3 lost wake-up; 4 timeout.
 */
#include <errno.h>
#include <inttypes.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sddf/serial/queue.h>

enum { OK = 0, FAIL = 1, USAGE = 2, LOST = 3, TIMEOUT = 4 };
enum { RUNNING = 0, WAITING = 1, DONE = 2 };

typedef struct shared {
    serial_queue_t q;
    _Atomic uint64_t progress[2]; /* producer bytes sent, consumer bytes checked */
    _Atomic uint32_t state[2];
    _Atomic uint32_t failed;
    char data[];
} shared_t;

static struct {
    uint32_t capacity;
    uint64_t bytes;
    double timeout, stall;
    bool broken, expect_lost;
    shared_t *sh;
    serial_queue_handle_t h;
    int efd[2]; /* [0] wakes the producer, [1] wakes the consumer */
} g = {.capacity = 16, .bytes = 3000000, .timeout = 30, .stall = 3};

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t rnd(uint64_t *x)
{
    *x ^= *x << 13;
    *x ^= *x >> 7;
    *x ^= *x << 17;
    return *x;
}

static char byte_at(uint64_t i)
{
    return (char)(i * 131u + (i >> 9) + (i >> 17));
}

/* A pause in a race window: mostly nothing, sometimes a spin of up to ~20 us or a yield. */
static void pause_window(uint64_t *r)
{
    uint64_t v = rnd(r);
    if ((v & 7) == 0) {
        double until = now() + (double)((v >> 3) % 20) * 1e-6;
        while (now() < until)
            ;
    } else if ((v & 63) == 1) {
        sched_yield();
    }
}

static void sig(int i)
{
    uint64_t one = 1;
    while (write(g.efd[i], &one, 8) < 0 && errno == EINTR)
        ;
}

static void wait_on(int i)
{
    uint64_t v;
    atomic_store(&g.sh->state[i], WAITING);
    while (read(g.efd[i], &v, 8) < 0 && errno == EINTR)
        ;
    atomic_store(&g.sh->state[i], RUNNING);
}

static int producer(void)
{
    uint64_t r = 0x9E3779B97F4A7C15ull, sent = 0;
    uint32_t tail = serial_queue_tail(&g.h);
    char buf[256];
    while (sent < g.bytes) {
        uint32_t room = serial_queue_free(&g.h, tail);
        if (room == 0) {
            pause_window(&r);
            serial_request_consumer_signal(&g.h);
            pause_window(&r);
            if (g.broken || serial_queue_free(&g.h, tail) == 0)
                wait_on(0);
            else
                serial_cancel_consumer_signal(&g.h);
            continue;
        }
        uint32_t n = (uint32_t)(rnd(&r) % sizeof(buf)) + 1;
        if (n > room)
            n = room;
        if (n > g.bytes - sent)
            n = (uint32_t)(g.bytes - sent);
        for (uint32_t i = 0; i < n; i++)
            buf[i] = byte_at(sent + i);
        serial_enqueue_batch_local(&g.h, &tail, n, buf);
        serial_update_shared_tail(&g.h, tail);
        sent += n;
        atomic_store_explicit(&g.sh->progress[0], sent, memory_order_relaxed);
        pause_window(&r);
        sig(1); /* serial form: the producer always notifies */
    }
    atomic_store(&g.sh->state[0], DONE);
    return OK;
}

static int consumer(void)
{
    uint64_t r = 0xD1B54A32D192ED03ull, got = 0;
    uint32_t head = serial_queue_head(&g.h);
    char buf[512];
    while (got < g.bytes) {
        if (serial_queue_empty(&g.h, head)) {
            wait_on(1);
            continue;
        }
        uint32_t want = (uint32_t)(rnd(&r) % sizeof(buf)) + 1;
        uint32_t n = serial_dequeue_batch_local(&g.h, &head, want, buf);
        for (uint32_t i = 0; i < n; i++) {
            if (buf[i] != byte_at(got + i)) {
                fprintf(stderr, "consumer: byte %" PRIu64 " is %#x, want %#x\n", got + i,
                        (unsigned char)buf[i], (unsigned char)byte_at(got + i));
                atomic_store(&g.sh->failed, 1);
                return FAIL;
            }
        }
        got += n;
        atomic_store_explicit(&g.sh->progress[1], got, memory_order_relaxed);
        pause_window(&r);
        serial_update_shared_head(&g.h, head);
        pause_window(&r);
        if (serial_require_consumer_signal(&g.h)) {
            serial_cancel_consumer_signal(&g.h);
            sig(0);
        }
    }
    atomic_store(&g.sh->state[1], DONE);
    return OK;
}

static pid_t spawn(int (*fn)(void), int cpu)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof(set), &set); /* best effort: one CPU still runs the test */
    _exit(fn());
}

static int watch(pid_t pid[2])
{
    double start = now(), last_change = start;
    uint64_t last = UINT64_MAX;
    int st[2] = {0, 0}, reaped = 0;
    for (;;) {
        for (int i = 0; i < 2; i++)
            if (pid[i] > 0 && waitpid(pid[i], &st[i], WNOHANG) == pid[i]) {
                pid[i] = 0;
                reaped++;
                if (!WIFEXITED(st[i]) || WEXITSTATUS(st[i]) != 0)
                    return FAIL;
            }
        if (reaped == 2)
            return OK;
        uint64_t p = atomic_load(&g.sh->progress[0]) + atomic_load(&g.sh->progress[1]);
        double t = now();
        if (p != last) {
            last = p;
            last_change = t;
        } else if (t - last_change > g.stall) {
            uint32_t len = serial_queue_length_producer(&g.h);
            bool room = len < g.capacity;
            if (atomic_load(&g.sh->state[0]) == WAITING && room) {
                printf("WATCHDOG: LOST WAKE-UP: the PRODUCER sleeps with %u of %u bytes free "
                       "(flag %u)\n",
                       g.capacity - len, g.capacity, atomic_load(&g.sh->q.producer_signalled));
                return LOST;
            }
            printf("WATCHDOG: no progress for %.1f s (ring length %u)\n", t - last_change, len);
            return FAIL;
        }
        if (t - start > g.timeout) {
            printf("TIMEOUT after %.0f s\n", g.timeout);
            return TIMEOUT;
        }
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
}

static int parse(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "--broken") == 0 && v && strcmp(v, "no-double-check") == 0)
            g.broken = true, i++;
        else if (strcmp(a, "--expect-lost-wakeup") == 0)
            g.expect_lost = true;
        else if (strcmp(a, "--capacity") == 0 && v)
            g.capacity = (uint32_t)strtoul(v, NULL, 0), i++;
        else if (strcmp(a, "--bytes") == 0 && v)
            g.bytes = strtoull(v, NULL, 0), i++;
        else if (strcmp(a, "--timeout") == 0 && v)
            g.timeout = strtod(v, NULL), i++;
        else if (strcmp(a, "--stall") == 0 && v)
            g.stall = strtod(v, NULL), i++;
        else
            return -1;
    }
    return serial_queue_capacity_valid(g.capacity) && g.bytes > 0 && g.timeout > 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
    if (parse(argc, argv) != 0) {
        fprintf(stderr,
                "usage: %s [--capacity C] [--bytes N] [--timeout S] [--stall S] "
                "[--broken no-double-check] [--expect-lost-wakeup]\n",
                argv[0]);
        return USAGE;
    }
    size_t size = sizeof(shared_t) + g.capacity;
    int mfd = memfd_create("serial_queue_stress", MFD_CLOEXEC);
    if (mfd < 0 || ftruncate(mfd, (off_t)size) != 0)
        return USAGE;
    g.sh = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    if (g.sh == MAP_FAILED)
        return USAGE;
    close(mfd);
    serial_queue_init(&g.h, &g.sh->q, g.capacity, g.sh->data);
    serial_cancel_consumer_signal(&g.h);
    g.efd[0] = eventfd(0, EFD_CLOEXEC);
    g.efd[1] = eventfd(0, EFD_CLOEXEC);
    printf("serial_queue_stress: capacity %u, %" PRIu64 " bytes, broken %s\n", g.capacity, g.bytes,
           g.broken ? "no-double-check" : "none");
    fflush(stdout);
    double t0 = now();
    pid_t pid[2] = {spawn(producer, 0), spawn(consumer, 1)};
    int rc = watch(pid);
    for (int i = 0; i < 2; i++)
        if (pid[i] > 0) {
            kill(pid[i], SIGKILL);
            waitpid(pid[i], NULL, 0);
        }
    if (rc == OK)
        printf("OK: %" PRIu64 " bytes in order in %.2f s\n", g.bytes, now() - t0);
    if (g.expect_lost) {
        printf(rc == LOST ? "self-check OK: the lost wake-up was caught\n"
                          : "self-check FAILED: the broken protocol went unnoticed\n");
        return rc == LOST ? OK : FAIL;
    }
    return rc;
}
