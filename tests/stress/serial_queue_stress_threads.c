/*
 * serial_queue_stress_threads.c - the serial ring stress test with two
 * threads instead of two processes, so that ThreadSanitizer can check the
 * ring's memory ordering: the bytes written before the producer's release
 * store of the tail and read after the consumer's acquire load, and the
 * head published (release) before the producer reuses those bytes.
 *
 * Notifications are a binary, coalescing futex word per side (like an seL4
 * notification or a non-semaphore eventfd): notify sets it to 1 and wakes
 * the waiter; wait takes it back to 0, sleeping while it is 0. All data
 * synchronisation goes through the ring's atomics; the futex only sleeps
 * and wakes. Options, checks, watchdog and exit codes are
 * serial_queue_stress's (serial_stress_common.h). On a stall or a timeout
 * the process exits at once: a stuck thread cannot be joined.
 */
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "serial_stress_common.h"

typedef struct thr_os {
    _Atomic uint32_t pending[2]; /* per side: 1 = notified since its last wait */
    _Atomic uint32_t finished[2];
    int rc[2];
    sstress_t *s;
} thr_os_t;

typedef struct thr_arg {
    thr_os_t *os;
    int side;
} thr_arg_t;

static long futex(_Atomic uint32_t *word, int op, uint32_t val)
{
    return syscall(SYS_futex, (uint32_t *)word, op, val, NULL, NULL, 0);
}

static void futex_notify(sstress_t *s, int side)
{
    thr_os_t *os = s->os;
    if (atomic_exchange(&os->pending[side], 1) == 0)
        futex(&os->pending[side], FUTEX_WAKE_PRIVATE, 1);
}

static void futex_wait(sstress_t *s, int side)
{
    thr_os_t *os = s->os;
    /* a notify between the exchange and FUTEX_WAIT makes the wait return at once */
    while (atomic_exchange(&os->pending[side], 0) == 0)
        futex(&os->pending[side], FUTEX_WAIT_PRIVATE, 0);
}

static void *side_thread(void *p)
{
    thr_arg_t *a = p;
    thr_os_t *os = a->os;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(a->side, &set); /* best effort, like the process variant */
    (void)pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
    os->rc[a->side] =
        a->side == SSTRESS_PRODUCER ? sstress_producer(os->s) : sstress_consumer(os->s);
    atomic_store(&os->finished[a->side], 1);
    return NULL;
}

/* SSTRESS_FAIL as soon as a side failed, OK once both returned, else -1. */
static int finished(void *arg)
{
    thr_os_t *os = arg;
    int done = 0;
    for (int i = 0; i < 2; i++) {
        if (atomic_load(&os->finished[i]) == 0)
            continue;
        if (os->rc[i] != SSTRESS_OK)
            return SSTRESS_FAIL;
        done++;
    }
    return done == 2 ? SSTRESS_OK : -1;
}

int main(int argc, char **argv)
{
    sstress_t s;
    if (sstress_parse(&s, argc, argv) != 0)
        return SSTRESS_USAGE;
    size_t size = sstress_shared_bytes(s.capacity);
    void *mem = aligned_alloc(64, (size + 63) / 64 * 64);
    if (mem == NULL)
        return SSTRESS_USAGE;
    memset(mem, 0, size);
    thr_os_t os = {.s = &s};
    s.notify = futex_notify;
    s.wait = futex_wait;
    s.os = &os;
    sstress_layout(&s, mem);
    printf("serial_queue_stress_threads (2 threads, futex): capacity %u, %llu bytes, broken %s\n",
           s.capacity, (unsigned long long)s.bytes, s.broken ? "no-double-check" : "none");
    fflush(stdout);
    double t0 = sstress_now();
    pthread_t t[2];
    thr_arg_t args[2] = {{&os, SSTRESS_PRODUCER}, {&os, SSTRESS_CONSUMER}};
    for (int i = 0; i < 2; i++) {
        int err = pthread_create(&t[i], NULL, side_thread, &args[i]);
        if (err != 0) {
            fprintf(stderr, "pthread_create: %s\n", strerror(err));
            _exit(SSTRESS_USAGE);
        }
    }
    int rc = sstress_watch(&s, finished, &os);
    double seconds = sstress_now() - t0;
    if (rc != SSTRESS_OK) {
        /* a side may be blocked for ever: do not join, do not run exit handlers */
        rc = sstress_exit_code(&s, rc, seconds);
        fflush(stdout);
        _exit(rc);
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    free(mem);
    return sstress_exit_code(&s, rc, seconds);
}
