/*
 * drivers/timer/timerfd/deadlines.c - see deadlines.h. A linear scan over at
 * most 63 slots is cheaper than keeping a heap ordered for so few entries.
 */
#include "deadlines.h"

#include <string.h>

uint64_t timer_add_sat(uint64_t a, uint64_t b)
{
    return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

void timer_deadlines_init(timer_deadlines_t *d)
{
    memset(d, 0, sizeof(*d));
}

int timer_deadline_set(timer_deadlines_t *d, sddf_channel ch, uint64_t now, uint64_t rel_ns)
{
    if (ch >= SDDF_MAX_CHANNELS)
        return -1;
    d->deadline[ch] = timer_add_sat(now, rel_ns);
    d->pending |= UINT64_C(1) << ch;
    return 0;
}

void timer_deadline_clear(timer_deadlines_t *d, sddf_channel ch)
{
    if (ch < SDDF_MAX_CHANNELS)
        d->pending &= ~(UINT64_C(1) << ch);
}

bool timer_deadline_earliest(const timer_deadlines_t *d, uint64_t *out)
{
    bool found = false;
    uint64_t best = UINT64_MAX;
    for (sddf_channel ch = 0; ch < SDDF_MAX_CHANNELS; ch++) {
        if ((d->pending & (UINT64_C(1) << ch)) && (!found || d->deadline[ch] < best)) {
            best = d->deadline[ch];
            found = true;
        }
    }
    if (found)
        *out = best;
    return found;
}

uint64_t timer_deadlines_expire(timer_deadlines_t *d, uint64_t now)
{
    uint64_t expired = 0;
    for (sddf_channel ch = 0; ch < SDDF_MAX_CHANNELS; ch++) {
        uint64_t bit = UINT64_C(1) << ch;
        if ((d->pending & bit) && d->deadline[ch] <= now)
            expired |= bit;
    }
    d->pending &= ~expired;
    return expired;
}
