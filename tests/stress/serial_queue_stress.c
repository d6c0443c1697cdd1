/*
 * serial_queue_stress.c - two-process stress test of the serial byte ring
 * (include/sddf/serial/queue.h) and its producer-requested signalling (sDDF
 * serial form), set up like the host OS layer runs PDs: header and data in a
 * memfd mapped MAP_SHARED into two forked processes pinned to different
 * CPUs, notifications over non-semaphore eventfds (coalescing). The protocol,
 * checks and watchdog are serial_stress_common.c's; the parent watches.
 * serial_queue_stress_threads.c is the same test with threads, for TSan.
 *
 * Usage: serial_queue_stress [--capacity C] [--bytes N] [--timeout S]
 *        [--stall S] [--broken no-double-check] [--expect-lost-wakeup]
 * Exit: 0 ok; 1 a check failed; 2 usage; 3 lost wake-up; 4 timeout.
 */
#include <errno.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "serial_stress_common.h"

/* The variant's data: an eventfd per side and the children. */
typedef struct proc_os {
    int efd[2]; /* [side] wakes that side */
    pid_t pid[2];
    int reaped;
} proc_os_t;

static void efd_notify(sstress_t *s, int side)
{
    proc_os_t *os = s->os;
    uint64_t one = 1;
    while (write(os->efd[side], &one, 8) < 0 && errno == EINTR)
        ;
}

static void efd_wait(sstress_t *s, int side)
{
    proc_os_t *os = s->os;
    uint64_t v;
    while (read(os->efd[side], &v, 8) < 0 && errno == EINTR)
        ;
}

static pid_t spawn(sstress_t *s, int (*fn)(sstress_t *), int cpu)
{
    pid_t pid = fork();
    if (pid != 0)
        return pid;
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu, &set);
    (void)sched_setaffinity(0, sizeof(set), &set); /* best effort: one CPU still runs the test */
    _exit(fn(s));
}

/* Reap what has ended: SSTRESS_FAIL at the first bad exit, OK once both ended, else -1. */
static int reap(void *arg)
{
    proc_os_t *os = arg;
    for (int i = 0; i < 2; i++) {
        int st = 0;
        if (os->pid[i] > 0 && waitpid(os->pid[i], &st, WNOHANG) == os->pid[i]) {
            os->pid[i] = 0;
            os->reaped++;
            if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
                return SSTRESS_FAIL;
        }
    }
    return os->reaped == 2 ? SSTRESS_OK : -1;
}

int main(int argc, char **argv)
{
    sstress_t s;
    if (sstress_parse(&s, argc, argv) != 0)
        return SSTRESS_USAGE;
    size_t size = sstress_shared_bytes(s.capacity);
    int mfd = memfd_create("serial_queue_stress", MFD_CLOEXEC);
    if (mfd < 0 || ftruncate(mfd, (off_t)size) != 0)
        return SSTRESS_USAGE;
    void *mem = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
    if (mem == MAP_FAILED)
        return SSTRESS_USAGE;
    close(mfd);
    proc_os_t os = {.efd = {eventfd(0, EFD_CLOEXEC), eventfd(0, EFD_CLOEXEC)}};
    if (os.efd[0] < 0 || os.efd[1] < 0)
        return SSTRESS_USAGE;
    s.notify = efd_notify;
    s.wait = efd_wait;
    s.os = &os;
    sstress_layout(&s, mem);
    printf("serial_queue_stress (2 processes, eventfd): capacity %u, %llu bytes, broken %s\n",
           s.capacity, (unsigned long long)s.bytes, s.broken ? "no-double-check" : "none");
    fflush(stdout);
    double t0 = sstress_now();
    os.pid[0] = spawn(&s, sstress_producer, 0);
    os.pid[1] = spawn(&s, sstress_consumer, 1);
    int rc = sstress_watch(&s, reap, &os);
    for (int i = 0; i < 2; i++)
        if (os.pid[i] > 0) {
            kill(os.pid[i], SIGKILL);
            waitpid(os.pid[i], NULL, 0);
        }
    rc = sstress_exit_code(&s, rc, sstress_now() - t0);
    munmap(mem, size);
    close(os.efd[0]);
    close(os.efd[1]);
    return rc;
}
