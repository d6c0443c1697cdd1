/*
 * sddf/blk/client.h - the block client library: a small request/completion
 * API over a client's sDDF block connection (request and response queues,
 * read-only storage_info page, data region), for client PDs.
 *
 * Use: blk_client_init() in init(); wait for blk_client_ready() (the
 * virtualiser notifies the client when it publishes the storage_info);
 * put data in blk_client_buf(), submit with blk_client_read/write/flush/
 * barrier (each returns -1 when the queue is full), call blk_client_notify()
 * once per batch, and take completions with blk_client_complete() in
 * notified(). A request's buffer belongs to the device until its
 * completion arrives (sDDF ownership rule). Offsets and block numbers are in
 * bytes and 4 KiB blocks respectively; ids are the caller's cookies.
 */
#ifndef SDDF_BLK_CLIENT_H
#define SDDF_BLK_CLIENT_H

#include <stdbool.h>
#include <stdint.h>
#include <sddf/os.h>
#include <sddf/blk/config.h>
#include <sddf/blk/queue.h>
#include <sddf/blk/storage_info.h>

/** A client's view of its block connection. */
typedef struct blk_client {
    blk_queue_handle_t queue;
    blk_storage_info_t *info; /* read-only, published by the virtualiser */
    uint8_t *data;            /* the data region */
    uint64_t data_size;       /* bytes, a multiple of BLK_TRANSFER_SIZE */
    sddf_channel ch;          /* to the virtualiser */
    uint32_t in_flight;       /* submitted, completion not yet taken */
    bool pending_notify;      /* submitted since the last blk_client_notify */
} blk_client_t;

/**
 * Bind @c to this PD's block client record (sddf_config_find). Stops the PD
 * (sddf_fatal) if the record is missing or inconsistent.
 */
void blk_client_init(blk_client_t *c);

/** True once the virtualiser has published this client's storage_info. */
bool blk_client_ready(blk_client_t *c);

/** The partition's size in 4 KiB blocks; 0 = no device (or not ready yet). */
uint64_t blk_client_capacity(blk_client_t *c);

/**
 * A pointer to @blocks blocks of the data region at byte @offset, or NULL if
 * that range is not inside the region or @offset is not 4 KiB-aligned.
 */
uint8_t *blk_client_buf(blk_client_t *c, uint64_t offset, uint32_t blocks);

/**
 * Queue a request: READ or WRITE of @count blocks at partition block @block
 * from/to data-region byte @offset; FLUSH and BARRIER ignore the other
 * arguments. Returns 0, or -1 if the request queue is full (nothing queued).
 */
int blk_client_submit(blk_client_t *c, blk_req_code_t code, uint64_t offset, uint64_t block,
                      uint16_t count, uint32_t id);

/** Signal the virtualiser if anything was submitted since the last call. */
void blk_client_notify(blk_client_t *c);

/** Take the next completion into *@out. Returns 0, or -1 if there is none. */
int blk_client_complete(blk_client_t *c, blk_resp_t *out);

/** A short name for a response status ("ok", "invalid parameter", ...). */
const char *blk_resp_status_str(uint32_t status);

#endif /* SDDF_BLK_CLIENT_H */
