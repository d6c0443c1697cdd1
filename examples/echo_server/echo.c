/*
 * echo.c - UDP and TCP echo on lwIP's raw API (see echo.h).
 *
 * TCP flow control: received bytes are copied into a per-connection ring and
 * the pbuf is freed at once, so zero-copy rx buffers never wait on the peer.
 * Bytes leave the ring only as tcp_write (copying) accepts them, and only
 * those are acknowledged to the window with tcp_recved. The ring therefore
 * never holds more than TCP_WND bytes: the peer cannot send beyond the window.
 * Writing continues from the sent callback as the peer acknowledges.
 *
 * Connection slots are few (ECHO_MAX_CONNS), so none may be held forever: a
 * connection with no progress (nothing received, nothing acknowledged) for
 * ECHO_IDLE_TIMEOUT_MS is closed from lwIP's poll callback, and a
 * connection arriving while every slot is taken is refused in the accept
 * callback (tcp_abort: the peer gets a reset, counted in tcp_refused)
 * without taking a slot.
 */
#include <string.h>

#include <lwip/pbuf.h>
#include <lwip/sys.h>
#include <lwip/tcp.h>
#include <lwip/udp.h>

#include <sddf/os.h>

#include "echo.h"

#define ECHO_RING_SIZE 65536u
_Static_assert(ECHO_RING_SIZE >= TCP_WND, "the ring must hold a whole receive window");
_Static_assert((ECHO_RING_SIZE & (ECHO_RING_SIZE - 1)) == 0, "ring size is a power of two");

/* lwIP calls the poll callback every ECHO_POLL_TICKS coarse ticks (500 ms each). */
#define ECHO_POLL_TICKS 2

struct echo_conn {
    struct tcp_pcb *pcb; /* NULL = slot free */
    bool peer_closed;    /* FIN received: close once the ring is sent */
    uint32_t active_ms;  /* sys_now() of the last progress: accepted, data in, acknowledged */
    uint32_t head;       /* ring index of the oldest byte */
    uint32_t len;        /* bytes in the ring */
    uint8_t ring[ECHO_RING_SIZE];
};

static struct {
    struct udp_pcb *udp;
    struct tcp_pcb *listen;
    struct echo_conn conns[ECHO_MAX_CONNS];
    uint32_t open;
    uint64_t *udp_echoed;
    uint64_t *udp_send_err;
    uint64_t *tcp_accepted;
    uint64_t *tcp_refused;
    uint64_t *tcp_closed;
    uint64_t *tcp_errors;
    uint64_t *tcp_idle_closed;
} echo;

/* ---- UDP ------------------------------------------------------------------ */

static void udp_echo_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                          u16_t port)
{
    (void)arg;
    /* @addr points into lwIP's current-packet state: copy it before sending. */
    ip_addr_t to = *addr;
    if (udp_sendto(pcb, p, &to, port) == ERR_OK)
        sddf_stat_add(echo.udp_echoed, 1);
    else
        sddf_stat_add(echo.udp_send_err, 1);
    pbuf_free(p);
}

/* ---- TCP ------------------------------------------------------------------ */

static void conn_release(struct echo_conn *c)
{
    c->pcb = NULL;
    c->peer_closed = false;
    c->head = 0;
    c->len = 0;
    echo.open--;
}

static void conn_detach(struct tcp_pcb *pcb)
{
    tcp_arg(pcb, NULL);
    tcp_recv(pcb, NULL);
    tcp_sent(pcb, NULL);
    tcp_err(pcb, NULL);
    tcp_poll(pcb, NULL, 0);
}

/* Reset the connection and free its slot. Callbacks are detached first:
 * tcp_abort calls the error callback, which would release the slot twice.
 * Returns ERR_ABRT (a callback must return it). */
static err_t conn_abort(struct echo_conn *c)
{
    struct tcp_pcb *pcb = c->pcb;
    conn_detach(pcb);
    tcp_abort(pcb);
    conn_release(c);
    return ERR_ABRT;
}

/* Detach our callbacks and close; abort if lwIP has no memory to close. Returns
 * ERR_ABRT if the pcb was aborted (the caller, if a callback, must return it). */
static err_t conn_close(struct echo_conn *c)
{
    struct tcp_pcb *pcb = c->pcb;
    err_t ret = ERR_OK;

    conn_detach(pcb);
    if (tcp_close(pcb) != ERR_OK) {
        tcp_abort(pcb);
        ret = ERR_ABRT;
    }
    sddf_stat_add(echo.tcp_closed, 1);
    conn_release(c);
    return ret;
}

/*
 * Move ring bytes into lwIP's send buffer as far as it takes them, open the
 * receive window by as much, and close once the peer is done and all is
 * handed over. Returns ERR_ABRT if the connection was aborted.
 */
static err_t conn_flush(struct echo_conn *c)
{
    struct tcp_pcb *pcb = c->pcb;
    bool wrote = false;

    while (c->len > 0) {
        uint32_t contiguous = ECHO_RING_SIZE - c->head;
        uint32_t n = c->len < contiguous ? c->len : contiguous;
        uint32_t room = tcp_sndbuf(pcb);
        if (n > room)
            n = room;
        if (n == 0 || tcp_sndqueuelen(pcb) >= TCP_SND_QUEUELEN)
            break;
        u8_t flags = TCP_WRITE_FLAG_COPY | (n < c->len ? TCP_WRITE_FLAG_MORE : 0);
        err_t err = tcp_write(pcb, &c->ring[c->head], (u16_t)n, flags);
        if (err == ERR_MEM)
            break; /* retried from the sent or poll callback */
        if (err != ERR_OK) {
            sddf_stat_add(echo.tcp_errors, 1);
            return conn_abort(c);
        }
        c->head = (c->head + n) & (ECHO_RING_SIZE - 1);
        c->len -= n;
        tcp_recved(pcb, (u16_t)n);
        wrote = true;
    }
    if (wrote)
        (void)tcp_output(pcb);
    if (c->peer_closed && c->len == 0)
        return conn_close(c);
    return ERR_OK;
}

static err_t tcp_echo_recv(void *arg, struct tcp_pcb *pcb, struct pbuf *p, err_t err)
{
    struct echo_conn *c = arg;
    (void)pcb;

    if (c == NULL) { /* callbacks detached: nothing to echo into */
        if (p != NULL)
            pbuf_free(p);
        return ERR_OK;
    }
    c->active_ms = sys_now();
    if (p == NULL) { /* FIN: echo what is left, then close */
        c->peer_closed = true;
        return conn_flush(c);
    }
    if (err != ERR_OK) {
        pbuf_free(p);
        return ERR_OK;
    }
    /* The window keeps the peer within the ring; if it ever does not fit,
     * ERR_MEM makes lwIP keep the pbuf and deliver it again later. */
    if (p->tot_len > ECHO_RING_SIZE - c->len)
        return ERR_MEM;
    uint32_t tail = (c->head + c->len) & (ECHO_RING_SIZE - 1);
    uint32_t first = ECHO_RING_SIZE - tail;
    if (first > p->tot_len)
        first = p->tot_len;
    (void)pbuf_copy_partial(p, &c->ring[tail], (u16_t)first, 0);
    if (first < p->tot_len)
        (void)pbuf_copy_partial(p, c->ring, (u16_t)(p->tot_len - first), (u16_t)first);
    c->len += p->tot_len;
    pbuf_free(p);
    return conn_flush(c);
}

static err_t tcp_echo_sent(void *arg, struct tcp_pcb *pcb, u16_t len)
{
    struct echo_conn *c = arg;
    (void)pcb;
    (void)len;
    if (c == NULL)
        return ERR_OK;
    c->active_ms = sys_now();
    return conn_flush(c);
}

/* Every ECHO_POLL_TICKS: retry what ERR_MEM held back, and close a
 * connection that made no progress for ECHO_IDLE_TIMEOUT_MS (gracefully if
 * nothing is outstanding, else with a reset: the peer is not reading). */
static err_t tcp_echo_poll(void *arg, struct tcp_pcb *pcb)
{
    struct echo_conn *c = arg;
    if (c == NULL)
        return ERR_OK;
    if ((uint32_t)(sys_now() - c->active_ms) >= ECHO_IDLE_TIMEOUT_MS) {
        sddf_stat_add(echo.tcp_idle_closed, 1);
        if (c->len > 0 || tcp_sndqueuelen(pcb) > 0)
            return conn_abort(c);
        return conn_close(c);
    }
    return conn_flush(c);
}

/* lwIP already freed the pcb (reset or fatal error): forget it. */
static void tcp_echo_err(void *arg, err_t err)
{
    struct echo_conn *c = arg;
    (void)err;
    if (c != NULL) {
        sddf_stat_add(echo.tcp_errors, 1);
        conn_release(c);
    }
}

static err_t tcp_echo_accept(void *arg, struct tcp_pcb *pcb, err_t err)
{
    (void)arg;
    if (err != ERR_OK || pcb == NULL)
        return ERR_VAL;
    struct echo_conn *c = NULL;
    for (uint32_t i = 0; i < ECHO_MAX_CONNS; i++) {
        if (echo.conns[i].pcb == NULL) {
            c = &echo.conns[i];
            break;
        }
    }
    if (c == NULL) {
        sddf_stat_add(echo.tcp_refused, 1);
        tcp_abort(pcb);
        return ERR_ABRT;
    }
    c->pcb = pcb;
    c->peer_closed = false;
    c->head = 0;
    c->len = 0;
    c->active_ms = sys_now();
    echo.open++;
    sddf_stat_add(echo.tcp_accepted, 1);
    tcp_arg(pcb, c);
    tcp_nagle_disable(pcb); /* echo latency matters more than segment count */
    tcp_recv(pcb, tcp_echo_recv);
    tcp_sent(pcb, tcp_echo_sent);
    tcp_err(pcb, tcp_echo_err);
    tcp_poll(pcb, tcp_echo_poll, ECHO_POLL_TICKS);
    return ERR_OK;
}

/* ---- Set-up --------------------------------------------------------------- */

int echo_init(void)
{
    echo.udp_echoed = sddf_stat_counter("udp_echoed");
    echo.udp_send_err = sddf_stat_counter("udp_send_err");
    echo.tcp_accepted = sddf_stat_counter("tcp_accepted");
    echo.tcp_refused = sddf_stat_counter("tcp_refused");
    echo.tcp_closed = sddf_stat_counter("tcp_closed");
    echo.tcp_errors = sddf_stat_counter("tcp_errors");
    echo.tcp_idle_closed = sddf_stat_counter("tcp_idle_closed");

    if (echo.udp == NULL) {
        struct udp_pcb *u = udp_new();
        if (u == NULL)
            return ERR_MEM;
        err_t err = udp_bind(u, IP_ANY_TYPE, ECHO_UDP_PORT);
        if (err != ERR_OK) {
            udp_remove(u);
            return err;
        }
        udp_recv(u, udp_echo_recv, NULL);
        echo.udp = u;
    }
    if (echo.listen == NULL) {
        struct tcp_pcb *t = tcp_new();
        if (t == NULL)
            return ERR_MEM;
        err_t err = tcp_bind(t, IP_ANY_TYPE, ECHO_TCP_PORT);
        if (err != ERR_OK) {
            tcp_close(t);
            return err;
        }
        struct tcp_pcb *l = tcp_listen_with_backlog(t, TCP_DEFAULT_LISTEN_BACKLOG);
        if (l == NULL) {
            tcp_close(t);
            return ERR_MEM;
        }
        tcp_accept(l, tcp_echo_accept);
        echo.listen = l;
    }
    return 0;
}

uint32_t echo_tcp_connections(void)
{
    return echo.open;
}
