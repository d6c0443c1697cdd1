/*
 * sddf/net/queue.h - the sDDF network transport: pairs of single-producer/
 * single-consumer queues of buffer descriptors in shared memory.
 *
 * Wire format and semantics: sDDF design (0.7), network queue format and
 * "signal only when needed" protocol: 16-bit free-running indices, slot =
 * index % capacity, every slot usable, capacity a power of two kept only in
 * the private handle so a peer cannot make us index out of bounds.
 *
 * Queues come in pairs between the same two components: *active* carries
 * filled buffers in the direction data flows, *free* returns empty buffers.
 *
 * Memory ordering (host OS layer, PDs run in parallel on several cores):
 * the producer writes the entry, then publishes the tail with a release
 * store; the consumer reads the tail with an acquire load, then the entry,
 * then publishes the head with a release store. The signalling handshake
 * (request/require) has a seq_cst fence on both sides (a Dekker pattern:
 * "store flag, fence, re-check queue" against "store tail, fence, load
 * flag"), so at least one side sees the other's write and no wake-up is lost.
 *
 * Never trust the peer: it can write any value into the shared header. Slots
 * are always masked with the private capacity; a length above the capacity
 * (corrupt indices) reads as empty to a consumer and full to a producer, so
 * a corrupt queue stalls only the pair it belongs to. Entries are copied out
 * once; the caller validates the copy.
 */
#ifndef SDDF_NET_QUEUE_H
#define SDDF_NET_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Size of every network buffer: the smallest power of two above a 1514-byte frame. */
#define NET_BUFFER_SIZE 2048u

/**
 * Largest capacity the 16-bit indices allow. Full means tail - head ==
 * capacity, and a u16 difference is at most 65535, so 65536 entries cannot
 * be told from 0 (the 65536th enqueue would make a full queue read as empty
 * and lose every buffer): the largest usable power of two is 32768.
 */
#define NET_MAX_QUEUE_CAPACITY 32768u

/**
 * A buffer descriptor (16 bytes). @io_or_offset is an offset into the data
 * region on client-facing queues and an IO address on driver-facing queues;
 * @len is the frame length in bytes (0 on free queues); @oid selects the data
 * region when a queue carries buffers of several regions, else 0.
 */
typedef struct net_buff_desc {
    uint64_t io_or_offset;
    uint16_t len;
    uint8_t oid;
    uint8_t reserved[5];
} net_buff_desc_t;
_Static_assert(sizeof(net_buff_desc_t) == 16, "net_buff_desc_t is 16 bytes");
_Static_assert(offsetof(net_buff_desc_t, len) == 8, "len at 8");
_Static_assert(offsetof(net_buff_desc_t, oid) == 10, "oid at 10");

/**
 * A queue in shared memory: an 8-byte header then the descriptor array.
 * Only the producer writes @tail, only the consumer writes @head.
 * @consumer_signalled: 0 = the consumer wants a notification, 1 = it does not
 * (or has already been signalled); zeroed memory starts as "wants one".
 */
typedef struct net_queue {
    _Atomic uint16_t tail;
    _Atomic uint16_t head;
    _Atomic uint32_t consumer_signalled;
    net_buff_desc_t buffers[];
} net_queue_t;
_Static_assert(offsetof(net_queue_t, tail) == 0, "tail at 0");
_Static_assert(offsetof(net_queue_t, head) == 2, "head at 2");
_Static_assert(offsetof(net_queue_t, consumer_signalled) == 4, "flag at 4");
_Static_assert(offsetof(net_queue_t, buffers) == 8, "buffers at 8");

/** Bytes of shared memory a queue of @capacity entries needs. */
#define NET_QUEUE_BYTES(capacity)                                                                  \
    (sizeof(net_queue_t) + (size_t)(capacity) * sizeof(net_buff_desc_t))

/** The private view of a free/active queue pair. */
typedef struct net_queue_handle {
    net_queue_t *free;
    net_queue_t *active;
    uint32_t capacity; /* power of two, 1 .. NET_MAX_QUEUE_CAPACITY */
} net_queue_handle_t;

/** True if @capacity is a usable queue capacity (a power of two in 1..NET_MAX_QUEUE_CAPACITY). */
static inline bool net_queue_capacity_valid(uint32_t capacity)
{
    return capacity != 0 && capacity <= NET_MAX_QUEUE_CAPACITY && (capacity & (capacity - 1)) == 0;
}

/**
 * Bind @h to a queue pair. @capacity must satisfy net_queue_capacity_valid
 * (the system tool guarantees it); returns 0, or -1 (handle unchanged) if not.
 */
static inline int net_queue_init(net_queue_handle_t *h, net_queue_t *free, net_queue_t *active,
                                 uint32_t capacity)
{
    if (!net_queue_capacity_valid(capacity))
        return -1;
    h->free = free;
    h->active = active;
    h->capacity = capacity;
    return 0;
}

/** Entries in @q as its indices say (u16 arithmetic); may exceed the capacity if corrupt. */
static inline uint32_t net_queue_length(net_queue_t *q)
{
    uint16_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    uint16_t head = atomic_load_explicit(&q->head, memory_order_acquire);
    return (uint16_t)(tail - head);
}

/* Length as seen by the consumer: the peer's tail with acquire, our head relaxed. */
static inline uint32_t net_queue__consumer_length(net_queue_t *q, uint16_t *head_out)
{
    uint16_t tail = atomic_load_explicit(&q->tail, memory_order_acquire);
    uint16_t head = atomic_load_explicit(&q->head, memory_order_relaxed);
    *head_out = head;
    return (uint16_t)(tail - head);
}

/* Length as seen by the producer: the peer's head with acquire, our tail relaxed. */
static inline uint32_t net_queue__producer_length(net_queue_t *q, uint16_t *tail_out)
{
    uint16_t head = atomic_load_explicit(&q->head, memory_order_acquire);
    uint16_t tail = atomic_load_explicit(&q->tail, memory_order_relaxed);
    *tail_out = tail;
    return (uint16_t)(tail - head);
}

static inline bool net_queue__empty(net_queue_t *q, uint32_t capacity)
{
    uint16_t head;
    uint32_t len = net_queue__consumer_length(q, &head);
    return len == 0 || len > capacity;
}

static inline bool net_queue__full(net_queue_t *q, uint32_t capacity)
{
    uint16_t tail;
    return net_queue__producer_length(q, &tail) >= capacity;
}

static inline int net_queue__enqueue(net_queue_t *q, uint32_t capacity, net_buff_desc_t desc)
{
    uint16_t tail;
    if (net_queue__producer_length(q, &tail) >= capacity)
        return -1;
    q->buffers[tail & (capacity - 1)] = desc;
    atomic_store_explicit(&q->tail, (uint16_t)(tail + 1), memory_order_release);
    return 0;
}

static inline int net_queue__dequeue(net_queue_t *q, uint32_t capacity, net_buff_desc_t *out)
{
    uint16_t head;
    uint32_t len = net_queue__consumer_length(q, &head);
    if (len == 0 || len > capacity)
        return -1;
    *out = q->buffers[head & (capacity - 1)];
    atomic_store_explicit(&q->head, (uint16_t)(head + 1), memory_order_release);
    return 0;
}

/**
 * Consumer: ask the producer for a notification on its next enqueue. Must be
 * followed by a re-check of the queue (the double check); the seq_cst fence
 * orders the flag store before that re-check.
 */
static inline void net_queue__request_signal(net_queue_t *q)
{
    atomic_store_explicit(&q->consumer_signalled, 0, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
}

/** Consumer or producer: mark the notification as not wanted / already sent. */
static inline void net_queue__cancel_signal(net_queue_t *q)
{
    atomic_store_explicit(&q->consumer_signalled, 1, memory_order_relaxed);
}

/**
 * Producer, after publishing a batch: true if the consumer asked for a
 * notification. The fence orders the tail store before the flag load.
 */
static inline bool net_queue__require_signal(net_queue_t *q)
{
    atomic_thread_fence(memory_order_seq_cst);
    return atomic_load_explicit(&q->consumer_signalled, memory_order_relaxed) == 0;
}

/** Consumer of the free queue: true if it holds nothing (or its indices are corrupt). */
static inline bool net_queue_empty_free(net_queue_handle_t *h)
{
    return net_queue__empty(h->free, h->capacity);
}

/** Consumer of the active queue: true if it holds nothing (or its indices are corrupt). */
static inline bool net_queue_empty_active(net_queue_handle_t *h)
{
    return net_queue__empty(h->active, h->capacity);
}

/** Producer of the free queue: true if no entry can be added (or its indices are corrupt). */
static inline bool net_queue_full_free(net_queue_handle_t *h)
{
    return net_queue__full(h->free, h->capacity);
}

/** Producer of the active queue: true if no entry can be added (or its indices are corrupt). */
static inline bool net_queue_full_active(net_queue_handle_t *h)
{
    return net_queue__full(h->active, h->capacity);
}

/** Producer: add @desc to the free queue. Returns 0, or -1 if full. */
static inline int net_enqueue_free(net_queue_handle_t *h, net_buff_desc_t desc)
{
    return net_queue__enqueue(h->free, h->capacity, desc);
}

/** Producer: add @desc to the active queue. Returns 0, or -1 if full. */
static inline int net_enqueue_active(net_queue_handle_t *h, net_buff_desc_t desc)
{
    return net_queue__enqueue(h->active, h->capacity, desc);
}

/**
 * Consumer: take the oldest entry of the free queue into *@out (a private
 * copy; validate it before use). Returns 0, or -1 if empty or corrupt.
 */
static inline int net_dequeue_free(net_queue_handle_t *h, net_buff_desc_t *out)
{
    return net_queue__dequeue(h->free, h->capacity, out);
}

/**
 * Consumer: take the oldest entry of the active queue into *@out (a private
 * copy; validate it before use). Returns 0, or -1 if empty or corrupt.
 */
static inline int net_dequeue_active(net_queue_handle_t *h, net_buff_desc_t *out)
{
    return net_queue__dequeue(h->active, h->capacity, out);
}

/** Consumer of the free queue: ask for a notification (then re-check the queue). */
static inline void net_request_signal_free(net_queue_handle_t *h)
{
    net_queue__request_signal(h->free);
}

/** Consumer of the active queue: ask for a notification (then re-check the queue). */
static inline void net_request_signal_active(net_queue_handle_t *h)
{
    net_queue__request_signal(h->active);
}

/** Mark the free queue's notification as not wanted or already sent. */
static inline void net_cancel_signal_free(net_queue_handle_t *h)
{
    net_queue__cancel_signal(h->free);
}

/** Mark the active queue's notification as not wanted or already sent. */
static inline void net_cancel_signal_active(net_queue_handle_t *h)
{
    net_queue__cancel_signal(h->active);
}

/** Producer of the free queue: true if its consumer asked for a notification. */
static inline bool net_require_signal_free(net_queue_handle_t *h)
{
    return net_queue__require_signal(h->free);
}

/** Producer of the active queue: true if its consumer asked for a notification. */
static inline bool net_require_signal_active(net_queue_handle_t *h)
{
    return net_queue__require_signal(h->active);
}

/**
 * Fill the free queue with every buffer of a data region: io_or_offset =
 * @base + i * NET_BUFFER_SIZE for i < capacity (base 0 for client offsets,
 * the region's IO address for a driver). Returns the number enqueued, which
 * is less than the capacity only if the queue was not empty.
 */
static inline uint32_t net_buffers_init(net_queue_handle_t *h, uint64_t base)
{
    uint32_t i;
    for (i = 0; i < h->capacity; i++) {
        net_buff_desc_t d = {base + (uint64_t)i * NET_BUFFER_SIZE, 0, 0, {0}};
        if (net_enqueue_free(h, d) != 0)
            break;
    }
    return i;
}

#endif /* SDDF_NET_QUEUE_H */
