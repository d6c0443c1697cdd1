/*
 * sddf/os.h - the OS API every sDDF component is written against.
 *
 * The shape follows seL4 Microkit's programming model (see the sDDF design,
 * "OS abstraction"): a protection domain (PD) provides the entry points
 * init(), notified() and, if it accepts protected procedure calls (PPCs),
 * protected(); the OS layer owns main() and the event loop. Components use
 * only this header (plus the protocol headers under sddf/<class>/), so they
 * stay free of any Linux call and can move to another OS layer unchanged.
 *
 * The host (Linux) implementation lives in os/host/runtime.
 */
#ifndef SDDF_OS_H
#define SDDF_OS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/** A channel id local to this PD: 0 .. SDDF_MAX_CHANNELS-1 (Microkit's limit). */
typedef uint32_t sddf_channel;

/** Number of channel ids a PD may use (Microkit: 63, ids 0..62). */
#define SDDF_MAX_CHANNELS 63u

/** Longest PD name, including the terminating NUL (sDDF's SDDF_NAME_LENGTH). */
#define SDDF_NAME_LENGTH 64u

/** Number of message registers a PPC carries. */
#define SDDF_MAX_MRS 16u

/**
 * A PPC message tag, like microkit_msginfo: a label (the operation) and the
 * number of message registers (MRs) that carry arguments or results.
 */
typedef struct sddf_msginfo {
    uint64_t label;
    uint32_t count; /* 0 .. SDDF_MAX_MRS */
} sddf_msginfo;

/** Build a message tag; a count above SDDF_MAX_MRS is clamped to it. */
static inline sddf_msginfo sddf_msginfo_new(uint64_t label, uint32_t count)
{
    sddf_msginfo m = {label, count > SDDF_MAX_MRS ? SDDF_MAX_MRS : count};
    return m;
}

/** The label (operation) of a message tag. */
static inline uint64_t sddf_msginfo_get_label(sddf_msginfo m)
{
    return m.label;
}

/** The number of message registers a message tag says are in use. */
static inline uint32_t sddf_msginfo_get_count(sddf_msginfo m)
{
    return m.count;
}

/* ---- Entry points a PD provides ---------------------------------------- */

/** Called once, after the PD's regions are mapped and before any event. */
void init(void);

/**
 * Called once per pending notification or IRQ on channel @ch. Notifications
 * coalesce (Microkit semantics): several signals before the PD runs give one
 * call. A notification is only a hint to look at the queues.
 */
void notified(sddf_channel ch);

/**
 * Called for a PPC on channel @ch (only on channels whose other end is marked
 * pp in the system description). Arguments are in the message registers
 * (sddf_get_mr); the reply's MRs are set with sddf_set_mr before returning.
 * Must not block. The runtime provides a default that logs and replies with
 * an empty message, for PDs that accept no PPC.
 */
sddf_msginfo protected(sddf_channel ch, sddf_msginfo msginfo);

/* ---- Services of the OS layer ----------------------------------------- */

/** This PD's name from the system description (NUL-terminated). */
const char *sddf_get_pd_name(void);

/**
 * Signal the PD at the other end of channel @ch now. A channel id this PD does
 * not hold is ignored (logged once). Signals coalesce at the receiver.
 */
void sddf_notify(sddf_channel ch);

/**
 * Signal channel @ch when the current handler returns. There is ONE deferred
 * slot per handler invocation, shared with sddf_deferred_irq_ack: the last
 * call wins (sDDF design, "batching"). Use it for the next hop only.
 */
void sddf_deferred_notify(sddf_channel ch);

/**
 * The channel of the pending deferred notify, or -1 if the deferred slot is
 * empty or holds an IRQ ack.
 */
int sddf_deferred_notify_curr(void);

/** Re-arm the IRQ delivered on channel @ch (until then it is masked). */
void sddf_irq_ack(sddf_channel ch);

/** Re-arm the IRQ on channel @ch when the handler returns (the one deferred slot). */
void sddf_deferred_irq_ack(sddf_channel ch);

/**
 * Protected procedure call through channel @ch: a synchronous call into the
 * peer's protected() entry point, which must have a higher priority (checked
 * by the system tool). Arguments are the first msginfo.count MRs; on return
 * the MRs hold the reply. If the peer is gone, the reply has label
 * SDDF_PPC_ERROR and count 0.
 */
sddf_msginfo sddf_ppcall(sddf_channel ch, sddf_msginfo msginfo);

/** Label of the reply sddf_ppcall returns when the call could not be made. */
#define SDDF_PPC_ERROR UINT64_MAX

/** Message register @n (0 .. SDDF_MAX_MRS-1); 0 for an out-of-range @n. */
uint64_t sddf_get_mr(unsigned n);

/** Set message register @n (0 .. SDDF_MAX_MRS-1); an out-of-range @n is ignored. */
void sddf_set_mr(unsigned n, uint64_t value);

/**
 * This PD's configuration record for (@class_id, @role) as written by the
 * system tool (see sddf/config.h), mapped read-only. Returns NULL if there is
 * none, or if its recorded size is not @size (a tool/component mismatch).
 */
const void *sddf_config_find(uint8_t class_id, uint8_t role, uint32_t size);

/**
 * A named statistics counter in this PD's statistics page, which the monitor
 * reads (`sddf run` prints them at exit). @name is at most 23 characters.
 * Call from init(). Never returns NULL: when the page is full, a private
 * counter that nobody reads is returned.
 */
uint64_t *sddf_stat_counter(const char *name);

/** Add @n to a counter from sddf_stat_counter (single writer: this PD). */
static inline void sddf_stat_add(uint64_t *counter, uint64_t n)
{
    __atomic_store_n(counter, __atomic_load_n(counter, __ATOMIC_RELAXED) + n, __ATOMIC_RELAXED);
}

/** Log one line, prefixed with the PD name, to the monitor's log. */
void sddf_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/**
 * Report an unrecoverable error of this PD (bad configuration at init) and
 * stop it; the monitor reports the PD as failed and stops the system.
 */
_Noreturn void sddf_fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* SDDF_OS_H */
