/*
 * tests/host/pd_ping.c - ping side of the ping-pong test: writes a sequence
 * number into the shared page, notifies pong (channel 0), and on pong's
 * notification checks the acknowledgement. Stops the system after
 * TEST_PINGPONG_ROUNDS round trips.
 */
#include <sddf/os.h>
#include "test_layout.h"

static struct test_pingpong *const shared = (void *)(uintptr_t)TEST_SHARED_VADDR;
static uint64_t *rounds, *errors;

void init(void)
{
    rounds = sddf_stat_counter("rounds");
    errors = sddf_stat_counter("errors");
    __atomic_store_n(&shared->seq, 1, __ATOMIC_RELEASE);
    sddf_notify(0);
}

void notified(sddf_channel ch)
{
    uint64_t seq = __atomic_load_n(&shared->seq, __ATOMIC_RELAXED);
    uint64_t ack = __atomic_load_n(&shared->ack, __ATOMIC_ACQUIRE);
    if (ch != 0 || ack != seq) {
        sddf_stat_add(errors, 1);
        return;
    }
    sddf_stat_add(rounds, 1);
    if (seq == TEST_PINGPONG_ROUNDS) {
        test_stop_system();
        return;
    }
    __atomic_store_n(&shared->seq, seq + 1, __ATOMIC_RELEASE);
    sddf_notify(0);
}
