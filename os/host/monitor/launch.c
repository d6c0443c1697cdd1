/*
 * os/host/monitor/launch.c - start one PD: fork; in the child die with the
 * monitor (PR_SET_PDEATHSIG, checked against the getppid race), take the
 * terminal's SIGINT/SIGQUIT away (they are the monitor's to handle), raise
 * RLIMIT_MEMLOCK for a PD holding a block device, pin the CPU, move the PD's descriptors to their
 * fixed numbers, close every other descriptor, and exec the program with argv[0] = the PD name. An
 * exec failure comes back over a close-on-exec pipe, so the monitor knows before it starts the next
 * PD.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../boot.h"
#include "../pd_status.h"
#include "monitor_internal.h"

/* After fork: only async-signal-safe calls. Never returns. */
static void child(struct mon *m, size_t i, int err_fd)
{
    const sys_pd *p = &m->sys->pds[i];
    struct mon_pd *pd = &m->pd[i];
    int e = 0;

    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != m->self) {
        _exit(HOST_EXIT_EXEC_FAILED); /* the monitor is already gone */
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    signal(SIGINT, SIG_IGN);
    signal(SIGQUIT, SIG_IGN);
    signal(SIGTERM, SIG_DFL);
    signal(SIGPIPE, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
    signal(SIGCHLD, SIG_DFL);

    /* io_uring charges registered buffers to RLIMIT_MEMLOCK once the PD has
     * no CAP_IPC_LOCK: a block driver gets enough for its maps. Best effort:
     * raising the hard limit needs CAP_SYS_RESOURCE; without it the soft
     * limit goes up to the hard one. */
    struct rlimit rl;
    if (pd->memlock > 0 && getrlimit(RLIMIT_MEMLOCK, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY &&
        rl.rlim_cur < pd->memlock) {
        struct rlimit want = {pd->memlock, rl.rlim_max};
        if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < pd->memlock) {
            want.rlim_max = pd->memlock;
        }
        if (setrlimit(RLIMIT_MEMLOCK, &want) != 0) {
            rl.rlim_cur = rl.rlim_max < pd->memlock ? rl.rlim_max : pd->memlock;
            setrlimit(RLIMIT_MEMLOCK, &rl);
        }
    }

    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(pd->cpu, &set);
    if (sched_setaffinity(0, sizeof(set), &set) != 0) {
        goto fail;
    }

    /* Sources -> scratch copies above every target, then scratch -> targets. */
    int n = (int)pd->num_fds;
    int err_target = HOST_BOOT_FIRST_FD + n;
    int high = err_target + 1;
    int *tmp = pd->scratch; /* [0] boot, [1..n] objects, [n+1] error pipe */
    tmp[0] = fcntl(pd->boot_fd, F_DUPFD_CLOEXEC, high);
    for (int j = 0; j < n; j++) {
        tmp[1 + j] = fcntl(pd->fds[j], F_DUPFD_CLOEXEC, high);
    }
    tmp[n + 1] = fcntl(err_fd, F_DUPFD_CLOEXEC, high);
    for (int j = 0; j < n + 2; j++) {
        if (tmp[j] < 0) {
            goto fail;
        }
    }
    err_fd = tmp[n + 1];
    if (dup2(tmp[0], HOST_BOOT_FD) < 0) {
        goto fail;
    }
    for (int j = 0; j < n; j++) {
        if (dup2(tmp[1 + j], HOST_BOOT_FIRST_FD + j) < 0) {
            goto fail;
        }
    }
    if (dup3(tmp[n + 1], err_target, O_CLOEXEC) < 0) {
        goto fail;
    }
    err_fd = err_target;
    if (close_range((unsigned)high, ~0u, 0) != 0) {
        goto fail;
    }
    char *argv[] = {p->name, NULL};
    execv(p->program_path, argv);
fail:
    e = errno;
    if (write(err_fd, &e, sizeof(e)) < 0) {
        e = 0; /* nothing more to do */
    }
    _exit(HOST_EXIT_EXEC_FAILED);
}

int mon_launch(struct mon *m, size_t i)
{
    const sys_pd *p = &m->sys->pds[i];
    struct mon_pd *pd = &m->pd[i];
    int ep[2];
    if (pipe2(ep, O_CLOEXEC) != 0) {
        mon_err("PD '%s': pipe: %s", p->name, strerror(errno));
        return -1;
    }
    fflush(NULL); /* no buffered output duplicated into the child */
    pid_t pid = fork();
    if (pid < 0) {
        mon_err("PD '%s': fork: %s", p->name, strerror(errno));
        close(ep[0]);
        close(ep[1]);
        return -1;
    }
    if (pid == 0) {
        close(ep[0]);
        child(m, i, ep[1]);
    }
    close(ep[1]);
    pd->pid = pid;
    pd->running = true;
    int e = 0;
    ssize_t r;
    do {
        r = read(ep[0], &e, sizeof(e));
    } while (r < 0 && errno == EINTR);
    close(ep[0]);
    if (r > 0) { /* exec failed: the child exits on its own */
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        pd->running = false;
        mon_err("PD '%s': cannot execute '%s': %s", p->name, p->program_path, strerror(e));
        return -1;
    }
    if (!m->opts->quiet) {
        mon_print("sddf: started PD '%s' (pid %d)\n", p->name, (int)pid);
    }
    return 0;
}
