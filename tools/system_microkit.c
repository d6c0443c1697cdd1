/*
 * tools/system_microkit.c - the Microkit vocabulary, host form:
 *
 *   <memory_region name size page_size? io_addr?/>
 *   <host_tap name host_address? mtu?/>
 *   <protection_domain name priority? passive? cpu? stack_size?>
 *       <program_image path/>
 *       <map mr vaddr perms? cached?/>
 *       <irq id kind="tap|timerfd|eventfd|device_in|device_out" device?/>
 *       <device id kind="block|tty" path? read_only?/>
 *       <config class role data/>   one configuration record, hex (as describe prints)
 *   </protection_domain>
 *   <channel> <end pd id pp? notify?/> <end .../> </channel>
 *
 * Differences from seL4 Microkit: <irq> names a Linux device instead of an
 * interrupt number (kind="tap" with device = a <host_tap>, "timerfd",
 * "eventfd", or "device_in"/"device_out" with device = the id of a tty
 * <device> of the same PD); <device> hands a PD a disk image, block device
 * or terminal the monitor opens (sddf/host/device.h), with a path relative
 * to the description's folder;
 * io_addr gives a region a synthetic IO address; setvar_vaddr is rejected
 * (components read addresses from configuration records); stack_size is
 * accepted and ignored (a PD's stack is the process's).
 * Read in three passes so that order in the file does not matter: regions
 * and TAPs, then PDs (their maps and IRQs refer to those), then channels.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include <sddf/config.h>
#include <sddf/os.h>

#include "system_internal.h"

/* Largest Linux MTU whose frame (+ Ethernet and VLAN header) fits a 2048-byte buffer. */
#define SYS_MAX_MTU 2030u
#define SYS_MIN_MTU 68u

static void read_region(sys_builder *b, const xmlNode *n)
{
    static const char *const attrs[] = {"name", "size", "page_size", "io_addr", NULL};
    int line = sys_line(n);
    if (!sys_check_attrs(b, n, attrs) || !sys_check_children(b, n, NULL))
        return;
    const char *name = sys_attr_req(b, n, "name");
    uint64_t size = 0, page = SYS_PAGE_SIZE, io = 0;
    int rs = sys_attr_u64(b, n, "size", true, &size);
    int rp = sys_attr_u64(b, n, "page_size", false, &page);
    int ri = sys_attr_u64(b, n, "io_addr", false, &io);
    if (name == NULL || rs < 0 || rp < 0 || ri < 0)
        return;
    if (!sys_valid_name(name, true)) {
        sys_error(b, line, "bad memory region name '%s' (1..63 of A-Z a-z 0-9 _ . - /)", name);
        return;
    }
    if (page != SYS_PAGE_SIZE && page != SYS_HUGE_PAGE_SIZE) {
        sys_error(b, line, "memory region '%s': page_size 0x%llx is not 0x1000 or 0x200000", name,
                  (unsigned long long)page);
        return;
    }
    if (size == 0 || size % page != 0) {
        sys_error(b, line,
                  "memory region '%s': size 0x%llx is not a multiple of its page size 0x%llx", name,
                  (unsigned long long)size, (unsigned long long)page);
        return;
    }
    if (size > SYS_MAX_REGION_SIZE) {
        sys_error(b, line, "memory region '%s': size 0x%llx is larger than %llu GiB", name,
                  (unsigned long long)size, (unsigned long long)(SYS_MAX_REGION_SIZE >> 30));
        return;
    }
    if (ri > 0 && (io == 0 || io % SYS_PAGE_SIZE != 0 || io + size < io)) {
        sys_error(b, line, "memory region '%s': io_addr 0x%llx must be nonzero and page aligned",
                  name, (unsigned long long)io);
        return;
    }
    size_t r = sys_add_region(b, name, size, SYS_REGION_PLAIN, line, NULL);
    b->sys->regions[r].page_size = page;
    b->sys->regions[r].io_addr = io;
}

static void read_tap(sys_builder *b, const xmlNode *n)
{
    static const char *const attrs[] = {"name", "host_address", "mtu", NULL};
    int line = sys_line(n);
    if (!sys_check_attrs(b, n, attrs) || !sys_check_children(b, n, NULL))
        return;
    const char *name = sys_attr_req(b, n, "name");
    const char *addr = sys_attr(b, n, "host_address");
    uint64_t mtu = 1500;
    if (name == NULL || sys_attr_u64(b, n, "mtu", false, &mtu) < 0)
        return;
    uint32_t ip = 0;
    uint8_t prefix = 0;
    if (!sys_valid_ifname(name)) {
        sys_error(b, line, "bad TAP device name '%s' (1..15 characters, no '/', ':' or space)",
                  name);
    } else if (addr != NULL && !sys_parse_ipv4_prefix(addr, &ip, &prefix)) {
        sys_error(b, line, "bad IPv4 address/prefix '%s' (want a.b.c.d/p)", addr);
    } else if (addr != NULL && sys_ipv4_unusable(ip, prefix) != NULL) {
        sys_error(b, line, "host_address '%s' is %s", addr, sys_ipv4_unusable(ip, prefix));
    } else if (mtu < SYS_MIN_MTU || mtu > SYS_MAX_MTU) {
        sys_error(b, line, "mtu %llu out of range (%u..%u: a frame must fit a 2048-byte buffer)",
                  (unsigned long long)mtu, SYS_MIN_MTU, SYS_MAX_MTU);
    } else {
        sys_add_tap(b, name, ip, prefix, (uint16_t)mtu, line, NULL);
    }
}

/* perms: each of r, w, x at most once, r required (Linux cannot map write-only). */
static bool parse_perms(const char *s, unsigned *out)
{
    unsigned p = 0;
    for (; *s; s++) {
        unsigned bit = *s == 'r' ? SYS_PERM_R : *s == 'w' ? SYS_PERM_W : *s == 'x' ? SYS_PERM_X : 0;
        if (bit == 0 || (p & bit))
            return false;
        p |= bit;
    }
    if (!(p & SYS_PERM_R))
        return false;
    *out = p;
    return true;
}

static void read_map(sys_builder *b, size_t pd, const xmlNode *n)
{
    static const char *const attrs[] = {"mr", "vaddr", "perms", "cached", "setvar_vaddr", NULL};
    int line = sys_line(n);
    if (!sys_check_attrs(b, n, attrs) || !sys_check_children(b, n, NULL))
        return;
    if (sys_attr(b, n, "setvar_vaddr") != NULL) {
        sys_error(b, line,
                  "setvar_vaddr is not supported on the host OS layer "
                  "(components read addresses from their configuration records)");
        return;
    }
    const char *mr = sys_attr_req(b, n, "mr");
    const char *perms = sys_attr(b, n, "perms");
    uint64_t vaddr = 0;
    bool cached = true;
    unsigned p = SYS_PERM_R | SYS_PERM_W;
    if (sys_attr_u64(b, n, "vaddr", true, &vaddr) < 0 || mr == NULL ||
        sys_attr_bool(b, n, "cached", &cached) < 0)
        return;
    if (perms != NULL && !parse_perms(perms, &p)) {
        sys_error(b, line, "bad perms '%s' (r, rw, rx or rwx)", perms);
        return;
    }
    size_t r = sys_find_region(b->sys, mr);
    if (r == SYS_NONE) {
        sys_error(b, line, "map of unknown memory region '%s'", mr);
        return;
    }
    const sys_region *reg = &b->sys->regions[r];
    if (vaddr % reg->page_size != 0) {
        sys_error(b, line,
                  "map of '%s': vaddr 0x%llx is not aligned to the region's page size 0x%llx", mr,
                  (unsigned long long)vaddr, (unsigned long long)reg->page_size);
    } else if (vaddr < SYS_VADDR_MIN) {
        sys_error(b, line, "map of '%s': vaddr 0x%llx is below 0x%llx", mr,
                  (unsigned long long)vaddr, (unsigned long long)SYS_VADDR_MIN);
    } else if (vaddr >= SYS_VADDR_END || reg->size > SYS_VADDR_END - vaddr) {
        sys_error(b, line,
                  "map of '%s' at 0x%llx: the region's end is past the end of the user "
                  "address space (0x%llx)",
                  mr, (unsigned long long)vaddr, (unsigned long long)SYS_VADDR_END);
    } else {
        sys_add_map(b, pd, r, vaddr, p, line, NULL);
        b->sys->pds[pd].maps[b->sys->pds[pd].num_maps - 1].cached = cached;
    }
}

static bool check_id(sys_builder *b, size_t pd, uint64_t id, int line)
{
    int first;
    if (id >= SDDF_MAX_CHANNELS) {
        sys_error(b, line, "channel id %llu out of range in '%s' (0..%u)", (unsigned long long)id,
                  b->sys->pds[pd].name, SDDF_MAX_CHANNELS - 1);
        return false;
    }
    if (sys_id_used(b->sys, pd, (unsigned)id, &first)) {
        sys_error(b, line, "channel id %llu used twice in '%s' (first at line %d)",
                  (unsigned long long)id, b->sys->pds[pd].name, first);
        return false;
    }
    return true;
}

/* The device of a device_in/device_out IRQ: a tty device of the same PD, by its id. */
static bool irq_device(sys_builder *b, size_t pd, const char *kind, const char *device, int line,
                       size_t *out)
{
    uint64_t id = 0;
    if (device == NULL) {
        sys_error(b, line, "<irq kind=\"%s\"> needs a 'device' attribute", kind);
        return false;
    }
    if (!sys_parse_u64(device, &id)) {
        sys_error(b, line, "bad device id '%s' (the id of a <device> of this protection domain)",
                  device);
        return false;
    }
    size_t d = id < SYS_MAX_DEVICES ? sys_find_device(b->sys, pd, (unsigned)id) : SYS_NONE;
    if (d == SYS_NONE) {
        sys_error(b, line, "IRQ of unknown device %llu in '%s' (declare it with <device>)",
                  (unsigned long long)id, b->sys->pds[pd].name);
        return false;
    }
    if (b->sys->devices[d].kind != SYS_DEVICE_TTY) {
        sys_error(b, line,
                  "<irq kind=\"%s\"> needs a tty device; device %llu of '%s' is a block "
                  "device",
                  kind, (unsigned long long)id, b->sys->pds[pd].name);
        return false;
    }
    *out = d;
    return true;
}

static void read_irq(sys_builder *b, size_t pd, const xmlNode *n)
{
    static const char *const attrs[] = {"id", "kind", "device", NULL};
    int line = sys_line(n);
    if (!sys_check_attrs(b, n, attrs) || !sys_check_children(b, n, NULL))
        return;
    uint64_t id = 0;
    const char *kind = sys_attr_req(b, n, "kind");
    const char *device = sys_attr(b, n, "device");
    if (sys_attr_u64(b, n, "id", true, &id) < 0 || kind == NULL)
        return;
    sys_irq irq = {.kind = SYS_IRQ_TIMERFD, .line = line};
    if (strcmp(kind, "tap") == 0) {
        irq.kind = SYS_IRQ_TAP;
        if (device == NULL) {
            sys_error(b, line, "<irq kind=\"tap\"> needs a 'device' attribute");
            return;
        }
        irq.device = sys_find_tap(b->sys, device);
        if (irq.device == SYS_NONE) {
            sys_error(b, line, "IRQ of unknown TAP device '%s' (declare it with <host_tap>)",
                      device);
            return;
        }
    } else if (strcmp(kind, "timerfd") == 0 || strcmp(kind, "eventfd") == 0) {
        irq.kind = kind[0] == 't' ? SYS_IRQ_TIMERFD : SYS_IRQ_EVENTFD;
        if (device != NULL) {
            sys_error(b, line, "<irq kind=\"%s\"> takes no 'device' attribute", kind);
            return;
        }
    } else if (strcmp(kind, "device_in") == 0 || strcmp(kind, "device_out") == 0) {
        irq.kind = kind[7] == 'i' ? SYS_IRQ_DEVICE_IN : SYS_IRQ_DEVICE_OUT;
        if (!irq_device(b, pd, kind, device, line, &irq.device))
            return;
    } else {
        sys_error(b, line, "unknown IRQ kind '%s' (tap, timerfd, eventfd, device_in or device_out)",
                  kind);
        return;
    }
    if (!check_id(b, pd, id, line))
        return;
    irq.id = (unsigned)id;
    sys_pd *p = &b->sys->pds[pd];
    p->irqs = sys_xrealloc(p->irqs, p->num_irqs + 1, sizeof(*p->irqs));
    p->irqs[p->num_irqs++] = irq;
}

/* <device id kind path? read_only?/>: its own id space per PD (not a channel id). */
static void read_device(sys_builder *b, size_t pd, const xmlNode *n)
{
    static const char *const attrs[] = {"id", "kind", "path", "read_only", NULL};
    int line = sys_line(n);
    if (!sys_check_attrs(b, n, attrs) || !sys_check_children(b, n, NULL))
        return;
    uint64_t id = 0;
    bool read_only = false;
    const char *kind = sys_attr_req(b, n, "kind");
    const char *path = sys_attr(b, n, "path");
    int ro = sys_attr_bool(b, n, "read_only", &read_only);
    if (sys_attr_u64(b, n, "id", true, &id) < 0 || kind == NULL || ro < 0)
        return;
    enum sys_device_kind k;
    if (strcmp(kind, "block") == 0) {
        k = SYS_DEVICE_BLOCK;
        if (path == NULL) {
            sys_error(b, line, "<device kind=\"block\"> needs a 'path' attribute");
            return;
        }
    } else if (strcmp(kind, "tty") == 0) {
        k = SYS_DEVICE_TTY;
        if (ro > 0) {
            sys_error(b, line, "read_only applies to block devices only");
            return;
        }
    } else {
        sys_error(b, line, "unknown device kind '%s' (block or tty)", kind);
        return;
    }
    if (path != NULL && *path == '\0') {
        sys_error(b, line, "empty device path");
        return;
    }
    if (id >= SYS_MAX_DEVICES) {
        sys_error(b, line, "device id %llu out of range in '%s' (0..%u)", (unsigned long long)id,
                  b->sys->pds[pd].name, SYS_MAX_DEVICES - 1);
        return;
    }
    char *full = path != NULL ? sys_device_path(b, path) : NULL;
    sys_add_device(b, pd, k, full, read_only, (int)id, line, NULL);
    free(full);
}

/* The value of hex digit @c, or -1. */
static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/*
 * <config class role data/>: one configuration record (sddf/config.h) given
 * byte for byte, as `sddf describe` prints it, appended to the PD's blob.
 * The record is checked as the runtime will read it: hex, a whole header
 * whose magic, class, role, version and size agree with the element, a size
 * that keeps the next record 8-byte aligned, and the PD's total in bounds.
 */
static void read_config(sys_builder *b, size_t pd, const xmlNode *n)
{
    static const char *const attrs[] = {"class", "role", "data", NULL};
    int line = sys_line(n);
    if (!sys_check_attrs(b, n, attrs) || !sys_check_children(b, n, NULL))
        return;
    uint64_t cls = 0, role = 0;
    const char *data = sys_attr_req(b, n, "data");
    if (sys_attr_u64(b, n, "class", true, &cls) < 0 ||
        sys_attr_u64(b, n, "role", true, &role) < 0 || data == NULL)
        return;
    if (cls > 0xff || role > 0xff) {
        sys_error(b, line, "config class %llu or role %llu out of range (0..255)",
                  (unsigned long long)cls, (unsigned long long)role);
        return;
    }
    size_t len = strlen(data);
    sys_pd *p = &b->sys->pds[pd];
    if (len % 2 != 0 || len / 2 < sizeof(sddf_config_header_t) ||
        len / 2 > SYS_MAX_CONFIG_SIZE - p->config_size) {
        sys_error(b, line,
                  "config data of %zu hex digits: want an even number, a record of %zu to %u "
                  "bytes in all",
                  len, sizeof(sddf_config_header_t), SYS_MAX_CONFIG_SIZE);
        return;
    }
    uint8_t *rec = sys_xrealloc(NULL, len / 2, 1);
    for (size_t i = 0; i < len / 2; i++) {
        int hi = hex_digit(data[2 * i]), lo = hex_digit(data[2 * i + 1]);
        if (hi < 0 || lo < 0) {
            sys_error(b, line, "config data: '%c%c' at offset %zu is not a hex byte", data[2 * i],
                      data[2 * i + 1], 2 * i);
            free(rec);
            return;
        }
        rec[i] = (uint8_t)(hi << 4 | lo);
    }
    sddf_config_header_t h;
    memcpy(&h, rec, sizeof(h));
    if (memcmp(h.magic, SDDF_CONFIG_MAGIC, sizeof(h.magic)) != 0 || h.class_id != cls ||
        h.role != role || h.size != len / 2 || h.version != SDDF_CONFIG_VERSION ||
        h.reserved != 0 || h.size % 8 != 0) {
        sys_error(b, line,
                  "config record header does not match: want magic \"sDDF\", class 0x%02x, "
                  "role %u, version %u, size %zu (a multiple of 8) and reserved 0",
                  (unsigned)cls, (unsigned)role, SDDF_CONFIG_VERSION, len / 2);
        free(rec);
        return;
    }
    sys_config_append(b->sys, pd, rec, len / 2);
    free(rec);
}

static void read_pd(sys_builder *b, const xmlNode *n)
{
    static const char *const attrs[] = {"name", "priority", "passive", "cpu", "stack_size", NULL};
    static const char *const children[] = {"program_image", "map", "irq", "device", "config", NULL};
    static const char *const image_attrs[] = {"path", NULL};
    int line = sys_line(n);
    unsigned before = b->errors; /* report every attribute problem, then stop */
    sys_check_attrs(b, n, attrs);
    sys_check_children(b, n, children);
    const char *name = sys_attr_req(b, n, "name");
    unsigned prio = 0;
    bool passive = false;
    uint64_t cpu = 0, stack;
    int rc = sys_attr_u64(b, n, "cpu", false, &cpu);
    sys_attr_priority(b, n, "priority", 0, &prio);
    sys_attr_bool(b, n, "passive", &passive);
    sys_attr_u64(b, n, "stack_size", false, &stack);
    if (b->errors != before || name == NULL)
        return;
    if (!sys_valid_name(name, false)) {
        sys_error(b, line, "bad protection domain name '%s' (1..63 of A-Z a-z 0-9 _ . -)", name);
        return;
    }
    if (rc > 0 && cpu >= CPU_SETSIZE) {
        sys_error(b, line, "cpu %llu out of range (0..%d)", (unsigned long long)cpu,
                  CPU_SETSIZE - 1);
        return;
    }
    const char *path = NULL;
    int image_line = 0;
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (!sys_is(c, "program_image"))
            continue;
        if (path != NULL || image_line != 0) {
            sys_error(b, sys_line(c),
                      "protection domain '%s' has more than one <program_image> "
                      "(first at line %d)",
                      name, image_line);
            return;
        }
        image_line = sys_line(c);
        if (!sys_check_attrs(b, c, image_attrs) || !sys_check_children(b, c, NULL))
            return;
        path = sys_attr_req(b, c, "path");
        if (path == NULL)
            return;
        if (*path == '\0') {
            sys_error(b, image_line, "empty program_image path");
            return;
        }
    }
    if (path == NULL) {
        sys_error(b, line, "protection domain '%s' has no <program_image>", name);
        return;
    }
    size_t pd = sys_add_pd(b, name, path, prio, line, NULL);
    b->sys->pds[pd].passive = passive;
    b->sys->pds[pd].cpu = rc > 0 ? (int)cpu : -1;
    for (const xmlNode *c = n->children; c != NULL; c = c->next)
        if (sys_is(c, "device"))
            read_device(b, pd, c); /* first: IRQs refer to devices */
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (sys_is(c, "map"))
            read_map(b, pd, c);
        else if (sys_is(c, "irq"))
            read_irq(b, pd, c);
        else if (sys_is(c, "config"))
            read_config(b, pd, c);
    }
}

/* Read one <end>; false if reported. */
static bool read_end(sys_builder *b, const xmlNode *n, sys_channel_end *e)
{
    static const char *const attrs[] = {"pd", "id", "pp", "notify", NULL};
    if (!sys_check_attrs(b, n, attrs) || !sys_check_children(b, n, NULL))
        return false;
    const char *pd = sys_attr_req(b, n, "pd");
    uint64_t id = 0;
    bool pp = false, notify = true;
    unsigned before = b->errors;
    sys_attr_u64(b, n, "id", true, &id);
    sys_attr_bool(b, n, "pp", &pp);
    sys_attr_bool(b, n, "notify", &notify);
    if (pd == NULL || b->errors != before)
        return false;
    e->pd = sys_find_pd(b->sys, pd);
    if (e->pd == SYS_NONE) {
        sys_error(b, sys_line(n), "channel end names unknown protection domain '%s'", pd);
        return false;
    }
    if (!check_id(b, e->pd, id, sys_line(n)))
        return false;
    e->id = (unsigned)id;
    e->pp = pp;
    e->notify = notify;
    return true;
}

static void read_channel(sys_builder *b, const xmlNode *n)
{
    static const char *const children[] = {"end", NULL};
    int line = sys_line(n);
    if (!sys_check_attrs(b, n, NULL) || !sys_check_children(b, n, children))
        return;
    const xmlNode *ends[2];
    int count = 0;
    for (const xmlNode *c = n->children; c != NULL; c = c->next)
        if (sys_is(c, "end") && count++ < 2)
            ends[count - 1] = c;
    if (count != 2) {
        sys_error(b, line, "a <channel> needs exactly two <end> elements, not %d", count);
        return;
    }
    sys_channel_end e[2];
    if (!read_end(b, ends[0], &e[0]) || !read_end(b, ends[1], &e[1]))
        return;
    if (e[0].pd == e[1].pd) {
        sys_error(b, line, "a channel must connect two different protection domains");
        return;
    }
    if (e[0].pp && e[1].pp) {
        sys_error(b, line, "both ends of the channel are pp");
        return;
    }
    sys_add_channel(b, &e[0], &e[1], line, NULL);
}

void sys_read_microkit(sys_builder *b, const xmlNode *root)
{
    for (const xmlNode *c = root->children; c != NULL; c = c->next) {
        if (sys_is(c, "memory_region"))
            read_region(b, c);
        else if (sys_is(c, "host_tap"))
            read_tap(b, c);
    }
    for (const xmlNode *c = root->children; c != NULL; c = c->next)
        if (sys_is(c, "protection_domain"))
            read_pd(b, c);
    for (const xmlNode *c = root->children; c != NULL; c = c->next)
        if (sys_is(c, "channel"))
            read_channel(b, c);
}
