/*
 * tests/host/test_system_devices.c - the system tool's devices (<device>)
 * and new IRQ kinds (eventfd, device_in, device_out): the model sys_load
 * builds from tests/unit/data/good_devices.system (paths made absolute from
 * the description's folder), `sddf describe` output that loads again into
 * the same devices and IRQs, and the helpers class expansions use
 * (sys_add_device with the lowest free id, sys_add_irq_generated on a device).
 *
 * Usage: test_system_devices DATADIR  (meson passes tests/unit/data).
 */
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

#include "system_internal.h"

static const char *data_dir;

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

static const sys_device *device(const sys_system *sys, const char *pd, unsigned id)
{
    size_t p = sys_find_pd(sys, pd);
    assert_true(p != SYS_NONE);
    size_t d = sys_find_device(sys, p, id);
    assert_true(d != SYS_NONE);
    return &sys->devices[d];
}

static const sys_irq *irq(const sys_system *sys, const char *pd, unsigned id)
{
    size_t p = sys_find_pd(sys, pd);
    assert_true(p != SYS_NONE);
    for (size_t i = 0; i < sys->pds[p].num_irqs; i++)
        if (sys->pds[p].irqs[i].id == id)
            return &sys->pds[p].irqs[i];
    fail_msg("no IRQ %u in %s", id, pd);
    return NULL;
}

/* The model of good_devices.system, whatever folder it was loaded from. */
static void check_model(const sys_system *sys, const char *disk)
{
    assert_int_equal(sys->num_devices, 4);
    const sys_device *d = device(sys, "blk_driver", 0);
    assert_int_equal(d->kind, SYS_DEVICE_BLOCK);
    assert_string_equal(d->path, disk);
    assert_false(d->read_only);
    d = device(sys, "blk_driver", 3);
    assert_string_equal(d->path, "/dev/null-ro.img");
    assert_true(d->read_only);
    d = device(sys, "serial_driver", 1);
    assert_int_equal(d->kind, SYS_DEVICE_TTY);
    assert_string_equal(d->path, "/dev/pts/3");
    d = device(sys, "serial_driver", 0);
    assert_int_equal(d->kind, SYS_DEVICE_TTY);
    assert_null(d->path);

    assert_int_equal(irq(sys, "blk_driver", 2)->kind, SYS_IRQ_EVENTFD);
    const sys_irq *q = irq(sys, "serial_driver", 3);
    assert_int_equal(q->kind, SYS_IRQ_DEVICE_IN);
    assert_ptr_equal(&sys->devices[q->device], device(sys, "serial_driver", 1));
    q = irq(sys, "serial_driver", 4);
    assert_int_equal(q->kind, SYS_IRQ_DEVICE_OUT);
    assert_ptr_equal(&sys->devices[q->device], device(sys, "serial_driver", 1));
    q = irq(sys, "serial_driver", 6);
    assert_int_equal(q->kind, SYS_IRQ_DEVICE_OUT);
    assert_ptr_equal(&sys->devices[q->device], device(sys, "serial_driver", 0));
}

static void test_devices_round_trip(void **state)
{
    (void)state;
    char *path = NULL, *disk = NULL;
    char *real = realpath(data_dir, NULL);
    assert_non_null(real);
    assert_true(asprintf(&path, "%s/good_devices.system", data_dir) > 0);
    assert_true(asprintf(&disk, "%s/disk.img", real) > 0);
    sys_system sys, again;
    load_ok(path, &sys);
    check_model(&sys, disk);

    char *text = NULL;
    size_t len = 0;
    FILE *out = open_memstream(&text, &len);
    assert_int_equal(sys_describe(&sys, out), 0);
    fclose(out);
    assert_non_null(strstr(text, "<device id=\"3\" kind=\"block\" path=\"/dev/null-ro.img\" "
                                 "read_only=\"true\"/>"));
    assert_non_null(strstr(text, "<device id=\"0\" kind=\"tty\"/>"));
    assert_non_null(strstr(text, "<irq id=\"2\" kind=\"eventfd\"/>"));
    assert_non_null(strstr(text, "<irq id=\"4\" kind=\"device_out\" device=\"1\"/>"));

    /* loads again from another folder: the relative disk path was made absolute */
    char tmp[] = "/tmp/sddf-describe-dev-XXXXXX";
    int fd = mkstemp(tmp);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, len), (ssize_t)len);
    close(fd);
    load_ok(tmp, &again);
    unlink(tmp);
    check_model(&again, disk);
    sys_free(&again);
    sys_free(&sys);
    free(text);
    free(path);
    free(disk);
    free(real);
}

static void test_generated_devices(void **state)
{
    (void)state;
    sys_system sys = {0};
    sys_builder b = {.sys = &sys, .err = stderr, .file = "gen", .dir = (char *)"/nonexistent"};
    size_t pd = sys_add_pd(&b, "drv", "drv", 10, 1, NULL);
    assert_int_equal(b.errors, 0);
    size_t d0 = sys_add_device(&b, pd, SYS_DEVICE_BLOCK, "/x.img", true, 1, 2, NULL);
    size_t d1 = sys_add_device(&b, pd, SYS_DEVICE_TTY, NULL, false, -1, 3, "serial \"s\"");
    assert_int_equal(sys.devices[d0].id, 1);
    assert_int_equal(sys.devices[d1].id, 0); /* lowest free */
    size_t d2 = sys_add_device(&b, pd, SYS_DEVICE_TTY, "/dev/tty9", false, -1, 4, NULL);
    assert_int_equal(sys.devices[d2].id, 2);
    char *rel = sys_device_path(&b, "disk.img");
    assert_string_equal(rel, "/nonexistent/disk.img");
    free(rel);
    unsigned id = 99;
    assert_true(sys_add_irq_generated(&b, pd, SYS_IRQ_DEVICE_IN, d1, 3, &id));
    assert_int_equal(id, 0);
    assert_int_equal(sys.pds[pd].irqs[0].device, d1);
    /* the id space fills up */
    FILE *null = fopen("/dev/null", "w");
    assert_non_null(null);
    b.err = null;
    for (unsigned i = 3; i < SYS_MAX_DEVICES; i++)
        assert_true(sys_add_device(&b, pd, SYS_DEVICE_TTY, NULL, false, -1, 5, NULL) != SYS_NONE);
    assert_int_equal(b.errors, 0);
    assert_true(sys_add_device(&b, pd, SYS_DEVICE_TTY, NULL, false, -1, 6, NULL) == SYS_NONE);
    assert_true(sys_add_device(&b, pd, SYS_DEVICE_TTY, NULL, false, 2, 6, NULL) == SYS_NONE);
    assert_int_equal(b.errors, 2);
    fclose(null);
    sys_free(&sys);
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
        fprintf(stderr, "usage: %s DATADIR\n", argv[0]);
        return 2;
    }
    data_dir = argv[1];
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_devices_round_trip),
        cmocka_unit_test(test_generated_devices),
    };
    return cmocka_run_group_tests_name("system_devices", tests, NULL, teardown);
}
