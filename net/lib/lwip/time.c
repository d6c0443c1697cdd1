/*
 * time.c - lib_sddf_lwip's clock and timers, and lwIP's platform hooks.
 *
 * lwIP (NO_SYS) needs sys_now() in milliseconds and a periodic call of
 * sys_check_timeouts(). Both come from the timer class: a timeout is armed
 * every SDDF_LWIP_TICK_MS (sDDF: lwIP needs a 100 ms tick), and the clock is
 * read from the timer driver by PPC at most once per event (each tick, and
 * lazily once per rx/tx event batch), never once per sys_now() call.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <lwip/sys.h>
#include <lwip/timeouts.h>

#include <sddf/timer/client.h>

#include "glue.h"

void sddf_lwip_time_refresh(void)
{
    struct sddf_lwip *s = &sddf_lwip_state;
    uint64_t ms = sddf_timer_time_now(s->timer_ch) / NS_IN_MS;

    /* The clock never runs backwards for lwIP, whatever the driver says. */
    if (ms > s->now_ms)
        s->now_ms = ms;
    s->time_stale = false;
}

/* lwIP's clock: milliseconds, wrapping at 2^32 (lwIP compares differences). */
u32_t sys_now(void)
{
    if (sddf_lwip_state.time_stale)
        sddf_lwip_time_refresh();
    return (u32_t)sddf_lwip_state.now_ms;
}

void sddf_lwip_process_timeout(void)
{
    sddf_lwip_time_refresh();
    sys_check_timeouts();
    sddf_timer_set_timeout(sddf_lwip_state.timer_ch, (uint64_t)SDDF_LWIP_TICK_MS * NS_IN_MS);
}

void sddf_lwip_diag(const char *fmt, ...)
{
    char line[256];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof(line), fmt, ap);
    va_end(ap);
    size_t n = strlen(line);
    while (n > 0 && line[n - 1] == '\n')
        line[--n] = '\0';
    if (n > 0)
        sddf_log("lwip: %s", line);
}

_Noreturn void sddf_lwip_assert_fail(const char *msg, const char *file, int line)
{
    sddf_fatal("lwip: assertion \"%s\" failed at %s:%d", msg, file, line);
}

/*
 * xorshift32 (Marsaglia 2003), seeded at init from the MAC and the clock.
 * lwIP uses it for TCP initial sequence numbers and ephemeral ports; it is
 * not a cryptographic generator (neither is lwIP's default, rand()).
 */
uint32_t sddf_lwip_rand(void)
{
    uint32_t x = sddf_lwip_state.rand_state;

    if (x == 0)
        x = 0x9e3779b9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    sddf_lwip_state.rand_state = x;
    return x;
}
