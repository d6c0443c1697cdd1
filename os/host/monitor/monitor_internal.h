/*
 * os/host/monitor/monitor_internal.h - the monitor's state and its steps:
 * validate, create objects (regions, channels, devices), build each PD's
 * boot blob, launch, supervise, stop, report, tear down.
 */
#ifndef SDDF_HOST_MONITOR_INTERNAL_H
#define SDDF_HOST_MONITOR_INTERNAL_H

#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <termios.h>
#include "../stats_page.h"
#include "monitor.h"

/* Objects of one channel; every fd is -1 when the channel has no such object. */
struct mon_channel {
    int efd[2];    /* efd[k]: eventfd that end k writes and the other end waits on */
    int ppc[2][2]; /* ppc[k]: socket pair when end k is pp: [0] caller (end k), [1] callee */
};

/* One PD. */
struct mon_pd {
    pid_t pid;    /* > 0 once started */
    bool running; /* started and not yet reaped */
    int fault_rd, fault_wr;
    int stats_fd;
    struct host_stats_page *stats; /* the monitor's own mapping, or NULL */
    int config_fd;                 /* read-only sealed memfd, or -1 */
    int boot_fd;                   /* read-only sealed memfd */
    int *irq_fd;                   /* per sys irq: a timerfd owned here, or -1 (TAP: borrowed) */
    int *fds;                      /* borrowed descriptors passed at HOST_BOOT_FIRST_FD + i */
    size_t num_fds;
    int *scratch; /* num_fds + 3 ints, used by the forked child */
    int exec_fd;  /* O_PATH descriptor of the program, opened before any uid change */
    uid_t uid;    /* uid and gid the PD runs under (MONITOR_PD_ID_BASE + index) */
    gid_t gid;
    int cpu;          /* CPU to pin to */
    uint64_t memlock; /* RLIMIT_MEMLOCK to give the PD (bytes), 0 = leave as is */
};

/* One device (sys_device): descriptors owned by the monitor, -1 when absent. */
struct mon_device {
    int fd;        /* block device; a tty's input */
    int out_fd;    /* a tty's separate output (the controlling terminal's stdout), or -1 */
    int fl_fd[2];  /* a shared open file whose O_NONBLOCK we set: restore at the end */
    int fl_old[2]; /* its status flags before */
};

/* A terminal put in raw mode, and how to restore it. */
struct mon_term {
    int fd; /* our own descriptor of the terminal */
    dev_t rdev;
    struct termios saved;
};

/* The monitor. */
struct mon {
    const sys_system *sys;
    const monitor_options *opts;
    pid_t self;
    int *region_fd;    /* read-write memfd per region */
    int *region_ro_fd; /* read-only reopen per region, or -1 until needed */
    struct mon_channel *chan;
    int *tap_fd;
    struct mon_device *dev; /* per sys device */
    struct mon_term *term;  /* terminals in raw mode (at most 2 per device) */
    size_t num_term;
    struct mon_pd *pd;
    sigset_t old_mask;
    bool mask_set;
    struct sigaction old_pipe; /* SIGPIPE's disposition before monitor_run */
    bool pipe_set;             /* we ignore SIGPIPE (restored at teardown) */
    int sig_fd;
    bool pd_ids;         /* each PD gets its own uid/gid (the caller may switch ids) */
    int old_subreaper;   /* PR_GET_CHILD_SUBREAPER before monitor_run, restored after */
    bool subreaper_set;  /* we made the caller a child subreaper */
    pid_t *pre_children; /* the caller's children before monitor_run: never touched */
    size_t num_pre_children;
};

/* Every setup step returns 0, or -1 after printing "sddf: ..." with the reason. */
int mon_validate(const sys_system *sys, const cpu_set_t *allowed);
int mon_regions_create(struct mon *m);
int mon_pd_files_create(struct mon *m, size_t i); /* config, stats, fault pipe */
int mon_channels_create(struct mon *m);
int mon_taps_create(struct mon *m);
int mon_devices_create(struct mon *m); /* block and tty devices (device_files.c) */
void mon_devices_close(struct mon *m); /* close them, restore shared flags; idempotent */
/* Put every tty device that is a terminal in raw mode, saving its termios (terminal.c). */
int mon_terminals_raw(struct mon *m);
/* Restore every saved termios (TCSANOW: never waits on a stuck reader); idempotent. */
void mon_terminals_restore(struct mon *m);
/* True while stderr is one of the raw terminals: lines must end "\r\n". */
bool mon_stderr_crlf(void);
int mon_irqs_create(struct mon *m, size_t i);
int mon_boot_build(struct mon *m, size_t i);
/*
 * Decide the PDs' identities (identity.c): with CAP_SETUID and CAP_SETGID,
 * PD i gets uid/gid MONITOR_PD_ID_BASE + i, after checking that no account
 * or group has them and that they are mapped in our user namespace;
 * without, every PD keeps the caller's ids (one note line).
 */
int mon_ids_setup(struct mon *m);
/* Open PD @i's program (O_PATH) and check it can run under the PD's uid:
 * a regular file executable by others when PDs get their own ids (launch.c). */
int mon_program_open(struct mon *m, size_t i);
int mon_launch(struct mon *m, size_t i);

/*
 * Descendants (descendants.c). mon_subreaper_start records the caller's
 * children (left alone) and makes the caller a child subreaper, so that
 * whatever a PD forks stays below the monitor even when its parent dies.
 * mon_reap_orphans reaps such orphans that ended while the system runs (PDs
 * are reaped by mon_supervise). mon_kill_descendants SIGKILLs and reaps
 * every remaining descendant (not the caller's earlier children), bounded by
 * @timeout_ms; survivors are reported. mon_subreaper_end restores the flag.
 */
int mon_subreaper_start(struct mon *m);
void mon_reap_orphans(struct mon *m);
void mon_kill_descendants(struct mon *m, int timeout_ms);
void mon_subreaper_end(struct mon *m);

/* Wait for a stop reason: returns 0 (signal or timeout) or 1 (a PD died, reported). */
int mon_supervise(struct mon *m);
/* SIGTERM, up to ~2 s grace, SIGKILL, reap; then every other descendant is
 * killed and reaped (mon_kill_descendants): no process is left afterwards. */
void mon_stop(struct mon *m);

/* One line for PD @i that ended with wait status @status while the system ran. */
void mon_report_death(struct mon *m, size_t i, int status);
/* "sddf: stats NAME k=v ..." for every PD, " (none)" in place of counters for a PD without. */
void mon_report_stats(const struct mon *m);

/**
 * Format the counters of an untrusted stats page (@page of @size bytes) as
 * " name=value" pairs into @out (@outlen bytes, always NUL-terminated): count
 * read once and clamped, names forced to NUL-terminated printable [A-Za-z0-9_.-],
 * empty names skipped. Returns the number of counters written.
 */
size_t mon_stats_format(const void *page, size_t size, char *out, size_t outlen);

/* Create a sealed memfd named @name holding @len bytes of @data (or zeros when
 * @data is NULL) of @size bytes; @seal_write also forbids writes. Returns fd or -1. */
int mon_memfd(const char *name, uint64_t size, bool hugetlb, const void *data, size_t len,
              bool seal_write);
/* A read-only descriptor for the same file as @fd, or -1. */
int mon_reopen_ro(int fd);

/* Print "sddf: " + message + newline to stderr (through mon_print). */
void mon_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Print to stderr in one write; "\n" becomes "\r\n" while stderr is a raw terminal. */
void mon_print(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SDDF_HOST_MONITOR_INTERNAL_H */
