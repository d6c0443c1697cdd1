/*
 * os/host/runtime/channels.c - notifications. A channel is one eventfd per
 * direction, created by the monitor: notify = write 1; the receiver's read
 * resets the counter, which gives seL4's binary, coalescing semantics.
 * A PD can signal only the channel ends it was given; anything else is
 * ignored and logged once per channel id.
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "runtime.h"

bool rt_channel_warn_once(sddf_channel ch, const char *what)
{
    if (ch >= SDDF_MAX_CHANNELS) {
        if (!rt.warned_bad_id) {
            rt.warned_bad_id = true;
            sddf_log("%s: channel id %u out of range; ignored (logged once)", what, ch);
        }
        return false;
    }
    if (!rt.ch[ch].warned) {
        rt.ch[ch].warned = true;
        sddf_log("%s: channel %u not held with that right; ignored (logged once)", what, ch);
    }
    return true;
}

void rt_channels_setup(const struct host_boot_view *view)
{
    for (uint32_t i = 0; i < view->hdr->num_channels; i++) {
        const struct host_boot_channel *c = &view->channels[i];
        if (c->wait_fd < 0) {
            continue;
        }
        struct epoll_event ev = {.events = EPOLLIN,
                                 .data.u64 = ((uint64_t)RT_EV_CHANNEL << 32) | c->id};
        if (epoll_ctl(rt.epoll_fd, EPOLL_CTL_ADD, c->wait_fd, &ev) != 0) {
            sddf_fatal("cannot wait on channel %u", c->id);
        }
    }
}

void sddf_notify(sddf_channel ch)
{
    if (ch >= SDDF_MAX_CHANNELS || rt.ch[ch].notify_fd < 0) {
        rt_channel_warn_once(ch, "notify");
        return;
    }
    uint64_t one = 1;
    ssize_t w;
    do {
        w = write(rt.ch[ch].notify_fd, &one, sizeof(one));
    } while (w < 0 && errno == EINTR);
    /* EAGAIN: the counter is saturated, so a signal is pending anyway. */
}

void sddf_deferred_notify(sddf_channel ch)
{
    rt_deferred_set(&rt.deferred, RT_DEFERRED_NOTIFY, ch);
}

int sddf_deferred_notify_curr(void)
{
    return rt_deferred_notify_curr(&rt.deferred);
}

void rt_deferred_flush(void)
{
    struct rt_deferred d = rt_deferred_take(&rt.deferred);
    if (d.kind == RT_DEFERRED_NOTIFY) {
        sddf_notify(d.ch);
    } else if (d.kind == RT_DEFERRED_IRQ_ACK) {
        sddf_irq_ack(d.ch);
    }
}

const char *sddf_get_pd_name(void)
{
    return rt.name;
}
