/*
 * os/host/monitor/launch.c - start one PD. In the forked child: take the
 * terminal's SIGINT/SIGQUIT away (they are the monitor's to handle), raise
 * RLIMIT_MEMLOCK for a PD holding a block device, pin the CPU, move the PD's
 * descriptors to their fixed numbers and close every other one; then, while
 * still privileged, empty the capability bounding and ambient sets and lock
 * root's special treatment off (securebits), drop every supplementary group
 * and switch to the PD's own gid and uid (identity.c), set no-new-privs, and
 * only then ask to die with the monitor (PR_SET_PDEATHSIG: a credential
 * change clears it, so it must come after; checked against the getppid
 * race). The program is executed through a descriptor the monitor opened
 * before the switch (execveat with AT_EMPTY_PATH), so the build tree may
 * sit below a directory the PD's uid cannot traverse; only the program file
 * itself must be executable by others (and be a binary: the descriptor is
 * close-on-exec, so a "#!" script cannot be run this way; a PD program is
 * linked with the runtime anyway). argv[0] is the PD name. An exec
 * failure comes back over a close-on-exec pipe, so the monitor knows before
 * it starts the next PD.
 */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <linux/securebits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../boot.h"
#include "../pd_status.h"
#include "monitor_internal.h"

extern char **environ;

/* Where a forked child failed, reported with errno over the error pipe. */
enum { LAUNCH_SETUP, LAUNCH_IDS, LAUNCH_EXEC };

int mon_program_open(struct mon *m, size_t i)
{
    const sys_pd *p = &m->sys->pds[i];
    struct mon_pd *pd = &m->pd[i];
    pd->exec_fd = open(p->program_path, O_PATH | O_CLOEXEC);
    struct stat st;
    if (pd->exec_fd < 0 || fstat(pd->exec_fd, &st) != 0) {
        mon_err("PD '%s': program '%s': %s", p->name, p->program_path, strerror(errno));
        return -1;
    }
    if (S_ISDIR(st.st_mode)) {
        mon_err("PD '%s': program '%s' is a directory", p->name, p->program_path);
        return -1;
    }
    if (!S_ISREG(st.st_mode)) {
        mon_err("PD '%s': program '%s' is not a regular file", p->name, p->program_path);
        return -1;
    }
    /* The PD's uid owns nothing and is in no group: only "others" counts. */
    if (m->pd_ids && !(st.st_mode & S_IXOTH)) {
        mon_err("PD '%s': program '%s' is not executable by others (mode %04o), and the PD "
                "runs under its own uid %u",
                p->name, p->program_path, (unsigned)(st.st_mode & 07777), (unsigned)pd->uid);
        return -1;
    }
    return 0;
}

/* While still privileged: nothing can ever regain a capability (the bounding
 * and ambient sets empty, root's implicit capabilities off and locked, the
 * uid-change fix-up locked on so the switch clears every capability), then
 * the PD's own groups, gid and uid. Returns 0 or -1 (errno set). */
static int become_pd(const struct mon *m, const struct mon_pd *pd)
{
    if (!m->pd_ids) {
        return 0;
    }
    if (prctl(PR_SET_SECUREBITS,
              SECBIT_NOROOT | SECBIT_NOROOT_LOCKED | SECBIT_NO_SETUID_FIXUP_LOCKED |
                  SECBIT_KEEP_CAPS_LOCKED | SECBIT_NO_CAP_AMBIENT_RAISE |
                  SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
              0, 0, 0) != 0) {
        return -1;
    }
    for (unsigned long cap = 0; cap < 64; cap++) {
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) != 0) {
            if (errno == EINVAL) {
                break; /* past the kernel's last capability */
            }
            return -1;
        }
    }
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) != 0) {
        return -1;
    }
    /* Raw system calls: the child of a single-threaded monitor has one
     * thread, and glibc's wrappers may take locks a fork left held. */
    if (syscall(SYS_setgroups, 0, NULL) != 0 ||
        syscall(SYS_setresgid, pd->gid, pd->gid, pd->gid) != 0 ||
        syscall(SYS_setresuid, pd->uid, pd->uid, pd->uid) != 0) {
        return -1;
    }
    return 0;
}

/* After fork: only async-signal-safe calls. Never returns. */
static void child(struct mon *m, size_t i, int err_fd)
{
    const sys_pd *p = &m->sys->pds[i];
    struct mon_pd *pd = &m->pd[i];
    int step = LAUNCH_SETUP;

    if (getppid() != m->self) {
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
    int exec_target = err_target + 1;
    int high = exec_target + 1;
    int *tmp = pd->scratch; /* [0] boot, [1..n] objects, [n+1] error pipe, [n+2] program */
    tmp[0] = fcntl(pd->boot_fd, F_DUPFD_CLOEXEC, high);
    for (int j = 0; j < n; j++) {
        tmp[1 + j] = fcntl(pd->fds[j], F_DUPFD_CLOEXEC, high);
    }
    tmp[n + 1] = fcntl(err_fd, F_DUPFD_CLOEXEC, high);
    tmp[n + 2] = fcntl(pd->exec_fd, F_DUPFD_CLOEXEC, high);
    for (int j = 0; j < n + 3; j++) {
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
    if (dup3(tmp[n + 2], exec_target, O_CLOEXEC) < 0) {
        goto fail;
    }
    if (close_range((unsigned)high, ~0u, 0) != 0) {
        goto fail;
    }
    step = LAUNCH_IDS;
    if (become_pd(m, pd) != 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
        goto fail;
    }
    /* After the last credential change, which would clear it. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != m->self) {
        _exit(HOST_EXIT_EXEC_FAILED); /* the monitor is already gone */
    }
    char *argv[] = {p->name, NULL};
    step = LAUNCH_EXEC;
    syscall(SYS_execveat, exec_target, "", argv, environ, AT_EMPTY_PATH);
fail:;
    int report[2] = {step, errno};
    if (write(err_fd, report, sizeof(report)) < 0) {
        _exit(HOST_EXIT_EXEC_FAILED); /* nothing more to do */
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
    int report[2] = {0, 0}; /* step, errno */
    ssize_t r;
    do {
        r = read(ep[0], report, sizeof(report));
    } while (r < 0 && errno == EINTR);
    close(ep[0]);
    if (r > 0) { /* exec failed: the child exits on its own */
        int st;
        while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
        }
        pd->running = false;
        static const char *const what[] = {
            "cannot set up the process for",
            "cannot switch to its own uid to run",
            "cannot execute",
        };
        int step = report[0] >= 0 && report[0] <= LAUNCH_EXEC ? report[0] : LAUNCH_EXEC;
        mon_err("PD '%s': %s '%s': %s", p->name, what[step], p->program_path, strerror(report[1]));
        return -1;
    }
    if (!m->opts->quiet) {
        mon_print("sddf: started PD '%s' (pid %d)\n", p->name, (int)pid);
    }
    return 0;
}
