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
#include <linux/capability.h>
#include <sys/mount.h>
#include <sys/syscall.h>
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

/* Uid and gid of a running process, from /proc/PID/status. */
static void ids_of(pid_t pid, unsigned *uid, unsigned *gid, bool *no_groups)
{
    const char *st = read_proc(pid, "status");
    const char *u = strstr(st, "\nUid:\t"), *g = strstr(st, "\nGid:\t");
    const char *groups = strstr(st, "\nGroups:\t");
    assert_non_null(u);
    assert_non_null(g);
    assert_non_null(groups);
    unsigned r, e, s, f;
    assert_int_equal(sscanf(u, "\nUid:\t%u\t%u\t%u\t%u", &r, &e, &s, &f), 4);
    assert_true(r == e && e == s && s == f);
    *uid = r;
    assert_int_equal(sscanf(g, "\nGid:\t%u\t%u\t%u\t%u", &r, &e, &s, &f), 4);
    assert_true(r == e && e == s && s == f);
    *gid = r;
    groups += strlen("\nGroups:\t");
    *no_groups = *groups == '\n' || *groups == ' ';
}

/* Each PD runs under uid/gid MONITOR_PD_ID_BASE + its index, no groups, and
 * can signal neither a sibling PD nor the monitor. */
static void test_pd_identities(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    size_t a = add_pd(&t, "probe_a", "test_pd_kill_probe", 100);
    size_t b = add_pd(&t, "probe_b", "test_pd_kill_probe", 100);
    add_pd(&t, "idle0", "test_pd_idle", 100);
    add_irq(&t, a, 0, SYS_IRQ_TIMERFD, 0);
    add_irq(&t, b, 0, SYS_IRQ_TIMERFD, 0);
    monitor_options o = {.print_stats = true};
    struct run r;
    run_start(&r, &t.s, &o, false);
    assert_true(run_wait_for(&r, "] probe: ", 2, 20000));
    const char *names[] = {"probe_a", "probe_b", "idle0"};
    for (unsigned i = 0; i < 3; i++) {
        unsigned uid, gid;
        bool no_groups;
        ids_of(pid_of(&r, names[i]), &uid, &gid, &no_groups);
        assert_int_equal(uid, MONITOR_PD_ID_BASE + i);
        assert_int_equal(gid, MONITOR_PD_ID_BASE + i);
        assert_true(no_groups);
    }
    assert_int_equal(kill(r.pid, SIGTERM), 0);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 0);
    char line[160];
    for (unsigned i = 0; i < 2; i++) {
        snprintf(line, sizeof(line),
                 "[%s] probe: uid=%u gid=%u siblings=2 eperm=2 allowed=0 monitor=EPERM\n", names[i],
                 MONITOR_PD_ID_BASE + i, MONITOR_PD_ID_BASE + i);
        assert_has(&r, line);
    }
    assert_int_equal(count_str(r.out, "faulted"), 0);
    assert_int_equal(count_str(r.out, "killed"), 0);
}

/* A PD killed by a signal someone sent: no address (si_addr would be the
 * sender's pid), the sender named; SIGKILL leaves no record at all. */
static void signal_report(int sig, const char *want)
{
    struct tsys t;
    tsys_init(&t);
    add_pd(&t, "victim", "test_pd_idle", 100);
    add_pd(&t, "other", "test_pd_idle", 100);
    monitor_options o = {.timeout_ms = 30000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    assert_true(run_wait_for(&r, "sddf: started PD", 2, 20000));
    usleep(300 * 1000); /* past main(): the fault handler is installed */
    pid_t victim = pid_of(&r, "victim");
    assert_true(victim > 0);
    assert_int_equal(kill(victim, sig), 0);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 1);
    assert_has(&r, want);
    assert_int_equal(count_str(r.out, "PD 'victim'"), 2); /* started, killed: one line */
    assert_int_equal(count_str(r.out, "at address"), 0);
    assert_int_equal(count_str(r.out, "PD 'other' "), 1);
}

static void test_signal_sent_reported(void **state)
{
    (void)state;
    char want[160];
    snprintf(want, sizeof(want),
             "sddf: PD 'victim' killed by SIGSEGV (Segmentation fault) sent by pid %d\n",
             (int)getpid());
    signal_report(SIGSEGV, want);
}

static void test_sigkill_reported(void **state)
{
    (void)state;
    signal_report(SIGKILL, "sddf: PD 'victim' killed by SIGKILL (Killed)\n");
}

/* Every descendant of @monitor (the PDs and what they started), from /proc. */
static size_t descendants(pid_t monitor, pid_t *out, size_t max)
{
    size_t n = 0;
    out[n++] = monitor;
    for (size_t done = 0; done < n; done++) {
        DIR *d = opendir("/proc");
        assert_non_null(d);
        struct dirent *e;
        while ((e = readdir(d)) != NULL && n < max) {
            if (!isdigit((unsigned char)e->d_name[0])) {
                continue;
            }
            char path[300], buf[512];
            snprintf(path, sizeof(path), "/proc/%s/stat", e->d_name);
            FILE *f = fopen(path, "r");
            if (!f) {
                continue;
            }
            size_t got = fread(buf, 1, sizeof(buf) - 1, f);
            fclose(f);
            buf[got] = '\0';
            const char *rp = strrchr(buf, ')');
            int ppid = 0;
            char st;
            if (rp && sscanf(rp + 1, " %c %d", &st, &ppid) == 2 && ppid == out[done]) {
                out[n++] = (pid_t)atoi(e->d_name);
            }
        }
        closedir(d);
    }
    memmove(out, out + 1, (n - 1) * sizeof(pid_t)); /* not the monitor itself */
    return n - 1;
}

/* Processes a PD forked (a setsid'd tree, an orphan) die with the system. */
static void test_forked_processes_die(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    add_pd(&t, "forker", "test_pd_forker", 100);
    add_pd(&t, "idle0", "test_pd_idle", 100);
    monitor_options o = {0};
    struct run r;
    run_start(&r, &t.s, &o, false);
    assert_true(run_wait_for(&r, "[forker] forked: tree and orphan", 1, 20000));
    usleep(200 * 1000);
    pid_t pids[32];
    size_t n = descendants(r.pid, pids, 32);
    /* 2 PDs + the tree (2) + the orphan, re-parented to the monitor */
    assert_int_equal(n, 5);
    assert_int_equal(kill(r.pid, SIGTERM), 0);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 0); /* 99: the monitor left children */
    assert_int_equal(count_str(r.out, "survived"), 0);
    assert_gone(pids, n);
}

/* Copy @src to @dst with mode @mode. */
static void copy_file(const char *src, const char *dst, mode_t mode)
{
    int in = open(src, O_RDONLY | O_CLOEXEC);
    int out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(in >= 0 && out >= 0);
    char buf[65536];
    ssize_t got;
    while ((got = read(in, buf, sizeof(buf))) > 0) {
        assert_int_equal(write(out, buf, (size_t)got), got);
    }
    close(in);
    close(out);
    assert_int_equal(chmod(dst, mode), 0);
}

/* The program is executed through a descriptor opened before the uid
 * change: a folder the PD's uid cannot enter (mkdtemp: 0700) is fine; a
 * program file that others may not execute is refused before anything
 * starts. */
static void test_program_in_private_dir(void **state)
{
    (void)state;
    char dir[] = "/tmp/sddf-test-private-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char ok[600], closed[600];
    snprintf(ok, sizeof(ok), "%s/pd_idle", dir);
    snprintf(closed, sizeof(closed), "%s/pd_idle_0750", dir);
    copy_file(TEST_PD_DIR "/test_pd_idle", ok, 0755);
    copy_file(TEST_PD_DIR "/test_pd_idle", closed, 0750);

    struct tsys t;
    tsys_init(&t);
    add_pd(&t, "private", ok, 100);
    monitor_options o = {.timeout_ms = 500};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 0);
    assert_int_equal(count_str(r.out, "started PD 'private'"), 1);
    assert_int_equal(count_str(r.out, "exited"), 0);

    tsys_init(&t);
    add_pd(&t, "idle0", "test_pd_idle", 100);
    add_pd(&t, "closed", closed, 100);
    run_start(&r, &t.s, &o, false);
    rc = run_finish(&r, 20000);
    unlink(ok);
    unlink(closed);
    rmdir(dir);
    assert_int_equal(rc, 2);
    assert_int_equal(count_str(r.out, "started PD"), 0);
    char want[800];
    snprintf(want, sizeof(want),
             "sddf: PD 'closed': program '%s' is not executable by others (mode 0750), and the "
             "PD runs under its own uid %u\n",
             closed, MONITOR_PD_ID_BASE + 1);
    assert_has(&r, want);
}

/* In the monitor's child: a private mount namespace whose /etc/passwd and
 * /etc/group give uid and gid MONITOR_PD_ID_BASE + 1 to an account. */
static void passwd_with_pd_ids(void)
{
    char passwd[] = "/tmp/sddf-test-passwd-XXXXXX", group[] = "/tmp/sddf-test-group-XXXXXX";
    int p = mkstemp(passwd), g = mkstemp(group);
    if (p < 0 || g < 0 || unshare(CLONE_NEWNS) != 0 ||
        mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0) {
        fprintf(stderr, "sddf-test: cannot make a private mount namespace: %s\n", strerror(errno));
        _exit(91);
    }
    dprintf(p, "root:x:0:0:root:/root:/bin/sh\nclash:x:%u:%u::/:/bin/false\n",
            MONITOR_PD_ID_BASE + 1, MONITOR_PD_ID_BASE + 1);
    dprintf(g, "root:x:0:\nclash:x:%u:\n", MONITOR_PD_ID_BASE + 1);
    close(p);
    close(g);
    if (mount(passwd, "/etc/passwd", NULL, MS_BIND, NULL) != 0 ||
        mount(group, "/etc/group", NULL, MS_BIND, NULL) != 0) {
        fprintf(stderr, "sddf-test: cannot bind /etc/passwd: %s\n", strerror(errno));
        _exit(91);
    }
    unlink(passwd); /* the mounts keep the files */
    unlink(group);
}

/* An account that owns one of the PD uids stops `sddf run` before anything. */
static void test_pd_uid_taken(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    add_pd(&t, "idle0", "test_pd_idle", 100);
    add_pd(&t, "idle1", "test_pd_idle", 100);
    monitor_options o = {.timeout_ms = 5000};
    struct run r;
    run_start_with(&r, &t.s, &o, false, passwd_with_pd_ids);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 2);
    char want[200];
    snprintf(want, sizeof(want),
             "sddf: uid %u (for PD 'idle1') belongs to account 'clash': the PD uid range from "
             "MONITOR_PD_ID_BASE 0x%x must be unused\n",
             MONITOR_PD_ID_BASE + 1, MONITOR_PD_ID_BASE);
    assert_has(&r, want);
    assert_int_equal(count_str(r.out, "started PD"), 0);
}

/* In the monitor's child: CAP_SETUID out of the effective set. */
static void without_setuid(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[_LINUX_CAPABILITY_U32S_3];
    memset(data, 0, sizeof(data));
    if (syscall(SYS_capget, &hdr, data) != 0) {
        _exit(92);
    }
    data[0].effective &= ~(1u << CAP_SETUID);
    if (syscall(SYS_capset, &hdr, data) != 0) {
        _exit(92);
    }
}

/* Without the privilege to switch uids the system still runs, the PDs under
 * the caller's uid, and a note says so. */
static void test_no_setuid_fallback(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    add_pd(&t, "idle0", "test_pd_idle", 100);
    monitor_options o = {.timeout_ms = 500};
    struct run r;
    run_start_with(&r, &t.s, &o, false, without_setuid);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 0);
    assert_has(&r, "sddf: note: no CAP_SETUID/CAP_SETGID/CAP_SETPCAP: every PD runs as uid 0 like "
                   "sddf itself (as root, each PD gets a uid of its own)\n");
    assert_int_equal(count_str(r.out, "started PD 'idle0'"), 1);
    assert_int_equal(count_str(r.out, "exited"), 0);
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
        cmocka_unit_test(test_pd_identities),
        cmocka_unit_test(test_signal_sent_reported),
        cmocka_unit_test(test_sigkill_reported),
        cmocka_unit_test(test_forked_processes_die),
        cmocka_unit_test(test_program_in_private_dir),
        cmocka_unit_test(test_pd_uid_taken),
        cmocka_unit_test(test_no_setuid_fallback),
    };
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
