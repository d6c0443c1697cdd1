/*
 * os/host/boot.h - the boot information the monitor hands a PD (private to
 * the host OS layer: monitor and runtime are always built together).
 *
 * The monitor writes one blob per PD into a sealed memfd and passes it as
 * file descriptor HOST_BOOT_FD (read-only). Every other object of the PD
 * (region memfds, eventfds, PPC sockets, device fds, config, stats page,
 * fault pipe) is passed at a fixed descriptor number >= HOST_BOOT_FIRST_FD
 * that the blob names. Layout: a host_boot_header, then num_maps
 * host_boot_map, num_channels host_boot_channel, num_irqs host_boot_irq and
 * num_devices host_boot_device, packed back to back; header.size is the
 * exact total. The runtime trusts
 * the monitor but still validates every field (a bad blob is a fatal error).
 */
#ifndef SDDF_HOST_BOOT_H
#define SDDF_HOST_BOOT_H

#include <stddef.h>
#include <stdint.h>
#include <sddf/os.h>

#define HOST_BOOT_FD       3    /* descriptor of the boot blob in a PD */
#define HOST_BOOT_FIRST_FD 4    /* first descriptor of the PD's objects */
#define HOST_BOOT_MAX_FDS  1024 /* descriptors a PD may receive, beyond HOST_BOOT_FIRST_FD */
#define HOST_BOOT_MAX_MAPS 256  /* maps per PD */
#define HOST_BOOT_MAGIC    "sDDFboot"
#define HOST_BOOT_VERSION  2u         /* 2: devices, flags */
#define HOST_BOOT_MAX_SIZE (1u << 20) /* a blob larger than this is rejected */

/**
 * Descriptors a PD receives at most (the monitor's count, boot_build.c): its
 * configuration, statistics page and fault pipe, one per map and per IRQ,
 * two per device (a tty's input and output) and four per channel end
 * (notify, wait, PPC call, PPC serve). `sddf check` and the monitor both
 * require it to be at most HOST_BOOT_MAX_FDS.
 */
static inline size_t host_boot_fd_bound(size_t maps, size_t irqs, size_t devices,
                                        size_t channel_ends)
{
    return 3 + maps + irqs + 2 * devices + 4 * channel_ends;
}

/** Map permissions; equal to SYS_PERM_* of tools/system.h (the monitor asserts it). */
#define HOST_PERM_R 1u
#define HOST_PERM_W 2u
#define HOST_PERM_X 4u

/** Most devices per PD; equal to SYS_MAX_DEVICES and SDDF_HOST_MAX_DEVICES. */
#define HOST_BOOT_MAX_DEVICES 16u

/** Header flags. */
#define HOST_BOOT_F_STDERR_CRLF 1u /* stderr is a terminal in raw mode: end log lines "\r\n" */

/** Fixed part of the blob (128 bytes). An fd field of -1 means "none". */
struct host_boot_header {
    char magic[8]; /* HOST_BOOT_MAGIC, not NUL-terminated */
    uint32_t version;
    uint32_t size;                  /* bytes of the whole blob */
    char pd_name[SDDF_NAME_LENGTH]; /* NUL-terminated */
    uint32_t num_maps;
    uint32_t num_channels;
    uint32_t num_irqs;
    int32_t config_fd;    /* read-only sealed memfd, or -1 */
    uint64_t config_size; /* bytes of configuration records in config_fd */
    int32_t stats_fd;     /* rw memfd of the statistics page, or -1 */
    uint32_t stats_size;  /* bytes, HOST_STATS_PAGE_SIZE */
    int32_t fault_fd;     /* write end of the fault pipe, or -1 */
    uint32_t num_devices; /* host_boot_device entries after the IRQs */
    uint32_t flags;       /* HOST_BOOT_F_* */
    uint32_t reserved;
};
_Static_assert(sizeof(struct host_boot_header) == 128, "boot header is 128 bytes");

/** A region to map at vaddr (32 bytes). */
struct host_boot_map {
    uint64_t vaddr;     /* page_size aligned */
    uint64_t size;      /* bytes, a multiple of page_size */
    uint64_t page_size; /* 4096 or 2 MiB */
    int32_t fd;         /* read-only descriptor when perms has no W */
    uint32_t perms;     /* HOST_PERM_* bits, R always set */
};
_Static_assert(sizeof(struct host_boot_map) == 32, "boot map is 32 bytes");

/** One channel end held by the PD (24 bytes); unused fds are -1. */
struct host_boot_channel {
    uint32_t id;          /* 0 .. SDDF_MAX_CHANNELS-1 */
    int32_t notify_fd;    /* eventfd this PD writes to signal the peer */
    int32_t wait_fd;      /* eventfd the peer writes to signal this PD */
    int32_t ppc_call_fd;  /* SOCK_SEQPACKET end to call the peer's protected() */
    int32_t ppc_serve_fd; /* SOCK_SEQPACKET end on which the peer calls this PD */
    uint32_t reserved;
};
_Static_assert(sizeof(struct host_boot_channel) == 24, "boot channel is 24 bytes");

/** IRQ kinds; equal to enum sys_irq_kind of tools/system.h (the monitor asserts it). */
#define HOST_IRQ_TAP        0u
#define HOST_IRQ_TIMERFD    1u
#define HOST_IRQ_EVENTFD    2u
#define HOST_IRQ_DEVICE_IN  3u /* waited for readable */
#define HOST_IRQ_DEVICE_OUT 4u /* waited for writable; every other kind: readable */

/** Device kinds; equal to enum sys_device_kind. */
#define HOST_DEVICE_BLOCK 1u
#define HOST_DEVICE_TTY   2u

/** One IRQ channel (16 bytes): a Linux device descriptor. */
struct host_boot_irq {
    uint32_t id;   /* channel id, distinct from every channel's id */
    int32_t fd;    /* non-blocking device descriptor */
    uint32_t kind; /* HOST_IRQ_*: which readiness to wait for */
    uint32_t reserved;
};
_Static_assert(sizeof(struct host_boot_irq) == 16, "boot irq is 16 bytes");

/** One device (16 bytes); see sddf/host/device.h. */
struct host_boot_device {
    uint32_t id;    /* device id, 0 .. HOST_BOOT_MAX_DEVICES-1, unique in the PD */
    uint32_t kind;  /* enum sys_device_kind: 1 block, 2 tty */
    int32_t fd;     /* the device (a tty's input) */
    int32_t out_fd; /* a tty's output, or -1 = fd */
};
_Static_assert(sizeof(struct host_boot_device) == 16, "boot device is 16 bytes");

/** A validated view into a boot blob (pointers into the caller's buffer). */
struct host_boot_view {
    const struct host_boot_header *hdr;
    const struct host_boot_map *maps;
    const struct host_boot_channel *channels;
    const struct host_boot_irq *irqs;
    const struct host_boot_device *devices;
};

/**
 * Validate the boot blob @buf of @len bytes (8-byte aligned) and fill @out.
 * Checks magic, version, sizes (overflow-safe), NUL-terminated name, fd
 * ranges, alignment of maps, channel/IRQ id ranges and uniqueness, device
 * ids, kinds and fds.
 * Returns 0, or -1 with a reason in @err (@errlen bytes).
 */
int host_boot_parse(const void *buf, size_t len, struct host_boot_view *out, char *err,
                    size_t errlen);

#endif /* SDDF_HOST_BOOT_H */
