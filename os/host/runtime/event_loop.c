/*
 * os/host/runtime/event_loop.c - the PD's only wait: epoll over its channel
 * eventfds, IRQ device fds and PPC sockets; then notified() per ready channel
 * or IRQ, protected() per call, and after EACH handler invocation the flush of
 * the one deferred slot (sDDF design, "batching"). IRQs epoll cannot wait
 * on are delivered between the waits (irq.c).
 */
#include <errno.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <unistd.h>
#include "runtime.h"

#define RT_MAX_EVENTS 64

/* Reset the channel's eventfd. Returns false if no signal was pending. */
static bool channel_consume(sddf_channel ch)
{
    uint64_t v;
    ssize_t n;
    do {
        n = read(rt.ch[ch].wait_fd, &v, sizeof(v));
    } while (n < 0 && errno == EINTR);
    return n == (ssize_t)sizeof(v);
}

static void dispatch(uint64_t tag)
{
    uint32_t kind = (uint32_t)(tag >> 32);
    sddf_channel ch = (sddf_channel)(tag & 0xffffffffu);
    if (ch >= SDDF_MAX_CHANNELS) {
        return;
    }
    switch (kind) {
    case RT_EV_CHANNEL:
        if (channel_consume(ch)) {
            notified(ch);
        }
        break;
    case RT_EV_IRQ: /* masked (one-shot) until sddf_irq_ack */
        notified(ch);
        break;
    case RT_EV_PPC:
        rt_ppc_serve(ch);
        break;
    default:
        break;
    }
}

_Noreturn void rt_event_loop(void)
{
    struct epoll_event evs[RT_MAX_EVENTS];
    for (;;) {
        /* an always-ready IRQ (irq.c) is due: look, but do not wait */
        int n = epoll_wait(rt.epoll_fd, evs, RT_MAX_EVENTS, rt_irq_any_ready() ? 0 : -1);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            sddf_fatal("epoll_wait failed");
        }
        for (int i = 0; i < n; i++) {
            dispatch(evs[i].data.u64);
            rt_deferred_flush();
        }
        rt_irq_deliver_ready();
    }
}
