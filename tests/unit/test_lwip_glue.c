/*
 * test_lwip_glue.c - lib_sddf_lwip (net/lib/lwip) with the real lwIP and the
 * echo server PD (examples/echo_server) against the fake OS layer.
 *
 * The test plays the client's neighbours through the queue API: the copier
 * (produces rx active, consumes rx free), virt_tx (consumes tx active,
 * produces tx free) and the timer driver (answers PPCs). Frames are built
 * byte by byte here, so the checks are against the wire format (RFC 826 ARP,
 * RFC 791 IPv4, RFC 792 ICMP, RFC 768 UDP, RFC 793 TCP), not against lwIP.
 *
 * Built with -DSDDF_LWIP_RX_PBUFS=8 and -DSDDF_LWIP_TX_BACKLOG=2 so that pool
 * exhaustion and a full backlog are reachable with small queues.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <lwip/etharp.h>
#include <lwip/pbuf.h>
#include <lwip/sys.h>
#include <lwip/udp.h>

#include <sddf/net/lwip.h>
#include <sddf/net/queue.h>
#include <sddf/timer/protocol.h>

#include "echo.h"
#include "fake_os.h"

#define RX_CAP   16u
#define TX_CAP   4u
#define RX_CH    1u
#define TX_CH    2u
#define TIMER_CH 3u

#define HOLD_PORT 4000u /* a UDP port whose receiver keeps the pbufs */

static const uint8_t client_mac[6] = {0x02, 0x5d, 0xdf, 0x00, 0x00, 0x02};
static const uint8_t peer_mac[6] = {0x02, 0x5d, 0xdf, 0x00, 0x00, 0x01};
static const uint8_t client_ip[4] = {198, 18, 0, 2};
static const uint8_t peer_ip[4] = {198, 18, 0, 1};

/* Shared "regions": static so that a buffer lwIP still held could never
 * point at freed memory; every test frees what it holds. */
static struct {
    _Alignas(64) uint8_t rx_free[NET_QUEUE_BYTES(RX_CAP)];
    _Alignas(64) uint8_t rx_active[NET_QUEUE_BYTES(RX_CAP)];
    _Alignas(64) uint8_t tx_free[NET_QUEUE_BYTES(TX_CAP)];
    _Alignas(64) uint8_t tx_active[NET_QUEUE_BYTES(TX_CAP)];
    _Alignas(4096) uint8_t rx_data[RX_CAP * NET_BUFFER_SIZE];
    _Alignas(4096) uint8_t tx_data[TX_CAP * NET_BUFFER_SIZE];
} mem;

static net_client_config_t net_cfg;
static lib_sddf_lwip_config_t lwip_cfg;
static timer_client_config_t timer_cfg;

static net_queue_handle_t copier;  /* the copier's view of the rx pair */
static net_queue_handle_t virt_tx; /* virt_tx's view of the tx pair */

static uint64_t clock_ns;
static unsigned get_time_calls;
static unsigned set_timeout_calls;
static uint64_t last_timeout_ns;

static uint64_t tx_frames_at_start; /* the gratuitous ARP sent by init() */

static struct pbuf *held[RX_CAP];
static unsigned num_held;
static struct udp_pcb *hold_pcb;

/* ---- The timer driver ------------------------------------------------------ */

static sddf_msginfo timer_ppc(sddf_channel ch, sddf_msginfo msg)
{
    assert_int_equal(ch, TIMER_CH);
    if (sddf_msginfo_get_label(msg) == SDDF_TIMER_GET_TIME) {
        get_time_calls++;
        sddf_set_mr(0, clock_ns);
        return sddf_msginfo_new(0, 1);
    }
    if (sddf_msginfo_get_label(msg) == SDDF_TIMER_SET_TIMEOUT) {
        set_timeout_calls++;
        last_timeout_ns = sddf_get_mr(0);
        return sddf_msginfo_new(0, 0);
    }
    fail_msg("unexpected timer PPC label %lu", (unsigned long)sddf_msginfo_get_label(msg));
    return sddf_msginfo_new(0, 0);
}

/* ---- Frame building (network byte order by hand) --------------------------- */

static void put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static uint16_t get16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* RFC 1071 ones' complement sum, folded, over @len bytes plus a running @sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t len)
{
    for (size_t i = 0; i + 1 < len; i += 2)
        sum += get16(p + i);
    if (len & 1)
        sum += (uint32_t)p[len - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    return (uint16_t)~sum;
}

static size_t eth_header(uint8_t *f, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
    memcpy(f, dst, 6);
    memcpy(f + 6, src, 6);
    put16(f + 12, type);
    return 14;
}

/* An ARP request from the peer for @target (RFC 826). Returns its length. */
static size_t build_arp_request(uint8_t *f, const uint8_t *target)
{
    static const uint8_t bcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    size_t n = eth_header(f, bcast, peer_mac, 0x0806);
    put16(f + n, 1); /* htype Ethernet */
    put16(f + n + 2, 0x0800);
    f[n + 4] = 6;
    f[n + 5] = 4;
    put16(f + n + 6, 1); /* request */
    memcpy(f + n + 8, peer_mac, 6);
    memcpy(f + n + 14, peer_ip, 4);
    memset(f + n + 18, 0, 6);
    memcpy(f + n + 24, target, 4);
    return n + 28;
}

/* IPv4 header (20 bytes, no options) at @ip for @payload_len bytes of @proto. */
static void ipv4_header(uint8_t *ip, uint8_t proto, size_t payload_len, const uint8_t *src,
                        const uint8_t *dst)
{
    ip[0] = 0x45;
    ip[1] = 0;
    put16(ip + 2, (uint16_t)(20 + payload_len));
    put16(ip + 4, 0x1234);
    put16(ip + 6, 0x4000); /* DF */
    ip[8] = 64;
    ip[9] = proto;
    put16(ip + 10, 0);
    memcpy(ip + 12, src, 4);
    memcpy(ip + 16, dst, 4);
    put16(ip + 10, csum_fold(csum_add(0, ip, 20)));
}

/* Pseudo-header sum for UDP/TCP checksums (RFC 768 / RFC 793). */
static uint32_t pseudo_sum(const uint8_t *src, const uint8_t *dst, uint8_t proto, size_t len)
{
    uint32_t sum = csum_add(0, src, 4);
    sum = csum_add(sum, dst, 4);
    return sum + proto + (uint32_t)len;
}

static size_t build_ping(uint8_t *f, uint16_t id, uint16_t seq, const uint8_t *data, size_t dlen)
{
    size_t n = eth_header(f, client_mac, peer_mac, 0x0800);
    uint8_t *icmp = f + n + 20;
    icmp[0] = 8; /* echo request */
    icmp[1] = 0;
    put16(icmp + 2, 0);
    put16(icmp + 4, id);
    put16(icmp + 6, seq);
    memcpy(icmp + 8, data, dlen);
    put16(icmp + 2, csum_fold(csum_add(0, icmp, 8 + dlen)));
    ipv4_header(f + n, 1, 8 + dlen, peer_ip, client_ip);
    return n + 20 + 8 + dlen;
}

static size_t build_udp(uint8_t *f, uint16_t sport, uint16_t dport, const uint8_t *data,
                        size_t dlen)
{
    size_t n = eth_header(f, client_mac, peer_mac, 0x0800);
    uint8_t *udp = f + n + 20;
    put16(udp, sport);
    put16(udp + 2, dport);
    put16(udp + 4, (uint16_t)(8 + dlen));
    put16(udp + 6, 0);
    memcpy(udp + 8, data, dlen);
    uint16_t c = csum_fold(csum_add(pseudo_sum(peer_ip, client_ip, 17, 8 + dlen), udp, 8 + dlen));
    put16(udp + 6, c == 0 ? 0xffff : c);
    ipv4_header(f + n, 17, 8 + dlen, peer_ip, client_ip);
    return n + 20 + 8 + dlen;
}

static size_t build_tcp(uint8_t *f, uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
                        uint8_t flags, const uint8_t *data, size_t dlen)
{
    size_t n = eth_header(f, client_mac, peer_mac, 0x0800);
    uint8_t *tcp = f + n + 20;
    put16(tcp, sport);
    put16(tcp + 2, dport);
    put16(tcp + 4, (uint16_t)(seq >> 16));
    put16(tcp + 6, (uint16_t)seq);
    put16(tcp + 8, (uint16_t)(ack >> 16));
    put16(tcp + 10, (uint16_t)ack);
    tcp[12] = 5 << 4;
    tcp[13] = flags;
    put16(tcp + 14, 65535);
    put16(tcp + 16, 0);
    put16(tcp + 18, 0);
    if (dlen > 0)
        memcpy(tcp + 20, data, dlen);
    put16(tcp + 16,
          csum_fold(csum_add(pseudo_sum(peer_ip, client_ip, 6, 20 + dlen), tcp, 20 + dlen)));
    ipv4_header(f + n, 6, 20 + dlen, peer_ip, client_ip);
    return n + 20 + 20 + dlen;
}

/* ---- The neighbours --------------------------------------------------------- */

/* Copier: copy @frame into a free client buffer and put it on rx active. */
static uint64_t copier_put(const uint8_t *frame, size_t len)
{
    net_buff_desc_t d;
    assert_int_equal(net_dequeue_free(&copier, &d), 0);
    /* Callers build @frame in an argument (copier_put(f, build_x(f, ...))); the
     * call happens after that argument is evaluated, which cppcheck misses. */
    // cppcheck-suppress uninitvar
    memcpy(mem.rx_data + d.io_or_offset, frame, len);
    d.len = (uint16_t)len;
    assert_int_equal(net_enqueue_active(&copier, d), 0);
    return d.io_or_offset;
}

/* virt_tx: take the next frame off tx active into @out; return its buffer
 * to tx free if @give_back. Returns the frame length. */
static size_t virt_tx_take(uint8_t *out, bool give_back)
{
    net_buff_desc_t d;
    assert_int_equal(net_dequeue_active(&virt_tx, &d), 0);
    assert_int_equal(d.io_or_offset % NET_BUFFER_SIZE, 0);
    assert_true(d.io_or_offset < TX_CAP * NET_BUFFER_SIZE);
    assert_true(d.len > 0 && d.len <= SDDF_LWIP_MAX_FRAME);
    memcpy(out, mem.tx_data + d.io_or_offset, d.len);
    size_t len = d.len;
    if (give_back) {
        d.len = 0;
        assert_int_equal(net_enqueue_free(&virt_tx, d), 0);
    }
    return len;
}

static uint32_t q_len(void *q)
{
    return net_queue_length(q);
}

static uint32_t flag(void *q)
{
    return atomic_load(&((net_queue_t *)q)->consumer_signalled);
}

static void hold_recv(void *arg, struct udp_pcb *pcb, struct pbuf *p, const ip_addr_t *addr,
                      u16_t port)
{
    (void)arg;
    (void)pcb;
    (void)addr;
    (void)port;
    assert_true(num_held < RX_CAP);
    held[num_held++] = p;
}

static void free_held(void)
{
    for (unsigned i = 0; i < num_held; i++)
        pbuf_free(held[i]);
    num_held = 0;
}

/* ---- Fixture: the echo server PD's init() with fresh queues ---------------- */

static void region(sddf_region_resource_t *r, void *p, size_t size)
{
    r->vaddr = (uint64_t)(uintptr_t)p;
    r->size = size;
}

static void header(sddf_config_header_t *h, uint8_t class_id, uint8_t role, uint32_t size)
{
    memcpy(h->magic, SDDF_CONFIG_MAGIC, 4);
    h->class_id = class_id;
    h->role = role;
    h->version = SDDF_CONFIG_VERSION;
    h->size = size;
}

static int setup(void **state)
{
    (void)state;
    memset(&mem, 0, sizeof(mem));
    memset(&net_cfg, 0, sizeof(net_cfg));
    header(&net_cfg.header, SDDF_CLASS_NET, NET_ROLE_CLIENT, sizeof(net_cfg));
    region(&net_cfg.rx.free_queue, mem.rx_free, sizeof(mem.rx_free));
    region(&net_cfg.rx.active_queue, mem.rx_active, sizeof(mem.rx_active));
    net_cfg.rx.num_buffers = RX_CAP;
    net_cfg.rx.id = RX_CH;
    region(&net_cfg.rx_data, mem.rx_data, sizeof(mem.rx_data));
    region(&net_cfg.tx.free_queue, mem.tx_free, sizeof(mem.tx_free));
    region(&net_cfg.tx.active_queue, mem.tx_active, sizeof(mem.tx_active));
    net_cfg.tx.num_buffers = TX_CAP;
    net_cfg.tx.id = TX_CH;
    region(&net_cfg.tx_data, mem.tx_data, sizeof(mem.tx_data));
    memcpy(net_cfg.mac_addr, client_mac, 6);

    memset(&lwip_cfg, 0, sizeof(lwip_cfg));
    header(&lwip_cfg.header, SDDF_CLASS_LWIP, LWIP_ROLE_CLIENT, sizeof(lwip_cfg));
    memcpy(&lwip_cfg.ip, client_ip, 4);
    memcpy(&lwip_cfg.netmask, (const uint8_t[]){255, 255, 255, 0}, 4);
    memcpy(&lwip_cfg.gateway, peer_ip, 4);

    memset(&timer_cfg, 0, sizeof(timer_cfg));
    header(&timer_cfg.header, SDDF_CLASS_TIMER, TIMER_ROLE_CLIENT, sizeof(timer_cfg));
    timer_cfg.driver_id = TIMER_CH;

    fake_os_reset();
    fake_os_add_config(&net_cfg);
    fake_os_add_config(&lwip_cfg);
    fake_os_add_config(&timer_cfg);
    fake_os_set_ppc_handler(timer_ppc);
    clock_ns += 5 * NS_IN_S; /* time moves on between tests, never back */
    get_time_calls = set_timeout_calls = 0;

    net_queue_init(&copier, (net_queue_t *)mem.rx_free, (net_queue_t *)mem.rx_active, RX_CAP);
    net_queue_init(&virt_tx, (net_queue_t *)mem.tx_free, (net_queue_t *)mem.tx_active, TX_CAP);
    net_buffers_init(&copier, 0);    /* the copier fills its client's rx free */
    net_cancel_signal_free(&copier); /* sDDF's copier never asks for rx free signals */

    init(); /* the echo server PD */
    fake_os_end_handler();

    /* The gratuitous ARP sent when the netif came up: virt_tx returns it. */
    uint8_t f[NET_BUFFER_SIZE];
    while (q_len(mem.tx_active) > 0)
        (void)virt_tx_take(f, true);
    tx_frames_at_start = fake_os_stat("tx_frames");
    net_request_signal_active(&virt_tx); /* virt_tx waits for more */
    fake_os_clear_events();

    /* The peer's MAC is known (as after an ARP exchange), so replies to it
     * go out at once instead of waiting behind an ARP request. */
    ip4_addr_t peer;
    IP4_ADDR(&peer, peer_ip[0], peer_ip[1], peer_ip[2], peer_ip[3]);
    struct eth_addr peer_eth;
    memcpy(peer_eth.addr, peer_mac, 6);
    assert_int_equal(etharp_add_static_entry(&peer, &peer_eth), ERR_OK);

    if (hold_pcb == NULL) {
        hold_pcb = udp_new();
        assert_non_null(hold_pcb);
        assert_int_equal(udp_bind(hold_pcb, IP_ANY_TYPE, HOLD_PORT), ERR_OK);
        udp_recv(hold_pcb, hold_recv, NULL);
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free_held();
    return 0;
}

/* ---- Tests ------------------------------------------------------------------ */

static void test_init_state(void **state)
{
    (void)state;
    assert_int_equal(tx_frames_at_start, 1);      /* gratuitous ARP when the netif came up */
    assert_int_equal(q_len(mem.tx_free), TX_CAP); /* net_buffers_init by the client */
    assert_int_equal(q_len(mem.rx_free), RX_CAP);
    assert_int_equal(flag(mem.rx_active), 0); /* waits for the copier */
    assert_int_equal(set_timeout_calls, 1);
    assert_int_equal(last_timeout_ns, SDDF_LWIP_TICK_MS * NS_IN_MS);
    assert_int_equal(sddf_lwip_rx_pbufs_free(), SDDF_LWIP_RX_PBUFS);
}

static void test_arp_request_gets_reply(void **state)
{
    (void)state;
    uint8_t f[NET_BUFFER_SIZE], r[NET_BUFFER_SIZE];
    net_request_signal_free(&copier); /* the copier ran out and asked */
    copier_put(f, build_arp_request(f, client_ip));
    assert_int_equal(q_len(mem.rx_free), RX_CAP - 1);

    fake_os_dispatch(RX_CH);

    assert_int_equal(q_len(mem.tx_active), 1);
    size_t len = virt_tx_take(r, true);
    uint8_t want[42];
    size_t n = eth_header(want, peer_mac, client_mac, 0x0806);
    put16(want + n, 1);
    put16(want + n + 2, 0x0800);
    want[n + 4] = 6;
    want[n + 5] = 4;
    put16(want + n + 6, 2); /* reply */
    memcpy(want + n + 8, client_mac, 6);
    memcpy(want + n + 14, client_ip, 4);
    memcpy(want + n + 18, peer_mac, 6);
    memcpy(want + n + 24, peer_ip, 4);
    assert_int_equal(len, sizeof(want));
    assert_memory_equal(r, want, sizeof(want));

    /* lwIP freed the request: its buffer is back, and both peers heard once,
     * one through the single deferred slot and the other directly. */
    assert_int_equal(q_len(mem.rx_free), RX_CAP);
    assert_int_equal(fake_os_notify_count(RX_CH) + fake_os_deferred_count(RX_CH), 1);
    assert_int_equal(fake_os_notify_count(TX_CH) + fake_os_deferred_count(TX_CH), 1);
    assert_int_equal(fake_os_deferred_count(RX_CH) + fake_os_deferred_count(TX_CH), 1);
    assert_int_equal(flag(mem.rx_free), 1); /* request consumed */
    assert_int_equal(flag(mem.tx_active), 1);
    assert_int_equal(flag(mem.rx_active), 0); /* waits for more */
    assert_int_equal(fake_os_stat("rx_frames"), 1);
    assert_int_equal(fake_os_stat("tx_frames") - tx_frames_at_start, 1);
}

static void test_arp_for_other_ip_is_ignored(void **state)
{
    (void)state;
    uint8_t f[NET_BUFFER_SIZE];
    copier_put(f, build_arp_request(f, (const uint8_t[]){198, 18, 0, 77}));
    fake_os_dispatch(RX_CH);
    assert_int_equal(q_len(mem.tx_active), 0);
    assert_int_equal(q_len(mem.rx_free), RX_CAP);
    /* Nobody asked: the copier is not woken for the returned buffer. */
    assert_int_equal(fake_os_notify_count(RX_CH) + fake_os_deferred_count(RX_CH), 0);
    assert_int_equal(fake_os_notify_count(TX_CH) + fake_os_deferred_count(TX_CH), 0);
}

static void test_rx_buffer_returns_only_when_pbuf_freed(void **state)
{
    (void)state;
    uint8_t f[NET_BUFFER_SIZE];
    const uint8_t data[] = "keep me";
    uint64_t off = copier_put(f, build_udp(f, 5555, HOLD_PORT, data, sizeof(data)));
    fake_os_dispatch(RX_CH);

    assert_int_equal(num_held, 1);
    /* zero-copy: the pbuf points into the client's rx buffer */
    assert_ptr_equal((uint8_t *)held[0]->payload, mem.rx_data + off + 14 + 20 + 8);
    assert_memory_equal(held[0]->payload, data, sizeof(data));
    assert_int_equal(q_len(mem.rx_free), RX_CAP - 1);
    assert_int_equal(sddf_lwip_rx_pbufs_free(), SDDF_LWIP_RX_PBUFS - 1);

    net_request_signal_free(&copier);
    fake_os_clear_events();
    free_held(); /* the application lets go, in a later handler */
    sddf_lwip_maybe_notify();
    fake_os_end_handler();
    assert_int_equal(q_len(mem.rx_free), RX_CAP);
    net_buff_desc_t d;
    for (unsigned i = 0; i < RX_CAP - 1; i++)
        assert_int_equal(net_dequeue_free(&copier, &d), 0);
    assert_int_equal(net_dequeue_free(&copier, &d), 0);
    assert_int_equal(d.io_or_offset, off); /* the same buffer came back, len 0 */
    assert_int_equal(d.len, 0);
    assert_int_equal(fake_os_deferred_count(RX_CH), 1);
    assert_int_equal(sddf_lwip_rx_pbufs_free(), SDDF_LWIP_RX_PBUFS);
}

static void test_bad_rx_descriptors_are_counted(void **state)
{
    (void)state;
    uint8_t f[NET_BUFFER_SIZE];
    net_buff_desc_t bad_len, big_len;

    /* a held buffer, then descriptors the copier must never send */
    uint64_t held_off = copier_put(f, build_udp(f, 5555, HOLD_PORT, (const uint8_t *)"x", 1));
    fake_os_dispatch(RX_CH);
    assert_int_equal(num_held, 1);

    assert_int_equal(net_dequeue_free(&copier, &bad_len), 0);
    assert_int_equal(net_dequeue_free(&copier, &big_len), 0);
    bad_len.len = 0;
    big_len.len = 3000;
    net_buff_desc_t unaligned = {100, 60, 0, {0}};
    net_buff_desc_t beyond = {RX_CAP * NET_BUFFER_SIZE, 60, 0, {0}};
    net_buff_desc_t dup = {held_off, 60, 0, {0}};
    const net_buff_desc_t all[] = {unaligned, beyond, bad_len, big_len, dup};
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
        assert_int_equal(net_enqueue_active(&copier, all[i]), 0);
    copier_put(f, build_arp_request(f, client_ip)); /* a good one after them */

    fake_os_dispatch(RX_CH);

    assert_int_equal(fake_os_stat("rx_bad_desc"), 4);
    assert_int_equal(fake_os_stat("rx_dup_desc"), 1);
    assert_int_equal(fake_os_stat("rx_frames"), 2);
    assert_int_equal(q_len(mem.tx_active), 1); /* the ARP reply */
    /* the two buffers with bad lengths came back; the held one did not */
    assert_int_equal(q_len(mem.rx_free), RX_CAP - 1);
    free_held();
    assert_int_equal(q_len(mem.rx_free), RX_CAP);
}

static void test_rx_pool_exhaustion_pauses_and_resumes(void **state)
{
    (void)state;
    uint8_t f[NET_BUFFER_SIZE];
    for (unsigned i = 0; i < SDDF_LWIP_RX_PBUFS + 2; i++)
        copier_put(f, build_udp(f, 5555, HOLD_PORT, (const uint8_t *)&i, sizeof(i)));
    fake_os_dispatch(RX_CH);

    assert_int_equal(num_held, SDDF_LWIP_RX_PBUFS);
    assert_int_equal(q_len(mem.rx_active), 2);
    assert_int_equal(sddf_lwip_rx_pbufs_free(), 0);
    assert_int_equal(fake_os_stat("rx_pool_empty"), 1);
    assert_int_equal(flag(mem.rx_active), 1); /* no signal wanted while paused */

    /* one pbuf freed: the next handler end takes one more frame */
    pbuf_free(held[0]);
    held[0] = held[--num_held];
    sddf_lwip_maybe_notify();
    assert_int_equal(q_len(mem.rx_active), 1);
    assert_int_equal(num_held, SDDF_LWIP_RX_PBUFS);

    free_held();
    sddf_lwip_maybe_notify();
    assert_int_equal(q_len(mem.rx_active), 0);
    assert_int_equal(num_held, 1);
    assert_int_equal(flag(mem.rx_active), 0); /* drained: waits for the copier again */
    free_held();
    assert_int_equal(q_len(mem.rx_free), RX_CAP);
}

static void test_tx_backlog_when_no_free_buffer(void **state)
{
    (void)state;
    uint8_t f[NET_BUFFER_SIZE], r[NET_BUFFER_SIZE];

    /* TX_CAP replies fill every tx buffer; virt_tx does not return them yet. */
    for (unsigned i = 0; i < TX_CAP; i++)
        copier_put(f, build_arp_request(f, client_ip));
    fake_os_dispatch(RX_CH);
    assert_int_equal(q_len(mem.tx_active), TX_CAP);
    assert_int_equal(q_len(mem.tx_free), 0);
    assert_int_equal(fake_os_stat("tx_backlogged"), 0);

    /* Two more: kept in the backlog (size 2), the third is dropped. */
    fake_os_clear_events();
    for (unsigned i = 0; i < 3; i++) {
        const uint8_t payload[] = {(uint8_t)i, 0xee};
        copier_put(f, build_udp(f, (uint16_t)(6000 + i), ECHO_UDP_PORT, payload, 2));
    }
    fake_os_dispatch(RX_CH);
    assert_int_equal(fake_os_stat("tx_backlogged"), 2);
    assert_int_equal(fake_os_stat("tx_dropped"), 1);
    assert_int_equal(sddf_lwip_tx_backlog_len(), 2);
    assert_int_equal(flag(mem.tx_free), 0); /* asked virt_tx for a signal */
    /* The backlogged frames still reference their zero-copy rx buffers. */
    assert_int_equal(q_len(mem.rx_free), RX_CAP - 2);

    /* virt_tx returns one buffer: it must signal, since the client asked. */
    fake_os_clear_events();
    (void)virt_tx_take(r, true);
    assert_true(net_require_signal_free(&virt_tx));
    net_cancel_signal_free(&virt_tx);
    net_request_signal_active(&virt_tx);
    fake_os_dispatch(TX_CH);
    assert_int_equal(sddf_lwip_tx_backlog_len(), 1);
    assert_int_equal(flag(mem.tx_free), 0);             /* one still waits */
    assert_int_equal(fake_os_deferred_count(TX_CH), 1); /* virt_tx hears of the frame */

    /* The rest come back: the backlog drains in order, then the request goes. */
    for (unsigned i = 0; i < TX_CAP - 1; i++)
        (void)virt_tx_take(r, true);
    size_t len = virt_tx_take(r, true); /* the first backlogged frame: echo of port 6000 */
    assert_int_equal(len, 14 + 20 + 8 + 2);
    assert_int_equal(get16(r + 14 + 20 + 2), 6000);
    fake_os_dispatch(TX_CH);
    assert_int_equal(sddf_lwip_tx_backlog_len(), 0);
    assert_int_equal(flag(mem.tx_free), 1);
    len = virt_tx_take(r, true);
    assert_int_equal(get16(r + 14 + 20 + 2), 6001);
    assert_int_equal(r[14 + 20 + 8], 1);
    assert_int_equal(q_len(mem.rx_free), RX_CAP);
    assert_int_equal(fake_os_stat("tx_frames") - tx_frames_at_start, TX_CAP + 2);
}

static void test_tx_frame_too_large_is_rejected(void **state)
{
    (void)state;
    struct pbuf *p = pbuf_alloc(PBUF_RAW, SDDF_LWIP_MAX_FRAME + 1, PBUF_RAM);
    assert_non_null(p);
    memset(p->payload, 0, p->tot_len);
    assert_int_equal(sddf_lwip_transmit_pbuf(p), SDDF_LWIP_ERR_LARGE_PBUF);
    assert_int_equal(fake_os_stat("tx_too_large"), 1);
    assert_int_equal(q_len(mem.tx_active), 0);
    pbuf_realloc(p, SDDF_LWIP_MAX_FRAME);
    assert_int_equal(sddf_lwip_transmit_pbuf(p), SDDF_LWIP_ERR_OK);
    assert_int_equal(q_len(mem.tx_active), 1);
    pbuf_free(p);
    assert_int_equal(sddf_lwip_transmit_pbuf(NULL), SDDF_LWIP_ERR_INVALID_PBUF);
}

static void test_bad_tx_free_descriptor_is_skipped(void **state)
{
    (void)state;
    uint8_t f[NET_BUFFER_SIZE], r[NET_BUFFER_SIZE];
    /* virt_tx hands back a corrupt offset ahead of the good buffers */
    net_buff_desc_t d;
    for (unsigned i = 0; i < TX_CAP; i++) /* take them away, as if in flight */
        assert_int_equal(net_dequeue_free(&virt_tx, &d), 0);
    net_buff_desc_t bad = {TX_CAP * NET_BUFFER_SIZE + 4, 0, 0, {0}};
    assert_int_equal(net_enqueue_free(&virt_tx, bad), 0);
    d.len = 0;
    assert_int_equal(net_enqueue_free(&virt_tx, d), 0);
    copier_put(f, build_arp_request(f, client_ip));
    fake_os_dispatch(RX_CH);
    assert_int_equal(fake_os_stat("tx_bad_desc"), 1);
    assert_int_equal(q_len(mem.tx_active), 1);
    assert_int_equal(virt_tx_take(r, false), 42);
}

static void test_ping_gets_echo_reply(void **state)
{
    (void)state;
    uint8_t f[NET_BUFFER_SIZE], r[NET_BUFFER_SIZE];
    uint8_t data[56];
    for (size_t i = 0; i < sizeof(data); i++)
        data[i] = (uint8_t)(i * 7);
    copier_put(f, build_ping(f, 0x4242, 7, data, sizeof(data)));
    fake_os_dispatch(RX_CH);
    assert_int_equal(q_len(mem.tx_active), 1);
    size_t len = virt_tx_take(r, true);
    assert_int_equal(len, 14 + 20 + 8 + sizeof(data));
    assert_memory_equal(r, peer_mac, 6);
    assert_memory_equal(r + 6, client_mac, 6);
    assert_int_equal(get16(r + 12), 0x0800);
    const uint8_t *ip = r + 14, *icmp = r + 34;
    assert_int_equal(ip[9], 1);
    assert_memory_equal(ip + 12, client_ip, 4);
    assert_memory_equal(ip + 16, peer_ip, 4);
    assert_int_equal(csum_fold(csum_add(0, ip, 20)), 0);
    assert_int_equal(icmp[0], 0); /* echo reply */
    assert_int_equal(get16(icmp + 4), 0x4242);
    assert_int_equal(get16(icmp + 6), 7);
    assert_memory_equal(icmp + 8, data, sizeof(data));
    assert_int_equal(csum_fold(csum_add(0, icmp, 8 + sizeof(data))), 0);
    assert_int_equal(q_len(mem.rx_free), RX_CAP);
}

/* Check @r is a UDP echo of @data from the client's port 1235 to @dport. */
static void check_udp_echo(const uint8_t *r, size_t len, uint16_t dport, const uint8_t *data,
                           size_t dlen)
{
    assert_int_equal(len, 14 + 20 + 8 + dlen);
    assert_memory_equal(r, peer_mac, 6);
    const uint8_t *ip = r + 14, *udp = r + 34;
    assert_int_equal(ip[9], 17);
    assert_memory_equal(ip + 12, client_ip, 4);
    assert_memory_equal(ip + 16, peer_ip, 4);
    assert_int_equal(csum_fold(csum_add(0, ip, 20)), 0);
    assert_int_equal(get16(udp), ECHO_UDP_PORT);
    assert_int_equal(get16(udp + 2), dport);
    assert_int_equal(get16(udp + 4), 8 + dlen);
    assert_int_equal(
        csum_fold(csum_add(pseudo_sum(client_ip, peer_ip, 17, 8 + dlen), udp, 8 + dlen)), 0);
    assert_memory_equal(udp + 8, data, dlen);
}

static void test_udp_echo(void **state)
{
    (void)state;
    static uint8_t f[NET_BUFFER_SIZE], r[NET_BUFFER_SIZE], big[1472];
    const uint8_t small[] = "hello sddf";
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (uint8_t)(i ^ (i >> 8));

    copier_put(f, build_udp(f, 5555, ECHO_UDP_PORT, small, sizeof(small)));
    fake_os_dispatch(RX_CH);
    assert_int_equal(q_len(mem.tx_active), 1);
    check_udp_echo(r, virt_tx_take(r, true), 5555, small, sizeof(small));

    copier_put(f, build_udp(f, 5556, ECHO_UDP_PORT, big, sizeof(big))); /* a full 1514-byte frame */
    fake_os_dispatch(RX_CH);
    assert_int_equal(q_len(mem.tx_active), 1);
    check_udp_echo(r, virt_tx_take(r, true), 5556, big, sizeof(big));
    assert_int_equal(fake_os_stat("udp_echoed"), 2);
    assert_int_equal(q_len(mem.rx_free), RX_CAP);

    /* a corrupted checksum: lwIP drops it, nothing is echoed, buffer returns */
    size_t n = build_udp(f, 5557, ECHO_UDP_PORT, small, sizeof(small));
    f[14 + 20 + 6] ^= 0x55;
    copier_put(f, n);
    fake_os_dispatch(RX_CH);
    assert_int_equal(q_len(mem.tx_active), 0);
    assert_int_equal(q_len(mem.rx_free), RX_CAP);
}

/* Take the next TCP segment the client sent; returns its flags and fills
 * seq/ack and the payload. */
static uint8_t tcp_take(uint32_t *seq, uint32_t *ack, uint8_t *data, size_t *dlen)
{
    uint8_t r[NET_BUFFER_SIZE];
    size_t len = virt_tx_take(r, true);
    const uint8_t *ip = r + 14;
    assert_int_equal(ip[9], 6);
    size_t ip_len = get16(ip + 2);
    assert_true(len >= 14 + ip_len);
    const uint8_t *tcp = ip + 20;
    size_t hl = (size_t)(tcp[12] >> 4) * 4;
    assert_int_equal(
        csum_fold(csum_add(pseudo_sum(client_ip, peer_ip, 6, ip_len - 20), tcp, ip_len - 20)), 0);
    *seq = (uint32_t)get16(tcp + 4) << 16 | get16(tcp + 6);
    *ack = (uint32_t)get16(tcp + 8) << 16 | get16(tcp + 10);
    *dlen = ip_len - 20 - hl;
    if (data)
        memcpy(data, tcp + hl, *dlen);
    return tcp[13];
}

static void test_tcp_echo_and_close(void **state)
{
    (void)state;
    uint8_t f[NET_BUFFER_SIZE], out[NET_BUFFER_SIZE];
    uint32_t seq, ack, peer_seq = 1000;
    size_t dlen;
    enum { FIN = 1, SYN = 2, RST = 4, PSH = 8, ACK = 16 };

    copier_put(f, build_tcp(f, 40000, ECHO_TCP_PORT, peer_seq, 0, SYN, NULL, 0));
    fake_os_dispatch(RX_CH);
    uint8_t fl = tcp_take(&seq, &ack, NULL, &dlen);
    assert_int_equal(fl & (SYN | ACK), SYN | ACK);
    assert_int_equal(ack, peer_seq + 1);
    peer_seq++;
    uint32_t srv_seq = seq + 1;

    copier_put(f, build_tcp(f, 40000, ECHO_TCP_PORT, peer_seq, srv_seq, ACK, NULL, 0));
    fake_os_dispatch(RX_CH);
    assert_int_equal(echo_tcp_connections(), 1);

    const uint8_t msg[] = "echo this over tcp";
    copier_put(f,
               build_tcp(f, 40000, ECHO_TCP_PORT, peer_seq, srv_seq, ACK | PSH, msg, sizeof(msg)));
    fake_os_dispatch(RX_CH);
    peer_seq += sizeof(msg);
    assert_true(q_len(mem.tx_active) >= 1);
    fl = tcp_take(&seq, &ack, out, &dlen);
    assert_int_equal(seq, srv_seq);
    assert_int_equal(ack, peer_seq);
    assert_int_equal(dlen, sizeof(msg));
    assert_memory_equal(out, msg, sizeof(msg));
    srv_seq += (uint32_t)dlen;
    while (q_len(mem.tx_active) > 0) /* a separate pure ACK, if any */
        (void)tcp_take(&seq, &ack, NULL, &dlen);
    assert_int_equal(q_len(mem.rx_free), RX_CAP); /* copied into the ring, pbuf freed */

    /* the peer acknowledges and closes: the server closes too (FIN) */
    copier_put(f, build_tcp(f, 40000, ECHO_TCP_PORT, peer_seq, srv_seq, ACK | FIN, NULL, 0));
    fake_os_dispatch(RX_CH);
    peer_seq++;
    bool fin = false;
    while (q_len(mem.tx_active) > 0) {
        fl = tcp_take(&seq, &ack, NULL, &dlen);
        assert_int_equal(fl & RST, 0);
        if (fl & FIN)
            fin = true;
    }
    assert_true(fin);
    assert_int_equal(echo_tcp_connections(), 0);
    assert_int_equal(fake_os_stat("tcp_closed"), 1);
    copier_put(f, build_tcp(f, 40000, ECHO_TCP_PORT, peer_seq, srv_seq + 1, ACK, NULL, 0));
    fake_os_dispatch(RX_CH);
    assert_int_equal(q_len(mem.rx_free), RX_CAP);
}

/* ---- TCP connection slots: idle timeout and refusal at the limit --------- */

enum { TCP_FIN = 1, TCP_SYN = 2, TCP_RST = 4, TCP_PSH = 8, TCP_ACK = 16 };

/* One peer connection as the test sees it. */
struct peer_conn {
    uint16_t port;
    uint32_t peer_seq; /* next sequence number the peer sends */
    uint32_t srv_seq;  /* next sequence number the server sends */
};

/* virt_tx takes every frame the client sent; returns the OR of TCP flags. */
static uint8_t drain_tcp(void)
{
    uint8_t flags = 0;
    uint32_t seq, ack;
    size_t dlen;
    while (q_len(mem.tx_active) > 0)
        flags |= tcp_take(&seq, &ack, NULL, &dlen);
    fake_os_dispatch(TX_CH); /* the buffers are back: a backlog may go out */
    return flags;
}

/* Three-way handshake from @c->port; returns the flags of the server's
 * frames after the final ACK (0, or RST when the connection is refused). */
static uint8_t tcp_open(struct peer_conn *c)
{
    uint8_t f[NET_BUFFER_SIZE];
    uint32_t seq, ack;
    size_t dlen;
    c->peer_seq = 7000;
    copier_put(f, build_tcp(f, c->port, ECHO_TCP_PORT, c->peer_seq, 0, TCP_SYN, NULL, 0));
    fake_os_dispatch(RX_CH);
    uint8_t fl = tcp_take(&seq, &ack, NULL, &dlen);
    assert_int_equal(fl & (TCP_SYN | TCP_ACK), TCP_SYN | TCP_ACK);
    c->peer_seq++;
    c->srv_seq = seq + 1;
    copier_put(f, build_tcp(f, c->port, ECHO_TCP_PORT, c->peer_seq, c->srv_seq, TCP_ACK, NULL, 0));
    fake_os_dispatch(RX_CH);
    return drain_tcp();
}

/* Let @ms of time pass in lwIP ticks, virt_tx taking whatever is sent. */
static void advance_ms(unsigned ms)
{
    for (unsigned t = 0; t < ms; t += SDDF_LWIP_TICK_MS) {
        clock_ns += (uint64_t)SDDF_LWIP_TICK_MS * NS_IN_MS;
        fake_os_dispatch(TIMER_CH);
        (void)drain_tcp();
    }
}

static void test_tcp_idle_timeout_and_limit(void **state)
{
    (void)state;
    uint8_t f[NET_BUFFER_SIZE], out[NET_BUFFER_SIZE];
    struct peer_conn c[ECHO_MAX_CONNS + 2];
    assert_int_equal(echo_tcp_connections(), 0);
    for (unsigned i = 0; i < ECHO_MAX_CONNS; i++) {
        c[i].port = (uint16_t)(41000 + i);
        assert_int_equal(tcp_open(&c[i]) & TCP_RST, 0);
    }
    assert_int_equal(echo_tcp_connections(), ECHO_MAX_CONNS);

    /* every slot held: the next connection is refused at once, with a reset */
    c[ECHO_MAX_CONNS].port = 41100;
    assert_true(tcp_open(&c[ECHO_MAX_CONNS]) & TCP_RST);
    assert_int_equal(fake_os_stat("tcp_refused"), 1);
    assert_int_equal(echo_tcp_connections(), ECHO_MAX_CONNS);

    /* connection 0 makes progress at 20 s, the others stay idle */
    advance_ms(20000);
    assert_int_equal(echo_tcp_connections(), ECHO_MAX_CONNS);
    const uint8_t msg[] = "still here";
    copier_put(f, build_tcp(f, c[0].port, ECHO_TCP_PORT, c[0].peer_seq, c[0].srv_seq,
                            TCP_ACK | TCP_PSH, msg, sizeof(msg)));
    fake_os_dispatch(RX_CH);
    c[0].peer_seq += sizeof(msg);
    uint32_t seq, ack;
    size_t dlen;
    assert_int_equal(tcp_take(&seq, &ack, out, &dlen) & TCP_RST, 0);
    assert_int_equal(dlen, sizeof(msg));
    c[0].srv_seq += (uint32_t)dlen;
    (void)drain_tcp();
    copier_put(
        f, build_tcp(f, c[0].port, ECHO_TCP_PORT, c[0].peer_seq, c[0].srv_seq, TCP_ACK, NULL, 0));
    fake_os_dispatch(RX_CH);
    (void)drain_tcp();

    /* past ECHO_IDLE_TIMEOUT_MS for the idle ones (with a poll period to spare) */
    advance_ms(ECHO_IDLE_TIMEOUT_MS - 20000 + 1500);
    assert_int_equal(echo_tcp_connections(), 1);
    assert_int_equal(fake_os_stat("tcp_idle_closed"), ECHO_MAX_CONNS - 1);
    assert_int_equal(fake_os_stat("tcp_errors"), 0);

    /* a slot is free again: a new connection is accepted */
    c[ECHO_MAX_CONNS + 1].port = 41101;
    assert_int_equal(tcp_open(&c[ECHO_MAX_CONNS + 1]) & TCP_RST, 0);
    assert_int_equal(echo_tcp_connections(), 2);
    assert_int_equal(fake_os_stat("tcp_refused"), 1);

    /* and in time every connection goes */
    advance_ms(ECHO_IDLE_TIMEOUT_MS + 1500);
    assert_int_equal(echo_tcp_connections(), 0);
    assert_int_equal(fake_os_stat("tcp_idle_closed"), ECHO_MAX_CONNS + 1);

    /* the peers reset what lwIP still keeps (FIN_WAIT), for the tests after */
    for (unsigned i = 0; i < ECHO_MAX_CONNS + 2; i++) {
        if (i == ECHO_MAX_CONNS)
            continue; /* refused: nothing left */
        copier_put(f, build_tcp(f, c[i].port, ECHO_TCP_PORT, c[i].peer_seq, 0, TCP_RST, NULL, 0));
        fake_os_dispatch(RX_CH);
    }
    (void)drain_tcp();
    assert_int_equal(q_len(mem.rx_free), RX_CAP);
}

static void test_timer_tick_and_clock(void **state)
{
    (void)state;
    uint8_t f[NET_BUFFER_SIZE];
    set_timeout_calls = 0;
    get_time_calls = 0;
    clock_ns += 250 * NS_IN_MS;
    fake_os_dispatch(TIMER_CH);
    assert_int_equal(set_timeout_calls, 1);
    assert_int_equal(last_timeout_ns, SDDF_LWIP_TICK_MS * NS_IN_MS);
    assert_int_equal(get_time_calls, 1);
    assert_int_equal(sys_now(), (u32_t)(clock_ns / NS_IN_MS));
    assert_int_equal(get_time_calls, 1); /* no PPC per sys_now() */

    /* an rx batch refreshes the clock at most once, and only if asked */
    clock_ns += 3 * NS_IN_MS;
    size_t arp_len = build_arp_request(f, client_ip);
    copier_put(f, arp_len);
    fake_os_dispatch(RX_CH);
    assert_true(get_time_calls <= 2);
    assert_int_equal(sys_now(), (u32_t)(clock_ns / NS_IN_MS));
    assert_true(get_time_calls <= 2);
}

static void test_bad_config_is_refused(void **state)
{
    (void)state;
    net_client_config_t bad = net_cfg;
    bad.rx_data.size = NET_BUFFER_SIZE; /* far smaller than 16 buffers */
    assert_int_equal(sddf_lwip_init(&lwip_cfg, &bad, &timer_cfg, NULL), SDDF_LWIP_ERR_UNHANDLED);
    bad = net_cfg;
    bad.tx.num_buffers = 3; /* not a power of two */
    assert_int_equal(sddf_lwip_init(&lwip_cfg, &bad, &timer_cfg, NULL), SDDF_LWIP_ERR_UNHANDLED);
    assert_int_equal(sddf_lwip_init(NULL, &net_cfg, &timer_cfg, NULL), SDDF_LWIP_ERR_UNHANDLED);
}

/* The echo server PD's notified(), from examples/echo_server/echo_server.c,
 * is linked in; fake_os_dispatch calls it. */

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_init_state, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_request_gets_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_arp_for_other_ip_is_ignored, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_buffer_returns_only_when_pbuf_freed, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_bad_rx_descriptors_are_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_pool_exhaustion_pauses_and_resumes, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_tx_backlog_when_no_free_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_frame_too_large_is_rejected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_tx_free_descriptor_is_skipped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ping_gets_echo_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_udp_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_echo_and_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_tick_and_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_config_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_idle_timeout_and_limit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
