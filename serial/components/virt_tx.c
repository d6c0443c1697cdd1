/*
 * serial/components/virt_tx.c - the serial transmit virtualiser (sDDF design,
 * "Serial Tx virtualiser").
 *
 * Multiplexes the clients' tx rings (and the rx virtualiser's console ring,
 * on which it reports focus switches) onto the driver's tx ring so that one
 * client's line is never split by another's output. The rule:
 *
 *  1. Complete lines (up to and including '\n') move whole, each only if it
 *     fits in the driver ring in one piece (with its decoration).
 *  2. A partial line (a prompt, or text not yet ended) moves only when no
 *     other source has output pending, and it then "holds" the terminal
 *     line: its continuation follows with nothing in between.
 *  3. If another source has output to print while a partial line holds the
 *     terminal line, virt_tx first ends the held line with "\r\n" (counted:
 *     tx_breaks) and the holder's continuation later starts a new line with
 *     its prefix again. Other output is therefore never inside a line, and a
 *     client that never ends its line cannot hold up the others.
 *  4. A line that cannot complete in its ring (no '\n' in SERIAL_TX_CHUNK
 *     bytes, or a partial line of half the ring) moves as it is (tx_split),
 *     so a full ring never deadlocks.
 *  5. The console (virt_rx's switch and bad-sequence messages) goes first:
 *     before each client line it moves, virt_tx moves whatever the console
 *     has pending, so a message is on the terminal before any answer a
 *     client gives to input typed after it (virt_rx publishes the console
 *     before the client rings).
 *
 * sDDF's virt_tx has no timer, so "after a delay" is not an option: a
 * partial line shows as soon as the console is otherwise idle, which is when
 * a prompt matters. The client library publishes a partial line only on
 * sddf_serial_flush (or when its ring is nearly full). Optionally each line
 * starts with "[name] " and each piece is wrapped in an ANSI colour (ESC[3Nm
 * .. ESC[0m, N cycling 1..6 by client index, as sDDF does); the reset goes
 * before the line break, so the break itself is never coloured. Bytes are
 * otherwise passed through unchanged: a client's control bytes and escape
 * sequences reach the terminal as they are (sDDF does the same).
 * The begin text is written once at start, '\n' as "\r\n", ending in a line
 * break.
 *
 * Every piece is copied out of the client's ring into private memory once,
 * then scanned and emitted from the copy (a client rewriting its ring
 * meanwhile cannot smuggle a line past the prefix).
 *
 * Signalling (serial form): virt_tx always notifies the driver after
 * publishing; when the driver ring is full it asks the driver for a signal
 * (with the double check) and waits. It notifies a client only if that
 * client asked (its ring was full).
 */
#include <stdio.h>
#include <string.h>

#include <sddf/os.h>
#include <sddf/serial/config.h>
#include <sddf/serial/queue.h>

/** Most bytes looked at per line: a longer line is moved in pieces. */
#define SERIAL_TX_CHUNK 4096u
/** Sources: the clients plus the console ring from virt_rx (last). */
#define SERIAL_TX_SOURCES (SDDF_SERIAL_MAX_CLIENTS + 1u)

/** No source holds the terminal line. */
#define NO_SOURCE UINT32_MAX

static const char colour_end[] = "\x1b[0m";
/** What ends a held partial line before another source's output (a raw terminal needs \r). */
static const char line_break[] = "\r\n";

static struct {
    const serial_virt_tx_config_t *cfg;
    serial_queue_handle_t drv;
    uint32_t drv_tail;
    serial_queue_handle_t src[SERIAL_TX_SOURCES];
    uint32_t head[SERIAL_TX_SOURCES]; /* private copy: a client cannot move it */
    bool at_line_start[SERIAL_TX_SOURCES];
    uint32_t num_src; /* clients, plus 1 if there is a console */
    uint32_t next;    /* the source a pass starts with: one the driver had no room for */
    uint32_t holder;  /* the source whose partial line is on the terminal, or NO_SOURCE */
    bool drv_dirty;   /* gave the driver bytes in this handler */
    char line[SERIAL_TX_CHUNK];
    uint64_t *bytes, *lines, *partial, *breaks, *split, *corrupt, *overrun, *waits;
} vt;

static bool is_console(uint32_t s)
{
    return vt.cfg->has_console && s == vt.num_src - 1;
}

/* Bytes the decoration of a line from @s adds (prefix and colour). */
static uint32_t decoration(uint32_t s, bool start, char *pre, size_t pre_size)
{
    pre[0] = '\0';
    if (is_console(s))
        return 0;
    size_t n = 0;
    if (vt.cfg->enable_colour)
        n += (size_t)snprintf(pre + n, pre_size - n, "\x1b[3%um", 1 + s % 6);
    if (vt.cfg->enable_prefix && start)
        n += (size_t)snprintf(pre + n, pre_size - n, "[%.*s] ", (int)SDDF_SERIAL_NAME_LENGTH - 1,
                              vt.cfg->clients[s].name);
    return (uint32_t)(n + (vt.cfg->enable_colour ? sizeof(colour_end) - 1 : 0));
}

/* Room in the driver ring for @need bytes? Otherwise ask the driver to signal (double check). */
static bool drv_room(uint32_t need)
{
    if (serial_queue_free(&vt.drv, vt.drv_tail) >= need)
        return true;
    serial_request_consumer_signal(&vt.drv);
    if (serial_queue_free(&vt.drv, vt.drv_tail) >= need) {
        serial_cancel_consumer_signal(&vt.drv);
        return true;
    }
    sddf_stat_add(vt.waits, 1);
    return false;
}

static void emit(const char *p, uint32_t n)
{
    (void)serial_enqueue_batch_local(&vt.drv, &vt.drv_tail, n, p); /* room checked */
}

/* Bytes source @s has published and we have not moved yet (0 if its indices are corrupt). */
static uint32_t pending(uint32_t s)
{
    uint32_t avail =
        atomic_load_explicit(&vt.src[s].queue->tail, memory_order_acquire) - vt.head[s];
    return avail > vt.src[s].capacity ? 0 : avail;
}

static bool move_lines(uint32_t s, bool partial_ok);

/*
 * Rule 5: the console's messages go before any client output that follows
 * them. Called after a client's tail was loaded (acquire): virt_rx publishes
 * the console before the client input the client answers, so a message that
 * precedes the answer is visible here. Returns false if the console still
 * has output the driver ring had no room for (the client must wait too).
 */
static bool console_first(void)
{
    if (!vt.cfg->has_console)
        return true;
    uint32_t c = vt.num_src - 1;
    return pending(c) == 0 || (move_lines(c, true) && pending(c) == 0);
}

/* Emit line @p[0..@len) of @s with the colour reset before its line break. */
static void emit_line(uint32_t s, const char *p, uint32_t len, bool ends)
{
    if (!vt.cfg->enable_colour || is_console(s)) {
        emit(p, len);
        return;
    }
    uint32_t body = len;
    if (ends) { /* "...\n" or "...\r\n": reset the colour before the break */
        body--;
        if (body > 0 && p[body - 1] == '\r')
            body--;
    }
    emit(p, body);
    emit(colour_end, sizeof(colour_end) - 1);
    emit(p + body, len - body);
}

/*
 * Move source @s's complete lines (and, if @partial_ok, a partial line) to
 * the driver while they fit. Returns false if @s still has something movable
 * the driver ring had no room for.
 */
static bool move_lines(uint32_t s, bool partial_ok)
{
    serial_queue_handle_t *h = &vt.src[s];
    uint32_t budget = h->capacity; /* a well-behaved client offers at most its ring per pass */
    bool blocked = false;
    uint32_t start_head = vt.head[s];
    for (;;) {
        uint32_t avail = atomic_load_explicit(&h->queue->tail, memory_order_acquire) - vt.head[s];
        if (avail > h->capacity) {
            sddf_stat_add(vt.corrupt, 1); /* the client broke its indices: drop its ring */
            vt.head[s] += avail;
            break;
        }
        if (avail == 0)
            break;
        if (budget == 0) {
            sddf_stat_add(vt.overrun, 1);
            break;
        }
        if (!is_console(s) && !console_first()) {
            blocked = true;
            break;
        }
        uint32_t n = avail < SERIAL_TX_CHUNK ? avail : SERIAL_TX_CHUNK;
        serial_queue__copy_out(h, vt.head[s], vt.line, n); /* the one read of these bytes */
        char *nl = memchr(vt.line, '\n', n);
        uint32_t len = nl ? (uint32_t)(nl - vt.line) + 1 : n;
        bool forced = nl == NULL && (n == SERIAL_TX_CHUNK || avail >= h->capacity / 2);
        if (nl == NULL && !forced && !partial_ok && !is_console(s))
            break; /* an unfinished line: wait for its end or an idle console */
        char pre[SDDF_SERIAL_NAME_LENGTH + 16];
        bool brk = vt.holder != NO_SOURCE && vt.holder != s;
        /* only the holder is ever mid-line, so @s starts a line here unless it holds */
        uint32_t need = len + decoration(s, vt.at_line_start[s], pre, sizeof(pre)) +
                        (brk ? (uint32_t)sizeof(line_break) - 1 : 0);
        if (!drv_room(need)) {
            blocked = true;
            break;
        }
        if (brk) { /* end the held line; its owner starts afresh (with its prefix) */
            emit(line_break, sizeof(line_break) - 1);
            vt.at_line_start[vt.holder] = true;
            sddf_stat_add(vt.breaks, 1);
        }
        emit(pre, (uint32_t)strlen(pre));
        emit_line(s, vt.line, len, nl != NULL);
        vt.head[s] += len;
        budget = len > budget ? 0 : budget - len;
        vt.at_line_start[s] = nl != NULL;
        vt.holder = nl != NULL ? NO_SOURCE : s;
        sddf_stat_add(nl ? vt.lines : forced ? vt.split : vt.partial, 1);
        sddf_stat_add(vt.bytes, len);
        vt.drv_dirty = true;
    }
    if (vt.head[s] != start_head) {
        serial_update_shared_head(h, vt.head[s]);
        if (serial_require_consumer_signal(h)) { /* the client waits for room */
            serial_cancel_consumer_signal(h);
            sddf_notify(is_console(s) ? vt.cfg->console.id : vt.cfg->clients[s].conn.id);
        }
    }
    return !blocked;
}

/*
 * Rule 2: a partial line moves only if it cannot end up with other output
 * inside it: the holder's continuation, or the one source with anything
 * pending. Called after every complete line has moved.
 */
static void move_partial(void)
{
    if (vt.holder != NO_SOURCE && pending(vt.holder) != 0) {
        (void)move_lines(vt.holder, true);
        return;
    }
    uint32_t only = NO_SOURCE;
    for (uint32_t s = 0; s < vt.num_src; s++) {
        if (pending(s) == 0)
            continue;
        if (only != NO_SOURCE)
            return; /* two partial lines: neither may hold the terminal line */
        only = s;
    }
    if (only != NO_SOURCE)
        (void)move_lines(only, true);
}

/* One pass over every source; stops at the first the driver has no room for (FIFO fairness). */
static void tx_provide(void)
{
    /* the console first (rule 5: a switch message precedes the answers to
     * later input); then the holder, so it can end its line before others
     * break it */
    uint32_t n = vt.cfg->has_console ? vt.num_src - 1 : vt.num_src;
    bool room = console_first();
    room = room && (vt.holder >= n || move_lines(vt.holder, false));
    for (uint32_t i = 0; room && i < n; i++) {
        uint32_t s = (vt.next + i) % n;
        if (!move_lines(s, false)) {
            vt.next = s; /* it goes first when the driver makes room */
            room = false;
        }
    }
    if (room)
        move_partial();
    if (vt.drv_dirty) {
        serial_update_shared_tail(&vt.drv, vt.drv_tail);
        sddf_notify(vt.cfg->driver.id); /* serial form: the producer always notifies */
        vt.drv_dirty = false;
    }
}

static void bind(const serial_connection_resource_t *c, serial_queue_handle_t *h, const char *who)
{
    if (serial_conn_init(c, h) != 0)
        sddf_fatal("serial virt_tx: bad %s connection (tool/component mismatch?)", who);
}

/*
 * The begin text, as text: '\n' becomes "\r\n" (as the client library
 * writes it; a raw terminal needs the '\r') and it ends with a line break,
 * so the first client line starts on a line of its own.
 */
static void begin(const serial_virt_tx_config_t *cfg)
{
    char text[2 * sizeof(cfg->begin_str) + 2];
    size_t blen = strnlen(cfg->begin_str, sizeof(cfg->begin_str));
    uint32_t k = 0;
    for (size_t i = 0; i < blen; i++) {
        char c = cfg->begin_str[i];
        if (c == '\n' && (i == 0 || cfg->begin_str[i - 1] != '\r'))
            text[k++] = '\r';
        text[k++] = c;
    }
    if (k > 0 && text[k - 1] != '\n') {
        text[k++] = '\r';
        text[k++] = '\n';
    }
    if (k > 0 && drv_room(k)) { /* the ring is empty at start: this fits */
        emit(text, k);
        vt.drv_dirty = true;
    }
}

void init(void)
{
    memset(&vt, 0, sizeof(vt));
    const serial_virt_tx_config_t *cfg =
        sddf_config_find(SDDF_CLASS_SERIAL, SERIAL_ROLE_VIRT_TX, sizeof(*cfg));
    if (cfg == NULL || cfg->header.version != SDDF_CONFIG_VERSION)
        sddf_fatal("serial virt_tx: no serial virt_tx config record of this version");
    if (cfg->num_clients > SDDF_SERIAL_MAX_CLIENTS)
        sddf_fatal("serial virt_tx: %u clients, at most %u", cfg->num_clients,
                   SDDF_SERIAL_MAX_CLIENTS);
    vt.cfg = cfg;
    bind(&cfg->driver, &vt.drv, "driver");
    if (vt.drv.capacity < 2 * SERIAL_TX_CHUNK)
        sddf_fatal("serial virt_tx: driver ring of %u bytes, need at least %u", vt.drv.capacity,
                   2 * SERIAL_TX_CHUNK);
    vt.drv_tail = serial_queue_tail(&vt.drv);
    vt.holder = NO_SOURCE;
    for (uint32_t c = 0; c < cfg->num_clients; c++)
        bind(&cfg->clients[c].conn, &vt.src[c], "client");
    vt.num_src = cfg->num_clients;
    if (cfg->has_console)
        bind(&cfg->console, &vt.src[vt.num_src++], "console");
    for (uint32_t s = 0; s < vt.num_src; s++) {
        vt.head[s] = serial_queue_head(&vt.src[s]);
        vt.at_line_start[s] = true;
    }
    vt.bytes = sddf_stat_counter("tx_bytes");
    vt.lines = sddf_stat_counter("tx_lines");
    vt.partial = sddf_stat_counter("tx_partial");
    vt.breaks = sddf_stat_counter("tx_breaks");
    vt.split = sddf_stat_counter("tx_split");
    vt.corrupt = sddf_stat_counter("tx_corrupt");
    vt.overrun = sddf_stat_counter("tx_overrun");
    vt.waits = sddf_stat_counter("driver_full");

    begin(cfg);
    tx_provide(); /* clients may have written before we started */
}

void notified(sddf_channel ch)
{
    (void)ch; /* a notification is only a hint: look at every ring */
    tx_provide();
}
