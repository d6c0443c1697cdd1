/*
 * drivers/timer/timerfd/deadlines.h - the timer driver's timeout bookkeeping,
 * free of any OS call so it is unit-tested directly.
 *
 * sDDF timer semantics: every client channel has ONE
 * timeout slot holding an absolute deadline; a new SET_TIMEOUT replaces the
 * old one; on expiry every slot whose deadline has passed is notified and
 * cleared, and the device is re-armed to the earliest remaining deadline.
 * Times are u64 nanoseconds on one monotonic clock.
 */
#ifndef SDDF_DRIVERS_TIMER_DEADLINES_H
#define SDDF_DRIVERS_TIMER_DEADLINES_H

#include <stdbool.h>
#include <stdint.h>
#include <sddf/os.h>

_Static_assert(SDDF_MAX_CHANNELS <= 64, "one bit per channel in a u64 mask");

/** One slot per channel id; bit ch of @pending says slot ch holds a deadline. */
typedef struct timer_deadlines {
    uint64_t pending;
    uint64_t deadline[SDDF_MAX_CHANNELS]; /* absolute ns; meaningful only if pending */
} timer_deadlines_t;

/** @a + @b, or UINT64_MAX if the sum would overflow (a far-future deadline, never a past one). */
uint64_t timer_add_sat(uint64_t a, uint64_t b);

/** Empty every slot. */
void timer_deadlines_init(timer_deadlines_t *d);

/**
 * Set channel @ch's slot to @now + @rel_ns (saturating), replacing any earlier
 * value. Returns 0, or -1 (nothing changed) if @ch >= SDDF_MAX_CHANNELS.
 */
int timer_deadline_set(timer_deadlines_t *d, sddf_channel ch, uint64_t now, uint64_t rel_ns);

/** Empty channel @ch's slot (ignored for an out-of-range @ch). */
void timer_deadline_clear(timer_deadlines_t *d, sddf_channel ch);

/** True and *@out = the earliest pending deadline; false if no slot is pending. */
bool timer_deadline_earliest(const timer_deadlines_t *d, uint64_t *out);

/**
 * Clear every slot whose deadline is <= @now and return them as a mask (bit ch
 * = channel ch expired); the caller notifies each one.
 */
uint64_t timer_deadlines_expire(timer_deadlines_t *d, uint64_t now);

#endif /* SDDF_DRIVERS_TIMER_DEADLINES_H */
