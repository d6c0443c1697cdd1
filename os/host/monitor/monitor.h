/*
 * os/host/monitor/monitor.h - the monitor behind `sddf run`: builds a checked
 * system (tools/system.h) out of Linux objects, runs it, and tears it down.
 */
#ifndef SDDF_HOST_MONITOR_H
#define SDDF_HOST_MONITOR_H

#include <stdbool.h>
#include "../../../tools/system.h"

/** How `sddf run` was asked to run. */
typedef struct monitor_options {
    bool quiet;          /* no progress lines, only faults and errors */
    bool print_stats;    /* print every PD's statistics counters at the end */
    unsigned timeout_ms; /* stop the system after this long; 0 = run until signalled */
} monitor_options;

/**
 * Run @sys: create its regions, channels and devices, put its terminals
 * (tty devices) in raw mode, start its PDs in declared order, and wait.
 * Stops on SIGINT/SIGTERM/SIGHUP, at the timeout, or when a PD exits or
 * faults (reported as one line naming the PD, the signal and the faulting
 * address). Always tears down everything it created and restores every
 * terminal's mode: no process, TAP device or shared memory is left behind.
 * (A SIGKILL of the monitor cannot be handled: the PDs die with it, but a
 * raw terminal stays raw; `stty sane` repairs it.)
 * Returns 0 after a requested stop, 1 if a PD faulted or exited, 2 if the
 * system could not be set up (the reason is printed to stderr).
 */
int monitor_run(const sys_system *sys, const monitor_options *opts);

#endif /* SDDF_HOST_MONITOR_H */
