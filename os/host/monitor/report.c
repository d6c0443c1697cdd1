/*
 * os/host/monitor/report.c - what the monitor says about PDs: one line per PD
 * that faulted or exited (like Microkit's monitor: PD name, signal, faulting
 * address from the PD's fault record), and the statistics counters read from
 * each PD's page, which is untrusted (the PD writes it).
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

void mon_report_death(struct mon *m, size_t i, int status)
{
    const char *name = m->sys->pds[i].name;
    if (WIFSIGNALED(status)) {
        int sig = WTERMSIG(status);
        const char *abbrev = sigabbrev_np(sig);
        const char *descr = sigdescr_np(sig);
        char addr[32] = "unknown";
        struct host_fault_record r;
        if (fault_record(m->pd[i].fault_rd, sig, &r) && r.has_addr) {
            snprintf(addr, sizeof(addr), "0x%llx", (unsigned long long)r.addr);
        }
        if (abbrev) {
            mon_print("sddf: PD '%s' faulted: SIG%s (%s) at address %s\n", name, abbrev,
                      descr ? descr : "unknown signal", addr);
        } else {
            mon_print("sddf: PD '%s' faulted: signal %d at address %s\n", name, sig, addr);
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
        if (m->pd[i].stats) {
            mon_stats_format(m->pd[i].stats, HOST_STATS_PAGE_SIZE, line, sizeof(line));
        }
        mon_print("sddf: stats %s%s\n", m->sys->pds[i].name, line);
    }
}
