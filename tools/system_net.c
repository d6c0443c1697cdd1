/*
 * tools/system_net.c - the <net> class element and its expansion.
 *
 *   <net name="net0" driver="tap" device="sddftap0" host_address="198.18.0.1/24"
 *        mtu="1500" rx_buffers="512">
 *     <driver name? priority?="101" cpu?/>      program net_driver_<driver>
 *     <virt_rx name? priority?="99" cpu?/>      program net_virt_rx
 *     <virt_tx name? priority?="100" cpu?/>     program net_virt_tx
 *     <client pd mac ip? gateway? rx_buffers?="512" tx_buffers?="512"
 *             copier? copier_priority?="98"/>   copier program net_copy
 *   </net>
 *
 * Expansion follows sDDF's network design (PROTOCOLS 2.1): the driver shares
 * only queues and the rx DMA region with the virtualisers; each client gets
 * a copier that copies frames from the rx DMA region (read-only there) into
 * the client's own rx region, so the DMA region is never mapped in a client;
 * tx is zero-copy: the client's tx region is read-only in virt_tx and in the
 * driver (which plays the DMA engine on the host). Each queue pair's
 * capacity equals the number of buffers that can ever be in it.
 */
#include <stdlib.h>
#include <string.h>

#include <sddf/net/config.h>
#include <sddf/net/queue.h>
#include <sddf/os.h>

#include "system_net.h"

/** Most clients: virt_rx needs one channel per client plus one to the driver. */
#define NET_MAX_CLIENTS                                                                            \
    (SDDF_NET_MAX_CLIENTS < SDDF_MAX_CHANNELS - 1 ? SDDF_NET_MAX_CLIENTS : SDDF_MAX_CHANNELS - 1)

static const char *own_name(net_spec *n, char *s)
{
    n->names = sys_xrealloc(n->names, n->num_names + 1, sizeof(*n->names));
    n->names[n->num_names++] = s;
    return s;
}

/* Fewest buffers per data region: 2 * NET_BUFFER_SIZE is one page. */
#define NET_MIN_BUFFERS 2u

/* A power-of-two buffer count attribute (queue capacities are powers of two). */
static bool read_buffers(sys_builder *b, const xmlNode *x, const char *attr, uint32_t *out)
{
    uint64_t v = 512;
    int r = sys_attr_u64(b, x, attr, false, &v);
    if (r < 0)
        return false;
    if (!sys_is_pow2(v)) {
        sys_error(b, sys_line(x), "%s %llu is not a power of two", attr, (unsigned long long)v);
        return false;
    }
    /* At least two: a data region is whole pages, and components check it
     * holds exactly num_buffers * NET_BUFFER_SIZE bytes. */
    if (v < NET_MIN_BUFFERS || v > NET_MAX_QUEUE_CAPACITY) {
        sys_error(b, sys_line(x), "%s %llu out of range (%u..%u)", attr, (unsigned long long)v,
                  NET_MIN_BUFFERS, NET_MAX_QUEUE_CAPACITY);
        return false;
    }
    *out = (uint32_t)v;
    return true;
}

static bool check_generated_name(sys_builder *b, const char *name, int line)
{
    if (sys_valid_name(name, false))
        return true;
    sys_error(b, line, "bad protection domain name '%s' (1..63 of A-Z a-z 0-9 _ . -)", name);
    return false;
}

/* <driver>, <virt_rx>, <virt_tx>: optional, each at most once. */
static bool read_role(sys_builder *b, net_spec *n, const xmlNode *net, const char *elem,
                      const char *suffix, unsigned dflt_prio, net_role_spec *r)
{
    static const char *const attrs[] = {"name", "priority", "cpu", NULL};
    const xmlNode *x = NULL;
    r->line = n->line;
    r->cpu = -1;
    r->priority = dflt_prio;
    for (const xmlNode *c = net->children; c != NULL; c = c->next) {
        if (!sys_is(c, elem))
            continue;
        if (x != NULL) {
            sys_error(b, sys_line(c), "more than one <%s> in <net> (first at line %d)", elem,
                      sys_line(x));
            return false;
        }
        x = c;
    }
    const char *name = NULL;
    if (x != NULL) {
        r->line = sys_line(x);
        uint64_t cpu = 0;
        int rc;
        if (!sys_check_attrs(b, x, attrs) || !sys_check_children(b, x, NULL) ||
            !sys_attr_priority(b, x, "priority", dflt_prio, &r->priority) ||
            (rc = sys_attr_u64(b, x, "cpu", false, &cpu)) < 0)
            return false;
        if (rc > 0 && cpu >= 1024) {
            sys_error(b, r->line, "cpu %llu out of range (0..1023)", (unsigned long long)cpu);
            return false;
        }
        r->cpu = rc > 0 ? (int)cpu : -1;
        name = sys_attr(b, x, "name");
    }
    r->name = name ? name : own_name(n, sys_xasprintf("%s_%s", n->name, suffix));
    return check_generated_name(b, r->name, r->line);
}

static const sys_member *find_member(const sys_builder *b, size_t pd)
{
    for (size_t i = 0; i < b->num_net_members; i++)
        if (b->net_members[i].pd == pd)
            return &b->net_members[i];
    return NULL;
}

static bool read_client(sys_builder *b, net_spec *n, const xmlNode *x, net_client_spec *c)
{
    static const char *const attrs[] = {"pd",         "mac",        "ip",     "gateway",
                                        "rx_buffers", "tx_buffers", "copier", "copier_priority",
                                        NULL};
    int line = sys_line(x);
    memset(c, 0, sizeof(*c));
    c->line = line;
    if (!sys_check_attrs(b, x, attrs) || !sys_check_children(b, x, NULL))
        return false;
    const char *pd = sys_attr_req(b, x, "pd");
    const char *mac = sys_attr_req(b, x, "mac");
    const char *ip = sys_attr(b, x, "ip");
    const char *gw = sys_attr(b, x, "gateway");
    if (pd == NULL || mac == NULL || !read_buffers(b, x, "rx_buffers", &c->rx_buffers) ||
        !read_buffers(b, x, "tx_buffers", &c->tx_buffers) ||
        !sys_attr_priority(b, x, "copier_priority", 98, &c->copier_priority))
        return false;
    c->pd = sys_find_pd(b->sys, pd);
    if (c->pd == SYS_NONE || c->pd >= b->num_declared_pds) {
        sys_error(b, line, "net client '%s' is not a protection domain declared in the description",
                  pd);
        return false;
    }
    const sys_member *m = find_member(b, c->pd);
    if (m != NULL) {
        sys_error(b, line, "'%s' is already a client of net '%s' (line %d)", pd, m->cls, m->line);
        return false;
    }
    if (!sys_parse_mac(mac, c->mac)) {
        sys_error(b, line, "bad MAC address '%s' (want six hex bytes like 02:00:00:00:00:01)", mac);
        return false;
    }
    if (mac802_addr_is_group(c->mac)) {
        sys_error(b, line, "MAC address %s is a group (multicast or broadcast) address", mac);
        return false;
    }
    for (size_t i = 0; i < n->num_clients; i++) {
        if (mac802_addr_eq(n->clients[i].mac, c->mac)) {
            sys_error(b, line, "duplicate MAC address %s in net '%s' (first at line %d)", mac,
                      n->name, n->clients[i].line);
            return false;
        }
    }
    uint8_t prefix = 0;
    if (ip != NULL) {
        if (!sys_parse_ipv4_prefix(ip, &c->ip, &prefix)) {
            sys_error(b, line, "bad IPv4 address/prefix '%s' (want a.b.c.d/p)", ip);
            return false;
        }
        const char *why = sys_ipv4_unusable(c->ip, prefix);
        if (why != NULL) {
            sys_error(b, line, "client ip '%s' is %s", ip, why);
            return false;
        }
        if (n->host_addr != 0 && c->ip == n->host_addr) {
            sys_error(b, line, "client ip '%s' is the host address of net '%s' (line %d)", ip,
                      n->name, n->line);
            return false;
        }
        for (size_t i = 0; i < n->num_clients; i++) {
            if (n->clients[i].has_ip && n->clients[i].ip == c->ip) {
                sys_error(b, line, "duplicate IP address '%s' in net '%s' (first at line %d)", ip,
                          n->name, n->clients[i].line);
                return false;
            }
        }
        c->has_ip = true;
        c->netmask = sys_prefix_mask(prefix);
    }
    if (gw != NULL && (ip == NULL || !sys_parse_ipv4(gw, &c->gateway))) {
        sys_error(b, line,
                  ip == NULL ? "gateway '%s' given without an ip" : "bad IPv4 gateway address '%s'",
                  gw);
        return false;
    }
    const char *copier = sys_attr(b, x, "copier");
    c->copier_name = copier ? copier : own_name(n, sys_xasprintf("%s_copier", pd));
    if (!check_generated_name(b, c->copier_name, line))
        return false;
    b->net_members = sys_xrealloc(b->net_members, b->num_net_members + 1, sizeof(*b->net_members));
    b->net_members[b->num_net_members++] = (sys_member){c->pd, n->name, line};
    return true;
}

static bool read_net(sys_builder *b, const xmlNode *x, net_spec *n)
{
    static const char *const attrs[] = {"name", "driver",     "device", "host_address",
                                        "mtu",  "rx_buffers", NULL};
    static const char *const children[] = {"driver", "virt_rx", "virt_tx", "client", NULL};
    n->line = sys_line(x);
    if (!sys_check_attrs(b, x, attrs) || !sys_check_children(b, x, children))
        return false;
    n->name = sys_attr_req(b, x, "name");
    const char *driver = sys_attr_req(b, x, "driver");
    n->device = sys_attr_req(b, x, "device");
    const char *addr = sys_attr(b, x, "host_address");
    uint64_t mtu = 1500;
    if (n->name == NULL || driver == NULL || n->device == NULL ||
        sys_attr_u64(b, x, "mtu", false, &mtu) < 0 ||
        !read_buffers(b, x, "rx_buffers", &n->rx_buffers))
        return false;
    if (!sys_valid_name(n->name, false)) {
        sys_error(b, n->line, "bad net name '%s' (1..63 of A-Z a-z 0-9 _ . -)", n->name);
        return false;
    }
    if (!sys_claim_class_name(b, n->name, n->line))
        return false;
    if (strcmp(driver, "tap") != 0) {
        sys_error(b, n->line, "unknown net driver '%s' (known: tap)", driver);
        return false;
    }
    n->program = "net_driver_tap";
    if (!sys_valid_ifname(n->device)) {
        sys_error(b, n->line, "bad TAP device name '%s' (1..15 characters, no '/', ':' or space)",
                  n->device);
        return false;
    }
    if (addr != NULL && !sys_parse_ipv4_prefix(addr, &n->host_addr, &n->prefix)) {
        sys_error(b, n->line, "bad IPv4 address/prefix '%s' (want a.b.c.d/p)", addr);
        return false;
    }
    const char *why = addr != NULL ? sys_ipv4_unusable(n->host_addr, n->prefix) : NULL;
    if (why != NULL) {
        sys_error(b, n->line, "host_address '%s' is %s", addr, why);
        return false;
    }
    if (mtu < 68 || mtu > 2030) {
        sys_error(b, n->line,
                  "mtu %llu out of range (68..2030: a frame must fit a 2048-byte buffer)",
                  (unsigned long long)mtu);
        return false;
    }
    n->mtu = (uint16_t)mtu;
    if (!read_role(b, n, x, "driver", "driver", 101, &n->driver) ||
        !read_role(b, n, x, "virt_rx", "virt_rx", 99, &n->virt_rx) ||
        !read_role(b, n, x, "virt_tx", "virt_tx", 100, &n->virt_tx))
        return false;
    bool ok = true;
    uint64_t tx_total = 0;
    for (const xmlNode *c = x->children; c != NULL; c = c->next) {
        if (!sys_is(c, "client"))
            continue;
        n->clients = sys_xrealloc(n->clients, n->num_clients + 1, sizeof(*n->clients));
        if (read_client(b, n, c, &n->clients[n->num_clients])) {
            tx_total += n->clients[n->num_clients].tx_buffers;
            n->num_clients++;
        } else {
            ok = false;
        }
    }
    if (!ok)
        return false;
    if (n->num_clients > NET_MAX_CLIENTS) {
        sys_error(b, n->line, "net '%s' has %zu clients (at most %u)", n->name, n->num_clients,
                  (unsigned)NET_MAX_CLIENTS);
        return false;
    }
    uint64_t cap = 1;
    while (cap < tx_total)
        cap <<= 1;
    if (cap > NET_MAX_QUEUE_CAPACITY) {
        sys_error(b, n->line,
                  "the clients' tx_buffers add up to %llu, more than a queue holds (%u)",
                  (unsigned long long)tx_total, NET_MAX_QUEUE_CAPACITY);
        return false;
    }
    n->tx_capacity = (uint32_t)cap;
    return true;
}

static size_t add_pd(sys_builder *b, const net_role_spec *r, const char *program,
                     const char *origin)
{
    size_t pd = sys_add_pd(b, r->name, program, r->priority, r->line, origin);
    b->sys->pds[pd].cpu = r->cpu;
    return pd;
}

/* A queue pair "<prefix>/free" and "<prefix>/active" of @capacity entries. */
static void add_queues(sys_builder *b, const char *prefix, uint32_t capacity, int line,
                       const char *origin, size_t q[2])
{
    uint64_t size = sys_align_up(NET_QUEUE_BYTES(capacity), SYS_PAGE_SIZE);
    char *free_name = sys_xasprintf("%s/free", prefix);
    char *active_name = sys_xasprintf("%s/active", prefix);
    q[0] = sys_add_region(b, free_name, size, SYS_REGION_QUEUE, line, origin);
    q[1] = sys_add_region(b, active_name, size, SYS_REGION_QUEUE, line, origin);
    free(free_name);
    free(active_name);
}

static void map_queues(sys_builder *b, size_t pd, const size_t q[2], int line, const char *origin)
{
    sys_map_generated(b, pd, q[0], SYS_PERM_R | SYS_PERM_W, line, origin);
    sys_map_generated(b, pd, q[1], SYS_PERM_R | SYS_PERM_W, line, origin);
}

static void make_private(sys_builder *b, size_t region, size_t client)
{
    b->sys->regions[region].client_private = true;
    b->sys->regions[region].client = client;
}

static void expand_client(sys_builder *b, net_spec *n, net_client_spec *c, const char *origin)
{
    const unsigned rw = SYS_PERM_R | SYS_PERM_W;
    const sys_system *sys = b->sys;
    const char *client = sys->pds[c->pd].name;
    net_role_spec cr = {c->copier_name, c->copier_priority, -1, c->line, 0};
    c->copier = add_pd(b, &cr, "net_copy", origin);
    const char *copier = sys->pds[c->copier].name;
    const char *vrx = sys->pds[n->virt_rx.pd].name, *vtx = sys->pds[n->virt_tx.pd].name;

    char *p = sys_xasprintf("%s/queue/%s/%s", n->name, vrx, copier);
    add_queues(b, p, n->rx_buffers, c->line, origin, c->q_virt_copier);
    free(p);
    p = sys_xasprintf("%s/queue/%s/%s", n->name, copier, client);
    add_queues(b, p, c->rx_buffers, c->line, origin, c->q_copier_client);
    free(p);
    p = sys_xasprintf("%s/queue/%s/%s", n->name, vtx, client);
    add_queues(b, p, c->tx_buffers, c->line, origin, c->q_client_virt);
    free(p);
    p = sys_xasprintf("%s/data/%s/rx", n->name, client);
    c->rx_data =
        sys_add_region(b, p, sys_align_up((uint64_t)c->rx_buffers * NET_BUFFER_SIZE, SYS_PAGE_SIZE),
                       SYS_REGION_CLIENT_DATA, c->line, origin);
    free(p);
    p = sys_xasprintf("%s/data/%s/tx", n->name, client);
    uint64_t tx_size = sys_align_up((uint64_t)c->tx_buffers * NET_BUFFER_SIZE, SYS_PAGE_SIZE);
    c->tx_data = sys_add_region(b, p, tx_size, SYS_REGION_CLIENT_DATA, c->line, origin);
    b->sys->regions[c->tx_data].io_addr = sys_alloc_io(b, tx_size);
    free(p);
    size_t priv[] = {c->q_virt_copier[0],
                     c->q_virt_copier[1],
                     c->q_copier_client[0],
                     c->q_copier_client[1],
                     c->q_client_virt[0],
                     c->q_client_virt[1],
                     c->rx_data,
                     c->tx_data};
    for (size_t i = 0; i < sizeof(priv) / sizeof(priv[0]); i++)
        make_private(b, priv[i], c->pd);

    /* virt_rx side */
    map_queues(b, n->virt_rx.pd, c->q_virt_copier, c->line, origin);
    /* copier: DMA region read-only (the design wants RO; the copier only reads frames) */
    map_queues(b, c->copier, c->q_virt_copier, c->line, origin);
    sys_map_generated(b, c->copier, n->dma, SYS_PERM_R, c->line, origin);
    map_queues(b, c->copier, c->q_copier_client, c->line, origin);
    sys_map_generated(b, c->copier, c->rx_data, rw, c->line, origin);
    /* client */
    map_queues(b, c->pd, c->q_copier_client, c->line, origin);
    sys_map_generated(b, c->pd, c->rx_data, rw, c->line, origin);
    map_queues(b, c->pd, c->q_client_virt, c->line, origin);
    sys_map_generated(b, c->pd, c->tx_data, rw, c->line, origin);
    /* virt_tx and driver read the client's tx buffers */
    map_queues(b, n->virt_tx.pd, c->q_client_virt, c->line, origin);
    sys_map_generated(b, n->virt_tx.pd, c->tx_data, SYS_PERM_R, c->line, origin);
    sys_map_generated(b, n->driver.pd, c->tx_data, SYS_PERM_R, c->line, origin);
}

static void connect_client(sys_builder *b, net_spec *n, net_client_spec *c, const char *origin)
{
    sys_connect(b, n->virt_rx.pd, c->copier, false, true, c->line, origin, &c->id_virt_rx,
                &c->id_copier_virt);
    sys_connect(b, c->copier, c->pd, false, true, c->line, origin, &c->id_copier_client,
                &c->id_client_copier);
    sys_connect(b, n->virt_tx.pd, c->pd, false, true, c->line, origin, &c->id_virt_tx,
                &c->id_client_virt_tx);
}

static void expand(sys_builder *b, net_spec *n)
{
    const unsigned rw = SYS_PERM_R | SYS_PERM_W;
    char *origin = sys_xasprintf("net \"%s\" (line %d)", n->name, n->line);
    n->driver.pd = add_pd(b, &n->driver, n->program, origin);
    n->virt_rx.pd = add_pd(b, &n->virt_rx, "net_virt_rx", origin);
    n->virt_tx.pd = add_pd(b, &n->virt_tx, "net_virt_tx", origin);
    n->tap = sys_add_tap(b, n->device, n->host_addr, n->prefix, n->mtu, n->line, origin);

    char *p = sys_xasprintf("%s/rx/dma", n->name);
    uint64_t dma_size = sys_align_up((uint64_t)n->rx_buffers * NET_BUFFER_SIZE, SYS_PAGE_SIZE);
    n->dma = sys_add_region(b, p, dma_size, SYS_REGION_DMA, n->line, origin);
    b->sys->regions[n->dma].io_addr = sys_alloc_io(b, dma_size);
    free(p);
    p = sys_xasprintf("%s/rx/metadata", n->name);
    n->metadata = sys_add_region(b, p, sys_align_up(n->rx_buffers, SYS_PAGE_SIZE),
                                 SYS_REGION_METADATA, n->line, origin);
    free(p);
    p = sys_xasprintf("%s/queue/%s/%s", n->name, n->driver.name, n->virt_rx.name);
    add_queues(b, p, n->rx_buffers, n->line, origin, n->rx_q);
    free(p);
    p = sys_xasprintf("%s/queue/%s/%s", n->name, n->driver.name, n->virt_tx.name);
    add_queues(b, p, n->tx_capacity, n->line, origin, n->tx_q);
    free(p);

    sys_map_generated(b, n->driver.pd, n->dma, rw, n->line, origin);
    map_queues(b, n->driver.pd, n->rx_q, n->line, origin);
    map_queues(b, n->driver.pd, n->tx_q, n->line, origin);
    sys_map_generated(b, n->virt_rx.pd, n->dma, SYS_PERM_R, n->line, origin);
    sys_map_generated(b, n->virt_rx.pd, n->metadata, rw, n->line, origin);
    map_queues(b, n->virt_rx.pd, n->rx_q, n->line, origin);
    map_queues(b, n->virt_tx.pd, n->tx_q, n->line, origin);
    for (size_t i = 0; i < n->num_clients; i++)
        expand_client(b, n, &n->clients[i], origin);

    bool ok =
        sys_add_irq_generated(b, n->driver.pd, SYS_IRQ_TAP, n->tap, n->driver.line, &n->irq_id) &&
        sys_connect(b, n->driver.pd, n->virt_rx.pd, false, true, n->line, origin, &n->id_drv_rx,
                    &n->id_rx_drv) &&
        sys_connect(b, n->driver.pd, n->virt_tx.pd, false, true, n->line, origin, &n->id_drv_tx,
                    &n->id_tx_drv);
    unsigned before = b->errors;
    for (size_t i = 0; ok && i < n->num_clients; i++)
        connect_client(b, n, &n->clients[i], origin);
    if (ok && b->errors == before)
        sys_net_write_configs(b, n);
    free(origin);
}

void sys_expand_net(sys_builder *b, const xmlNode *x)
{
    net_spec n = {0};
    unsigned before = b->errors;
    if (read_net(b, x, &n) && b->errors == before)
        expand(b, &n);
    for (size_t i = 0; i < n.num_names; i++)
        free(n.names[i]);
    free(n.names);
    free(n.clients);
}
