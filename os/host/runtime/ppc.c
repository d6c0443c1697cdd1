/*
 * os/host/runtime/ppc.c - protected procedure calls. Per channel with a pp
 * end, the monitor creates a SOCK_SEQPACKET socket pair: the caller sends
 * {label, count, MRs} and blocks for the reply; the callee's event loop
 * validates the message, loads the MRs, runs protected() and replies with its
 * msginfo and MRs. A vanished peer or a malformed message gives the caller
 * SDDF_PPC_ERROR (sddf/os.h).
 */
#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>
#include "ppc_msg.h"
#include "runtime.h"

static sddf_msginfo ppc_error(void)
{
    return sddf_msginfo_new(SDDF_PPC_ERROR, 0);
}

static ssize_t send_msg(int fd, const struct rt_ppc_msg *m)
{
    ssize_t n;
    do {
        n = send(fd, m, rt_ppc_msg_len(m->count), MSG_NOSIGNAL);
    } while (n < 0 && errno == EINTR);
    return n;
}

static ssize_t recv_msg(int fd, struct rt_ppc_msg *m, int flags)
{
    ssize_t n;
    do {
        n = recv(fd, m, sizeof(*m), flags | MSG_TRUNC);
    } while (n < 0 && errno == EINTR);
    return n;
}

void rt_ppc_setup(const struct host_boot_view *view)
{
    for (uint32_t i = 0; i < view->hdr->num_channels; i++) {
        const struct host_boot_channel *c = &view->channels[i];
        if (c->ppc_serve_fd < 0) {
            continue;
        }
        struct epoll_event ev = {.events = EPOLLIN,
                                 .data.u64 = ((uint64_t)RT_EV_PPC << 32) | c->id};
        if (epoll_ctl(rt.epoll_fd, EPOLL_CTL_ADD, c->ppc_serve_fd, &ev) != 0) {
            sddf_fatal("cannot serve PPC on channel %u", c->id);
        }
    }
}

sddf_msginfo sddf_ppcall(sddf_channel ch, sddf_msginfo msginfo)
{
    if (ch >= SDDF_MAX_CHANNELS || rt.ch[ch].ppc_call_fd < 0) {
        rt_channel_warn_once(ch, "ppcall");
        return ppc_error();
    }
    int fd = rt.ch[ch].ppc_call_fd;
    struct rt_ppc_msg m = {.label = msginfo.label,
                           .count = msginfo.count > SDDF_MAX_MRS ? SDDF_MAX_MRS : msginfo.count};
    memcpy(m.mr, rt.mr, sizeof(uint64_t) * m.count);
    if (send_msg(fd, &m) < 0) {
        return ppc_error(); /* EPIPE/ECONNRESET: the callee is gone */
    }
    struct rt_ppc_msg reply;
    ssize_t n = recv_msg(fd, &reply, 0);
    if (n <= 0) {
        return ppc_error();
    }
    if (!rt_ppc_msg_valid(&reply, n)) {
        rt_channel_warn_once(ch, "ppcall: malformed reply");
        return ppc_error();
    }
    memcpy(rt.mr, reply.mr, sizeof(uint64_t) * reply.count);
    return sddf_msginfo_new(reply.label, reply.count);
}

/* The caller closed its end: stop serving this channel. */
static void serve_close(sddf_channel ch)
{
    epoll_ctl(rt.epoll_fd, EPOLL_CTL_DEL, rt.ch[ch].ppc_serve_fd, NULL);
    close(rt.ch[ch].ppc_serve_fd);
    rt.ch[ch].ppc_serve_fd = -1;
}

void rt_ppc_serve(sddf_channel ch)
{
    if (ch >= SDDF_MAX_CHANNELS || rt.ch[ch].ppc_serve_fd < 0) {
        return; /* closed earlier in this batch of events */
    }
    int fd = rt.ch[ch].ppc_serve_fd;
    struct rt_ppc_msg m;
    ssize_t n = recv_msg(fd, &m, MSG_DONTWAIT);
    if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) {
        serve_close(ch);
        return;
    }
    if (n < 0) {
        return;
    }
    struct rt_ppc_msg reply = {.label = SDDF_PPC_ERROR, .count = 0};
    if (rt_ppc_msg_valid(&m, n)) {
        memcpy(rt.mr, m.mr, sizeof(uint64_t) * m.count);
        sddf_msginfo r = protected(ch, sddf_msginfo_new(m.label, m.count));
        reply.label = r.label;
        reply.count = r.count > SDDF_MAX_MRS ? SDDF_MAX_MRS : r.count;
        memcpy(reply.mr, rt.mr, sizeof(uint64_t) * reply.count);
    } else {
        rt_channel_warn_once(ch, "protected: malformed call");
    }
    if (send_msg(fd, &reply) < 0) {
        serve_close(ch); /* the caller is gone */
    }
}

uint64_t sddf_get_mr(unsigned n)
{
    return n < SDDF_MAX_MRS ? rt.mr[n] : 0;
}

void sddf_set_mr(unsigned n, uint64_t value)
{
    if (n < SDDF_MAX_MRS) {
        rt.mr[n] = value;
    }
}

/* Default for PDs that accept no PPC (sddf/os.h). */
__attribute__((weak)) sddf_msginfo protected(sddf_channel ch, sddf_msginfo msginfo)
{
    sddf_log("PPC on channel %u (label %llu) but this PD has no protected()", ch,
             (unsigned long long)msginfo.label);
    return sddf_msginfo_new(0, 0);
}
