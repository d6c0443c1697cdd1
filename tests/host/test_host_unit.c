/*
 * tests/host/test_host_unit.c - unit tests of the host layer's pure parts:
 * the deferred slot, configuration lookup, boot blob validation, PPC message
 * validation and the monitor's reading of an untrusted statistics page.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>
#include <sddf/config.h>
#include "../../os/host/boot.h"
#include "../../os/host/stats_page.h"
#include "../../os/host/runtime/config_walk.h"
#include "../../os/host/runtime/deferred.h"
#include "../../os/host/runtime/ppc_msg.h"

size_t mon_stats_format(const void *page, size_t size, char *out, size_t outlen);

/* ---- deferred slot ---- */

static void test_deferred_last_writer_wins(void **state)
{
    (void)state;
    struct rt_deferred d = {RT_DEFERRED_NONE, 0};
    assert_int_equal(rt_deferred_notify_curr(&d), -1);
    rt_deferred_set(&d, RT_DEFERRED_NOTIFY, 4);
    rt_deferred_set(&d, RT_DEFERRED_NOTIFY, 9);
    assert_int_equal(rt_deferred_notify_curr(&d), 9);
    rt_deferred_set(&d, RT_DEFERRED_IRQ_ACK, 2);
    assert_int_equal(rt_deferred_notify_curr(&d), -1);
    struct rt_deferred got = rt_deferred_take(&d);
    assert_int_equal(got.kind, RT_DEFERRED_IRQ_ACK);
    assert_int_equal(got.ch, 2);
    assert_int_equal(d.kind, RT_DEFERRED_NONE);
    assert_int_equal(rt_deferred_take(&d).kind, RT_DEFERRED_NONE);
}

/* ---- configuration lookup ---- */

static _Alignas(8) uint8_t blob[256];

static size_t put_record(size_t off, uint8_t cls, uint8_t role, uint32_t size, uint16_t version)
{
    sddf_config_header_t h = {.class_id = cls, .role = role, .version = version, .size = size};
    memcpy(h.magic, SDDF_CONFIG_MAGIC, 4);
    memset(blob + off, 0xab, size);
    memcpy(blob + off, &h, sizeof(h));
    return off + size;
}

static void test_config_find(void **state)
{
    (void)state;
    enum rt_config_result why;
    size_t end = put_record(0, SDDF_CLASS_NET, 1, 40, SDDF_CONFIG_VERSION);
    end = put_record(end, SDDF_CLASS_TIMER, 0, 24, SDDF_CONFIG_VERSION);
    assert_ptr_equal(rt_config_walk_find(blob, end, SDDF_CLASS_NET, 1, 40, &why), blob);
    assert_ptr_equal(rt_config_walk_find(blob, end, SDDF_CLASS_TIMER, 0, 24, &why), blob + 40);
    assert_int_equal(why, RT_CONFIG_FOUND);
    assert_null(rt_config_walk_find(blob, end, SDDF_CLASS_NET, 2, 40, &why));
    assert_int_equal(why, RT_CONFIG_ABSENT);
    assert_null(rt_config_walk_find(blob, end, SDDF_CLASS_NET, 1, 48, &why));
    assert_int_equal(why, RT_CONFIG_MISMATCH);
    assert_null(rt_config_walk_find(NULL, 0, SDDF_CLASS_NET, 1, 40, &why));
    assert_int_equal(why, RT_CONFIG_ABSENT);

    put_record(0, SDDF_CLASS_NET, 1, 40, SDDF_CONFIG_VERSION + 1);
    assert_null(rt_config_walk_find(blob, 40, SDDF_CLASS_NET, 1, 40, &why));
    assert_int_equal(why, RT_CONFIG_MISMATCH);
}

static void test_config_malformed(void **state)
{
    (void)state;
    enum rt_config_result why;
    /* record claims more bytes than the blob holds */
    put_record(0, SDDF_CLASS_NET, 1, 40, SDDF_CONFIG_VERSION);
    assert_null(rt_config_walk_find(blob, 32, SDDF_CLASS_NET, 1, 40, &why));
    assert_int_equal(why, RT_CONFIG_MALFORMED);
    /* size below the header: would loop forever if followed */
    put_record(0, SDDF_CLASS_NET, 1, 16, SDDF_CONFIG_VERSION);
    ((sddf_config_header_t *)blob)->size = 8;
    assert_null(rt_config_walk_find(blob, 64, SDDF_CLASS_NET, 2, 40, &why));
    assert_int_equal(why, RT_CONFIG_MALFORMED);
    /* bad magic */
    put_record(0, SDDF_CLASS_NET, 1, 40, SDDF_CONFIG_VERSION);
    blob[0] = 'x';
    assert_null(rt_config_walk_find(blob, 40, SDDF_CLASS_NET, 1, 40, &why));
    assert_int_equal(why, RT_CONFIG_MALFORMED);
    /* misaligned second record */
    size_t end = put_record(0, SDDF_CLASS_NET, 1, 20, SDDF_CONFIG_VERSION);
    end = put_record(end, SDDF_CLASS_NET, 2, 24, SDDF_CONFIG_VERSION);
    assert_null(rt_config_walk_find(blob, end, SDDF_CLASS_NET, 2, 24, &why));
    assert_int_equal(why, RT_CONFIG_MALFORMED);
    /* trailing bytes shorter than a header */
    end = put_record(0, SDDF_CLASS_NET, 1, 40, SDDF_CONFIG_VERSION);
    assert_null(rt_config_walk_find(blob, end + 8, SDDF_CLASS_NET, 3, 40, &why));
    assert_int_equal(why, RT_CONFIG_MALFORMED);
}

/* ---- boot blob ---- */

static _Alignas(8) uint8_t
    boot[sizeof(struct host_boot_header) + (size_t)2 * 32 + (size_t)2 * 24 + 16 + (size_t)2 * 16];

/* The devices of the blob make_boot builds (after its one IRQ). */
static struct host_boot_device *boot_devices(void)
{
    return (void *)(boot + sizeof(boot) - 2 * sizeof(struct host_boot_device));
}

static struct host_boot_header *make_boot(void)
{
    memset(boot, 0, sizeof(boot));
    struct host_boot_header *h = (void *)boot;
    memcpy(h->magic, HOST_BOOT_MAGIC, 8);
    h->version = HOST_BOOT_VERSION;
    h->size = sizeof(boot);
    strcpy(h->pd_name, "client0");
    h->num_maps = 2;
    h->num_channels = 2;
    h->num_irqs = 1;
    h->num_devices = 2;
    h->config_fd = -1;
    h->stats_fd = 10;
    h->stats_size = 4096;
    h->fault_fd = 11;
    struct host_boot_map *m = (void *)(h + 1);
    m[0] = (struct host_boot_map){0x200000000000, 8192, 4096, 4, HOST_PERM_R};
    m[1] = (struct host_boot_map){0x200000200000, 2u << 20, 2u << 20, 5, HOST_PERM_R | HOST_PERM_W};
    struct host_boot_channel *c = (void *)(m + 2);
    c[0] = (struct host_boot_channel){0, 6, 7, -1, -1, 0};
    c[1] = (struct host_boot_channel){62, -1, 8, -1, -1, 0};
    struct host_boot_irq *q = (void *)(c + 2);
    q[0] = (struct host_boot_irq){3, 9, HOST_IRQ_DEVICE_OUT, 0};
    struct host_boot_device *d = boot_devices();
    d[0] = (struct host_boot_device){0, HOST_DEVICE_BLOCK, 12, -1};
    d[1] = (struct host_boot_device){15, HOST_DEVICE_TTY, 13, 14};
    return h;
}

static int parse(void)
{
    struct host_boot_view v;
    char err[128];
    return host_boot_parse(boot, sizeof(boot), &v, err, sizeof(err));
}

static void test_boot_valid(void **state)
{
    (void)state;
    make_boot();
    struct host_boot_view v;
    char err[128] = "";
    assert_int_equal(host_boot_parse(boot, sizeof(boot), &v, err, sizeof(err)), 0);
    assert_int_equal(v.channels[1].id, 62);
    assert_int_equal(v.irqs[0].fd, 9);
    assert_int_equal(v.maps[1].perms, HOST_PERM_R | HOST_PERM_W);
    assert_int_equal(v.irqs[0].kind, HOST_IRQ_DEVICE_OUT);
    assert_int_equal(v.devices[1].id, 15);
    assert_int_equal(v.devices[1].out_fd, 14);
    ((struct host_boot_header *)boot)->flags = HOST_BOOT_F_STDERR_CRLF;
    assert_int_equal(host_boot_parse(boot, sizeof(boot), &v, err, sizeof(err)), 0);
    assert_int_equal(host_boot_parse(boot, sizeof(boot) - 1, &v, err, sizeof(err)), -1);
}

static void test_boot_rejects(void **state)
{
    (void)state;
    struct host_boot_header *h;
    struct host_boot_map *m;
    struct host_boot_channel *c;

    h = make_boot();
    h->magic[0] = 'x';
    assert_int_equal(parse(), -1);
    h = make_boot();
    h->version = HOST_BOOT_VERSION + 1;
    assert_int_equal(parse(), -1);
    h = make_boot();
    h->flags = 2; /* unknown flag */
    assert_int_equal(parse(), -1);
    h = make_boot();
    h->num_devices = HOST_BOOT_MAX_DEVICES + 1;
    assert_int_equal(parse(), -1);
    make_boot();
    boot_devices()[1].id = 0; /* duplicate device id */
    assert_int_equal(parse(), -1);
    make_boot();
    boot_devices()[1].id = HOST_BOOT_MAX_DEVICES;
    assert_int_equal(parse(), -1);
    make_boot();
    boot_devices()[0].kind = 3;
    assert_int_equal(parse(), -1);
    make_boot();
    boot_devices()[0].fd = -1; /* a device always has its descriptor */
    assert_int_equal(parse(), -1);
    make_boot();
    boot_devices()[1].out_fd = 2;
    assert_int_equal(parse(), -1);
    h = make_boot();
    h->size += 8;
    assert_int_equal(parse(), -1);
    h = make_boot();
    h->num_maps = 3; /* inconsistent with size */
    assert_int_equal(parse(), -1);
    h = make_boot();
    h->num_channels = 0xffffffffu;
    assert_int_equal(parse(), -1);
    h = make_boot();
    memset(h->pd_name, 'a', sizeof(h->pd_name));
    assert_int_equal(parse(), -1);
    h = make_boot();
    h->fault_fd = 2; /* below the PD's object range */
    assert_int_equal(parse(), -1);
    h = make_boot();
    h->config_size = 100; /* with no config fd */
    assert_int_equal(parse(), -1);

    h = make_boot();
    m = (void *)(h + 1);
    m[0].vaddr += 8;
    assert_int_equal(parse(), -1);
    h = make_boot();
    m = (void *)(h + 1);
    m[0].perms = HOST_PERM_W;
    assert_int_equal(parse(), -1);
    h = make_boot();
    m = (void *)(h + 1);
    m[1].vaddr = UINT64_MAX - (1u << 20) + 1 - (1u << 20); /* wraps */
    m[1].vaddr &= ~(uint64_t)((2u << 20) - 1);
    assert_int_equal(parse(), -1);
    h = make_boot();
    m = (void *)(h + 1);
    m[0].fd = -1;
    assert_int_equal(parse(), -1);

    h = make_boot();
    c = (void *)((struct host_boot_map *)(h + 1) + 2);
    c[1].id = 0; /* duplicate */
    assert_int_equal(parse(), -1);
    h = make_boot();
    c = (void *)((struct host_boot_map *)(h + 1) + 2);
    c[1].id = 63; /* out of range */
    assert_int_equal(parse(), -1);
    h = make_boot();
    c = (void *)((struct host_boot_map *)(h + 1) + 2);
    struct host_boot_irq *q = (void *)(c + 2);
    q[0].id = 62; /* clashes with a channel */
    assert_int_equal(parse(), -1);
    make_boot();
    q[0].kind = HOST_IRQ_DEVICE_OUT + 1;
    assert_int_equal(parse(), -1);
    h = make_boot();
    c = (void *)((struct host_boot_map *)(h + 1) + 2);
    c[0].ppc_call_fd = HOST_BOOT_FIRST_FD + HOST_BOOT_MAX_FDS;
    assert_int_equal(parse(), -1);
}

/* ---- PPC messages ---- */

static void test_ppc_msg_valid(void **state)
{
    (void)state;
    struct rt_ppc_msg m = {.label = 1, .count = 3};
    assert_true(rt_ppc_msg_valid(&m, 16 + 24));
    assert_false(rt_ppc_msg_valid(&m, 16 + 16));
    assert_false(rt_ppc_msg_valid(&m, 8));
    assert_false(rt_ppc_msg_valid(&m, -1));
    m.count = 0;
    assert_true(rt_ppc_msg_valid(&m, 16));
    m.count = SDDF_MAX_MRS;
    assert_true(rt_ppc_msg_valid(&m, (ssize_t)sizeof(m)));
    assert_false(rt_ppc_msg_valid(&m, (ssize_t)sizeof(m) + 8)); /* truncated datagram */
    m.count = SDDF_MAX_MRS + 1;
    assert_false(rt_ppc_msg_valid(&m, (ssize_t)sizeof(m)));
    m.count = 0xffffffffu;
    assert_false(rt_ppc_msg_valid(&m, 16));
}

/* ---- untrusted statistics page ---- */

static _Alignas(8) uint8_t page[HOST_STATS_PAGE_SIZE];

static void test_stats_format(void **state)
{
    (void)state;
    struct host_stats_page *p = (void *)page;
    char out[8192];
    memset(page, 0, sizeof(page));
    strcpy(p->entries[0].name, "rx_packets");
    p->entries[0].value = 42;
    strcpy(p->entries[1].name, "drops");
    p->entries[1].value = 7;
    p->count = 2;
    assert_int_equal(mon_stats_format(page, sizeof(page), out, sizeof(out)), 2);
    assert_string_equal(out, " rx_packets=42 drops=7");

    /* hostile: huge count, name without NUL, odd bytes, empty name */
    p->count = 0xffffffffu;
    memset(p->entries[0].name, 'A', HOST_STATS_NAME_LEN);
    strcpy(p->entries[1].name, "x y\n=");
    size_t n = mon_stats_format(page, sizeof(page), out, sizeof(out));
    assert_int_equal(n, 2); /* the other entries have empty names */
    assert_non_null(strstr(out, " AAAAAAAAAAAAAAAAAAAAAAA=42"));
    assert_non_null(strstr(out, " x?y?"
                                "?=7"));

    /* small output buffer: whole pairs only, always terminated */
    char tiny[12];
    assert_int_equal(mon_stats_format(page, sizeof(page), tiny, sizeof(tiny)), 0);
    assert_string_equal(tiny, "");
    /* page too small for its count */
    assert_int_equal(mon_stats_format(page, 32 + 32, out, sizeof(out)), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_deferred_last_writer_wins),
        cmocka_unit_test(test_config_find),
        cmocka_unit_test(test_config_malformed),
        cmocka_unit_test(test_boot_valid),
        cmocka_unit_test(test_boot_rejects),
        cmocka_unit_test(test_ppc_msg_valid),
        cmocka_unit_test(test_stats_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
