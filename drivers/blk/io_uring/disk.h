/*
 * drivers/blk/io_uring/disk.h - what the block driver learns about its disk
 * descriptor at start: size, logical sector size, read-only, O_DIRECT.
 */
#ifndef SDDF_DRIVERS_BLK_DISK_H
#define SDDF_DRIVERS_BLK_DISK_H

#include <stdbool.h>
#include <stdint.h>

typedef struct blk_disk {
    uint64_t bytes;       /* size of the file or block device */
    uint32_t sector_size; /* logical sector: BLKSSZGET for a block device, 512 for a file */
    bool read_only;       /* opened O_RDONLY */
    bool direct;          /* O_DIRECT is set (else buffered I/O) */
    bool is_blockdev;
    char serial[40]; /* "dev:ino" of the image, a stable name for storage_info */
} blk_disk_t;

/** Probe @fd. Returns 0, or a negative errno (the PD should stop). */
int blk_disk_probe(int fd, blk_disk_t *d);

#endif /* SDDF_DRIVERS_BLK_DISK_H */
