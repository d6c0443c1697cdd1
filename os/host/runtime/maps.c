/*
 * os/host/runtime/maps.c - map every memory region at the virtual address the
 * system description declares (MAP_FIXED_NOREPLACE: never over an existing
 * mapping) with the declared permissions. A read-only map comes from a
 * read-only descriptor, so mprotect cannot make it writable (sDDF design:
 * the Rx DMA region is read-only in virt_rx). The descriptor is closed after
 * mapping: the PD keeps no handle that could be reopened writable.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "runtime.h"

void rt_maps_setup(const struct host_boot_view *view)
{
    for (uint32_t i = 0; i < view->hdr->num_maps; i++) {
        const struct host_boot_map *m = &view->maps[i];
        int prot = PROT_READ;
        prot |= (m->perms & HOST_PERM_W) ? PROT_WRITE : 0;
        prot |= (m->perms & HOST_PERM_X) ? PROT_EXEC : 0;
        void *want = (void *)(uintptr_t)m->vaddr;
        void *got = mmap(want, m->size, prot, MAP_SHARED | MAP_FIXED_NOREPLACE, m->fd, 0);
        if (got == MAP_FAILED) {
            int e = errno;
            sddf_fatal("cannot map region of 0x%llx bytes at 0x%llx: %s",
                       (unsigned long long)m->size, (unsigned long long)m->vaddr,
                       e == EEXIST ? "address range already in use" : strerror(e));
        }
        if (got != want) { /* a kernel without MAP_FIXED_NOREPLACE */
            sddf_fatal("region mapped at %p instead of 0x%llx", got, (unsigned long long)m->vaddr);
        }
        close(m->fd);
    }
}
