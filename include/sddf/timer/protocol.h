/*
 * sddf/timer/protocol.h - the timer class: one driver PD serves every
 * client through protected procedure calls (sDDF timer protocol).
 *
 *   SDDF_TIMER_GET_TIME (label 0): no arguments; reply MR0 = u64 ns since the
 *       system started (CLOCK_MONOTONIC on the host OS layer).
 *   SDDF_TIMER_SET_TIMEOUT (label 1): MR0 = u64 *relative* timeout in ns; no
 *       reply data. One timeout slot per client channel: a new call replaces
 *       the old one. On expiry the driver notifies the client on the same
 *       channel. A timeout of 0 fires at once.
 * Unknown labels are logged by the driver and get an empty reply.
 */
#ifndef SDDF_TIMER_PROTOCOL_H
#define SDDF_TIMER_PROTOCOL_H

#include <stdint.h>

#define SDDF_TIMER_GET_TIME    0u
#define SDDF_TIMER_SET_TIMEOUT 1u

#define NS_IN_US 1000ull
#define NS_IN_MS 1000000ull
#define NS_IN_S  1000000000ull

#endif /* SDDF_TIMER_PROTOCOL_H */
