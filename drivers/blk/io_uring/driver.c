/*
 * drivers/blk/io_uring/driver.c - the block driver for a disk image file or
 * a block device, through io_uring (program blk_driver_io_uring).
 *
 * It only translates between the sDDF block queues and the disk (sDDF
 * design: no policy, no clients). The request engine (engine.c) holds the
 * protocol rules; ring.c issues the I/O through io_uring; this file is the
 * PD: configuration, storage_info, and the handler.
 *
 * The IRQ is an eventfd registered with io_uring (readable = completion
 * work is waiting). Handler: reap completions into responses, take new
 * requests (each submitted at once), notify the virtualiser (always when
 * responses were produced: the block class does not use the signalling
 * flags), then a bounded polling window (below).
 *
 * Polling window (measured in bench/blk, see README "Block benchmark"):
 * while only a few requests are in flight (0 < in flight <=
 * POLL_MAX_IN_FLIGHT), the handler keeps looking at the completion ring and
 * the request queue for up to POLL_IDLE_NS after the last work it found,
 * yielding the CPU between looks so that PDs sharing it run first. At queue
 * depth 1 this saves a sleep and wake-up per request; at high depth the
 * device queue is full, nothing is gained by polling and the handler sleeps
 * at once. One handler call polls at most POLL_MAX_NS. Counted:
 * poll_hits (work found while polling), poll_idle_ns (time spent looking
 * without finding work).
 */
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sddf/os.h>
#include <sddf/host/device.h>

#include "../../../blk/components/blk_checks.h"
#include "disk.h"
#include "engine.h"
#include "ring.h"

#define POLL_MAX_IN_FLIGHT 4u
#define POLL_IDLE_NS       50000ull   /* 50 us after the last work found */
#define POLL_MAX_NS        1000000ull /* 1 ms per handler call */

static struct {
    const blk_driver_config_t *cfg;
    blk_storage_info_t *info;
    blk_disk_t disk;
    int fd, efd;
    blk_ring_t ring;
    blk_engine_t eng;
    uint64_t *bad, *poll_hits, *poll_idle_ns;
} d;

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Completions -> responses, requests -> disk, notify the virt. True if anything was done. */
static bool work(void)
{
    uint32_t done = blk_ring_reap(&d.ring, &d.eng);
    uint32_t taken = blk_engine_intake(&d.eng);
    if (io_uring_sq_ready(&d.ring.ring) > 0) /* left over by a failed submit */
        blk_ring_submit(&d.eng);
    if (blk_engine_take_notify(&d.eng))
        sddf_notify(d.cfg->virt.id);
    return done > 0 || taken > 0;
}

static bool worth_polling(void)
{
    return d.eng.in_flight > 0 && d.eng.in_flight <= POLL_MAX_IN_FLIGHT;
}

/* The bounded polling window (see the top of the file). */
static void poll_window(void)
{
    uint64_t start = now_ns(), last = start, t = start;
    while (worth_polling() && t - last < POLL_IDLE_NS && t - start < POLL_MAX_NS) {
        if ((blk_ring_pending(&d.ring) || blk_engine_can_take(&d.eng)) && work()) {
            sddf_stat_add(d.poll_hits, 1);
            last = t = now_ns();
            continue;
        }
        sched_yield(); /* a PD sharing this CPU runs first */
        t = now_ns();
    }
    sddf_stat_add(d.poll_idle_ns, t - last);
}

void init(void)
{
    memset(&d, 0, sizeof(d));
    d.cfg = blk_config_get(BLK_ROLE_DRIVER, sizeof(*d.cfg), "blk driver");
    blk_queue_handle_t q = blk_check_conn(&d.cfg->virt, "blk driver");
    d.info = sddf_region_ptr(&d.cfg->virt.storage_info);
    if (d.cfg->num_io_regions == 0 || d.cfg->num_io_regions > SDDF_BLK_MAX_IO_REGIONS)
        sddf_fatal("blk driver: %u IO regions", d.cfg->num_io_regions);
    for (uint32_t i = 0; i < d.cfg->num_io_regions; i++)
        blk_check_data(&d.cfg->io_regions[i], "blk driver: IO region");
    d.fd = sddf_host_device_fd(d.cfg->device_id);
    d.efd = sddf_host_irq_fd(d.cfg->irq_id);
    if (d.fd < 0 || d.efd < 0)
        sddf_fatal("blk driver: no disk (device %u) or no eventfd IRQ (channel %u)",
                   d.cfg->device_id, d.cfg->irq_id);
    int rc = blk_disk_probe(d.fd, &d.disk);
    if (rc < 0)
        sddf_fatal("blk driver: cannot use the disk descriptor: %s", strerror(-rc));
    uint64_t blocks = d.disk.bytes / BLK_TRANSFER_SIZE;
    rc = blk_ring_setup(&d.ring, d.fd, d.efd, q.capacity, d.cfg->io_regions, d.cfg->num_io_regions);
    if (rc < 0)
        sddf_fatal("blk driver: io_uring setup (%u entries): %s", q.capacity, strerror(-rc));
    blk_engine_stats_t st = {
        .reads = sddf_stat_counter("reads"),
        .writes = sddf_stat_counter("writes"),
        .flushes = sddf_stat_counter("flushes"),
        .barriers = sddf_stat_counter("barriers"),
        .errors = sddf_stat_counter("errors"),
        .bad = sddf_stat_counter("bad"),
        .short_io = sddf_stat_counter("short_transfers"),
        .retries = sddf_stat_counter("retries"),
    };
    d.bad = st.bad;
    d.poll_hits = sddf_stat_counter("poll_hits");
    d.poll_idle_ns = sddf_stat_counter("poll_idle_ns");
    blk_engine_init(&d.eng, q, d.cfg->io_regions, d.cfg->num_io_regions, blocks, d.disk.read_only,
                    st);
    /* The whole sectors of a final partial block: readable (zeros past the end), so that the
       virtualiser finds a GPT backup in the last sector (sddf/blk/storage_info.h). */
    uint64_t sectors = d.disk.bytes / d.disk.sector_size;
    d.eng.tail = (uint32_t)(sectors * d.disk.sector_size - blocks * BLK_TRANSFER_SIZE);
    d.eng.ring = &d.ring;
    char mode[256];
    sddf_log("disk: %llu block%s of 4 KiB, %u-byte sectors, %s, %s, io_uring: %s",
             (unsigned long long)blocks, blocks == 1 ? "" : "s", d.disk.sector_size,
             d.disk.read_only ? "read-only" : "read-write",
             d.disk.direct ? "O_DIRECT" : "buffered I/O (no O_DIRECT on this file system)",
             blk_ring_mode(&d.ring, mode, sizeof(mode)));
    if (d.eng.tail > 0)
        sddf_log("and a partial block of %u sectors (%u bytes) at the end: read-only, for the "
                 "partition table (total %llu sectors)",
                 d.eng.tail / d.disk.sector_size, d.eng.tail, (unsigned long long)sectors);
    if (d.disk.bytes % d.disk.sector_size != 0)
        sddf_log("the last %llu bytes (less than a sector) are not used",
                 (unsigned long long)(d.disk.bytes % d.disk.sector_size));
    snprintf(d.info->serial_number, sizeof(d.info->serial_number), "io_uring-%s", d.disk.serial);
    d.info->read_only = d.disk.read_only;
    d.info->sector_size = (uint16_t)d.disk.sector_size;
    d.info->block_size = 1;
    d.info->queue_depth = (uint16_t)(q.capacity > 0xFFFF ? 0xFFFF : q.capacity);
    d.info->capacity = blocks;
    *blk_storage_sectors(d.info) = sectors;
    blk_storage_set_ready(d.info, true);
    sddf_notify(d.cfg->virt.id);
}

void notified(sddf_channel ch)
{
    if (ch == d.cfg->irq_id) {
        uint64_t v;
        if (read(d.efd, &v, sizeof(v)) < 0 && errno != EAGAIN)
            sddf_stat_add(d.bad, 1);
        sddf_irq_ack(ch);
    }
    work();
    poll_window();
}
