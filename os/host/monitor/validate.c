/*
 * os/host/monitor/validate.c - structural checks of a system before anything
 * is created, so that a bad model fails with a reason and nothing half-started.
 * The system tool checks the description itself (sDDF rules); these are the
 * facts the monitor relies on: indices in range, ids unique, names that fit.
 */
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sddf/os.h>
#include "../boot.h"
#include "monitor_internal.h"

_Static_assert(HOST_PERM_R == SYS_PERM_R && HOST_PERM_W == SYS_PERM_W && HOST_PERM_X == SYS_PERM_X,
               "boot perms equal the system model's");
_Static_assert(HOST_IRQ_TAP == SYS_IRQ_TAP && HOST_IRQ_TIMERFD == SYS_IRQ_TIMERFD &&
                   HOST_IRQ_EVENTFD == SYS_IRQ_EVENTFD && HOST_IRQ_DEVICE_IN == SYS_IRQ_DEVICE_IN &&
                   HOST_IRQ_DEVICE_OUT == SYS_IRQ_DEVICE_OUT,
               "boot IRQ kinds equal the system model's");
_Static_assert(HOST_DEVICE_BLOCK == SYS_DEVICE_BLOCK && HOST_DEVICE_TTY == SYS_DEVICE_TTY &&
                   HOST_BOOT_MAX_DEVICES == SYS_MAX_DEVICES,
               "boot devices equal the system model's");

static int check_regions(const sys_system *sys)
{
    for (size_t i = 0; i < sys->num_regions; i++) {
        const sys_region *r = &sys->regions[i];
        if (!r->name || !r->name[0] || strlen(r->name) > SYS_MAX_REGION_NAME) {
            mon_err("region %zu: missing or too long name", i);
            return -1;
        }
        if ((r->page_size != 4096u && r->page_size != (2u << 20)) || r->size == 0 ||
            r->size % r->page_size) {
            mon_err("region '%s': size %llu is not a multiple of page size %llu", r->name,
                    (unsigned long long)r->size, (unsigned long long)r->page_size);
            return -1;
        }
        if (r->size > SYS_MAX_REGION_SIZE) {
            mon_err("region '%s': %llu bytes, more than %llu", r->name, (unsigned long long)r->size,
                    (unsigned long long)SYS_MAX_REGION_SIZE);
            return -1;
        }
    }
    return 0;
}

static int check_taps(const sys_system *sys)
{
    for (size_t i = 0; i < sys->num_taps; i++) {
        const sys_tap *t = &sys->taps[i];
        if (!t->name || !t->name[0] || strlen(t->name) >= IFNAMSIZ || t->prefix_len > 32 ||
            t->mtu < 68) {
            mon_err("TAP %zu ('%s'): bad name, prefix or MTU", i, t->name ? t->name : "");
            return -1;
        }
    }
    return 0;
}

/* Claim channel/IRQ id @id in PD @pd's id space. */
static int claim(const sys_system *sys, bool (*used)[SDDF_MAX_CHANNELS], size_t pd, unsigned id,
                 const char *what)
{
    if (id >= SDDF_MAX_CHANNELS) {
        mon_err("PD '%s': %s id %u out of range (0..%u)", sys->pds[pd].name, what, id,
                SDDF_MAX_CHANNELS - 1);
        return -1;
    }
    if (used[pd][id]) {
        mon_err("PD '%s': channel id %u used twice", sys->pds[pd].name, id);
        return -1;
    }
    used[pd][id] = true;
    return 0;
}

static int check_pd(const sys_system *sys, size_t i, const cpu_set_t *allowed,
                    bool (*used)[SDDF_MAX_CHANNELS])
{
    const sys_pd *p = &sys->pds[i];
    if (!p->name || !p->name[0] || strlen(p->name) >= SDDF_NAME_LENGTH) {
        mon_err("PD %zu: missing or too long name", i);
        return -1;
    }
    if (!p->program_path || access(p->program_path, X_OK) != 0) {
        mon_err("PD '%s': program '%s' not found or not executable", p->name,
                p->program_path ? p->program_path : (p->program ? p->program : "(none)"));
        return -1;
    }
    if (p->cpu < -1 || p->cpu >= CPU_SETSIZE || (p->cpu >= 0 && !CPU_ISSET(p->cpu, allowed))) {
        mon_err("PD '%s': CPU %d is not available to this process", p->name, p->cpu);
        return -1;
    }
    if (p->num_maps > HOST_BOOT_MAX_MAPS) {
        mon_err("PD '%s': too many maps", p->name);
        return -1;
    }
    if (p->config_size > SYS_MAX_CONFIG_SIZE || (p->config_size > 0 && !p->config)) {
        mon_err("PD '%s': configuration of %zu bytes (at most %u)", p->name, p->config_size,
                SYS_MAX_CONFIG_SIZE);
        return -1;
    }
    for (size_t j = 0; j < p->num_maps; j++) {
        if (p->maps[j].region >= sys->num_regions || !(p->maps[j].perms & SYS_PERM_R)) {
            mon_err("PD '%s': map %zu names no region or lacks read permission", p->name, j);
            return -1;
        }
    }
    for (size_t j = 0; j < p->num_irqs; j++) {
        const sys_irq *q = &p->irqs[j];
        if (claim(sys, used, i, q->id, "IRQ")) {
            return -1;
        }
        bool dev = q->kind == SYS_IRQ_DEVICE_IN || q->kind == SYS_IRQ_DEVICE_OUT;
        if ((q->kind == SYS_IRQ_TAP && q->device >= sys->num_taps) ||
            (dev && (q->device >= sys->num_devices || sys->devices[q->device].pd != i ||
                     sys->devices[q->device].kind != SYS_DEVICE_TTY)) ||
            (unsigned)q->kind > SYS_IRQ_DEVICE_OUT) {
            mon_err("PD '%s': IRQ %u names no device (of its own, a tty for device_in/out)",
                    p->name, q->id);
            return -1;
        }
    }
    return 0;
}

static int check_devices(const sys_system *sys)
{
    for (size_t d = 0; d < sys->num_devices; d++) {
        const sys_device *dev = &sys->devices[d];
        if (dev->pd >= sys->num_pds || dev->id >= SYS_MAX_DEVICES ||
            (dev->kind != SYS_DEVICE_BLOCK && dev->kind != SYS_DEVICE_TTY) ||
            (dev->kind == SYS_DEVICE_BLOCK && (!dev->path || !dev->path[0]))) {
            mon_err("device %zu: bad PD, id, kind or path", d);
            return -1;
        }
        for (size_t e = 0; e < d; e++) {
            if (sys->devices[e].pd == dev->pd && sys->devices[e].id == dev->id) {
                mon_err("PD '%s': device id %u used twice", sys->pds[dev->pd].name, dev->id);
                return -1;
            }
        }
    }
    return 0;
}

int mon_validate(const sys_system *sys, const cpu_set_t *allowed)
{
    if (sys->num_pds == 0) {
        mon_err("the system has no protection domain");
        return -1;
    }
    if (sys->num_pds > SYS_MAX_PDS) {
        mon_err("the system has %zu protection domains (at most %u)", sys->num_pds, SYS_MAX_PDS);
        return -1;
    }
    if (check_regions(sys) || check_taps(sys) || check_devices(sys)) {
        return -1;
    }
    bool(*used)[SDDF_MAX_CHANNELS] = calloc(sys->num_pds, sizeof(*used));
    if (!used) {
        mon_err("out of memory");
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; i < sys->num_pds && rc == 0; i++) {
        rc = check_pd(sys, i, allowed, used);
    }
    for (size_t c = 0; c < sys->num_channels && rc == 0; c++) {
        const sys_channel *ch = &sys->channels[c];
        if (ch->end[0].pd >= sys->num_pds || ch->end[1].pd >= sys->num_pds ||
            ch->end[0].pd == ch->end[1].pd) {
            mon_err("channel %zu: ends must name two different PDs", c);
            rc = -1;
            break;
        }
        for (int k = 0; k < 2 && rc == 0; k++) {
            rc = claim(sys, used, ch->end[k].pd, ch->end[k].id, "channel");
        }
    }
    free(used);
    return rc;
}
