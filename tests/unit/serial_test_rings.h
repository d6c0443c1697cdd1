/*
 * tests/unit/serial_test_rings.h - helpers of the serial unit tests: make a
 * serial connection (queue + data region on the heap) and move bytes through
 * it as the peer would. Header-only; each test is one executable.
 */
#ifndef SDDF_TESTS_SERIAL_TEST_RINGS_H
#define SDDF_TESTS_SERIAL_TEST_RINGS_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sddf/config.h>
#include <sddf/serial/config.h>
#include <sddf/serial/queue.h>

/* Blocks handed out by st_zalloc, released by st_free_all (test state, one test at a time). */
static void *st_allocs[256];
static unsigned st_nallocs;

/** Release every block st_zalloc handed out (call before building a new fixture, and at exit). */
static inline void st_free_all(void)
{
    while (st_nallocs > 0)
        free(st_allocs[--st_nallocs]);
}

/** A zeroed heap block of @n bytes, owned by the st_free_all list. */
static inline void *st_zalloc(size_t n)
{
    void *p = aligned_alloc(64, (n + 63) / 64 * 64);
    if (p == NULL || st_nallocs == sizeof(st_allocs) / sizeof(st_allocs[0]))
        abort();
    memset(p, 0, n);
    st_allocs[st_nallocs++] = p;
    return p;
}

/** Fill @c with a fresh ring of @cap bytes on channel @ch; @h gets the peer's handle. */
static inline void st_conn(serial_connection_resource_t *c, uint32_t cap, uint8_t ch,
                           serial_queue_handle_t *h)
{
    memset(c, 0, sizeof(*c));
    c->queue.vaddr = (uintptr_t)st_zalloc(sizeof(serial_queue_t));
    c->queue.size = sizeof(serial_queue_t);
    c->data.vaddr = (uintptr_t)st_zalloc(cap);
    c->data.size = cap;
    c->id = ch;
    (void)serial_conn_init(c, h);
}

/** Fill a record header. */
static inline void st_header(sddf_config_header_t *h, uint8_t role, uint32_t size)
{
    memcpy(h->magic, SDDF_CONFIG_MAGIC, 4);
    h->class_id = SDDF_CLASS_SERIAL;
    h->role = role;
    h->version = SDDF_CONFIG_VERSION;
    h->size = size;
}

/** As the producer: write string @s (may hold NULs: @n bytes) and publish. Returns bytes taken. */
static inline uint32_t st_put(serial_queue_handle_t *h, const char *s, uint32_t n)
{
    return serial_enqueue_batch(h, n, s);
}

/** As the consumer: take everything readable into @buf (NUL-terminated, @size > 0). */
static inline uint32_t st_take(serial_queue_handle_t *h, char *buf, uint32_t size)
{
    uint32_t head = serial_queue_head(h);
    uint32_t n = serial_dequeue_batch_local(h, &head, size - 1, buf);
    serial_update_shared_head(h, head);
    buf[n] = '\0';
    return n;
}

#endif /* SDDF_TESTS_SERIAL_TEST_RINGS_H */
