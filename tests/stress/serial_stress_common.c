/*
 * serial_stress_common.c - producer, consumer and watchdog of the serial
 * ring stress tests (see serial_stress_common.h).
 */
#include <inttypes.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "serial_stress_common.h"

double sstress_now(void)
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

/* The stream: byte i of the run (depends on high bits too, so a wrap shows). */
static char byte_at(uint64_t i)
{
    return (char)(i * 131u + (i >> 9) + (i >> 17));
}

/* A pause in a race window: mostly nothing, sometimes a spin of up to ~20 us or a yield. */
static void pause_window(uint64_t *r)
{
    uint64_t v = rnd(r);
    if ((v & 7) == 0) {
        double until = sstress_now() + (double)((v >> 3) % 20) * 1e-6;
        while (sstress_now() < until)
            ;
    } else if ((v & 63) == 1) {
        sched_yield();
    }
}

static void wait_as(sstress_t *s, int side)
{
    atomic_store(&s->sh->state[side], SSTRESS_WAITING);
    s->wait(s, side);
    atomic_store(&s->sh->state[side], SSTRESS_RUNNING);
}

int sstress_producer(sstress_t *s)
{
    uint64_t r = 0x9E3779B97F4A7C15ull, sent = 0;
    uint32_t tail = serial_queue_tail(&s->h);
    char buf[256];
    while (sent < s->bytes) {
        uint32_t room = serial_queue_free(&s->h, tail);
        if (room == 0) {
            pause_window(&r);
            serial_request_consumer_signal(&s->h);
            pause_window(&r);
            if (s->broken || serial_queue_free(&s->h, tail) == 0)
                wait_as(s, SSTRESS_PRODUCER);
            else
                serial_cancel_consumer_signal(&s->h);
            continue;
        }
        uint32_t n = (uint32_t)(rnd(&r) % sizeof(buf)) + 1;
        if (n > room)
            n = room;
        if (n > s->bytes - sent)
            n = (uint32_t)(s->bytes - sent);
        for (uint32_t i = 0; i < n; i++)
            buf[i] = byte_at(sent + i);
        serial_enqueue_batch_local(&s->h, &tail, n, buf);
        serial_update_shared_tail(&s->h, tail);
        sent += n;
        atomic_store_explicit(&s->sh->progress[SSTRESS_PRODUCER], sent, memory_order_relaxed);
        pause_window(&r);
        s->notify(s, SSTRESS_CONSUMER); /* serial form: the producer always notifies */
    }
    atomic_store(&s->sh->state[SSTRESS_PRODUCER], SSTRESS_DONE);
    return SSTRESS_OK;
}

int sstress_consumer(sstress_t *s)
{
    uint64_t r = 0xD1B54A32D192ED03ull, got = 0;
    uint32_t head = serial_queue_head(&s->h);
    char buf[512];
    while (got < s->bytes) {
        if (serial_queue_empty(&s->h, head)) {
            wait_as(s, SSTRESS_CONSUMER);
            continue;
        }
        uint32_t want = (uint32_t)(rnd(&r) % sizeof(buf)) + 1;
        uint32_t n = serial_dequeue_batch_local(&s->h, &head, want, buf);
        for (uint32_t i = 0; i < n; i++) {
            if (buf[i] != byte_at(got + i)) {
                fprintf(stderr, "consumer: byte %" PRIu64 " is %#x, want %#x\n", got + i,
                        (unsigned char)buf[i], (unsigned char)byte_at(got + i));
                atomic_store(&s->sh->failed, 1);
                return SSTRESS_FAIL;
            }
        }
        got += n;
        atomic_store_explicit(&s->sh->progress[SSTRESS_CONSUMER], got, memory_order_relaxed);
        pause_window(&r);
        serial_update_shared_head(&s->h, head);
        pause_window(&r);
        if (serial_require_consumer_signal(&s->h)) {
            serial_cancel_consumer_signal(&s->h);
            s->notify(s, SSTRESS_PRODUCER);
        }
    }
    atomic_store(&s->sh->state[SSTRESS_CONSUMER], SSTRESS_DONE);
    return SSTRESS_OK;
}

int sstress_watch(sstress_t *s, int (*poll)(void *arg), void *arg)
{
    double start = sstress_now(), last_change = start;
    uint64_t last = UINT64_MAX;
    for (;;) {
        int rc = poll(arg);
        if (rc >= 0)
            return rc;
        uint64_t p = atomic_load(&s->sh->progress[0]) + atomic_load(&s->sh->progress[1]);
        double t = sstress_now();
        if (p != last) {
            last = p;
            last_change = t;
        } else if (t - last_change > s->stall) {
            uint32_t len = serial_queue_length_producer(&s->h);
            if (atomic_load(&s->sh->state[SSTRESS_PRODUCER]) == SSTRESS_WAITING &&
                len < s->capacity) {
                printf("WATCHDOG: LOST WAKE-UP: the PRODUCER sleeps with %u of %u bytes free "
                       "(flag %u)\n",
                       s->capacity - len, s->capacity, atomic_load(&s->sh->q.producer_signalled));
                return SSTRESS_LOST;
            }
            printf("WATCHDOG: no progress for %.1f s (ring length %u)\n", t - last_change, len);
            return SSTRESS_FAIL;
        }
        if (t - start > s->timeout) {
            printf("TIMEOUT after %.0f s\n", s->timeout);
            return SSTRESS_TIMEOUT;
        }
        struct timespec ts = {0, 20000000};
        nanosleep(&ts, NULL);
    }
}

int sstress_parse(sstress_t *s, int argc, char **argv)
{
    memset(s, 0, sizeof(*s));
    s->capacity = 16;
    s->bytes = 3000000;
    s->timeout = 30;
    s->stall = 3;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        // NOLINTNEXTLINE(clang-analyzer-core.NonNullParamChecker): argv[i] != NULL for i < argc
        if (strcmp(a, "--broken") == 0 && v && strcmp(v, "no-double-check") == 0)
            s->broken = true, i++;
        else if (strcmp(a, "--expect-lost-wakeup") == 0)
            s->expect_lost = true;
        else if (strcmp(a, "--capacity") == 0 && v)
            s->capacity = (uint32_t)strtoul(v, NULL, 0), i++;
        else if (strcmp(a, "--bytes") == 0 && v)
            s->bytes = strtoull(v, NULL, 0), i++;
        else if (strcmp(a, "--timeout") == 0 && v)
            s->timeout = strtod(v, NULL), i++;
        else if (strcmp(a, "--stall") == 0 && v)
            s->stall = strtod(v, NULL), i++;
        else
            goto usage;
    }
    if (serial_queue_capacity_valid(s->capacity) && s->bytes > 0 && s->timeout > 0)
        return 0;
usage:
    fprintf(stderr,
            "usage: %s [--capacity C] [--bytes N] [--timeout S] [--stall S] "
            "[--broken no-double-check] [--expect-lost-wakeup]\n",
            argv[0]);
    return -1;
}

size_t sstress_shared_bytes(uint32_t capacity)
{
    return sizeof(sstress_shared_t) + capacity;
}

void sstress_layout(sstress_t *s, void *mem)
{
    s->sh = mem;
    serial_queue_init(&s->h, &s->sh->q, s->capacity, s->sh->data);
    serial_cancel_consumer_signal(&s->h); /* nobody waits yet */
}

int sstress_exit_code(const sstress_t *s, int rc, double seconds)
{
    if (rc == SSTRESS_OK)
        printf("OK: %" PRIu64 " bytes in order in %.2f s\n", s->bytes, seconds);
    if (s->expect_lost) {
        printf(rc == SSTRESS_LOST ? "self-check OK: the lost wake-up was caught\n"
                                  : "self-check FAILED: the broken protocol went unnoticed\n");
        return rc == SSTRESS_LOST ? SSTRESS_OK : SSTRESS_FAIL;
    }
    return rc;
}
