/*
 * drivers/timer/timerfd/timer.c - the timer driver PD on the host OS layer.
 *
 * The device is a Linux timerfd on CLOCK_MONOTONIC, opened by the monitor
 * and delivered as the IRQ channel (readable = the compare fired). One
 * driver serves every client by PPC (the sDDF timer protocol):
 * GET_TIME returns ns of CLOCK_MONOTONIC; SET_TIMEOUT fills the
 * caller's single slot (deadlines.h) and the timerfd is kept armed, with an
 * absolute time, at the earliest pending deadline. Expiry is a notification
 * on the client's own channel.
 *
 * Only the channels the configuration lists as clients are served; anything
 * else (a stray channel, an unknown label, a short message) gets an empty
 * reply and is logged once per channel, so a hostile peer cannot flood the log.
 */
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include <sddf/host/device.h>
#include <sddf/os.h>
#include <sddf/timer/config.h>
#include <sddf/timer/protocol.h>

#include "deadlines.h"

/* The PD's component state. */
static struct {
    int fd;           /* the timerfd (owned by the runtime) */
    sddf_channel irq; /* its IRQ channel */
    uint64_t clients; /* bit ch set = channel ch is a client */
    uint64_t warned;  /* bit ch set = a bad call on ch was already logged */
    bool arm_warned;  /* a timerfd_settime failure was already logged */
    uint64_t armed;   /* absolute deadline the timerfd is set to; 0 = disarmed */
    timer_deadlines_t slots;
    uint64_t *stat_fired;  /* timeouts delivered */
    uint64_t *stat_bad;    /* calls refused: stray channel, unknown label, short message */
    uint64_t *stat_errors; /* timerfd_settime failures */
} timer;

/* CLOCK_MONOTONIC in ns; it cannot fail with a valid clock id. */
static uint64_t now_ns(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        return 0;
    return (uint64_t)ts.tv_sec * NS_IN_S + (uint64_t)ts.tv_nsec;
}

/* Log a refused call on @ch once per channel; always count it. */
static void refuse(sddf_channel ch, const char *why, uint64_t label)
{
    sddf_stat_add(timer.stat_bad, 1);
    uint64_t bit = ch < 64 ? UINT64_C(1) << ch : 0;
    if (bit == 0 || !(timer.warned & bit)) {
        timer.warned |= bit;
        sddf_log("timer: %s on channel %u (label %llu); further ones not logged", why, ch,
                 (unsigned long long)label);
    }
}

/*
 * Set the timerfd to absolute @deadline, or disarm it for 0. An absolute
 * time already in the past fires at once, so no deadline can be missed.
 */
static void arm(uint64_t deadline)
{
    if (deadline == timer.armed)
        return;
    struct itimerspec its;
    memset(&its, 0, sizeof(its));
    its.it_value.tv_sec = (time_t)(deadline / NS_IN_S);
    its.it_value.tv_nsec = (long)(deadline % NS_IN_S);
    if (timerfd_settime(timer.fd, TFD_TIMER_ABSTIME, &its, NULL) != 0) {
        sddf_stat_add(timer.stat_errors, 1);
        if (!timer.arm_warned)
            sddf_log("timer: timerfd_settime: %s", strerror(errno));
        timer.arm_warned = true;
        timer.armed = 0;
        return;
    }
    timer.armed = deadline;
}

/* Notify every client whose deadline is due at @now, then re-arm or disarm. */
static void process_timeouts(uint64_t now)
{
    uint64_t expired = timer_deadlines_expire(&timer.slots, now);
    for (sddf_channel ch = 0; expired != 0 && ch < SDDF_MAX_CHANNELS; ch++) {
        if (expired & (UINT64_C(1) << ch)) {
            expired &= ~(UINT64_C(1) << ch);
            sddf_stat_add(timer.stat_fired, 1);
            sddf_notify(ch);
        }
    }
    uint64_t next;
    if (timer_deadline_earliest(&timer.slots, &next))
        arm(next == 0 ? 1 : next); /* 0 would disarm an absolute timerfd */
    else
        arm(0);
}

void init(void)
{
    const timer_driver_config_t *cfg =
        sddf_config_find(SDDF_CLASS_TIMER, TIMER_ROLE_DRIVER, sizeof(timer_driver_config_t));
    if (cfg == NULL)
        sddf_fatal("timer: no timer driver configuration");

    memset(&timer, 0, sizeof(timer));
    timer_deadlines_init(&timer.slots);
    if (cfg->irq_id >= SDDF_MAX_CHANNELS)
        sddf_fatal("timer: bad irq channel %u", cfg->irq_id);
    if (cfg->num_clients > SDDF_TIMER_MAX_CLIENTS)
        sddf_fatal("timer: %u clients, at most %u", cfg->num_clients, SDDF_TIMER_MAX_CLIENTS);
    for (unsigned i = 0; i < cfg->num_clients; i++) {
        uint8_t id = cfg->client_ids[i];
        if (id >= SDDF_MAX_CHANNELS || id == cfg->irq_id)
            sddf_fatal("timer: bad client channel %u", id);
        timer.clients |= UINT64_C(1) << id;
    }
    timer.irq = cfg->irq_id;
    timer.fd = sddf_host_irq_fd(timer.irq);
    if (timer.fd < 0)
        sddf_fatal("timer: channel %u is not an IRQ with a device", timer.irq);

    timer.stat_fired = sddf_stat_counter("timeouts_fired");
    timer.stat_bad = sddf_stat_counter("bad_calls");
    timer.stat_errors = sddf_stat_counter("arm_errors");

    /* A restarted driver may inherit an armed timerfd: start disarmed and drained. */
    timer.armed = UINT64_MAX; /* force the disarm through */
    arm(0);
    uint64_t ticks;
    (void)!read(timer.fd, &ticks, sizeof(ticks));
}

void notified(sddf_channel ch)
{
    if (ch != timer.irq) {
        refuse(ch, "unexpected notification", 0);
        return;
    }
    /* Consume the expiry count; EAGAIN (a spurious wake-up) is harmless. */
    uint64_t ticks;
    (void)!read(timer.fd, &ticks, sizeof(ticks));
    timer.armed = 0; /* a one-shot timerfd disarms itself when it fires */
    process_timeouts(now_ns());
    sddf_deferred_irq_ack(timer.irq);
}

sddf_msginfo protected(sddf_channel ch, sddf_msginfo msginfo)
{
    uint64_t label = sddf_msginfo_get_label(msginfo);
    if (ch >= SDDF_MAX_CHANNELS || !(timer.clients & (UINT64_C(1) << ch))) {
        refuse(ch, "call from a channel that is not a client", label);
        return sddf_msginfo_new(0, 0);
    }
    switch (label) {
    case SDDF_TIMER_GET_TIME:
        sddf_set_mr(0, now_ns());
        return sddf_msginfo_new(0, 1);
    case SDDF_TIMER_SET_TIMEOUT: {
        if (sddf_msginfo_get_count(msginfo) < 1) {
            refuse(ch, "SET_TIMEOUT without a timeout", label);
            return sddf_msginfo_new(0, 0);
        }
        uint64_t now = now_ns();
        timer_deadline_set(&timer.slots, ch, now, sddf_get_mr(0));
        /* A timeout of 0 (or one already due) fires here, inside the PPC. */
        process_timeouts(now);
        return sddf_msginfo_new(0, 0);
    }
    default:
        refuse(ch, "unknown label", label);
        return sddf_msginfo_new(0, 0);
    }
}
