/*
 * net_queue_stress_threads.c - the network queue protocol stress test with
 * two threads instead of two processes, so that ThreadSanitizer can check
 * the queue's memory ordering (descriptor and buffer contents published by
 * the release store of tail/head, read after the acquire load).
 *
 * Notifications are a binary, coalescing futex word per channel (like an
 * seL4 notification or a non-semaphore eventfd): notify sets it to 1 and
 * wakes the waiter; wait atomically takes it back to 0, sleeping while it
 * is 0. All data synchronisation goes through the queue's atomics; the futex
 * only sleeps and wakes, so the test does not depend on TSan modelling it.
 *
 * Same options, checks, watchdog and exit codes as net_queue_stress (see
 * stress_common.h). On a stall or timeout the process exits at once: the
 * stuck thread cannot be joined.
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

#include "stress_common.h"

enum { PRODUCER = 0, CONSUMER = 1 };

typedef struct thr_os {
    _Atomic uint32_t pending[2]; /* per channel: 1 = signalled since the last wait */
    _Atomic uint32_t finished[2];
    int rc[2];
    int cpu[2];
    stress_env_t *env;
} thr_os_t;

typedef struct thr_arg {
    thr_os_t *os;
    int role;
} thr_arg_t;

static long futex(_Atomic uint32_t *word, int op, uint32_t val)
{
    return syscall(SYS_futex, (uint32_t *)word, op, val, NULL, NULL, 0);
}

static void futex_notify(stress_env_t *env, int ch)
{
    thr_os_t *os = env->os;
    if (atomic_exchange(&os->pending[ch], 1) == 0)
        futex(&os->pending[ch], FUTEX_WAKE_PRIVATE, 1);
}

static void futex_wait(stress_env_t *env, int ch)
{
    thr_os_t *os = env->os;
    /* a notify between the exchange and FUTEX_WAIT makes the wait return at once */
    while (atomic_exchange(&os->pending[ch], 0) == 0)
        futex(&os->pending[ch], FUTEX_WAIT_PRIVATE, 0);
}

static void *side_thread(void *p)
{
    thr_arg_t *a = p;
    thr_os_t *os = a->os;
    if (os->cpu[a->role] >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(os->cpu[a->role], &set);
        int err = pthread_setaffinity_np(pthread_self(), sizeof(set), &set);
        if (err != 0)
            fprintf(stderr, "pthread_setaffinity_np(%d): %s\n", os->cpu[a->role], strerror(err));
    }
    os->rc[a->role] =
        a->role == PRODUCER ? stress_run_producer(os->env) : stress_run_consumer(os->env);
    atomic_store(&os->finished[a->role], 1);
    return NULL;
}

/* Both threads returned, or one failed (the other may wait forever). */
static bool threads_finished(void *arg)
{
    thr_os_t *os = arg;
    const bool fin[2] = {atomic_load(&os->finished[0]) != 0, atomic_load(&os->finished[1]) != 0};
    for (int i = 0; i < 2; i++)
        if (fin[i] && os->rc[i] != STRESS_OK)
            return true;
    return fin[0] && fin[1];
}

int main(int argc, char **argv)
{
    stress_config_t cfg;
    if (stress_parse(&cfg, argc, argv) != 0)
        return STRESS_USAGE;
    stress_print_config(&cfg, "net_queue_stress_threads (2 threads, futex)");
    thr_os_t os = {.cpu = {-1, -1}};
    if (cfg.pin && !stress_pick_cpus(&os.cpu[PRODUCER], &os.cpu[CONSUMER]))
        os.cpu[PRODUCER] = os.cpu[CONSUMER] = -1;

    size_t bytes = stress_shared_bytes(cfg.capacity);
    void *mem = aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
    if (mem == NULL) {
        perror("aligned_alloc");
        return STRESS_USAGE;
    }
    memset(mem, 0, bytes);
    stress_env_t env = {.cfg = &cfg, .notify = futex_notify, .wait = futex_wait, .os = &os};
    os.env = &env;
    stress_layout(&env, mem);

    double start = stress_now();
    pthread_t t[2];
    thr_arg_t args[2] = {{&os, PRODUCER}, {&os, CONSUMER}};
    for (int i = 0; i < 2; i++) {
        int err = pthread_create(&t[i], NULL, side_thread, &args[i]);
        if (err != 0) {
            fprintf(stderr, "pthread_create: %s\n", strerror(err));
            _exit(STRESS_USAGE);
        }
    }
    int result = stress_watch(&env, threads_finished, &os);
    double seconds = stress_now() - start;
    if (result != STRESS_OK) {
        /* a side may be blocked for ever: do not join, do not run exit handlers */
        fflush(stdout);
        _exit(stress_exit_code(&cfg, result));
    }
    for (int i = 0; i < 2; i++)
        pthread_join(t[i], NULL);
    result = stress_report(&env, seconds);
    free(mem);
    return stress_exit_code(&cfg, result);
}
