/*
 * tests/host/test_monitor.c - process tests of the host OS layer: build
 * sys_system structs in code, run monitor_run in a forked child whose stderr
 * (the monitor's log) is captured, and assert on what happened: return code,
 * the monitor's lines, statistics the PDs wrote, /proc of the PDs while they
 * run, and that no PD process (nor TAP device) is left afterwards.
 *
 * Usage: test_monitor [TEST_NAME]  (cmocka filter; meson runs one test each)
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "harness.h"
#include "test_layout.h"

/* ---- Tests --------------------------------------------------------------- */

static void test_pingpong(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    size_t reg = add_region(&t, "pingpong", 4096);
    size_t ping = add_pd(&t, "ping", "test_pd_ping", 100);
    size_t pong = add_pd(&t, "pong", "test_pd_pong", 100);
    add_map(&t, ping, reg, TEST_SHARED_VADDR, SYS_PERM_R | SYS_PERM_W);
    add_map(&t, pong, reg, TEST_SHARED_VADDR, SYS_PERM_R | SYS_PERM_W);
    add_channel(&t, ping, 0, pong, 0, false);
    monitor_options o = {.print_stats = true, .timeout_ms = 120000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 150000);
    pid_t pids[4];
    size_t n = started_pids(&r, pids, 4);
    assert_int_equal(rc, 0);
    assert_int_equal(n, 2);
    assert_has(&r, "sddf: stats ping rounds=100000 errors=0\n");
    assert_has(&r, "sddf: stats pong acks=100000 errors=0\n");
    assert_gone(pids, n);
}

static void test_ppc(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    size_t client = add_pd(&t, "client", "test_pd_ppc_client", 100);
    size_t server = add_pd(&t, "server", "test_pd_ppc_server", 200);
    add_channel(&t, client, 0, server, TEST_PPC_SERVER_CH, true);
    add_channel(&t, client, 1, server, 6, false);
    monitor_options o = {.print_stats = true, .timeout_ms = 60000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 90000);
    pid_t pids[4];
    size_t n = started_pids(&r, pids, 4);
    assert_int_equal(rc, 0);
    assert_has(&r, "sddf: stats client ppc_ok=1000 ppc_bad=0 ppc_refused=2\n");
    assert_has(&r, "sddf: stats server calls=1000\n");
    assert_has(&r, "[client] ppcall: channel 1 not held");
    assert_gone(pids, n);
}

static void test_deferred_notify(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    size_t d = add_pd(&t, "deferred", "test_pd_deferred", 100);
    size_t c = add_pd(&t, "counter", "test_pd_counter", 100);
    add_channel(&t, d, 1, c, 1, false);
    add_channel(&t, d, 2, c, 2, false);
    monitor_options o = {.print_stats = true, .timeout_ms = 700};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 30000);
    pid_t pids[4];
    size_t n = started_pids(&r, pids, 4);
    assert_int_equal(rc, 0);
    assert_has(&r, "sddf: stats deferred curr_ok=4\n");
    assert_has(&r, "sddf: stats counter ch1=0 ch2=1 other=0\n");
    assert_gone(pids, n);
}

static void test_ro_write_faults(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    size_t reg = add_region(&t, "ro_region", 8192);
    size_t bystander = add_pd(&t, "bystander", "test_pd_idle", 100);
    size_t writer = add_pd(&t, "writer", "test_pd_ro_writer", 100);
    add_map(&t, bystander, reg, TEST_SHARED_VADDR, SYS_PERM_R | SYS_PERM_W);
    add_map(&t, writer, reg, TEST_SHARED_VADDR, SYS_PERM_R);
    add_channel(&t, bystander, 0, writer, 0, false);
    monitor_options o = {.print_stats = true, .timeout_ms = 30000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 60000);
    pid_t pids[4];
    size_t n = started_pids(&r, pids, 4);
    assert_int_equal(rc, 1);
    assert_int_equal(n, 2);
    assert_has(&r, "sddf: PD 'writer' faulted: SIGSEGV (Segmentation fault) at address "
                   "0x200000001000\n");
    assert_int_equal(count_str(r.out, "faulted"), 1);
    assert_int_equal(count_str(r.out, "exited"), 0);
    assert_null(strstr(r.out, "isolation broken"));
    assert_has(&r, "sddf: stats writer mprotect_denied=1\n");
    assert_gone(pids, n);
}

static void test_sigterm_stops_cleanly(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    size_t shared = add_region(&t, "iso_shared", 4096);
    size_t private = add_region(&t, "iso_private", 4096);
    size_t a = add_pd(&t, "pd_a", "test_pd_idle", 100);
    size_t b = add_pd(&t, "pd_b", "test_pd_idle", 100);
    add_map(&t, a, shared, TEST_SHARED_VADDR, SYS_PERM_R | SYS_PERM_W);
    add_map(&t, a, private, TEST_SHARED_VADDR + 0x10000, SYS_PERM_R | SYS_PERM_W);
    add_map(&t, b, shared, TEST_SHARED_VADDR, SYS_PERM_R);
    add_channel(&t, a, 0, b, 0, false);
    monitor_options o = {0};
    struct run r;
    run_start(&r, &t.s, &o, false);
    assert_true(run_wait_for(&r, "sddf: started PD", 2, 20000));
    pid_t pa = pid_of(&r, "pd_a"), pb = pid_of(&r, "pd_b");
    assert_true(pa > 0 && pb > 0);
    usleep(200 * 1000); /* let both reach their event loop */

    /* Isolation as /proc shows it: region memfds carry the region name. */
    const char *maps = read_proc(pa, "maps");
    assert_non_null(strstr(maps, "/memfd:iso_shared"));
    assert_non_null(strstr(maps, "/memfd:iso_private"));
    maps = read_proc(pb, "maps");
    assert_non_null(strstr(maps, "200000000000-200000001000 r--s"));
    assert_non_null(strstr(maps, "/memfd:iso_shared"));
    assert_null(strstr(maps, "/memfd:iso_private"));

    /* Unprivileged, on one CPU (default placement). */
    const char *status = read_proc(pb, "status");
    assert_non_null(strstr(status, "CapEff:\t0000000000000000"));
    assert_non_null(strstr(status, "CapPrm:\t0000000000000000"));
    assert_non_null(strstr(status, "CapBnd:\t0000000000000000"));
    assert_non_null(strstr(status, "NoNewPrivs:\t1"));
    const char *cpus = strstr(status, "Cpus_allowed_list:\t");
    assert_non_null(cpus);
    cpus += strlen("Cpus_allowed_list:\t");
    assert_true(isdigit((unsigned char)cpus[0]));
    char *list = strndup(cpus, strcspn(cpus, "\n"));
    assert_non_null(list);
    bool one_cpu = strpbrk(list, ",-") == NULL;
    free(list);
    assert_true(one_cpu);

    assert_int_equal(kill(r.pid, SIGTERM), 0);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 0);
    assert_int_equal(count_str(r.out, "faulted"), 0);
    assert_int_equal(count_str(r.out, "exited"), 0);
    pid_t pids[2] = {pa, pb};
    assert_gone(pids, 2);
}

static void test_tap_and_timer(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    t.taps[0] = (sys_tap){.name = (char *)TEST_TAP_NAME,
                          .host_addr = inet_addr(TEST_TAP_ADDR),
                          .prefix_len = 24,
                          .mtu = TEST_TAP_MTU};
    t.s.num_taps = 1;
    size_t d = add_pd(&t, "tapcheck", "test_pd_tap_check", 150);
    add_irq(&t, d, 0, SYS_IRQ_TAP, 0);
    add_irq(&t, d, 1, SYS_IRQ_TIMERFD, 0);
    monitor_options o = {.print_stats = true, .timeout_ms = 30000};
    struct run r;
    run_start(&r, &t.s, &o, true);
    int rc = run_finish(&r, 60000);
    pid_t pids[2];
    size_t n = started_pids(&r, pids, 2);
    assert_int_equal(rc, 0); /* 98 = TAP left, 99 = children left */
    assert_int_equal(n, 1);
    const char *want[] = {" ticks=3",     " tap_name_ok=1",  " tap_nonblock=1",
                          " tap_up=1",    " tap_mtu=1400",   " tap_addr_ok=1",
                          " caps_none=1", " no_new_privs=1", " irq_fd_bounds_ok=1"};
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        assert_has(&r, want[i]);
    }
    assert_gone(pids, n);
}

static void test_missing_program(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    add_pd(&t, "idle0", "test_pd_idle", 100);
    add_pd(&t, "ghost", "/nonexistent/sddf_pd_ghost", 100);
    monitor_options o = {.timeout_ms = 5000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 2);
    assert_has(&r, "PD 'ghost': program '/nonexistent/sddf_pd_ghost' not found");
    assert_int_equal(count_str(r.out, "started PD"), 0);
}

static void test_exec_failure_undoes_start(void **state)
{
    (void)state;
    char path[] = "/tmp/sddf-test-notelf-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "not a program\n", 14), 14);
    close(fd);
    chmod(path, 0755);
    struct tsys t;
    tsys_init(&t);
    add_pd(&t, "idle0", "test_pd_idle", 100);
    add_pd(&t, "broken", path, 100);
    monitor_options o = {.timeout_ms = 5000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 20000);
    unlink(path);
    pid_t pids[2];
    size_t n = started_pids(&r, pids, 2);
    assert_int_equal(rc, 2);
    assert_int_equal(n, 1); /* idle0 was started, then stopped */
    assert_has(&r, "PD 'broken': cannot execute");
    assert_gone(pids, n);
}

static void test_tap_failure(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    t.taps[0] = (sys_tap){.name = (char *)"bad/tap", .mtu = 1500};
    t.s.num_taps = 1;
    size_t d = add_pd(&t, "driver", "test_pd_idle", 100);
    add_irq(&t, d, 0, SYS_IRQ_TAP, 0);
    monitor_options o = {.timeout_ms = 5000};
    struct run r;
    run_start(&r, &t.s, &o, true);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 2);
    assert_has(&r, "TAP 'bad/tap': cannot create");
    assert_int_equal(count_str(r.out, "started PD"), 0);
}

static void test_fatal_exit(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    add_pd(&t, "idle0", "test_pd_idle", 100);
    add_pd(&t, "broken", "test_pd_fatal", 100);
    monitor_options o = {.timeout_ms = 30000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 60000);
    pid_t pids[2];
    size_t n = started_pids(&r, pids, 2);
    assert_int_equal(rc, 1);
    assert_has(&r, "[broken] configuration missing (test)\n");
    assert_has(&r, "sddf: PD 'broken' exited with status 121 (fatal error)\n");
    assert_int_equal(count_str(r.out, "exited"), 1);
    assert_gone(pids, n);
}

static void test_bad_model_rejected(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    size_t a = add_pd(&t, "a", "test_pd_idle", 100);
    size_t b = add_pd(&t, "b", "test_pd_idle", 100);
    add_channel(&t, a, 3, b, 0, false);
    add_irq(&t, a, 3, SYS_IRQ_TIMERFD, 0); /* id 3 twice in a */
    monitor_options o = {.timeout_ms = 5000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 2);
    assert_has(&r, "channel id 3 used twice");
    assert_int_equal(count_str(r.out, "started PD"), 0);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_pingpong),
        cmocka_unit_test(test_ppc),
        cmocka_unit_test(test_deferred_notify),
        cmocka_unit_test(test_ro_write_faults),
        cmocka_unit_test(test_sigterm_stops_cleanly),
        cmocka_unit_test(test_tap_and_timer),
        cmocka_unit_test(test_missing_program),
        cmocka_unit_test(test_exec_failure_undoes_start),
        cmocka_unit_test(test_tap_failure),
        cmocka_unit_test(test_fatal_exit),
        cmocka_unit_test(test_bad_model_rejected),
    };
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
