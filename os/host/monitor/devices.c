/*
 * os/host/monitor/devices.c - the Linux devices that stand in for IRQs, made
 * by the monitor while it still has privilege (sDDF design: a driver runs
 * with no capabilities and receives only the descriptor).
 *
 * TAP: /dev/net/tun, IFF_TAP | IFF_NO_PI, not persistent, so the interface
 * disappears with the last descriptor (when the monitor and the driver PD
 * are gone). MTU, IPv4 address/prefix and IFF_UP are set with ioctls on an
 * AF_INET socket, in the monitor's network namespace. An interface of the
 * same name that exists already is an error: it is not ours to take over.
 * Timer: a non-blocking CLOCK_MONOTONIC timerfd per IRQ.
 * Eventfd: a fresh non-blocking eventfd per IRQ (an io_uring driver attaches
 * it with io_uring_register_eventfd).
 * Device in/out: a duplicate of a device's input or output descriptor
 * (device_files.c), so both directions of one tty can wait in one epoll set.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include "monitor_internal.h"

static int tap_configure(const sys_tap *t)
{
    int s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (s < 0) {
        mon_err("TAP '%s': socket: %s", t->name, strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, t->name, IFNAMSIZ - 1);
    const char *step = "set MTU";
    ifr.ifr_mtu = t->mtu;
    if (ioctl(s, SIOCSIFMTU, &ifr) != 0) {
        goto fail;
    }
    if (t->host_addr != 0) {
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = t->host_addr};
        step = "set address";
        memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
        if (ioctl(s, SIOCSIFADDR, &ifr) != 0) {
            goto fail;
        }
        step = "set netmask";
        sin.sin_addr.s_addr = t->prefix_len ? htonl(~0u << (32 - t->prefix_len)) : 0;
        memcpy(&ifr.ifr_netmask, &sin, sizeof(sin));
        if (ioctl(s, SIOCSIFNETMASK, &ifr) != 0) {
            goto fail;
        }
    }
    step = "bring up";
    if (ioctl(s, SIOCGIFFLAGS, &ifr) != 0) {
        goto fail;
    }
    ifr.ifr_flags |= IFF_UP;
    if (ioctl(s, SIOCSIFFLAGS, &ifr) != 0) {
        goto fail;
    }
    close(s);
    return 0;
fail:
    mon_err("TAP '%s': cannot %s: %s", t->name, step, strerror(errno));
    close(s);
    return -1;
}

static int tap_open(const sys_tap *t)
{
    if (if_nametoindex(t->name) != 0) {
        mon_err("TAP '%s': an interface of that name exists already", t->name);
        return -1;
    }
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (fd < 0) {
        mon_err("TAP '%s': cannot open /dev/net/tun: %s", t->name, strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    strncpy(ifr.ifr_name, t->name, IFNAMSIZ - 1);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    if (ioctl(fd, TUNSETIFF, &ifr) != 0) {
        mon_err("TAP '%s': cannot create: %s", t->name, strerror(errno));
        close(fd);
        return -1;
    }
    if (tap_configure(t) != 0) {
        close(fd); /* not persistent: the interface goes with it */
        return -1;
    }
    return fd;
}

int mon_taps_create(struct mon *m)
{
    for (size_t i = 0; i < m->sys->num_taps; i++) {
        m->tap_fd[i] = tap_open(&m->sys->taps[i]);
        if (m->tap_fd[i] < 0) {
            return -1;
        }
    }
    return 0;
}

int mon_irqs_create(struct mon *m, size_t i)
{
    const sys_pd *p = &m->sys->pds[i];
    for (size_t j = 0; j < p->num_irqs; j++) {
        const sys_irq *q = &p->irqs[j];
        int *fd = &m->pd[i].irq_fd[j];
        const char *what = "timerfd";
        switch (q->kind) {
        case SYS_IRQ_TAP:
            continue; /* the TAP's descriptor, owned by m->tap_fd */
        case SYS_IRQ_TIMERFD:
            *fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
            break;
        case SYS_IRQ_EVENTFD:
            what = "eventfd";
            *fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
            break;
        case SYS_IRQ_DEVICE_IN:
        case SYS_IRQ_DEVICE_OUT: {
            /* A duplicate: its own epoll item, next to the other direction's. */
            const struct mon_device *md = &m->dev[q->device];
            int src = q->kind == SYS_IRQ_DEVICE_OUT && md->out_fd >= 0 ? md->out_fd : md->fd;
            what = "device descriptor";
            *fd = fcntl(src, F_DUPFD_CLOEXEC, 3);
            break;
        }
        }
        if (*fd < 0) {
            mon_err("PD '%s': IRQ %u: %s: %s", p->name, q->id, what, strerror(errno));
            return -1;
        }
    }
    return 0;
}
