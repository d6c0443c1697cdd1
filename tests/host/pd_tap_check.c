/*
 * tests/host/pd_tap_check.c - a driver-like PD with two IRQs: 0 = a TAP
 * device, 1 = a timerfd. In init it checks what the monitor set up (TAP name,
 * MTU, address, up, non-blocking) and that it runs without privilege (no
 * capabilities, no_new_privs); then it counts TEST_TIMER_TICKS timer IRQs,
 * re-arming the timer and acking the IRQ (deferred) each time, and stops the
 * system. Results are statistics counters, printed by the monitor.
 */
#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <sddf/host/device.h>
#include <sddf/os.h>
#include "test_layout.h"

static uint64_t *ticks;

static void arm_timer(void)
{
    struct itimerspec its = {.it_value = {.tv_sec = 0, .tv_nsec = (long)5 * 1000 * 1000}};
    timerfd_settime(sddf_host_irq_fd(1), 0, &its, NULL);
}

static void check_tap(int fd)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    if (ioctl(fd, TUNGETIFF, &ifr) == 0 && strcmp(ifr.ifr_name, TEST_TAP_NAME) == 0 &&
        (ifr.ifr_flags & IFF_TAP) && (ifr.ifr_flags & IFF_NO_PI)) {
        sddf_stat_add(sddf_stat_counter("tap_name_ok"), 1);
    }
    if (fcntl(fd, F_GETFL) & O_NONBLOCK) {
        sddf_stat_add(sddf_stat_counter("tap_nonblock"), 1);
    }
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        return;
    }
    if (ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP)) {
        sddf_stat_add(sddf_stat_counter("tap_up"), 1);
    }
    if (ioctl(s, SIOCGIFMTU, &ifr) == 0) {
        sddf_stat_add(sddf_stat_counter("tap_mtu"), (uint64_t)ifr.ifr_mtu);
    }
    if (ioctl(s, SIOCGIFADDR, &ifr) == 0) {
        struct sockaddr_in sin;
        memcpy(&sin, &ifr.ifr_addr, sizeof(sin));
        if (sin.sin_addr.s_addr == inet_addr(TEST_TAP_ADDR)) {
            sddf_stat_add(sddf_stat_counter("tap_addr_ok"), 1);
        }
    }
    close(s);
}

static void check_privilege(void)
{
    struct __user_cap_header_struct hdr = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
    struct __user_cap_data_struct data[2];
    memset(data, 0xff, sizeof(data));
    if (syscall(SYS_capget, &hdr, data) == 0 && !data[0].effective && !data[0].permitted &&
        !data[1].effective && !data[1].permitted) {
        sddf_stat_add(sddf_stat_counter("caps_none"), 1);
    }
    if (prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1) {
        sddf_stat_add(sddf_stat_counter("no_new_privs"), 1);
    }
}

void init(void)
{
    ticks = sddf_stat_counter("ticks");
    check_tap(sddf_host_irq_fd(0));
    check_privilege();
    if (sddf_host_irq_fd(5) == -1 && sddf_host_irq_fd(1000) == -1) {
        sddf_stat_add(sddf_stat_counter("irq_fd_bounds_ok"), 1);
    }
    arm_timer();
}

void notified(sddf_channel ch)
{
    if (ch == 0) { /* frames the kernel sends (IPv6 DAD, ...): drop them */
        char frame[2048];
        while (read(sddf_host_irq_fd(0), frame, sizeof(frame)) > 0) {
        }
        sddf_irq_ack(0);
        return;
    }
    uint64_t expirations;
    if (read(sddf_host_irq_fd(1), &expirations, sizeof(expirations)) != sizeof(expirations)) {
        return; /* spurious: stays masked, which the test would notice */
    }
    sddf_stat_add(ticks, 1);
    if (*ticks >= TEST_TIMER_TICKS) {
        test_stop_system();
        return;
    }
    arm_timer();
    sddf_deferred_irq_ack(1);
}
