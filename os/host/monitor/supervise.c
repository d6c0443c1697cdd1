/*
 * os/host/monitor/supervise.c - wait for the reason to stop (SIGINT, SIGTERM
 * or any other signal whose default action would end the monitor, through
 * a signalfd: see stop_signals in monitor.c; the timeout through a timerfd;
 * a PD's death through SIGCHLD) and stop the system: SIGTERM, a grace period, SIGKILL, reap,
 * then every process the PDs started (descendants.c). PDs are waited for by
 * pid; other children (orphans re-parented to the subreaper monitor) are
 * reaped as they end, except the caller's own earlier children, which are
 * left alone.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "monitor_internal.h"

#define STOP_GRACE_MS 2000
/* Bound on killing and reaping what the PDs left (SIGKILL: immediate but for D state). */
#define DESCENDANTS_KILL_MS 2000

/* Reap every PD that has ended; report each if @report. Returns how many ended. */
static size_t reap(struct mon *m, bool report)
{
    size_t ended = 0;
    for (size_t i = 0; i < m->sys->num_pds; i++) {
        struct mon_pd *pd = &m->pd[i];
        int st;
        if (!pd->running || waitpid(pd->pid, &st, WNOHANG) != pd->pid) {
            continue;
        }
        pd->running = false;
        ended++;
        if (report) {
            mon_report_death(m, i, st);
        }
    }
    return ended;
}

/* Read pending signals; returns a stop request (any but SIGCHLD: see stop_signals) seen. */
static bool drain_signals(struct mon *m)
{
    bool stop = false;
    struct signalfd_siginfo si;
    while (read(m->sig_fd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
        stop |= si.ssi_signo != SIGCHLD;
    }
    return stop;
}

static int timeout_fd(unsigned ms)
{
    int fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (fd < 0) {
        return -1;
    }
    struct itimerspec its = {
        .it_value = {.tv_sec = ms / 1000u, .tv_nsec = (long)(ms % 1000u) * 1000000L}};
    if (timerfd_settime(fd, 0, &its, NULL) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

int mon_supervise(struct mon *m)
{
    if (reap(m, true) > 0) { /* died while the others were starting */
        return 1;
    }
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int tfd = m->opts->timeout_ms ? timeout_fd(m->opts->timeout_ms) : -1;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = 0};
    if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, m->sig_fd, &ev) != 0 ||
        (m->opts->timeout_ms && tfd < 0)) {
        mon_err("cannot wait for the system: %s", strerror(errno));
        if (ep >= 0) {
            close(ep);
        }
        return 1;
    }
    if (tfd >= 0) {
        ev.data.u32 = 1;
        epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev);
    }
    int rc = -1;
    while (rc < 0) {
        struct epoll_event got[2];
        int n = epoll_wait(ep, got, 2, -1);
        if (n < 0 && errno != EINTR) {
            mon_err("epoll_wait: %s", strerror(errno));
            rc = 1;
        }
        for (int k = 0; k < n; k++) {
            if (got[k].data.u32 == 1) {
                rc = 0; /* timeout */
            }
        }
        bool stop = drain_signals(m);
        size_t died = reap(m, true);
        mon_reap_orphans(m);
        if (died > 0) {
            rc = 1;
        } else if (stop) {
            rc = 0;
        }
    }
    if (tfd >= 0) {
        close(tfd);
    }
    close(ep);
    return rc;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

static bool any_running(const struct mon *m)
{
    for (size_t i = 0; i < m->sys->num_pds; i++) {
        if (m->pd[i].running) {
            return true;
        }
    }
    return false;
}

void mon_stop(struct mon *m)
{
    for (size_t i = 0; i < m->sys->num_pds; i++) {
        if (m->pd[i].running) {
            kill(m->pd[i].pid, SIGTERM);
        }
    }
    long deadline = now_ms() + STOP_GRACE_MS;
    reap(m, false);
    while (any_running(m) && now_ms() < deadline) {
        struct pollfd pfd = {.fd = m->sig_fd, .events = POLLIN};
        long left = deadline - now_ms();
        if (m->sig_fd >= 0) {
            poll(&pfd, 1, left > 50 ? 50 : (int)(left > 0 ? left : 0));
            drain_signals(m);
        } else {
            usleep(10000);
        }
        reap(m, false);
    }
    for (size_t i = 0; i < m->sys->num_pds; i++) {
        struct mon_pd *pd = &m->pd[i];
        if (!pd->running) {
            continue;
        }
        kill(pd->pid, SIGKILL);
        int st;
        while (waitpid(pd->pid, &st, 0) < 0 && errno == EINTR) {
        }
        pd->running = false;
    }
    mon_kill_descendants(m, DESCENDANTS_KILL_MS);
}
