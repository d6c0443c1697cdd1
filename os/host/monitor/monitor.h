/*
 * os/host/monitor/monitor.h - the monitor behind `sddf run`: builds a checked
 * system (tools/system.h) out of Linux objects, runs it, and tears it down.
 */
#ifndef SDDF_HOST_MONITOR_H
#define SDDF_HOST_MONITOR_H

#include <stdbool.h>
#include "../../../tools/system.h"

/**
 * The identities of PDs: PD i of a system (i < SYS_MAX_PDS, in declared
 * order) runs under uid and gid MONITOR_PD_ID_BASE + i, with no
 * supplementary groups. No passwd or group entry is needed; the ids in use
 * must not belong to a real account or group (checked with getpwuid and
 * getgrgid before anything is created). Distinct uids mean a PD cannot
 * signal, ptrace or read /proc of another PD or of the monitor, and owns no
 * file. The base is chosen far above the ranges distributions allocate
 * (0..65535) and below 2^31. Two systems run at the same time use the same
 * ids for their PD 0, PD 1, ...
 */
#define MONITOR_PD_ID_BASE 0x5dd00000u

/** How `sddf run` was asked to run. */
typedef struct monitor_options {
    bool quiet;          /* no progress lines, only faults and errors */
    bool print_stats;    /* print every PD's statistics counters at the end */
    unsigned timeout_ms; /* stop the system after this long; 0 = run until signalled */
} monitor_options;

/**
 * Run @sys: create its regions, channels and devices, put its terminals
 * (tty devices) in raw mode, start its PDs in declared order (each under
 * its own uid, see MONITOR_PD_ID_BASE, when the caller may switch uids:
 * CAP_SETUID and CAP_SETGID; otherwise under the caller's uid, with a
 * note), and wait. Stops on SIGINT, SIGTERM, SIGHUP or any other signal
 * whose default action would end the process (SIGQUIT, SIGUSR1, SIGALRM...;
 * not the fault signals SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP, SIGSYS,
 * which mean a monitor bug; SIGPIPE is ignored while it runs), at the
 * timeout, or when a PD exits or faults (reported as one line naming the PD, the signal and the
 * faulting address, or who sent the signal). While it runs the caller is a
 * child subreaper (PR_SET_CHILD_SUBREAPER), so processes a PD forked stay
 * its descendants. Always tears down everything it created and restores
 * every terminal's mode: no process (PDs and every process they started),
 * TAP device or shared memory is left behind.
 * (A SIGKILL of the monitor cannot be handled: the PDs die with it, but a
 * raw terminal stays raw; `stty sane` repairs it. It is the one exception.)
 * Returns 0 after a requested stop, 1 if a PD faulted or exited, 2 if the
 * system could not be set up (the reason is printed to stderr).
 */
int monitor_run(const sys_system *sys, const monitor_options *opts);

#endif /* SDDF_HOST_MONITOR_H */
