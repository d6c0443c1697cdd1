/*
 * tests/integration/pd_hostile_client.c - a hostile network client PD
 * (DESIGN §7: "a hostile client ... Nothing else in the system may fail").
 *
 * Used by hostile.system (test_hostile.sh) in place of client1 of the echo
 * server. It maps what any net client maps (its rx and tx queue pairs rw, its
 * rx and tx data regions rw) and abuses all of it, on a 10 ms timer tick,
 * in phases of PHASE_NS each (logged with sddf_log, letters as in the test):
 *   a  tx descriptors with bad offsets (unaligned, past the region, huge),
 *      bad lengths (0, 1515, 2048, 65535, offset+len past the region) and
 *      junk oid/reserved bytes, plus tiny frames (1 and 14 bytes);
 *   b  the same buffer enqueued twice in one batch, a buffer re-sent while it
 *      is out with the driver, and buffers it does not hold;
 *   c  garbage in its own queues' indices and signal flags (tail-head over
 *      the capacity, the consumer's head, the producer's tail), then a
 *      "tail chase" that keeps its tx active (and rx free) queue full of junk
 *      for CHASE_NS while the consumer drains it;
 *   d  a notification flood on its tx and rx channels, notifications on
 *      channel ids it does not hold, malformed PPCs;
 *   e  rx free returns of offsets it never received, duplicates and
 *      out-of-range offsets.
 * Then it logs "hostile: all phases done" and goes quiet.
 *
 * Built twice: pd_hostile_client (phases a..e) and, with HOSTILE_CRASH,
 * pd_hostile_crash, which runs phase a and then phase f: it writes a batch of
 * tx descriptors, publishes half of it and stores to the unmapped guard page
 * after its tx data region (SIGSEGV), so the monitor's fault report and
 * teardown can be checked with a half-published batch in flight.
 *
 * Frames it sends go to a locally administered MAC nobody has, with an
 * experimental EtherType (IEEE 802 local experimental 0x88b5): Linux drops
 * them. It never spoofs ARP or IP: the attack is on the sDDF components.
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <sddf/os.h>
#include <sddf/config.h>
#include <sddf/net/config.h>
#include <sddf/net/queue.h>
#include <sddf/timer/client.h>
#include <sddf/timer/config.h>
#include <sddf/timer/protocol.h>

/** Timer tick: every phase step runs from one tick. */
#define TICK_NS (10 * NS_IN_MS)
/** Quiet time after init, so that the system (and client0) is up first. */
#define START_DELAY_NS (1500 * NS_IN_MS)
/** Length of each phase. */
#define PHASE_NS (2500 * NS_IN_MS)
/** Phase c: when the tail chase starts (from the phase start) and how long it lasts. */
#define CHASE_AT_NS  (500 * NS_IN_MS)
#define CHASE_NS     (1500 * NS_IN_MS)
#define CHASE_CHECK  1024u      /* iterations between clock reads and kicks */
#define CHASE_MAX_IT (1u << 30) /* hard bound on iterations */
/** Phase d: notifications per channel per tick. */
#define NOTIFY_BURST 3000u
/** Channel ids probed in phase d (past SDDF_MAX_CHANNELS on purpose). */
#define PROBE_CHANNELS 72u

/** Destination and EtherType of the frames it sends (nobody has this MAC). */
static const uint8_t junk_dst[6] = {0x02, 0x00, 0xc6, 0x12, 0x00, 0xee};
#define JUNK_ETHERTYPE 0x88b5u

/** Per-phase counters, logged when the phase ends. */
struct hostile_counts {
    uint64_t enq, full, notifies, pokes, rx_got, rx_ret, reclaimed, junk_back, ppcs;
};

/** One phase: its letter, what it does, its step (run once per tick). */
struct hostile_phase {
    char letter;
    const char *what;
    void (*step)(uint64_t elapsed_ns);
};

static struct {
    const net_client_config_t *net;
    const timer_client_config_t *timer;
    net_queue_handle_t rx, tx; /* rx: we consume active, produce free; tx: the reverse */
    uint8_t *tx_data;
    uint64_t tx_size, rx_size;
    uint64_t t0, phase_start, rng;
    uint32_t phase; /* 1 + index into phases[] of the current phase; 0 = before the first */
    uint32_t tick;
    bool chased, done;
    struct hostile_counts n;
    uint64_t held[NET_MAX_QUEUE_CAPACITY / 64]; /* bit i: we hold tx buffer i */
    uint32_t cursor;                            /* where take_tx looks next */
} hc;

/* ---- small helpers ------------------------------------------------------ */

static uint64_t rnd(void)
{
    hc.rng ^= hc.rng << 13;
    hc.rng ^= hc.rng >> 7;
    hc.rng ^= hc.rng << 17;
    return hc.rng;
}

static uint64_t now_ns(void)
{
    return sddf_timer_time_now(hc.timer->driver_id);
}

static bool held_test(uint32_t i)
{
    return (hc.held[i / 64] >> (i % 64)) & 1;
}

static void held_set(uint32_t i, bool v)
{
    if (v)
        hc.held[i / 64] |= 1ull << (i % 64);
    else
        hc.held[i / 64] &= ~(1ull << (i % 64));
}

/* Take back what virt_tx returned on tx free; junk it returns (our own bad offsets) is counted. */
static void reclaim_tx(void)
{
    net_buff_desc_t d;
    for (uint32_t k = 0; k < hc.tx.capacity && net_dequeue_free(&hc.tx, &d) == 0; k++) {
        uint64_t off = d.io_or_offset;
        if (off >= hc.tx_size || off % NET_BUFFER_SIZE != 0) {
            hc.n.junk_back++;
            continue;
        }
        held_set((uint32_t)(off / NET_BUFFER_SIZE), true);
        hc.n.reclaimed++;
    }
}

/* Pop a tx buffer we hold into *@off. Returns false if we hold none. */
static bool take_tx(uint64_t *off)
{
    for (uint32_t k = 0; k < hc.tx.capacity; k++) {
        uint32_t i = (hc.cursor + k) & (hc.tx.capacity - 1);
        if (held_test(i)) {
            held_set(i, false);
            hc.cursor = i + 1;
            *off = (uint64_t)i * NET_BUFFER_SIZE;
            return true;
        }
    }
    return false;
}

/* Write a junk frame header into our tx buffer at @off (a valid offset). */
static void fill_frame(uint64_t off)
{
    uint8_t *f = hc.tx_data + off;
    memcpy(f, junk_dst, 6);
    memcpy(f + 6, hc.net->mac_addr, 6);
    f[12] = JUNK_ETHERTYPE >> 8;
    f[13] = JUNK_ETHERTYPE & 0xff;
    memset(f + 14, 0xa5, 64);
}

/* Enqueue one descriptor on tx active as given (no checks: that is the point). */
static void push_tx(uint64_t off, uint16_t len, uint8_t oid)
{
    net_buff_desc_t d = {off, len, oid, {0xde, 0xad, 0xbe, 0xef, 0x11}};
    if (net_enqueue_active(&hc.tx, d) == 0)
        hc.n.enq++;
    else
        hc.n.full++;
}

static void kick(sddf_channel ch)
{
    sddf_notify(ch);
    hc.n.notifies++;
}

/* Raw index and flag writes into our mapped queues. */
static void poke16(_Atomic uint16_t *p, uint16_t v)
{
    atomic_store_explicit(p, v, memory_order_release);
    hc.n.pokes++;
}

static uint16_t peek16(_Atomic uint16_t *p)
{
    return atomic_load_explicit(p, memory_order_acquire);
}

/* ---- phase a: bad tx descriptors ----------------------------------------- */

static void phase_bad_tx(uint64_t elapsed)
{
    (void)elapsed;
    const uint64_t sz = hc.tx_size;
    const uint64_t bad_offs[] = {1,
                                 7,
                                 NET_BUFFER_SIZE - 1,
                                 NET_BUFFER_SIZE + 1,
                                 sz - 1,
                                 sz,
                                 sz + NET_BUFFER_SIZE,
                                 2 * sz,
                                 1ull << 32,
                                 1ull << 63,
                                 UINT64_MAX,
                                 UINT64_MAX & ~(uint64_t)(NET_BUFFER_SIZE - 1),
                                 0x10000000ull /* an IO-looking address */};
    const uint16_t bad_lens[] = {0, 1515, 2048, 65535};
    const uint16_t tiny_lens[] = {1, 14};

    reclaim_tx();
    for (size_t i = 0; i < sizeof(bad_offs) / sizeof(bad_offs[0]); i++)
        push_tx(bad_offs[i], 60, (uint8_t)rnd()); /* junk oid too */
    uint64_t off;
    for (size_t i = 0; i < sizeof(bad_lens) / sizeof(bad_lens[0]); i++) {
        if (take_tx(&off)) {
            fill_frame(off);
            push_tx(off, bad_lens[i], 0);
        }
    }
    for (size_t i = 0; i < sizeof(tiny_lens) / sizeof(tiny_lens[0]); i++) {
        if (take_tx(&off)) {
            fill_frame(off);
            push_tx(off, tiny_lens[i], 0);
        }
    }
    /* The last buffer: offset+len past the region, then exactly to its end (valid). */
    uint32_t last = (uint32_t)(sz / NET_BUFFER_SIZE) - 1;
    if (held_test(last)) {
        held_set(last, false);
        fill_frame(sz - NET_BUFFER_SIZE);
        push_tx(sz - NET_BUFFER_SIZE, 65535, 0);
        push_tx(sz - NET_BUFFER_SIZE, 1514, 0xff); /* a second enqueue of the same buffer */
    }
    kick(hc.net->tx.id);
}

#ifndef HOSTILE_CRASH /* phases b..e: the default build only */

/* Enqueue one offset on rx free as given. */
static void push_rx_free(uint64_t off)
{
    net_buff_desc_t d = {off, (uint16_t)rnd(), (uint8_t)rnd(), {0}};
    if (net_enqueue_free(&hc.rx, d) == 0)
        hc.n.rx_ret++;
    else
        hc.n.full++;
}

static void poke_flag(net_queue_t *q, uint32_t v)
{
    atomic_store_explicit(&q->consumer_signalled, v, memory_order_release);
    hc.n.pokes++;
}

/* ---- phase b: double enqueue, buffers we do not hold ---------------------- */

static void phase_double_tx(uint64_t elapsed)
{
    (void)elapsed;
    uint64_t x, y;
    reclaim_tx();
    if (take_tx(&x)) {
        fill_frame(x);
        push_tx(x, 60, 0);
        push_tx(x, 60, 0); /* same buffer, same batch */
        push_tx(x, 1514, 0);
    }
    if (take_tx(&y)) {
        fill_frame(y);
        push_tx(y, 100, 0);
        kick(hc.net->tx.id);
        push_tx(y, 100, 0); /* again, likely while it is out with the driver */
    }
    /* Buffers we do not hold: out with the driver, or still unread on tx free. */
    uint32_t nbufs = (uint32_t)(hc.tx_size / NET_BUFFER_SIZE);
    for (int k = 0; k < 8; k++) {
        uint32_t i = (uint32_t)(rnd() % nbufs);
        if (!held_test(i))
            push_tx((uint64_t)i * NET_BUFFER_SIZE, 60, 0);
    }
    kick(hc.net->tx.id);
}

/* ---- phase c: corrupt indices and flags ----------------------------------- */

/*
 * The local monotonic clock (vDSO, no system call). The tail chase uses it
 * instead of a timer PPC: a PPC waits for the timer driver's CPU, and that
 * pause would let the consumer drain the queue and escape.
 */
static uint64_t local_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * NS_IN_S + (uint64_t)ts.tv_nsec;
}

/* Keep tx active and rx free full of junk while the consumers drain them. */
static void chase(void)
{
    net_queue_t *ta = hc.tx.active, *rf = hc.rx.free;
    uint32_t nbufs = (uint32_t)(hc.tx_size / NET_BUFFER_SIZE);
    for (uint32_t i = 0; i < hc.tx.capacity; i++) {
        /* Unaligned (returned to us), or a valid buffer (sent once, then duplicates). */
        net_buff_desc_t d = {(i & 1) ? 1 + i : (uint64_t)(i % nbufs) * NET_BUFFER_SIZE, 60, 0, {0}};
        ta->buffers[i] = d;
    }
    for (uint32_t i = 0; i < hc.rx.capacity; i++) {
        net_buff_desc_t d = {hc.rx_size + i, 0, 0, {0}}; /* out of range */
        rf->buffers[i] = d;
    }
    sddf_log("hostile: phase c: tail chase on tx active and rx free for %llu ms",
             (unsigned long long)(CHASE_NS / NS_IN_MS));
    uint64_t start = local_ns(), it;
    for (it = 0; it < CHASE_MAX_IT; it++) {
        poke16(&ta->tail, (uint16_t)(peek16(&ta->head) + hc.tx.capacity));
        poke16(&rf->tail, (uint16_t)(peek16(&rf->head) + hc.rx.capacity));
        if (it % CHASE_CHECK == 0) {
            kick(hc.net->tx.id);
            if (local_ns() - start >= CHASE_NS)
                break;
        }
    }
    sddf_log("hostile: phase c: tail chase done after %llu iterations", (unsigned long long)it);
}

/* Put our queues back into a state we can use again (our own buffers are lost or duplicated). */
static void repair(void)
{
    poke16(&hc.rx.active->head, peek16(&hc.rx.active->tail)); /* drop what was pending */
    poke16(&hc.rx.free->tail, peek16(&hc.rx.free->head));     /* copier gets nothing from us */
    poke16(&hc.tx.active->tail, peek16(&hc.tx.active->head));
    poke16(&hc.tx.free->head, peek16(&hc.tx.free->tail));
    poke_flag(hc.rx.active, 0);
    poke_flag(hc.tx.free, 0);
    /* Claim every tx buffer again: those still out come back as duplicates. */
    memset(hc.held, 0xff, sizeof(hc.held[0]) * ((hc.tx.capacity + 63) / 64));
}

static void phase_corrupt(uint64_t elapsed)
{
    net_queue_t *ta = hc.tx.active, *tf = hc.tx.free, *ra = hc.rx.active, *rf = hc.rx.free;
    if (!hc.chased && elapsed >= CHASE_AT_NS) {
        hc.chased = true;
        chase();
        return;
    }
    if (elapsed + 2 * TICK_NS >= PHASE_NS) {
        repair();
        return;
    }
    switch (hc.tick % 5) {
    case 0: /* tail - head over the capacity: must read as empty */
        poke16(&ta->tail, (uint16_t)(peek16(&ta->head) + 40000u));
        poke16(&rf->tail, (uint16_t)(peek16(&rf->head) + hc.rx.capacity + 1));
        break;
    case 1: /* exactly full of stale slots */
        poke16(&ta->tail, (uint16_t)(peek16(&ta->head) + hc.tx.capacity));
        poke16(&rf->tail, (uint16_t)(peek16(&rf->head) + hc.rx.capacity));
        break;
    case 2: /* the consumer's index of queues we produce, the producer's of queues we consume */
        poke16(&ta->head, (uint16_t)rnd());
        poke16(&rf->head, (uint16_t)rnd());
        poke16(&tf->tail, (uint16_t)rnd());
        poke16(&ra->tail, (uint16_t)rnd());
        break;
    case 3: /* our own indices, at random */
        poke16(&tf->head, (uint16_t)rnd());
        poke16(&ra->head, (uint16_t)rnd());
        poke16(&ta->tail, (uint16_t)rnd());
        poke16(&rf->tail, (uint16_t)rnd());
        break;
    default: /* signal flags: garbage, "wants one", "does not" */
        poke_flag(ta, (uint32_t)rnd());
        poke_flag(tf, 0);
        poke_flag(ra, 0);
        poke_flag(rf, 0xdeadbeefu);
        break;
    }
    kick(hc.net->tx.id);
    kick(hc.net->rx.id);
}

/* ---- phase d: notification flood, foreign channel ids, bad PPCs ------------ */

static void phase_flood(uint64_t elapsed)
{
    if (elapsed < TICK_NS) {
        /* Once: every channel id (most not ours: ignored, warned once) and malformed PPCs. */
        for (sddf_channel ch = 0; ch < PROBE_CHANNELS; ch++)
            if (ch != hc.timer->driver_id)
                kick(ch);
        const uint64_t labels[] = {SDDF_TIMER_GET_TIME, SDDF_TIMER_SET_TIMEOUT, 2, 0x1234,
                                   UINT64_MAX};
        for (size_t i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
            for (unsigned mr = 0; mr < SDDF_MAX_MRS; mr++)
                sddf_set_mr(mr, rnd());
            (void)sddf_ppcall(hc.timer->driver_id, sddf_msginfo_new(labels[i], i == 1 ? 0 : 16));
            (void)sddf_ppcall(hc.net->tx.id, sddf_msginfo_new(labels[i], 3)); /* not a pp end */
            hc.n.ppcs += 2;
        }
    }
    for (uint32_t i = 0; i < NOTIFY_BURST; i++) {
        kick(hc.net->tx.id);
        kick(hc.net->rx.id);
    }
}

/* ---- phase e: bad rx free returns ----------------------------------------- */

static void phase_bad_rx_free(uint64_t elapsed)
{
    (void)elapsed;
    uint64_t got[64];
    uint32_t ngot = 0;
    net_buff_desc_t d;
    while (ngot < 64 && net_dequeue_active(&hc.rx, &d) == 0) {
        hc.n.rx_got++;
        if (d.io_or_offset < hc.rx_size && d.io_or_offset % NET_BUFFER_SIZE == 0)
            got[ngot++] = d.io_or_offset;
    }
    const uint64_t sz = hc.rx_size;
    const uint64_t bad[] = {1,
                            NET_BUFFER_SIZE - 1,
                            sz,
                            sz + NET_BUFFER_SIZE,
                            1ull << 40,
                            UINT64_MAX,
                            UINT64_MAX & ~(uint64_t)(NET_BUFFER_SIZE - 1)};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        push_rx_free(bad[i]);
    for (uint32_t i = 0; i < ngot; i++) { /* every received buffer twice */
        push_rx_free(got[i]);
        push_rx_free(got[i]);
    }
    uint32_t nbufs = (uint32_t)(sz / NET_BUFFER_SIZE);
    for (int k = 0; k < 4; k++) /* valid offsets we never received */
        push_rx_free((rnd() % nbufs) * NET_BUFFER_SIZE);
    kick(hc.net->rx.id);
}

#endif /* !HOSTILE_CRASH */

/* ---- phase f: crash mid-batch (pd_hostile_crash only) ---------------------- */

#ifdef HOSTILE_CRASH
static void phase_crash(uint64_t elapsed)
{
    (void)elapsed;
    reclaim_tx();
    net_queue_t *ta = hc.tx.active;
    uint16_t tail = peek16(&ta->tail);
    for (uint16_t i = 0; i < 8; i++) {
        uint64_t off;
        if (!take_tx(&off))
            off = 1; /* bad: returned */
        else
            fill_frame(off);
        net_buff_desc_t d = {off, 60, 0, {0}};
        ta->buffers[(uint16_t)(tail + i) & (hc.tx.capacity - 1)] = d;
    }
    poke16(&ta->tail, (uint16_t)(tail + 4)); /* half of the batch published */
    kick(hc.net->tx.id);
    volatile uint64_t *guard = (volatile uint64_t *)(uintptr_t)(hc.net->tx_data.vaddr + hc.tx_size);
    sddf_log("hostile: phase f: 4 of 8 descriptors published; storing to the unmapped "
             "address 0x%llx",
             (unsigned long long)(uintptr_t)guard);
    *guard = 0x6861636b; /* must raise SIGSEGV */
    sddf_fatal("hostile: a store past the tx data region did not fault");
}
#endif

#ifdef HOSTILE_CRASH
static const struct hostile_phase phases[] = {
    {'a', "bad tx descriptors (offsets, lengths, oid)", phase_bad_tx},
    {'f', "crash mid-batch", phase_crash},
};
#else
static const struct hostile_phase phases[] = {
    {'a', "bad tx descriptors (offsets, lengths, oid)", phase_bad_tx},
    {'b', "double enqueue and buffers not held", phase_double_tx},
    {'c', "corrupt queue indices and signal flags, tail chase", phase_corrupt},
    {'d', "notification flood, foreign channel ids, bad PPCs", phase_flood},
    {'e', "bad rx free returns (never received, duplicate, out of range)", phase_bad_rx_free},
};
#endif
#define NUM_PHASES (sizeof(phases) / sizeof(phases[0]))

static void phase_log_done(uint32_t p)
{
    sddf_log("hostile: phase %c done: enq=%llu full=%llu notifies=%llu pokes=%llu ppcs=%llu "
             "tx_reclaimed=%llu tx_junk_back=%llu rx_got=%llu rx_ret=%llu",
             phases[p].letter, (unsigned long long)hc.n.enq, (unsigned long long)hc.n.full,
             (unsigned long long)hc.n.notifies, (unsigned long long)hc.n.pokes,
             (unsigned long long)hc.n.ppcs, (unsigned long long)hc.n.reclaimed,
             (unsigned long long)hc.n.junk_back, (unsigned long long)hc.n.rx_got,
             (unsigned long long)hc.n.rx_ret);
    memset(&hc.n, 0, sizeof(hc.n));
}

/* One timer tick: move through the phases by the clock, run the current step, re-arm. */
static void tick(void)
{
    uint64_t now = now_ns();
    if (hc.phase == 0) {
        if (now - hc.t0 < START_DELAY_NS) {
            sddf_timer_set_timeout(hc.timer->driver_id, TICK_NS);
            return;
        }
        hc.phase = 1;
        hc.phase_start = now;
        sddf_log("hostile: phase %c start: %s (%llu ms)", phases[0].letter, phases[0].what,
                 (unsigned long long)(PHASE_NS / NS_IN_MS));
    } else if (now - hc.phase_start >= PHASE_NS) {
        phase_log_done(hc.phase - 1);
        if (hc.phase == NUM_PHASES) {
            hc.done = true;
            sddf_log("hostile: all phases done");
            return; /* no re-arm: quiet from now on */
        }
        hc.phase++;
        hc.phase_start = now;
        sddf_log("hostile: phase %c start: %s (%llu ms)", phases[hc.phase - 1].letter,
                 phases[hc.phase - 1].what, (unsigned long long)(PHASE_NS / NS_IN_MS));
    }
    hc.tick++;
    phases[hc.phase - 1].step(now - hc.phase_start);
    sddf_timer_set_timeout(hc.timer->driver_id, TICK_NS); /* after the step: phase d's PPCs */
}

void init(void)
{
    memset(&hc, 0, sizeof(hc));
    hc.rng = 0x9e3779b97f4a7c15ull;
    hc.net = sddf_config_find(SDDF_CLASS_NET, NET_ROLE_CLIENT, sizeof(net_client_config_t));
    hc.timer = sddf_config_find(SDDF_CLASS_TIMER, TIMER_ROLE_CLIENT, sizeof(timer_client_config_t));
    if (hc.net == NULL || hc.timer == NULL)
        sddf_fatal("hostile: missing configuration (net client %s, timer client %s)",
                   hc.net ? "ok" : "missing", hc.timer ? "ok" : "missing");
    const net_client_config_t *c = hc.net;
    if (net_queue_init(&hc.rx, sddf_region_ptr(&c->rx.free_queue),
                       sddf_region_ptr(&c->rx.active_queue), c->rx.num_buffers) != 0 ||
        net_queue_init(&hc.tx, sddf_region_ptr(&c->tx.free_queue),
                       sddf_region_ptr(&c->tx.active_queue), c->tx.num_buffers) != 0)
        sddf_fatal("hostile: bad queue capacities rx %u tx %u", c->rx.num_buffers,
                   c->tx.num_buffers);
    hc.tx_data = sddf_region_ptr(&c->tx_data);
    hc.tx_size = c->tx_data.size;
    hc.rx_size = c->rx_data.size;
    if (hc.tx_size != (uint64_t)c->tx.num_buffers * NET_BUFFER_SIZE ||
        hc.rx_size != (uint64_t)c->rx.num_buffers * NET_BUFFER_SIZE)
        sddf_fatal("hostile: data regions do not match the queue capacities");
    (void)net_buffers_init(&hc.tx, 0); /* like any client: all tx buffers start free */
    hc.t0 = now_ns();
    sddf_log("hostile: up; %u phases of %llu ms start in %llu ms", (unsigned)NUM_PHASES,
             (unsigned long long)(PHASE_NS / NS_IN_MS),
             (unsigned long long)(START_DELAY_NS / NS_IN_MS));
    sddf_timer_set_timeout(hc.timer->driver_id, TICK_NS);
}

void notified(sddf_channel ch)
{
    if (ch == hc.timer->driver_id && !hc.done)
        tick();
    /* Anything else (rx, tx): ignored; the phases look at the queues themselves. */
}
