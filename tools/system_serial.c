/*
 * tools/system_serial.c - the <serial> class element and its expansion.
 *
 *   <serial name="serial0" driver="tty" device?="/dev/pts/N" rx?="true"
 *           colour?="false" prefix?="false" ring_size?="0x10000" begin?="">
 *     <driver name? priority?="200" cpu?/>   program serial_driver_<driver>
 *     <virt_rx name? priority?="199" cpu?/>  program serial_virt_rx (if rx)
 *     <virt_tx name? priority?="198" cpu?/>  program serial_virt_tx
 *     <client pd name?/> ...
 *   </serial>
 *
 * Expansion follows sDDF's serial design (PROTOCOLS 2.3): per byte ring a
 * queue region (the 12-byte header, rw in both PDs) and a data region that
 * only its producer may write (read-only in the consumer). Rings: driver ->
 * virt_rx, virt_tx -> driver (twice ring_size, so a full client ring plus
 * decoration always fits), per client client -> virt_tx and virt_rx ->
 * client, and virt_rx -> virt_tx (the console, for switch messages). One
 * channel per pair of PDs. The driver gets a tty device (no `device`: the
 * terminal `sddf run` was started from) and its device_in/device_out IRQs.
 *
 * Refused (FILE:LINE, see tests/unit/data/bad_serial_*.system): unknown
 * attributes or children, bad booleans and numbers, a ring_size that is not
 * a power of two in 4096..16 MiB, a device path that is empty, missing or
 * not a character device, no clients or more than 61 (virt_tx and virt_rx
 * need a channel per client plus two), a client that is not a declared PD,
 * a PD that is a client twice (of this or another serial), a client name
 * outside 1..31 characters or with characters other than A-Z a-z 0-9 _ . -
 * (it is printed to the terminal), two clients of one serial shown under
 * the same name (a PD name is cut to 31 characters), a device that is known
 * not to be a terminal (its sysfs class is not "tty"), and a begin string
 * over 127 characters.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include "system_serial.h"

/** Most clients: virt_tx needs a channel per client plus the driver and virt_rx. */
#define SERIAL_TOOL_MAX_CLIENTS (SDDF_MAX_CHANNELS - 2u)

static bool read_role(sys_builder *b, serial_spec *s, const xmlNode *x, const char *elem,
                      unsigned dflt, char **owned, serial_role_spec *r)
{
    static const char *const attrs[] = {"name", "priority", "cpu", NULL};
    const xmlNode *e = NULL;
    r->line = s->line;
    r->cpu = -1;
    r->priority = dflt;
    r->name = NULL;
    for (const xmlNode *c = x->children; c != NULL; c = c->next) {
        if (!sys_is(c, elem))
            continue;
        if (e != NULL) {
            sys_error(b, sys_line(c), "more than one <%s> in <serial>", elem);
            return false;
        }
        e = c;
    }
    if (e != NULL) {
        uint64_t cpu = 0;
        int rc;
        r->line = sys_line(e);
        if (!sys_check_attrs(b, e, attrs) || !sys_check_children(b, e, NULL) ||
            !sys_attr_priority(b, e, "priority", dflt, &r->priority) ||
            (rc = sys_attr_u64(b, e, "cpu", false, &cpu)) < 0)
            return false;
        if (rc > 0 && cpu >= 1024) {
            sys_error(b, r->line, "cpu %llu out of range (0..1023)", (unsigned long long)cpu);
            return false;
        }
        r->cpu = rc > 0 ? (int)cpu : -1;
        r->name = sys_attr(b, e, "name");
    }
    if (r->name == NULL)
        r->name = *owned = sys_xasprintf("%s_%s", s->name, elem);
    if (!sys_valid_name(r->name, false)) {
        sys_error(b, r->line, "bad protection domain name '%s' (1..63 of A-Z a-z 0-9 _ . -)",
                  r->name);
        return false;
    }
    return true;
}

static bool read_client(sys_builder *b, serial_spec *s, const xmlNode *x)
{
    static const char *const attrs[] = {"pd", "name", NULL};
    int line = sys_line(x);
    if (!sys_check_attrs(b, x, attrs) || !sys_check_children(b, x, NULL))
        return false;
    const char *pd = sys_attr_req(b, x, "pd");
    const char *name = sys_attr(b, x, "name");
    if (pd == NULL)
        return false;
    size_t p = sys_find_pd(b->sys, pd);
    if (p == SYS_NONE || p >= b->num_declared_pds) {
        sys_error(b, line,
                  "serial client '%s' is not a protection domain declared in the description", pd);
        return false;
    }
    for (size_t i = 0; i < b->num_serial_members; i++) {
        if (b->serial_members[i].pd == p) {
            sys_error(b, line, "'%s' is already a client of serial '%s' (line %d)", pd,
                      b->serial_members[i].cls, b->serial_members[i].line);
            return false;
        }
    }
    if (s->num_clients >= SERIAL_TOOL_MAX_CLIENTS) {
        sys_error(b, line, "serial '%s' has too many clients (at most %u)", s->name,
                  SERIAL_TOOL_MAX_CLIENTS);
        return false;
    }
    if (name != NULL && (name[0] == '\0' || strlen(name) >= SDDF_SERIAL_NAME_LENGTH)) {
        sys_error(b, line, "client name '%s' must be 1..%u characters", name,
                  SDDF_SERIAL_NAME_LENGTH - 1);
        return false;
    }
    /* the name goes to the terminal (prefixes, switch messages): no spaces
     * or control characters, the set of the other names */
    if (name != NULL && !sys_valid_name(name, false)) {
        sys_error(b, line, "bad client name '%s' (1..%u of A-Z a-z 0-9 _ . -)", name,
                  SDDF_SERIAL_NAME_LENGTH - 1);
        return false;
    }
    char shown[SDDF_SERIAL_NAME_LENGTH];
    snprintf(shown, sizeof(shown), "%s", name ? name : pd); /* a PD name is cut to 31 */
    for (size_t i = 0; i < s->num_clients; i++) {
        if (strcmp(s->clients[i].name, shown) == 0) {
            sys_error(b, line, "client name '%s' is already client %zu of serial '%s' (line %d)",
                      shown, i, s->name, s->clients[i].line);
            return false;
        }
    }
    serial_client_spec *c = &s->clients[s->num_clients++];
    c->pd = p;
    c->line = line;
    memcpy(c->name, shown, sizeof(c->name));
    b->serial_members =
        sys_xrealloc(b->serial_members, b->num_serial_members + 1, sizeof(*b->serial_members));
    b->serial_members[b->num_serial_members++] = (sys_member){p, s->name, line};
    return true;
}

/*
 * False if character device @st is known not to be a terminal: its sysfs
 * node (/sys/dev/char/MAJOR:MINOR) belongs to a class other than "tty"
 * (/dev/null and /dev/zero are class "mem"). Unknown (no sysfs node, as for
 * /dev/pts/N, or no sysfs at all) counts as a terminal: the monitor's
 * isatty() after opening is the final word.
 */
static bool maybe_terminal(const struct stat *st)
{
    char link[64];
    char target[256];
    snprintf(link, sizeof(link), "/sys/dev/char/%u:%u/subsystem", major(st->st_rdev),
             minor(st->st_rdev));
    ssize_t n = readlink(link, target, sizeof(target) - 1);
    if (n <= 0)
        return true;
    target[n] = '\0';
    const char *cls = strrchr(target, '/');
    return strcmp(cls != NULL ? cls + 1 : target, "tty") == 0;
}

/*
 * The `device` of @s: a terminal the monitor can open. Checked here (not
 * only when `sddf run` opens it) so `sddf check` finds a typo or a device
 * that is not a terminal; only stat() and sysfs, never open(), since opening
 * a real serial port may change its modem lines.
 */
static bool check_device(sys_builder *b, const serial_spec *s)
{
    if (s->device[0] == '\0') {
        sys_error(b, s->line, "empty serial device path");
        return false;
    }
    char *path = sys_device_path(b, s->device);
    struct stat st;
    bool ok = false;
    if (stat(path, &st) != 0)
        sys_error(b, s->line, "serial device '%s': %s", path, strerror(errno));
    else if (!S_ISCHR(st.st_mode))
        sys_error(b, s->line, "serial device '%s' is not a terminal (not a character device)",
                  path);
    else if (!maybe_terminal(&st))
        sys_error(b, s->line, "serial device '%s' is not a terminal (not a tty or pty)", path);
    else
        ok = true;
    free(path);
    return ok;
}

static bool read_bool(sys_builder *b, const xmlNode *x, const char *attr, bool dflt, bool *out)
{
    *out = dflt;
    return sys_attr_bool(b, x, attr, out) >= 0;
}

static bool read_serial(sys_builder *b, const xmlNode *x, serial_spec *s)
{
    static const char *const attrs[] = {"name",   "driver",    "device", "rx", "colour",
                                        "prefix", "ring_size", "begin",  NULL};
    static const char *const children[] = {"driver", "virt_rx", "virt_tx", "client", NULL};
    s->line = sys_line(x);
    if (!sys_check_attrs(b, x, attrs) || !sys_check_children(b, x, children))
        return false;
    s->name = sys_attr_req(b, x, "name");
    const char *driver = sys_attr_req(b, x, "driver");
    s->device = sys_attr(b, x, "device");
    s->begin = sys_attr(b, x, "begin");
    uint64_t ring = 0x10000;
    if (s->name == NULL || driver == NULL || !read_bool(b, x, "rx", true, &s->rx) ||
        !read_bool(b, x, "colour", false, &s->colour) ||
        !read_bool(b, x, "prefix", false, &s->prefix) ||
        sys_attr_u64(b, x, "ring_size", false, &ring) < 0)
        return false;
    if (!sys_valid_name(s->name, false)) {
        sys_error(b, s->line, "bad serial name '%s' (1..63 of A-Z a-z 0-9 _ . -)", s->name);
        return false;
    }
    if (!sys_claim_class_name(b, s->name, s->line))
        return false;
    if (strcmp(driver, "tty") != 0) {
        sys_error(b, s->line, "unknown serial driver '%s' (known: tty)", driver);
        return false;
    }
    if (!sys_is_pow2(ring) || ring < 0x1000 || ring > 0x1000000) {
        sys_error(b, s->line, "ring_size %llu must be a power of two in 4096..16777216",
                  (unsigned long long)ring);
        return false;
    }
    s->ring_size = (uint32_t)ring;
    if (s->device != NULL && !check_device(b, s))
        return false;
    if (s->begin != NULL && strlen(s->begin) >= sizeof(((serial_virt_tx_config_t *)0)->begin_str)) {
        sys_error(b, s->line, "begin string longer than 127 characters");
        return false;
    }
    if (!read_role(b, s, x, "driver", 200, &s->names[0], &s->driver) ||
        !read_role(b, s, x, "virt_rx", 199, &s->names[1], &s->virt_rx) ||
        !read_role(b, s, x, "virt_tx", 198, &s->names[2], &s->virt_tx))
        return false;
    bool ok = true;
    for (const xmlNode *c = x->children; c != NULL; c = c->next)
        if (sys_is(c, "client"))
            ok &= read_client(b, s, c);
    if (ok && s->num_clients == 0) {
        /* virt_rx has no one to give input to (and refuses to start) */
        sys_error(b, s->line, "serial '%s' has 0 clients (want 1..%u)", s->name,
                  SERIAL_TOOL_MAX_CLIENTS);
        return false;
    }
    return ok;
}

static size_t add_role(sys_builder *b, serial_role_spec *r, const char *program, const char *origin)
{
    r->pd = sys_add_pd(b, r->name, program, r->priority, r->line, origin);
    b->sys->pds[r->pd].cpu = r->cpu;
    return r->pd;
}

/* A ring "<serial>/<what>/{queue,data}" from @producer to @consumer, mapped into both. */
static void add_ring(sys_builder *b, const serial_spec *s, const char *what, uint32_t size,
                     size_t producer, size_t consumer, size_t client, int line, const char *origin,
                     serial_ring_spec *r)
{
    const unsigned rw = SYS_PERM_R | SYS_PERM_W;
    char *q = sys_xasprintf("%s/%s/queue", s->name, what);
    char *d = sys_xasprintf("%s/%s/data", s->name, what);
    r->queue = sys_add_region(b, q, SYS_PAGE_SIZE, SYS_REGION_QUEUE, line, origin);
    r->data = sys_add_region(b, d, sys_align_up(size, SYS_PAGE_SIZE), SYS_REGION_CLIENT_DATA, line,
                             origin);
    free(q);
    free(d);
    if (client != SYS_NONE) {
        size_t regs[2] = {r->queue, r->data};
        for (int i = 0; i < 2; i++) {
            b->sys->regions[regs[i]].client_private = true;
            b->sys->regions[regs[i]].client = client;
        }
    }
    r->producer = producer;
    r->consumer = consumer;
    sys_map_generated(b, producer, r->queue, rw, line, origin);
    sys_map_generated(b, producer, r->data, rw, line, origin);
    sys_map_generated(b, consumer, r->queue, rw, line, origin);
    sys_map_generated(b, consumer, r->data, SYS_PERM_R, line,
                      origin); /* only the producer writes */
}

/* The channel between the PDs of @r: each pair shares one ring, so one channel per ring. */
static bool connect_ring(sys_builder *b, serial_ring_spec *r, int line, const char *origin)
{
    return sys_connect(b, r->producer, r->consumer, false, true, line, origin, &r->id_producer,
                       &r->id_consumer);
}

static void expand(sys_builder *b, serial_spec *s)
{
    char *origin = sys_xasprintf("serial \"%s\" (line %d)", s->name, s->line);
    size_t drv = add_role(b, &s->driver, "serial_driver_tty", origin);
    size_t vtx = add_role(b, &s->virt_tx, "serial_virt_tx", origin);
    size_t vrx = s->rx ? add_role(b, &s->virt_rx, "serial_virt_rx", origin) : SYS_NONE;
    int l = s->line;
    char *path = s->device ? sys_device_path(b, s->device) : NULL;
    s->device_index = sys_add_device(b, drv, SYS_DEVICE_TTY, path, false, -1, l, origin);
    free(path);
    bool ok = s->device_index != SYS_NONE &&
              sys_add_irq_generated(b, drv, SYS_IRQ_DEVICE_IN, s->device_index, l, &s->in_irq) &&
              sys_add_irq_generated(b, drv, SYS_IRQ_DEVICE_OUT, s->device_index, l, &s->out_irq);

    add_ring(b, s, "tx/driver", 2 * s->ring_size, vtx, drv, SYS_NONE, l, origin, &s->drv_tx);
    ok = ok && connect_ring(b, &s->drv_tx, l, origin);
    if (s->rx) {
        add_ring(b, s, "rx/driver", s->ring_size, drv, vrx, SYS_NONE, l, origin, &s->drv_rx);
        add_ring(b, s, "console", SYS_PAGE_SIZE, vrx, vtx, SYS_NONE, l, origin, &s->console);
        ok =
            ok && connect_ring(b, &s->drv_rx, l, origin) && connect_ring(b, &s->console, l, origin);
    }
    for (size_t i = 0; i < s->num_clients; i++) {
        serial_client_spec *c = &s->clients[i];
        const char *cn = b->sys->pds[c->pd].name;
        char *what = sys_xasprintf("tx/%s", cn);
        add_ring(b, s, what, s->ring_size, c->pd, vtx, c->pd, c->line, origin, &c->tx);
        free(what);
        ok = ok && connect_ring(b, &c->tx, c->line, origin);
        if (s->rx) {
            what = sys_xasprintf("rx/%s", cn);
            add_ring(b, s, what, s->ring_size, vrx, c->pd, c->pd, c->line, origin, &c->rx);
            free(what);
            ok = ok && connect_ring(b, &c->rx, c->line, origin);
        }
    }
    if (ok)
        sys_serial_write_configs(b, s);
    free(origin);
}

void sys_expand_serial(sys_builder *b, const xmlNode *x)
{
    serial_spec *s = sys_xrealloc(NULL, 1, sizeof(*s));
    memset(s, 0, sizeof(*s));
    unsigned before = b->errors;
    if (read_serial(b, x, s) && b->errors == before)
        expand(b, s);
    for (size_t i = 0; i < 3; i++)
        free(s->names[i]);
    free(s);
}
