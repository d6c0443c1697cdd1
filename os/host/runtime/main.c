/*
 * os/host/runtime/main.c - main() of every PD: set the PD up from what the
 * monitor passed (boot blob, regions, channels, IRQs, PPC endpoints,
 * configuration, statistics page, fault pipe), drop privileges, run init(),
 * then the event loop. Each step lives in its own file; any failure is fatal
 * with a message naming the PD.
 */
#include <signal.h>
#include <string.h>
#include <sys/epoll.h>
#include "runtime.h"

int main(int argc, char **argv)
{
    if (argc > 0 && argv[0]) { /* until the boot blob names us */
        strncpy(rt.name, argv[0], sizeof(rt.name) - 1);
    }
    struct host_boot_view view;
    rt_boot(&view);
    rt_fault_setup(&view); /* after any sanitizer's handlers: ours must win */
    /* A write to a pipe whose reader has gone fails with EPIPE, which the
     * driver handles (e.g. `sddf run ... | head`), instead of killing the PD. */
    signal(SIGPIPE, SIG_IGN);
    rt.epoll_fd = epoll_create1(EPOLL_CLOEXEC);
    if (rt.epoll_fd < 0) {
        sddf_fatal("epoll_create1 failed");
    }
    rt_maps_setup(&view);
    rt_config_setup(&view);
    rt_stats_setup(&view);
    rt_channels_setup(&view);
    rt_irq_setup(&view);
    rt_ppc_setup(&view);
    rt_sandbox_drop_privileges();
    init();
    rt_deferred_flush();
    rt_sandbox_enter();
    rt_event_loop();
}
