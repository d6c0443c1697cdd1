/*
 * bench/blk/blk_bench.c - the block benchmark's client PD (program
 * blk_bench): drives its partition through the client, the virtualiser and
 * the io_uring driver (three PDs) and prints one machine-readable line per
 * workload, the same workloads bench/blk/run.sh gives fio:
 *   randread_qd1   4 KiB random reads, 1 in flight
 *   randread_qd32  4 KiB random reads, 32 in flight
 *   seqread_1m     1 MiB sequential reads, SEQ_DEPTH in flight
 *   seqwrite_1m    1 MiB sequential writes, SEQ_DEPTH in flight
 * Each runs for PHASE_NS (then drains). A PD named "bench-<workload>" runs
 * only that workload (run.sh alternates sddf and fio per workload so that
 * both see the same host state); any other name runs all four in order.
 * A benchmark, not a test: it reports
 * figures and fails only on an I/O error. It reads the clock directly
 * (clock_gettime), which a component would not; this is a measuring tool.
 */
#include <string.h>
#include <time.h>

#include <sddf/os.h>
#include <sddf/blk/client.h>

#define PHASE_NS   3000000000ull
#define SEQ_DEPTH  4u
#define SEQ_BLOCKS 256u /* 1 MiB */

static const struct {
    const char *name;
    uint32_t depth, blocks;
    blk_req_code_t code;
    bool rnd;
} phases[] = {
    {"randread_qd1", 1, 1, BLK_REQ_READ, true},
    {"randread_qd32", 32, 1, BLK_REQ_READ, true},
    {"seqread_1m", SEQ_DEPTH, SEQ_BLOCKS, BLK_REQ_READ, false},
    {"seqwrite_1m", SEQ_DEPTH, SEQ_BLOCKS, BLK_REQ_WRITE, false},
};
#define NUM_PHASES (sizeof(phases) / sizeof(phases[0]))

static struct {
    blk_client_t blk;
    bool started, done;
    uint32_t phase, last_phase, in_flight;
    uint64_t t0, ops, errors, next_block, rng, capacity;
    bool stopping;
} b;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t xorshift(void)
{
    b.rng ^= b.rng << 13;
    b.rng ^= b.rng >> 7;
    b.rng ^= b.rng << 17;
    return b.rng;
}

/* Submit one request of the current phase in slot @slot (its own buffer). */
static void issue(uint32_t slot)
{
    uint32_t n = phases[b.phase].blocks;
    uint64_t block;
    if (phases[b.phase].rnd) {
        block = xorshift() % b.capacity;
    } else {
        if (b.next_block + n > b.capacity)
            b.next_block = 0;
        block = b.next_block;
        b.next_block += n;
    }
    if (blk_client_submit(&b.blk, phases[b.phase].code, (uint64_t)slot * n * BLK_TRANSFER_SIZE,
                          block, (uint16_t)n, slot) == 0)
        b.in_flight++;
}

static void start_phase(void)
{
    b.t0 = now_ns();
    b.ops = b.errors = b.next_block = 0;
    b.stopping = false;
    for (uint32_t s = 0; s < phases[b.phase].depth; s++)
        issue(s);
}

static void end_phase(void)
{
    uint64_t ns = now_ns() - b.t0;
    double secs = (double)ns / 1e9;
    double bytes = (double)b.ops * phases[b.phase].blocks * BLK_TRANSFER_SIZE;
    sddf_log("bench sddf %s ops=%llu seconds=%.3f iops=%.0f mbps=%.1f errors=%llu",
             phases[b.phase].name, (unsigned long long)b.ops, secs, (double)b.ops / secs,
             bytes / secs / 1e6, (unsigned long long)b.errors);
    if (++b.phase <= b.last_phase) {
        start_phase();
    } else {
        sddf_log("bench done");
        b.done = true;
    }
}

static void poll(void)
{
    if (!b.started && blk_client_ready(&b.blk)) {
        b.started = true;
        b.capacity = blk_client_capacity(&b.blk);
        b.rng = 0x9E3779B97F4A7C15ull;
        if (b.capacity < (uint64_t)SEQ_BLOCKS * SEQ_DEPTH ||
            b.blk.data_size < (uint64_t)SEQ_DEPTH * SEQ_BLOCKS * BLK_TRANSFER_SIZE) {
            sddf_log("bench: partition or data region too small");
            b.done = true;
            return;
        }
        start_phase();
    }
    blk_resp_t r;
    while (!b.done && blk_client_complete(&b.blk, &r) == 0) {
        b.in_flight--;
        b.ops++;
        if (r.status != BLK_RESP_OK)
            b.errors++;
        if (!b.stopping && (b.ops & 63) == 0 && now_ns() - b.t0 >= PHASE_NS)
            b.stopping = true;
        if (!b.stopping)
            issue(r.id);
        else if (b.in_flight == 0)
            end_phase();
    }
    blk_client_notify(&b.blk);
}

/* Which workloads to run: all, or the one the PD's name selects. */
static void select_phases(void)
{
    const char *name = sddf_get_pd_name();
    const char *dash = name ? strchr(name, '-') : NULL;
    b.phase = 0;
    b.last_phase = NUM_PHASES - 1;
    for (uint32_t i = 0; dash != NULL && i < NUM_PHASES; i++)
        if (strcmp(dash + 1, phases[i].name) == 0)
            b.phase = b.last_phase = i;
}

void init(void)
{
    memset(&b, 0, sizeof(b));
    select_phases();
    blk_client_init(&b.blk);
    poll();
}

void notified(sddf_channel ch)
{
    (void)ch;
    poll();
}
