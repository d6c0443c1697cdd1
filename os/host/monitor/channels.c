/*
 * os/host/monitor/channels.c - channel objects: one eventfd per direction
 * whose sending end may notify (non-blocking, so a saturated counter never
 * blocks a PD), and a SOCK_SEQPACKET socket pair per pp end for PPC. Only the
 * two PDs of a channel receive its descriptors, which makes a channel
 * unforgeable by a third PD.
 */
#include <errno.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include "monitor_internal.h"

int mon_channels_create(struct mon *m)
{
    const sys_system *sys = m->sys;
    for (size_t c = 0; c < sys->num_channels; c++) {
        struct mon_channel *mc = &m->chan[c];
        for (int k = 0; k < 2; k++) {
            const sys_channel_end *e = &sys->channels[c].end[k];
            if (e->notify) {
                mc->efd[k] = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
                if (mc->efd[k] < 0) {
                    mon_err("channel %zu: eventfd: %s", c, strerror(errno));
                    return -1;
                }
            }
            if (e->pp && socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, mc->ppc[k]) != 0) {
                mc->ppc[k][0] = mc->ppc[k][1] = -1;
                mon_err("channel %zu: socketpair: %s", c, strerror(errno));
                return -1;
            }
        }
    }
    return 0;
}
