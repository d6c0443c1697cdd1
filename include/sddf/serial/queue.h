/*
 * sddf/serial/queue.h - the sDDF serial transport: a byte ring in a data
 * region plus a small queue header {tail, head, producer_signalled} in a
 * separate queue region (sDDF design 0.7, serial queue format).
 *
 * Indices are free-running u32 that wrap naturally; byte i lives at
 * data[i % capacity]; length = tail - head; every byte is usable. The
 * capacity (a power of two) lives only in the private handle, so a peer
 * cannot make us index outside the data region. Only the producer writes
 * tail, only the consumer writes head.
 *
 * Batching: producers advance a private local tail (serial_enqueue_local) and
 * publish it with serial_update_shared_tail; consumers likewise with a local
 * head. Full and empty checks take that local index explicitly.
 *
 * Memory ordering (PDs run in parallel on the host): the producer writes the
 * bytes, then publishes the tail with a release store; the consumer loads
 * the tail with acquire, reads the bytes, then publishes the head with
 * release (the producer reads the head with acquire before reusing bytes).
 *
 * Signalling, serial form (producer-requested): the producer ALWAYS notifies
 * the consumer after publishing; the consumer notifies the producer only if
 * the producer asked because the ring was full. The producer asks with
 * serial_request_consumer_signal (flag = 0, seq_cst fence) and then MUST
 * re-check the free space; the consumer, after publishing its head, calls
 * serial_require_consumer_signal (seq_cst fence, load flag). Litmus test
 * (store buffering): P: flag=0; fence; r1=head   C: head=h; fence; r2=flag.
 * The two fences forbid r1 = old head && r2 = 1, so either the producer sees
 * the space or the consumer sees the request: no wake-up is lost.
 *
 * Never trust the peer: each function reads the peer's index once. A length
 * above the capacity (corrupt indices) reads as empty to a consumer and full
 * to a producer (serial_queue_corrupt tells a caller to count it), so a
 * corrupt ring stalls only the pair it belongs to.
 */
#ifndef SDDF_SERIAL_QUEUE_H
#define SDDF_SERIAL_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/**
 * Largest capacity: full means tail - head == capacity, and a u32 difference
 * above 2^31 is taken as corruption, so 2^30 leaves a wide margin.
 */
#define SERIAL_MAX_QUEUE_CAPACITY (1u << 30)

/** The shared queue header (12 bytes, sDDF serial_queue_t). */
typedef struct serial_queue {
    _Atomic uint32_t tail;
    _Atomic uint32_t head;
    /* 0 = the producer wants a signal when space appears; 1 = it does not. */
    _Atomic uint32_t producer_signalled;
} serial_queue_t;
_Static_assert(sizeof(serial_queue_t) == 12, "serial_queue_t is 12 bytes");
_Static_assert(offsetof(serial_queue_t, tail) == 0, "tail at 0");
_Static_assert(offsetof(serial_queue_t, head) == 4, "head at 4");
_Static_assert(offsetof(serial_queue_t, producer_signalled) == 8, "flag at 8");

/** The private view of one ring: header, capacity (private!) and data. */
typedef struct serial_queue_handle {
    serial_queue_t *queue;
    uint32_t capacity; /* power of two, 1 .. SERIAL_MAX_QUEUE_CAPACITY */
    char *data_region; /* capacity bytes */
} serial_queue_handle_t;

/** True if @capacity is a power of two in 1..SERIAL_MAX_QUEUE_CAPACITY. */
static inline bool serial_queue_capacity_valid(uint32_t capacity)
{
    return capacity != 0 && capacity <= SERIAL_MAX_QUEUE_CAPACITY &&
           (capacity & (capacity - 1)) == 0;
}

/** Bind @h to a ring. Returns 0, or -1 (handle unchanged) if @capacity is not valid. */
static inline int serial_queue_init(serial_queue_handle_t *h, serial_queue_t *q, uint32_t capacity,
                                    char *data)
{
    if (!serial_queue_capacity_valid(capacity))
        return -1;
    h->queue = q;
    h->capacity = capacity;
    h->data_region = data;
    return 0;
}

/** Consumer: bytes between @local_head and the published tail (may exceed capacity if corrupt). */
static inline uint32_t serial_queue__avail(serial_queue_handle_t *h, uint32_t local_head)
{
    return atomic_load_explicit(&h->queue->tail, memory_order_acquire) - local_head;
}

/** Producer: bytes between the published head and @local_tail (may exceed capacity if corrupt). */
static inline uint32_t serial_queue__used(serial_queue_handle_t *h, uint32_t local_tail)
{
    return local_tail - atomic_load_explicit(&h->queue->head, memory_order_acquire);
}

/** Consumer: this side's published head (only it writes it). */
static inline uint32_t serial_queue_head(serial_queue_handle_t *h)
{
    return atomic_load_explicit(&h->queue->head, memory_order_relaxed);
}

/** Producer: this side's published tail (only it writes it). */
static inline uint32_t serial_queue_tail(serial_queue_handle_t *h)
{
    return atomic_load_explicit(&h->queue->tail, memory_order_relaxed);
}

/** Consumer: readable bytes from the published head; 0 if the indices are corrupt. */
static inline uint32_t serial_queue_length_consumer(serial_queue_handle_t *h)
{
    uint32_t n = serial_queue__avail(h, serial_queue_head(h));
    return n > h->capacity ? 0 : n;
}

/** Producer: bytes in the ring up to the published tail; capacity if corrupt. */
static inline uint32_t serial_queue_length_producer(serial_queue_handle_t *h)
{
    uint32_t n = serial_queue__used(h, serial_queue_tail(h));
    return n > h->capacity ? h->capacity : n;
}

/** Consumer: true if nothing is readable after @local_head (or the indices are corrupt). */
static inline bool serial_queue_empty(serial_queue_handle_t *h, uint32_t local_head)
{
    uint32_t n = serial_queue__avail(h, local_head);
    return n == 0 || n > h->capacity;
}

/** Producer: true if no byte fits after @local_tail (or the indices are corrupt). */
static inline bool serial_queue_full(serial_queue_handle_t *h, uint32_t local_tail)
{
    return serial_queue__used(h, local_tail) >= h->capacity;
}

/** Producer: bytes free after @local_tail; 0 if corrupt. */
static inline uint32_t serial_queue_free(serial_queue_handle_t *h, uint32_t local_tail)
{
    uint32_t used = serial_queue__used(h, local_tail);
    return used >= h->capacity ? 0 : h->capacity - used;
}

/**
 * Either side: true if the published indices are further apart than the
 * capacity, which only a misbehaving peer can cause (count it).
 */
static inline bool serial_queue_corrupt(serial_queue_handle_t *h)
{
    uint32_t tail = atomic_load_explicit(&h->queue->tail, memory_order_acquire);
    uint32_t head = atomic_load_explicit(&h->queue->head, memory_order_acquire);
    return tail - head > h->capacity;
}

/** Producer: write @c at @*local_tail and advance it (unpublished). Returns 0, or -1 if full. */
static inline int serial_enqueue_local(serial_queue_handle_t *h, uint32_t *local_tail, char c)
{
    if (serial_queue_full(h, *local_tail))
        return -1;
    h->data_region[*local_tail & (h->capacity - 1)] = c;
    (*local_tail)++;
    return 0;
}

/** Consumer: read the byte at @*local_head into *@c and advance (unpublished). 0, or -1 if empty.
 */
static inline int serial_dequeue_local(serial_queue_handle_t *h, uint32_t *local_head, char *c)
{
    if (serial_queue_empty(h, *local_head))
        return -1;
    *c = h->data_region[*local_head & (h->capacity - 1)];
    (*local_head)++;
    return 0;
}

/** Producer: publish @local_tail (release: the bytes before it are visible first). */
static inline void serial_update_shared_tail(serial_queue_handle_t *h, uint32_t local_tail)
{
    atomic_store_explicit(&h->queue->tail, local_tail, memory_order_release);
}

/** Consumer: publish @local_head (release: our reads of the bytes happen first). */
static inline void serial_update_shared_head(serial_queue_handle_t *h, uint32_t local_head)
{
    atomic_store_explicit(&h->queue->head, local_head, memory_order_release);
}

/** Producer: enqueue one byte and publish it. Returns 0, or -1 if full. */
static inline int serial_enqueue(serial_queue_handle_t *h, char c)
{
    uint32_t tail = serial_queue_tail(h);
    if (serial_enqueue_local(h, &tail, c) != 0)
        return -1;
    serial_update_shared_tail(h, tail);
    return 0;
}

/** Consumer: dequeue one byte and publish the head. Returns 0, or -1 if empty. */
static inline int serial_dequeue(serial_queue_handle_t *h, char *c)
{
    uint32_t head = serial_queue_head(h);
    if (serial_dequeue_local(h, &head, c) != 0)
        return -1;
    serial_update_shared_head(h, head);
    return 0;
}

/**
 * Consumer: readable bytes from @local_head up to the end of the data region
 * (one memcpy's worth), at h->data_region + (local_head % capacity).
 */
static inline uint32_t serial_queue_contiguous_length(serial_queue_handle_t *h, uint32_t local_head)
{
    uint32_t n = serial_queue__avail(h, local_head);
    if (n > h->capacity)
        return 0;
    uint32_t to_end = h->capacity - (local_head & (h->capacity - 1));
    return n < to_end ? n : to_end;
}

/** Producer: free bytes from @local_tail up to the end of the data region. */
static inline uint32_t serial_queue_contiguous_free(serial_queue_handle_t *h, uint32_t local_tail)
{
    uint32_t n = serial_queue_free(h, local_tail);
    uint32_t to_end = h->capacity - (local_tail & (h->capacity - 1));
    return n < to_end ? n : to_end;
}

/** Copy @n bytes (n <= capacity) into the ring at index @at, wrapping (two memcpys). */
static inline void serial_queue__copy_in(serial_queue_handle_t *h, uint32_t at, const char *src,
                                         uint32_t n)
{
    uint32_t off = at & (h->capacity - 1);
    uint32_t first = h->capacity - off < n ? h->capacity - off : n;
    memcpy(h->data_region + off, src, first);
    memcpy(h->data_region, src + first, n - first);
}

/** Copy @n bytes (n <= capacity) out of the ring from index @at, wrapping. */
static inline void serial_queue__copy_out(serial_queue_handle_t *h, uint32_t at, char *dst,
                                          uint32_t n)
{
    uint32_t off = at & (h->capacity - 1);
    uint32_t first = h->capacity - off < n ? h->capacity - off : n;
    memcpy(dst, h->data_region + off, first);
    memcpy(dst + first, h->data_region, n - first);
}

/**
 * Producer: copy up to @n bytes of @src into the ring after @*local_tail and
 * advance it (unpublished). Returns the number copied (less than @n if full).
 */
static inline uint32_t serial_enqueue_batch_local(serial_queue_handle_t *h, uint32_t *local_tail,
                                                  uint32_t n, const char *src)
{
    uint32_t room = serial_queue_free(h, *local_tail);
    if (n > room)
        n = room;
    serial_queue__copy_in(h, *local_tail, src, n);
    *local_tail += n;
    return n;
}

/** Producer: copy up to @n bytes of @src into the ring and publish. Returns the number copied. */
static inline uint32_t serial_enqueue_batch(serial_queue_handle_t *h, uint32_t n, const char *src)
{
    uint32_t tail = serial_queue_tail(h);
    n = serial_enqueue_batch_local(h, &tail, n, src);
    serial_update_shared_tail(h, tail);
    return n;
}

/**
 * Consumer: copy up to @n bytes out of the ring into @dst from @*local_head
 * and advance it (unpublished). Returns the number copied.
 */
static inline uint32_t serial_dequeue_batch_local(serial_queue_handle_t *h, uint32_t *local_head,
                                                  uint32_t n, char *dst)
{
    uint32_t avail = serial_queue__avail(h, *local_head);
    if (avail > h->capacity)
        avail = 0;
    if (n > avail)
        n = avail;
    serial_queue__copy_out(h, *local_head, dst, n);
    *local_head += n;
    return n;
}

/**
 * Producer: ask the consumer for a signal when it frees space. Must be
 * followed by a re-check of the free space (the double check).
 */
static inline void serial_request_consumer_signal(serial_queue_handle_t *h)
{
    atomic_store_explicit(&h->queue->producer_signalled, 0, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
}

/** Producer or consumer: mark the signal as not wanted or already sent (no fence). */
static inline void serial_cancel_consumer_signal(serial_queue_handle_t *h)
{
    atomic_store_explicit(&h->queue->producer_signalled, 1, memory_order_relaxed);
}

/**
 * Consumer, after publishing its head: true if the producer asked for a
 * signal. The fence orders the head store before the flag load.
 */
static inline bool serial_require_consumer_signal(serial_queue_handle_t *h)
{
    atomic_thread_fence(memory_order_seq_cst);
    return atomic_load_explicit(&h->queue->producer_signalled, memory_order_relaxed) == 0;
}

#endif /* SDDF_SERIAL_QUEUE_H */
