/*
 * os/host/runtime/runtime.h - internal state and mechanisms of the PD runtime
 * (the host OS layer linked into every PD). One instance per process: the
 * OS API of sddf/os.h has no context argument, as in Microkit.
 */
#ifndef SDDF_HOST_RUNTIME_H
#define SDDF_HOST_RUNTIME_H

#include <stdbool.h>
#include <stdint.h>
#include <sddf/os.h>
#include "../boot.h"
#include "../stats_page.h"
#include "deferred.h"

/** One channel id of this PD; every fd is -1 when not held. */
struct rt_channel {
    int notify_fd;       /* eventfd to signal the peer */
    int wait_fd;         /* eventfd the peer signals */
    int ppc_call_fd;     /* socket to call the peer */
    int ppc_serve_fd;    /* socket on which the peer calls us */
    int irq_fd;          /* device descriptor when this id is an IRQ */
    uint32_t irq_events; /* EPOLLIN or EPOLLOUT: what the IRQ waits for */
    bool irq_always;     /* epoll cannot wait on irq_fd (a regular file, /dev/null): always ready */
    bool irq_ready;      /* irq_always and armed: notified() is due (irq.c) */
    bool warned;         /* a misuse of this id has been logged already */
};

/** One device of this PD (sddf/host/device.h); fds are -1 when not held. */
struct rt_device {
    int fd;
    int out_fd;
    uint32_t kind; /* HOST_DEVICE_*, 0 = none */
};

/** The runtime's state. */
struct rt_state {
    char name[SDDF_NAME_LENGTH];
    struct rt_channel ch[SDDF_MAX_CHANNELS];
    struct rt_device dev[HOST_BOOT_MAX_DEVICES];
    bool log_crlf;      /* stderr is a raw terminal: end log lines with "\r\n" */
    bool warned_bad_id; /* an id >= SDDF_MAX_CHANNELS has been logged */
    int epoll_fd;
    unsigned irq_ready_count; /* channels with irq_ready set */
    const uint8_t *config;    /* read-only configuration blob, or NULL */
    size_t config_size;
    struct host_stats_page *stats; /* shared with the monitor, or NULL */
    size_t stats_capacity;
    int fault_fd;
    uint64_t mr[SDDF_MAX_MRS];
    struct rt_deferred deferred;
};

/** The one runtime instance (defined in state.c). */
extern struct rt_state rt;

/* Event-loop tags (epoll data: kind << 32 | channel id). */
enum rt_event_kind {
    RT_EV_CHANNEL = 1,
    RT_EV_IRQ = 2,
    RT_EV_PPC = 3,
};

/* boot.c: read and validate the blob at HOST_BOOT_FD, fill rt (names, fds). */
void rt_boot(struct host_boot_view *view);
/* maps.c: map every region at its declared vaddr (fatal on failure). */
void rt_maps_setup(const struct host_boot_view *view);
/* config.c: map the configuration blob read-only. */
void rt_config_setup(const struct host_boot_view *view);
/* stats.c: map the statistics page. */
void rt_stats_setup(const struct host_boot_view *view);
/* fault.c: install the fault handler on an alternate stack. */
void rt_fault_setup(const struct host_boot_view *view);
/* channels.c / irq.c / ppc.c: register event sources with epoll. */
void rt_channels_setup(const struct host_boot_view *view);
void rt_irq_setup(const struct host_boot_view *view);
void rt_ppc_setup(const struct host_boot_view *view);
/* irq.c: true if an always-ready IRQ is due (the event loop must not block). */
bool rt_irq_any_ready(void);
/* irq.c: deliver each due always-ready IRQ once (notified + deferred flush). */
void rt_irq_deliver_ready(void);
/* ppc.c: serve one call arriving on channel @ch. */
void rt_ppc_serve(sddf_channel ch);
/* channels.c: log a misuse of channel @ch once. Returns true if @ch < SDDF_MAX_CHANNELS. */
bool rt_channel_warn_once(sddf_channel ch, const char *what);
/* sandbox.c: before init(): no new privileges, no capabilities. */
void rt_sandbox_drop_privileges(void);
/* sandbox.c: after init(): the system-call allow-list (seam, not yet enforced). */
void rt_sandbox_enter(void);
/* event_loop.c: wait and dispatch forever. */
_Noreturn void rt_event_loop(void);
/* deferred flush after every handler invocation (event_loop.c). */
void rt_deferred_flush(void);

#endif /* SDDF_HOST_RUNTIME_H */
