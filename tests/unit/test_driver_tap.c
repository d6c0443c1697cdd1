/*
 * tests/unit/test_driver_tap.c - the TAP Ethernet driver (drivers/net/tap)
 * against the fake OS layer and a real TAP device.
 *
 * The test moves itself into a network namespace of its own
 * (unshare(CLONE_NEWNET), so it vanishes with the process), creates a TAP
 * there, and plays every other party: the monitor (hands the TAP fd over as
 * the IRQ descriptor), virt_rx and virt_tx (queues and regions in plain
 * memory) and the Linux side (an AF_PACKET socket bound to the TAP). Frames
 * use the IEEE local experimental EtherType 0x88b5, so the kernel answers
 * none of them and stray kernel frames are told apart. Every wait is a poll
 * with a timeout. Skipped (exit 77) without the privilege to do this.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <linux/if_tun.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include <sddf/host/device.h>
#include <sddf/net/config.h>
#include <sddf/net/queue.h>

#include "fake_os.h"
#include "io_table.h"

#define IFNAME      "sddftap0"
#define TEST_ETYPE  0x88b5
#define IRQ_CH      3u
#define VIRT_RX_CH  1u
#define VIRT_TX_CH  2u
#define NBUF        8u
#define REGION_SIZE ((size_t)NBUF * NET_BUFFER_SIZE)
#define RX_IO       0x100000ull
#define TX_IO       0x200000ull
#define WAIT_MS     1000

static int tap_fd = -1; /* the device, as the monitor would open it */
static int pkt_fd = -1; /* the Linux side: AF_PACKET bound to the TAP */
static int ctl_fd = -1; /* AF_INET socket for interface ioctls */
static int tap_ifindex;

/* Everything a test run shares with the driver, rebuilt for each test. */
static struct {
    net_driver_config_t cfg;
    net_queue_t *q[4]; /* rx free, rx active, tx free, tx active */
    uint8_t *rx_region, *tx_region;
    net_queue_handle_t rx, tx; /* our (virt_rx / virt_tx) views */
} w;

int sddf_host_irq_fd(sddf_channel irq_ch)
{
    return irq_ch == IRQ_CH ? tap_fd : -1;
}

static uint64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* ---- namespace and TAP --------------------------------------------------- */

static void write_sysctl(const char *path, const char *value)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        (void)!write(fd, value, strlen(value));
        close(fd);
    }
}

static int set_flags_up(void)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", IFNAME);
    if (ioctl(ctl_fd, SIOCGIFFLAGS, &ifr) != 0)
        return -1;
    ifr.ifr_flags |= IFF_UP;
    return ioctl(ctl_fd, SIOCSIFFLAGS, &ifr);
}

static int set_mtu(int mtu)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", IFNAME);
    ifr.ifr_mtu = mtu;
    return ioctl(ctl_fd, SIOCSIFMTU, &ifr);
}

static int set_addr(unsigned long req, const char *ip)
{
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", IFNAME);
    struct sockaddr_in sin = {.sin_family = AF_INET};
    inet_pton(AF_INET, ip, &sin.sin_addr);
    memcpy(&ifr.ifr_addr, &sin, sizeof(sin));
    return ioctl(ctl_fd, req, &ifr);
}

/* Returns 0, or -1 with a reason printed (the test is then skipped). */
static int make_tap_in_own_netns(void)
{
    if (unshare(CLONE_NEWNET) != 0) {
        fprintf(stderr, "unshare(CLONE_NEWNET): %s\n", strerror(errno));
        return -1;
    }
    /* No IPv6 autoconfiguration chatter (RS, MLD, DAD) on the fresh TAP. */
    write_sysctl("/proc/sys/net/ipv6/conf/all/disable_ipv6", "1");
    write_sysctl("/proc/sys/net/ipv6/conf/default/disable_ipv6", "1");

    tap_fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    if (tap_fd < 0) {
        fprintf(stderr, "/dev/net/tun: %s\n", strerror(errno));
        return -1;
    }
    struct ifreq ifr;
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", IFNAME);
    ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
    ctl_fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (ioctl(tap_fd, TUNSETIFF, &ifr) != 0 || ctl_fd < 0) {
        fprintf(stderr, "TUNSETIFF: %s\n", strerror(errno));
        return -1;
    }
    if (set_addr(SIOCSIFADDR, "198.18.0.1") != 0 ||
        set_addr(SIOCSIFNETMASK, "255.255.255.0") != 0 || set_flags_up() != 0) {
        fprintf(stderr, "configuring %s: %s\n", IFNAME, strerror(errno));
        return -1;
    }
    memset(&ifr, 0, sizeof(ifr));
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", IFNAME);
    if (ioctl(ctl_fd, SIOCGIFINDEX, &ifr) != 0)
        return -1;
    tap_ifindex = ifr.ifr_ifindex;

    pkt_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, htons(ETH_P_ALL));
    struct sockaddr_ll sll = {
        .sll_family = AF_PACKET, .sll_protocol = htons(ETH_P_ALL), .sll_ifindex = tap_ifindex};
    if (pkt_fd < 0 || bind(pkt_fd, (struct sockaddr *)&sll, sizeof(sll)) != 0) {
        fprintf(stderr, "AF_PACKET: %s\n", strerror(errno));
        return -1;
    }
    return 0;
}

static bool wait_readable(int fd, int ms)
{
    struct pollfd p = {fd, POLLIN, 0};
    return poll(&p, 1, ms) == 1 && (p.revents & POLLIN);
}

/* Throw away whatever the TAP and the packet socket still hold. */
static void drain_linux_side(void)
{
    uint8_t buf[16384];
    for (int i = 0; i < 10000 && read(tap_fd, buf, sizeof(buf)) >= 0; i++)
        ;
    for (int i = 0; i < 10000 && recv(pkt_fd, buf, sizeof(buf), 0) >= 0; i++)
        ;
}

/* ---- frames ------------------------------------------------------------- */

/* A test frame of @len bytes: broadcast, our EtherType, payload derived from @seed. */
static void make_frame(uint8_t *f, size_t len, uint8_t seed)
{
    static const uint8_t hdr[14] = {0xff,
                                    0xff,
                                    0xff,
                                    0xff,
                                    0xff,
                                    0xff,
                                    0x02,
                                    0x00,
                                    0x5e,
                                    0x00,
                                    0x00,
                                    0x01,
                                    TEST_ETYPE >> 8,
                                    TEST_ETYPE & 0xff};
    memcpy(f, hdr, len < 14 ? len : 14);
    for (size_t i = 14; i < len; i++)
        f[i] = (uint8_t)(seed + i * 7);
}

static bool is_test_frame(const uint8_t *f, size_t len)
{
    return len >= 14 && f[12] == (TEST_ETYPE >> 8) && f[13] == (TEST_ETYPE & 0xff);
}

/* Send a frame into the TAP from the Linux side (it becomes readable on tap_fd). */
static ssize_t inject(size_t len, uint8_t seed)
{
    static uint8_t f[9100];
    make_frame(f, len, seed);
    return send(pkt_fd, f, len, 0);
}

/* ---- the world: queues, regions, config --------------------------------- */

static void *zalloc(size_t n)
{
    void *p = aligned_alloc(4096, (n + 4095) & ~(size_t)4095);
    assert_non_null(p);
    memset(p, 0, n);
    return p;
}

static void build_world(void)
{
    memset(&w.cfg, 0, sizeof(w.cfg));
    for (int i = 0; i < 4; i++)
        w.q[i] = zalloc(NET_QUEUE_BYTES(NBUF));
    w.rx_region = zalloc(REGION_SIZE);
    w.tx_region =
        mmap(NULL, REGION_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    assert_true(w.tx_region != MAP_FAILED);
    net_queue_init(&w.rx, w.q[0], w.q[1], NBUF);
    net_queue_init(&w.tx, w.q[2], w.q[3], NBUF);

    net_driver_config_t *c = &w.cfg;
    memcpy(c->header.magic, SDDF_CONFIG_MAGIC, 4);
    c->header.class_id = SDDF_CLASS_NET;
    c->header.role = NET_ROLE_DRIVER;
    c->header.version = SDDF_CONFIG_VERSION;
    c->header.size = sizeof(*c);
    c->virt_rx =
        (net_connection_resource_t){.free_queue = {(uintptr_t)w.q[0], NET_QUEUE_BYTES(NBUF)},
                                    .active_queue = {(uintptr_t)w.q[1], NET_QUEUE_BYTES(NBUF)},
                                    .num_buffers = NBUF,
                                    .id = VIRT_RX_CH};
    c->virt_tx =
        (net_connection_resource_t){.free_queue = {(uintptr_t)w.q[2], NET_QUEUE_BYTES(NBUF)},
                                    .active_queue = {(uintptr_t)w.q[3], NET_QUEUE_BYTES(NBUF)},
                                    .num_buffers = NBUF,
                                    .id = VIRT_TX_CH};
    c->irq_id = IRQ_CH;
    c->num_io_regions = 2;
    c->io_regions[0] =
        (sddf_device_region_resource_t){{(uintptr_t)w.rx_region, REGION_SIZE}, RX_IO};
    c->io_regions[1] =
        (sddf_device_region_resource_t){{(uintptr_t)w.tx_region, REGION_SIZE}, TX_IO};
}

static int setup(void **state)
{
    (void)state;
    build_world();
    drain_linux_side();
    fake_os_reset();
    fake_os_add_config(&w.cfg);
    init();
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int i = 0; i < 4; i++)
        free(w.q[i]);
    free(w.rx_region);
    munmap(w.tx_region, REGION_SIZE);
    set_mtu(1500);
    return 0;
}

/* ---- virt_rx's side ----------------------------------------------------- */

typedef struct rx_frame {
    uint64_t io;
    uint16_t len;
    uint8_t data[NET_BUFFER_SIZE];
} rx_frame_t;

/*
 * Take every rx active entry like virt_rx: check it is a buffer of ours, copy
 * test frames into @out (stray kernel frames are skipped) and return each
 * buffer on rx free. Returns the number of test frames stored.
 */
static unsigned collect_rx(rx_frame_t *out, unsigned max)
{
    unsigned n = 0;
    net_buff_desc_t d;
    while (net_dequeue_active(&w.rx, &d) == 0) {
        assert_true(d.io_or_offset >= RX_IO && d.io_or_offset < RX_IO + REGION_SIZE);
        assert_int_equal((d.io_or_offset - RX_IO) % NET_BUFFER_SIZE, 0);
        assert_true(d.len >= 1 && d.len <= 1514);
        const uint8_t *p = w.rx_region + (d.io_or_offset - RX_IO);
        if (is_test_frame(p, d.len) && n < max) {
            out[n].io = d.io_or_offset;
            out[n].len = d.len;
            memcpy(out[n].data, p, d.len);
            n++;
        }
        net_buff_desc_t r = {d.io_or_offset, 0, 0, {0}};
        assert_int_equal(net_enqueue_free(&w.rx, r), 0);
    }
    return n;
}

/*
 * Run the driver's IRQ handler whenever the TAP is readable until @want test
 * frames were collected or WAIT_MS passed; returns how many arrived.
 */
static unsigned receive(rx_frame_t *out, unsigned want)
{
    unsigned got = 0;
    uint64_t end = mono_ms() + WAIT_MS;
    while (got < want && mono_ms() < end) {
        if (!wait_readable(tap_fd, 50))
            continue;
        fake_os_dispatch(IRQ_CH);
        got += collect_rx(out + got, want - got);
    }
    return got;
}

static void assert_frame(const rx_frame_t *f, size_t len, uint8_t seed)
{
    uint8_t expect[NET_BUFFER_SIZE];
    make_frame(expect, len, seed);
    assert_int_equal(f->len, len);
    assert_memory_equal(f->data, expect, len);
}

/* ---- rx tests ----------------------------------------------------------- */

static void test_rx_sizes(void **state)
{
    (void)state;
    static rx_frame_t got[3];
    net_buffers_init(&w.rx, RX_IO);
    assert_int_equal(inject(14, 1), 14);
    assert_int_equal(inject(60, 2), 60);
    assert_int_equal(inject(1514, 3), 1514);
    assert_int_equal(receive(got, 3), 3);
    assert_frame(&got[0], 14, 1);
    assert_frame(&got[1], 60, 2);
    assert_frame(&got[2], 1514, 3);
    assert_true(fake_os_stat("rx_frames") >= 3);
    assert_true(fake_os_stat("rx_bytes") >= 14 + 60 + 1514);
    assert_int_equal(fake_os_stat("rx_oversize"), 0);
    assert_int_equal(fake_os_stat("rx_bad_desc"), 0);
    /* virt_rx's flag started at "wants a signal": notified directly, IRQ acked. */
    assert_true(fake_os_notify_count(VIRT_RX_CH) >= 1);
    assert_true(fake_os_irq_ack_count(IRQ_CH) >= 1);
}

static void test_rx_oversize_dropped(void **state)
{
    (void)state;
    static rx_frame_t got[1];
    net_buffers_init(&w.rx, RX_IO);
    assert_int_equal(set_mtu(9000), 0);
    assert_int_equal(inject(4000, 4), 4000);
    assert_true(wait_readable(tap_fd, WAIT_MS));
    fake_os_dispatch(IRQ_CH);
    assert_int_equal(fake_os_stat("rx_oversize"), 1);
    assert_int_equal(collect_rx(got, 1), 0);
    /* The dropped frame's buffer is reused; the next normal frame still arrives. */
    assert_int_equal(inject(60, 5), 60);
    assert_int_equal(receive(got, 1), 1);
    assert_frame(&got[0], 60, 5);
    assert_int_equal(fake_os_stat("rx_oversize"), 1);
    /* Nothing leaked: free + active + the driver's one stashed buffer = all of them. */
    assert_int_equal(net_queue_length(w.q[0]) + net_queue_length(w.q[1]) + 1, NBUF);
}

static void test_rx_zero_length_write(void **state)
{
    (void)state;
    static rx_frame_t got[1];
    net_buffers_init(&w.rx, RX_IO);
    /* Linux refuses or ignores it; either way nothing breaks. */
    (void)inject(0, 0);
    (void)!write(tap_fd, "", 0);
    if (wait_readable(tap_fd, 50))
        fake_os_dispatch(IRQ_CH);
    assert_int_equal(collect_rx(got, 1), 0);
    assert_int_equal(inject(60, 6), 60);
    assert_int_equal(receive(got, 1), 1);
    assert_frame(&got[0], 60, 6);
}

static void test_rx_bad_free_descriptors(void **state)
{
    (void)state;
    static rx_frame_t got[1];
    const uint64_t bad[] = {RX_IO + 1, RX_IO + REGION_SIZE, RX_IO - NET_BUFFER_SIZE,    0,
                            TX_IO,     UINT64_MAX - 100,    RX_IO + NET_BUFFER_SIZE / 2};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(net_enqueue_free(&w.rx, (net_buff_desc_t){bad[i], 0, 0, {0}}), 0);
    assert_int_equal(
        net_enqueue_free(&w.rx,
                         (net_buff_desc_t){RX_IO + (uint64_t)3 * NET_BUFFER_SIZE, 0, 0, {0}}),
        0);
    assert_int_equal(inject(60, 7), 60);
    assert_int_equal(receive(got, 1), 1);
    assert_frame(&got[0], 60, 7);
    assert_int_equal(got[0].io, RX_IO + (uint64_t)3 * NET_BUFFER_SIZE);
    assert_int_equal(fake_os_stat("rx_bad_desc"), 7);
}

static void test_rx_flow_control(void **state)
{
    (void)state;
    static rx_frame_t got[20];
    /* No free buffers yet: the driver must hold the IRQ and ask for buffers. */
    assert_int_equal(inject(60, 10), 60);
    assert_true(wait_readable(tap_fd, WAIT_MS));
    fake_os_dispatch(IRQ_CH);
    assert_int_equal(fake_os_irq_ack_count(IRQ_CH), 0);
    assert_int_equal(atomic_load(&w.q[0]->consumer_signalled), 0);
    assert_true(wait_readable(tap_fd, 0)); /* the frame is still waiting in the TAP */

    /* Buffers come back: the held frame arrives and the IRQ is re-armed. */
    net_buffers_init(&w.rx, RX_IO);
    fake_os_dispatch(VIRT_RX_CH);
    assert_int_equal(fake_os_irq_ack_count(IRQ_CH), 1);
    assert_int_equal(collect_rx(got, 1), 1);
    assert_frame(&got[0], 60, 10);

    /* A virt_rx notification while rx is not starved changes nothing. */
    fake_os_clear_events();
    fake_os_dispatch(VIRT_RX_CH);
    assert_int_equal(fake_os_irq_ack_count(IRQ_CH), 0);

    /* A burst larger than the buffer pool: rx stalls at NBUF and resumes. */
    for (unsigned i = 0; i < 20; i++)
        assert_int_equal(inject(100 + i, (uint8_t)(20 + i)), 100 + i);
    assert_true(wait_readable(tap_fd, WAIT_MS));
    fake_os_dispatch(IRQ_CH);
    assert_int_equal(fake_os_irq_ack_count(IRQ_CH), 0);
    assert_int_equal(net_queue_length(w.q[1]), NBUF);
    unsigned n = 0;
    for (int round = 0; round < 10 && n < 20; round++) {
        n += collect_rx(got + n, 20 - n);
        /* virt_rx returned buffers; it signals only because the driver asked. */
        if (n < 20)
            assert_true(net_require_signal_free(&w.rx));
        if (net_require_signal_free(&w.rx)) {
            net_cancel_signal_free(&w.rx);
            fake_os_dispatch(VIRT_RX_CH);
        }
    }
    n += collect_rx(got + n, 20 - n);
    assert_int_equal(n, 20);
    assert_false(net_require_signal_free(&w.rx)); /* drained: no longer starved */
    for (unsigned i = 0; i < 20; i++)
        assert_frame(&got[i], 100 + i, (uint8_t)(20 + i));
    assert_true(fake_os_irq_ack_count(IRQ_CH) >= 1);
}

/* ---- tx tests ----------------------------------------------------------- */

/* Receive one test frame the TAP driver sent, on the Linux side. */
static ssize_t linux_recv(uint8_t *buf, size_t cap, int ms)
{
    uint64_t end = mono_ms() + (uint64_t)ms;
    while (mono_ms() < end) {
        if (!wait_readable(pkt_fd, 20))
            continue;
        struct sockaddr_ll from = {0};
        socklen_t fl = sizeof(from);
        ssize_t n = recvfrom(pkt_fd, buf, cap, 0, (struct sockaddr *)&from, &fl);
        if (n > 0 && from.sll_pkttype != PACKET_OUTGOING && is_test_frame(buf, (size_t)n))
            return n;
    }
    return -1;
}

static void test_tx_frames(void **state)
{
    (void)state;
    const size_t lens[] = {60, 14, 1514};
    for (unsigned i = 0; i < 3; i++) {
        make_frame(w.tx_region + (size_t)(i + 1) * NET_BUFFER_SIZE, lens[i], (uint8_t)(40 + i));
        net_buff_desc_t d = {
            TX_IO + (uint64_t)(i + 1) * NET_BUFFER_SIZE, (uint16_t)lens[i], 0, {0}};
        assert_int_equal(net_enqueue_active(&w.tx, d), 0);
    }
    /* The driver only reads client tx data: map it read-only as the monitor would. */
    assert_int_equal(mprotect(w.tx_region, REGION_SIZE, PROT_READ), 0);
    fake_os_dispatch(VIRT_TX_CH);
    assert_int_equal(fake_os_stat("tx_frames"), 3);
    assert_int_equal(fake_os_stat("tx_bytes"), 60 + 14 + 1514);
    assert_int_equal(fake_os_stat("tx_errors"), 0);
    assert_int_equal(fake_os_stat("tx_bad_desc"), 0);

    uint8_t buf[2048], expect[2048];
    for (unsigned i = 0; i < 3; i++) {
        ssize_t n = linux_recv(buf, sizeof(buf), WAIT_MS);
        assert_int_equal(n, (ssize_t)lens[i]);
        make_frame(expect, lens[i], (uint8_t)(40 + i));
        assert_memory_equal(buf, expect, lens[i]);
    }
    /* Every buffer came back on tx free with len 0, in order; virt_tx was signalled. */
    for (unsigned i = 0; i < 3; i++) {
        net_buff_desc_t d = {0}; /* cmocka's failing assert is not noreturn to the analyzer */
        assert_int_equal(net_dequeue_free(&w.tx, &d), 0);
        assert_int_equal(d.io_or_offset, TX_IO + (uint64_t)(i + 1) * NET_BUFFER_SIZE);
        assert_int_equal(d.len, 0);
    }
    assert_true(net_queue_empty_free(&w.tx));
    assert_int_equal(fake_os_deferred_count(VIRT_TX_CH), 1);
    /* The driver asked to be signalled for more tx work. */
    assert_int_equal(atomic_load(&w.q[3]->consumer_signalled), 0);
}

static void test_tx_bad_descriptors(void **state)
{
    (void)state;
    const net_buff_desc_t bad[NBUF] = {
        {TX_IO + REGION_SIZE, 60, 0, {0}},      /* past the region */
        {TX_IO, 0, 0, {0}},                     /* empty */
        {TX_IO, 13, 0, {0}},                    /* shorter than a header */
        {TX_IO, 1515, 0, {0}},                  /* longer than a frame */
        {TX_IO + REGION_SIZE - 30, 60, 0, {0}}, /* runs off the end */
        {RX_IO, 60, 0, {0}},                    /* the rx region is not a tx region */
        {0, 60, 0, {0}},                        /* nowhere */
        {UINT64_MAX - 10, 60, 0, {0}},          /* wraps */
    };
    for (unsigned i = 0; i < NBUF; i++) {
        make_frame(w.tx_region + (size_t)i * NET_BUFFER_SIZE, 60, 1);
        assert_int_equal(net_enqueue_active(&w.tx, bad[i]), 0);
    }
    fake_os_dispatch(VIRT_TX_CH);
    assert_int_equal(fake_os_stat("tx_bad_desc"), NBUF);
    assert_int_equal(fake_os_stat("tx_frames"), 0);
    for (unsigned i = 0; i < NBUF; i++) {
        net_buff_desc_t d;
        assert_int_equal(net_dequeue_free(&w.tx, &d), 0);
        assert_int_equal(d.io_or_offset, bad[i].io_or_offset);
        assert_int_equal(d.len, 0);
    }
    uint8_t buf[2048];
    assert_int_equal(linux_recv(buf, sizeof(buf), 100), -1);
}

static void test_tx_free_full_stops(void **state)
{
    (void)state;
    /* A misbehaving virt_tx leaves tx free full: the driver must not lose a buffer. */
    for (unsigned i = 0; i < NBUF; i++)
        assert_int_equal(net_enqueue_free(&w.tx, (net_buff_desc_t){TX_IO, 0, 0, {0}}), 0);
    make_frame(w.tx_region, 60, 9);
    assert_int_equal(net_enqueue_active(&w.tx, (net_buff_desc_t){TX_IO, 60, 0, {0}}), 0);
    fake_os_dispatch(VIRT_TX_CH);
    assert_int_equal(net_queue_length(w.q[3]), 1); /* left in tx active */
    assert_int_equal(fake_os_stat("tx_frames"), 0);
}

/* ---- configuration ------------------------------------------------------ */

static void init_bad_capacity(void)
{
    w.cfg.virt_rx.num_buffers = 3;
    init();
}

static void init_small_queue(void)
{
    w.cfg.virt_tx.active_queue.size = NET_QUEUE_BYTES(NBUF) - 1;
    init();
}

static void init_same_channel(void)
{
    w.cfg.virt_tx.id = VIRT_RX_CH;
    init();
}

static void init_no_irq_fd(void)
{
    w.cfg.irq_id = 9;
    init();
}

static void init_no_regions(void)
{
    w.cfg.num_io_regions = 0;
    init();
}

static void init_overlap(void)
{
    w.cfg.io_regions[1].io_addr = RX_IO + NET_BUFFER_SIZE;
    init();
}

static void init_wrong_version(void)
{
    w.cfg.header.version = SDDF_CONFIG_VERSION + 1;
    init();
}

static void test_bad_config(void **state)
{
    (void)state;
    void (*cases[])(void) = {init_bad_capacity, init_small_queue, init_same_channel, init_no_irq_fd,
                             init_no_regions,   init_overlap,     init_wrong_version};
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        teardown(NULL);
        build_world();
        fake_os_reset();
        fake_os_add_config(&w.cfg);
        assert_true(fake_os_catch_fatal(cases[i]));
    }
}

static void test_io_table(void **state)
{
    (void)state;
    net_io_table_t t;
    sddf_device_region_resource_t r[2] = {{{0x1000, REGION_SIZE}, RX_IO}, {{0x90000, 100}, TX_IO}};
    assert_int_equal(net_io_table_init(&t, r, 2), 0);
    assert_ptr_equal(net_io_rx_buffer(&t, RX_IO + NET_BUFFER_SIZE),
                     (void *)(0x1000 + NET_BUFFER_SIZE));
    assert_null(net_io_rx_buffer(&t, RX_IO + REGION_SIZE));
    assert_ptr_equal(net_io_tx_frame(&t, TX_IO + 40, 60), (const void *)(0x90000 + 40));
    assert_null(net_io_tx_frame(&t, TX_IO + 41, 60));
    assert_null(net_io_tx_frame(&t, TX_IO, 0));
    assert_null(net_io_tx_frame(&t, RX_IO, 60));
    /* A region wrapping the IO space, an IO address of 0, a tiny rx region: refused. */
    r[1].io_addr = UINT64_MAX - 50;
    assert_int_equal(net_io_table_init(&t, r, 2), -1);
    r[1].io_addr = 0;
    assert_int_equal(net_io_table_init(&t, r, 2), -1);
    r[1].io_addr = TX_IO;
    r[0].region.size = NET_BUFFER_SIZE - 1;
    assert_int_equal(net_io_table_init(&t, r, 2), -1);
    assert_int_equal(net_io_table_init(&t, r, SDDF_NET_MAX_IO_REGIONS + 1), -1);
    assert_null(net_io_rx_buffer(&t, RX_IO)); /* a failed init leaves an empty table */
}

int main(void)
{
    if (make_tap_in_own_netns() != 0) {
        fprintf(stderr, "skipping: cannot create a TAP in a private network namespace\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_io_table),
        cmocka_unit_test_setup_teardown(test_rx_sizes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_oversize_dropped, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_zero_length_write, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_bad_free_descriptors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rx_flow_control, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_frames, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_bad_descriptors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tx_free_full_stops, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_config, setup, teardown),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    close(pkt_fd);
    close(ctl_fd);
    close(tap_fd);
    return rc;
}
