/*
 * os/host/runtime/irq.c - IRQs: a Linux device descriptor (TAP, timerfd,
 * eventfd, a device's duplicate) in the event loop with EPOLLONESHOT, so
 * after one notified() the IRQ stays masked until the driver acks it (seL4
 * semantics); the ack re-arms it. A device_out IRQ waits for EPOLLOUT, every
 * other kind for EPOLLIN. Also the device accessors of sddf/host/device.h.
 */
#include <sys/epoll.h>
#include <sddf/host/device.h>
#include "runtime.h"

static struct epoll_event irq_event(sddf_channel ch)
{
    struct epoll_event ev = {.events = rt.ch[ch].irq_events | EPOLLONESHOT,
                             .data.u64 = ((uint64_t)RT_EV_IRQ << 32) | ch};
    return ev;
}

void rt_irq_setup(const struct host_boot_view *view)
{
    for (uint32_t i = 0; i < view->hdr->num_irqs; i++) {
        struct epoll_event ev = irq_event(view->irqs[i].id);
        if (epoll_ctl(rt.epoll_fd, EPOLL_CTL_ADD, view->irqs[i].fd, &ev) != 0) {
            sddf_fatal("cannot wait on IRQ %u", view->irqs[i].id);
        }
    }
}

void sddf_irq_ack(sddf_channel ch)
{
    if (ch >= SDDF_MAX_CHANNELS || rt.ch[ch].irq_fd < 0) {
        rt_channel_warn_once(ch, "irq ack");
        return;
    }
    struct epoll_event ev = irq_event(ch);
    if (epoll_ctl(rt.epoll_fd, EPOLL_CTL_MOD, rt.ch[ch].irq_fd, &ev) != 0) {
        sddf_fatal("cannot re-arm IRQ %u", ch);
    }
}

void sddf_deferred_irq_ack(sddf_channel ch)
{
    rt_deferred_set(&rt.deferred, RT_DEFERRED_IRQ_ACK, ch);
}

int sddf_host_irq_fd(sddf_channel irq_ch)
{
    return irq_ch < SDDF_MAX_CHANNELS ? rt.ch[irq_ch].irq_fd : -1;
}

int sddf_host_device_fd(unsigned device_id)
{
    return device_id < HOST_BOOT_MAX_DEVICES ? rt.dev[device_id].fd : -1;
}

int sddf_host_device_out_fd(unsigned device_id)
{
    return device_id < HOST_BOOT_MAX_DEVICES ? rt.dev[device_id].out_fd : -1;
}

int sddf_host_device_kind(unsigned device_id)
{
    return device_id < HOST_BOOT_MAX_DEVICES ? (int)rt.dev[device_id].kind : 0;
}
