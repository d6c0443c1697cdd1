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
#include <sys/stat.h>
#include <unistd.h>

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
    /* <serial> (tools/system_serial.c): one file per error its expansion reports */
    {"bad_serial_unknown_attribute.system", 8, "unknown attribute 'baud' on <serial>", false,
     false},
    {"bad_serial_unknown_element.system", 9, "unknown element <uart> in <serial>", false, false},
    {"bad_serial_missing_driver.system", 8, "<serial> needs a 'driver' attribute", false, false},
    {"bad_serial_driver.system", 8, "unknown serial driver 'uart' (known: tty)", false, false},
    {"bad_serial_name.system", 8, "bad serial name 's/0' (1..63 of A-Z a-z 0-9 _ . -)", false,
     false},
    {"bad_serial_dup_name.system", 11, "duplicate class instance name 's' (first at line 8)", false,
     false},
    {"bad_serial_rx.system", 8, "bad value 'no' for 'rx' (true or false)", false, false},
    {"bad_serial_colour.system", 8, "bad value 'yes' for 'colour' (true or false)", false, false},
    {"bad_serial_prefix.system", 8, "bad value '1' for 'prefix' (true or false)", false, false},
    {"bad_serial_ring_number.system", 8, "bad number '64k' for 'ring_size' (decimal or 0x hex)",
     false, false},
    {"bad_serial_ring_pow2.system", 8, "ring_size 12288 must be a power of two in 4096..16777216",
     false, false},
    {"bad_serial_ring_small.system", 8, "ring_size 2048 must be a power of two in 4096..16777216",
     false, false},
    {"bad_serial_ring_large.system", 8,
     "ring_size 33554432 must be a power of two in 4096..16777216", false, false},
    {"bad_serial_begin_long.system", 8, "begin string longer than 127 characters", false, false},
    {"bad_serial_empty_device.system", 8, "empty serial device path", false, false},
    {"bad_serial_device_missing.system", 8,
     "serial device '{dir}/no_such_tty': No such file or directory", false, false},
    {"bad_serial_device_not_tty.system", 8,
     "serial device '{dir}/bad_serial_device_not_tty.system' is not a terminal (not a character "
     "device)",
     false, false},
    {"bad_serial_same_device.system", 11,
     "tty device '/dev/tty' is already device 0 of 's0_driver' (line 8)", false, false},
    {"bad_serial_two_terminals.system", 11,
     "the terminal of `sddf run` (a tty device without path) is already device 0 of 's0_driver' "
     "(line 8)",
     false, false},
    {"bad_serial_no_clients.system", 8, "serial 's' has 0 clients (want 1..61)", false, false},
    {"bad_serial_two_drivers.system", 10, "more than one <driver> in <serial>", false, false},
    {"bad_serial_role_attribute.system", 9, "unknown attribute 'prio' on <virt_tx>", false, false},
    {"bad_serial_role_child.system", 9, "unknown element <client> in <virt_rx>", false, false},
    {"bad_serial_role_cpu.system", 9, "cpu 1024 out of range (0..1023)", false, false},
    {"bad_serial_role_priority.system", 9, "priority 255 out of range (0..254)", false, false},
    {"bad_serial_role_name.system", 9,
     "bad protection domain name 'my driver' (1..63 of A-Z a-z 0-9 _ . -)", false, false},
    {"bad_serial_dup_generated_pd.system", 9,
     "duplicate protection domain name 'b' (first at line 5)", false, false},
    {"bad_serial_client_not_pd.system", 9,
     "serial client 'ghost' is not a protection domain declared in the description", false, false},
    {"bad_serial_client_generated_pd.system", 12,
     "serial client 't_driver' is not a protection domain declared in the description", false,
     false},
    {"bad_serial_client_missing_pd.system", 9, "<client> needs a 'pd' attribute", false, false},
    {"bad_serial_client_attribute.system", 9, "unknown attribute 'colour' on <client>", false,
     false},
    {"bad_serial_client_twice.system", 11, "'a' is already a client of serial 's' (line 9)", false,
     false},
    {"bad_serial_client_two_serials.system", 12, "'a' is already a client of serial 's0' (line 9)",
     false, false},
    {"bad_serial_client_name_long.system", 9,
     "client name 'nnnnnnnnnnnnnnnnnnnnnnnnnnnnnnnn' must be 1..31 characters", false, false},
    {"bad_serial_client_name_empty.system", 9, "client name '' must be 1..31 characters", false,
     false},
    {"bad_serial_client_name_dup.system", 10,
     "client name 'same' is already client 0 of serial 's' (line 9)", false, false},
    {"bad_serial_client_name_default_dup.system", 10,
     "client name 'b' is already client 0 of serial 's' (line 9)", false, false},
    {"bad_serial_client_name_space.system", 6,
     "bad client name 'my client' (1..31 of A-Z a-z 0-9 _ . -)", false, false},
    {"bad_serial_client_name_control.system", 6,
     "bad client name 'a\\x09b' (1..31 of A-Z a-z 0-9 _ . -)", false, false},
    {"bad_serial_device_null.system", 8,
     "serial device '/dev/null' is not a terminal (not a tty or pty)", false, false},
    {"bad_serial_too_many_clients.system", 250, "serial 's' has too many clients (at most 61)",
     false, false},
    /* limits of `sddf run`, addresses, names, programs, <config> records */
    {"bad_too_many_maps.system", 259, "protection domain 'a' has 257 maps (at most 256)", false,
     false},
    {"bad_client_ip_dup.system", 10,
     "duplicate IP address '198.18.0.2/24' in net 'net0' (first at line 9)", false, false},
    {"bad_client_ip_host.system", 10,
     "client ip '198.18.0.1/24' is the host address of net 'net0' (line 8)", false, false},
    {"bad_client_ip_network.system", 10,
     "client ip '198.18.0.0/24' is the network address of its subnet", false, false},
    {"bad_client_ip_broadcast.system", 10,
     "client ip '198.18.0.255/24' is the broadcast address of its subnet", false, false},
    {"bad_client_ip_zero.system", 10, "client ip '0.0.0.0/24' is the unspecified address 0.0.0.0",
     false, false},
    {"bad_client_ip_all_ones.system", 10,
     "client ip '255.255.255.255/24' is the limited broadcast address 255.255.255.255", false,
     false},
    {"bad_host_address_zero.system", 8,
     "host_address '0.0.0.0/24' is the unspecified address 0.0.0.0", false, false},
    {"bad_host_address_prefix0.system", 8, "host_address '198.18.0.1/0' is a /0 prefix (no subnet)",
     false, false},
    {"bad_tap_address_broadcast.system", 2,
     "host_address '198.18.9.255/24' is the broadcast address of its subnet", false, false},
    {"bad_region_too_large.system", 2,
     "memory region 'huge': size 0x1000001000 is larger than 64 GiB", false, false},
    {"bad_name_newline.system", 2,
     "bad protection domain name 'a\\x0ab' (1..63 of A-Z a-z 0-9 _ . -)", false, false},
    {"bad_region_name_space.system", 2,
     "bad memory region name 'my region' (1..63 of A-Z a-z 0-9 _ . - /)", false, false},
    {"bad_net_name_tab.system", 5, "bad net name 'net\\x090' (1..63 of A-Z a-z 0-9 _ . -)", false,
     false},
    {"bad_program_directory.system", 2, "program '.' of 'a': '{dir}/.' is a directory", true,
     false},
    {"bad_no_pds.system", 1, "the system has no protection domain", false, false},
    {"bad_config_hex.system", 4, "config data: 'zz' at offset 46 is not a hex byte", false, false},
    {"bad_config_odd.system", 4,
     "config data of 49 hex digits: want an even number, a record of 16 to 1048576 bytes in all",
     false, false},
    {"bad_config_header.system", 4,
     "config record header does not match: want magic \"sDDF\", class 0x05, role 2, version 1, "
     "size 24 (a multiple of 8) and reserved 0",
     false, false},
    {"bad_config_size.system", 4,
     "config record header does not match: want magic \"sDDF\", class 0x05, role 1, version 1, "
     "size 32 (a multiple of 8) and reserved 0",
     false, false},
    {"bad_config_dup.system", 2,
     "protection domain 'a' has two configuration records of class 0x05 role 1", false, false},
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

/* `sddf check /tmp`: a directory is named as one, not "cannot read". */
static void test_directory(void **state)
{
    (void)state;
    char *errs = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&errs, &len);
    sys_system sys;
    assert_int_equal(sys_load("/tmp", NULL, &sys, err), -1);
    fclose(err);
    assert_string_equal(errs, "/tmp: is a directory (a system description is a file)\n");
    free(errs);
}

/* A program others may not execute is refused: each PD runs under a uid of
 * its own (git keeps only 0644 and 0755, so the files are made here). */
static void test_program_not_executable_by_others(void **state)
{
    (void)state;
    char dir[] = "/tmp/sddf-test-prog-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char *prog = NULL, *desc = NULL, *expected = NULL;
    assert_true(asprintf(&prog, "%s/prog", dir) > 0);
    assert_true(asprintf(&desc, "%s/a.system", dir) > 0);
    FILE *f = fopen(prog, "w");
    assert_non_null(f);
    fputs("#!/bin/sh\n", f);
    fclose(f);
    assert_int_equal(chmod(prog, 0754), 0);
    f = fopen(desc, "w");
    assert_non_null(f);
    fputs("<system>\n  <protection_domain name=\"a\">\n    <program_image path=\"prog\"/>\n"
          "  </protection_domain>\n</system>\n",
          f);
    fclose(f);
    char *errs = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&errs, &len);
    sys_system sys;
    assert_int_equal(sys_load(desc, dir, &sys, err), -1);
    fclose(err);
    assert_true(asprintf(&expected,
                         "%s:2: program 'prog' of 'a': '%s' is not executable by others (each PD "
                         "runs under a uid of its own)\n",
                         desc, prog) > 0);
    assert_string_equal(errs, expected);
    assert_int_equal(chmod(prog, 0755), 0); /* and with the bit it loads */
    assert_int_equal(sys_load(desc, dir, &sys, stderr), 0);
    sys_free(&sys);
    unlink(prog);
    unlink(desc);
    rmdir(dir);
    free(errs);
    free(expected);
    free(prog);
    free(desc);
}

/* More PDs than SYS_MAX_PDS (each runs under a uid of its own): generated,
 * as a data file would hold 4097 elements. */
static void test_too_many_pds(void **state)
{
    (void)state;
    char path[] = "/tmp/sddf-test-pds-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    FILE *f = fdopen(fd, "w");
    assert_non_null(f);
    fputs("<system>\n", f);
    for (unsigned i = 0; i <= SYS_MAX_PDS; i++) /* PD i on line 2 + 3i */
        fprintf(f,
                "  <protection_domain name=\"pd%u\">\n    <program_image path=\"p\"/>\n"
                "  </protection_domain>\n",
                i);
    fputs("</system>\n", f);
    fclose(f);
    char *errs = NULL, *expected = NULL;
    size_t len = 0;
    FILE *err = open_memstream(&errs, &len);
    sys_system sys;
    assert_int_equal(sys_load(path, NULL, &sys, err), -1);
    fclose(err);
    unlink(path);
    assert_true(asprintf(&expected,
                         "%s:%u: %u protection domains (at most %u: each runs under a uid of its "
                         "own)\n",
                         path, 2 + 3 * SYS_MAX_PDS, SYS_MAX_PDS + 1, SYS_MAX_PDS) > 0);
    assert_string_equal(errs, expected);
    free(errs);
    free(expected);
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
    struct CMUnitTest tests[N + 4];
    for (size_t i = 0; i < N; i++)
        tests[i] = (struct CMUnitTest){
            .name = cases[i].file, .test_func = test_bad, .initial_state = (void *)&cases[i]};
    tests[N] = (struct CMUnitTest){.name = "missing_file", .test_func = test_missing_file};
    tests[N + 1] = (struct CMUnitTest){.name = "directory", .test_func = test_directory};
    tests[N + 2] = (struct CMUnitTest){.name = "program_not_executable_by_others",
                                       .test_func = test_program_not_executable_by_others};
    tests[N + 3] = (struct CMUnitTest){.name = "too_many_pds", .test_func = test_too_many_pds};
    return _cmocka_run_group_tests("system_errors", tests, N + 4, NULL, teardown);
}
