/*
 * os/host/monitor/report.c - what the monitor says about PDs: one line per PD
 * that faulted, was killed or exited (like Microkit's monitor: PD name,
 * signal, and from the PD's fault record the faulting address of a real
 * fault, or the pid that sent the signal), and the statistics counters read
 * from each PD's page, which is untrusted (the PD writes it).
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "../pd_status.h"
#include "monitor_internal.h"

/* The last well-formed record in the fault pipe for @signo, if any. */
static bool fault_record(int fd, int signo, struct host_fault_record *out)
{
    bool found = false;
    struct host_fault_record r;
    while (fd >= 0 && read(fd, &r, sizeof(r)) == (ssize_t)sizeof(r)) {
        if (r.magic == HOST_FAULT_MAGIC && r.signo == signo) {
            *out = r;
            found = true;
        }
    }
    return found;
}

/* "SIGSEGV (Segmentation fault)", or "signal N" for a number without a name. */
static void signal_name(int sig, char *buf, size_t len)
{
    const char *abbrev = sigabbrev_np(sig);
    const char *descr = sigdescr_np(sig);
    if (abbrev) {
        snprintf(buf, len, "SIG%s (%s)", abbrev, descr ? descr : "unknown signal");
    } else {
        snprintf(buf, len, "signal %d", sig);
    }
}

/* Signals that mean a fault when the kernel raises them (they carry an address). */
static bool fault_signal(int sig)
{
    return sig == SIGSEGV || sig == SIGBUS || sig == SIGILL || sig == SIGFPE;
}

void mon_report_death(struct mon *m, size_t i, int status)
{
    const char *name = m->sys->pds[i].name;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        char what[96];
        signal_name(sig, what, sizeof(what));
        struct host_fault_record r;
        bool have = fault_record(m->pd[i].fault_rd, sig, &r);
        if (have && r.code <= 0 && r.sender == m->pd[i].pid) {
            /* raise() or abort() in the PD itself */
            mon_print("sddf: PD '%s' faulted: %s raised by itself\n", name, what);
        } else if (have && r.code <= 0) {
            /* kill(), sigqueue() or tkill() from another process: no address */
            mon_print("sddf: PD '%s' killed by %s sent by pid %lld\n", name, what,
                      (long long)r.sender);
        } else if (have && r.has_addr) {
            mon_print("sddf: PD '%s' faulted: %s at address 0x%llx\n", name, what,
                      (unsigned long long)r.addr);
        } else if (have || fault_signal(sig)) {
            mon_print("sddf: PD '%s' faulted: %s at address unknown\n", name, what);
        } else {
            /* No record: a signal the PD does not catch (SIGKILL, SIGTERM...). */
            mon_print("sddf: PD '%s' killed by %s\n", name, what);
        }
    } else if (WIFEXITED(status)) {
        int code = WEXITSTATUS(status);
        mon_print("sddf: PD '%s' exited with status %d%s\n", name, code,
                  code == HOST_EXIT_FATAL ? " (fatal error)" : "");
    }
}

static bool name_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '.' || c == '-';
}

size_t mon_stats_format(const void *page, size_t size, char *out, size_t outlen)
{
    const struct host_stats_page *p = page;
    uint32_t cap = host_stats_capacity(size); /* ours, never the page's */
    uint32_t count = __atomic_load_n(&p->count, __ATOMIC_ACQUIRE);
    size_t used = 0, written = 0;
    if (outlen == 0) {
        return 0;
    }
    out[0] = '\0';
    if (count > cap) {
        count = cap;
    }
    for (uint32_t i = 0; i < count; i++) {
        char name[HOST_STATS_NAME_LEN];
        memcpy(name, p->entries[i].name, sizeof(name));
        name[sizeof(name) - 1] = '\0';
        if (name[0] == '\0') {
            continue;
        }
        for (char *c = name; *c; c++) {
            *c = name_char_ok(*c) ? *c : '?';
        }
        uint64_t v = __atomic_load_n(&p->entries[i].value, __ATOMIC_RELAXED);
        int n = snprintf(out + used, outlen - used, " %s=%llu", name, (unsigned long long)v);
        if (n < 0 || (size_t)n >= outlen - used) {
            out[used] = '\0'; /* no partial pair */
            break;
        }
        used += (size_t)n;
        written++;
    }
    return written;
}

void mon_report_stats(const struct mon *m)
{
    char line[8192];
    for (size_t i = 0; i < m->sys->num_pds; i++) {
        line[0] = '\0';
        size_t n = 0;
        if (m->pd[i].stats) {
            n = mon_stats_format(m->pd[i].stats, HOST_STATS_PAGE_SIZE, line, sizeof(line));
        }
        /* One line per PD, always (scripts count them); "(none)" says it has no counters. */
        mon_print("sddf: stats %s%s\n", m->sys->pds[i].name, n > 0 ? line : " (none)");
    }
}
