/*
 * tests/host/test_devices.c - devices a PD holds besides its IRQs, and the
 * IRQ kinds of io_uring and tty drivers, under monitor_run:
 *   - block: a disk image the test creates, read and written through the
 *     PD's descriptor; a read-only one refuses writes; O_DIRECT where the file
 *     system allows it, buffered (checked with F_GETFL) on one that refuses
 *     it (a ramfs the test mounts in a private mount namespace); a missing
 *     image is a setup error;
 *   - eventfd IRQ: delivered, masked until acked, re-armed by the ack;
 *   - tty: a pty pair the test creates; bytes written on the master reach the
 *     PD through device_in unchanged (all 256 values: NUL, 0x03, 0xff...) and
 *     what the PD writes reaches the master unchanged, also under back-
 *     pressure (device_out); the terminal is raw while the system runs and
 *     its termios is restored after: timeout, SIGTERM, a PD crash, a setup
 *     failure; the terminal `sddf run` runs on (no path) with the monitor's
 *     own lines ending "\r\n" while raw.
 *
 * Usage: test_devices [TEST_NAME]  (cmocka filter; meson runs one test each)
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <termios.h>
#include <unistd.h>
#include <cmocka.h>
#include "harness.h"
#include "test_layout.h"

/* ---- block ---------------------------------------------------------------- */

/* An image of TEST_BLK_SIZE bytes at @dir/@name, byte(i % 4096) everywhere. */
static char *make_image(const char *dir, const char *name, uint8_t (*byte)(unsigned))
{
    char *path = NULL;
    assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    assert_true(fd >= 0);
    uint8_t buf[4096];
    for (unsigned i = 0; i < sizeof(buf); i++) {
        buf[i] = byte(i);
    }
    for (unsigned off = 0; off < TEST_BLK_SIZE; off += sizeof(buf)) {
        assert_int_equal(pwrite(fd, buf, sizeof(buf), off), (ssize_t)sizeof(buf));
    }
    close(fd);
    return path;
}

/* Whether this file system takes O_DIRECT (what the monitor will find). */
static bool direct_ok(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC);
    if (fd >= 0) {
        close(fd);
        return true;
    }
    assert_int_equal(errno, EINVAL);
    return false;
}

/* Whether this process could raise RLIMIT_MEMLOCK to @bytes (tried in a child). */
static bool memlock_can_raise(unsigned long long bytes)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct rlimit rl = {bytes, bytes};
        struct rlimit now;
        getrlimit(RLIMIT_MEMLOCK, &now);
        if (now.rlim_max == RLIM_INFINITY || now.rlim_max >= bytes) {
            _exit(0);
        }
        _exit(setrlimit(RLIMIT_MEMLOCK, &rl) == 0 ? 0 : 1);
    }
    int st;
    waitpid(pid, &st, 0);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* Run pd_blk_check on images in @dir; check the counters and the image. */
static void block_run(const char *dir, bool expect_direct)
{
    char *rw = make_image(dir, "sddf-test-rw.img", test_blk_byte);
    char *ro = make_image(dir, "sddf-test-ro.img", test_blk_ro_byte);
    assert_int_equal(direct_ok(rw), expect_direct);
    struct tsys t;
    tsys_init(&t);
    size_t d = add_pd(&t, "blk", "test_pd_blk_check", 150);
    add_device(&t, d, 0, SYS_DEVICE_BLOCK, rw, false);
    add_device(&t, d, 1, SYS_DEVICE_BLOCK, ro, true);
    monitor_options o = {.print_stats = true, .timeout_ms = 30000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 60000);
    pid_t pids[2];
    size_t n = started_pids(&r, pids, 2);
    assert_int_equal(rc, 0);
    char want[64];
    snprintf(want, sizeof(want), " rw_direct=%d ", expect_direct);
    assert_has(&r, want);
    snprintf(want, sizeof(want), " ro_direct=%d ", expect_direct);
    assert_has(&r, want);
    const char *ok[] = {" kinds_ok=1", " rw_rdwr=1",  " rw_nonblock=1", " ro_rdonly=1",
                        " read_ok=1",  " write_ok=1", " ro_refused=1",  " ro_read_ok=1"};
    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        assert_has(&r, ok[i]);
    }
    /* its maps (none) + 16 MiB, or as much as the hard limit allows without CAP_SYS_RESOURCE */
    const char *ml = strstr(r.out, " memlock_kib=");
    assert_non_null(ml);
    unsigned long long kib = strtoull(ml + strlen(" memlock_kib="), NULL, 10);
    struct rlimit rl;
    assert_int_equal(getrlimit(RLIMIT_MEMLOCK, &rl), 0);
    unsigned long long floor = 16ull << 10;
    if (!memlock_can_raise(16ull << 20) && rl.rlim_max != RLIM_INFINITY &&
        (rl.rlim_max >> 10) < floor) {
        floor = rl.rlim_max >> 10;
    }
    fprintf(stderr, "sddf-test: block PD RLIMIT_MEMLOCK %llu KiB (want >= %llu)\n", kib, floor);
    assert_true(kib >= floor);
    assert_gone(pids, n);
    /* the PD's write is in the file; the read-only image is untouched */
    uint8_t buf[4096];
    int fd = open(rw, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, sizeof(buf), TEST_BLK_WRITE_OFF), (ssize_t)sizeof(buf));
    close(fd);
    for (unsigned i = 0; i < sizeof(buf); i++) {
        assert_int_equal(buf[i], test_blk_pd_byte(i));
    }
    fd = open(ro, O_RDONLY | O_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(pread(fd, buf, sizeof(buf), 0), (ssize_t)sizeof(buf));
    close(fd);
    for (unsigned i = 0; i < sizeof(buf); i++) {
        assert_int_equal(buf[i], test_blk_ro_byte(i));
    }
    unlink(rw);
    unlink(ro);
    free(rw);
    free(ro);
}

static void test_block_device(void **state)
{
    (void)state;
    char dir[] = TEST_PD_DIR "/sddf-blk-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char probe[sizeof(dir) + 16];
    snprintf(probe, sizeof(probe), "%s/probe", dir);
    close(open(probe, O_RDWR | O_CREAT | O_CLOEXEC, 0600));
    bool direct = direct_ok(probe);
    unlink(probe);
    fprintf(stderr, "sddf-test: %s %s O_DIRECT\n", dir, direct ? "takes" : "refuses");
    block_run(dir, direct);
    rmdir(dir);
}

static void test_block_without_direct(void **state)
{
    (void)state;
    /* ramfs refuses O_DIRECT (EINVAL); tmpfs takes it since Linux 6.6. */
    if (unshare(CLONE_NEWNS) != 0) {
        skip();
    }
    assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
    char dir[] = "/tmp/sddf-ramfs-XXXXXX";
    assert_non_null(mkdtemp(dir));
    assert_int_equal(mount("sddf-test", dir, "ramfs", 0, "mode=0700"), 0);
    block_run(dir, false);
    assert_int_equal(umount(dir), 0);
    rmdir(dir);
}

static void test_block_missing(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    add_pd(&t, "idle0", "test_pd_idle", 100);
    size_t d = add_pd(&t, "blk", "test_pd_blk_check", 150);
    add_device(&t, d, 0, SYS_DEVICE_BLOCK, "/nonexistent/sddf-disk.img", false);
    monitor_options o = {.timeout_ms = 5000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 2);
    assert_has(&r, "sddf: PD 'blk': block device 0 '/nonexistent/sddf-disk.img': cannot open "
                   "read-write: No such file or directory\n");
    assert_int_equal(count_str(r.out, "started PD"), 0);
}

/* ---- eventfd ---------------------------------------------------------------- */

static void test_eventfd_irq(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    size_t d = add_pd(&t, "uring", "test_pd_eventfd", 150);
    add_irq(&t, d, 0, SYS_IRQ_EVENTFD, 0);
    add_irq(&t, d, 1, SYS_IRQ_TIMERFD, 0);
    monitor_options o = {.print_stats = true, .timeout_ms = 30000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 60000);
    pid_t pids[2];
    size_t n = started_pids(&r, pids, 2);
    assert_int_equal(rc, 0);
    assert_has(&r, "sddf: stats uring delivered=3 early=0 count_ok=1 is_eventfd=1 nonblock=1\n");
    assert_gone(pids, n);
}

/* ---- tty ---------------------------------------------------------------------- */

struct pty {
    int master, slave; /* the test keeps a slave open to read its termios */
    char name[64];
    struct termios before;
};

static void pty_open(struct pty *p)
{
    p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(p->master >= 0);
    assert_int_equal(grantpt(p->master), 0);
    assert_int_equal(unlockpt(p->master), 0);
    assert_int_equal(ptsname_r(p->master, p->name, sizeof(p->name)), 0);
    p->slave = open(p->name, O_RDWR | O_NOCTTY | O_CLOEXEC);
    assert_true(p->slave >= 0);
    assert_int_equal(tcgetattr(p->slave, &p->before), 0);
    assert_true(p->before.c_lflag & ICANON); /* a fresh pty is cooked */
    int fl = fcntl(p->master, F_GETFL);
    assert_int_equal(fcntl(p->master, F_SETFL, fl | O_NONBLOCK), 0);
}

static void pty_close(struct pty *p)
{
    close(p->master);
    close(p->slave);
}

static void assert_raw(const struct pty *p)
{
    struct termios t;
    assert_int_equal(tcgetattr(p->slave, &t), 0);
    assert_int_equal(t.c_lflag & (ICANON | ECHO | ISIG | IEXTEN), 0);
    assert_int_equal(t.c_oflag & OPOST, 0);
    assert_int_equal(t.c_iflag & (ICRNL | IXON | ISTRIP | INLCR | IGNCR), 0);
    assert_int_equal(t.c_cc[VMIN], 1);
    assert_int_equal(t.c_cc[VTIME], 0);
}

static void assert_restored(const struct pty *p)
{
    struct termios t;
    assert_int_equal(tcgetattr(p->slave, &t), 0);
    assert_int_equal(t.c_iflag, p->before.c_iflag);
    assert_int_equal(t.c_oflag, p->before.c_oflag);
    assert_int_equal(t.c_cflag, p->before.c_cflag);
    assert_int_equal(t.c_lflag, p->before.c_lflag);
    assert_memory_equal(t.c_cc, p->before.c_cc, sizeof(t.c_cc));
}

/* Read from the master until @len bytes are in @buf (or @timeout_ms). */
static size_t master_read(const struct pty *p, uint8_t *buf, size_t have, size_t len,
                          int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    while (have < len && now_ms() < deadline) {
        struct pollfd pfd = {.fd = p->master, .events = POLLIN};
        poll(&pfd, 1, 50);
        ssize_t n = read(p->master, buf + have, len - have);
        if (n > 0) {
            have += (size_t)n;
        }
    }
    return have;
}

/* Read until @needle is in @buf (NUL-terminated text so far); false at the timeout. */
static bool master_wait_for(const struct pty *p, char *buf, size_t *have, size_t cap,
                            const char *needle, int timeout_ms)
{
    long deadline = now_ms() + timeout_ms;
    while (!strstr(buf, needle) && now_ms() < deadline && *have < cap - 1) {
        struct pollfd pfd = {.fd = p->master, .events = POLLIN};
        poll(&pfd, 1, 50);
        ssize_t n = read(p->master, buf + *have, cap - 1 - *have);
        if (n > 0) {
            *have += (size_t)n;
            buf[*have] = '\0';
        }
    }
    return strstr(buf, needle) != NULL;
}

/*
 * Send @len bytes (first all 256 byte values, then a pseudo-random stream)
 * and read the echo, checking every byte. First write as much as the pty
 * takes without reading, so the PD's output fills and it must wait for
 * device_out (and hold its input back); then read and write together.
 */
static void echo_exchange(const struct pty *p, size_t len)
{
    uint8_t *tx = malloc(len), *rx = malloc(len);
    assert_non_null(tx);
    assert_non_null(rx);
    uint32_t x = 12345;
    for (size_t i = 0; i < len; i++) {
        x = x * 1103515245u + 12345u;
        tx[i] = i < 256 ? (uint8_t)i : (uint8_t)(x >> 16);
    }
    size_t sent = 0, got = 0;
    long deadline = now_ms() + 60000;
    while (sent < len && now_ms() < deadline) { /* no reading: fill everything */
        ssize_t n = write(p->master, tx + sent, len - sent);
        if (n <= 0) {
            break;
        }
        sent += (size_t)n;
    }
    usleep(200 * 1000);
    while (got < len && now_ms() < deadline) {
        struct pollfd pfd = {.fd = p->master, .events = POLLIN | (sent < len ? POLLOUT : 0)};
        poll(&pfd, 1, 100);
        ssize_t n = read(p->master, rx + got, len - got);
        if (n > 0) {
            got += (size_t)n;
        }
        if (sent < len) {
            n = write(p->master, tx + sent, len - sent);
            if (n > 0) {
                sent += (size_t)n;
            }
        }
    }
    assert_int_equal(sent, len);
    assert_int_equal(got, len);
    assert_memory_equal(rx, tx, len);
    free(tx);
    free(rx);
}

/* pd_tty_echo on @path (NULL: the terminal of the run) with its two IRQs. */
static size_t tty_pd(struct tsys *t, const char *path)
{
    size_t d = add_pd(t, "tty", "test_pd_tty_echo", 150);
    size_t dev = add_device(t, d, 0, SYS_DEVICE_TTY, path, false);
    add_irq(t, d, 1, SYS_IRQ_DEVICE_IN, dev);
    add_irq(t, d, 2, SYS_IRQ_DEVICE_OUT, dev);
    return d;
}

/* The greeting arrives exactly (no "\r" added) and the terminal is raw. */
static void expect_greeting(const struct pty *p)
{
    uint8_t buf[16] = {0};
    size_t n = master_read(p, buf, 0, strlen(TEST_TTY_GREETING), 20000);
    assert_int_equal(n, strlen(TEST_TTY_GREETING));
    assert_memory_equal(buf, TEST_TTY_GREETING, n);
    assert_raw(p);
}

#define ECHO_BYTES (256u * 1024u)

static void tty_echo_run(bool by_signal)
{
    struct pty p;
    pty_open(&p);
    struct tsys t;
    tsys_init(&t);
    tty_pd(&t, p.name);
    monitor_options o = {.print_stats = true, .timeout_ms = by_signal ? 120000 : 10000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    expect_greeting(&p);
    echo_exchange(&p, ECHO_BYTES);
    if (by_signal) {
        assert_int_equal(kill(r.pid, SIGTERM), 0);
    }
    int rc = run_finish(&r, 60000);
    pid_t pids[2];
    size_t n = started_pids(&r, pids, 2);
    assert_int_equal(rc, 0);
    char want[128];
    snprintf(want, sizeof(want), "sddf: stats tty in=%u out=%zu eof=0 out_waits=", ECHO_BYTES,
             ECHO_BYTES + strlen(TEST_TTY_GREETING));
    assert_has(&r, want);
    assert_has(&r, " kind_ok=1 nonblock=1 raw_at_init=1\n");
    /* the exchange filled the terminal: the PD waited for device_out */
    unsigned long waits = strtoul(strstr(r.out, "out_waits=") + strlen("out_waits="), NULL, 10);
    fprintf(stderr, "sddf-test: the PD waited for device_out %lu times\n", waits);
    assert_true(waits >= 1);
    assert_gone(pids, n);
    assert_restored(&p);
    pty_close(&p);
}

static void test_tty_echo_timeout(void **state)
{
    (void)state;
    tty_echo_run(false);
}

static void test_tty_sigterm(void **state)
{
    (void)state;
    tty_echo_run(true);
}

static void test_tty_pd_crash(void **state)
{
    (void)state;
    struct pty p;
    pty_open(&p);
    struct tsys t;
    tsys_init(&t);
    tty_pd(&t, p.name);
    add_pd(&t, "crasher", "test_pd_segv", 100);
    monitor_options o = {.print_stats = true, .timeout_ms = 30000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    expect_greeting(&p);
    int rc = run_finish(&r, 60000);
    pid_t pids[2];
    size_t n = started_pids(&r, pids, 2);
    assert_int_equal(rc, 1);
    assert_has(&r, "sddf: PD 'crasher' faulted: SIGSEGV (Segmentation fault) at address 0x8\n");
    assert_has(&r, " raw_at_init=1\n");
    assert_gone(pids, n);
    assert_restored(&p);
    pty_close(&p);
}

static void test_tty_setup_failure(void **state)
{
    (void)state;
    struct pty p;
    pty_open(&p);
    char bad[] = "/tmp/sddf-test-notelf-XXXXXX";
    int fd = mkstemp(bad);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "not a program\n", 14), 14);
    close(fd);
    chmod(bad, 0755);
    struct tsys t;
    tsys_init(&t);
    tty_pd(&t, p.name);
    add_pd(&t, "broken", bad, 100); /* fails after the terminal went raw */
    monitor_options o = {.timeout_ms = 5000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 20000);
    unlink(bad);
    pid_t pids[2];
    size_t n = started_pids(&r, pids, 2);
    assert_int_equal(rc, 2);
    assert_int_equal(n, 1);
    assert_has(&r, "PD 'broken': cannot execute");
    assert_gone(pids, n);
    assert_restored(&p);
    pty_close(&p);
}

static void test_tty_bad_path(void **state)
{
    (void)state;
    struct tsys t;
    tsys_init(&t);
    tty_pd(&t, "/nonexistent/tty");
    monitor_options o = {.timeout_ms = 5000};
    struct run r;
    run_start(&r, &t.s, &o, false);
    int rc = run_finish(&r, 20000);
    assert_int_equal(rc, 2);
    assert_has(&r, "sddf: PD 'tty': tty device 0 '/nonexistent/tty': cannot open: No such file "
                   "or directory\n");
    assert_int_equal(count_str(r.out, "started PD"), 0);
}

/* A named tty device must be a terminal: /dev/null and a FIFO are refused at setup (exit 2). */
static void test_tty_not_a_terminal(void **state)
{
    (void)state;
    char fifo[] = "/tmp/sddf-test-fifo-XXXXXX";
    int tmp = mkstemp(fifo);
    assert_true(tmp >= 0);
    close(tmp);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    const char *paths[] = {"/dev/null", fifo};
    for (size_t i = 0; i < 2; i++) {
        struct tsys t;
        tsys_init(&t);
        tty_pd(&t, paths[i]);
        monitor_options o = {.timeout_ms = 5000};
        struct run r;
        run_start(&r, &t.s, &o, false);
        int rc = run_finish(&r, 20000);
        assert_int_equal(rc, 2);
        char want[256];
        snprintf(want, sizeof(want),
                 "sddf: PD 'tty': tty device 0 '%s': not a terminal (a tty or pty)\n", paths[i]);
        assert_has(&r, want);
        assert_int_equal(count_str(r.out, "started PD"), 0);
    }
    unlink(fifo);
}

static void test_tty_controlling_terminal(void **state)
{
    (void)state;
    struct pty p;
    pty_open(&p);
    struct tsys t;
    tsys_init(&t);
    tty_pd(&t, NULL);
    monitor_options o = {.timeout_ms = 120000};
    struct run r;
    run_start_on_tty(&r, &t.s, &o, p.slave);
    /* the monitor's line ends "\r\n" (its stderr is the raw terminal); the
     * PD's greeting is unchanged; either may come first */
    static char text[4096];
    size_t have = 0;
    text[0] = '\0';
    assert_true(
        master_wait_for(&p, text, &have, sizeof(text), "sddf: started PD 'tty' (pid ", 20000));
    assert_true(master_wait_for(&p, text, &have, sizeof(text), ")\r\n", 20000));
    assert_true(master_wait_for(&p, text, &have, sizeof(text), TEST_TTY_GREETING, 20000));
    assert_null(strstr(text, "\r" TEST_TTY_GREETING));
    assert_raw(&p);
    echo_exchange(&p, 64u * 1024u);
    assert_int_equal(kill(r.pid, SIGTERM), 0);
    assert_int_equal(run_wait_exit(&r, 60000), 0);
    assert_restored(&p);
    /* the PD's O_NONBLOCK was on a file of its own, not on the shared terminal */
    assert_int_equal(fcntl(p.slave, F_GETFL) & O_NONBLOCK, 0);
    pty_close(&p);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_block_device),       cmocka_unit_test(test_block_without_direct),
        cmocka_unit_test(test_block_missing),      cmocka_unit_test(test_eventfd_irq),
        cmocka_unit_test(test_tty_echo_timeout),   cmocka_unit_test(test_tty_sigterm),
        cmocka_unit_test(test_tty_pd_crash),       cmocka_unit_test(test_tty_setup_failure),
        cmocka_unit_test(test_tty_bad_path),       cmocka_unit_test(test_tty_controlling_terminal),
        cmocka_unit_test(test_tty_not_a_terminal),
    };
    if (argc > 1) {
        cmocka_set_test_filter(argv[1]);
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
