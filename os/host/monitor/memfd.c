/*
 * os/host/monitor/memfd.c - sealed memfds, the backing of every memory region
 * and of each PD's boot blob, configuration and statistics page. The memfd's
 * name is the region name exactly: /proc/PID/maps shows "/memfd:<name>",
 * which is how tests (and people) check who maps what.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "monitor_internal.h"

#ifndef MFD_HUGE_2MB
#define MFD_HUGE_2MB (21u << 26)
#endif

void mon_err(const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    mon_print("sddf: %s\n", line);
}

static int write_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = write(fd, p, len);
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n <= 0) {
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int mon_memfd(const char *name, uint64_t size, bool hugetlb, const void *data, size_t len,
              bool seal_write)
{
    unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING | (hugetlb ? MFD_HUGETLB | MFD_HUGE_2MB : 0);
    int fd = memfd_create(name, flags);
    if (fd < 0) {
        mon_err("memfd '%s': %s", name, strerror(errno));
        return -1;
    }
    if (ftruncate(fd, (off_t)size) != 0) {
        mon_err("memfd '%s': cannot size to %llu bytes: %s", name, (unsigned long long)size,
                strerror(errno));
        close(fd);
        return -1;
    }
    if (hugetlb) { /* fail here, not in a PD, when no hugepages are reserved */
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED) {
            mon_err("region '%s': no %llu bytes of 2 MiB hugepages available", name,
                    (unsigned long long)size);
            close(fd);
            return -1;
        }
        munmap(p, size);
    }
    if (data && len > 0 && write_all(fd, data, len) != 0) {
        mon_err("memfd '%s': write failed", name);
        close(fd);
        return -1;
    }
    int seals = F_SEAL_GROW | F_SEAL_SHRINK | F_SEAL_SEAL | (seal_write ? F_SEAL_WRITE : 0);
    if (fcntl(fd, F_ADD_SEALS, seals) != 0) {
        mon_err("memfd '%s': cannot seal: %s", name, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

int mon_reopen_ro(int fd)
{
    char path[64];
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
    int ro = open(path, O_RDONLY | O_CLOEXEC);
    if (ro < 0) {
        mon_err("cannot reopen %s read-only: %s", path, strerror(errno));
    }
    return ro;
}
