/*
 * os/host/runtime/irq.c - IRQs: a Linux device descriptor (TAP, timerfd,
 * eventfd, a device's duplicate) in the event loop with EPOLLONESHOT, so
 * after one notified() the IRQ stays masked until the driver acks it (seL4
 * semantics); the ack re-arms it. A device_out IRQ waits for EPOLLOUT, every
 * other kind for EPOLLIN. Also the device accessors of sddf/host/device.h.
 *
 * epoll refuses (EPERM) descriptors that are always ready: regular files
 * and some character devices such as /dev/null (`sddf run > file`,
 * `< /dev/null`). Such an IRQ is "always ready": it is delivered once at
 * start and once more after each ack, from the event loop between its waits
 * (rt_irq_deliver_ready), so the seL4 semantics hold: one notified() per
 * arming, masked until acked. A write to a regular file never blocks and a
 * read of /dev/null returns 0 at once, so a driver sees no EAGAIN, acks no
 * more, and the IRQ goes quiet.
 */
#include <errno.h>
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
        sddf_channel ch = view->irqs[i].id;
        struct epoll_event ev = irq_event(ch);
        if (epoll_ctl(rt.epoll_fd, EPOLL_CTL_ADD, view->irqs[i].fd, &ev) == 0) {
            continue;
        }
        if (errno != EPERM) {
            sddf_fatal("cannot wait on IRQ %u", ch);
        }
        rt.ch[ch].irq_always = true; /* armed like the others: fires once at start */
        rt.ch[ch].irq_ready = true;
        rt.irq_ready_count++;
    }
}

bool rt_irq_any_ready(void)
{
    return rt.irq_ready_count > 0;
}

void rt_irq_deliver_ready(void)
{
    /* one round: an IRQ acked inside its own notified() waits for the next
     * round, after the event loop has looked at its other sources */
    bool due[SDDF_MAX_CHANNELS];
    for (sddf_channel ch = 0; ch < SDDF_MAX_CHANNELS; ch++) {
        due[ch] = rt.ch[ch].irq_ready;
        if (due[ch]) {
            rt.ch[ch].irq_ready = false; /* masked until acked */
            rt.irq_ready_count--;
        }
    }
    for (sddf_channel ch = 0; ch < SDDF_MAX_CHANNELS; ch++) {
        if (due[ch]) {
            notified(ch);
            rt_deferred_flush();
        }
    }
}

void sddf_irq_ack(sddf_channel ch)
{
    if (ch >= SDDF_MAX_CHANNELS || rt.ch[ch].irq_fd < 0) {
        rt_channel_warn_once(ch, "irq ack");
        return;
    }
    if (rt.ch[ch].irq_always) {
        if (!rt.ch[ch].irq_ready) {
            rt.ch[ch].irq_ready = true;
            rt.irq_ready_count++;
        }
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
