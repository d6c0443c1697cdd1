/*
 * tests/unit/test_system_errors.c - every check of the system tool rejects
 * a bad description (tests/unit/data/bad_*.system) with the exact
 * "FILE:LINE: message" it documents, and nothing else is reported.
 *
 * Usage: test_system_errors DATADIR  (meson passes it).
 */
#include <libxml/parser.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "system.h"

static const char *data_dir;

typedef struct bad_case {
    const char *file;    /* in DATADIR */
    int line;            /* expected line */
    const char *message; /* "{dir}" stands for DATADIR */
    bool programs;       /* resolve programs, with DATADIR as the program directory */
    bool first_only;     /* only the first line is ours (libxml2 may add more) */
} bad_case;

static const bad_case cases[] = {
    {"bad_xml_syntax.system", 6,
     "XML error: Opening and ending tag mismatch: channel line 5 and system", false, true},
    {"bad_doctype.system", 2, "a <!DOCTYPE> is not supported", false, false},
    {"bad_root.system", 1, "the root element must be <system>, not <systen>", false, false},
    {"bad_unknown_element.system", 5, "unknown element <setvar> in <system>", false, false},
    {"bad_unknown_attribute.system", 2, "unknown attribute 'prio' on <protection_domain>", false,
     false},
    {"bad_missing_attribute.system", 2, "<memory_region> needs a 'name' attribute", false, false},
    {"bad_no_program_image.system", 2, "protection domain 'a' has no <program_image>", false,
     false},
    {"bad_missing_program.system", 2,
     "program 'no_such_program' of 'a' not found in '{dir}' or '{dir}'", true, false},
    {"bad_nonexec_program.system", 2,
     "program 'bad_nonexec_program.system' of 'a': '{dir}/bad_nonexec_program.system' is not "
     "executable",
     true, false},
    {"bad_dup_pd.system", 5, "duplicate protection domain name 'a' (first at line 2)", false,
     false},
    {"bad_dup_generated_pd.system", 8,
     "duplicate protection domain name 'net0_driver' (first at line 2)", false, false},
    {"bad_dup_region.system", 3, "duplicate memory region name 'r' (first at line 2)", false,
     false},
    {"bad_dup_net.system", 11, "duplicate class instance name 'net0' (first at line 8)", false,
     false},
    {"bad_region_size.system", 2,
     "memory region 'r': size 0x1800 is not a multiple of its page size 0x1000", false, false},
    {"bad_map_overlap.system", 7,
     "map of 'r2' at 0x401000-0x402000 in 'a' overlaps map of 'r1' (line 6)", false, false},
    {"bad_map_unaligned.system", 7,
     "map of 'r2': vaddr 0x500800 is not aligned to the region's page size 0x1000", false, false},
    {"bad_map_past_end.system", 6,
     "map of 'r1' at 0x7fffffffe000: the region's end is past the end of the user address space "
     "(0x7ffffffff000)",
     false, false},
    {"bad_map_unknown_region.system", 4, "map of unknown memory region 'nowhere'", false, false},
    {"bad_setvar_vaddr.system", 5,
     "setvar_vaddr is not supported on the host OS layer (components read addresses from their "
     "configuration records)",
     false, false},
    {"bad_channel_unknown_pd.system", 7, "channel end names unknown protection domain 'ghost'",
     false, false},
    {"bad_channel_id_range.system", 9, "channel id 63 out of range in 'a' (0..62)", false, false},
    {"bad_channel_id_twice.system", 16, "channel id 1 used twice in 'a' (first at line 11)", false,
     false},
    {"bad_both_pp.system", 8, "both ends of the channel are pp", false, false},
    {"bad_ppc_priority.system", 8,
     "'a' (priority 5) may not PPC 'b' (priority 5): the callee's priority must be higher", false,
     false},
    {"bad_timer_priority.system", 7,
     "'c0' (priority 200) may not PPC 'timer_driver' (priority 100): the callee's priority must "
     "be higher",
     false, false},
    {"bad_priority_range.system", 2, "priority 255 out of range (0..254)", false, false},
    {"bad_rx_buffers.system", 8, "rx_buffers 500 is not a power of two", false, false},
    {"bad_tx_buffers.system", 10, "tx_buffers 300 is not a power of two", false, false},
    {"bad_rx_buffers_one.system", 8, "rx_buffers 1 out of range (2..32768)", false, false},
    {"bad_mac.system", 10,
     "bad MAC address '02:00:00:00:00' (want six hex bytes like 02:00:00:00:00:01)", false, false},
    {"bad_mac_group.system", 10,
     "MAC address 03:00:00:00:00:02 is a group (multicast or broadcast) address", false, false},
    {"bad_mac_broadcast.system", 10,
     "MAC address ff:ff:ff:ff:ff:ff is a group (multicast or broadcast) address", false, false},
    {"bad_mac_dup.system", 10,
     "duplicate MAC address 02:00:00:00:00:01 in net 'net0' (first at line 9)", false, false},
    {"bad_ip.system", 10, "bad IPv4 address/prefix '198.18.0.300/24' (want a.b.c.d/p)", false,
     false},
    {"bad_ip_prefix.system", 10, "bad IPv4 address/prefix '198.18.0.3/33' (want a.b.c.d/p)", false,
     false},
    {"bad_client_not_pd.system", 6,
     "net client 'c9' is not a protection domain declared in the description", false, false},
    {"bad_client_two_nets.system", 9, "'c0' is already a client of net 'net0' (line 6)", false,
     false},
    {"bad_too_many_clients.system", 191, "net 'net0' has 63 clients (at most 62)", false, false},
    /* <device> and the IRQ kinds of io_uring and tty drivers */
    {"bad_device_kind.system", 5, "unknown device kind 'disk' (block or tty)", false, false},
    {"bad_device_no_path.system", 5, "<device kind=\"block\"> needs a 'path' attribute", false,
     false},
    {"bad_device_empty_path.system", 5, "empty device path", false, false},
    {"bad_device_id_twice.system", 6, "device id 1 used twice in 'a' (first at line 5)", false,
     false},
    {"bad_device_id_range.system", 5, "device id 16 out of range in 'a' (0..15)", false, false},
    {"bad_device_ro_tty.system", 5, "read_only applies to block devices only", false, false},
    {"bad_device_same_disk.system", 9,
     "block device '{dir}/disk.img' is already device 0 of 'a' (line 5)", false, false},
    {"bad_device_two_terminals.system", 9,
     "the terminal of `sddf run` (a tty device without path) is already device 0 of 'a' (line 5)",
     false, false},
    {"bad_irq_kind.system", 5,
     "unknown IRQ kind 'uring' (tap, timerfd, eventfd, device_in or device_out)", false, false},
    {"bad_irq_eventfd_device.system", 5, "<irq kind=\"eventfd\"> takes no 'device' attribute",
     false, false},
    {"bad_irq_device_missing.system", 6, "<irq kind=\"device_out\"> needs a 'device' attribute",
     false, false},
    {"bad_irq_device_id.system", 6,
     "bad device id 'tty0' (the id of a <device> of this protection domain)", false, false},
    {"bad_irq_device_unknown.system", 6,
     "IRQ of unknown device 3 in 'a' (declare it with <device>)", false, false},
    {"bad_irq_device_other_pd.system", 9,
     "IRQ of unknown device 0 in 'b' (declare it with <device>)", false, false},
    {"bad_irq_device_block.system", 5,
     "<irq kind=\"device_out\"> needs a tty device; device 0 of 'a' is a block device", false,
     false},
};

/* @s with every "{dir}" replaced by the data directory. */
static char *expand_dir(const char *s)
{
    size_t n = strlen(s) + 1, dl = strlen(data_dir);
    for (const char *p = s; (p = strstr(p, "{dir}")) != NULL; p += 5)
        n += dl;
    char *out = malloc(n), *o = out;
    assert_non_null(out);
    while (*s) {
        if (strncmp(s, "{dir}", 5) == 0) {
            memcpy(o, data_dir, dl);
            o += dl;
            s += 5;
        } else {
            *o++ = *s++;
        }
    }
    *o = '\0';
    return out;
}

static void test_bad(void **state)
{
    const bad_case *c = *state;
    char *path = NULL, *msg = expand_dir(c->message), *expected = NULL;
    assert_true(asprintf(&path, "%s/%s", data_dir, c->file) > 0);
    assert_true(asprintf(&expected, "%s:%d: %s\n", path, c->line, msg) > 0);
    char *errs = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&errs, &len);
    assert_non_null(err);
    sys_system sys;
    memset(&sys, 0xa5, sizeof(sys));
    int rc = sys_load(path, c->programs ? data_dir : NULL, &sys, err);
    fclose(err);
    assert_int_equal(rc, -1);
    /* nothing is handed out on failure */
    assert_null(sys.pds);
    assert_int_equal(sys.num_pds, 0);
    assert_null(sys.regions);
    if (c->first_only) {
        assert_true(len >= strlen(expected));
        errs[strlen(expected)] = '\0';
    }
    assert_string_equal(errs, expected);
    free(errs);
    free(expected);
    free(msg);
    free(path);
}

static void test_missing_file(void **state)
{
    (void)state;
    char *errs = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&errs, &len);
    sys_system sys;
    assert_int_equal(sys_load("/nonexistent/x.system", NULL, &sys, err), -1);
    fclose(err);
    assert_string_equal(errs, "/nonexistent/x.system: cannot open: No such file or directory\n");
    free(errs);
}

static int teardown(void **state)
{
    (void)state;
    xmlCleanupParser();
    return 0;
}

int main(int argc, char **argv)
{
    enum { N = sizeof(cases) / sizeof(cases[0]) };
    if (argc != 2) {
        fprintf(stderr, "usage: %s DATADIR\n", argv[0]);
        return 2;
    }
    data_dir = argv[1];
    struct CMUnitTest tests[N + 1];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){
            .name = cases[i].file, .test_func = test_bad, .initial_state = (void *)&cases[i]};
    tests[N] = (struct CMUnitTest){.name = "missing_file", .test_func = test_missing_file};
    return _cmocka_run_group_tests("system_errors", tests, N + 1, NULL, teardown);
}
