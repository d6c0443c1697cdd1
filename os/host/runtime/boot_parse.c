/*
 * os/host/runtime/boot_parse.c - validation of the boot blob (see boot.h).
 * Pure: no system calls, so the unit tests exercise every rejection.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "../boot.h"

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (err && errlen) {
        vsnprintf(err, errlen, fmt, ap);
    }
    va_end(ap);
    return -1;
}

/* A descriptor field: -1 (none) when allowed, else in the PD's object range. */
static bool fd_ok(int32_t fd, bool optional)
{
    if (fd == -1) {
        return optional;
    }
    return fd >= HOST_BOOT_FIRST_FD && fd < HOST_BOOT_FIRST_FD + (int32_t)HOST_BOOT_MAX_FDS;
}

static int check_maps(const struct host_boot_map *maps, uint32_t n, char *err, size_t errlen)
{
    for (uint32_t i = 0; i < n; i++) {
        struct host_boot_map m;
        memcpy(&m, &maps[i], sizeof(m));
        if (m.page_size != 4096u && m.page_size != (2u << 20)) {
            return fail(err, errlen, "map %u: page size %llu", i, (unsigned long long)m.page_size);
        }
        if (m.size == 0 || m.size % m.page_size || m.vaddr % m.page_size || m.vaddr == 0 ||
            m.vaddr + m.size < m.vaddr) {
            return fail(err, errlen, "map %u: bad vaddr/size 0x%llx/0x%llx", i,
                        (unsigned long long)m.vaddr, (unsigned long long)m.size);
        }
        if (!(m.perms & HOST_PERM_R) || (m.perms & ~(HOST_PERM_R | HOST_PERM_W | HOST_PERM_X))) {
            return fail(err, errlen, "map %u: bad perms 0x%x", i, m.perms);
        }
        if (!fd_ok(m.fd, false)) {
            return fail(err, errlen, "map %u: bad fd %d", i, m.fd);
        }
    }
    return 0;
}

/* Channel and IRQ ids share one id space of SDDF_MAX_CHANNELS. */
static int claim_id(bool *used, uint32_t id, const char *what, uint32_t i, char *err, size_t errlen)
{
    if (id >= SDDF_MAX_CHANNELS) {
        return fail(err, errlen, "%s %u: id %u out of range", what, i, id);
    }
    if (used[id]) {
        return fail(err, errlen, "%s %u: id %u used twice", what, i, id);
    }
    used[id] = true;
    return 0;
}

/* Device ids have their own id space of HOST_BOOT_MAX_DEVICES. */
static int check_devices(const struct host_boot_device *devs, uint32_t n, char *err, size_t errlen)
{
    bool used[HOST_BOOT_MAX_DEVICES] = {false};
    for (uint32_t i = 0; i < n; i++) {
        struct host_boot_device d;
        memcpy(&d, &devs[i], sizeof(d));
        if (d.id >= HOST_BOOT_MAX_DEVICES || used[d.id]) {
            return fail(err, errlen, "device %u: id %u out of range or used twice", i, d.id);
        }
        used[d.id] = true;
        if (d.kind != HOST_DEVICE_BLOCK && d.kind != HOST_DEVICE_TTY) {
            return fail(err, errlen, "device %u: unknown kind %u", d.id, d.kind);
        }
        if (!fd_ok(d.fd, false) || !fd_ok(d.out_fd, true)) {
            return fail(err, errlen, "device %u: bad fd", d.id);
        }
    }
    return 0;
}

int host_boot_parse(const void *buf, size_t len, struct host_boot_view *out, char *err,
                    size_t errlen)
{
    const struct host_boot_header *h = buf;
    if (len < sizeof(*h) || len > HOST_BOOT_MAX_SIZE) {
        return fail(err, errlen, "boot blob of %zu bytes", len);
    }
    if (memcmp(h->magic, HOST_BOOT_MAGIC, sizeof(h->magic)) != 0) {
        return fail(err, errlen, "bad boot magic");
    }
    if (h->version != HOST_BOOT_VERSION) {
        return fail(err, errlen, "boot version %u, expected %u", h->version, HOST_BOOT_VERSION);
    }
    if (memchr(h->pd_name, '\0', sizeof(h->pd_name)) == NULL || h->pd_name[0] == '\0') {
        return fail(err, errlen, "PD name not NUL-terminated or empty");
    }
    if (h->num_maps > HOST_BOOT_MAX_MAPS || h->num_channels > SDDF_MAX_CHANNELS ||
        h->num_irqs > SDDF_MAX_CHANNELS || h->num_devices > HOST_BOOT_MAX_DEVICES) {
        return fail(err, errlen, "too many maps/channels/irqs/devices (%u/%u/%u/%u)", h->num_maps,
                    h->num_channels, h->num_irqs, h->num_devices);
    }
    if (h->flags & ~HOST_BOOT_F_STDERR_CRLF) {
        return fail(err, errlen, "unknown flags 0x%x", h->flags);
    }
    /* Counts are bounded above, so this sum cannot overflow. */
    size_t need = sizeof(*h) + (size_t)h->num_maps * sizeof(struct host_boot_map) +
                  (size_t)h->num_channels * sizeof(struct host_boot_channel) +
                  (size_t)h->num_irqs * sizeof(struct host_boot_irq) +
                  (size_t)h->num_devices * sizeof(struct host_boot_device);
    if (h->size != need || len != need) {
        return fail(err, errlen, "boot size %u (blob %zu), expected %zu", h->size, len, need);
    }
    if (!fd_ok(h->config_fd, true) || !fd_ok(h->stats_fd, true) || !fd_ok(h->fault_fd, true)) {
        return fail(err, errlen, "bad config/stats/fault fd");
    }
    if (h->config_fd == -1 && h->config_size != 0) {
        return fail(err, errlen, "config size without config fd");
    }
    if (h->stats_fd != -1 && (h->stats_size < 4096u || h->stats_size % 4096u)) {
        return fail(err, errlen, "stats page of %u bytes", h->stats_size);
    }

    const uint8_t *p = (const uint8_t *)buf + sizeof(*h);
    const struct host_boot_map *maps = (const void *)p;
    p += (size_t)h->num_maps * sizeof(*maps);
    const struct host_boot_channel *chs = (const void *)p;
    p += (size_t)h->num_channels * sizeof(*chs);
    const struct host_boot_irq *irqs = (const void *)p;
    p += (size_t)h->num_irqs * sizeof(*irqs);
    const struct host_boot_device *devs = (const void *)p;

    if (check_maps(maps, h->num_maps, err, errlen)) {
        return -1;
    }
    bool used[SDDF_MAX_CHANNELS] = {false};
    for (uint32_t i = 0; i < h->num_channels; i++) {
        if (claim_id(used, chs[i].id, "channel", i, err, errlen)) {
            return -1;
        }
        if (!fd_ok(chs[i].notify_fd, true) || !fd_ok(chs[i].wait_fd, true) ||
            !fd_ok(chs[i].ppc_call_fd, true) || !fd_ok(chs[i].ppc_serve_fd, true)) {
            return fail(err, errlen, "channel %u: bad fd", chs[i].id);
        }
    }
    for (uint32_t i = 0; i < h->num_irqs; i++) {
        if (claim_id(used, irqs[i].id, "irq", i, err, errlen)) {
            return -1;
        }
        if (!fd_ok(irqs[i].fd, false)) {
            return fail(err, errlen, "irq %u: bad fd", irqs[i].id);
        }
        if (irqs[i].kind > HOST_IRQ_DEVICE_OUT) {
            return fail(err, errlen, "irq %u: unknown kind %u", irqs[i].id, irqs[i].kind);
        }
    }
    if (check_devices(devs, h->num_devices, err, errlen)) {
        return -1;
    }
    out->hdr = h;
    out->maps = maps;
    out->channels = chs;
    out->irqs = irqs;
    out->devices = devs;
    return 0;
}
