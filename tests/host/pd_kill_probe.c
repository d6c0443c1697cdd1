/*
 * tests/host/pd_kill_probe.c - what a PD can do to its neighbours' processes
 * (it should be nothing: every PD runs under a uid of its own).
 *
 * IRQ 0 is a timerfd: 300 ms after init, when every PD of the system has
 * started, the PD looks for its siblings (processes whose parent is the
 * monitor, from /proc) and tries kill(pid, 0) on each of them and on the
 * monitor, then logs one line:
 *
 *   probe: uid=U gid=G siblings=N eperm=E allowed=A monitor=EPERM|allowed
 *
 * and counts the same in its statistics (siblings, kill_eperm, kill_allowed,
 * monitor_eperm). The tests require siblings >= 1, allowed = 0 and
 * monitor=EPERM; uid and gid are the PD's own (MONITOR_PD_ID_BASE + index).
 * Signal 0 only checks permission: nothing is ever delivered.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <sddf/host/device.h>
#include <sddf/os.h>

#define PROBE_DELAY_NS 300000000L

static int parent_of(const char *pid)
{
    char path[300], buf[512];
    snprintf(path, sizeof(path), "/proc/%s/stat", pid);
    FILE *f = fopen(path, "re");
    if (!f) {
        return -1;
    }
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    int ppid = -1;
    char state;
    if (!rp || sscanf(rp + 1, " %c %d", &state, &ppid) != 2) {
        return -1;
    }
    return ppid;
}

static void probe(void)
{
    pid_t self = getpid(), monitor = getppid();
    unsigned siblings = 0, eperm = 0, allowed = 0;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL) {
        if (!isdigit((unsigned char)e->d_name[0]) || atoi(e->d_name) == self ||
            parent_of(e->d_name) != monitor) {
            continue;
        }
        siblings++;
        if (kill(atoi(e->d_name), 0) == 0) {
            allowed++;
        } else if (errno == EPERM) {
            eperm++;
        }
    }
    if (d) {
        closedir(d);
    }
    bool monitor_eperm = kill(monitor, 0) != 0 && errno == EPERM;
    sddf_stat_add(sddf_stat_counter("siblings"), siblings);
    sddf_stat_add(sddf_stat_counter("kill_eperm"), eperm);
    sddf_stat_add(sddf_stat_counter("kill_allowed"), allowed);
    sddf_stat_add(sddf_stat_counter("monitor_eperm"), monitor_eperm);
    sddf_log("probe: uid=%u gid=%u siblings=%u eperm=%u allowed=%u monitor=%s", (unsigned)getuid(),
             (unsigned)getgid(), siblings, eperm, allowed, monitor_eperm ? "EPERM" : "allowed");
}

void init(void)
{
    struct itimerspec its = {.it_value = {.tv_sec = 0, .tv_nsec = PROBE_DELAY_NS}};
    if (timerfd_settime(sddf_host_irq_fd(0), 0, &its, NULL) != 0) {
        sddf_fatal("cannot arm the probe timer");
    }
}

void notified(sddf_channel ch)
{
    uint64_t expirations;
    if (ch == 0 && read(sddf_host_irq_fd(0), &expirations, sizeof(expirations)) > 0) {
        probe();
    }
}
