/*
 * os/host/monitor/regions.c - memory regions (one memfd each, kept open by the
 * monitor for the system's lifetime: regions belong to the monitor and
 * survive a PD restart) and each PD's private files: configuration (sealed,
 * read-only), statistics page and fault pipe.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <sddf/os.h>
#include "monitor_internal.h"

int mon_regions_create(struct mon *m)
{
    const sys_system *sys = m->sys;
    for (size_t i = 0; i < sys->num_regions; i++) {
        const sys_region *r = &sys->regions[i];
        m->region_fd[i] = mon_memfd(r->name, r->size, r->page_size == (2u << 20), NULL, 0, false);
        if (m->region_fd[i] < 0) {
            return -1;
        }
    }
    /* Read-only descriptors only for regions some PD maps without W. */
    for (size_t p = 0; p < sys->num_pds; p++) {
        for (size_t j = 0; j < sys->pds[p].num_maps; j++) {
            const sys_map *map = &sys->pds[p].maps[j];
            if (!(map->perms & SYS_PERM_W) && m->region_ro_fd[map->region] < 0) {
                m->region_ro_fd[map->region] = mon_reopen_ro(m->region_fd[map->region]);
                if (m->region_ro_fd[map->region] < 0) {
                    return -1;
                }
            }
        }
    }
    return 0;
}

int mon_pd_files_create(struct mon *m, size_t i)
{
    const sys_pd *p = &m->sys->pds[i];
    struct mon_pd *pd = &m->pd[i];
    char name[SDDF_NAME_LENGTH + 32];

    if (p->config && p->config_size > 0) {
        snprintf(name, sizeof(name), "sddf-config:%s", p->name);
        int fd = mon_memfd(name, p->config_size, false, p->config, p->config_size, true);
        if (fd < 0) {
            return -1;
        }
        pd->config_fd = mon_reopen_ro(fd);
        close(fd);
        if (pd->config_fd < 0) {
            return -1;
        }
    }

    snprintf(name, sizeof(name), "sddf-stats:%s", p->name);
    pd->stats_fd = mon_memfd(name, HOST_STATS_PAGE_SIZE, false, NULL, 0, false);
    if (pd->stats_fd < 0) {
        return -1;
    }
    void *page =
        mmap(NULL, HOST_STATS_PAGE_SIZE, PROT_READ | PROT_WRITE, MAP_SHARED, pd->stats_fd, 0);
    if (page == MAP_FAILED) {
        mon_err("PD '%s': cannot map its statistics page: %s", p->name, strerror(errno));
        return -1;
    }
    pd->stats = page;
    memcpy(pd->stats->magic, HOST_STATS_MAGIC, sizeof(pd->stats->magic));
    pd->stats->capacity = host_stats_capacity(HOST_STATS_PAGE_SIZE);

    int pfd[2];
    if (pipe2(pfd, O_CLOEXEC) != 0) {
        mon_err("PD '%s': cannot create its fault pipe: %s", p->name, strerror(errno));
        return -1;
    }
    pd->fault_rd = pfd[0];
    pd->fault_wr = pfd[1];
    if (fcntl(pd->fault_rd, F_SETFL, O_NONBLOCK) != 0) {
        mon_err("PD '%s': fault pipe: %s", p->name, strerror(errno));
        return -1;
    }
    return 0;
}
