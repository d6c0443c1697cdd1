/*
 * examples/blk/blk_client.c - the block example's client PD (program
 * blk_client): uses its partition through the block client library.
 *
 * Once the virtualiser has published its storage_info it:
 *   1. reads block 0 of its partition and names the file system it finds
 *      (ext4: magic 0xEF53 at byte 1080; FAT: "FAT" type string and 0x55AA);
 *   2. writes a pattern to NBLK blocks from the middle of the partition
 *      (fewer on a partition of under 2 * NBLK blocks: from block
 *      capacity / 2 to its end, so at least one), one request per block (all
 *      in flight at once), then a BARRIER, then reads them back in two
 *      requests queued behind the barrier (one if there is one block), and
 *      checks every byte; ROUNDS times (a -D option; the hostile test uses
 *      many);
 *   3. FLUSHes and prints one line saying what it did.
 * On a partition that is not there (capacity 0) it sends one READ, expects
 * BLK_RESP_ERR_NO_DEVICE and says so. Pattern byte i of partition block b is
 * (b * 251) ^ (i * 7) ^ seed, seed from the PD name, so the host can
 * check the image afterwards. Its data region must hold 2 * NBLK blocks
 * (write and read-back buffers): a smaller one stops the PD at init with
 * one line.
 */
#include <string.h>

#include <sddf/os.h>
#include <sddf/blk/client.h>

#ifndef ROUNDS
#define ROUNDS 1
#endif
#define NBLK 16u
/* The read-back buffer, after the write buffers. */
#define READ_OFF ((uint64_t)NBLK * BLK_TRANSFER_SIZE)
/* Bytes of data region used: write buffers and read-back buffers. */
#define DATA_NEEDED (2 * READ_OFF)

enum { ID_PROBE = 1, ID_WRITE = 100, ID_BARRIER = 200, ID_READ = 300, ID_FLUSH = 400 };

static struct {
    blk_client_t blk;
    int phase; /* 0 waiting, 1 probing, 2 round in flight, 3 flushing, 4 done */
    uint64_t first;
    uint32_t nblk, round, outstanding, failures;
    uint8_t seed;
} s;

static uint8_t pattern(uint64_t b, uint32_t i)
{
    return (uint8_t)((b * 251) ^ ((uint64_t)i * 7) ^ s.seed);
}

/* "s" unless @n is 1: "1 block", "2 blocks". */
static const char *plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

static const char *fs_name(const uint8_t *b)
{
    if (b[1080] == 0x53 && b[1081] == 0xEF)
        return "ext4 (magic 0xEF53)";
    if (b[510] == 0x55 && b[511] == 0xAA &&
        (memcmp(b + 54, "FAT", 3) == 0 || memcmp(b + 82, "FAT32", 5) == 0))
        return "vfat (FAT boot sector)";
    return "none recognised";
}

static void submit(blk_req_code_t code, uint64_t off, uint64_t block, uint16_t count, uint32_t id)
{
    if (blk_client_submit(&s.blk, code, off, block, count, id) != 0)
        sddf_fatal("request queue full"); /* at most NBLK + 3 in flight, capacity 128 */
    s.outstanding++;
}

static void start_round(void)
{
    uint8_t *w = blk_client_buf(&s.blk, 0, s.nblk);
    for (uint32_t k = 0; k < s.nblk; k++) {
        for (uint32_t i = 0; i < BLK_TRANSFER_SIZE; i++)
            w[k * BLK_TRANSFER_SIZE + i] = pattern(s.first + k, i + s.round);
        submit(BLK_REQ_WRITE, (uint64_t)k * BLK_TRANSFER_SIZE, s.first + k, 1, ID_WRITE + k);
    }
    submit(BLK_REQ_BARRIER, 0, 0, 0, ID_BARRIER);
    memset(blk_client_buf(&s.blk, READ_OFF, s.nblk), 0, (size_t)s.nblk * BLK_TRANSFER_SIZE);
    /* Two reads (one when there is one block): never a zero-block request. */
    uint16_t half = (uint16_t)(s.nblk / 2);
    if (half > 0)
        submit(BLK_REQ_READ, READ_OFF, s.first, half, ID_READ);
    submit(BLK_REQ_READ, READ_OFF + (uint64_t)half * BLK_TRANSFER_SIZE, s.first + half,
           (uint16_t)(s.nblk - half), ID_READ + 1);
    s.phase = 2;
}

static void end_round(void)
{
    if (memcmp(blk_client_buf(&s.blk, 0, s.nblk), blk_client_buf(&s.blk, READ_OFF, s.nblk),
               (size_t)s.nblk * BLK_TRANSFER_SIZE) != 0)
        s.failures++;
    if (++s.round < ROUNDS && s.failures == 0) {
        start_round();
        return;
    }
    submit(BLK_REQ_FLUSH, 0, 0, 0, ID_FLUSH);
    s.phase = 3;
}

static void on_response(const blk_resp_t *r)
{
    s.outstanding--;
    if (s.phase == 1 && r->id == ID_PROBE) {
        if (r->status != BLK_RESP_OK) {
            sddf_log("no device: a read of block 0 was answered '%s'",
                     blk_resp_status_str(r->status));
            s.phase = 4;
            return;
        }
        uint64_t cap = blk_client_capacity(&s.blk);
        sddf_log("partition of %llu block%s (4 KiB), %u-byte sectors%s; block 0: file system %s",
                 (unsigned long long)cap, plural(cap), s.blk.info->sector_size,
                 s.blk.info->read_only ? ", read-only" : "", fs_name(s.blk.data));
        if (s.blk.info->read_only) {
            sddf_log("done ok (read-only: nothing written)");
            s.phase = 4;
            return;
        }
        /* The upper half of the partition, at most NBLK blocks: 1 block on a 1-block
           partition (block 0), 1 on a 2-block one (block 1). The probe said cap >= 1. */
        s.first = cap / 2;
        s.nblk = cap - s.first < NBLK ? (uint32_t)(cap - s.first) : NBLK;
        start_round();
        return;
    }
    if (r->status != BLK_RESP_OK ||
        (r->id >= ID_WRITE && r->id < ID_WRITE + NBLK && r->success_count != 1)) {
        sddf_log("request %u failed: %s (%u blocks done)", r->id, blk_resp_status_str(r->status),
                 r->success_count);
        s.failures++;
    }
    if (s.phase == 2 && s.outstanding == 0)
        end_round();
    else if (s.phase == 3 && s.outstanding == 0) {
        sddf_log("wrote %u block%s at partition block %llu (pattern seed 0x%02x, round %u), read "
                 "them back behind a barrier: %s; flushed",
                 s.nblk, plural(s.nblk), (unsigned long long)s.first, s.seed, s.round - 1,
                 s.failures ? "MISMATCH" : "match");
        sddf_log(s.failures ? "done FAILED (%u failures)" : "done ok", s.failures);
        s.phase = 4;
    }
}

static void poll(void)
{
    if (s.phase == 0 && blk_client_ready(&s.blk)) {
        s.phase = 1;
        submit(BLK_REQ_READ, 0, 0, 1, ID_PROBE); /* on no device: answered NO_DEVICE */
    }
    blk_resp_t r;
    while (blk_client_complete(&s.blk, &r) == 0)
        on_response(&r);
    blk_client_notify(&s.blk);
}

void init(void)
{
    memset(&s, 0, sizeof(s));
    blk_client_init(&s.blk);
    if (s.blk.data_size < DATA_NEEDED)
        sddf_fatal("data region too small (need %llu bytes, have %llu)",
                   (unsigned long long)DATA_NEEDED, (unsigned long long)s.blk.data_size);
    for (const char *p = sddf_get_pd_name(); *p; p++)
        s.seed = (uint8_t)(s.seed * 31 + (uint8_t)*p);
    poll();
}

void notified(sddf_channel ch)
{
    (void)ch;
    poll();
}
