/*
 * tests/fake/fake_os.h - an in-process stand-in for the host OS layer, so an
 * OS-free component (virtualiser, copier, library) can be linked into a unit
 * test and driven by calling its init()/notified() directly.
 *
 * It records every notify, deferred notify and IRQ ack, serves configuration
 * records the test registers, answers PPCs through a test-supplied function,
 * and keeps statistics counters the test can read by name.
 */
#ifndef SDDF_TESTS_FAKE_OS_H
#define SDDF_TESTS_FAKE_OS_H

#include <stdbool.h>
#include <stdint.h>
#include <sddf/os.h>

/** Reset every recorded event, counter, config and MR. */
void fake_os_reset(void);

/** Serve @record (a whole config record, header first) from sddf_config_find. Not copied. */
void fake_os_add_config(const void *record);

/** How many times sddf_notify(@ch) was called since the last reset or fake_os_clear_events. */
unsigned fake_os_notify_count(sddf_channel ch);

/**
 * Call @fn(ch) at every sddf_notify (after counting it), or nothing if @fn
 * is NULL: lets a test look at shared state at the moment of a signal, or
 * act as the peer in the middle of a handler. Cleared by fake_os_reset.
 */
void fake_os_set_notify_hook(void (*fn)(sddf_channel ch));

/** How many times a deferred notify on @ch was flushed (see fake_os_end_handler). */
unsigned fake_os_deferred_count(sddf_channel ch);

/** How many IRQ acks (direct or deferred and flushed) on @ch. */
unsigned fake_os_irq_ack_count(sddf_channel ch);

/** Forget recorded notifies and acks (counters and configs stay). */
void fake_os_clear_events(void);

/**
 * End of a handler invocation, as the real event loop does after each
 * notified()/protected(): flush the single deferred slot into the counts.
 */
void fake_os_end_handler(void);

/** Call notified(@ch) then fake_os_end_handler(), like one event-loop dispatch. */
void fake_os_dispatch(sddf_channel ch);

/** The value of the statistics counter named @name, or 0 if none was registered. */
uint64_t fake_os_stat(const char *name);

/** Answer PPCs with @fn (it reads/writes MRs with sddf_get_mr/sddf_set_mr). */
void fake_os_set_ppc_handler(sddf_msginfo (*fn)(sddf_channel ch, sddf_msginfo msg));

/** True if sddf_fatal was called (it then longjmps back to fake_os_catch_fatal's caller). */
bool fake_os_fatal_called(void);

/**
 * Run @fn under a guard that turns sddf_fatal into a return: returns true if
 * @fn called sddf_fatal, false if it returned normally.
 */
bool fake_os_catch_fatal(void (*fn)(void));

#endif /* SDDF_TESTS_FAKE_OS_H */
