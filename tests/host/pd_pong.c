/*
 * tests/host/pd_pong.c - pong side of the ping-pong test: on each notification
 * checks that ping's sequence number advanced by one, acknowledges it in the
 * shared page and notifies ping (deferred: the one slot, flushed on return).
 */
#include <sddf/os.h>
#include "test_layout.h"

static struct test_pingpong *const shared = (void *)(uintptr_t)TEST_SHARED_VADDR;
static uint64_t *acks, *errors;
static uint64_t last;

void init(void)
{
    acks = sddf_stat_counter("acks");
    errors = sddf_stat_counter("errors");
}

void notified(sddf_channel ch)
{
    uint64_t seq = __atomic_load_n(&shared->seq, __ATOMIC_ACQUIRE);
    if (ch != 0 || seq != last + 1) {
        sddf_stat_add(errors, 1);
        return;
    }
    last = seq;
    __atomic_store_n(&shared->ack, seq, __ATOMIC_RELEASE);
    sddf_stat_add(acks, 1);
    sddf_deferred_notify(0);
}
