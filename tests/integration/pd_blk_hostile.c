/*
 * tests/integration/pd_blk_hostile.c - a hostile block client (program
 * pd_blk_hostile, test_blk_hostile.sh). It takes a well-behaved client's
 * place next to another client and abuses its connection, checking that
 * each abuse is answered correctly, in phases driven by notifications:
 *   ids     8 READs in flight with the same id: 8 OK responses, all with it;
 *   bounds  block numbers near 2^64, ranges wrapping 2^64, offsets outside or
 *           misaligned in its data region, count 0, unknown codes: each
 *           answered BLK_RESP_ERR_INVALID_PARAM with success_count 0;
 *   flood   the request queue refilled to capacity on every notification,
 *           FLOOD_ROUNDS times (the unit test covers a client that never
 *           takes its responses);
 *   corrupt garbage written to its queue indices, then a burst of signals.
 * Each phase logs "hostile: PHASE ok" or "hostile: PHASE FAILED ...".
 */
#include <stdint.h>
#include <string.h>

#include <sddf/os.h>
#include <sddf/blk/client.h>

#define FLOOD_ROUNDS 200u

static struct {
    blk_client_t blk;
    int phase;
    uint32_t expect, got, bad, rounds;
} h;

static void next_phase(void);

static void phase_ids(void)
{
    for (int i = 0; i < 8; i++)
        blk_client_submit(&h.blk, BLK_REQ_READ, (uint64_t)i * 4096, (uint64_t)i, 1, 7);
    h.expect = 8;
}

static void phase_bounds(void)
{
    uint64_t cap = blk_client_capacity(&h.blk), size = h.blk.data_size;
    const struct { // NOLINT(clang-analyzer-optin.performance.Padding): fields in argument order
        uint32_t code;
        uint64_t off, block;
        uint16_t count;
    } bad[] = {
        {BLK_REQ_READ, 0, UINT64_MAX, 1},
        {BLK_REQ_WRITE, 0, UINT64_MAX - 1, 4},
        {BLK_REQ_READ, 0, cap, 1},
        {BLK_REQ_WRITE, 0, cap - 1, 2},
        {BLK_REQ_READ, size, 0, 1},
        {BLK_REQ_READ, 512, 0, 1},
        {BLK_REQ_WRITE, size - 4096, 0, 2},
        {BLK_REQ_READ, UINT64_MAX - 4095, 0, 1},
        {BLK_REQ_READ, 0, 0, 0},
        {4, 0, 0, 1},
        {0xFFFFFFFFu, 0, 0, 1},
        {BLK_REQ_READ, 0, 0, 65535},
    };
    for (uint32_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        blk_client_submit(&h.blk, (blk_req_code_t)bad[i].code, bad[i].off, bad[i].block,
                          bad[i].count, 1000 + i);
    h.expect = sizeof(bad) / sizeof(bad[0]);
}

static void flood(void)
{
    while (blk_client_submit(&h.blk, BLK_REQ_READ, 0, h.rounds % 64, 1, h.rounds) == 0)
        ;
}

static void check(const blk_resp_t *r)
{
    h.got++;
    if (h.phase == 1 && (r->id != 7 || r->status != BLK_RESP_OK || r->success_count != 1))
        h.bad++;
    if (h.phase == 2 && (r->status != BLK_RESP_ERR_INVALID_PARAM || r->success_count != 0))
        h.bad++;
}

static void report(const char *name)
{
    if (h.bad == 0 && h.got == h.expect)
        sddf_log("hostile: %s ok (%u responses)", name, h.got);
    else
        sddf_log("hostile: %s FAILED (%u of %u responses, %u wrong)", name, h.got, h.expect, h.bad);
}

static void next_phase(void)
{
    h.got = h.bad = h.expect = 0;
    h.phase++;
    if (h.phase == 1)
        phase_ids();
    else if (h.phase == 2)
        phase_bounds();
    else if (h.phase == 3)
        flood();
    else if (h.phase == 4) {
        atomic_store(&h.blk.queue.req_queue->tail, 0xDEADBEEFu);
        atomic_store(&h.blk.queue.resp_queue->head, 0x12345678u);
        for (int i = 0; i < 1000; i++)
            sddf_notify(h.blk.ch);
        sddf_log("hostile: corrupt done (indices garbage, 1000 signals)");
    }
}

void init(void)
{
    memset(&h, 0, sizeof(h));
    blk_client_init(&h.blk);
}

void notified(sddf_channel ch)
{
    (void)ch;
    if (h.phase == 0 && blk_client_ready(&h.blk) && blk_client_capacity(&h.blk) > 64)
        next_phase();
    blk_resp_t r;
    if (h.phase == 3) {
        /* Keep the request queue full: take what came back, refill, signal. */
        while (blk_client_complete(&h.blk, &r) == 0)
            h.got++;
        if (++h.rounds < FLOOD_ROUNDS) {
            flood();
            sddf_notify(h.blk.ch);
            return;
        }
        sddf_log("hostile: flood ok (%u rounds, %u responses)", h.rounds, h.got);
        next_phase();
        return;
    }
    while (h.phase < 3 && blk_client_complete(&h.blk, &r) == 0)
        check(&r);
    if (h.phase > 0 && h.phase < 3 && h.got >= h.expect) {
        report(h.phase == 1 ? "ids" : "bounds");
        next_phase();
    }
    blk_client_notify(&h.blk);
    if (h.phase == 3)
        sddf_notify(h.blk.ch);
}
