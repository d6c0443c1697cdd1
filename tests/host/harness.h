/*
 * tests/host/harness.h - the harness of the host-layer process tests
 * (test_monitor.c, test_devices.c): build sys_system structs in code, run
 * monitor_run in a forked child whose stderr (the monitor's log) is
 * captured, and assert on what happened: return code, the monitor's lines,
 * /proc of the PDs, and that no PD process (nor TAP device) is left.
 */
#ifndef SDDF_TESTS_HOST_HARNESS_H
#define SDDF_TESTS_HOST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "monitor.h"

#define MAX 8

/** A system built in code: sys_system plus the arrays it points into. */
struct tsys {
    sys_system s;
    sys_region regions[MAX];
    sys_pd pds[MAX];
    sys_channel chans[MAX];
    sys_tap taps[2];
    sys_map maps[MAX][4];
    sys_irq irqs[MAX][4];
    sys_device devs[4];
    char paths[MAX][512];
};

/** A monitor_run in a forked child; out collects its stderr (fd -1: not captured). */
struct run {
    pid_t pid;
    int fd;
    bool stop_sent; /* run_finish saw TEST_DONE_MSG and sent SIGTERM */
    char out[1 << 16];
    size_t len;
};

/* ---- building systems (no checks: the monitor validates) ---- */
void tsys_init(struct tsys *t);
size_t add_region(struct tsys *t, const char *name, uint64_t size);
/* @prog: a test program in this build dir, or an absolute path. */
size_t add_pd(struct tsys *t, const char *name, const char *prog, unsigned prio);
void add_map(struct tsys *t, size_t pd, size_t region, uint64_t vaddr, unsigned perms);
void add_channel(struct tsys *t, size_t a, unsigned ida, size_t b, unsigned idb, bool a_pp);
/* @dev: TAP index, or device index (add_device's result) for device_in/out. */
void add_irq(struct tsys *t, size_t pd, unsigned id, enum sys_irq_kind kind, size_t dev);
/* Device @id of @pd; returns its index in the system's devices. */
size_t add_device(struct tsys *t, size_t pd, unsigned id, enum sys_device_kind kind,
                  const char *path, bool read_only);

/* ---- running the monitor ---- */
/* Children of this process still present (running or zombie), from /proc. */
int count_children(void);
/* Fork; the child runs monitor_run (in a new network namespace if @netns)
 * with stderr into r->fd, checks nothing is left, and exits with its code
 * (98: a TAP left, 99: children left). */
void run_start(struct run *r, const sys_system *sys, const monitor_options *o, bool netns);
/* Like run_start; the child calls @prepare (if not NULL) just before monitor_run. */
void run_start_with(struct run *r, const sys_system *sys, const monitor_options *o, bool netns,
                    void (*prepare)(void));
/* Like run_start, but the child's stdin, stdout and stderr are @tty (the
 * terminal `sddf run` would run on); nothing is captured (r->fd = -1). */
void run_start_on_tty(struct run *r, const sys_system *sys, const monitor_options *o, int tty);
/* Wait up to @timeout_ms for a run without captured output; its exit code or -1. */
int run_wait_exit(struct run *r, int timeout_ms);
long now_ms(void);
/* Read output until EOF or @deadline; returns false at EOF. */
bool run_read(struct run *r, long deadline);
size_t count_str(const char *hay, const char *needle);
/* Read until @needle was seen @count times; false at the timeout or EOF. */
bool run_wait_for(struct run *r, const char *needle, size_t count, int timeout_ms);
/* Collect the rest of the output and the monitor's return code (-1: killed).
 * When a test PD logs TEST_DONE_MSG (test_layout.h), the monitor is sent
 * SIGTERM: that is how a finished test system stops. */
int run_finish(struct run *r, int timeout_ms);
/* PIDs from "sddf: started PD 'x' (pid N)" lines. */
size_t started_pids(const struct run *r, pid_t *pids, size_t max);
pid_t pid_of(const struct run *r, const char *name);

/* ---- assertions ---- */
void assert_gone(const pid_t *pids, size_t n);
void assert_has(const struct run *r, const char *needle);
/* /proc/PID/WHAT as a string (a static buffer). */
char *read_proc(pid_t pid, const char *what);

#endif /* SDDF_TESTS_HOST_HARNESS_H */
