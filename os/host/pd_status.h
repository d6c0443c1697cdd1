/*
 * os/host/pd_status.h - how a PD tells the monitor why it stopped (private to
 * the host OS layer): a fault record written to the fault pipe by the PD's
 * signal handler, and the exit status of sddf_fatal().
 */
#ifndef SDDF_HOST_PD_STATUS_H
#define SDDF_HOST_PD_STATUS_H

#include <stdint.h>

/** Exit status of a PD that called sddf_fatal() (distinct from 0, 1 and 127). */
#define HOST_EXIT_FATAL 121

/** Exit status of a forked child that could not become a PD (before exec). */
#define HOST_EXIT_EXEC_FAILED 127

#define HOST_FAULT_MAGIC 0x73444446u /* "sDDF" */

/**
 * Record written once by the fault handler (24 bytes, < PIPE_BUF: atomic).
 * siginfo's si_code tells a fault the kernel raised (si_code > 0: si_addr
 * is the faulting address) from a signal someone sent with kill, sigqueue,
 * tkill or raise (si_code <= 0: SI_USER, SI_QUEUE, SI_TKILL...; si_addr is
 * meaningless, si_pid names the sender). Written by the PD, so the monitor
 * only prints its numbers.
 */
struct host_fault_record {
    uint32_t magic;    /* HOST_FAULT_MAGIC */
    int32_t signo;     /* the fatal signal */
    int32_t code;      /* siginfo si_code */
    uint32_t has_addr; /* 1 if addr is a faulting address (code > 0; SEGV, BUS, ILL, FPE) */
    union {
        uint64_t addr;  /* has_addr: siginfo si_addr */
        int64_t sender; /* code <= 0: siginfo si_pid, the sender's pid */
    };
};
_Static_assert(sizeof(struct host_fault_record) == 24, "fault record is 24 bytes");

#endif /* SDDF_HOST_PD_STATUS_H */
