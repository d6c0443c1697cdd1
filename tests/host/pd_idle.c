/*
 * tests/host/pd_idle.c - a PD that only waits (for the stop, placement and
 * isolation tests). Counts notifications it receives.
 */
#include <sddf/os.h>

static uint64_t *count;

void init(void)
{
    count = sddf_stat_counter("notified");
}

void notified(sddf_channel ch)
{
    (void)ch;
    sddf_stat_add(count, 1);
}
