/*
 * tests/host/pd_counter.c - counts notifications per channel (ch1, ch2) for
 * the deferred-notify test.
 */
#include <sddf/os.h>

static uint64_t *ch1, *ch2, *other;

void init(void)
{
    ch1 = sddf_stat_counter("ch1");
    ch2 = sddf_stat_counter("ch2");
    other = sddf_stat_counter("other");
}

void notified(sddf_channel ch)
{
    sddf_stat_add(ch == 1 ? ch1 : ch == 2 ? ch2 : other, 1);
}
