/*
 * os/host/monitor/boot_build.c - a PD's boot blob (os/host/boot.h): the list
 * of descriptors it receives (each at HOST_BOOT_FIRST_FD + its index) and the
 * blob that names them, in a sealed, read-only memfd.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../boot.h"
#include <sddf/os.h>
#include "monitor_internal.h"

/* Locked memory a block driver may use beyond its maps (its io_uring rings). */
#define MEMLOCK_SLACK (16ull << 20)

/* Append @fd (borrowed) to the PD's list; returns its number in the PD, or -1 for fd < 0. */
static int32_t pass(struct mon_pd *pd, int fd)
{
    if (fd < 0) {
        return -1;
    }
    pd->fds[pd->num_fds] = fd;
    return HOST_BOOT_FIRST_FD + (int32_t)pd->num_fds++;
}

/* Upper bound of the descriptors PD @i receives. */
static size_t max_fds(const sys_system *sys, size_t i)
{
    const sys_pd *p = &sys->pds[i];
    size_t devices = 0, ends = 0;
    for (size_t d = 0; d < sys->num_devices; d++) {
        devices += sys->devices[d].pd == i;
    }
    for (size_t c = 0; c < sys->num_channels; c++) {
        for (int k = 0; k < 2; k++) {
            ends += sys->channels[c].end[k].pd == i;
        }
    }
    return host_boot_fd_bound(p->num_maps, p->num_irqs, devices, ends);
}

static void add_channels(struct mon *m, size_t i, struct host_boot_channel *out, uint32_t *n)
{
    const sys_system *sys = m->sys;
    for (size_t c = 0; c < sys->num_channels; c++) {
        for (int k = 0; k < 2; k++) {
            if (sys->channels[c].end[k].pd != i) {
                continue;
            }
            const struct mon_channel *mc = &m->chan[c];
            struct host_boot_channel *b = &out[(*n)++];
            b->id = sys->channels[c].end[k].id;
            b->notify_fd = pass(&m->pd[i], mc->efd[k]);
            b->wait_fd = pass(&m->pd[i], mc->efd[1 - k]);
            b->ppc_call_fd = pass(&m->pd[i], mc->ppc[k][0]);
            b->ppc_serve_fd = pass(&m->pd[i], mc->ppc[1 - k][1]);
            b->reserved = 0;
        }
    }
}

/* The PD's devices; one holding a block device may lock its maps (io_uring fixed buffers). */
static void add_devices(struct mon *m, size_t i, struct host_boot_device *out)
{
    const sys_system *sys = m->sys;
    struct mon_pd *pd = &m->pd[i];
    uint32_t n = 0;
    bool block = false;
    for (size_t d = 0; d < sys->num_devices; d++) {
        const sys_device *dev = &sys->devices[d];
        if (dev->pd != i) {
            continue;
        }
        block |= dev->kind == SYS_DEVICE_BLOCK;
        out[n++] = (struct host_boot_device){
            .id = dev->id,
            .kind = (uint32_t)dev->kind,
            .fd = pass(pd, m->dev[d].fd),
            .out_fd = pass(pd, m->dev[d].out_fd),
        };
    }
    if (block) {
        uint64_t bytes = MEMLOCK_SLACK;
        for (size_t j = 0; j < sys->pds[i].num_maps; j++) {
            bytes += sys->regions[sys->pds[i].maps[j].region].size;
        }
        pd->memlock = bytes;
    }
}

int mon_boot_build(struct mon *m, size_t i)
{
    const sys_system *sys = m->sys;
    const sys_pd *p = &sys->pds[i];
    struct mon_pd *pd = &m->pd[i];
    size_t nfd = max_fds(sys, i);
    if (nfd > HOST_BOOT_MAX_FDS) {
        mon_err("PD '%s': too many descriptors (%zu)", p->name, nfd);
        return -1;
    }
    uint32_t nch = 0;
    for (size_t c = 0; c < sys->num_channels; c++) {
        nch += (sys->channels[c].end[0].pd == i) + (sys->channels[c].end[1].pd == i);
    }
    uint32_t ndev = 0;
    for (size_t d = 0; d < sys->num_devices; d++) {
        ndev += sys->devices[d].pd == i;
    }
    size_t size = sizeof(struct host_boot_header) + p->num_maps * sizeof(struct host_boot_map) +
                  nch * sizeof(struct host_boot_channel) +
                  p->num_irqs * sizeof(struct host_boot_irq) +
                  ndev * sizeof(struct host_boot_device);
    uint8_t *blob = calloc(1, size);
    pd->fds = calloc(nfd, sizeof(int));
    pd->scratch = calloc(nfd + 3, sizeof(int));
    if (!blob || !pd->fds || !pd->scratch) {
        free(blob);
        mon_err("out of memory");
        return -1;
    }
    struct host_boot_header *h = (void *)blob;
    struct host_boot_map *maps = (void *)(h + 1);
    struct host_boot_channel *chs = (void *)(maps + p->num_maps);
    struct host_boot_irq *irqs = (void *)(chs + nch);
    struct host_boot_device *devs = (void *)(irqs + p->num_irqs);

    memcpy(h->magic, HOST_BOOT_MAGIC, sizeof(h->magic));
    h->version = HOST_BOOT_VERSION;
    h->size = (uint32_t)size;
    snprintf(h->pd_name, sizeof(h->pd_name), "%s", p->name);
    h->num_maps = (uint32_t)p->num_maps;
    h->num_channels = nch;
    h->num_irqs = (uint32_t)p->num_irqs;
    h->num_devices = ndev;
    h->flags = mon_stderr_crlf() ? HOST_BOOT_F_STDERR_CRLF : 0;
    for (size_t j = 0; j < p->num_maps; j++) {
        const sys_map *map = &p->maps[j];
        const sys_region *r = &sys->regions[map->region];
        bool w = map->perms & SYS_PERM_W;
        maps[j] = (struct host_boot_map){
            .vaddr = map->vaddr,
            .size = r->size,
            .page_size = r->page_size,
            .fd = pass(pd, w ? m->region_fd[map->region] : m->region_ro_fd[map->region]),
            .perms = map->perms,
        };
    }
    uint32_t n = 0;
    add_channels(m, i, chs, &n);
    for (size_t j = 0; j < p->num_irqs; j++) {
        const sys_irq *q = &p->irqs[j];
        int fd = q->kind == SYS_IRQ_TAP ? m->tap_fd[q->device] : pd->irq_fd[j];
        irqs[j] = (struct host_boot_irq){.id = q->id, .fd = pass(pd, fd), .kind = q->kind};
    }
    add_devices(m, i, devs);
    h->config_fd = pass(pd, pd->config_fd);
    h->config_size = pd->config_fd >= 0 ? p->config_size : 0;
    h->stats_fd = pass(pd, pd->stats_fd);
    h->stats_size = HOST_STATS_PAGE_SIZE;
    h->fault_fd = pass(pd, pd->fault_wr);

    char name[SDDF_NAME_LENGTH + 32];
    snprintf(name, sizeof(name), "sddf-boot:%s", p->name);
    int fd = mon_memfd(name, size, false, blob, size, true);
    free(blob);
    if (fd < 0) {
        return -1;
    }
    pd->boot_fd = mon_reopen_ro(fd);
    close(fd);
    return pd->boot_fd < 0 ? -1 : 0;
}
