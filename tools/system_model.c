/*
 * tools/system_model.c - building the expanded system model: adding
 * entities, finding them by name, allocating channel ids, virtual and
 * synthetic IO addresses, and releasing the model (sys_free).
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sddf/os.h>

#include "system_internal.h"

void sys_error(sys_builder *b, int line, const char *fmt, ...)
{
    va_list ap;
    char *msg = NULL;
    va_start(ap, fmt);
    int n = vasprintf(&msg, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fputs("sddf: out of memory\n", stderr);
        abort();
    }
    /* One line per error, whatever a value quoted in it holds: control
     * characters (a newline in an attribute, an escape sequence) are shown
     * as \xNN, never written to the terminal. */
    fprintf(b->err, "%s:%d: ", b->file, line);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++) {
        if (*p < 0x20 || *p == 0x7f)
            fprintf(b->err, "\\x%02x", *p);
        else
            fputc(*p, b->err);
    }
    fputc('\n', b->err);
    free(msg);
    b->errors++;
}

void *sys_xrealloc(void *p, size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size) {
        fputs("sddf: out of memory\n", stderr);
        abort();
    }
    size_t bytes = n * size;
    void *q = realloc(p, bytes != 0 ? bytes : 1);
    if (q == NULL) {
        fputs("sddf: out of memory\n", stderr);
        abort();
    }
    return q;
}

char *sys_xstrdup(const char *s)
{
    if (s == NULL)
        return NULL;
    char *d = strdup(s);
    if (d == NULL) {
        fputs("sddf: out of memory\n", stderr);
        abort();
    }
    return d;
}

char *sys_xasprintf(const char *fmt, ...)
{
    char *s = NULL;
    va_list ap;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0) {
        fputs("sddf: out of memory\n", stderr);
        abort();
    }
    return s;
}

size_t sys_find_region(const sys_system *sys, const char *name)
{
    for (size_t i = 0; i < sys->num_regions; i++)
        if (strcmp(sys->regions[i].name, name) == 0)
            return i;
    return SYS_NONE;
}

size_t sys_find_pd(const sys_system *sys, const char *name)
{
    for (size_t i = 0; i < sys->num_pds; i++)
        if (strcmp(sys->pds[i].name, name) == 0)
            return i;
    return SYS_NONE;
}

size_t sys_find_tap(const sys_system *sys, const char *name)
{
    for (size_t i = 0; i < sys->num_taps; i++)
        if (strcmp(sys->taps[i].name, name) == 0)
            return i;
    return SYS_NONE;
}

size_t sys_add_region(sys_builder *b, const char *name, uint64_t size, enum sys_region_kind kind,
                      int line, const char *origin)
{
    sys_system *sys = b->sys;
    size_t prev = sys_find_region(sys, name);
    if (prev != SYS_NONE)
        sys_error(b, line, "duplicate memory region name '%s' (first at line %d)", name,
                  sys->regions[prev].line);
    sys->regions = sys_xrealloc(sys->regions, sys->num_regions + 1, sizeof(*sys->regions));
    sys_region *r = &sys->regions[sys->num_regions];
    memset(r, 0, sizeof(*r));
    r->name = sys_xstrdup(name);
    r->size = size;
    r->page_size = SYS_PAGE_SIZE;
    r->kind = kind;
    r->line = line;
    r->origin = sys_xstrdup(origin);
    return sys->num_regions++;
}

size_t sys_add_pd(sys_builder *b, const char *name, const char *program, unsigned priority,
                  int line, const char *origin)
{
    sys_system *sys = b->sys;
    size_t prev = sys_find_pd(sys, name);
    if (prev != SYS_NONE)
        sys_error(b, line, "duplicate protection domain name '%s' (first at line %d)", name,
                  sys->pds[prev].line);
    sys->pds = sys_xrealloc(sys->pds, sys->num_pds + 1, sizeof(*sys->pds));
    sys_pd *pd = &sys->pds[sys->num_pds];
    memset(pd, 0, sizeof(*pd));
    pd->name = sys_xstrdup(name);
    pd->program = sys_xstrdup(program);
    pd->priority = priority;
    pd->cpu = -1;
    pd->line = line;
    pd->origin = sys_xstrdup(origin);
    return sys->num_pds++;
}

size_t sys_add_tap(sys_builder *b, const char *name, uint32_t host_addr, uint8_t prefix_len,
                   uint16_t mtu, int line, const char *origin)
{
    sys_system *sys = b->sys;
    size_t prev = sys_find_tap(sys, name);
    if (prev != SYS_NONE)
        sys_error(b, line, "duplicate TAP device name '%s' (first at line %d)", name,
                  sys->taps[prev].line);
    sys->taps = sys_xrealloc(sys->taps, sys->num_taps + 1, sizeof(*sys->taps));
    sys_tap *t = &sys->taps[sys->num_taps];
    memset(t, 0, sizeof(*t));
    t->name = sys_xstrdup(name);
    t->host_addr = host_addr;
    t->prefix_len = prefix_len;
    t->mtu = mtu;
    t->line = line;
    t->origin = sys_xstrdup(origin);
    return sys->num_taps++;
}

void sys_add_map(sys_builder *b, size_t pd, size_t region, uint64_t vaddr, unsigned perms, int line,
                 const char *origin)
{
    sys_pd *p = &b->sys->pds[pd];
    p->maps = sys_xrealloc(p->maps, p->num_maps + 1, sizeof(*p->maps));
    sys_map *m = &p->maps[p->num_maps++];
    memset(m, 0, sizeof(*m));
    m->region = region;
    m->vaddr = vaddr;
    m->perms = perms;
    m->cached = true;
    m->line = line;
    m->origin = sys_xstrdup(origin);
}

uint64_t sys_map_generated(sys_builder *b, size_t pd, size_t region, unsigned perms, int line,
                           const char *origin)
{
    const sys_system *sys = b->sys;
    const sys_pd *p = &sys->pds[pd];
    uint64_t size = sys->regions[region].size;
    uint64_t align = sys->regions[region].page_size;
    uint64_t v = sys_align_up(SYS_VADDR_BASE, align);
    /* First fit: restart the scan whenever the candidate hits a map (with
     * its guard pages); the candidate only grows, so this terminates. */
    for (bool moved = true; moved;) {
        moved = false;
        for (size_t i = 0; i < p->num_maps; i++) {
            const sys_map *m = &p->maps[i];
            if (m->region >= sys->num_regions)
                continue;
            uint64_t lo = m->vaddr > SYS_PAGE_SIZE ? m->vaddr - SYS_PAGE_SIZE : 0;
            uint64_t hi = m->vaddr + sys->regions[m->region].size + SYS_PAGE_SIZE;
            if (v < hi && v + size > lo) {
                v = sys_align_up(hi, align);
                moved = true;
            }
        }
    }
    sys_add_map(b, pd, region, v, perms, line, origin);
    return v;
}

uint64_t sys_map_vaddr(const sys_system *sys, size_t pd, size_t region)
{
    const sys_pd *p = &sys->pds[pd];
    for (size_t i = 0; i < p->num_maps; i++)
        if (p->maps[i].region == region)
            return p->maps[i].vaddr;
    return 0;
}

bool sys_id_used(const sys_system *sys, size_t pd, unsigned id, int *line)
{
    const sys_pd *p = &sys->pds[pd];
    for (size_t i = 0; i < p->num_irqs; i++) {
        if (p->irqs[i].id == id) {
            *line = p->irqs[i].line;
            return true;
        }
    }
    for (size_t i = 0; i < sys->num_channels; i++) {
        const sys_channel *c = &sys->channels[i];
        for (int e = 0; e < 2; e++) {
            if (c->end[e].pd == pd && c->end[e].id == id) {
                *line = c->line;
                return true;
            }
        }
    }
    return false;
}

int sys_free_id(const sys_system *sys, size_t pd)
{
    int line;
    for (unsigned id = 0; id < SDDF_MAX_CHANNELS; id++)
        if (!sys_id_used(sys, pd, id, &line))
            return (int)id;
    return -1;
}

size_t sys_add_channel(sys_builder *b, const sys_channel_end *e0, const sys_channel_end *e1,
                       int line, const char *origin)
{
    sys_system *sys = b->sys;
    sys->channels = sys_xrealloc(sys->channels, sys->num_channels + 1, sizeof(*sys->channels));
    sys_channel *c = &sys->channels[sys->num_channels];
    memset(c, 0, sizeof(*c));
    c->end[0] = *e0;
    c->end[1] = *e1;
    c->line = line;
    c->origin = sys_xstrdup(origin);
    return sys->num_channels++;
}

bool sys_connect(sys_builder *b, size_t a, size_t pd_b, bool a_pp, bool b_notify, int line,
                 const char *origin, unsigned *ida, unsigned *idb)
{
    int ia = sys_free_id(b->sys, a);
    int ib = sys_free_id(b->sys, pd_b);
    if (ia < 0 || ib < 0) {
        sys_error(b, line, "protection domain '%s' has no free channel id (at most %u)",
                  b->sys->pds[ia < 0 ? a : pd_b].name, SDDF_MAX_CHANNELS);
        return false;
    }
    sys_channel_end e0 = {.pd = a, .id = (unsigned)ia, .pp = a_pp, .notify = true};
    sys_channel_end e1 = {.pd = pd_b, .id = (unsigned)ib, .pp = false, .notify = b_notify};
    sys_add_channel(b, &e0, &e1, line, origin);
    *ida = (unsigned)ia;
    *idb = (unsigned)ib;
    return true;
}

bool sys_add_irq_generated(sys_builder *b, size_t pd, enum sys_irq_kind kind, size_t device,
                           int line, unsigned *id)
{
    sys_pd *p = &b->sys->pds[pd];
    int i = sys_free_id(b->sys, pd);
    if (i < 0) {
        sys_error(b, line, "protection domain '%s' has no free channel id for its IRQ", p->name);
        return false;
    }
    p->irqs = sys_xrealloc(p->irqs, p->num_irqs + 1, sizeof(*p->irqs));
    p->irqs[p->num_irqs++] =
        (sys_irq){.id = (unsigned)i, .kind = kind, .device = device, .line = line};
    *id = (unsigned)i;
    return true;
}

char *sys_device_path(sys_builder *b, const char *path)
{
    if (path[0] == '/')
        return sys_xstrdup(path);
    char *dir = realpath(b->dir, NULL); /* exists: the description was read from it */
    char *full = sys_xasprintf("%s/%s", dir != NULL ? dir : b->dir, path);
    free(dir);
    return full;
}

size_t sys_find_device(const sys_system *sys, size_t pd, unsigned id)
{
    for (size_t i = 0; i < sys->num_devices; i++)
        if (sys->devices[i].pd == pd && sys->devices[i].id == id)
            return i;
    return SYS_NONE;
}

size_t sys_add_device(sys_builder *b, size_t pd, enum sys_device_kind kind, const char *path,
                      bool read_only, int id, int line, const char *origin)
{
    sys_system *sys = b->sys;
    const char *name = sys->pds[pd].name;
    if (id < 0) {
        for (unsigned i = 0; i < SYS_MAX_DEVICES && id < 0; i++)
            if (sys_find_device(sys, pd, i) == SYS_NONE)
                id = (int)i;
        if (id < 0) {
            sys_error(b, line, "protection domain '%s' has no free device id (at most %u)", name,
                      SYS_MAX_DEVICES);
            return SYS_NONE;
        }
    } else if (id >= (int)SYS_MAX_DEVICES) {
        sys_error(b, line, "device id %d out of range in '%s' (0..%u)", id, name,
                  SYS_MAX_DEVICES - 1);
        return SYS_NONE;
    } else {
        size_t prev = sys_find_device(sys, pd, (unsigned)id);
        if (prev != SYS_NONE) {
            sys_error(b, line, "device id %d used twice in '%s' (first at line %d)", id, name,
                      sys->devices[prev].line);
            return SYS_NONE;
        }
    }
    sys->devices = sys_xrealloc(sys->devices, sys->num_devices + 1, sizeof(*sys->devices));
    sys_device *d = &sys->devices[sys->num_devices];
    memset(d, 0, sizeof(*d));
    d->kind = kind;
    d->path = sys_xstrdup(path);
    d->read_only = read_only;
    d->pd = pd;
    d->id = (unsigned)id;
    d->line = line;
    d->origin = sys_xstrdup(origin);
    return sys->num_devices++;
}

uint64_t sys_alloc_io(sys_builder *b, uint64_t size)
{
    uint64_t io = sys_align_up(b->next_io, SYS_IO_ALIGN);
    /* Leave a gap so an off-by-one translation never lands in a neighbour. */
    b->next_io = io + size + SYS_IO_ALIGN;
    return io;
}

void sys_free(sys_system *sys)
{
    if (sys == NULL)
        return;
    for (size_t i = 0; i < sys->num_regions; i++) {
        free(sys->regions[i].name);
        free(sys->regions[i].origin);
    }
    for (size_t i = 0; i < sys->num_pds; i++) {
        sys_pd *p = &sys->pds[i];
        free(p->name);
        free(p->program);
        free(p->program_path);
        for (size_t m = 0; m < p->num_maps; m++)
            free(p->maps[m].origin);
        free(p->maps);
        free(p->irqs);
        free(p->config);
        free(p->origin);
    }
    for (size_t i = 0; i < sys->num_channels; i++)
        free(sys->channels[i].origin);
    for (size_t i = 0; i < sys->num_taps; i++) {
        free(sys->taps[i].name);
        free(sys->taps[i].origin);
    }
    for (size_t i = 0; i < sys->num_devices; i++) {
        free(sys->devices[i].path);
        free(sys->devices[i].origin);
    }
    free(sys->devices);
    free(sys->regions);
    free(sys->pds);
    free(sys->channels);
    free(sys->taps);
    free(sys->file);
    memset(sys, 0, sizeof(*sys));
}
