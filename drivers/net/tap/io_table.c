/*
 * drivers/net/tap/io_table.c - see io_table.h. Lookups are a linear scan:
 * the table holds at most 65 regions and each check is two compares.
 */
#include "io_table.h"

#include <string.h>

int net_io_table_init(net_io_table_t *t, const sddf_device_region_resource_t *r, uint32_t num)
{
    memset(t, 0, sizeof(*t));
    if (num == 0 || num > SDDF_NET_MAX_IO_REGIONS)
        return -1;
    for (uint32_t i = 0; i < num; i++) {
        uint64_t io = r[i].io_addr, size = r[i].region.size, va = r[i].region.vaddr;
        if (va == 0 || size == 0 || io == 0 || io > UINT64_MAX - size || va > UINTPTR_MAX - size)
            return -1;
        for (uint32_t j = 0; j < i; j++) {
            const net_io_region_t *o = &t->regions[j];
            if (io < o->io + o->size && o->io < io + size)
                return -1;
        }
        t->regions[i] = (net_io_region_t){io, size, (uintptr_t)va};
    }
    if (t->regions[NET_IO_RX_REGION].size < NET_BUFFER_SIZE)
        return -1;
    t->num = num;
    return 0;
}

uint8_t *net_io_rx_buffer(const net_io_table_t *t, uint64_t io)
{
    if (t->num == 0)
        return NULL;
    const net_io_region_t *rx = &t->regions[NET_IO_RX_REGION];
    if (io < rx->io)
        return NULL;
    uint64_t off = io - rx->io;
    if (off % NET_BUFFER_SIZE != 0 || off >= rx->size || rx->size - off < NET_BUFFER_SIZE)
        return NULL;
    return (uint8_t *)(rx->vaddr + (uintptr_t)off);
}

const uint8_t *net_io_tx_frame(const net_io_table_t *t, uint64_t io, uint32_t len)
{
    if (len == 0)
        return NULL;
    for (uint32_t i = NET_IO_RX_REGION + 1; i < t->num; i++) {
        const net_io_region_t *r = &t->regions[i];
        if (io < r->io)
            continue;
        uint64_t off = io - r->io;
        if (off >= r->size || r->size - off < len)
            continue;
        return (const uint8_t *)(r->vaddr + (uintptr_t)off);
    }
    return NULL;
}
