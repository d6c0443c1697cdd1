/*
 * tests/host/pd_blk_check.c - a block-driver-like PD with two devices:
 * 0 = a disk image opened read-write, 1 = one opened read-only. In init it
 * checks what the monitor handed over (kinds, flags, O_DIRECT or not, the
 * RLIMIT_MEMLOCK it raised, in KiB), reads the pattern the test wrote, writes one
 * of its own for the test to find, checks that the read-only device refuses
 * writes, and stops the system. Results are statistics counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <sddf/host/device.h>
#include <sddf/os.h>
#include "test_layout.h"

#define BLOCK 4096u

static void flag(const char *name, bool value)
{
    sddf_stat_add(sddf_stat_counter(name), value ? 1 : 0);
}

static bool pattern_ok(const uint8_t *buf, uint8_t (*byte)(unsigned))
{
    for (unsigned i = 0; i < BLOCK; i++) {
        if (buf[i] != byte(i)) {
            return false;
        }
    }
    return true;
}

void init(void)
{
    int rw = sddf_host_device_fd(0), ro = sddf_host_device_fd(1);
    int frw = fcntl(rw, F_GETFL), fro = fcntl(ro, F_GETFL);
    flag("kinds_ok", sddf_host_device_kind(0) == SDDF_HOST_DEVICE_BLOCK &&
                         sddf_host_device_kind(1) == SDDF_HOST_DEVICE_BLOCK &&
                         sddf_host_device_kind(2) == 0 && sddf_host_device_fd(2) == -1 &&
                         sddf_host_device_fd(SDDF_HOST_MAX_DEVICES) == -1 &&
                         sddf_host_device_out_fd(0) == rw);
    flag("rw_rdwr", frw >= 0 && (frw & O_ACCMODE) == O_RDWR);
    flag("rw_nonblock", frw >= 0 && (frw & O_NONBLOCK));
    flag("rw_direct", frw >= 0 && (frw & O_DIRECT));
    flag("ro_rdonly", fro >= 0 && (fro & O_ACCMODE) == O_RDONLY);
    flag("ro_direct", fro >= 0 && (fro & O_DIRECT));

    uint8_t *buf = aligned_alloc(BLOCK, BLOCK); /* O_DIRECT wants aligned buffers */
    if (buf == NULL) {
        sddf_fatal("out of memory");
    }
    flag("read_ok", pread(rw, buf, BLOCK, 0) == BLOCK && pattern_ok(buf, test_blk_byte));
    for (unsigned i = 0; i < BLOCK; i++) {
        buf[i] = test_blk_pd_byte(i);
    }
    flag("write_ok", pwrite(rw, buf, BLOCK, TEST_BLK_WRITE_OFF) == BLOCK && fdatasync(rw) == 0);
    errno = 0;
    flag("ro_refused", pwrite(ro, buf, BLOCK, 0) < 0 && errno == EBADF);
    flag("ro_read_ok", pread(ro, buf, BLOCK, 0) == BLOCK && pattern_ok(buf, test_blk_ro_byte));
    free(buf);

    struct rlimit rl;
    if (getrlimit(RLIMIT_MEMLOCK, &rl) == 0) {
        sddf_stat_add(sddf_stat_counter("memlock_kib"),
                      rl.rlim_cur == RLIM_INFINITY ? UINT32_MAX : rl.rlim_cur >> 10);
    }
    test_stop_system();
}

void notified(sddf_channel ch)
{
    (void)ch;
}
