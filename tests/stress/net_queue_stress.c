/*
 * net_queue_stress.c - two-process stress test of the network queue and its
 * "signal only when needed" protocol, set up the way the host OS layer runs
 * protection domains: the queue pair and data region live in a memfd mapped
 * MAP_SHARED into two processes (fork), notifications are non-semaphore
 * eventfds (a read returns and resets the count, so signals coalesce like
 * seL4 notifications), and producer and consumer are pinned to different
 * CPUs so they really run in parallel.
 *
 * The parent is the watchdog: it fails the run and names the stuck side if
 * nothing moves for --stall seconds while work is pending (a lost
 * wake-up), or if the overall --timeout passes. See stress_common.h for the
 * protocol and the checks, and --help for options.
 *
 * Exit: 0 all buffers arrived exactly once and in order; 1 a check failed;
 * 2 usage/setup error; 3 lost wake-up; 4 overall timeout. With
 * --expect-lost-wakeup (self-check of a --broken protocol): 0 iff 3.
 */
#include <errno.h>
#include <signal.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "stress_common.h"

enum { PRODUCER = 0, CONSUMER = 1 };

typedef struct proc_os {
    int efd[2]; /* indexed by channel: STRESS_CH_ACTIVE, STRESS_CH_FREE */
    pid_t pid[2];
    int status[2];
    bool reaped[2];
} proc_os_t;

static void efd_notify(stress_env_t *env, int ch)
{
    proc_os_t *os = env->os;
    uint64_t one = 1;
    while (write(os->efd[ch], &one, sizeof(one)) < 0 && errno == EINTR)
        ;
}

static void efd_wait(stress_env_t *env, int ch)
{
    proc_os_t *os = env->os;
    uint64_t v;
    while (read(os->efd[ch], &v, sizeof(v)) < 0 && errno == EINTR)
        ;
}

/* Both children exited, or one exited abnormally (the other may wait forever). */
static bool children_finished(void *arg)
{
    proc_os_t *os = arg;
    bool abnormal = false;
    for (int i = 0; i < 2; i++) {
        if (!os->reaped[i] && waitpid(os->pid[i], &os->status[i], WNOHANG) == os->pid[i])
            os->reaped[i] = true;
        if (os->reaped[i] && !(WIFEXITED(os->status[i]) && WEXITSTATUS(os->status[i]) == 0))
            abnormal = true;
    }
    return abnormal || (os->reaped[0] && os->reaped[1]);
}

static pid_t spawn(stress_env_t *env, int role, int cpu)
{
    fflush(stdout);
    fflush(stderr);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    /* child: die with the watchdog, run on its own CPU */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent)
        _exit(STRESS_FAIL);
    if (cpu >= 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu, &set);
        if (sched_setaffinity(0, sizeof(set), &set) != 0) {
            fprintf(stderr, "sched_setaffinity(%d): %s\n", cpu, strerror(errno));
            _exit(STRESS_USAGE);
        }
    }
    _exit(role == PRODUCER ? stress_run_producer(env) : stress_run_consumer(env));
}

int main(int argc, char **argv)
{
    stress_config_t cfg;
    if (stress_parse(&cfg, argc, argv) != 0)
        return STRESS_USAGE;
    stress_print_config(&cfg, "net_queue_stress (2 processes, eventfd)");
    int cpu[2] = {-1, -1};
    if (cfg.pin && !stress_pick_cpus(&cpu[PRODUCER], &cpu[CONSUMER]))
        cpu[PRODUCER] = cpu[CONSUMER] = -1;

    size_t bytes = stress_shared_bytes(cfg.capacity);
    int mfd = memfd_create("net_queue_stress", MFD_CLOEXEC);
    if (mfd < 0 || ftruncate(mfd, (off_t)bytes) != 0) {
        perror("memfd");
        return STRESS_USAGE;
    }
    void *mem = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    if (mem == MAP_FAILED) {
        perror("mmap");
        return STRESS_USAGE;
    }
    close(mfd);

    proc_os_t os = {0};
    stress_env_t env = {.cfg = &cfg, .notify = efd_notify, .wait = efd_wait, .os = &os};
    stress_layout(&env, mem);
    for (int ch = 0; ch < 2; ch++) {
        os.efd[ch] = eventfd(0, EFD_CLOEXEC); /* non-semaphore: read resets */
        if (os.efd[ch] < 0) {
            perror("eventfd");
            return STRESS_USAGE;
        }
    }

    double start = stress_now();
    os.pid[CONSUMER] = spawn(&env, CONSUMER, cpu[CONSUMER]);
    os.pid[PRODUCER] = os.pid[CONSUMER] < 0 ? -1 : spawn(&env, PRODUCER, cpu[PRODUCER]);
    if (os.pid[CONSUMER] < 0 || os.pid[PRODUCER] < 0) {
        perror("fork");
        if (os.pid[CONSUMER] > 0)
            kill(os.pid[CONSUMER], SIGKILL);
        return STRESS_USAGE;
    }

    int result = stress_watch(&env, children_finished, &os);
    double seconds = stress_now() - start;
    for (int i = 0; i < 2; i++) {
        if (!os.reaped[i]) {
            kill(os.pid[i], SIGKILL);
            waitpid(os.pid[i], &os.status[i], 0);
            os.reaped[i] = true;
        } else if (result == STRESS_OK &&
                   !(WIFEXITED(os.status[i]) && WEXITSTATUS(os.status[i]) == 0)) {
            printf("FAILED: %s exited abnormally (status %#x)\n",
                   i == PRODUCER ? "producer" : "consumer", (unsigned)os.status[i]);
            result = STRESS_FAIL;
        }
    }
    if (result == STRESS_OK)
        result = stress_report(&env, seconds);
    return stress_exit_code(&cfg, result);
}
