/*
 * serial/components/virt_rx.c - the serial receive virtualiser (sDDF design,
 * "Serial Rx virtualiser").
 *
 * Routes input from the driver's rx ring to one current client (client 0 at
 * start) and switches in-band. The rule (a host refinement of sDDF's, which
 * drops only the offending byte and lets the rest of a bad sequence through
 * to the client):
 *
 *  - A switch sequence starts with the switch character (Ctrl-\, 0x1c) and
 *    runs up to and including the next terminator (Enter, '\r'). Nothing of
 *    it reaches any client, valid or not.
 *  - Ctrl-\ twice sends one literal Ctrl-\ to the current client (and ends
 *    the sequence).
 *  - Valid: 1..4 decimal digits naming a client, then Enter: input goes to
 *    that client from the next byte on; the console confirms.
 *  - Invalid: anything else before the Enter (a non-digit, a fifth digit, no
 *    digits, no such client). The whole sequence is swallowed, nothing
 *    switches, and at the Enter the console names the first problem.
 *  - A Ctrl-\ inside a sequence abandons what was typed of it and starts a
 *    new one (Ctrl-\ 1 Ctrl-\ 2 Enter switches to client 2).
 *
 * Every switch and every bad sequence is reported on the console ring, which
 * the tx virtualiser prints like a client's line. The console ring is
 * published (and virt_tx notified) before any client ring, and virt_tx
 * looks at the console before each client line it moves, so a message is
 * on the terminal before anything a client answers to later input.
 *
 * Input for a full client ring is dropped and counted (rx_dropped): virt_rx
 * always drains the driver's ring, so a client that does not read cannot
 * stall the driver or the other clients.
 *
 * Signalling (serial form): virt_rx always notifies a client (and virt_tx)
 * after publishing; it notifies the driver only if the driver asked (its rx
 * ring was full).
 */
#include <stdio.h>
#include <string.h>

#include <sddf/os.h>
#include <sddf/serial/config.h>
#include <sddf/serial/queue.h>

/** Bytes of input handled per copy out of the driver's ring. */
#define SERIAL_RX_CHUNK 1024u

/* NORMAL: bytes go to the current client; SWITCHED: a Ctrl-\ was the last
 * byte; SEQUENCE: inside a switch sequence, up to its Enter. */
enum rx_state { RX_NORMAL, RX_SWITCHED, RX_SEQUENCE };

static struct {
    const serial_virt_rx_config_t *cfg;
    serial_queue_handle_t drv, console;
    uint32_t drv_head, console_tail;
    serial_queue_handle_t cli[SDDF_SERIAL_MAX_CLIENTS];
    uint32_t tail[SDDF_SERIAL_MAX_CLIENTS]; /* private local tails */
    uint64_t dirty;                         /* bit c: client c got bytes in this handler */
    bool console_dirty;
    uint32_t num_clients, current;
    enum rx_state state;
    uint32_t number, digits;
    const char *error; /* the first problem of the sequence, or NULL */
    char buf[SERIAL_RX_CHUNK];
    uint64_t *bytes, *dropped, *switches, *bad_seq, *corrupt, *console_full;
} vr;

/* Put one whole message on the console ring, or nothing (counted) if it does not fit. */
static void say(const char *msg)
{
    size_t n = strlen(msg);
    if (serial_queue_free(&vr.console, vr.console_tail) < n) {
        sddf_stat_add(vr.console_full, 1);
        return;
    }
    (void)serial_enqueue_batch_local(&vr.console, &vr.console_tail, (uint32_t)n, msg);
    vr.console_dirty = true;
}

/* The name of client @c, bounded (the record is read-only but may lack a NUL). */
static const char *name_of(uint32_t c)
{
    static const char none[] = "?";
    return c < vr.num_clients ? vr.cfg->clients[c].name : none;
}

/* A bad switch sequence: nothing switches, the console says why. */
static void bad_sequence(const char *why)
{
    char msg[160];
    sddf_stat_add(vr.bad_seq, 1);
    snprintf(msg, sizeof(msg),
             "\r\nsddf serial: bad switch sequence (%s): input stays with client %u (%.*s)\r\n",
             why, vr.current, (int)SDDF_SERIAL_NAME_LENGTH - 1, name_of(vr.current));
    say(msg);
    vr.state = RX_NORMAL;
}

/* Switch input to client @c (valid) and say so. */
static void switch_to(uint32_t c)
{
    char msg[160];
    vr.current = c;
    sddf_stat_add(vr.switches, 1);
    snprintf(msg, sizeof(msg), "\r\nsddf serial: input now goes to client %u (%.*s)\r\n", c,
             (int)SDDF_SERIAL_NAME_LENGTH - 1, name_of(c));
    say(msg);
    vr.state = RX_NORMAL;
}

/* Give byte @c to the current client, or drop it if its ring is full. */
static void deliver(char c)
{
    uint32_t cur = vr.current;
    if (serial_enqueue_local(&vr.cli[cur], &vr.tail[cur], c) != 0) {
        sddf_stat_add(vr.dropped, 1);
        return;
    }
    vr.dirty |= 1ull << cur;
    sddf_stat_add(vr.bytes, 1);
}

/* The end (Enter) of a switch sequence: switch, or report why not. */
static void sequence_end(void)
{
    if (vr.error != NULL)
        bad_sequence(vr.error);
    else if (vr.digits == 0)
        bad_sequence("no client number");
    else if (vr.number >= vr.num_clients)
        bad_sequence("no such client");
    else
        switch_to(vr.number);
}

/* One byte inside a switch sequence (after its Ctrl-\). */
static void sequence_byte(char c)
{
    if ((uint8_t)c == vr.cfg->switch_char) {
        vr.state = RX_SWITCHED; /* start afresh */
        return;
    }
    if (vr.state == RX_SWITCHED) {
        vr.state = RX_SEQUENCE;
        vr.number = 0;
        vr.digits = 0;
        vr.error = NULL;
    }
    if ((uint8_t)c == vr.cfg->terminate_num_char) {
        sequence_end(); /* back to RX_NORMAL */
    } else if (vr.error != NULL) {
        /* swallowed: the sequence is bad already */
    } else if (c < '0' || c > '9') {
        vr.error = "not a digit";
    } else if (vr.digits == SERIAL_MAX_SWITCH_DIGITS) {
        vr.error = "too many digits";
    } else {
        vr.number = vr.number * 10 + (uint32_t)(c - '0');
        vr.digits++;
    }
}

/* One input byte through the switch state machine (see the top of the file). */
static void input(char c)
{
    switch (vr.state) {
    case RX_NORMAL:
        if ((uint8_t)c == vr.cfg->switch_char)
            vr.state = RX_SWITCHED;
        else
            deliver(c);
        break;
    case RX_SWITCHED:
        if ((uint8_t)c == vr.cfg->switch_char) {
            deliver(c); /* escaped: a literal switch character */
            vr.state = RX_NORMAL;
        } else {
            sequence_byte(c);
        }
        break;
    case RX_SEQUENCE:
        sequence_byte(c);
        break;
    }
}

/* Drain the driver's ring completely (the driver is never left waiting on a slow client). */
static void rx_return(void)
{
    uint32_t start = vr.drv_head;
    for (;;) {
        uint32_t avail =
            atomic_load_explicit(&vr.drv.queue->tail, memory_order_acquire) - vr.drv_head;
        if (avail > vr.drv.capacity) {
            sddf_stat_add(vr.corrupt, 1);
            vr.drv_head += avail; /* resynchronise with the driver's tail */
            break;
        }
        if (avail == 0)
            break;
        uint32_t n = avail < SERIAL_RX_CHUNK ? avail : SERIAL_RX_CHUNK;
        serial_queue__copy_out(&vr.drv, vr.drv_head, vr.buf, n); /* read each byte once */
        vr.drv_head += n;
        for (uint32_t i = 0; i < n; i++)
            input(vr.buf[i]);
    }
    if (vr.drv_head != start) {
        serial_update_shared_head(&vr.drv, vr.drv_head);
        if (serial_require_consumer_signal(&vr.drv)) { /* the driver waits for room */
            serial_cancel_consumer_signal(&vr.drv);
            sddf_notify(vr.cfg->driver.id);
        }
    }
}

/*
 * Publish and notify: the console first. A client can answer input only
 * after its tail is published here, so a switch message published before it
 * is visible to virt_tx before any such answer (release/acquire chain; see
 * console_first in virt_tx.c).
 */
static void notify_clients(void)
{
    if (vr.console_dirty) {
        serial_update_shared_tail(&vr.console, vr.console_tail);
        sddf_notify(vr.cfg->console.id);
        vr.console_dirty = false;
    }
    for (uint32_t c = 0; c < vr.num_clients; c++) {
        if (!(vr.dirty & (1ull << c)))
            continue;
        serial_update_shared_tail(&vr.cli[c], vr.tail[c]);
        sddf_notify(vr.cfg->clients[c].conn.id);
    }
    vr.dirty = 0;
}

void init(void)
{
    memset(&vr, 0, sizeof(vr));
    const serial_virt_rx_config_t *cfg =
        sddf_config_find(SDDF_CLASS_SERIAL, SERIAL_ROLE_VIRT_RX, sizeof(*cfg));
    if (cfg == NULL || cfg->header.version != SDDF_CONFIG_VERSION)
        sddf_fatal("serial virt_rx: no serial virt_rx config record of this version");
    if (cfg->num_clients == 0 || cfg->num_clients > SDDF_SERIAL_MAX_CLIENTS)
        sddf_fatal("serial virt_rx: %u clients, want 1..%u", cfg->num_clients,
                   SDDF_SERIAL_MAX_CLIENTS);
    vr.cfg = cfg;
    if (serial_conn_init(&cfg->driver, &vr.drv) != 0 ||
        serial_conn_init(&cfg->console, &vr.console) != 0)
        sddf_fatal("serial virt_rx: bad driver or console connection");
    for (uint32_t c = 0; c < cfg->num_clients; c++) {
        if (serial_conn_init(&cfg->clients[c].conn, &vr.cli[c]) != 0)
            sddf_fatal("serial virt_rx: bad connection of client %u", c);
        vr.tail[c] = serial_queue_tail(&vr.cli[c]);
    }
    vr.num_clients = cfg->num_clients;
    vr.drv_head = serial_queue_head(&vr.drv);
    vr.console_tail = serial_queue_tail(&vr.console);
    vr.bytes = sddf_stat_counter("rx_bytes");
    vr.dropped = sddf_stat_counter("rx_dropped");
    vr.switches = sddf_stat_counter("rx_switches");
    vr.bad_seq = sddf_stat_counter("rx_bad_switch");
    vr.corrupt = sddf_stat_counter("rx_corrupt");
    vr.console_full = sddf_stat_counter("console_full");
    rx_return(); /* input may have arrived before we started */
    notify_clients();
}

void notified(sddf_channel ch)
{
    (void)ch; /* only a hint; clients never need to signal us (full rings drop) */
    rx_return();
    notify_clients();
}
