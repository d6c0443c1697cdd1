/*
 * os/host/stats_page.h - the per-PD statistics page (private to the host OS
 * layer): a memfd the monitor creates and initialises, the PD maps read-write
 * and fills through sddf_stat_counter(), and the monitor reads at exit for
 * `sddf run --stats` (and later `sddf top`).
 *
 * The PD is the only writer. The monitor treats the page as untrusted: it
 * reads count once, clamps it to its own capacity, and forces every name
 * to be NUL-terminated and printable before use.
 */
#ifndef SDDF_HOST_STATS_PAGE_H
#define SDDF_HOST_STATS_PAGE_H

#include <stddef.h>
#include <stdint.h>

#define HOST_STATS_PAGE_SIZE 4096u
#define HOST_STATS_MAGIC     "sDDFstat"
#define HOST_STATS_NAME_LEN  24u /* bytes of a name, NUL included */

/** One counter (32 bytes). */
struct host_stats_entry {
    char name[HOST_STATS_NAME_LEN];
    uint64_t value; /* written by the PD with relaxed atomic stores */
};
_Static_assert(sizeof(struct host_stats_entry) == 32, "stats entry is 32 bytes");

/** The page (header 32 bytes, then entries up to the page end). */
struct host_stats_page {
    char magic[8];     /* HOST_STATS_MAGIC, written by the monitor */
    uint32_t capacity; /* entries that fit, written by the monitor */
    uint32_t count;    /* entries in use; the PD publishes it with release */
    uint32_t reserved[4];
    struct host_stats_entry entries[];
};
_Static_assert(sizeof(struct host_stats_page) == 32, "stats header is 32 bytes");

/** Entries a page of @size bytes holds. */
static inline uint32_t host_stats_capacity(size_t size)
{
    return size < sizeof(struct host_stats_page)
               ? 0
               : (uint32_t)((size - sizeof(struct host_stats_page)) /
                            sizeof(struct host_stats_entry));
}

#endif /* SDDF_HOST_STATS_PAGE_H */
