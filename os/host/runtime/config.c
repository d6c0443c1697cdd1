/*
 * os/host/runtime/config.c - the PD's configuration blob: a sealed memfd the
 * monitor filled from the system tool's records, mapped read-only
 * (sddf/config.h). sddf_config_find() looks records up in it.
 */
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sddf/config.h>
#include "config_walk.h"
#include "runtime.h"

void rt_config_setup(const struct host_boot_view *view)
{
    const struct host_boot_header *h = view->hdr;
    if (h->config_fd == -1) {
        return;
    }
    struct stat st;
    if (fstat(h->config_fd, &st) != 0 || st.st_size < 0 || (uint64_t)st.st_size < h->config_size) {
        sddf_fatal("configuration descriptor unusable or shorter than %llu bytes",
                   (unsigned long long)h->config_size);
    }
    if (h->config_size > 0) {
        void *p = mmap(NULL, h->config_size, PROT_READ, MAP_SHARED, h->config_fd, 0);
        if (p == MAP_FAILED) {
            sddf_fatal("cannot map the configuration");
        }
        rt.config = p;
        rt.config_size = h->config_size;
    }
    close(h->config_fd);
}

const void *sddf_config_find(uint8_t class_id, uint8_t role, uint32_t size)
{
    enum rt_config_result why;
    const void *rec = rt_config_walk_find(rt.config, rt.config_size, class_id, role, size, &why);
    if (why == RT_CONFIG_MISMATCH) {
        sddf_log("configuration record class 0x%02x role %u: size or version mismatch "
                 "(component expects %u bytes, version %u)",
                 class_id, role, size, SDDF_CONFIG_VERSION);
    } else if (why == RT_CONFIG_MALFORMED) {
        sddf_log("configuration blob malformed");
    }
    return rec;
}
