/*
 * drivers/blk/io_uring/io_table.c - see io_table.h.
 */
#include "io_table.h"

blk_io_hit_t blk_io_lookup(const sddf_device_region_resource_t *regions, uint32_t n, uint64_t io,
                           uint64_t len)
{
    for (uint32_t i = 0; i < n; i++) {
        const sddf_device_region_resource_t *r = &regions[i];
        if (len == 0 || io < r->io_addr)
            continue;
        uint64_t off = io - r->io_addr;
        if (off >= r->region.size || len > r->region.size - off)
            continue;
        return (blk_io_hit_t){(int)i, (uint8_t *)(uintptr_t)(r->region.vaddr + off)};
    }
    return (blk_io_hit_t){-1, NULL};
}
