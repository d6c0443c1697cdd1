/*
 * sddf/blk/queue.h - the sDDF block transport: a request queue and a
 * response queue per connection, single-producer/single-consumer, in shared
 * memory.
 *
 * Wire format and semantics: sDDF design (0.7), block queue format
 * (PROTOCOLS 3.4): 32-bit free-running indices with *head before tail*
 * (the opposite of net), slot = index % capacity, every slot usable, the
 * capacity (a power of two) only in the private handle so a peer cannot make
 * us index out of bounds. Units: block_number and count are 4 KiB transfer
 * blocks (BLK_TRANSFER_SIZE); io_or_offset is an offset into the client's
 * data region on client queues and an IO address on driver queues;
 * success_count is in blocks. The id is the requester's cookie, returned
 * unchanged in the response; responses may come back out of order.
 *
 * Memory ordering (PDs run in parallel on the host): the producer writes the
 * entry, then publishes the tail with a release store; the consumer reads
 * the tail with an acquire load, copies the entry out, then publishes the
 * head with a release store. The block class does not use the signalling
 * flags: notifications are unconditional (sDDF design).
 *
 * Never trust the peer: a length (tail - head) above the capacity means
 * corrupt indices and reads as empty to a consumer and full to a producer,
 * so a corrupt queue stalls only the pair it belongs to. Entries are copied
 * out once; the caller validates the copy (the code may be any value).
 */
#ifndef SDDF_BLK_QUEUE_H
#define SDDF_BLK_QUEUE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** Bytes of one transfer block: block numbers, counts and offsets are in these units. */
#define BLK_TRANSFER_SIZE 4096u

/** Largest queue capacity (a power of two; sDDF's connection record has a u16 count). */
#define BLK_MAX_QUEUE_CAPACITY 32768u

/** Request codes (sDDF). FLUSH and BARRIER refer to no buffer. */
typedef enum blk_req_code {
    BLK_REQ_READ = 0,    /* device -> buffer, count blocks from block_number */
    BLK_REQ_WRITE = 1,   /* buffer -> device */
    BLK_REQ_FLUSH = 2,   /* write back any device cache (completed writes become durable) */
    BLK_REQ_BARRIER = 3, /* nothing after it starts before everything before it completed */
} blk_req_code_t;

/** Response statuses (sDDF). success_count says how many blocks were done before a failure. */
typedef enum blk_resp_status {
    BLK_RESP_OK = 0,
    BLK_RESP_ERR_UNSPEC = 1,
    BLK_RESP_ERR_INVALID_PARAM = 2, /* bad code, count, range or offset: nothing was done */
    BLK_RESP_ERR_IO = 3,            /* the device failed (or a short transfer) */
    BLK_RESP_ERR_NO_DEVICE = 4,     /* no device (e.g. the partition does not exist) */
} blk_resp_status_t;

/** A request (32 bytes, sDDF layout). @code is a blk_req_code_t as stored, unchecked. */
typedef struct blk_req {
    uint32_t code;
    uint32_t reserved0;
    uint64_t io_or_offset;
    uint64_t block_number;
    uint16_t count;
    uint16_t reserved1;
    uint32_t id;
} blk_req_t;
_Static_assert(sizeof(blk_req_t) == 32, "blk_req_t is 32 bytes");
_Static_assert(offsetof(blk_req_t, io_or_offset) == 8, "io_or_offset at 8");
_Static_assert(offsetof(blk_req_t, block_number) == 16, "block_number at 16");
_Static_assert(offsetof(blk_req_t, count) == 24, "count at 24");
_Static_assert(offsetof(blk_req_t, id) == 28, "id at 28");

/** A response (12 bytes, sDDF layout). @status is a blk_resp_status_t as stored, unchecked. */
typedef struct blk_resp {
    uint32_t status;
    uint16_t success_count;
    uint16_t reserved;
    uint32_t id;
} blk_resp_t;
_Static_assert(sizeof(blk_resp_t) == 12, "blk_resp_t is 12 bytes");
_Static_assert(offsetof(blk_resp_t, success_count) == 4, "success_count at 4");
_Static_assert(offsetof(blk_resp_t, id) == 8, "id at 8");

/** The request queue: head, tail, the plug hint, then the entries at 16. */
typedef struct blk_req_queue {
    _Atomic uint32_t head; /* written by the consumer only */
    _Atomic uint32_t tail; /* written by the producer only */
    _Atomic uint8_t plugged;
    uint8_t reserved[7];
    blk_req_t buffers[];
} blk_req_queue_t;
_Static_assert(offsetof(blk_req_queue_t, tail) == 4, "tail at 4");
_Static_assert(offsetof(blk_req_queue_t, plugged) == 8, "plugged at 8");
_Static_assert(offsetof(blk_req_queue_t, buffers) == 16, "buffers at 16");

/** The response queue: head, tail, then the entries at 8. */
typedef struct blk_resp_queue {
    _Atomic uint32_t head;
    _Atomic uint32_t tail;
    blk_resp_t buffers[];
} blk_resp_queue_t;
_Static_assert(offsetof(blk_resp_queue_t, buffers) == 8, "buffers at 8");

/** Bytes of shared memory a request / response queue of @capacity entries needs. */
#define BLK_REQ_QUEUE_BYTES(capacity)                                                              \
    (sizeof(blk_req_queue_t) + (size_t)(capacity) * sizeof(blk_req_t))
#define BLK_RESP_QUEUE_BYTES(capacity)                                                             \
    (sizeof(blk_resp_queue_t) + (size_t)(capacity) * sizeof(blk_resp_t))

/** The private view of one request/response queue pair. */
typedef struct blk_queue_handle {
    blk_req_queue_t *req_queue;
    blk_resp_queue_t *resp_queue;
    uint32_t capacity; /* power of two, 1 .. BLK_MAX_QUEUE_CAPACITY */
} blk_queue_handle_t;

/** True if @capacity is a power of two in 1..BLK_MAX_QUEUE_CAPACITY. */
static inline bool blk_queue_capacity_valid(uint32_t capacity)
{
    return capacity != 0 && capacity <= BLK_MAX_QUEUE_CAPACITY && (capacity & (capacity - 1)) == 0;
}

/** Bind @h to a queue pair. Returns 0, or -1 (handle unchanged) if @capacity is not valid. */
static inline int blk_queue_init(blk_queue_handle_t *h, blk_req_queue_t *req,
                                 blk_resp_queue_t *resp, uint32_t capacity)
{
    if (!blk_queue_capacity_valid(capacity))
        return -1;
    h->req_queue = req;
    h->resp_queue = resp;
    h->capacity = capacity;
    return 0;
}

/* Consumer's view: entries available (peer's tail acquire, own head relaxed). */
static inline uint32_t blk_queue__cons_len(_Atomic uint32_t *head, _Atomic uint32_t *tail,
                                           uint32_t *head_out)
{
    uint32_t t = atomic_load_explicit(tail, memory_order_acquire);
    uint32_t h = atomic_load_explicit(head, memory_order_relaxed);
    *head_out = h;
    return t - h;
}

/* Producer's view: entries in use (peer's head acquire, own tail relaxed). */
static inline uint32_t blk_queue__prod_len(_Atomic uint32_t *head, _Atomic uint32_t *tail,
                                           uint32_t *tail_out)
{
    uint32_t h = atomic_load_explicit(head, memory_order_acquire);
    uint32_t t = atomic_load_explicit(tail, memory_order_relaxed);
    *tail_out = t;
    return t - h;
}

/** Entries in the request queue as its indices say (may exceed the capacity if corrupt). */
static inline uint32_t blk_queue_length_req(blk_queue_handle_t *h)
{
    return atomic_load_explicit(&h->req_queue->tail, memory_order_acquire) -
           atomic_load_explicit(&h->req_queue->head, memory_order_acquire);
}

/** Entries in the response queue as its indices say (may exceed the capacity if corrupt). */
static inline uint32_t blk_queue_length_resp(blk_queue_handle_t *h)
{
    return atomic_load_explicit(&h->resp_queue->tail, memory_order_acquire) -
           atomic_load_explicit(&h->resp_queue->head, memory_order_acquire);
}

/** Consumer of requests: true if none is queued (or the indices are corrupt). */
static inline bool blk_queue_empty_req(blk_queue_handle_t *h)
{
    uint32_t head;
    uint32_t len = blk_queue__cons_len(&h->req_queue->head, &h->req_queue->tail, &head);
    return len == 0 || len > h->capacity;
}

/** Consumer of responses: true if none is queued (or the indices are corrupt). */
static inline bool blk_queue_empty_resp(blk_queue_handle_t *h)
{
    uint32_t head;
    uint32_t len = blk_queue__cons_len(&h->resp_queue->head, &h->resp_queue->tail, &head);
    return len == 0 || len > h->capacity;
}

/** Producer of requests: true if no request can be added (or the indices are corrupt). */
static inline bool blk_queue_full_req(blk_queue_handle_t *h)
{
    uint32_t tail;
    return blk_queue__prod_len(&h->req_queue->head, &h->req_queue->tail, &tail) >= h->capacity;
}

/** Producer of responses: true if no response can be added (or the indices are corrupt). */
static inline bool blk_queue_full_resp(blk_queue_handle_t *h)
{
    uint32_t tail;
    return blk_queue__prod_len(&h->resp_queue->head, &h->resp_queue->tail, &tail) >= h->capacity;
}

/** Producer: add a request. Returns 0, or -1 if the queue is full (or corrupt). */
static inline int blk_enqueue_req(blk_queue_handle_t *h, blk_req_code_t code, uint64_t io_or_offset,
                                  uint64_t block_number, uint16_t count, uint32_t id)
{
    blk_req_queue_t *q = h->req_queue;
    uint32_t tail;
    if (blk_queue__prod_len(&q->head, &q->tail, &tail) >= h->capacity)
        return -1;
    blk_req_t *e = &q->buffers[tail & (h->capacity - 1)];
    *e = (blk_req_t){.code = (uint32_t)code,
                     .io_or_offset = io_or_offset,
                     .block_number = block_number,
                     .count = count,
                     .id = id};
    atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
    return 0;
}

/**
 * Consumer: take the oldest request into *@out (a private copy: validate it,
 * @out->code may be any value). Returns 0, or -1 if empty or corrupt.
 */
static inline int blk_dequeue_req_entry(blk_queue_handle_t *h, blk_req_t *out)
{
    blk_req_queue_t *q = h->req_queue;
    uint32_t head;
    uint32_t len = blk_queue__cons_len(&q->head, &q->tail, &head);
    if (len == 0 || len > h->capacity)
        return -1;
    *out = q->buffers[head & (h->capacity - 1)];
    atomic_store_explicit(&q->head, head + 1, memory_order_release);
    return 0;
}

/** Consumer: sDDF's field-by-field form of blk_dequeue_req_entry (*@code is unchecked). */
static inline int blk_dequeue_req(blk_queue_handle_t *h, uint32_t *code, uint64_t *io_or_offset,
                                  uint64_t *block_number, uint16_t *count, uint32_t *id)
{
    blk_req_t r;
    if (blk_dequeue_req_entry(h, &r) != 0)
        return -1;
    *code = r.code;
    *io_or_offset = r.io_or_offset;
    *block_number = r.block_number;
    *count = r.count;
    *id = r.id;
    return 0;
}

/** Producer: add a response. Returns 0, or -1 if the queue is full (or corrupt). */
static inline int blk_enqueue_resp(blk_queue_handle_t *h, blk_resp_status_t status,
                                   uint16_t success_count, uint32_t id)
{
    blk_resp_queue_t *q = h->resp_queue;
    uint32_t tail;
    if (blk_queue__prod_len(&q->head, &q->tail, &tail) >= h->capacity)
        return -1;
    q->buffers[tail & (h->capacity - 1)] =
        (blk_resp_t){.status = (uint32_t)status, .success_count = success_count, .id = id};
    atomic_store_explicit(&q->tail, tail + 1, memory_order_release);
    return 0;
}

/** Consumer: take the oldest response (a private copy). Returns 0, or -1 if empty or corrupt. */
static inline int blk_dequeue_resp_entry(blk_queue_handle_t *h, blk_resp_t *out)
{
    blk_resp_queue_t *q = h->resp_queue;
    uint32_t head;
    uint32_t len = blk_queue__cons_len(&q->head, &q->tail, &head);
    if (len == 0 || len > h->capacity)
        return -1;
    *out = q->buffers[head & (h->capacity - 1)];
    atomic_store_explicit(&q->head, head + 1, memory_order_release);
    return 0;
}

/** Consumer: sDDF's field-by-field form of blk_dequeue_resp_entry (*@status is unchecked). */
static inline int blk_dequeue_resp(blk_queue_handle_t *h, uint32_t *status, uint16_t *success_count,
                                   uint32_t *id)
{
    blk_resp_t r;
    if (blk_dequeue_resp_entry(h, &r) != 0)
        return -1;
    *status = r.status;
    *success_count = r.success_count;
    *id = r.id;
    return 0;
}

/** Producer: ask the consumer to hold off dequeuing (a batching hint; sDDF's plug). */
static inline void blk_queue_plug_req(blk_queue_handle_t *h)
{
    atomic_store_explicit(&h->req_queue->plugged, 1, memory_order_release);
}

/** Producer: lift the plug (then notify the consumer). */
static inline void blk_queue_unplug_req(blk_queue_handle_t *h)
{
    atomic_store_explicit(&h->req_queue->plugged, 0, memory_order_release);
}

/** Consumer: true if the producer plugged the queue. A hint only: no component must rely on it. */
static inline bool blk_queue_plugged_req(blk_queue_handle_t *h)
{
    return atomic_load_explicit(&h->req_queue->plugged, memory_order_acquire) != 0;
}

#endif /* SDDF_BLK_QUEUE_H */
