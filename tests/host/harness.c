/*
 * tests/host/harness.c - what the host-layer process tests share (see
 * harness.h): systems built in code, monitor_run in a forked child with its
 * log captured, and assertions on the log, /proc and leftover processes.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "test_layout.h"

/* ---- Building systems --------------------------------------------------- */

void tsys_init(struct tsys *t)
{
    memset(t, 0, sizeof(*t));
    t->s.file = (char *)"test";
    t->s.regions = t->regions;
    t->s.pds = t->pds;
    t->s.channels = t->chans;
    t->s.taps = t->taps;
    t->s.devices = t->devs;
}

size_t add_region(struct tsys *t, const char *name, uint64_t size)
{
    size_t i = t->s.num_regions++;
    t->regions[i] = (sys_region){.name = (char *)name, .size = size, .page_size = 4096};
    return i;
}

/* @prog: a test program in this build dir, or an absolute path. */
size_t add_pd(struct tsys *t, const char *name, const char *prog, unsigned prio)
{
    size_t i = t->s.num_pds++;
    if (prog[0] == '/') {
        snprintf(t->paths[i], sizeof(t->paths[i]), "%s", prog);
    } else {
        snprintf(t->paths[i], sizeof(t->paths[i]), "%s/%s", TEST_PD_DIR, prog);
    }
    t->pds[i] = (sys_pd){.name = (char *)name,
                         .program = (char *)prog,
                         .program_path = t->paths[i],
                         .priority = prio,
                         .cpu = -1,
                         .maps = t->maps[i],
                         .irqs = t->irqs[i]};
    return i;
}

void add_map(struct tsys *t, size_t pd, size_t region, uint64_t vaddr, unsigned perms)
{
    t->maps[pd][t->pds[pd].num_maps++] =
        (sys_map){.region = region, .vaddr = vaddr, .perms = perms, .cached = true};
}

void add_channel(struct tsys *t, size_t a, unsigned ida, size_t b, unsigned idb, bool a_pp)
{
    t->chans[t->s.num_channels++] =
        (sys_channel){.end = {{.pd = a, .id = ida, .pp = a_pp, .notify = true},
                              {.pd = b, .id = idb, .pp = false, .notify = true}}};
}

void add_irq(struct tsys *t, size_t pd, unsigned id, enum sys_irq_kind kind, size_t dev)
{
    t->irqs[pd][t->pds[pd].num_irqs++] = (sys_irq){.id = id, .kind = kind, .device = dev};
}

/* Device @id of @pd; returns its index (for device_in/device_out IRQs). */
size_t add_device(struct tsys *t, size_t pd, unsigned id, enum sys_device_kind kind,
                  const char *path, bool read_only)
{
    size_t i = t->s.num_devices++;
    t->devs[i] = (sys_device){
        .kind = kind, .path = (char *)path, .read_only = read_only, .pd = pd, .id = id};
    return i;
}

/* ---- Running the monitor in a child ------------------------------------- */

/* Children of this process still present (running or zombie), from /proc. */
int count_children(void)
{
    int n = 0;
    DIR *d = opendir("/proc");
    if (!d) {
        return -1;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0])) {
            continue;
        }
        char path[300], buf[512];
        snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
        FILE *f = fopen(path, "r");
        if (!f) {
            continue;
        }
        size_t got = fread(buf, 1, sizeof(buf) - 1, f);
        fclose(f);
        buf[got] = '\0';
        char *rp = strrchr(buf, ')');
        int ppid = 0;
        char state;
        if (rp && sscanf(rp + 1, " %c %d", &state, &ppid) == 2 && ppid == getpid()) {
            n++;
        }
    }
    closedir(d);
    return n;
}

void run_start(struct run *r, const sys_system *sys, const monitor_options *o, bool netns)
{
    run_start_with(r, sys, o, netns, NULL);
}

void run_start_with(struct run *r, const sys_system *sys, const monitor_options *o, bool netns,
                    void (*prepare)(void))
{
    int p[2];
    assert_int_equal(pipe2(p, O_CLOEXEC), 0);
    memset(r, 0, sizeof(*r));
    r->pid = fork();
    assert_true(r->pid >= 0);
    if (r->pid == 0) {
        close(p[0]);
        dup2(p[1], STDERR_FILENO);
        if (netns && unshare(CLONE_NEWNET) != 0) {
            fprintf(stderr, "sddf-test: unshare(CLONE_NEWNET): %s\n", strerror(errno));
            _exit(90);
        }
        if (prepare) {
            prepare();
        }
        int rc = monitor_run(sys, o);
        int left = count_children();
        if (left != 0) {
            fprintf(stderr, "sddf-test: %d children left after monitor_run\n", left);
            _exit(99);
        }
        for (size_t i = 0; i < sys->num_taps; i++) {
            if (if_nametoindex(sys->taps[i].name) != 0) {
                fprintf(stderr, "sddf-test: TAP %s left after monitor_run\n", sys->taps[i].name);
                _exit(98);
            }
        }
        _exit(rc);
    }
    close(p[1]);
    r->fd = p[0];
}

void run_start_on_tty(struct run *r, const sys_system *sys, const monitor_options *o, int tty)
{
    memset(r, 0, sizeof(*r));
    r->fd = -1;
    r->pid = fork();
    assert_true(r->pid >= 0);
    if (r->pid == 0) {
        if (dup2(tty, 0) < 0 || dup2(tty, 1) < 0 || dup2(tty, 2) < 0) {
            _exit(97);
        }
        if (tty > 2) {
            close(tty);
        }
        int rc = monitor_run(sys, o);
        _exit(count_children() != 0 ? 99 : rc);
    }
}

int run_wait_exit(struct run *r, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    int st = 0;
    pid_t got;
    while ((got = waitpid(r->pid, &st, WNOHANG)) == 0 && now_ms() < deadline) {
        usleep(10000);
    }
    if (got == 0) {
        kill(r->pid, SIGKILL);
        waitpid(r->pid, &st, 0);
        return -1;
    }
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000L + ts.tv_nsec / 1000000L;
}

/* Read output until EOF or @deadline; returns false at EOF. */
bool run_read(struct run *r, long deadline)
{
    struct pollfd pfd = {.fd = r->fd, .events = POLLIN};
    long left = deadline - now_ms();
    if (left <= 0 || poll(&pfd, 1, (int)left) <= 0) {
        return true;
    }
    ssize_t n = read(r->fd, r->out + r->len, sizeof(r->out) - 1 - r->len);
    if (n <= 0) {
        return false;
    }
    r->len += (size_t)n;
    r->out[r->len] = '\0';
    return true;
}

size_t count_str(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle)) {
        n++;
    }
    return n;
}

bool run_wait_for(struct run *r, const char *needle, size_t count, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    while (count_str(r->out, needle) < count && now_ms() < deadline) {
        if (!run_read(r, deadline)) {
            break;
        }
    }
    return count_str(r->out, needle) >= count;
}

/* Collect the rest of the output and the monitor's return code. */
int run_finish(struct run *r, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    while (now_ms() < deadline) {
        if (!r->stop_sent && strstr(r->out, TEST_DONE_MSG)) {
            kill(r->pid, SIGTERM); /* a test PD is done: stop as a user would */
            r->stop_sent = true;
        }
        if (!run_read(r, deadline)) {
            break;
        }
    }
    int st = 0;
    if (now_ms() >= deadline) {
        kill(r->pid, SIGKILL);
    }
    waitpid(r->pid, &st, 0);
    close(r->fd);
    fprintf(stderr, "---- monitor output ----\n%s------------------------\n", r->out);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* PIDs from "sddf: started PD 'x' (pid N)" lines. */
size_t started_pids(const struct run *r, pid_t *pids, size_t max)
{
    size_t n = 0;
    for (const char *p = strstr(r->out, "(pid "); p && n < max; p = strstr(p + 1, "(pid ")) {
        pids[n++] = (pid_t)atoi(p + 5);
    }
    return n;
}

pid_t pid_of(const struct run *r, const char *name)
{
    char key[96];
    snprintf(key, sizeof(key), "started PD '%s' (pid ", name);
    const char *p = strstr(r->out, key);
    return p ? (pid_t)atoi(p + strlen(key)) : -1;
}

void assert_gone(const pid_t *pids, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        assert_true(pids[i] > 0);
        errno = 0;
        assert_int_equal(kill(pids[i], 0), -1);
        assert_int_equal(errno, ESRCH);
    }
}

void assert_has(const struct run *r, const char *needle)
{
    if (!strstr(r->out, needle)) {
        fail_msg("monitor output lacks \"%s\"", needle);
    }
}

char *read_proc(pid_t pid, const char *what)
{
    static char buf[1 << 16];
    char path[64];
    snprintf(path, sizeof(path), "/proc/%d/%s", (int)pid, what);
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}
