/*
 * tests/unit/test_serial_system.c - the <serial> class element of the system
 * tool (tools/system_serial*.c): examples/serial/serial.system expands into
 * the PDs, byte rings, maps, channels, device, IRQs and configuration
 * records of sDDF's serial design (PROTOCOLS 2.3): each ring is a queue
 * region mapped rw by exactly its two PDs and a data region writable only by
 * its producer; an output-only serial (rx="false") and the echo server with
 * a serial console expand as documented too.
 *
 * Usage: test_serial_system SOURCE_ROOT  (meson passes it).
 */
#include <libxml/parser.h>
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
#include <sddf/serial/config.h>

#include "system_internal.h"

static const char *root;

/* Load @path (no program resolution); the error stream must stay empty. */
static void load_ok(const char *path, sys_system *sys)
{
    char *errs = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&errs, &len);
    assert_non_null(err);
    int rc = sys_load(path, NULL, sys, err);
    fclose(err);
    if (rc != 0)
        print_error("%s", errs);
    assert_int_equal(rc, 0);
    assert_int_equal(len, 0);
    free(errs);
}

/* Load a description under the source root. */
static void load_example(const char *rel, sys_system *sys)
{
    char *p = NULL;
    assert_true(asprintf(&p, "%s/%s", root, rel) > 0);
    load_ok(p, sys);
    free(p);
}

/* Load @text written to a temporary file. */
static void load_text(const char *text, sys_system *sys)
{
    char path[] = "/tmp/sddf-serial-system-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    load_ok(path, sys);
    unlink(path);
}

static size_t pd_index(const sys_system *sys, const char *name)
{
    size_t i = sys_find_pd(sys, name);
    if (i == SYS_NONE)
        fail_msg("no PD '%s'", name);
    return i;
}

static size_t region_index(const sys_system *sys, const char *name)
{
    size_t i = sys_find_region(sys, name);
    if (i == SYS_NONE)
        fail_msg("no region '%s'", name);
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

/* The region @pd maps at @vaddr, or SYS_NONE. */
static size_t region_at(const sys_system *sys, size_t pd, uint64_t vaddr)
{
    const sys_pd *p = &sys->pds[pd];
    for (size_t i = 0; i < p->num_maps; i++)
        if (p->maps[i].vaddr == vaddr)
            return p->maps[i].region;
    return SYS_NONE;
}

/* The (only) record (class serial, @role) in @pd's blob, headers checked on the way; or NULL. */
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

/* The one channel between @a and @b; the ids of its ends in *@ida (a) and *@idb (b). */
static void channel(const sys_system *sys, size_t a, size_t b, unsigned *ida, unsigned *idb)
{
    bool found = false;
    for (size_t i = 0; i < sys->num_channels; i++) {
        const sys_channel *c = &sys->channels[i];
        for (int e = 0; e < 2; e++) {
            if (c->end[e].pd == a && c->end[1 - e].pd == b) {
                assert_false(found);
                found = true;
                *ida = c->end[e].id;
                *idb = c->end[1 - e].id;
                assert_false(c->end[0].pp || c->end[1].pp);
                assert_true(c->end[0].notify && c->end[1].notify);
            }
        }
    }
    if (!found)
        fail_msg("no channel %s <-> %s", sys->pds[a].name, sys->pds[b].name);
}

/*
 * Ring "NAME/WHAT/{queue,data}" of @cap bytes from @prod to @cons: the queue
 * is rw in exactly those two PDs, the data rw in the producer, read-only in
 * the consumer and in no other PD; both private to @client (or to nobody).
 * The two connection records name the same regions, the data size is the
 * capacity, and each id is its PD's end of the channel between them.
 */
static void check_ring(const sys_system *sys, const char *name, uint64_t cap, size_t prod,
                       size_t cons, size_t client, const serial_connection_resource_t *pc,
                       const serial_connection_resource_t *cc)
{
    char qn[128], dn[128];
    snprintf(qn, sizeof(qn), "%s/queue", name);
    snprintf(dn, sizeof(dn), "%s/data", name);
    size_t q = region_index(sys, qn), d = region_index(sys, dn);
    assert_int_equal(sys->regions[q].kind, SYS_REGION_QUEUE);
    assert_int_equal(sys->regions[q].size, SYS_PAGE_SIZE);
    assert_int_equal(sys->regions[d].size, cap);
    for (size_t p = 0; p < sys->num_pds; p++) {
        const sys_map *mq = map_of(sys, p, q), *md = map_of(sys, p, d);
        if (p == prod || p == cons) {
            assert_non_null(mq);
            assert_non_null(md);
            assert_int_equal(mq->perms, SYS_PERM_R | SYS_PERM_W);
            assert_int_equal(md->perms, p == prod ? SYS_PERM_R | SYS_PERM_W : SYS_PERM_R);
        } else {
            assert_null(mq);
            assert_null(md);
        }
    }
    for (int i = 0; i < 2; i++) {
        const sys_region *r = &sys->regions[i == 0 ? q : d];
        assert_int_equal(r->client_private, client != SYS_NONE);
        if (client != SYS_NONE)
            assert_int_equal(r->client, client);
    }
    assert_int_equal(region_at(sys, prod, pc->queue.vaddr), q);
    assert_int_equal(region_at(sys, prod, pc->data.vaddr), d);
    assert_int_equal(region_at(sys, cons, cc->queue.vaddr), q);
    assert_int_equal(region_at(sys, cons, cc->data.vaddr), d);
    assert_int_equal(pc->queue.size, sizeof(serial_queue_t));
    assert_int_equal(cc->queue.size, sizeof(serial_queue_t));
    assert_int_equal(pc->data.size, cap);
    assert_int_equal(cc->data.size, cap);
    assert_true(serial_queue_capacity_valid((uint32_t)cap));
    unsigned a = 0, b = 0;
    channel(sys, prod, cons, &a, &b);
    assert_int_equal(pc->id, a);
    assert_int_equal(cc->id, b);
}

static void test_serial_example(void **state)
{
    (void)state;
    sys_system sys;
    load_example("examples/serial/serial.system", &sys);
    assert_int_equal(sys.num_pds, 5);
    size_t alice = pd_index(&sys, "alice"), bob = pd_index(&sys, "bob");
    size_t drv = pd_index(&sys, "serial_driver"), vrx = pd_index(&sys, "serial_virt_rx");
    size_t vtx = pd_index(&sys, "serial_virt_tx");
    const struct {
        size_t pd;
        const char *program;
        unsigned priority;
    } roles[] = {{drv, "serial_driver_tty", 200},
                 {vrx, "serial_virt_rx", 199},
                 {vtx, "serial_virt_tx", 198}};
    for (size_t i = 0; i < 3; i++) {
        const sys_pd *p = &sys.pds[roles[i].pd];
        assert_string_equal(p->program, roles[i].program);
        assert_int_equal(p->priority, roles[i].priority);
        assert_int_equal(p->cpu, -1);
        assert_non_null(strstr(p->origin, "serial \"serial\""));
    }
    /* 7 rings (driver tx/rx, console, tx and rx per client), 7 channels */
    assert_int_equal(sys.num_regions, 14);
    assert_int_equal(sys.num_channels, 7);
    /* the driver: the terminal of `sddf run` and its two IRQs; nobody else has IRQs */
    assert_int_equal(sys.num_devices, 1);
    assert_int_equal(sys.devices[0].kind, SYS_DEVICE_TTY);
    assert_null(sys.devices[0].path);
    assert_int_equal(sys.devices[0].pd, drv);
    for (size_t p = 0; p < sys.num_pds; p++)
        assert_int_equal(sys.pds[p].num_irqs, p == drv ? 2 : 0);
    assert_int_equal(sys.pds[drv].irqs[0].kind, SYS_IRQ_DEVICE_IN);
    assert_int_equal(sys.pds[drv].irqs[1].kind, SYS_IRQ_DEVICE_OUT);
    assert_int_equal(sys.pds[drv].irqs[0].device, 0);
    assert_int_equal(sys.pds[drv].irqs[1].device, 0);

    const serial_driver_config_t *dc =
        record(&sys, drv, SDDF_CLASS_SERIAL, SERIAL_ROLE_DRIVER, sizeof(serial_driver_config_t));
    const serial_virt_rx_config_t *rc =
        record(&sys, vrx, SDDF_CLASS_SERIAL, SERIAL_ROLE_VIRT_RX, sizeof(serial_virt_rx_config_t));
    const serial_virt_tx_config_t *tc =
        record(&sys, vtx, SDDF_CLASS_SERIAL, SERIAL_ROLE_VIRT_TX, sizeof(serial_virt_tx_config_t));
    assert_non_null(dc);
    assert_non_null(rc);
    assert_non_null(tc);
    assert_int_equal(dc->rx_enabled, 1);
    assert_int_equal(dc->default_baud, 115200);
    assert_int_equal(dc->in_irq, sys.pds[drv].irqs[0].id);
    assert_int_equal(dc->out_irq, sys.pds[drv].irqs[1].id);
    assert_int_equal(dc->device_id, sys.devices[0].id);
    check_ring(&sys, "serial/tx/driver", 0x20000, vtx, drv, SYS_NONE, &tc->driver, &dc->tx);
    check_ring(&sys, "serial/rx/driver", 0x10000, drv, vrx, SYS_NONE, &dc->rx, &rc->driver);
    check_ring(&sys, "serial/console", 0x1000, vrx, vtx, SYS_NONE, &rc->console, &tc->console);
    assert_int_equal(tc->num_clients, 2);
    assert_int_equal(rc->num_clients, 2);
    assert_int_equal(tc->has_console, 1);
    assert_int_equal(tc->enable_colour, 1);
    assert_int_equal(tc->enable_prefix, 1);
    assert_string_equal(tc->begin_str, "");
    assert_int_equal(rc->switch_char, SERIAL_SWITCH_CHAR);
    assert_int_equal(rc->terminate_num_char, SERIAL_TERMINATE_NUM_CHAR);

    const size_t clients[2] = {alice, bob};
    const char *names[2] = {"alice", "bob"};
    for (int i = 0; i < 2; i++) {
        size_t c = clients[i];
        const serial_client_config_t *cc =
            record(&sys, c, SDDF_CLASS_SERIAL, SERIAL_ROLE_CLIENT, sizeof(serial_client_config_t));
        assert_non_null(cc);
        assert_int_equal(cc->index, i);
        assert_int_equal(cc->rx_enabled, 1);
        assert_string_equal(cc->name, names[i]);
        assert_string_equal(tc->clients[i].name, names[i]);
        assert_string_equal(rc->clients[i].name, names[i]);
        char ring[64];
        snprintf(ring, sizeof(ring), "serial/tx/%s", names[i]);
        check_ring(&sys, ring, 0x10000, c, vtx, c, &cc->tx, &tc->clients[i].conn);
        snprintf(ring, sizeof(ring), "serial/rx/%s", names[i]);
        check_ring(&sys, ring, 0x10000, vrx, c, c, &rc->clients[i].conn, &cc->rx);
        /* a client maps its own two rings and nothing else */
        assert_int_equal(sys.pds[c].num_maps, 4);
    }
    assert_int_equal(sys_check_invariants(&sys, stderr), 0);
    sys_free(&sys);
}

/* Output only, own names, ring size, device, begin string and placement. */
static void test_output_only(void **state)
{
    (void)state;
    sys_system sys;
    load_text("<system>\n"
              "<protection_domain name=\"a\"><program_image path=\"x\"/></protection_domain>\n"
              "<protection_domain name=\"b\"><program_image path=\"x\"/></protection_domain>\n"
              "<serial name=\"con\" driver=\"tty\" device=\"/dev/tty\" rx=\"false\" "
              "ring_size=\"0x1000\" begin=\"hello\\r\\n\">\n"
              "  <driver name=\"uart\" priority=\"150\" cpu=\"1\"/>\n"
              "  <client pd=\"a\" name=\"first\"/>\n"
              "  <client pd=\"b\"/>\n"
              "</serial>\n"
              "</system>\n",
              &sys);
    assert_int_equal(sys.num_pds, 4); /* no virt_rx */
    assert_int_equal(sys_find_pd(&sys, "con_virt_rx"), SYS_NONE);
    size_t a = pd_index(&sys, "a"), b = pd_index(&sys, "b");
    size_t drv = pd_index(&sys, "uart"), vtx = pd_index(&sys, "con_virt_tx");
    assert_int_equal(sys.pds[drv].priority, 150);
    assert_int_equal(sys.pds[drv].cpu, 1);
    assert_int_equal(sys.num_regions, 6); /* driver tx and one tx ring per client */
    assert_int_equal(sys.num_channels, 3);
    assert_int_equal(sys.num_devices, 1);
    assert_string_equal(sys.devices[0].path, "/dev/tty");
    const serial_driver_config_t *dc =
        record(&sys, drv, SDDF_CLASS_SERIAL, SERIAL_ROLE_DRIVER, sizeof(serial_driver_config_t));
    const serial_virt_tx_config_t *tc =
        record(&sys, vtx, SDDF_CLASS_SERIAL, SERIAL_ROLE_VIRT_TX, sizeof(serial_virt_tx_config_t));
    assert_non_null(dc);
    assert_non_null(tc);
    assert_int_equal(dc->rx_enabled, 0);
    assert_int_equal(dc->rx.queue.vaddr, 0);
    assert_int_equal(tc->has_console, 0);
    assert_int_equal(tc->enable_colour, 0);
    assert_int_equal(tc->enable_prefix, 0);
    /* libxml2 keeps the backslashes: the begin string is copied as written */
    assert_string_equal(tc->begin_str, "hello\\r\\n");
    check_ring(&sys, "con/tx/driver", 0x2000, vtx, drv, SYS_NONE, &tc->driver, &dc->tx);
    const size_t clients[2] = {a, b};
    const char *names[2] = {"first", "b"};
    for (int i = 0; i < 2; i++) {
        const serial_client_config_t *cc =
            record(&sys, clients[i], SDDF_CLASS_SERIAL, SERIAL_ROLE_CLIENT, sizeof(*cc));
        assert_non_null(cc);
        assert_int_equal(cc->rx_enabled, 0);
        assert_int_equal(cc->rx.queue.vaddr, 0); /* nothing to read from */
        assert_int_equal(cc->rx.data.vaddr, 0);
        assert_string_equal(cc->name, names[i]);
        assert_string_equal(tc->clients[i].name, names[i]);
        char ring[64];
        snprintf(ring, sizeof(ring), "con/tx/%s", sys.pds[clients[i]].name);
        check_ring(&sys, ring, 0x1000, clients[i], vtx, clients[i], &cc->tx, &tc->clients[i].conn);
        assert_int_equal(sys.pds[clients[i]].num_maps, 2);
    }
    assert_int_equal(sys_check_invariants(&sys, stderr), 0);
    sys_free(&sys);
}

/* The echo server with a serial console: net, timer and serial records side by side. */
static void test_echo_server_serial(void **state)
{
    (void)state;
    sys_system sys;
    load_example("examples/echo_server/echo_server_serial.system", &sys);
    assert_int_equal(sys.num_pds, 11);
    size_t vtx = pd_index(&sys, "serial_virt_tx");
    const serial_virt_tx_config_t *tc =
        record(&sys, vtx, SDDF_CLASS_SERIAL, SERIAL_ROLE_VIRT_TX, sizeof(serial_virt_tx_config_t));
    assert_non_null(tc);
    assert_int_equal(tc->enable_prefix, 1);
    const char *cl[2] = {"client0", "client1"};
    for (int i = 0; i < 2; i++) {
        size_t c = pd_index(&sys, cl[i]);
        const serial_client_config_t *sc =
            record(&sys, c, SDDF_CLASS_SERIAL, SERIAL_ROLE_CLIENT, sizeof(serial_client_config_t));
        const net_client_config_t *nc =
            record(&sys, c, SDDF_CLASS_NET, NET_ROLE_CLIENT, sizeof(net_client_config_t));
        assert_non_null(sc);
        assert_non_null(nc);
        assert_string_equal(sc->name, cl[i]);
        /* the PD's channel ids are all different (serial tx, rx; net rx, tx; timer) */
        unsigned ids[4] = {sc->tx.id, sc->rx.id, nc->rx.id, nc->tx.id};
        for (int x = 0; x < 4; x++)
            for (int y = x + 1; y < 4; y++)
                assert_int_not_equal(ids[x], ids[y]);
        char ring[64];
        snprintf(ring, sizeof(ring), "serial/tx/%s", cl[i]);
        check_ring(&sys, ring, 0x10000, c, vtx, c, &sc->tx, &tc->clients[i].conn);
    }
    assert_int_equal(sys_check_invariants(&sys, stderr), 0);
    sys_free(&sys);
}

/* `describe` of the serial example loads again with the same maps, devices and IRQs. */
static void test_describe_round_trip(void **state)
{
    (void)state;
    sys_system sys, again;
    load_example("examples/serial/serial.system", &sys);
    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(sys_describe(&sys, out), 0);
    fclose(out);
    load_text(text, &again);
    assert_int_equal(again.num_pds, sys.num_pds);
    assert_int_equal(again.num_regions, sys.num_regions);
    assert_int_equal(again.num_channels, sys.num_channels);
    assert_int_equal(again.num_devices, 1);
    assert_null(again.devices[0].path);
    for (size_t p = 0; p < sys.num_pds; p++) {
        assert_string_equal(again.pds[p].name, sys.pds[p].name);
        assert_int_equal(again.pds[p].num_maps, sys.pds[p].num_maps);
        assert_int_equal(again.pds[p].num_irqs, sys.pds[p].num_irqs);
        for (size_t m = 0; m < sys.pds[p].num_maps; m++) {
            assert_int_equal(again.pds[p].maps[m].vaddr, sys.pds[p].maps[m].vaddr);
            assert_int_equal(again.pds[p].maps[m].perms, sys.pds[p].maps[m].perms);
        }
    }
    sys_free(&again);
    sys_free(&sys);
    free(text);
}

static int teardown(void **state)
{
    (void)state;
    xmlCleanupParser();
    return 0;
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s SOURCE_ROOT\n", argv[0]);
        return 2;
    }
    root = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_serial_example),
        cmocka_unit_test(test_output_only),
        cmocka_unit_test(test_echo_server_serial),
        cmocka_unit_test(test_describe_round_trip),
    };
    return cmocka_run_group_tests_name("serial_system", tests, NULL, teardown);
}
