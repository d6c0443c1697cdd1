/*
 * tests/host/test_layout.h - what the host-layer test driver (test_monitor.c)
 * and its test PD programs agree on: virtual addresses, channel ids, counts.
 */
#ifndef SDDF_TESTS_HOST_LAYOUT_H
#define SDDF_TESTS_HOST_LAYOUT_H

#include <stdint.h>
#include <sddf/os.h>

#define TEST_SHARED_VADDR    0x200000000000ull /* every test region's vaddr */
#define TEST_RO_FAULT_ADDR   0x200000001000ull /* where pd_ro_writer writes */
#define TEST_PINGPONG_ROUNDS 100000u
#define TEST_PPC_CALLS       1000u
#define TEST_PPC_SERVER_CH   5u /* the server's id of the pp channel */
#define TEST_TAP_NAME        "sddft0"
#define TEST_TAP_MTU         1400u
#define TEST_TAP_ADDR        "198.18.5.1"
#define TEST_TIMER_TICKS     3u
#define TEST_BLK_SIZE        65536u /* bytes of each test disk image */
#define TEST_BLK_WRITE_OFF   8192u  /* where pd_blk_check writes its pattern */
#define TEST_EVENTFD_ROUNDS  3u
#define TEST_TTY_GREETING    "hello\n" /* what pd_tty_echo writes first */
#define TEST_SEGV_DELAY_US   1000000u  /* pd_segv faults this long after start */

/** Byte @i of the pattern the test writes at offset 0 of the rw image. */
static inline uint8_t test_blk_byte(unsigned i)
{
    return (uint8_t)(i % 251u);
}

/** Byte @i of the pattern pd_blk_check writes at TEST_BLK_WRITE_OFF. */
static inline uint8_t test_blk_pd_byte(unsigned i)
{
    return (uint8_t)(i * 7u + 3u);
}

/** Byte @i of the read-only image. */
static inline uint8_t test_blk_ro_byte(unsigned i)
{
    return (uint8_t)(i % 13u);
}

/** Shared page of the ping-pong test. */
struct test_pingpong {
    uint64_t seq; /* written by ping */
    uint64_t ack; /* written by pong */
};

/** The log line of a test PD that has finished (see test_stop_system). */
#define TEST_DONE_MSG "test done: asking the harness to stop the system"

/**
 * A test PD that has finished asks for the system to be stopped: it logs
 * TEST_DONE_MSG, and the harness (run_finish in harness.c), reading the
 * monitor's output, sends the monitor SIGTERM as a user would. A PD cannot
 * signal the monitor itself: it runs under a uid of its own. Test PDs only.
 */
static inline void test_stop_system(void)
{
    sddf_log("%s", TEST_DONE_MSG);
}

#endif /* SDDF_TESTS_HOST_LAYOUT_H */
