/*
 * tools/system.h - the expanded, low-level system model.
 *
 * The system tool reads a description (Microkit vocabulary plus class-level
 * elements such as <net> and <timer>), expands the classes into protection
 * domains, memory regions, maps and channels, checks the result, and hands
 * this model to `sddf describe` (which prints it) and to the monitor behind
 * `sddf run` (which builds it out of memfds, eventfds and processes).
 *
 * Every array is owned by the sys_system and released by sys_free().
 * `line` fields give the line in the description an entity came from (for
 * FILE:LINE errors); 0 means generated with no line of its own.
 */
#ifndef SDDF_TOOLS_SYSTEM_H
#define SDDF_TOOLS_SYSTEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Limits of a model that `sddf run` can build. The system tool checks each
 * of them with a FILE:LINE error (tools/system_check.c) and the monitor
 * checks them again before it creates anything (os/host/monitor/validate.c),
 * so a description that passes `sddf check` is never refused by `sddf run`
 * for a limit. The boot format's own limits (maps and descriptors per PD)
 * are in os/host/boot.h.
 */
/** Most PDs in one system: PD i runs under uid/gid MONITOR_PD_ID_BASE + i (monitor.h). */
#define SYS_MAX_PDS 4096u
/** Largest memory region: a sanity bound far above any real queue or data region (64 GiB). */
#define SYS_MAX_REGION_SIZE (64ull << 30)
/** Longest region name: the memfd name limit (NAME_MAX 255 minus "memfd:"). */
#define SYS_MAX_REGION_NAME 249u
/** Largest configuration blob of one PD (all its records), in bytes. */
#define SYS_MAX_CONFIG_SIZE (1u << 20)

/** Map permissions (Microkit's perms="r", "rw", "rx", ...). */
enum sys_perm {
    SYS_PERM_R = 1u,
    SYS_PERM_W = 2u,
    SYS_PERM_X = 4u,
};

/**
 * What a region is for. Class expansion sets it; the isolation checks
 * (tools/system_check.c) and `sddf describe` use it. Regions written as
 * <memory_region> are SYS_REGION_PLAIN.
 */
enum sys_region_kind {
    SYS_REGION_PLAIN = 0,   /* declared in the description */
    SYS_REGION_QUEUE,       /* one SPSC queue: mapped rw by exactly its two PDs */
    SYS_REGION_DMA,         /* a device's receive buffers: never in a client */
    SYS_REGION_METADATA,    /* private bookkeeping of one component */
    SYS_REGION_CLIENT_DATA, /* a client's own rx or tx buffers */
};

/** A memory region: backed by one memfd, shared by every PD that maps it. */
typedef struct sys_region {
    char *name;
    uint64_t size;      /* bytes, a multiple of page_size */
    uint64_t page_size; /* 4096 or 2 MiB (hugepages) */
    uint64_t io_addr;   /* synthetic IO base for device-reachable regions, else 0 */
    int line;
    /* Added by the system tool (compatible: zero = a plain declared region). */
    enum sys_region_kind kind;
    bool client_private; /* holds data or queues of client PD `client` only */
    size_t client;       /* index into sys_system.pds if client_private */
    char *origin;        /* class element it was generated from, NULL = declared */
} sys_region;

/** A mapping of a region into a PD. */
typedef struct sys_map {
    size_t region; /* index into sys_system.regions */
    uint64_t vaddr;
    unsigned perms; /* SYS_PERM_* */
    bool cached;
    int line;
    char *origin; /* class element that generated it, NULL = declared (added field) */
} sys_map;

/** Kinds of Linux device that stand in for an IRQ. */
enum sys_irq_kind {
    SYS_IRQ_TAP,     /* the fd of a TAP device; readable = frame received */
    SYS_IRQ_TIMERFD, /* a CLOCK_MONOTONIC timerfd; readable = expired */
    /* Added for io_uring drivers (compatible: appended). */
    SYS_IRQ_EVENTFD,    /* a fresh non-blocking eventfd; readable = count nonzero
                           (e.g. io_uring_register_eventfd: a completion) */
    SYS_IRQ_DEVICE_IN,  /* a device of the same PD has input (EPOLLIN on its input fd) */
    SYS_IRQ_DEVICE_OUT, /* a device of the same PD has output room (EPOLLOUT on its output fd) */
};

/** An IRQ delivered to a PD as notified(id). */
typedef struct sys_irq {
    unsigned id; /* channel id in the PD, 0..62 */
    enum sys_irq_kind kind;
    size_t device; /* SYS_IRQ_TAP: index into sys_system.taps;
                      SYS_IRQ_DEVICE_IN/OUT: index into sys_system.devices
                      (a device of the same PD); else unused */
    int line;
} sys_irq;

/** Kinds of device descriptor a PD may hold besides its IRQs. */
enum sys_device_kind {
    SYS_DEVICE_BLOCK = 1, /* a disk image file or a block device */
    SYS_DEVICE_TTY = 2,   /* a terminal: a tty/pty by path, or the one `sddf run` runs on */
};

/** Most devices one PD may hold; device ids are 0 .. SYS_MAX_DEVICES-1. */
#define SYS_MAX_DEVICES 16u

/**
 * A device the monitor opens before the PDs start and hands to PD @pd as
 * device @id (its own id space, separate from channel ids; see
 * sddf/host/device.h). SYS_DEVICE_BLOCK: @path is opened O_RDWR, or
 * O_RDONLY if @read_only, with O_DIRECT when the file system allows it.
 * SYS_DEVICE_TTY: @path is opened O_RDWR|O_NOCTTY; @path NULL means the
 * terminal `sddf run` was started from (its stdin for input, its stdout for
 * output). A terminal is put in raw mode while the system runs.
 */
typedef struct sys_device {
    enum sys_device_kind kind;
    char *path;     /* absolute after sys_load (relative ones are taken from the
                       description's folder); NULL only for a TTY */
    bool read_only; /* SYS_DEVICE_BLOCK only */
    size_t pd;      /* index into sys_system.pds */
    unsigned id;    /* device id in that PD, 0 .. SYS_MAX_DEVICES-1 */
    int line;
    char *origin; /* class element that generated it, NULL = declared */
} sys_device;

/** A protection domain: one sandboxed process. */
typedef struct sys_pd {
    char *name;         /* < SDDF_NAME_LENGTH bytes */
    char *program;      /* as written in <program_image path=...> */
    char *program_path; /* resolved path of the executable */
    unsigned priority;  /* 0..254 */
    bool passive;
    int cpu; /* CPU to run on, -1 = the system's default placement */
    sys_map *maps;
    size_t num_maps;
    sys_irq *irqs;
    size_t num_irqs;
    uint8_t *config; /* concatenated records, see sddf/config.h; may be NULL */
    size_t config_size;
    int line;
    char *origin; /* class element that generated it, NULL = declared (added field) */
} sys_pd;

/** One end of a channel. */
typedef struct sys_channel_end {
    size_t pd;   /* index into sys_system.pds */
    unsigned id; /* channel id in that PD, 0..62 */
    bool pp;     /* this end may PPC the other (whose priority is higher) */
    bool notify; /* this end may notify the other (Microkit default: true) */
} sys_channel_end;

/** A channel between two PDs. */
typedef struct sys_channel {
    sys_channel_end end[2];
    int line;
    char *origin; /* class element that generated it, NULL = declared (added field) */
} sys_channel;

/** A TAP device the monitor creates before the PDs start, and removes at the end. */
typedef struct sys_tap {
    char *name;         /* Linux interface name, < 16 bytes */
    uint32_t host_addr; /* the Linux side's IPv4 address, network byte order; 0 = none */
    uint8_t prefix_len; /* 0..32 */
    uint16_t mtu;       /* Linux side MTU, 68..65535 */
    int line;
    char *origin; /* class element that generated it, NULL = declared (added field) */
} sys_tap;

/** A whole expanded system. */
typedef struct sys_system {
    char *file; /* the description's path, for messages */
    sys_region *regions;
    size_t num_regions;
    sys_pd *pds;
    size_t num_pds;
    sys_channel *channels;
    size_t num_channels;
    sys_tap *taps;
    size_t num_taps;
    sys_device *devices; /* added (compatible: zero = none) */
    size_t num_devices;
} sys_system;

/**
 * Read, expand and check the description at @path. Programs are resolved
 * against @program_dir when not found relative to the description's folder
 * (NULL: skip resolution, program_path stays NULL). Every problem is written
 * to @err as "FILE:LINE: what is wrong" (one line each).
 * Returns 0 and fills *@out, or -1 (nothing to free) if the description has
 * any error.
 */
int sys_load(const char *path, const char *program_dir, sys_system *out, FILE *err);

/** Print @sys in the low-level description form (XML) to @out. Returns 0, or -1 on write error. */
int sys_describe(const sys_system *sys, FILE *out);

/** Release everything sys_load allocated; *@sys is zeroed. */
void sys_free(sys_system *sys);

#endif /* SDDF_TOOLS_SYSTEM_H */
