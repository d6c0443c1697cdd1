/*
 * os/host/runtime/boot.c - read the boot blob the monitor passed at
 * HOST_BOOT_FD, validate it (boot_parse.c) and record the PD's descriptors
 * (channels, IRQs and what each waits for, devices) and flags.
 */
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include "runtime.h"

void rt_boot(struct host_boot_view *view)
{
    struct stat st;
    if (fstat(HOST_BOOT_FD, &st) != 0) {
        sddf_fatal("no boot information at fd %d: not started by the sddf monitor?", HOST_BOOT_FD);
    }
    if (st.st_size <= 0 || (uint64_t)st.st_size > HOST_BOOT_MAX_SIZE) {
        sddf_fatal("boot information of %lld bytes", (long long)st.st_size);
    }
    /* Mapped (page-aligned, read-only) and kept for the PD's lifetime. */
    void *blob = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, HOST_BOOT_FD, 0);
    if (blob == MAP_FAILED) {
        sddf_fatal("cannot map boot information");
    }
    close(HOST_BOOT_FD);
    char err[160];
    if (host_boot_parse(blob, (size_t)st.st_size, view, err, sizeof(err)) != 0) {
        sddf_fatal("invalid boot information: %s", err);
    }
    const struct host_boot_header *h = view->hdr;
    memcpy(rt.name, h->pd_name, sizeof(rt.name)); /* NUL-terminated: checked */

    for (unsigned i = 0; i < SDDF_MAX_CHANNELS; i++) {
        rt.ch[i] = (struct rt_channel){
            .notify_fd = -1, .wait_fd = -1, .ppc_call_fd = -1, .ppc_serve_fd = -1, .irq_fd = -1};
    }
    for (uint32_t i = 0; i < h->num_channels; i++) {
        const struct host_boot_channel *c = &view->channels[i];
        rt.ch[c->id].notify_fd = c->notify_fd;
        rt.ch[c->id].wait_fd = c->wait_fd;
        rt.ch[c->id].ppc_call_fd = c->ppc_call_fd;
        rt.ch[c->id].ppc_serve_fd = c->ppc_serve_fd;
    }
    for (uint32_t i = 0; i < h->num_irqs; i++) {
        rt.ch[view->irqs[i].id].irq_fd = view->irqs[i].fd;
        rt.ch[view->irqs[i].id].irq_events =
            view->irqs[i].kind == HOST_IRQ_DEVICE_OUT ? EPOLLOUT : EPOLLIN;
    }
    for (unsigned i = 0; i < HOST_BOOT_MAX_DEVICES; i++) {
        rt.dev[i] = (struct rt_device){-1, -1, 0};
    }
    for (uint32_t i = 0; i < h->num_devices; i++) {
        const struct host_boot_device *d = &view->devices[i];
        rt.dev[d->id] = (struct rt_device){d->fd, d->out_fd >= 0 ? d->out_fd : d->fd, d->kind};
    }
    rt.log_crlf = (h->flags & HOST_BOOT_F_STDERR_CRLF) != 0;
    rt.fault_fd = h->fault_fd;
}
