/*
 * tests/unit/test_system.c - the system tool's expansion (tools/system.h):
 * the echo server example expands into the PDs, regions, maps, channels and
 * configuration records that sDDF's network and timer designs require, and
 * `describe` prints a description that parses and loads again.
 *
 * Usage: test_system EXAMPLE DATADIR  (meson passes both).
 */
#include <arpa/inet.h>
#include <libgen.h>
#include <libxml/parser.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <sddf/net/config.h>
#include <sddf/net/lwip_config.h>
#include <sddf/net/queue.h>
#include <sddf/timer/config.h>

#include "system_internal.h"

static const char *example_path;
static const char *data_dir;

/* Load @path without program resolution; the error stream must stay empty. */
static void load_ok(const char *path, const char *program_dir, sys_system *sys)
{
    char *errs = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&errs, &len);
    assert_non_null(err);
    int rc = sys_load(path, program_dir, sys, err);
    fclose(err);
    if (rc != 0)
        print_error("%s", errs);
    assert_int_equal(rc, 0);
    assert_int_equal(len, 0);
    free(errs);
}

static char *data_file(const char *name)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/%s", data_dir, name) > 0);
    return p;
}

static size_t pd_index(const sys_system *sys, const char *name)
{
    size_t i = sys_find_pd(sys, name);
    assert_true(i != SYS_NONE);
    return i;
}

static size_t region_index(const sys_system *sys, const char *name)
{
    size_t i = sys_find_region(sys, name);
    assert_true(i != SYS_NONE);
    return i;
}

/* The map of @region in @pd, or NULL. */
static const sys_map *map_of(const sys_system *sys, size_t pd, size_t region)
{
    const sys_pd *p = &sys->pds[pd];
    for (size_t i = 0; i < p->num_maps; i++)
        if (p->maps[i].region == region)
            return &p->maps[i];
    return NULL;
}

/* The region @pd maps at @vaddr (start of the map), or SYS_NONE. */
static size_t region_at(const sys_system *sys, size_t pd, uint64_t vaddr)
{
    const sys_pd *p = &sys->pds[pd];
    for (size_t i = 0; i < p->num_maps; i++)
        if (p->maps[i].vaddr == vaddr)
            return p->maps[i].region;
    return SYS_NONE;
}

/* Find (class, role) in @pd's blob, checking every header on the way. */
static const void *record(const sys_system *sys, size_t pd, uint8_t cls, uint8_t role,
                          uint32_t size)
{
    const sys_pd *p = &sys->pds[pd];
    size_t off = 0;
    const void *found = NULL;
    while (off < p->config_size) {
        sddf_config_header_t h;
        assert_true(p->config_size - off >= sizeof(h));
        memcpy(&h, p->config + off, sizeof(h));
        assert_memory_equal(h.magic, "sDDF", 4);
        assert_int_equal(h.version, SDDF_CONFIG_VERSION);
        assert_int_equal(off % 8, 0);
        assert_true(h.size >= sizeof(h) && h.size <= p->config_size - off);
        if (h.class_id == cls && h.role == role) {
            assert_null(found);
            assert_int_equal(h.size, size);
            found = p->config + off;
        }
        off += h.size;
    }
    assert_int_equal(off, p->config_size);
    return found;
}

/* The channel between @a and @b: its end ids (in a and in b) and the channel. */
static const sys_channel *channel(const sys_system *sys, size_t a, size_t b, unsigned *ida,
                                  unsigned *idb)
{
    const sys_channel *found = NULL;
    for (size_t i = 0; i < sys->num_channels; i++) {
        const sys_channel *c = &sys->channels[i];
        for (int e = 0; e < 2; e++) {
            if (c->end[e].pd == a && c->end[1 - e].pd == b) {
                assert_null(found); /* exactly one */
                found = c;
                *ida = c->end[e].id;
                *idb = c->end[1 - e].id;
            }
        }
    }
    assert_non_null(found);
    return found;
}

/* A connection seen from @pd and from @peer refers to the same two regions. */
static void same_queues(const sys_system *sys, size_t pd, const net_connection_resource_t *c,
                        size_t peer, const net_connection_resource_t *pc)
{
    size_t f = region_at(sys, pd, c->free_queue.vaddr);
    size_t a = region_at(sys, pd, c->active_queue.vaddr);
    assert_true(f != SYS_NONE && a != SYS_NONE && f != a);
    assert_int_equal(f, region_at(sys, peer, pc->free_queue.vaddr));
    assert_int_equal(a, region_at(sys, peer, pc->active_queue.vaddr));
    assert_int_equal(sys->regions[f].kind, SYS_REGION_QUEUE);
    assert_int_equal(c->num_buffers, pc->num_buffers);
    assert_true(sys->regions[f].size >= NET_QUEUE_BYTES(c->num_buffers));
    assert_int_equal(c->free_queue.size, sys->regions[f].size);
}

static void test_echo_server_entities(void **state)
{
    (void)state;
    sys_system sys;
    load_ok(example_path, NULL, &sys);
    assert_int_equal(sys.num_pds, 8);
    const char *names[] = {"client0",      "client1",        "net0_driver",    "net0_virt_rx",
                           "net0_virt_tx", "client0_copier", "client1_copier", "timer_driver"};
    const unsigned prios[] = {97, 97, 101, 99, 100, 98, 98, 254};
    const char *programs[] = {"echo_server", "echo_server",         "net_driver_tap",
                              "net_virt_rx", "net_virt_tx",         "net_copy",
                              "net_copy",    "timer_driver_timerfd"};
    for (size_t i = 0; i < 8; i++) {
        size_t p = pd_index(&sys, names[i]);
        assert_int_equal(sys.pds[p].priority, prios[i]);
        assert_string_equal(sys.pds[p].program, programs[i]);
        assert_null(sys.pds[p].program_path);
        assert_true((sys.pds[p].origin == NULL) == (i < 2));
    }
    assert_true(sys.pds[pd_index(&sys, "timer_driver")].passive);
    /* 2 DMA-side + 4 driver queues + per client 6 queues and 2 data regions */
    assert_int_equal(sys.num_regions, 22);
    assert_int_equal(sys.num_taps, 1);
    assert_string_equal(sys.taps[0].name, "sddftap0");
    assert_int_equal(sys.taps[0].host_addr, htonl(0xc6120001));
    assert_int_equal(sys.taps[0].prefix_len, 24);
    assert_int_equal(sys.taps[0].mtu, 1500);
    size_t dma = region_index(&sys, "net0/rx/dma");
    assert_int_equal(sys.regions[dma].size, 512 * 2048);
    assert_int_equal(sys.regions[dma].kind, SYS_REGION_DMA);
    /* IRQs: the driver's TAP, the timer driver's timerfd, nothing else */
    size_t drv = pd_index(&sys, "net0_driver"), tdrv = pd_index(&sys, "timer_driver");
    for (size_t p = 0; p < sys.num_pds; p++)
        assert_int_equal(sys.pds[p].num_irqs, p == drv || p == tdrv ? 1 : 0);
    assert_int_equal(sys.pds[drv].irqs[0].kind, SYS_IRQ_TAP);
    assert_int_equal(sys.pds[drv].irqs[0].device, 0);
    assert_int_equal(sys.pds[tdrv].irqs[0].kind, SYS_IRQ_TIMERFD);
    sys_free(&sys);
    assert_null(sys.pds);
}

static void test_echo_server_maps(void **state)
{
    (void)state;
    sys_system sys;
    load_ok(example_path, NULL, &sys);
    size_t dma = region_index(&sys, "net0/rx/dma");
    size_t drv = pd_index(&sys, "net0_driver"), vrx = pd_index(&sys, "net0_virt_rx");
    size_t c0 = pd_index(&sys, "client0"), c1 = pd_index(&sys, "client1");
    size_t cp0 = pd_index(&sys, "client0_copier"), cp1 = pd_index(&sys, "client1_copier");
    /* rx DMA: rw in the driver, r in virt_rx and each copier, nowhere else */
    for (size_t p = 0; p < sys.num_pds; p++) {
        const sys_map *m = map_of(&sys, p, dma);
        if (p == drv)
            assert_int_equal(m->perms, SYS_PERM_R | SYS_PERM_W);
        else if (p == vrx || p == cp0 || p == cp1)
            assert_int_equal(m->perms, SYS_PERM_R);
        else
            assert_null(m);
    }
    /* no client maps another client's regions; each region of a client is
     * named after it and private to it */
    const size_t clients[2] = {c0, c1};
    for (int i = 0; i < 2; i++) {
        const sys_pd *p = &sys.pds[clients[i]];
        assert_int_equal(p->num_maps, 6);
        const char *other = i == 0 ? "client1" : "client0";
        for (size_t m = 0; m < p->num_maps; m++) {
            const sys_region *r = &sys.regions[p->maps[m].region];
            assert_null(strstr(r->name, other));
            assert_true(r->client_private);
            assert_int_equal(r->client, clients[i]);
            assert_int_equal(p->maps[m].perms, SYS_PERM_R | SYS_PERM_W);
        }
    }
    /* client tx data: rw in the client, r in virt_tx and in the driver */
    size_t tx0 = region_index(&sys, "net0/data/client0/tx");
    assert_int_equal(map_of(&sys, c0, tx0)->perms, SYS_PERM_R | SYS_PERM_W);
    assert_int_equal(map_of(&sys, pd_index(&sys, "net0_virt_tx"), tx0)->perms, SYS_PERM_R);
    assert_int_equal(map_of(&sys, drv, tx0)->perms, SYS_PERM_R);
    assert_null(map_of(&sys, vrx, tx0));
    /* the metadata is rw in virt_rx only */
    size_t meta = region_index(&sys, "net0/rx/metadata");
    for (size_t p = 0; p < sys.num_pds; p++)
        assert_true((map_of(&sys, p, meta) != NULL) == (p == vrx));
    /* generated maps: above the base, aligned, never adjacent (guard pages) */
    for (size_t p = 0; p < sys.num_pds; p++) {
        const sys_pd *pd = &sys.pds[p];
        for (size_t i = 0; i < pd->num_maps; i++) {
            const sys_map *a = &pd->maps[i];
            assert_true(a->vaddr >= 0x200000000000ull);
            assert_int_equal(a->vaddr % 4096, 0);
            for (size_t j = 0; j < pd->num_maps; j++) {
                const sys_map *b = &pd->maps[j];
                if (i != j)
                    assert_true(a->vaddr + sys.regions[a->region].size + 4096 <= b->vaddr ||
                                b->vaddr + sys.regions[b->region].size + 4096 <= a->vaddr);
            }
        }
    }
    /* synthetic IO addresses: DMA and tx data only, nonzero, disjoint */
    unsigned with_io = 0;
    for (size_t i = 0; i < sys.num_regions; i++) {
        const sys_region *a = &sys.regions[i];
        if (a->io_addr == 0)
            continue;
        with_io++;
        for (size_t j = 0; j < sys.num_regions; j++) {
            const sys_region *b = &sys.regions[j];
            if (i != j && b->io_addr != 0)
                assert_true(a->io_addr + a->size <= b->io_addr ||
                            b->io_addr + b->size <= a->io_addr);
        }
    }
    assert_int_equal(with_io, 3);
    assert_int_equal(sys_check_invariants(&sys, stderr), 0);
    sys_free(&sys);
}

static void test_echo_server_channels(void **state)
{
    (void)state;
    sys_system sys;
    load_ok(example_path, NULL, &sys);
    assert_int_equal(sys.num_channels, 10);
    size_t drv = pd_index(&sys, "net0_driver"), vrx = pd_index(&sys, "net0_virt_rx");
    size_t vtx = pd_index(&sys, "net0_virt_tx"), tdrv = pd_index(&sys, "timer_driver");
    unsigned a = 0, b = 0;
    channel(&sys, drv, vrx, &a, &b);
    assert_int_equal(a, 1); /* the IRQ took 0 */
    assert_int_equal(b, 0);
    channel(&sys, drv, vtx, &a, &b);
    assert_int_equal(a, 2);
    const char *cl[2] = {"client0", "client1"}, *cp[2] = {"client0_copier", "client1_copier"};
    for (int i = 0; i < 2; i++) {
        size_t c = pd_index(&sys, cl[i]), k = pd_index(&sys, cp[i]);
        const sys_channel *ch = channel(&sys, vrx, k, &a, &b);
        assert_false(ch->end[0].pp || ch->end[1].pp);
        assert_int_equal(a, 1 + i);
        channel(&sys, k, c, &a, &b);
        assert_int_equal(b, 0);
        channel(&sys, vtx, c, &a, &b);
        assert_int_equal(b, 1);
        ch = channel(&sys, c, tdrv, &a, &b);
        assert_int_equal(a, 2);
        assert_int_equal(b, 1 + i);
        /* pp on the client end, which may not notify; the driver notifies */
        int ce = ch->end[0].pd == c ? 0 : 1;
        assert_true(ch->end[ce].pp);
        assert_false(ch->end[ce].notify);
        assert_false(ch->end[1 - ce].pp);
        assert_true(ch->end[1 - ce].notify);
    }
    sys_free(&sys);
}

static void test_echo_server_configs(void **state)
{
    (void)state;
    sys_system sys;
    load_ok(example_path, NULL, &sys);
    size_t drv = pd_index(&sys, "net0_driver"), vrx = pd_index(&sys, "net0_virt_rx");
    size_t vtx = pd_index(&sys, "net0_virt_tx"), tdrv = pd_index(&sys, "timer_driver");
    size_t dma = region_index(&sys, "net0/rx/dma");
    const net_driver_config_t *dc =
        record(&sys, drv, SDDF_CLASS_NET, NET_ROLE_DRIVER, sizeof(net_driver_config_t));
    const net_virt_rx_config_t *rc =
        record(&sys, vrx, SDDF_CLASS_NET, NET_ROLE_VIRT_RX, sizeof(net_virt_rx_config_t));
    const net_virt_tx_config_t *tc =
        record(&sys, vtx, SDDF_CLASS_NET, NET_ROLE_VIRT_TX, sizeof(net_virt_tx_config_t));
    assert_non_null(dc);
    assert_non_null(rc);
    assert_non_null(tc);
    unsigned a = 0, b = 0;
    channel(&sys, drv, vrx, &a, &b);
    assert_int_equal(dc->virt_rx.id, a);
    assert_int_equal(rc->driver.id, b);
    assert_int_equal(dc->virt_rx.num_buffers, 512);
    same_queues(&sys, drv, &dc->virt_rx, vrx, &rc->driver);
    channel(&sys, drv, vtx, &a, &b);
    assert_int_equal(dc->virt_tx.id, a);
    assert_int_equal(tc->driver.id, b);
    assert_int_equal(dc->virt_tx.num_buffers, 1024); /* 512 + 512 */
    same_queues(&sys, drv, &dc->virt_tx, vtx, &tc->driver);
    assert_int_equal(dc->irq_id, sys.pds[drv].irqs[0].id);
    assert_int_equal(dc->num_io_regions, 3);
    assert_int_equal(dc->io_regions[0].io_addr, sys.regions[dma].io_addr);
    assert_int_equal(dc->io_regions[0].region.vaddr, map_of(&sys, drv, dma)->vaddr);
    assert_int_equal(dc->io_regions[0].region.size, 512 * 2048);
    assert_int_equal(rc->data.io_addr, sys.regions[dma].io_addr);
    assert_int_equal(rc->data.region.vaddr, map_of(&sys, vrx, dma)->vaddr);
    assert_int_equal(rc->num_clients, 2);
    assert_int_equal(tc->num_clients, 2);

    const timer_driver_config_t *tdc =
        record(&sys, tdrv, SDDF_CLASS_TIMER, TIMER_ROLE_DRIVER, sizeof(timer_driver_config_t));
    assert_non_null(tdc);
    assert_int_equal(tdc->irq_id, sys.pds[tdrv].irqs[0].id);
    assert_int_equal(tdc->num_clients, 2);

    const char *cl[2] = {"client0", "client1"}, *cp[2] = {"client0_copier", "client1_copier"};
    for (int i = 0; i < 2; i++) {
        size_t c = pd_index(&sys, cl[i]), k = pd_index(&sys, cp[i]);
        const uint8_t mac[6] = {0x02, 0x00, 0xc6, 0x12, 0x00, (uint8_t)(2 + i)};
        const net_copy_config_t *kc =
            record(&sys, k, SDDF_CLASS_NET, NET_ROLE_COPY, sizeof(net_copy_config_t));
        const net_client_config_t *cc =
            record(&sys, c, SDDF_CLASS_NET, NET_ROLE_CLIENT, sizeof(net_client_config_t));
        const lib_sddf_lwip_config_t *lc =
            record(&sys, c, SDDF_CLASS_LWIP, LWIP_ROLE_CLIENT, sizeof(lib_sddf_lwip_config_t));
        const timer_client_config_t *tcc =
            record(&sys, c, SDDF_CLASS_TIMER, TIMER_ROLE_CLIENT, sizeof(timer_client_config_t));
        assert_non_null(kc);
        assert_non_null(cc);
        assert_non_null(lc);
        assert_non_null(tcc);
        /* virt_rx <-> copier */
        channel(&sys, vrx, k, &a, &b);
        assert_int_equal(rc->clients[i].conn.id, a);
        assert_int_equal(kc->virt_rx.id, b);
        assert_memory_equal(rc->clients[i].mac_addr, mac, 6);
        same_queues(&sys, vrx, &rc->clients[i].conn, k, &kc->virt_rx);
        assert_int_equal(kc->device_data.vaddr, map_of(&sys, k, dma)->vaddr);
        /* copier <-> client */
        channel(&sys, k, c, &a, &b);
        assert_int_equal(kc->client.id, a);
        assert_int_equal(cc->rx.id, b);
        same_queues(&sys, k, &kc->client, c, &cc->rx);
        assert_int_equal(region_at(&sys, k, kc->client_data.vaddr),
                         region_at(&sys, c, cc->rx_data.vaddr));
        /* client <-> virt_tx, tx data with the driver's IO address */
        channel(&sys, c, vtx, &a, &b);
        assert_int_equal(cc->tx.id, a);
        assert_int_equal(tc->clients[i].conn.id, b);
        same_queues(&sys, c, &cc->tx, vtx, &tc->clients[i].conn);
        size_t txd = region_at(&sys, c, cc->tx_data.vaddr);
        assert_int_equal(region_at(&sys, vtx, tc->clients[i].data.region.vaddr), txd);
        assert_int_equal(tc->clients[i].data.io_addr, sys.regions[txd].io_addr);
        assert_int_equal(dc->io_regions[1 + i].io_addr, sys.regions[txd].io_addr);
        assert_int_equal(region_at(&sys, drv, dc->io_regions[1 + i].region.vaddr), txd);
        assert_memory_equal(cc->mac_addr, mac, 6);
        /* lwIP: 198.18.0.2+i/24, network byte order */
        assert_int_equal(lc->ip, htonl(0xc6120002u + (uint32_t)i));
        assert_int_equal(lc->netmask, htonl(0xffffff00u));
        assert_int_equal(lc->gateway, 0);
        /* timer */
        channel(&sys, c, tdrv, &a, &b);
        assert_int_equal(tcc->driver_id, a);
        assert_int_equal(tdc->client_ids[i], b);
    }
    sys_free(&sys);
}

static void test_describe_round_trip(void **state)
{
    (void)state;
    sys_system sys, again;
    load_ok(example_path, NULL, &sys);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(sys_describe(&sys, out), 0);
    fclose(out);
    /* well-formed XML with a <system> root */
    xmlDocPtr doc = xmlReadMemory(text, (int)len, "describe.xml", NULL,
                                  XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    assert_non_null(doc);
    assert_string_equal((const char *)xmlDocGetRootElement(doc)->name, "system");
    xmlFreeDoc(doc);
    assert_non_null(strstr(text, "<!-- generated from net \"net0\" (line 18) -->"));
    assert_non_null(strstr(text, "lwIP, ip 198.18.0.2 netmask 255.255.255.0"));
    assert_non_null(strstr(text, "<host_tap name=\"sddftap0\" host_address=\"198.18.0.1/24\""));
    /* and it loads again as a low-level description with the same shape */
    char path[] = "/tmp/sddf-describe-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    load_ok(path, NULL, &again);
    unlink(path);
    assert_int_equal(again.num_pds, sys.num_pds);
    assert_int_equal(again.num_regions, sys.num_regions);
    assert_int_equal(again.num_channels, sys.num_channels);
    assert_int_equal(again.num_taps, 1);
    for (size_t p = 0; p < sys.num_pds; p++) {
        assert_string_equal(again.pds[p].name, sys.pds[p].name);
        /* the configuration records, byte for byte (<config> elements) */
        assert_true(sys.pds[p].config_size > 0);
        assert_int_equal(again.pds[p].config_size, sys.pds[p].config_size);
        assert_memory_equal(again.pds[p].config, sys.pds[p].config, sys.pds[p].config_size);
        assert_int_equal(again.pds[p].num_irqs, sys.pds[p].num_irqs);
        assert_int_equal(again.pds[p].priority, sys.pds[p].priority);
        assert_int_equal(again.pds[p].num_maps, sys.pds[p].num_maps);
        for (size_t m = 0; m < sys.pds[p].num_maps; m++) {
            assert_int_equal(again.pds[p].maps[m].vaddr, sys.pds[p].maps[m].vaddr);
            assert_int_equal(again.pds[p].maps[m].perms, sys.pds[p].maps[m].perms);
        }
    }
    for (size_t r = 0; r < sys.num_regions; r++)
        assert_int_equal(again.regions[r].io_addr, sys.regions[r].io_addr);
    sys_free(&again);
    sys_free(&sys);
    free(text);
}

static void test_invariants_catch_tampering(void **state)
{
    (void)state;
    sys_system sys;
    load_ok(example_path, NULL, &sys);
    size_t c0 = pd_index(&sys, "client0");
    size_t dma = region_index(&sys, "net0/rx/dma");
    size_t rx1 = region_index(&sys, "net0/data/client1/rx");
    sys_pd *p = &sys.pds[c0];
    /* grow client0's maps by two hand-made bad ones */
    p->maps = realloc(p->maps, (p->num_maps + 2) * sizeof(*p->maps));
    assert_non_null(p->maps);
    p->maps[p->num_maps++] = (sys_map){.region = dma, .vaddr = 0x300000000000, .perms = 1};
    p->maps[p->num_maps++] = (sys_map){.region = rx1, .vaddr = 0x310000000000, .perms = 3};
    char *errs = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&errs, &len);
    /* DMA in a client; another client's region; rx1 now mapped rw 3 times is
     * not a queue, but its queue neighbours are untouched */
    assert_int_equal(sys_check_invariants(&sys, err), 2);
    fclose(err);
    assert_non_null(strstr(errs, "client 'client0' maps the rx DMA region 'net0/rx/dma'"));
    assert_non_null(strstr(errs, "client 'client0' maps 'net0/data/client1/rx', a region of "
                                 "client 'client1'"));
    free(errs);
    /* a queue mapped by a third PD */
    size_t q = region_index(&sys, "net0/queue/net0_driver/net0_virt_rx/free");
    p->maps[p->num_maps - 1].region = q;
    FILE *null = fopen("/dev/null", "w");
    assert_non_null(null);
    assert_int_equal(sys_check_invariants(&sys, null), 2); /* DMA + queue */
    fclose(null);
    sys_free(&sys);
}

static void test_explicit_entities_avoided(void **state)
{
    (void)state;
    sys_system sys;
    char *path = data_file("good_explicit.system");
    load_ok(path, NULL, &sys);
    free(path);
    size_t c0 = pd_index(&sys, "client0"), peer = pd_index(&sys, "peer");
    size_t shared = region_index(&sys, "shared");
    assert_int_equal(sys.pds[c0].cpu, 1);
    assert_true(sys.pds[peer].passive);
    assert_false(map_of(&sys, peer, shared)->cached);
    /* generated maps keep a guard page away from the explicit one */
    for (size_t m = 0; m < sys.pds[c0].num_maps; m++)
        if (sys.pds[c0].maps[m].region != shared)
            assert_true(sys.pds[c0].maps[m].vaddr >= 0x200000000000ull + 0x2000);
    /* lowest free ids: client0 has 0 explicit; rx 1, tx 2, timer 3 */
    unsigned a = 0, b = 0;
    channel(&sys, c0, pd_index(&sys, "client0_copier"), &a, &b);
    assert_int_equal(a, 1);
    channel(&sys, c0, pd_index(&sys, "net0_virt_tx"), &a, &b);
    assert_int_equal(a, 2);
    channel(&sys, c0, pd_index(&sys, "t_driver"), &a, &b);
    assert_int_equal(a, 3);
    channel(&sys, peer, pd_index(&sys, "t_driver"), &a, &b);
    assert_int_equal(a, 0);
    /* capacities follow the client's buffer counts */
    const net_client_config_t *cc =
        record(&sys, c0, SDDF_CLASS_NET, NET_ROLE_CLIENT, sizeof(net_client_config_t));
    assert_int_equal(cc->rx.num_buffers, 256);
    assert_int_equal(cc->tx.num_buffers, 128);
    assert_int_equal(cc->rx_data.size, 256 * 2048);
    const net_driver_config_t *dc = record(&sys, pd_index(&sys, "net0_driver"), SDDF_CLASS_NET,
                                           NET_ROLE_DRIVER, sizeof(net_driver_config_t));
    assert_int_equal(dc->virt_tx.num_buffers, 128);
    assert_int_equal(dc->virt_rx.num_buffers, 512);
    const lib_sddf_lwip_config_t *lc =
        record(&sys, c0, SDDF_CLASS_LWIP, LWIP_ROLE_CLIENT, sizeof(lib_sddf_lwip_config_t));
    assert_int_equal(lc->gateway, htonl(0xc6120001));
    /* no tap address given: none configured */
    assert_int_equal(sys.taps[0].host_addr, 0);
    /* peer is a timer client only */
    assert_null(record(&sys, peer, SDDF_CLASS_NET, NET_ROLE_CLIENT, sizeof(net_client_config_t)));
    assert_non_null(
        record(&sys, peer, SDDF_CLASS_TIMER, TIMER_ROLE_CLIENT, sizeof(timer_client_config_t)));
    sys_free(&sys);
}

static void test_program_resolution(void **state)
{
    (void)state;
    char self[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
    assert_true(n > 0);
    self[n] = '\0';
    char *expected_self = realpath(self, NULL);
    char *expected_true = realpath("/bin/true", NULL);
    sys_system sys;
    char *path = data_file("good_programs.system");
    load_ok(path, dirname(self), &sys);
    free(path);
    assert_string_equal(sys.pds[pd_index(&sys, "absolute")].program_path, expected_true);
    assert_string_equal(sys.pds[pd_index(&sys, "in_program_dir")].program_path, expected_self);
    sys_free(&sys);
    free(expected_self);
    free(expected_true);
}

static int teardown(void **state)
{
    (void)state;
    xmlCleanupParser();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s EXAMPLE DATADIR\n", argv[0]);
        return 2;
    }
    example_path = argv[1];
    data_dir = argv[2];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_server_entities),
        cmocka_unit_test(test_echo_server_maps),
        cmocka_unit_test(test_echo_server_channels),
        cmocka_unit_test(test_echo_server_configs),
        cmocka_unit_test(test_describe_round_trip),
        cmocka_unit_test(test_invariants_catch_tampering),
        cmocka_unit_test(test_explicit_entities_avoided),
        cmocka_unit_test(test_program_resolution),
    };
    return cmocka_run_group_tests_name("system", tests, NULL, teardown);
}
