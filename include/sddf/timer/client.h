/*
 * sddf/timer/client.h - client helpers for the timer protocol
 * (sddf/timer/protocol.h). Each is one PPC to the timer driver.
 */
#ifndef SDDF_TIMER_CLIENT_H
#define SDDF_TIMER_CLIENT_H

#include <stdint.h>
#include <sddf/os.h>
#include <sddf/timer/protocol.h>

/**
 * Ask the driver on channel @ch to notify this PD on @ch in @rel_ns
 * nanoseconds, replacing any pending timeout of this PD.
 */
static inline void sddf_timer_set_timeout(sddf_channel ch, uint64_t rel_ns)
{
    sddf_set_mr(0, rel_ns);
    (void)sddf_ppcall(ch, sddf_msginfo_new(SDDF_TIMER_SET_TIMEOUT, 1));
}

/** Nanoseconds since the system started, from the driver on channel @ch (0 on error). */
static inline uint64_t sddf_timer_time_now(sddf_channel ch)
{
    sddf_msginfo reply = sddf_ppcall(ch, sddf_msginfo_new(SDDF_TIMER_GET_TIME, 0));
    if (sddf_msginfo_get_label(reply) == SDDF_PPC_ERROR || sddf_msginfo_get_count(reply) < 1)
        return 0;
    return sddf_get_mr(0);
}

#endif /* SDDF_TIMER_CLIENT_H */
