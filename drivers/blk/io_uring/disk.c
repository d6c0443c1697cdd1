/*
 * drivers/blk/io_uring/disk.c - see disk.h. The monitor opened the disk
 * (O_DIRECT when the file system allows it, O_RDONLY for a read-only one);
 * the driver only looks at what it was given.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdio.h>
#include <sys/ioctl.h>
#include <sys/stat.h>

#include "disk.h"

int blk_disk_probe(int fd, blk_disk_t *d)
{
    struct stat st;
    if (fstat(fd, &st) != 0)
        return -errno;
    int fl = fcntl(fd, F_GETFL);
    if (fl < 0)
        return -errno;
    d->read_only = (fl & O_ACCMODE) == O_RDONLY;
    d->direct = (fl & O_DIRECT) != 0;
    d->is_blockdev = S_ISBLK(st.st_mode);
    d->sector_size = 512;
    if (d->is_blockdev) {
        uint64_t bytes = 0;
        int ss = 0;
        if (ioctl(fd, BLKGETSIZE64, &bytes) != 0 || ioctl(fd, BLKSSZGET, &ss) != 0)
            return -errno;
        d->bytes = bytes;
        if (ss >= 512 && ss <= 4096 && (ss & (ss - 1)) == 0)
            d->sector_size = (uint32_t)ss;
    } else if (S_ISREG(st.st_mode)) {
        d->bytes = (uint64_t)st.st_size;
    } else {
        return -ENODEV;
    }
    snprintf(d->serial, sizeof(d->serial), "%llx:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino);
    return 0;
}
