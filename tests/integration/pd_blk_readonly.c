/*
 * tests/integration/pd_blk_readonly.c - a block client for a read-only
 * disk (test_blk_readonly.sh). Once its storage_info is published it logs
 * what the page says, then sends READ, WRITE, FLUSH, BARRIER and READ in one
 * batch and logs one line per response ("resp <name> status=<n> (<text>)
 * success_count=<n>"), then "readonly done". The WRITE's buffer holds a
 * pattern, so the test can check the image did not change.
 */
#include <string.h>

#include <sddf/os.h>
#include <sddf/blk/client.h>

static const char *const names[] = {"", "read", "write", "flush", "barrier", "read_again"};

static struct {
    blk_client_t blk;
    bool started;
    uint32_t answered;
} s;

static void poll(void)
{
    if (!s.started && blk_client_ready(&s.blk)) {
        s.started = true;
        sddf_log("storage_info: read_only=%u capacity=%llu sector_size=%u",
                 s.blk.info->read_only ? 1u : 0u, (unsigned long long)blk_client_capacity(&s.blk),
                 s.blk.info->sector_size);
        memset(blk_client_buf(&s.blk, 4096, 1), 0x5A, 4096);
        if (blk_client_submit(&s.blk, BLK_REQ_READ, 0, 0, 1, 1) != 0 ||
            blk_client_submit(&s.blk, BLK_REQ_WRITE, 4096, 1, 1, 2) != 0 ||
            blk_client_submit(&s.blk, BLK_REQ_FLUSH, 0, 0, 0, 3) != 0 ||
            blk_client_submit(&s.blk, BLK_REQ_BARRIER, 0, 0, 0, 4) != 0 ||
            blk_client_submit(&s.blk, BLK_REQ_READ, 8192, 1, 1, 5) != 0)
            sddf_fatal("request queue full");
    }
    blk_resp_t r;
    while (blk_client_complete(&s.blk, &r) == 0) {
        sddf_log("resp %s status=%u (%s) success_count=%u",
                 r.id >= 1 && r.id <= 5 ? names[r.id] : "?", r.status,
                 blk_resp_status_str(r.status), r.success_count);
        if (++s.answered == 5)
            sddf_log("readonly done");
    }
    blk_client_notify(&s.blk);
}

void init(void)
{
    memset(&s, 0, sizeof(s));
    blk_client_init(&s.blk);
    poll();
}

void notified(sddf_channel ch)
{
    (void)ch;
    poll();
}
