/*
 * net/components/net_checks.h - configuration and descriptor checks shared by
 * the network virtualisers and the copier.
 *
 * Configuration records come from the system tool and are trusted to be
 * well-formed, but a mismatch between tool and component (or a hand-written
 * record) must stop the PD at init with a clear message rather than become
 * an out-of-bounds access later: every check here ends in sddf_fatal.
 *
 * Descriptor checks apply to values read from shared memory (a neighbour can
 * write anything there): callers copy the descriptor into a local first and
 * validate the local (sDDF design principle "never trust a neighbour").
 */
#ifndef SDDF_NET_COMPONENTS_NET_CHECKS_H
#define SDDF_NET_COMPONENTS_NET_CHECKS_H

#include <stdbool.h>
#include <stdint.h>
#include <sddf/os.h>
#include <sddf/config.h>
#include <sddf/net/queue.h>
#include <sddf/net/config.h>

/** Bytes of an Ethernet header: a shorter frame has no destination to route by (IEEE 802.3). */
#define NET_ETH_HEADER_LEN 14u

/** Longest Ethernet frame without FCS at a 1500-byte MTU (IEEE 802.3). */
#define NET_ETH_MAX_FRAME_LEN 1514u

/**
 * This PD's network record for @role, of exactly @size bytes. Stops the PD
 * (sddf_fatal, naming @who) if it is missing, of another size or version.
 */
static inline const void *net_config_get(uint8_t role, uint32_t size, const char *who)
{
    const sddf_config_header_t *h = sddf_config_find(SDDF_CLASS_NET, role, size);
    if (h == NULL)
        sddf_fatal("%s: no network config record (role %u, %u bytes): tool/component mismatch?",
                   who, role, size);
    else if (h->version != SDDF_CONFIG_VERSION)
        sddf_fatal("%s: config record version %u, expected %u", who, h->version,
                   SDDF_CONFIG_VERSION);
    return h;
}

/** Stop the PD unless @r is a mapped queue region big enough for @capacity entries. */
static inline void net_check_queue_region(const sddf_region_resource_t *r, uint32_t capacity,
                                          const char *who, const char *which)
{
    if (r->vaddr == 0 || r->vaddr % _Alignof(net_queue_t) != 0)
        sddf_fatal("%s: %s queue not mapped or misaligned (vaddr 0x%llx)", who, which,
                   (unsigned long long)r->vaddr);
    if (r->size < NET_QUEUE_BYTES(capacity))
        sddf_fatal("%s: %s queue region is %llu bytes, a queue of %u needs %zu", who, which,
                   (unsigned long long)r->size, capacity, NET_QUEUE_BYTES(capacity));
}

/**
 * Check connection @c (capacity a power of two, channel id in range, both
 * queue regions mapped and large enough) and return a handle bound to it.
 * Stops the PD on any inconsistency.
 */
static inline net_queue_handle_t net_check_conn(const net_connection_resource_t *c, const char *who)
{
    net_queue_handle_t h = {0};
    if (!net_queue_capacity_valid(c->num_buffers))
        sddf_fatal("%s: queue capacity %u is not a power of two in 1..%u", who, c->num_buffers,
                   NET_MAX_QUEUE_CAPACITY);
    if (c->id >= SDDF_MAX_CHANNELS)
        sddf_fatal("%s: channel id %u out of range", who, c->id);
    net_check_queue_region(&c->free_queue, c->num_buffers, who, "free");
    net_check_queue_region(&c->active_queue, c->num_buffers, who, "active");
    net_queue_init(&h, sddf_region_ptr(&c->free_queue), sddf_region_ptr(&c->active_queue),
                   c->num_buffers);
    return h;
}

/**
 * Stop the PD unless data region @r holds exactly @num_buffers buffers of
 * NET_BUFFER_SIZE bytes, and (if @need_mapping) is mapped here.
 */
static inline void net_check_data_region(const sddf_region_resource_t *r, uint32_t num_buffers,
                                         bool need_mapping, const char *who)
{
    if (need_mapping && r->vaddr == 0)
        sddf_fatal("%s: data region not mapped", who);
    if (r->size != (uint64_t)num_buffers * NET_BUFFER_SIZE)
        sddf_fatal("%s: data region is %llu bytes, %u buffers need %llu", who,
                   (unsigned long long)r->size, num_buffers,
                   (unsigned long long)num_buffers * NET_BUFFER_SIZE);
}

/** Stop the PD unless IO range [@io, @io + @size) is non-zero and does not wrap. */
static inline void net_check_io_range(uint64_t io, uint64_t size, const char *who)
{
    if (io == 0 || io + size < io)
        sddf_fatal("%s: bad IO address range 0x%llx + %llu", who, (unsigned long long)io,
                   (unsigned long long)size);
}

/** True if @off is the start of a buffer inside a data region of @size bytes. */
static inline bool net_offset_valid(uint64_t off, uint64_t size)
{
    return off < size && off % NET_BUFFER_SIZE == 0;
}

/** True if a received frame of @len bytes can be routed and fits a buffer. */
static inline bool net_rx_len_valid(uint16_t len)
{
    return len >= NET_ETH_HEADER_LEN && len <= NET_BUFFER_SIZE;
}

#endif /* SDDF_NET_COMPONENTS_NET_CHECKS_H */
