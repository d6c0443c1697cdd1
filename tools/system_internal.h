/*
 * tools/system_internal.h - shared state and helpers of the system tool's
 * loader (sys_load). Not installed; used by tools/system_*.c and the unit
 * tests only.
 *
 * sys_load runs in phases over one sys_builder:
 *   1. system_xml.c      read the file with libxml2, check the root element;
 *   2. system_microkit.c <memory_region>, <host_tap>, <protection_domain>
 *                        (with <map>, <irq>, <device>), <channel>
 *                        (Microkit vocabulary, host form);
 *   3. system_net.c,     expand the class-level elements <net> and <timer>
 *      system_timer.c    into PDs, regions, maps, channels and IRQs, and
 *                        write each PD's configuration records
 *                        (system_config.c, system_net_config.c);
 *   4. system_check.c    check the expanded model (overlaps, PPC priorities,
 *                        programs, isolation invariants).
 * Every problem is reported as "FILE:LINE: what is wrong" and counted; the
 * model is released if the count is not zero, so nothing half-built escapes.
 */
#ifndef SDDF_TOOLS_SYSTEM_INTERNAL_H
#define SDDF_TOOLS_SYSTEM_INTERNAL_H

#include <libxml/tree.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <sddf/config.h>

#include "system.h"

/** The page size regions are counted in (x86-64 and arm64 Linux base pages). */
#define SYS_PAGE_SIZE 0x1000ull
/** The only other page size a region may ask for (a 2 MiB huge page). */
#define SYS_HUGE_PAGE_SIZE 0x200000ull
/** Lowest address a map may use (Linux's default vm.mmap_min_addr). */
#define SYS_VADDR_MIN 0x10000ull
/** End of the user address space with 4-level paging (x86-64 TASK_SIZE: 2^47 - one page). */
#define SYS_VADDR_END 0x7ffffffff000ull
/** Generated maps go from here upward: above the ASan shadow and the heap. */
#define SYS_VADDR_BASE 0x200000000000ull
/** Synthetic IO addresses start here (nonzero, so 0 can mean "none"). */
#define SYS_IO_BASE 0x10000000ull
/** Synthetic IO ranges are aligned to this and separated by at least this. */
#define SYS_IO_ALIGN 0x100000ull
/** "No index" for size_t indices. */
#define SYS_NONE SIZE_MAX

/** A PD's membership in a class instance (one net, or one timer). */
typedef struct sys_member {
    size_t pd;
    const char *cls; /* the class instance's name, e.g. "net0" */
    int line;
} sys_member;

/** A named class instance (for duplicate-name checks). */
typedef struct sys_class_name {
    const char *name;
    int line;
} sys_class_name;

/** The loader's state for one sys_load call. */
typedef struct sys_builder {
    sys_system *sys;
    FILE *err;
    const char *file;        /* the description's path as given */
    char *dir;               /* its folder (owned) */
    const char *program_dir; /* NULL = do not resolve programs */
    unsigned errors;
    size_t num_declared_pds; /* pds[0 .. n) are <protection_domain> elements */
    uint64_t next_io;        /* next free synthetic IO address */
    xmlChar **strings;       /* attribute values handed out by sys_attr() */
    size_t num_strings;
    sys_member *net_members; /* client PD -> net */
    size_t num_net_members;
    sys_member *timer_members; /* client PD -> timer */
    size_t num_timer_members;
    sys_member *serial_members; /* client PD -> serial (added) */
    size_t num_serial_members;
    sys_member *blk_members; /* client PD -> blk (added) */
    size_t num_blk_members;
    sys_class_name *classes; /* names of <net> and <timer> instances */
    size_t num_classes;
} sys_builder;

/* ---- errors and memory (system_model.c) ------------------------------- */

/** Report "FILE:LINE: message" and count it. */
void sys_error(sys_builder *b, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/** realloc of @n elements of @size, or abort with a message (a tool has no useful recovery). */
void *sys_xrealloc(void *p, size_t n, size_t size);
/** strdup or abort; NULL stays NULL. */
char *sys_xstrdup(const char *s);
/** asprintf or abort. */
char *sys_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- the model (system_model.c) -------------------------------------- */

/** Index of the region / PD called @name, or SYS_NONE. */
size_t sys_find_region(const sys_system *sys, const char *name);
size_t sys_find_pd(const sys_system *sys, const char *name);
size_t sys_find_tap(const sys_system *sys, const char *name);

/**
 * Add a region / PD / TAP. A name already in use is reported (at @line) but
 * the entity is still added, so expansion can carry on and report more.
 * @origin (may be NULL) is copied. Returns the new index.
 */
size_t sys_add_region(sys_builder *b, const char *name, uint64_t size, enum sys_region_kind kind,
                      int line, const char *origin);
size_t sys_add_pd(sys_builder *b, const char *name, const char *program, unsigned priority,
                  int line, const char *origin);
size_t sys_add_tap(sys_builder *b, const char *name, uint32_t host_addr, uint8_t prefix_len,
                   uint16_t mtu, int line, const char *origin);

/** Add a map of @region at @vaddr to @pd (no checks: system_check.c does them). */
void sys_add_map(sys_builder *b, size_t pd, size_t region, uint64_t vaddr, unsigned perms, int line,
                 const char *origin);

/**
 * Map @region into @pd at a generated address: the lowest address from
 * SYS_VADDR_BASE, aligned to the region's page size, with an unmapped guard
 * page on both sides of every existing map of the PD. Returns the vaddr.
 */
uint64_t sys_map_generated(sys_builder *b, size_t pd, size_t region, unsigned perms, int line,
                           const char *origin);

/** The vaddr at which @pd maps @region (first map), or 0 if it does not. */
uint64_t sys_map_vaddr(const sys_system *sys, size_t pd, size_t region);

/**
 * If channel/IRQ id @id is already used in @pd, return true and the line of
 * its first use in *@line.
 */
bool sys_id_used(const sys_system *sys, size_t pd, unsigned id, int *line);

/** The lowest channel id free in @pd, or -1 if all SDDF_MAX_CHANNELS are used. */
int sys_free_id(const sys_system *sys, size_t pd);

/** Add a channel with the given ends (no checks). Returns its index. */
size_t sys_add_channel(sys_builder *b, const sys_channel_end *e0, const sys_channel_end *e1,
                       int line, const char *origin);

/**
 * Connect @a and @b with a generated channel, each end at the lowest free id
 * of its PD; @a_pp marks @a's end pp; @b_notify = false stops @b notifying.
 * Returns false (reported at @line) if a PD has no free id. Ids in *@ida, *@idb.
 */
bool sys_connect(sys_builder *b, size_t a, size_t pd_b, bool a_pp, bool b_notify, int line,
                 const char *origin, unsigned *ida, unsigned *idb);

/**
 * Add an IRQ to @pd at its lowest free id. @device: for SYS_IRQ_TAP an index
 * into sys->taps, for SYS_IRQ_DEVICE_IN/OUT an index into sys->devices (a
 * tty device of @pd, see sys_add_device), else ignored. Returns false
 * (reported) if no id is free.
 */
bool sys_add_irq_generated(sys_builder *b, size_t pd, enum sys_irq_kind kind, size_t device,
                           int line, unsigned *id);

/**
 * A device path as the monitor will open it: an absolute @path is kept, a
 * relative one is taken from the description's folder (made absolute, so
 * `sddf describe` output loads from anywhere). Returns a new string.
 */
char *sys_device_path(sys_builder *b, const char *path);

/** Index of device @id of @pd in sys->devices, or SYS_NONE. */
size_t sys_find_device(const sys_system *sys, size_t pd, unsigned id);

/**
 * Give @pd a device: @kind, @path (already resolved with sys_device_path,
 * or NULL for the controlling terminal; copied), @read_only. @id < 0 takes
 * the lowest device id free in the PD. Returns the index in sys->devices, or
 * SYS_NONE after reporting at @line (no free id, or @id used already).
 * The device's own id is in sys->devices[index].id.
 */
size_t sys_add_device(sys_builder *b, size_t pd, enum sys_device_kind kind, const char *path,
                      bool read_only, int id, int line, const char *origin);

/** Reserve a synthetic IO address range of @size bytes. */
uint64_t sys_alloc_io(sys_builder *b, uint64_t size);

/** Round @v up to a multiple of @align (a power of two). */
static inline uint64_t sys_align_up(uint64_t v, uint64_t align)
{
    return (v + align - 1) & ~(align - 1);
}

/** True if @v is a power of two (and not 0). */
static inline bool sys_is_pow2(uint64_t v)
{
    return v != 0 && (v & (v - 1)) == 0;
}

/* ---- values (system_values.c) ----------------------------------------- */

/** Parse a decimal or 0x hex unsigned number; false on anything else. */
bool sys_parse_u64(const char *s, uint64_t *out);
/** Parse "true" or "false". */
bool sys_parse_bool(const char *s, bool *out);
/** Parse a MAC address "xx:xx:xx:xx:xx:xx" (hex, ':' separated). */
bool sys_parse_mac(const char *s, uint8_t mac[6]);
/** Parse a dotted IPv4 address into network byte order. */
bool sys_parse_ipv4(const char *s, uint32_t *be);
/** Parse "a.b.c.d/p" (p 0..32) into an address (network byte order) and a prefix length. */
bool sys_parse_ipv4_prefix(const char *s, uint32_t *be, uint8_t *prefix);
/** The netmask (network byte order) of a prefix length 0..32. */
uint32_t sys_prefix_mask(uint8_t prefix);
/**
 * Why @be (network byte order) with @prefix cannot be an interface's
 * address: 0.0.0.0, 255.255.255.255, a /0 prefix, or (prefix <= 30) the
 * network or broadcast address of its subnet (RFC 919, RFC 3021). NULL if usable.
 */
const char *sys_ipv4_unusable(uint32_t be, uint8_t prefix);
/**
 * True if @s is a usable entity name: 1..SDDF_NAME_LENGTH-1 characters from
 * [A-Za-z0-9_.-] (and '/' if @allow_slash, for region names).
 */
bool sys_valid_name(const char *s, bool allow_slash);
/** True if @s is a valid Linux interface name (1..15 chars, no '/', ':' or space). */
bool sys_valid_ifname(const char *s);
/** Format a MAC address into @buf (18 bytes). */
void sys_format_mac(const uint8_t mac[6], char buf[18]);

/* ---- XML access (system_xml.c) ---------------------------------------- */

/** The line of @n in the description. */
int sys_line(const xmlNode *n);

/**
 * Report every attribute of @n not in the NULL-terminated list @allowed.
 * Returns false if there was one.
 */
bool sys_check_attrs(sys_builder *b, const xmlNode *n, const char *const *allowed);

/**
 * Report child nodes of @n that are not elements in @allowed (NULL-terminated;
 * NULL list = no children allowed), and non-blank text. Returns false if any.
 */
bool sys_check_children(sys_builder *b, const xmlNode *n, const char *const *allowed);

/** The value of attribute @name of @n (owned by the builder), or NULL if absent. */
const char *sys_attr(sys_builder *b, const xmlNode *n, const char *name);

/** Like sys_attr, but reports a missing attribute. */
const char *sys_attr_req(sys_builder *b, const xmlNode *n, const char *name);

/**
 * Number attribute @name: 0 if absent (*@out untouched), 1 if read, -1 if
 * malformed or (when @required) missing, reported.
 */
int sys_attr_u64(sys_builder *b, const xmlNode *n, const char *name, bool required, uint64_t *out);

/** Boolean attribute, same results as sys_attr_u64 (never required). */
int sys_attr_bool(sys_builder *b, const xmlNode *n, const char *name, bool *out);

/**
 * Priority attribute: 0..254 (Microkit's range). Absent: *@out = @dflt.
 * Returns false if reported.
 */
bool sys_attr_priority(sys_builder *b, const xmlNode *n, const char *name, unsigned dflt,
                       unsigned *out);

/** True if element @n is called @name. */
bool sys_is(const xmlNode *n, const char *name);

/* ---- phases ------------------------------------------------------------ */

/** Phase 2 (system_microkit.c): every Microkit element under @root. */
void sys_read_microkit(sys_builder *b, const xmlNode *root);
/** Phase 3 (system_net.c): expand one <net>. */
void sys_expand_net(sys_builder *b, const xmlNode *net);
/** Phase 3 (system_timer.c): expand one <timer>. */
void sys_expand_timer(sys_builder *b, const xmlNode *timer);
/** Phase 3 (system_serial.c): expand one <serial>. */
void sys_expand_serial(sys_builder *b, const xmlNode *serial);
/** Phase 3 (system_blk.c): expand one <blk>. */
void sys_expand_blk(sys_builder *b, const xmlNode *blk);
/**
 * Record a class instance's name; reports a duplicate (nets and timers share
 * one namespace). Returns false on a duplicate.
 */
bool sys_claim_class_name(sys_builder *b, const char *name, int line);
/** Phase 4 (system_check.c): check the whole expanded model. */
void sys_check_model(sys_builder *b);

/**
 * The isolation invariants alone, on any model (tests use it on tampered
 * models): every SYS_REGION_QUEUE region is mapped by exactly two PDs, both
 * rw; a client PD maps no SYS_REGION_DMA region and no region private to
 * another client; a SYS_REGION_DMA region is writable in at most one PD.
 * Each violation is written to @err as "FILE: what is wrong". Returns the
 * number of violations.
 */
unsigned sys_check_invariants(const sys_system *sys, FILE *err);

/* ---- configuration records (system_config.c) ------------------------- */

/** Fill the header of a record of @size bytes. */
void sys_config_header(void *record, uint8_t class_id, uint8_t role, uint32_t size);
/** Append a record to @pd's configuration blob. */
void sys_config_append(sys_system *sys, size_t pd, const void *record, size_t size);

/** Region @region as PD @pd maps it (vaddr in that PD, whole region size), for a record. */
sddf_region_resource_t sys_region_in(const sys_system *sys, size_t pd, size_t region);

/** As sys_region_in, plus the region's synthetic IO address (0 if it has none). */
sddf_device_region_resource_t sys_device_region_in(const sys_system *sys, size_t pd, size_t region);

#endif /* SDDF_TOOLS_SYSTEM_INTERNAL_H */
