/*
 * os/host/runtime/fault.c - report a fatal signal to the monitor, which prints
 * the PD name, the signal and the faulting address (like Microkit's monitor).
 *
 * The handler runs on an alternate stack (a stack overflow must be reported
 * too), writes one fixed record to the fault pipe: the faulting address of
 * a fault the kernel raised, or the pid of whoever sent the signal (write(2)
 * is async-signal-safe and the record is below PIPE_BUF, so it is atomic),
 * restores the default action and re-raises, so the PD still dies by the
 * original signal.
 * It is installed from main(), after a sanitizer runtime installed its own
 * handlers, so ours is the one that runs.
 */
#include <signal.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../pd_status.h"
#include "runtime.h"

static const int fault_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

static void fault_handler(int signo, siginfo_t *si, void *uctx)
{
    (void)uctx;
    int code = si ? si->si_code : SI_USER;
    /* A signal sent by a process (kill, sigqueue, tkill, raise, abort) has
     * si_code <= 0 and no faulting address: si_addr would alias si_pid. */
    bool fault = code > 0 && signo != SIGABRT;
    struct host_fault_record r = {
        .magic = HOST_FAULT_MAGIC,
        .signo = signo,
        .code = code,
        .has_addr = fault ? 1u : 0u,
    };
    if (fault) {
        r.addr = (uint64_t)(uintptr_t)si->si_addr;
    } else if (code <= 0 && si) {
        r.sender = si->si_pid;
    }
    if (rt.fault_fd >= 0) {
        ssize_t w = write(rt.fault_fd, &r, sizeof(r));
        (void)w;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof(dfl));
    dfl.sa_handler = SIG_DFL;
    sigaction(signo, &dfl, NULL);
    /* Blocked while we run: delivered with the default action on return.
     * A synchronous fault would also simply recur on return. */
    raise(signo);
}

void rt_fault_setup(const struct host_boot_view *view)
{
    (void)view;
    size_t size = (size_t)64 * 1024; /* sanitizers need more than SIGSTKSZ */
    void *stack = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (stack == MAP_FAILED) {
        sddf_fatal("cannot allocate the fault stack");
    }
    stack_t ss = {.ss_sp = stack, .ss_size = size, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        sddf_fatal("sigaltstack failed");
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_sigaction = fault_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < sizeof(fault_signals) / sizeof(fault_signals[0]); i++) {
        if (sigaction(fault_signals[i], &sa, NULL) != 0) {
            sddf_fatal("cannot install the fault handler for signal %d", fault_signals[i]);
        }
    }
}
