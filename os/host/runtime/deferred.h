/*
 * os/host/runtime/deferred.h - the one deferred-signal slot of a handler
 * invocation (sDDF design, "batching": one slot shared by deferred notify and
 * deferred IRQ ack, last writer wins), kept as plain logic so it is unit-tested.
 */
#ifndef SDDF_HOST_RUNTIME_DEFERRED_H
#define SDDF_HOST_RUNTIME_DEFERRED_H

#include <sddf/os.h>

/** What the slot holds. */
enum rt_deferred_kind {
    RT_DEFERRED_NONE = 0,
    RT_DEFERRED_NOTIFY,
    RT_DEFERRED_IRQ_ACK,
};

/** The slot. */
struct rt_deferred {
    enum rt_deferred_kind kind;
    sddf_channel ch;
};

/** Put (@kind, @ch) in the slot, replacing whatever it held. */
static inline void rt_deferred_set(struct rt_deferred *d, enum rt_deferred_kind kind,
                                   sddf_channel ch)
{
    d->kind = kind;
    d->ch = ch;
}

/** The pending notify's channel, or -1 if the slot is empty or holds an IRQ ack. */
static inline int rt_deferred_notify_curr(const struct rt_deferred *d)
{
    return d->kind == RT_DEFERRED_NOTIFY ? (int)d->ch : -1;
}

/** Empty the slot and return what it held. */
static inline struct rt_deferred rt_deferred_take(struct rt_deferred *d)
{
    struct rt_deferred out = *d;
    d->kind = RT_DEFERRED_NONE;
    d->ch = 0;
    return out;
}

#endif /* SDDF_HOST_RUNTIME_DEFERRED_H */
