/*
 * os/host/runtime/stats.c - named statistics counters in the page shared with
 * the monitor (os/host/stats_page.h). The PD is the page's only writer: it
 * writes a new entry's name and value, then publishes count with release.
 */
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "runtime.h"

/* Returned when the page is full or absent: a counter nobody reads. */
static uint64_t unread_counter;

void rt_stats_setup(const struct host_boot_view *view)
{
    const struct host_boot_header *h = view->hdr;
    if (h->stats_fd == -1) {
        return;
    }
    void *p = mmap(NULL, h->stats_size, PROT_READ | PROT_WRITE, MAP_SHARED, h->stats_fd, 0);
    if (p == MAP_FAILED) {
        sddf_fatal("cannot map the statistics page");
    }
    close(h->stats_fd);
    rt.stats = p;
    rt.stats_capacity = host_stats_capacity(h->stats_size); /* ours, not the page's */
}

uint64_t *sddf_stat_counter(const char *name)
{
    struct host_stats_page *page = rt.stats;
    if (page == NULL || name == NULL) {
        return &unread_counter;
    }
    uint32_t n = __atomic_load_n(&page->count, __ATOMIC_RELAXED);
    if (n > rt.stats_capacity) {
        n = (uint32_t)rt.stats_capacity;
    }
    for (uint32_t i = 0; i < n; i++) { /* the same name twice: one counter */
        if (strncmp(page->entries[i].name, name, HOST_STATS_NAME_LEN - 1) == 0) {
            return &page->entries[i].value;
        }
    }
    if (n == rt.stats_capacity) {
        sddf_log("statistics page full: counter '%s' is not reported", name);
        return &unread_counter;
    }
    struct host_stats_entry *e = &page->entries[n];
    memset(e->name, 0, sizeof(e->name));
    strncpy(e->name, name, sizeof(e->name) - 1);
    __atomic_store_n(&e->value, 0, __ATOMIC_RELAXED);
    __atomic_store_n(&page->count, n + 1, __ATOMIC_RELEASE);
    return &e->value;
}
