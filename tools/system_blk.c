/*
 * tools/system_blk.c - the <blk> class element and its expansion.
 *
 *   <blk name="blk0" driver="io_uring" image="disk.img" read_only?="false">
 *     <driver name? priority?="101" cpu?/>   program blk_driver_<driver>
 *     <virt name? priority?="100" cpu?/>     program blk_virt
 *     <client pd partition data_size?="0x100000" queue_capacity?="128"/> ...
 *   </blk>
 *
 * Expansion follows sDDF's block design (PROTOCOLS 2.2): the driver shares a
 * storage_info page (rw there, r in the virt) and a request/response queue
 * pair with the virt, plus a small region only for partition-table reads
 * (rw in the driver, r in the virt). Each client gets its own storage_info
 * page (rw in the virt, r in the client), queue pair with the virt and data
 * region; the data region is mapped by the client and by the driver (which
 * plays the DMA engine on the host), never by the virt or another client.
 * The driver holds the disk as device `image` (a file or block device,
 * relative to the description's folder, which must exist and, unless
 * read_only, be writable by its owner: check_image) and an eventfd IRQ for
 * io_uring. The same file named twice (another spelling, a link) is refused
 * by the whole-model check (system_check.c, check_devices).
 * `partition` is 1-based, as sfdisk and sgdisk number partitions.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sddf/os.h>
#include <sddf/blk/config.h>
#include <sddf/blk/queue.h>
#include <sddf/blk/storage_info.h>

#include "system_blk.h"

static bool read_role(sys_builder *b, blk_spec *k, const xmlNode *x, const char *elem,
                      unsigned dflt, int which, blk_role_spec *r)
{
    static const char *const attrs[] = {"name", "priority", "cpu", NULL};
    const xmlNode *e = NULL;
    r->line = k->line;
    r->cpu = -1;
    r->priority = dflt;
    for (const xmlNode *c = x->children; c != NULL; c = c->next) {
        if (!sys_is(c, elem))
            continue;
        if (e != NULL) {
            sys_error(b, sys_line(c), "more than one <%s> in <blk> (first at line %d)", elem,
                      sys_line(e));
            return false;
        }
        e = c;
    }
    const char *name = NULL;
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
        name = sys_attr(b, e, "name");
    }
    if (name == NULL)
        name = k->names[which] = sys_xasprintf("%s_%s", k->name, elem);
    r->name = name;
    if (!sys_valid_name(name, false)) {
        sys_error(b, r->line, "bad protection domain name '%s' (1..63 of A-Z a-z 0-9 _ . -)", name);
        return false;
    }
    return true;
}

static bool read_client(sys_builder *b, blk_spec *k, const xmlNode *x, blk_client_spec *c)
{
    static const char *const attrs[] = {"pd", "partition", "data_size", "queue_capacity", NULL};
    memset(c, 0, sizeof(*c));
    c->line = sys_line(x);
    uint64_t part = 0, size = 0x100000, cap = 128;
    if (!sys_check_attrs(b, x, attrs) || !sys_check_children(b, x, NULL))
        return false;
    const char *pd = sys_attr_req(b, x, "pd");
    if (pd == NULL || sys_attr_u64(b, x, "partition", true, &part) < 0 ||
        sys_attr_u64(b, x, "data_size", false, &size) < 0 ||
        sys_attr_u64(b, x, "queue_capacity", false, &cap) < 0)
        return false;
    c->pd = sys_find_pd(b->sys, pd);
    if (c->pd == SYS_NONE || c->pd >= b->num_declared_pds) {
        sys_error(b, c->line,
                  "blk client '%s' is not a protection domain declared in the description", pd);
        return false;
    }
    for (size_t i = 0; i < b->num_blk_members; i++) {
        if (b->blk_members[i].pd == c->pd) {
            sys_error(b, c->line, "'%s' is already a client of blk '%s' (line %d)", pd,
                      b->blk_members[i].cls, b->blk_members[i].line);
            return false;
        }
    }
    if (part < 1 || part > BLK_TOOL_MAX_PARTITION) {
        sys_error(b, c->line,
                  "partition %llu out of range (1..%u, numbered as sfdisk and "
                  "sgdisk number them)",
                  (unsigned long long)part, BLK_TOOL_MAX_PARTITION);
        return false;
    }
    for (size_t i = 0; i < k->num_clients; i++) {
        if (k->clients[i].partition == part) {
            sys_error(b, c->line, "partition %llu of blk '%s' is already given to '%s' (line %d)",
                      (unsigned long long)part, k->name, b->sys->pds[k->clients[i].pd].name,
                      k->clients[i].line);
            return false;
        }
    }
    if (size == 0 || size % BLK_TRANSFER_SIZE != 0 || size > (1ull << 34)) {
        sys_error(b, c->line, "data_size %llu must be a multiple of 4096 in 4096..16 GiB",
                  (unsigned long long)size);
        return false;
    }
    if (!blk_queue_capacity_valid((uint32_t)cap) || cap > BLK_MAX_QUEUE_CAPACITY) {
        sys_error(b, c->line, "queue_capacity %llu must be a power of two in 1..%u",
                  (unsigned long long)cap, BLK_MAX_QUEUE_CAPACITY);
        return false;
    }
    c->partition = (uint32_t)part;
    c->data_size = size;
    c->capacity = (uint32_t)cap;
    b->blk_members = sys_xrealloc(b->blk_members, b->num_blk_members + 1, sizeof(*b->blk_members));
    b->blk_members[b->num_blk_members++] = (sys_member){c->pd, k->name, c->line};
    return true;
}

/*
 * The image must exist and be a regular file or block device. `sddf run`
 * opens it as root, which file modes do not stop: an image whose owner may
 * not write it (chmod a-w) is taken as meant to stay unchanged, and refused
 * unless read_only="true" says so (the monitor checks again when it opens
 * it: os/host/monitor/device_files.c).
 */
static bool check_image(sys_builder *b, const blk_spec *k)
{
    struct stat st;
    if (stat(k->image, &st) != 0) {
        if (errno == ENOENT)
            sys_error(b, k->line,
                      "disk image '%s' does not exist (create it with "
                      "examples/blk/make-image.sh?)",
                      k->image);
        else
            sys_error(b, k->line, "disk image '%s': %s", k->image, strerror(errno));
        return false;
    }
    if (!(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
        sys_error(b, k->line, "disk image '%s' is not a file or block device", k->image);
        return false;
    }
    if (!k->read_only && (st.st_mode & S_IWUSR) == 0) {
        sys_error(
            b, k->line,
            "disk image '%s' is not writable by its owner (mode %04o): give read_only=\"true\" "
            "or make it writable (chmod u+w)",
            k->image, (unsigned)(st.st_mode & 07777));
        return false;
    }
    return true;
}

static bool read_blk(sys_builder *b, const xmlNode *x, blk_spec *k)
{
    static const char *const attrs[] = {"name", "driver", "image", "read_only", NULL};
    static const char *const children[] = {"driver", "virt", "client", NULL};
    k->line = sys_line(x);
    if (!sys_check_attrs(b, x, attrs) || !sys_check_children(b, x, children))
        return false;
    k->name = sys_attr_req(b, x, "name");
    const char *driver = sys_attr_req(b, x, "driver");
    const char *image = sys_attr_req(b, x, "image");
    if (k->name == NULL || driver == NULL || image == NULL ||
        sys_attr_bool(b, x, "read_only", &k->read_only) < 0)
        return false;
    if (!sys_valid_name(k->name, false)) {
        sys_error(b, k->line, "bad blk name '%s' (1..63 of A-Z a-z 0-9 _ . -)", k->name);
        return false;
    }
    if (!sys_claim_class_name(b, k->name, k->line))
        return false;
    if (strcmp(driver, "io_uring") != 0) {
        sys_error(b, k->line, "unknown blk driver '%s' (known: io_uring)", driver);
        return false;
    }
    k->image = sys_device_path(b, image);
    if (!check_image(b, k))
        return false;
    if (!read_role(b, k, x, "driver", 101, 0, &k->driver) ||
        !read_role(b, k, x, "virt", 100, 1, &k->virt))
        return false;
    bool ok = true;
    uint64_t total = 0;
    for (const xmlNode *c = x->children; c != NULL; c = c->next) {
        if (!sys_is(c, "client"))
            continue;
        k->clients = sys_xrealloc(k->clients, k->num_clients + 1, sizeof(*k->clients));
        if (read_client(b, k, c, &k->clients[k->num_clients]))
            total += k->clients[k->num_clients++].capacity;
        else
            ok = false;
    }
    if (!ok)
        return false;
    /* The virt needs a channel per client plus one to the driver. */
    if (k->num_clients == 0 || k->num_clients > SDDF_MAX_CHANNELS - 1) {
        sys_error(b, k->line, "blk '%s' has %zu clients (want 1..%u)", k->name, k->num_clients,
                  SDDF_MAX_CHANNELS - 1);
        return false;
    }
    uint64_t cap = 1;
    while (cap < total)
        cap <<= 1;
    if (cap > BLK_MAX_QUEUE_CAPACITY) {
        sys_error(b, k->line,
                  "the clients' queue capacities add up to %llu, more than a queue "
                  "holds (%u)",
                  (unsigned long long)total, BLK_MAX_QUEUE_CAPACITY);
        return false;
    }
    k->capacity = (uint32_t)cap;
    return true;
}

static size_t add_pd(sys_builder *b, const blk_role_spec *r, const char *program,
                     const char *origin)
{
    size_t pd = sys_add_pd(b, r->name, program, r->priority, r->line, origin);
    b->sys->pds[pd].cpu = r->cpu;
    return pd;
}

/* A request/response queue pair "<prefix>/req" and "<prefix>/resp" of @cap entries. */
static void add_queues(sys_builder *b, const char *prefix, uint32_t cap, int line,
                       const char *origin, size_t q[2])
{
    char *req = sys_xasprintf("%s/req", prefix), *resp = sys_xasprintf("%s/resp", prefix);
    q[0] = sys_add_region(b, req, sys_align_up(BLK_REQ_QUEUE_BYTES(cap), SYS_PAGE_SIZE),
                          SYS_REGION_QUEUE, line, origin);
    q[1] = sys_add_region(b, resp, sys_align_up(BLK_RESP_QUEUE_BYTES(cap), SYS_PAGE_SIZE),
                          SYS_REGION_QUEUE, line, origin);
    free(req);
    free(resp);
}

static void map_rw(sys_builder *b, size_t pd, size_t region, int line, const char *origin)
{
    sys_map_generated(b, pd, region, SYS_PERM_R | SYS_PERM_W, line, origin);
}

static void expand_client(sys_builder *b, blk_spec *k, blk_client_spec *c, const char *origin)
{
    sys_system *sys = b->sys;
    const char *client = sys->pds[c->pd].name;
    char *p = sys_xasprintf("%s/storage_info/%s", k->name, client);
    c->info =
        sys_add_region(b, p, BLK_STORAGE_INFO_REGION_SIZE, SYS_REGION_METADATA, c->line, origin);
    free(p);
    p = sys_xasprintf("%s/queue/%s/%s", k->name, k->virt.name, client);
    add_queues(b, p, c->capacity, c->line, origin, c->q);
    free(p);
    p = sys_xasprintf("%s/data/%s", k->name, client);
    c->data = sys_add_region(b, p, c->data_size, SYS_REGION_CLIENT_DATA, c->line, origin);
    sys->regions[c->data].io_addr = sys_alloc_io(b, c->data_size);
    free(p);
    size_t priv[] = {c->info, c->q[0], c->q[1], c->data};
    for (size_t i = 0; i < 4; i++) {
        sys->regions[priv[i]].client_private = true;
        sys->regions[priv[i]].client = c->pd;
    }
    map_rw(b, k->virt.pd, c->info, c->line, origin);
    map_rw(b, k->virt.pd, c->q[0], c->line, origin);
    map_rw(b, k->virt.pd, c->q[1], c->line, origin);
    sys_map_generated(b, c->pd, c->info, SYS_PERM_R, c->line, origin);
    map_rw(b, c->pd, c->q[0], c->line, origin);
    map_rw(b, c->pd, c->q[1], c->line, origin);
    map_rw(b, c->pd, c->data, c->line, origin);
    map_rw(b, k->driver.pd, c->data, c->line, origin); /* the host driver is the DMA engine */
}

static void expand(sys_builder *b, blk_spec *k)
{
    sys_system *sys = b->sys;
    char *origin = sys_xasprintf("blk \"%s\" (line %d)", k->name, k->line);
    k->driver.pd = add_pd(b, &k->driver, "blk_driver_io_uring", origin);
    k->virt.pd = add_pd(b, &k->virt, "blk_virt", origin);
    char *p = sys_xasprintf("%s/storage_info/%s", k->name, k->driver.name);
    k->info =
        sys_add_region(b, p, BLK_STORAGE_INFO_REGION_SIZE, SYS_REGION_METADATA, k->line, origin);
    free(p);
    p = sys_xasprintf("%s/queue/%s/%s", k->name, k->driver.name, k->virt.name);
    add_queues(b, p, k->capacity, k->line, origin, k->q);
    free(p);
    p = sys_xasprintf("%s/partition_table", k->name);
    k->part = sys_add_region(b, p, BLK_TOOL_PART_REGION, SYS_REGION_DMA, k->line, origin);
    sys->regions[k->part].io_addr = sys_alloc_io(b, BLK_TOOL_PART_REGION);
    free(p);
    map_rw(b, k->driver.pd, k->info, k->line, origin);
    map_rw(b, k->driver.pd, k->q[0], k->line, origin);
    map_rw(b, k->driver.pd, k->q[1], k->line, origin);
    map_rw(b, k->driver.pd, k->part, k->line, origin);
    sys_map_generated(b, k->virt.pd, k->info, SYS_PERM_R, k->line, origin);
    map_rw(b, k->virt.pd, k->q[0], k->line, origin);
    map_rw(b, k->virt.pd, k->q[1], k->line, origin);
    sys_map_generated(b, k->virt.pd, k->part, SYS_PERM_R, k->line, origin);
    for (size_t i = 0; i < k->num_clients; i++)
        expand_client(b, k, &k->clients[i], origin);

    k->device = sys_add_device(b, k->driver.pd, SYS_DEVICE_BLOCK, k->image, k->read_only, -1,
                               k->line, origin);
    bool ok =
        k->device != SYS_NONE &&
        sys_add_irq_generated(b, k->driver.pd, SYS_IRQ_EVENTFD, 0, k->driver.line, &k->irq_id) &&
        sys_connect(b, k->driver.pd, k->virt.pd, false, true, k->line, origin, &k->id_drv,
                    &k->id_virt);
    for (size_t i = 0; ok && i < k->num_clients; i++)
        ok = sys_connect(b, k->virt.pd, k->clients[i].pd, false, true, k->clients[i].line, origin,
                         &k->clients[i].id_virt, &k->clients[i].id_client);
    if (ok) {
        k->device_id = sys->devices[k->device].id;
        sys_blk_write_configs(b, k);
    }
    free(origin);
}

void sys_expand_blk(sys_builder *b, const xmlNode *x)
{
    blk_spec k = {0};
    unsigned before = b->errors;
    if (read_blk(b, x, &k) && b->errors == before)
        expand(b, &k);
    free(k.image);
    free(k.names[0]);
    free(k.names[1]);
    free(k.clients);
}
