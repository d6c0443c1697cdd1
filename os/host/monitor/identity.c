/*
 * os/host/monitor/identity.c - which uid and gid each PD runs under
 * (MONITOR_PD_ID_BASE + its index, monitor.h).
 *
 * Capabilities alone do not make a PD harmless: a PD running as uid 0
 * without capabilities still owns every root-owned file it can reach, and
 * can signal every other root process, the monitor and its sibling PDs
 * included. A uid of its own, shared with nothing, removes all of that; the
 * runtime's capability drop stays as defence in depth. The ids are switched
 * in the forked child before exec (launch.c); here the monitor decides
 * whether it can, and checks the ids are free before anything is created.
 */
#include <errno.h>
#include <grp.h>
#include <inttypes.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "monitor_internal.h"

_Static_assert((uint64_t)MONITOR_PD_ID_BASE + SYS_MAX_PDS < 0x80000000ull,
               "PD ids stay below 2^31 (some tools treat larger uids as negative)");

/* True if the effective set holds what become_pd (launch.c) needs:
 * CAP_SETUID, CAP_SETGID and CAP_SETPCAP (bounding set, securebits). */
static bool can_switch_ids(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &hdr, data) != 0) {
        return false;
    }
    uint32_t need = (1u << CAP_SETUID) | (1u << CAP_SETGID) | (1u << CAP_SETPCAP);
    return (data[0].effective & need) == need;
}

/* True if ids [first, first + count) are all mapped in this user namespace
 * (/proc/self/uid_map or gid_map lines: "inside outside count"). */
static bool ids_mapped(const char *map, uint64_t first, uint64_t count)
{
    FILE *f = fopen(map, "re");
    if (!f) {
        return errno == ENOENT; /* no user namespaces: every id exists */
    }
    bool ok = false;
    uint64_t inside, outside, n;
    while (!ok && fscanf(f, "%" SCNu64 " %" SCNu64 " %" SCNu64, &inside, &outside, &n) == 3) {
        ok = inside <= first && first + count <= inside + n;
    }
    fclose(f);
    return ok;
}

int mon_ids_setup(struct mon *m)
{
    const sys_system *sys = m->sys;
    if (!can_switch_ids()) {
        m->pd_ids = false;
        for (size_t i = 0; i < sys->num_pds; i++) {
            m->pd[i].uid = getuid();
            m->pd[i].gid = getgid();
        }
        mon_err("note: no CAP_SETUID/CAP_SETGID/CAP_SETPCAP: every PD runs as uid %u like sddf "
                "itself (as root, each PD gets a uid of its own)",
                (unsigned)getuid());
        return 0;
    }
    if (sys->num_pds > SYS_MAX_PDS) {
        mon_err("%zu protection domains: at most %u (one uid each)", sys->num_pds, SYS_MAX_PDS);
        return -1;
    }
    uint64_t first = MONITOR_PD_ID_BASE, count = sys->num_pds;
    if (!ids_mapped("/proc/self/uid_map", first, count) ||
        !ids_mapped("/proc/self/gid_map", first, count)) {
        mon_err("PD ids 0x%" PRIx64 "..0x%" PRIx64 " are not mapped in this user namespace: "
                "cannot give each PD its own uid",
                first, first + count - 1);
        return -1;
    }
    for (size_t i = 0; i < sys->num_pds; i++) {
        uint32_t id = MONITOR_PD_ID_BASE + (uint32_t)i;
        errno = 0;
        const struct passwd *pw = getpwuid(id);
        if (pw) {
            mon_err("uid %u (for PD '%s') belongs to account '%s': the PD uid range from "
                    "MONITOR_PD_ID_BASE 0x%x must be unused",
                    id, sys->pds[i].name, pw->pw_name, MONITOR_PD_ID_BASE);
            return -1;
        }
        const struct group *gr = getgrgid(id);
        if (gr) {
            mon_err("gid %u (for PD '%s') belongs to group '%s': the PD gid range from "
                    "MONITOR_PD_ID_BASE 0x%x must be unused",
                    id, sys->pds[i].name, gr->gr_name, MONITOR_PD_ID_BASE);
            return -1;
        }
        m->pd[i].uid = id;
        m->pd[i].gid = id;
    }
    endpwent();
    endgrent();
    m->pd_ids = true;
    return 0;
}
