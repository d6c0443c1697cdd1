/*
 * sddf/blk/storage_info.h - the block device's read-only information page
 * (sDDF design, PROTOCOLS 3.4): geometry, capacity and a ready flag.
 *
 * The driver fills every field of its page, then sets `ready` with release
 * semantics; the virtualiser reads `ready` with acquire semantics and only
 * then the rest. The virtualiser publishes each client's own page the same
 * way (capacity = that client's partition). A client maps its page
 * read-only. On this project a published capacity of 0 means "no device":
 * the client's partition does not exist or the table was rejected, and every
 * request is answered with BLK_RESP_ERR_NO_DEVICE.
 *
 * Host extension (this project, outside sDDF's 88 bytes, so the sDDF layout
 * is unchanged and a reader that ignores it loses nothing): the same page
 * holds, right after the sDDF fields, the device's exact size in logical
 * sectors (blk_storage_info_page_t.sectors, written before `ready` like
 * every other field; 0 = unknown: capacity * 4096 / sector_size). It
 * matters when the size is not a multiple of 4 KiB: `capacity` counts
 * whole 4 KiB blocks only, but a GPT keeps its backup header in the very
 * last sector. The driver then also serves READs of the final partial
 * block (block number `capacity`), the bytes past the end of the device
 * read as zeros; WRITEs stay within `capacity` (PROTOCOLS 3.4, README).
 */
#ifndef SDDF_BLK_STORAGE_INFO_H
#define SDDF_BLK_STORAGE_INFO_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Bytes of the region holding one storage_info page. */
#define BLK_STORAGE_INFO_REGION_SIZE 4096u

/** Length of the serial number field, including its NUL. */
#define BLK_MAX_SERIAL_NUMBER 64u

/** The storage information page (88 bytes, sDDF layout). */
typedef struct blk_storage_info {
    char serial_number[BLK_MAX_SERIAL_NUMBER];
    bool read_only;
    _Atomic uint8_t ready;             /* release-set after every other field */
    uint16_t sector_size;              /* bytes of a logical sector (512 or 4096) */
    uint16_t block_size;               /* optimal request size, in BLK_TRANSFER_SIZE units */
    uint16_t queue_depth;              /* requests the device handles at once */
    uint16_t cylinders, heads, blocks; /* legacy geometry, 0 if unknown */
    uint64_t capacity;                 /* in BLK_TRANSFER_SIZE blocks; 0 = no device */
} blk_storage_info_t;
_Static_assert(sizeof(blk_storage_info_t) == 88, "blk_storage_info_t is 88 bytes");
_Static_assert(offsetof(blk_storage_info_t, read_only) == 64, "read_only at 64");
_Static_assert(offsetof(blk_storage_info_t, ready) == 65, "ready at 65");
_Static_assert(offsetof(blk_storage_info_t, sector_size) == 66, "sector_size at 66");
_Static_assert(offsetof(blk_storage_info_t, block_size) == 68, "block_size at 68");
_Static_assert(offsetof(blk_storage_info_t, queue_depth) == 70, "queue_depth at 70");
_Static_assert(offsetof(blk_storage_info_t, cylinders) == 72, "cylinders at 72");
_Static_assert(offsetof(blk_storage_info_t, capacity) == 80, "capacity at 80");

/** The storage_info page with this project's extension after the sDDF fields (see the top). */
typedef struct blk_storage_info_page {
    blk_storage_info_t info;
    uint64_t sectors; /* exact size in logical sectors; 0 = capacity * 4096 / sector_size */
} blk_storage_info_page_t;
_Static_assert(offsetof(blk_storage_info_page_t, sectors) == 88, "sectors at 88");
_Static_assert(sizeof(blk_storage_info_page_t) <= BLK_STORAGE_INFO_REGION_SIZE, "fits the page");

/** The exact size in sectors of @si's device (publisher: set before `ready`; 0 = unknown). */
static inline uint64_t *blk_storage_sectors(blk_storage_info_t *si)
{
    return &((blk_storage_info_page_t *)si)->sectors;
}

/** True once the publisher has filled the page (acquire: the other fields are then valid). */
static inline bool blk_storage_is_ready(blk_storage_info_t *si)
{
    return atomic_load_explicit(&si->ready, memory_order_acquire) != 0;
}

/** Publisher: set or clear `ready` (release: every earlier field write is visible first). */
static inline void blk_storage_set_ready(blk_storage_info_t *si, bool ready)
{
    atomic_store_explicit(&si->ready, ready ? 1 : 0, memory_order_release);
}

#endif /* SDDF_BLK_STORAGE_INFO_H */
