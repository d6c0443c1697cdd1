/*
 * os/host/monitor/descendants.c - no process a PD started outlives the
 * system (DESIGN §4: tear down cleanly, no orphans).
 *
 * A PD that forks (a compromised one, before the seccomp allow-list forbids
 * it) could leave a child behind, e.g. a setsid'd one that ignores SIGTERM,
 * and when the PD dies that child would be re-parented to init, out of the
 * monitor's sight. So while the system runs the monitor is a child
 * subreaper: orphans below it are re-parented to it, and at teardown every
 * descendant is found in /proc (parent links from the monitor down), killed
 * with SIGKILL and reaped, round after round until none is left or the time
 * is up. Children the caller had before monitor_run (and what is below them)
 * are never touched.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "monitor_internal.h"

/* Every process's (pid, parent pid) from /proc/PID/stat. */
struct proc_table {
    pid_t *pid, *ppid;
    size_t n, cap;
};

static void table_free(struct proc_table *t)
{
    free(t->pid);
    free(t->ppid);
    memset(t, 0, sizeof(*t));
}

/* Fill @t; returns 0, or -1 if /proc cannot be read or memory runs out. */
static int table_read(struct proc_table *t)
{
    DIR *d = opendir("/proc");
    if (!d) {
        return -1;
    }
    t->n = 0;
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0])) {
            continue;
        }
        char path[300], buf[512];
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "re");
        if (!f) {
            continue; /* ended meanwhile */
        }
        size_t got = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[got] = '\0';
        /* "pid (comm) state ppid ...": comm may hold anything, even ')'. */
        const char *rp = strrchr(buf, ')');
        int ppid = 0;
        char state;
        if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2) {
            continue;
        }
        if (t->n == t->cap) {
            size_t cap = t->cap ? 2 * t->cap : 256;
            pid_t *a = realloc(t->pid, cap * sizeof(pid_t));
            if (a) {
                t->pid = a;
            }
            pid_t *b = a ? realloc(t->ppid, cap * sizeof(pid_t)) : NULL;
            if (!b) {
                rc = -1;
                break;
            }
            t->ppid = b;
            t->cap = cap;
        }
        t->pid[t->n] = (pid_t)atoi(e->d_name);
        t->ppid[t->n] = (pid_t)ppid;
        t->n++;
    }
    closedir(d);
    return rc;
}

static bool pre_existing(const struct mon *m, pid_t pid)
{
    for (size_t i = 0; i < m->num_pre_children; i++) {
        if (m->pre_children[i] == pid) {
            return true;
        }
    }
    return false;
}

int mon_subreaper_start(struct mon *m)
{
    struct proc_table t = {0};
    if (table_read(&t) != 0) {
        table_free(&t);
        mon_err("cannot read /proc to track the PDs' processes");
        return -1;
    }
    pid_t self = getpid();
    m->pre_children = calloc(t.n + 1, sizeof(pid_t));
    if (!m->pre_children) {
        table_free(&t);
        mon_err("out of memory");
        return -1;
    }
    for (size_t i = 0; i < t.n; i++) {
        if (t.ppid[i] == self) {
            m->pre_children[m->num_pre_children++] = t.pid[i];
        }
    }
    table_free(&t);
    if (prctl(PR_GET_CHILD_SUBREAPER, &m->old_subreaper) != 0 ||
        prctl(PR_SET_CHILD_SUBREAPER, 1) != 0) {
        mon_err("PR_SET_CHILD_SUBREAPER: %s", strerror(errno));
        return -1;
    }
    m->subreaper_set = true;
    return 0;
}

void mon_subreaper_end(struct mon *m)
{
    if (m->subreaper_set) {
        prctl(PR_SET_CHILD_SUBREAPER, m->old_subreaper);
        m->subreaper_set = false;
    }
    free(m->pre_children);
    m->pre_children = NULL;
    m->num_pre_children = 0;
}

static bool is_pd(const struct mon *m, pid_t pid)
{
    for (size_t i = 0; m->pd && i < m->sys->num_pds; i++) {
        if (m->pd[i].running && m->pd[i].pid == pid) {
            return true;
        }
    }
    return false;
}

void mon_reap_orphans(struct mon *m)
{
    /* Bounded per call: more wait for the next SIGCHLD. */
    for (int k = 0; k < 64; k++) {
        siginfo_t si;
        memset(&si, 0, sizeof(si));
        if (waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) != 0 || si.si_pid == 0) {
            return;
        }
        if (is_pd(m, si.si_pid) || pre_existing(m, si.si_pid)) {
            return; /* a PD (mon_supervise reports it) or the caller's own */
        }
        int st;
        waitpid(si.si_pid, &st, WNOHANG);
    }
}

/* Mark in @in every descendant of the monitor (not itself, not the caller's
 * earlier children and what is below them); returns how many. */
static size_t mark_descendants(const struct mon *m, const struct proc_table *t, bool *in)
{
    pid_t self = getpid();
    size_t count = 0;
    memset(in, 0, t->n * sizeof(bool));
    for (bool grew = true; grew;) {
        grew = false;
        for (size_t i = 0; i < t->n; i++) {
            if (in[i] || t->pid[i] == self) {
                continue;
            }
            bool below = t->ppid[i] == self && !pre_existing(m, t->pid[i]);
            for (size_t j = 0; !below && j < t->n; j++) {
                below = in[j] && t->pid[j] == t->ppid[i];
            }
            if (below) {
                in[i] = true;
                grew = true;
                count++;
            }
        }
    }
    return count;
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

void mon_kill_descendants(struct mon *m, int timeout_ms)
{
    if (!m->subreaper_set) {
        return; /* no PD was started, and the caller's children are not ours */
    }
    long deadline = now_ms() + timeout_ms;
    pid_t self = getpid();
    size_t left = 0;
    for (;;) {
        struct proc_table t = {0};
        bool *in = NULL;
        if (table_read(&t) != 0 || !(in = calloc(t.n + 1, sizeof(bool)))) {
            table_free(&t);
            mon_err("cannot read /proc: processes started by PDs may be left");
            return;
        }
        left = mark_descendants(m, &t, in);
        for (size_t i = 0; i < t.n; i++) {
            if (!in[i]) {
                continue;
            }
            kill(t.pid[i], SIGKILL);
            int st;
            if (t.ppid[i] == self) {
                waitpid(t.pid[i], &st, WNOHANG); /* ours: reap it once it is dead */
            }
        }
        free(in);
        table_free(&t);
        if (left == 0 || now_ms() >= deadline) {
            break;
        }
        usleep(5000); /* let the killed die and their children be re-parented to us */
    }
    if (left > 0) {
        mon_err("%zu processes started by PDs survived SIGKILL for %d ms", left, timeout_ms);
    }
}
