/*
 * tests/host/pd_deferred.c - the one deferred slot: in init, defers a notify
 * on channel 1, then on channel 2 (last writer wins), then an IRQ ack (the
 * slot no longer holds a notify), then channel 2 again. Only channel 2 may
 * reach pd_counter. curr_ok counts the sddf_deferred_notify_curr checks passed.
 */
#include <sddf/os.h>

void init(void)
{
    uint64_t *ok = sddf_stat_counter("curr_ok");
    if (sddf_deferred_notify_curr() == -1) {
        sddf_stat_add(ok, 1);
    }
    sddf_deferred_notify(1);
    sddf_deferred_notify(2);
    if (sddf_deferred_notify_curr() == 2) {
        sddf_stat_add(ok, 1);
    }
    sddf_deferred_irq_ack(3);
    if (sddf_deferred_notify_curr() == -1) {
        sddf_stat_add(ok, 1);
    }
    sddf_deferred_notify(2);
    if (sddf_deferred_notify_curr() == 2) {
        sddf_stat_add(ok, 1);
    }
}

void notified(sddf_channel ch)
{
    (void)ch;
}
