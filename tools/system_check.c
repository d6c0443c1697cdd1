/*
 * tools/system_check.c - checks on the whole expanded model, run after the
 * class elements are expanded (so generated entities are checked exactly
 * like declared ones): overlapping maps, PPC priorities, synthetic IO
 * ranges, IRQ devices, devices (one disk or terminal per device), the
 * limits of `sddf run` (PDs, maps and descriptors per PD, region names and
 * sizes, configuration size, CPUs), program images, and the isolation
 * invariants of the sDDF design: every queue has exactly one producer
 * and one consumer PD; no client maps a driver's DMA region or another
 * client's data.
 */
#include <limits.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sddf/config.h>

#include "../os/host/boot.h"
#include "system_internal.h"

static uint64_t map_end(const sys_system *sys, const sys_map *m)
{
    return m->vaddr + sys->regions[m->region].size;
}

static void check_maps(sys_builder *b)
{
    const sys_system *sys = b->sys;
    for (size_t p = 0; p < sys->num_pds; p++) {
        const sys_pd *pd = &sys->pds[p];
        for (size_t j = 0; j < pd->num_maps; j++) {
            const sys_map *mj = &pd->maps[j];
            for (size_t i = 0; i < j; i++) {
                const sys_map *mi = &pd->maps[i];
                if (mj->vaddr < map_end(sys, mi) && mi->vaddr < map_end(sys, mj)) {
                    sys_error(b, mj->line,
                              "map of '%s' at 0x%llx-0x%llx in '%s' overlaps map of '%s' (line %d)",
                              sys->regions[mj->region].name, (unsigned long long)mj->vaddr,
                              (unsigned long long)map_end(sys, mj), pd->name,
                              sys->regions[mi->region].name, mi->line);
                    break;
                }
            }
        }
    }
}

static void check_ppc(sys_builder *b)
{
    const sys_system *sys = b->sys;
    for (size_t i = 0; i < sys->num_channels; i++) {
        const sys_channel *c = &sys->channels[i];
        for (int e = 0; e < 2; e++) {
            if (!c->end[e].pp)
                continue;
            const sys_pd *caller = &sys->pds[c->end[e].pd];
            const sys_pd *callee = &sys->pds[c->end[1 - e].pd];
            /* Microkit's rule: a PPC runs the callee at its own, higher
             * priority; with strictly rising priorities no call can cycle. */
            if (callee->priority <= caller->priority)
                sys_error(b, c->line,
                          "'%s' (priority %u) may not PPC '%s' (priority %u): the callee's "
                          "priority must be higher",
                          caller->name, caller->priority, callee->name, callee->priority);
        }
    }
}

static void check_io(sys_builder *b)
{
    const sys_system *sys = b->sys;
    for (size_t j = 0; j < sys->num_regions; j++) {
        const sys_region *rj = &sys->regions[j];
        if (rj->io_addr == 0)
            continue;
        for (size_t i = 0; i < j; i++) {
            const sys_region *ri = &sys->regions[i];
            if (ri->io_addr != 0 && rj->io_addr < ri->io_addr + ri->size &&
                ri->io_addr < rj->io_addr + rj->size) {
                sys_error(b, rj->line, "io_addr range of '%s' overlaps that of '%s' (line %d)",
                          rj->name, ri->name, ri->line);
                break;
            }
        }
    }
}

static bool is_file(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode);
}

static bool is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Executable for a PD: `sddf run` gives each PD a uid of its own, in no
 * group, so only the "others" execute bit counts (os/host/monitor/launch.c). */
static bool is_executable(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0 &&
           (st.st_mode & S_IXOTH);
}

/* Resolve a program image: absolute path; else the description's folder if
 * executable there; else the program directory (where `sddf` lives). */
static void resolve_program(sys_builder *b, sys_pd *pd)
{
    const char *prog = pd->program;
    char *cand[2] = {NULL, NULL};
    int n = 0;
    if (prog[0] == '/') {
        cand[n++] = sys_xstrdup(prog);
    } else {
        cand[n++] = sys_xasprintf("%s/%s", b->dir, prog);
        cand[n++] = sys_xasprintf("%s/%s", b->program_dir, prog);
    }
    const char *found = NULL, *not_exec = NULL, *dir = NULL;
    for (int i = 0; i < n && found == NULL; i++) {
        if (is_executable(cand[i]))
            found = cand[i];
        else if (not_exec == NULL && is_file(cand[i]))
            not_exec = cand[i];
        else if (dir == NULL && is_dir(cand[i]))
            dir = cand[i];
    }
    if (found != NULL) {
        char *real = realpath(found, NULL);
        pd->program_path = real != NULL ? real : sys_xstrdup(found);
    } else if (not_exec != NULL && access(not_exec, X_OK) == 0) {
        sys_error(b, pd->line,
                  "program '%s' of '%s': '%s' is not executable by others (each PD runs under "
                  "a uid of its own)",
                  prog, pd->name, not_exec);
    } else if (not_exec != NULL) {
        sys_error(b, pd->line, "program '%s' of '%s': '%s' is not executable", prog, pd->name,
                  not_exec);
    } else if (dir != NULL) {
        sys_error(b, pd->line, "program '%s' of '%s': '%s' is a directory", prog, pd->name, dir);
    } else if (prog[0] == '/') {
        sys_error(b, pd->line, "program '%s' of '%s' not found", prog, pd->name);
    } else {
        sys_error(b, pd->line, "program '%s' of '%s' not found in '%s' or '%s'", prog, pd->name,
                  b->dir, b->program_dir);
    }
    free(cand[0]);
    free(cand[1]);
}

unsigned sys_check_invariants(const sys_system *sys, FILE *err)
{
    unsigned bad = 0;
    bool *is_client = sys_xrealloc(NULL, sys->num_pds ? sys->num_pds : 1, sizeof(bool));
    memset(is_client, 0, (sys->num_pds ? sys->num_pds : 1) * sizeof(bool));
    for (size_t r = 0; r < sys->num_regions; r++)
        if (sys->regions[r].client_private && sys->regions[r].client < sys->num_pds)
            is_client[sys->regions[r].client] = true;

    for (size_t r = 0; r < sys->num_regions; r++) {
        const sys_region *reg = &sys->regions[r];
        size_t maps = 0, rw = 0, first_pd = SYS_NONE;
        bool same_pd = false;
        for (size_t p = 0; p < sys->num_pds; p++) {
            for (size_t m = 0; m < sys->pds[p].num_maps; m++) {
                const sys_map *map = &sys->pds[p].maps[m];
                if (map->region != r)
                    continue;
                same_pd |= first_pd == p;
                first_pd = first_pd == SYS_NONE ? p : first_pd;
                maps++;
                rw += (map->perms & SYS_PERM_W) != 0;
                if (reg->kind == SYS_REGION_DMA && is_client[p]) {
                    fprintf(err, "%s:%d: client '%s' maps the rx DMA region '%s'\n", sys->file,
                            map->line, sys->pds[p].name, reg->name);
                    bad++;
                }
                if (reg->client_private && reg->client != p && is_client[p]) {
                    fprintf(err, "%s:%d: client '%s' maps '%s', a region of client '%s'\n",
                            sys->file, map->line, sys->pds[p].name, reg->name,
                            reg->client < sys->num_pds ? sys->pds[reg->client].name : "?");
                    bad++;
                }
            }
        }
        if (reg->kind == SYS_REGION_QUEUE && (maps != 2 || rw != 2 || same_pd)) {
            fprintf(err,
                    "%s:%d: queue region '%s' is mapped %zu times (%zu rw): want rw in "
                    "exactly two PDs\n",
                    sys->file, reg->line, reg->name, maps, rw);
            bad++;
        }
        if (reg->kind == SYS_REGION_DMA && rw > 1) {
            fprintf(err, "%s:%d: DMA region '%s' is writable in %zu PDs (at most one)\n", sys->file,
                    reg->line, reg->name, rw);
            bad++;
        }
    }
    free(is_client);
    return bad;
}

/*
 * True if @a and @b name one file: the same (st_dev, st_ino) after symbolic
 * links are followed (so "d/./x", a symlink or a hard link to x is x), or
 * device nodes of one device (the same type and st_rdev). Paths that cannot
 * be stat'ed are compared as strings (the open fails later anyway).
 */
static bool same_file(const char *a, const char *b)
{
    struct stat sa, sb;
    if (stat(a, &sa) != 0 || stat(b, &sb) != 0)
        return strcmp(a, b) == 0;
    if (sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino)
        return true;
    bool node = S_ISBLK(sa.st_mode) || S_ISCHR(sa.st_mode);
    return node && (sa.st_mode & S_IFMT) == (sb.st_mode & S_IFMT) && sa.st_rdev == sb.st_rdev;
}

/* One open file per disk or terminal: two drivers on one would corrupt it or race for input.
 * (Across systems, `sddf run` locks each block device it opens: device_files.c.) */
static void check_devices(sys_builder *b)
{
    const sys_system *sys = b->sys;
    for (size_t j = 0; j < sys->num_devices; j++) {
        const sys_device *dj = &sys->devices[j];
        for (size_t i = 0; i < j; i++) {
            const sys_device *di = &sys->devices[i];
            if (di->kind != dj->kind)
                continue;
            if (dj->path == NULL && di->path == NULL) {
                sys_error(b, dj->line,
                          "the terminal of `sddf run` (a tty device without path) is already "
                          "device %u of '%s' (line %d)",
                          di->id, sys->pds[di->pd].name, di->line);
                break;
            }
            if (dj->path != NULL && di->path != NULL && strcmp(dj->path, di->path) == 0) {
                sys_error(b, dj->line, "%s device '%s' is already device %u of '%s' (line %d)",
                          dj->kind == SYS_DEVICE_BLOCK ? "block" : "tty", dj->path, di->id,
                          sys->pds[di->pd].name, di->line);
                break;
            }
            if (dj->path != NULL && di->path != NULL && same_file(dj->path, di->path)) {
                sys_error(b, dj->line,
                          "%s device '%s' is the same file as '%s', already device %u of '%s' "
                          "(line %d)",
                          dj->kind == SYS_DEVICE_BLOCK ? "block" : "tty", dj->path, di->path,
                          di->id, sys->pds[di->pd].name, di->line);
                break;
            }
        }
    }
    for (size_t p = 0; p < sys->num_pds; p++) {
        for (size_t i = 0; i < sys->pds[p].num_irqs; i++) {
            const sys_irq *q = &sys->pds[p].irqs[i];
            if ((q->kind == SYS_IRQ_DEVICE_IN || q->kind == SYS_IRQ_DEVICE_OUT) &&
                (q->device >= sys->num_devices || sys->devices[q->device].pd != p ||
                 sys->devices[q->device].kind != SYS_DEVICE_TTY))
                sys_error(b, q->line, "IRQ %u of '%s' names no tty device of its own", q->id,
                          sys->pds[p].name);
        }
    }
}

/* A component finds its record by class and role (sddf_config_find): two
 * records of one kind in a PD (a <config> and a class's) would be ambiguous. */
static void check_config_unique(sys_builder *b, const sys_pd *pd)
{
    for (size_t i = 0; i + sizeof(sddf_config_header_t) <= pd->config_size;) {
        sddf_config_header_t hi;
        memcpy(&hi, pd->config + i, sizeof(hi));
        if (hi.size < sizeof(hi) || hi.size > pd->config_size - i)
            return; /* malformed: cannot be, records are checked where they are made */
        for (size_t j = 0; j + sizeof(sddf_config_header_t) <= i;) {
            sddf_config_header_t hj;
            memcpy(&hj, pd->config + j, sizeof(hj));
            if (hj.class_id == hi.class_id && hj.role == hi.role) {
                sys_error(b, pd->line,
                          "protection domain '%s' has two configuration records of class "
                          "0x%02x role %u",
                          pd->name, hi.class_id, hi.role);
                return;
            }
            j += hj.size;
        }
        i += hi.size;
    }
}

/* Channel ends and IRQs share SDDF_MAX_CHANNELS ids and a PD holds at most
 * SYS_MAX_DEVICES devices, so only HOST_BOOT_MAX_MAPS can push a PD past the
 * descriptor limit; check_limits still counts, as the monitor does. */
_Static_assert(3 + HOST_BOOT_MAX_MAPS + 4 * SDDF_MAX_CHANNELS + 2 * SYS_MAX_DEVICES <=
                   HOST_BOOT_MAX_FDS,
               "a PD within the map, channel and device limits fits the descriptor limit");

/*
 * The limits `sddf run` enforces (tools/system.h, os/host/boot.h), so that a
 * description `sddf check` passes is never refused by the monitor for one.
 * Declared entities are checked where they are read; generated ones here.
 */
static void check_limits(sys_builder *b)
{
    const sys_system *sys = b->sys;
    if (sys->num_pds > SYS_MAX_PDS)
        sys_error(b, sys->pds[SYS_MAX_PDS].line,
                  "%zu protection domains (at most %u: each runs under a uid of its own)",
                  sys->num_pds, SYS_MAX_PDS);
    for (size_t r = 0; r < sys->num_regions; r++) {
        const sys_region *reg = &sys->regions[r];
        if (strlen(reg->name) > SYS_MAX_REGION_NAME)
            sys_error(b, reg->line, "memory region name '%s' is longer than %u characters",
                      reg->name, SYS_MAX_REGION_NAME);
        if (reg->size > SYS_MAX_REGION_SIZE)
            sys_error(b, reg->line, "memory region '%s': size 0x%llx is larger than %llu GiB",
                      reg->name, (unsigned long long)reg->size,
                      (unsigned long long)(SYS_MAX_REGION_SIZE >> 30));
    }
    for (size_t p = 0; p < sys->num_pds; p++) {
        const sys_pd *pd = &sys->pds[p];
        size_t devices = 0, ends = 0;
        for (size_t d = 0; d < sys->num_devices; d++)
            devices += sys->devices[d].pd == p;
        for (size_t c = 0; c < sys->num_channels; c++)
            ends += (sys->channels[c].end[0].pd == p) + (sys->channels[c].end[1].pd == p);
        size_t fds = host_boot_fd_bound(pd->num_maps, pd->num_irqs, devices, ends);
        if (pd->num_maps > HOST_BOOT_MAX_MAPS)
            sys_error(b, pd->line, "protection domain '%s' has %zu maps (at most %u)", pd->name,
                      pd->num_maps, HOST_BOOT_MAX_MAPS);
        else if (fds > HOST_BOOT_MAX_FDS)
            sys_error(b, pd->line,
                      "protection domain '%s' needs %zu descriptors for its maps, IRQs, "
                      "devices and channels (at most %u)",
                      pd->name, fds, HOST_BOOT_MAX_FDS);
        if (pd->config_size > SYS_MAX_CONFIG_SIZE)
            sys_error(b, pd->line,
                      "protection domain '%s' has %zu bytes of configuration (at most %u)",
                      pd->name, pd->config_size, SYS_MAX_CONFIG_SIZE);
        check_config_unique(b, pd);
    }
}

/* A CPU a PD names must be one `sddf run` may use (its affinity mask). */
static void check_cpus(sys_builder *b)
{
    const sys_system *sys = b->sys;
    cpu_set_t allowed;
    CPU_ZERO(&allowed);
    if (sched_getaffinity(0, sizeof(allowed), &allowed) != 0)
        return;
    for (size_t p = 0; p < sys->num_pds; p++)
        if (sys->pds[p].cpu >= 0 &&
            (sys->pds[p].cpu >= CPU_SETSIZE || !CPU_ISSET(sys->pds[p].cpu, &allowed)))
            sys_error(b, sys->pds[p].line, "cpu %d of '%s' is not available to this process",
                      sys->pds[p].cpu, sys->pds[p].name);
}

void sys_check_model(sys_builder *b)
{
    sys_system *sys = b->sys;
    check_limits(b);
    check_maps(b);
    check_ppc(b);
    check_io(b);
    check_devices(b);
    for (size_t p = 0; p < sys->num_pds; p++)
        for (size_t i = 0; i < sys->pds[p].num_irqs; i++)
            if (sys->pds[p].irqs[i].kind == SYS_IRQ_TAP &&
                sys->pds[p].irqs[i].device >= sys->num_taps)
                sys_error(b, sys->pds[p].irqs[i].line, "IRQ of '%s' names no TAP device",
                          sys->pds[p].name);
    if (b->program_dir != NULL) { /* checks of the machine `sddf run` would run on */
        for (size_t p = 0; p < sys->num_pds; p++)
            resolve_program(b, &sys->pds[p]);
        check_cpus(b);
    }
    b->errors += sys_check_invariants(sys, b->err);
}
