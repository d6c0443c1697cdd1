/*
 * sddf/host/device.h - what a *driver* PD on the host (Linux) OS layer may
 * use beyond sddf/os.h: the Linux file descriptor behind an IRQ channel.
 *
 * The monitor opens every device (TAP, timerfd, ...) before the PD starts;
 * the PD receives only the descriptor, which doubles as its IRQ source:
 * readable = interrupt pending. Components other than drivers must not use
 * this header (they stay OS-free).
 */
#ifndef SDDF_HOST_DEVICE_H
#define SDDF_HOST_DEVICE_H

#include <sddf/os.h>

/**
 * The device file descriptor delivered as IRQ channel @irq_ch, or -1 if @irq_ch
 * is not an IRQ channel of this PD. The descriptor is non-blocking and owned
 * by the runtime: do not close it.
 */
int sddf_host_irq_fd(sddf_channel irq_ch);

#endif /* SDDF_HOST_DEVICE_H */
