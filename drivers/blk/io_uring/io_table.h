/*
 * drivers/blk/io_uring/io_table.h - the block driver's IO address table:
 * on the host the driver plays the DMA engine, so it maps every region the
 * virtualiser may name by IO address (its own partition-table region and
 * each client's data region) and translates IO ranges to pointers here.
 * The same table is registered with io_uring as fixed buffers, so a
 * region's index is also its fixed-buffer index.
 */
#ifndef SDDF_DRIVERS_BLK_IO_TABLE_H
#define SDDF_DRIVERS_BLK_IO_TABLE_H

#include <stdint.h>
#include <sddf/config.h>

/** A hit in the IO table: the fixed-buffer index and the pointer. */
typedef struct blk_io_hit {
    int index; /* -1 = the range is not inside one region */
    uint8_t *ptr;
} blk_io_hit_t;

/**
 * The region of @regions[0 .. @n) that holds [@io, @io + @len) entirely, with
 * 64-bit checks that cannot wrap; index -1 if none does (or @len is 0).
 */
blk_io_hit_t blk_io_lookup(const sddf_device_region_resource_t *regions, uint32_t n, uint64_t io,
                           uint64_t len);

#endif /* SDDF_DRIVERS_BLK_IO_TABLE_H */
