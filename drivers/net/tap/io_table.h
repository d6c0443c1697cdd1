/*
 * drivers/net/tap/io_table.h - the TAP driver's IO address translation.
 *
 * On seL4 the NIC's DMA engine reads and writes buffers by IO (physical)
 * address and the driver never maps a data region (sDDF design, Ethernet
 * driver). On Linux the driver itself plays the DMA engine, so it maps the
 * regions a device could reach and translates every IO address that comes out
 * of a queue through this table. Entry 0 is the rx DMA region (rw); entries
 * 1.. are the clients' tx data regions (read-only in the driver).
 *
 * OS-free. The queues are written by neighbours, so every lookup is a full
 * validation: a NULL result means "drop and count", never "follow".
 */
#ifndef SDDF_DRIVERS_NET_IO_TABLE_H
#define SDDF_DRIVERS_NET_IO_TABLE_H

#include <stdint.h>
#include <sddf/net/config.h>
#include <sddf/net/queue.h>

/** Index of the rx DMA region in the table. */
#define NET_IO_RX_REGION 0u

/** One region: its IO base, size in bytes and where it is mapped here. */
typedef struct net_io_region {
    uint64_t io;
    uint64_t size;
    uintptr_t vaddr;
} net_io_region_t;

/** The table, copied out of the (read-only) configuration at init. */
typedef struct net_io_table {
    uint32_t num;
    net_io_region_t regions[SDDF_NET_MAX_IO_REGIONS];
} net_io_table_t;

/**
 * Build @t from the @num configured regions @r. Returns 0, or -1 if the table
 * is unusable: @num is 0 or above SDDF_NET_MAX_IO_REGIONS, a region is not
 * mapped (vaddr 0), is empty, has IO address 0, wraps around the IO or
 * virtual address space, overlaps another region's IO range, or the rx region
 * cannot hold one NET_BUFFER_SIZE buffer.
 */
int net_io_table_init(net_io_table_t *t, const sddf_device_region_resource_t *r, uint32_t num);

/**
 * The rx DMA buffer at IO address @io: it must lie in the rx region at a
 * multiple of NET_BUFFER_SIZE from its base, with the whole buffer inside.
 * Returns its address here, or NULL if @io breaks any of those rules.
 */
uint8_t *net_io_rx_buffer(const net_io_table_t *t, uint64_t io);

/**
 * The tx frame [@io, @io + @len) in one client tx region (entries 1..).
 * Returns its address here, or NULL if @len is 0 or the range is not wholly
 * inside one tx region.
 */
const uint8_t *net_io_tx_frame(const net_io_table_t *t, uint64_t io, uint32_t len);

#endif /* SDDF_DRIVERS_NET_IO_TABLE_H */
