/*
 * sddf/config.h - the configuration records the system tool hands each PD.
 *
 * A PD's configuration is a read-only blob: a sequence of records, each a
 * sddf_config_header_t followed by one class- and role-specific struct (the
 * struct includes the header as its first member). The tool writes it from
 * the expanded system description; components find their record with
 * sddf_config_find() (sddf/os.h). Class ids follow the fifth magic byte of
 * sDDF's configuration structs ("sDDF",0x05 for network, 0x06 for timer...).
 *
 * Addresses in records are virtual addresses in the receiving PD (regions are
 * mapped at the addresses the description declares), stored as u64 so the
 * layout does not depend on the compiler.
 */
#ifndef SDDF_CONFIG_H
#define SDDF_CONFIG_H

#include <stddef.h>
#include <stdint.h>

/** The first four bytes of every record. */
#define SDDF_CONFIG_MAGIC "sDDF"

/** Record layout version; bumped on any change to a record struct. */
#define SDDF_CONFIG_VERSION 1u

/** Device classes (the sDDF magic's class byte). */
enum sddf_config_class {
    SDDF_CLASS_BLK = 0x02,
    SDDF_CLASS_SERIAL = 0x03,
    SDDF_CLASS_NET = 0x05,
    SDDF_CLASS_TIMER = 0x06,
    SDDF_CLASS_LWIP = 0x08,
};

/** Header of a configuration record (16 bytes). */
typedef struct sddf_config_header {
    char magic[4];     /* SDDF_CONFIG_MAGIC, not NUL-terminated */
    uint8_t class_id;  /* enum sddf_config_class */
    uint8_t role;      /* class-specific role, e.g. enum net_config_role */
    uint16_t version;  /* SDDF_CONFIG_VERSION */
    uint32_t size;     /* bytes of the whole record, header included */
    uint32_t reserved; /* 0 */
} sddf_config_header_t;
_Static_assert(sizeof(sddf_config_header_t) == 16, "config header is 16 bytes");

/** A memory region as mapped in the receiving PD. */
typedef struct sddf_region_resource {
    uint64_t vaddr; /* where it is mapped in this PD; 0 = not mapped */
    uint64_t size;  /* bytes */
} sddf_region_resource_t;
_Static_assert(sizeof(sddf_region_resource_t) == 16, "region resource is 16 bytes");

/**
 * A region that a device can reach: its mapping in this PD plus its base in
 * the device's IO address space. On the host OS layer IO addresses are
 * synthetic, assigned per region by the system tool (never 0).
 */
typedef struct sddf_device_region_resource {
    sddf_region_resource_t region;
    uint64_t io_addr;
} sddf_device_region_resource_t;
_Static_assert(sizeof(sddf_device_region_resource_t) == 24, "device region is 24 bytes");

/** Convert a configured vaddr to a pointer. */
static inline void *sddf_region_ptr(const sddf_region_resource_t *r)
{
    return (void *)(uintptr_t)r->vaddr;
}

#endif /* SDDF_CONFIG_H */
