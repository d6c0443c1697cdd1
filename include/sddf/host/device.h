/*
 * sddf/host/device.h - what a *driver* PD on the host (Linux) OS layer may
 * use beyond sddf/os.h: the Linux file descriptors behind its IRQ channels
 * and its devices.
 *
 * The monitor opens every device (TAP, timerfd, eventfd, disk image, tty...)
 * before the PD starts, while it still has privilege; the PD receives only
 * descriptors (sDDF design: a driver is as unprivileged as a client).
 * Components other than drivers must not use this header (they stay OS-free).
 *
 * Two kinds of descriptor:
 *   - IRQ channels (<irq id kind>): delivered as notified(id) when the
 *     descriptor becomes ready, then masked until sddf_irq_ack(id) re-arms
 *     it (seL4 semantics). The runtime never reads or resets an IRQ
 *     descriptor: the driver does (read a timerfd/eventfd, drain a TAP). A
 *     source still ready when acked fires again at once (level semantics).
 *     Every IRQ is armed when the PD starts, so a device_out IRQ fires once
 *     at start (the device has room): a driver acks it only when a write
 *     returned EAGAIN.
 *     Always-ready descriptors: epoll cannot wait on a regular file or on
 *     some character devices such as /dev/null (EPERM), e.g. `sddf run >
 *     file` or `< /dev/null`. Such an IRQ counts as always ready: it is
 *     delivered once at start and once again after each sddf_irq_ack
 *     (never more than once per ack, and never while masked). A write to a
 *     regular file never returns EAGAIN and a read of /dev/null returns 0
 *     (end of input) at once, so a driver that acks only on EAGAIN sees
 *     each of them once and then stops acking: no busy loop.
 *       kind="tap"        the TAP device; readable = frame received.
 *       kind="timerfd"    a CLOCK_MONOTONIC timerfd; readable = expired.
 *       kind="eventfd"    a fresh eventfd (EFD_NONBLOCK, counter mode);
 *                         readable = count nonzero. Meant for
 *                         io_uring_register_eventfd(): readable = a
 *                         completion was posted. The driver resets it
 *                         (read 8 bytes) before or after reaping the CQ.
 *       kind="device_in"  readable (EPOLLIN) on device N's input descriptor.
 *       kind="device_out" writable (EPOLLOUT) on device N's output descriptor.
 *     device_in/device_out use a duplicate of the device's descriptor (same
 *     open file, so reads/writes on either are the same), which lets both
 *     wait in one epoll set; they are allowed on tty devices only.
 *   - Devices (<device id kind path? read_only?>), numbered per PD by their
 *     own device ids 0 .. SDDF_HOST_MAX_DEVICES-1 (not channel ids):
 *       kind="block"  a disk image file or a block device, opened O_RDWR
 *                     (O_RDONLY if read_only="true": pwrite fails with
 *                     EBADF). O_DIRECT is set when the file system allows
 *                     it, else the descriptor is buffered: test
 *                     fcntl(fd, F_GETFL) & O_DIRECT (then buffers, offsets
 *                     and lengths must be aligned to the logical block
 *                     size; page-aligned regions satisfy the buffers).
 *                     Size: fstat (file) or ioctl BLKGETSIZE64 (block
 *                     device). The PD's RLIMIT_MEMLOCK is raised to cover
 *                     its maps, so its regions can be registered with
 *                     io_uring_register_buffers().
 *       kind="tty"    a terminal: sddf_host_device_fd() is the input,
 *                     sddf_host_device_out_fd() the output. With a path, one
 *                     open file (O_RDWR|O_NOCTTY) behind both, which must be
 *                     a tty or pty (isatty; /dev/null or a FIFO stops `sddf
 *                     run` with exit 2); without, whatever `sddf run` has as
 *                     stdin and stdout (a terminal, a pipe, a file,
 *                     /dev/null), reopened so the PD's O_NONBLOCK does not leak
 *                     into the shell's descriptors. A real terminal is in raw
 *                     mode while the system runs (no echo, no line editing,
 *                     no signals: Ctrl-C arrives as byte 0x03; no output
 *                     post-processing: "\n" is written as is). Input may end
 *                     (read() returns 0, e.g. stdin is a pipe or /dev/null):
 *                     then stop acking device_in, or it fires forever.
 *                     Output may end too: SIGPIPE is ignored in every PD,
 *                     so a write to a pipe whose reader has gone fails
 *                     with EPIPE.
 * Every descriptor is non-blocking and owned by the runtime: do not close it.
 */
#ifndef SDDF_HOST_DEVICE_H
#define SDDF_HOST_DEVICE_H

#include <sddf/os.h>

/** Most devices one PD may hold; device ids are 0 .. SDDF_HOST_MAX_DEVICES-1. */
#define SDDF_HOST_MAX_DEVICES 16u

/** Device kinds, as returned by sddf_host_device_kind (0 = no such device). */
#define SDDF_HOST_DEVICE_BLOCK 1
#define SDDF_HOST_DEVICE_TTY   2

/**
 * The device file descriptor delivered as IRQ channel @irq_ch, or -1 if @irq_ch
 * is not an IRQ channel of this PD. The descriptor is non-blocking and owned
 * by the runtime: do not close it.
 */
int sddf_host_irq_fd(sddf_channel irq_ch);

/**
 * The descriptor of device @device_id of this PD (a block device's only
 * descriptor; a tty's input), or -1 if the PD holds no such device.
 * Non-blocking, owned by the runtime: do not close it.
 */
int sddf_host_device_fd(unsigned device_id);

/**
 * The output descriptor of device @device_id: a tty's output (the stdout of
 * `sddf run` for the controlling terminal; the same open file as the input
 * for a tty path); for a block device the same descriptor as
 * sddf_host_device_fd(). -1 if the PD holds no such device.
 */
int sddf_host_device_out_fd(unsigned device_id);

/** SDDF_HOST_DEVICE_BLOCK or SDDF_HOST_DEVICE_TTY, or 0 if the PD holds no device @device_id. */
int sddf_host_device_kind(unsigned device_id);

#endif /* SDDF_HOST_DEVICE_H */
