/*
 * tests/unit/test_blk_system.c - the <blk> class element of the system tool
 * (tools/system_blk*.c): a good description expands into the driver and
 * virt PDs, regions, maps, device, IRQ, channels and records; each bad one
 * is refused with a FILE:LINE message that says what is wrong.
 */
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

#include <sddf/blk/config.h>

#include "system.h"

static char dir[64];

static int load(const char *blk, sys_system *sys, char **errs)
{
    char path[128];
    snprintf(path, sizeof(path), "%s/t.system", dir);
    FILE *f = fopen(path, "w");
    fprintf(f,
            "<system>\n"
            "<protection_domain name=\"a\" priority=\"97\"><program_image path=\"x\"/>"
            "</protection_domain>\n"
            "<protection_domain name=\"b\" priority=\"97\"><program_image path=\"x\"/>"
            "</protection_domain>\n%s\n</system>\n",
            blk);
    fclose(f);
    size_t n;
    FILE *err = open_memstream(errs, &n);
    int rc = sys_load(path, NULL, sys, err);
    fclose(err);
    return rc;
}

static void test_good(void **state)
{
    (void)state;
    sys_system sys;
    char *errs = NULL;
    int rc = load("<blk name=\"d\" driver=\"io_uring\" image=\"disk.img\" read_only=\"true\">"
                  "<client pd=\"a\" partition=\"1\"/><client pd=\"b\" partition=\"2\" "
                  "data_size=\"0x2000\" queue_capacity=\"32\"/></blk>",
                  &sys, &errs);
    if (rc != 0)
        fail_msg("%s", errs);
    assert_int_equal(sys.num_pds, 4);
    assert_string_equal(sys.pds[2].name, "d_driver");
    assert_string_equal(sys.pds[2].program, "blk_driver_io_uring");
    assert_string_equal(sys.pds[3].program, "blk_virt");
    assert_int_equal(sys.num_devices, 1);
    assert_true(sys.devices[0].read_only);
    assert_int_equal(sys.devices[0].pd, 2);
    assert_non_null(strstr(sys.devices[0].path, "/disk.img"));
    assert_int_equal(sys.pds[2].num_irqs, 1);
    assert_int_equal(sys.pds[2].irqs[0].kind, SYS_IRQ_EVENTFD);
    assert_int_equal(sys.num_channels, 3);
    /* client b: storage_info r, two queues rw, data rw; never mapped by the virt */
    assert_int_equal(sys.pds[1].num_maps, 4);
    assert_int_equal(sys.pds[1].maps[0].perms, 1);
    size_t data = sys.pds[1].maps[3].region;
    assert_int_equal(sys.regions[data].size, 0x2000);
    assert_true(sys.regions[data].io_addr != 0);
    for (size_t m = 0; m < sys.pds[3].num_maps; m++)
        assert_true(sys.pds[3].maps[m].region != data);
    /* records: the virt's names partition 2 as index 1, with the client's name */
    const sddf_config_header_t *h = (const void *)sys.pds[3].config;
    assert_int_equal(h->size, sizeof(blk_virt_config_t));
    const blk_virt_config_t *v = (const void *)h;
    assert_int_equal(v->num_clients, 2);
    assert_int_equal(v->clients[1].partition, 1);
    assert_int_equal(v->clients[1].conn.num_buffers, 32);
    assert_string_equal(v->clients[1].name, "b");
    assert_int_equal(v->driver.num_buffers, 256); /* 128 + 32 rounded up */
    const blk_driver_config_t *d = (const void *)sys.pds[2].config;
    assert_int_equal(d->num_io_regions, 3);
    sys_free(&sys);
    free(errs);
}

static void expect_error(const char *blk, const char *needle)
{
    sys_system sys;
    char *errs = NULL;
    assert_int_equal(load(blk, &sys, &errs), -1);
    if (strstr(errs, needle) == NULL || strstr(errs, "t.system:") == NULL)
        fail_msg("errors '%s' lack '%s'", errs, needle);
    free(errs);
}

static void test_errors(void **state)
{
    (void)state;
    expect_error("<blk name=\"d\" driver=\"nvme\" image=\"disk.img\"><client pd=\"a\" "
                 "partition=\"1\"/></blk>",
                 "unknown blk driver 'nvme' (known: io_uring)");
    expect_error("<blk name=\"d\" driver=\"io_uring\" image=\"nope.img\"><client pd=\"a\" "
                 "partition=\"1\"/></blk>",
                 "nope.img' does not exist (create it with examples/blk/make-image.sh?)");
    expect_error("<blk name=\"d\" driver=\"io_uring\" image=\"disk.img\"><client pd=\"a\" "
                 "partition=\"0\"/></blk>",
                 "partition 0 out of range (1..256");
    expect_error("<blk name=\"d\" driver=\"io_uring\" image=\"disk.img\"><client pd=\"a\" "
                 "partition=\"1\"/><client pd=\"b\" partition=\"1\"/></blk>",
                 "partition 1 of blk 'd' is already given to 'a'");
    expect_error("<blk name=\"d\" driver=\"io_uring\" image=\"disk.img\"><client pd=\"a\" "
                 "partition=\"1\"/><client pd=\"a\" partition=\"2\"/></blk>",
                 "'a' is already a client of blk 'd'");
    expect_error("<blk name=\"d\" driver=\"io_uring\" image=\"disk.img\"><client pd=\"zz\" "
                 "partition=\"1\"/></blk>",
                 "blk client 'zz' is not a protection domain");
    expect_error("<blk name=\"d\" driver=\"io_uring\" image=\"disk.img\"><client pd=\"a\" "
                 "partition=\"1\" data_size=\"1000\"/></blk>",
                 "data_size 1000 must be a multiple");
    expect_error("<blk name=\"d\" driver=\"io_uring\" image=\"disk.img\"><client pd=\"a\" "
                 "partition=\"1\" queue_capacity=\"3\"/></blk>",
                 "queue_capacity 3 must be a power");
    expect_error("<blk name=\"d\" driver=\"io_uring\" image=\"disk.img\"></blk>",
                 "blk 'd' has 0 clients");
    expect_error("<blk name=\"d\" driver=\"io_uring\"><client pd=\"a\" partition=\"1\"/></blk>",
                 "image");
}

/* Two <blk>s on the images @img0 and @img1 (clients a and b). */
static char *two_blks(const char *img0, const char *img1)
{
    char *s = NULL;
    if (asprintf(&s,
                 "<blk name=\"d\" driver=\"io_uring\" image=\"%s\"><client pd=\"a\" "
                 "partition=\"1\"/></blk>\n<blk name=\"e\" driver=\"io_uring\" image=\"%s\">"
                 "<client pd=\"b\" partition=\"1\"/></blk>",
                 img0, img1) < 0)
        fail();
    return s;
}

/* One disk, one writer: another spelling, a symlink or a hard link of an image
 * already given to a <blk> is refused, at the second <blk>'s line. */
static void test_same_image(void **state)
{
    (void)state;
    char path[128], other_path[128];
    snprintf(path, sizeof(path), "%s/disk.img", dir);
    snprintf(other_path, sizeof(other_path), "%s/sym.img", dir);
    assert_int_equal(symlink(path, other_path), 0);
    snprintf(other_path, sizeof(other_path), "%s/hard.img", dir);
    assert_int_equal(link(path, other_path), 0);
    const char *other[] = {"./disk.img", "sym.img", "hard.img", path};
    for (size_t i = 0; i < sizeof(other) / sizeof(other[0]); i++) {
        char *blks = two_blks("disk.img", other[i]);
        expect_error(blks, "t.system:5: block device");
        expect_error(blks, "already device 0 of 'd_driver' (line 4)");
        free(blks);
    }
    /* a different file is fine */
    snprintf(other_path, sizeof(other_path), "%s/other.img", dir);
    FILE *f = fopen(other_path, "w");
    assert_non_null(f);
    fclose(f);
    char *blks = two_blks("disk.img", "other.img");
    sys_system sys;
    char *errs = NULL;
    if (load(blks, &sys, &errs) != 0)
        fail_msg("%s", errs);
    sys_free(&sys);
    free(errs);
    free(blks);
    unlink(other_path);
    snprintf(other_path, sizeof(other_path), "%s/sym.img", dir);
    unlink(other_path);
    snprintf(other_path, sizeof(other_path), "%s/hard.img", dir);
    unlink(other_path);
}

/* An image its owner may not write is refused unless read_only="true". */
static void test_readonly_mode(void **state)
{
    (void)state;
    char path[128];
    snprintf(path, sizeof(path), "%s/ro.img", dir);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fclose(f);
    assert_int_equal(chmod(path, 0444), 0);
    expect_error("<blk name=\"d\" driver=\"io_uring\" image=\"ro.img\"><client pd=\"a\" "
                 "partition=\"1\"/></blk>",
                 "ro.img' is not writable by its owner (mode 0444): give read_only=\"true\"");
    sys_system sys;
    char *errs = NULL;
    if (load("<blk name=\"d\" driver=\"io_uring\" image=\"ro.img\" read_only=\"true\">"
             "<client pd=\"a\" partition=\"1\"/></blk>",
             &sys, &errs) != 0)
        fail_msg("%s", errs);
    assert_true(sys.devices[0].read_only);
    sys_free(&sys);
    free(errs);
    unlink(path);
}

int main(void)
{
    snprintf(dir, sizeof(dir), "/tmp/test_blk_system.XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    char img[128];
    snprintf(img, sizeof(img), "%s/disk.img", dir);
    FILE *f = fopen(img, "w");
    fclose(f);
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_good), cmocka_unit_test(test_errors),
                                       cmocka_unit_test(test_same_image),
                                       cmocka_unit_test(test_readonly_mode)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    unlink(img);
    char path[128];
    snprintf(path, sizeof(path), "%s/t.system", dir);
    unlink(path);
    rmdir(dir);
    return rc;
}
