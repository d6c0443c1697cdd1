/*
 * tests/host/pd_eventfd.c - IRQ 0 is an eventfd (what an io_uring driver
 * attaches with io_uring_register_eventfd), IRQ 1 a timerfd. The PD plays
 * the kernel: it signals its own eventfd and checks the IRQ semantics:
 * notified(0) when signalled; masked until sddf_irq_ack(0) even while the
 * eventfd stays readable (a 30 ms timer proves nothing arrives early); the
 * ack re-arms it (still readable: delivered again at once); the runtime
 * never resets it (the PD reads the count). Stops after TEST_EVENTFD_ROUNDS.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <sddf/host/device.h>
#include <sddf/os.h>
#include "test_layout.h"

static uint64_t *delivered, *early, *count_ok;
static bool waiting_for_timer;

static void kick(void)
{
    uint64_t one = 1;
    if (write(sddf_host_irq_fd(0), &one, sizeof(one)) != sizeof(one)) {
        sddf_fatal("eventfd write failed");
    }
}

void init(void)
{
    delivered = sddf_stat_counter("delivered");
    early = sddf_stat_counter("early");
    count_ok = sddf_stat_counter("count_ok");
    int fd = sddf_host_irq_fd(0);
    char path[64], link[64] = "";
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    ssize_t n = readlink(path, link, sizeof(link) - 1);
    link[n > 0 ? n : 0] = '\0';
    sddf_stat_add(sddf_stat_counter("is_eventfd"), strcmp(link, "anon_inode:[eventfd]") == 0);
    sddf_stat_add(sddf_stat_counter("nonblock"), (fcntl(fd, F_GETFL) & O_NONBLOCK) != 0);
    kick();
}

void notified(sddf_channel ch)
{
    if (ch == 1) { /* the timer: nothing came while masked; unmask */
        uint64_t exp;
        if (read(sddf_host_irq_fd(1), &exp, sizeof(exp)) == sizeof(exp)) {
            waiting_for_timer = false;
            sddf_irq_ack(0);
            sddf_irq_ack(1);
        }
        return;
    }
    if (ch != 0) {
        return;
    }
    if (waiting_for_timer) {
        sddf_stat_add(early, 1);
        return;
    }
    sddf_stat_add(delivered, 1);
    if (*delivered >= TEST_EVENTFD_ROUNDS) {
        test_stop_system();
        return;
    }
    if (*delivered % 2 == 1) {
        /* Leave it readable and masked; signal again: the count adds up. */
        kick();
        waiting_for_timer = true;
        struct itimerspec its = {.it_value = {.tv_sec = 0, .tv_nsec = (long)30 * 1000 * 1000}};
        timerfd_settime(sddf_host_irq_fd(1), 0, &its, NULL);
        return;
    }
    uint64_t v = 0;
    if (read(sddf_host_irq_fd(0), &v, sizeof(v)) == sizeof(v) && v == 2) {
        sddf_stat_add(count_ok, 1); /* both kicks, none consumed by the runtime */
    }
    kick();
    sddf_irq_ack(0);
}
