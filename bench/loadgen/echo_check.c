/*
 * bench/loadgen/echo_check.c - drive UDP and TCP echo traffic at one echo
 * server and check every byte that comes back.
 *
 * This is a host-side program that uses Linux's own network stack as the
 * peer of the system under test (the sDDF echo server: UDP echo on port
 * 1235, TCP echo on port 1236, as used with ipbench). It is bounded in
 * count AND time: every socket operation has a timeout and each phase has a
 * deadline, so it always terminates.
 *
 * UDP: N echoes, one outstanding at a time, payload sizes cycling 1..1472
 * (the largest UDP payload in a 1500-byte MTU frame). Each echo is sent up to
 * 1 + R times (R = --udp-retries); one attempt waits --udp-wait-ms for the
 * reply. An echo is "lost" only when every attempt timed out. A reply of the
 * wrong length is a late reply to an earlier attempt and is counted as
 * "late"; a reply of the right length with other bytes is a "mismatch".
 * After --give-up consecutive lost echoes the phase stops (the server is
 * gone), so a dead peer costs seconds, not N full waits.
 *
 * TCP: C connections (--tcp-conns) at once, each sending S pseudo-random
 * bytes (--tcp-bytes) while reading the echo back concurrently (poll), and
 * comparing it byte for byte with what was sent.
 *
 * Output: one machine-readable line per phase, then "result ok" or
 * "result fail reason=...". Exit status 0 on success, 1 on a failed check,
 * 2 on a usage or setup error.
 *
 * Network rule: the only address ever used is the target given on the
 * command line, and it must be in the benchmarking range 198.18.0.0/15
 * (RFC 2544) or on loopback; anything else is refused.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/** Largest UDP payload in one 1500-byte-MTU Ethernet frame (1500 - 20 - 8). */
#define UDP_MAX_PAYLOAD 1472u

/** Most concurrent TCP connections we open (the echo server serves a few). */
#define TCP_MAX_CONNS 16u

/** Bytes per send()/recv() call on a TCP connection. */
#define TCP_CHUNK 65536u

/** What the command line asked for. */
typedef struct options {
    struct in_addr target;
    char target_str[INET_ADDRSTRLEN];
    uint16_t udp_port;
    uint16_t tcp_port;
    unsigned udp_count;   /* echoes; 0 = skip UDP */
    unsigned udp_retries; /* extra attempts per echo */
    unsigned udp_wait_ms; /* wait for one reply */
    unsigned max_lost;    /* lost echoes tolerated */
    unsigned give_up;     /* stop UDP after this many consecutive losses */
    uint64_t tcp_bytes;   /* per connection; 0 = skip TCP */
    unsigned tcp_conns;   /* concurrent connections */
    unsigned idle_ms;     /* TCP: fail after this long without progress */
    unsigned phase_ms;    /* deadline of each phase */
    uint64_t seed;
} options;

/** splitmix64: a small, well-mixed generator; the same seed gives the same bytes. */
static uint64_t splitmix64(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/** Fill @buf with @len bytes of the stream selected by @seed. */
static void fill_pattern(uint8_t *buf, size_t len, uint64_t seed)
{
    uint64_t state = seed;
    size_t i = 0;
    while (i < len) {
        uint64_t v = splitmix64(&state);
        for (unsigned b = 0; b < 8 && i < len; b++, i++) {
            buf[i] = (uint8_t)(v >> (8 * b));
        }
    }
}

/** CLOCK_MONOTONIC in microseconds. */
static uint64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

/** Milliseconds left until @deadline_us (0 if past), capped at @cap_ms. */
static int ms_left(uint64_t deadline_us, unsigned cap_ms)
{
    uint64_t now = now_us();
    if (now >= deadline_us) {
        return 0;
    }
    uint64_t left = (deadline_us - now + 999u) / 1000u;
    return (int)(left < cap_ms ? left : cap_ms);
}

/** True if @a (network order) is in 198.18.0.0/15 or 127.0.0.0/8. */
static bool address_allowed(struct in_addr a)
{
    uint32_t h = ntohl(a.s_addr);
    return (h & 0xfffe0000u) == 0xc6120000u || (h & 0xff000000u) == 0x7f000000u;
}

static struct sockaddr_in target_sockaddr(const options *o, uint16_t port)
{
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof(sa));
    sa.sin_family = AF_INET;
    sa.sin_port = htons(port);
    sa.sin_addr = o->target;
    return sa;
}

/* ---- UDP ---------------------------------------------------------------- */

/** Counters of the UDP phase. */
typedef struct udp_result {
    unsigned sent;       /* echoes attempted */
    unsigned received;   /* echoes answered with the right bytes */
    unsigned lost;       /* echoes with no right answer after every attempt */
    unsigned retries;    /* extra sends (attempts after the first) */
    unsigned late;       /* replies of another length: late answers to an earlier echo */
    unsigned mismatched; /* replies of the right length with wrong bytes */
    uint64_t bytes;      /* payload bytes echoed correctly */
    uint64_t rtt_sum_us;
    uint64_t rtt_max_us;
    bool timed_out; /* the phase deadline ended it early */
    bool gave_up;   /* too many consecutive losses ended it early */
} udp_result;

/**
 * Wait for the reply to one attempt. Returns 1 on a correct reply, 0 when the
 * attempt's wait ran out, -1 on a socket error.
 */
static int udp_await(int fd, const uint8_t *want, size_t len, uint8_t *rx, uint64_t wait_until_us,
                     udp_result *r)
{
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int left = ms_left(wait_until_us, 1000000u);
        if (left == 0) {
            return 0;
        }
        int n = poll(&p, 1, left);
        if (n < 0) {
            if (errno == EINTR) {
                continue;
            }
            return -1;
        }
        if (n == 0) {
            return 0;
        }
        ssize_t got = recv(fd, rx, UDP_MAX_PAYLOAD + 1u, MSG_DONTWAIT);
        if (got < 0) {
            if (errno == EAGAIN || errno == EINTR || errno == ECONNREFUSED) {
                /* ECONNREFUSED: an ICMP port unreachable; treat like no answer. */
                continue;
            }
            return -1;
        }
        if ((size_t)got != len) {
            r->late++;
            continue;
        }
        if (memcmp(rx, want, len) != 0) {
            r->mismatched++;
            continue;
        }
        return 1;
    }
}

/** The UDP phase. Returns 0 if it ran (check the counters), -1 on a setup error. */
static int run_udp(const options *o, udp_result *r)
{
    memset(r, 0, sizeof(*r));
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        perror("echo_check: udp socket");
        return -1;
    }
    struct sockaddr_in sa = target_sockaddr(o, o->udp_port);
    /* connect() so that only datagrams from the target are received. */
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
        perror("echo_check: udp connect");
        close(fd);
        return -1;
    }
    uint8_t tx[UDP_MAX_PAYLOAD];
    uint8_t rx[UDP_MAX_PAYLOAD + 1u];
    uint64_t deadline = now_us() + (uint64_t)o->phase_ms * 1000u;
    unsigned consecutive_lost = 0;
    int rc = 0;

    for (unsigned i = 0; i < o->udp_count; i++) {
        if (consecutive_lost >= o->give_up) {
            r->gave_up = true; /* the server is gone: do not wait out every echo */
            break;
        }
        if (now_us() >= deadline) {
            r->timed_out = true;
            break;
        }
        size_t len = (i % UDP_MAX_PAYLOAD) + 1u;
        fill_pattern(tx, len, o->seed ^ ((uint64_t)i << 20));
        r->sent++;
        int ok = 0;
        for (unsigned attempt = 0; attempt <= o->udp_retries && ok == 0; attempt++) {
            if (attempt > 0) {
                r->retries++;
            }
            uint64_t t0 = now_us();
            ssize_t s = send(fd, tx, len, 0);
            if (s < 0 && errno != ECONNREFUSED && errno != EAGAIN && errno != ENOBUFS) {
                perror("echo_check: udp send");
                rc = -1;
                break;
            }
            ok = udp_await(fd, tx, len, rx, t0 + (uint64_t)o->udp_wait_ms * 1000u, r);
            if (ok < 0) {
                perror("echo_check: udp recv");
                rc = -1;
                break;
            }
            if (ok == 1) {
                uint64_t rtt = now_us() - t0;
                r->rtt_sum_us += rtt;
                if (rtt > r->rtt_max_us) {
                    r->rtt_max_us = rtt;
                }
            }
        }
        if (rc < 0) {
            break;
        }
        if (ok == 1) {
            r->received++;
            r->bytes += len;
            consecutive_lost = 0;
        } else {
            r->lost++;
            consecutive_lost++;
        }
    }
    close(fd);
    return rc;
}

/* ---- TCP ---------------------------------------------------------------- */

/** One TCP echo connection. */
typedef struct tcp_conn {
    uint8_t *data; /* the S bytes to send, also the expected echo */
    uint64_t sent;
    uint64_t received;
    uint64_t mismatch_at; /* first differing byte offset */
    int fd;
    bool connected;
    bool mismatch;
} tcp_conn;

/** Counters of the TCP phase. */
typedef struct tcp_result {
    uint64_t bytes_sent;
    uint64_t bytes_received;
    unsigned conns_ok;
    bool mismatch;
    const char *failure; /* NULL, or why the phase failed */
} tcp_result;

/** Start a non-blocking connect to the target. Returns the fd, or -1. */
static int tcp_start_connect(const options *o)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        return -1;
    }
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    struct sockaddr_in sa = target_sockaddr(o, o->tcp_port);
    if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno != EINPROGRESS) {
        close(fd);
        return -1;
    }
    return fd;
}

/** Read what is available on @c and compare it. Returns false on a socket error or EOF. */
static bool tcp_read_some(tcp_conn *c, const options *o, uint8_t *buf, tcp_result *r)
{
    for (;;) {
        ssize_t n = recv(c->fd, buf, TCP_CHUNK, MSG_DONTWAIT);
        if (n < 0) {
            return errno == EAGAIN || errno == EINTR;
        }
        if (n == 0) {
            return c->received == o->tcp_bytes; /* early EOF is a failure */
        }
        if (c->received + (uint64_t)n > o->tcp_bytes) {
            c->mismatch = true; /* more bytes than were sent */
            c->mismatch_at = o->tcp_bytes;
            return false;
        }
        if (!c->mismatch && memcmp(buf, c->data + c->received, (size_t)n) != 0) {
            c->mismatch = true;
            for (ssize_t i = 0; i < n; i++) {
                if (buf[i] != c->data[c->received + (uint64_t)i]) {
                    c->mismatch_at = c->received + (uint64_t)i;
                    break;
                }
            }
        }
        c->received += (uint64_t)n;
        r->bytes_received += (uint64_t)n;
    }
}

/** Send what the socket takes. Returns false on a socket error. */
static bool tcp_write_some(tcp_conn *c, const options *o, tcp_result *r)
{
    while (c->sent < o->tcp_bytes) {
        uint64_t left = o->tcp_bytes - c->sent;
        size_t n = left < TCP_CHUNK ? (size_t)left : TCP_CHUNK;
        ssize_t s = send(c->fd, c->data + c->sent, n, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (s < 0) {
            return errno == EAGAIN || errno == EINTR;
        }
        c->sent += (uint64_t)s;
        r->bytes_sent += (uint64_t)s;
    }
    return true;
}

/** One poll round over every unfinished connection. Returns the number still active, or -1. */
static int tcp_poll_round(tcp_conn *conns, unsigned n, const options *o, uint8_t *buf,
                          int timeout_ms, tcp_result *r)
{
    struct pollfd p[TCP_MAX_CONNS];
    unsigned idx[TCP_MAX_CONNS];
    unsigned np = 0;
    for (unsigned i = 0; i < n; i++) {
        tcp_conn *c = &conns[i];
        if (c->fd < 0 || c->received == o->tcp_bytes) {
            continue;
        }
        short ev = POLLIN;
        if (!c->connected || c->sent < o->tcp_bytes) {
            ev |= POLLOUT;
        }
        p[np] = (struct pollfd){.fd = c->fd, .events = ev};
        idx[np++] = i;
    }
    if (np == 0) {
        return 0;
    }
    int ready = poll(p, np, timeout_ms);
    if (ready < 0) {
        return errno == EINTR ? (int)np : -1;
    }
    for (unsigned k = 0; k < np; k++) {
        tcp_conn *c = &conns[idx[k]];
        if (p[k].revents == 0) {
            continue;
        }
        if (!c->connected) {
            int err = 0;
            socklen_t len = sizeof(err);
            if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0) {
                fprintf(stderr, "echo_check: tcp connect to %s:%u: %s\n", o->target_str,
                        o->tcp_port, strerror(err ? err : errno));
                r->failure = "connect";
                return -1;
            }
            c->connected = true;
        }
        if ((p[k].revents & POLLOUT) && !tcp_write_some(c, o, r)) {
            perror("echo_check: tcp send");
            r->failure = "send";
            return -1;
        }
        if ((p[k].revents & (POLLIN | POLLHUP | POLLERR)) && !tcp_read_some(c, o, buf, r)) {
            r->failure = c->mismatch ? "mismatch" : "recv";
            if (!c->mismatch) {
                fprintf(stderr,
                        "echo_check: tcp connection %u ended after %" PRIu64 " of %" PRIu64
                        " bytes\n",
                        idx[k], c->received, o->tcp_bytes);
            }
            return -1;
        }
    }
    return (int)np;
}

/** The TCP phase. Returns 0 if every connection echoed every byte, -1 otherwise. */
static int run_tcp(const options *o, tcp_result *r, double *seconds)
{
    memset(r, 0, sizeof(*r));
    tcp_conn conns[TCP_MAX_CONNS] = {0};
    uint8_t *buf = malloc(TCP_CHUNK);
    int rc = 0;
    unsigned opened = 0;
    if (buf == NULL) {
        r->failure = "nomem";
        return -1;
    }
    for (unsigned i = 0; i < o->tcp_conns && i < TCP_MAX_CONNS; i++) {
        tcp_conn *c = &conns[i];
        c->fd = -1;
        c->data = malloc(o->tcp_bytes);
        if (c->data == NULL) {
            r->failure = "nomem";
            rc = -1;
            break;
        }
        opened++;
        fill_pattern(c->data, o->tcp_bytes, o->seed + 0x1000u + i);
        c->fd = tcp_start_connect(o);
        if (c->fd < 0) {
            perror("echo_check: tcp connect");
            r->failure = "connect";
            rc = -1;
            break;
        }
    }

    uint64_t t0 = now_us();
    uint64_t deadline = t0 + (uint64_t)o->phase_ms * 1000u;
    uint64_t last_progress = t0;
    uint64_t last_bytes = 0;
    while (rc == 0) {
        int wait = ms_left(deadline, 100u);
        if (wait == 0) {
            r->failure = "deadline";
            rc = -1;
            break;
        }
        int active = tcp_poll_round(conns, opened, o, buf, wait, r);
        if (active < 0) {
            rc = -1;
            break;
        }
        if (active == 0) {
            break;
        }
        uint64_t progress = r->bytes_sent + r->bytes_received;
        if (progress != last_bytes) {
            last_bytes = progress;
            last_progress = now_us();
        } else if (now_us() - last_progress > (uint64_t)o->idle_ms * 1000u) {
            r->failure = "stalled";
            rc = -1;
            break;
        }
    }
    *seconds = (double)(now_us() - t0) / 1e6;

    for (unsigned i = 0; i < opened; i++) {
        tcp_conn *c = &conns[i];
        if (c->mismatch) {
            r->mismatch = true;
            fprintf(stderr,
                    "echo_check: tcp connection %u: first wrong byte at offset %" PRIu64 "\n", i,
                    c->mismatch_at);
        } else if (c->received == o->tcp_bytes) {
            r->conns_ok++;
        }
        if (c->fd >= 0) {
            close(c->fd);
        }
        free(c->data);
    }
    free(buf);
    if (r->mismatch) {
        r->failure = "mismatch";
        rc = -1;
    }
    return rc;
}

/* ---- Command line -------------------------------------------------------- */

static void usage(FILE *f)
{
    fprintf(f,
            "usage: echo_check [options] TARGET_IPV4\n"
            "  --udp N            UDP echoes (default 1000; 0 = no UDP)\n"
            "  --udp-port P       UDP echo port (default 1235)\n"
            "  --udp-retries R    extra attempts per echo before it counts as lost (default 3)\n"
            "  --udp-wait-ms W    wait for one reply (default 250)\n"
            "  --max-lost L       lost UDP echoes tolerated (default 0)\n"
            "  --give-up G        stop UDP after G consecutive lost echoes (default 10)\n"
            "  --tcp-bytes S      bytes per TCP connection (default 4194304; 0 = no TCP)\n"
            "  --tcp-port P       TCP echo port (default 1236)\n"
            "  --tcp-conns C      concurrent TCP connections, 1..%u (default 1)\n"
            "  --idle-ms I        TCP: fail after I ms without progress (default 5000)\n"
            "  --phase-ms D       deadline of each phase (default 60000)\n"
            "  --seed X           pattern seed (default 1)\n"
            "TARGET must be in 198.18.0.0/15 or 127.0.0.0/8.\n",
            TCP_MAX_CONNS);
}

/** Parse an unsigned number in [lo, hi]; exits with status 2 on a bad one. */
static uint64_t parse_num(const char *opt, const char *s, uint64_t lo, uint64_t hi)
{
    char *end = NULL;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < lo || v > hi) {
        fprintf(stderr, "echo_check: %s: expected a number in %" PRIu64 "..%" PRIu64 ", got '%s'\n",
                opt, lo, hi, s);
        exit(2);
    }
    return (uint64_t)v;
}

static void parse_options(int argc, char **argv, options *o)
{
    static const struct option longopts[] = {
        {"udp", required_argument, NULL, 'u'},
        {"udp-port", required_argument, NULL, 'U'},
        {"udp-retries", required_argument, NULL, 'r'},
        {"udp-wait-ms", required_argument, NULL, 'w'},
        {"max-lost", required_argument, NULL, 'l'},
        {"tcp-bytes", required_argument, NULL, 's'},
        {"tcp-port", required_argument, NULL, 'T'},
        {"tcp-conns", required_argument, NULL, 'c'},
        {"idle-ms", required_argument, NULL, 'i'},
        {"phase-ms", required_argument, NULL, 'd'},
        {"seed", required_argument, NULL, 'x'},
        {"give-up", required_argument, NULL, 'g'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    *o = (options){
        .udp_port = 1235,
        .tcp_port = 1236,
        .udp_count = 1000,
        .udp_retries = 3,
        .udp_wait_ms = 250,
        .max_lost = 0,
        .give_up = 10,
        .tcp_bytes = 4u << 20,
        .tcp_conns = 1,
        .idle_ms = 5000,
        .phase_ms = 60000,
        .seed = 1,
    };
    int ch;
    while ((ch = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (ch) {
        case 'u':
            o->udp_count = (unsigned)parse_num("--udp", optarg, 0, 10000000);
            break;
        case 'U':
            o->udp_port = (uint16_t)parse_num("--udp-port", optarg, 1, 65535);
            break;
        case 'r':
            o->udp_retries = (unsigned)parse_num("--udp-retries", optarg, 0, 100);
            break;
        case 'w':
            o->udp_wait_ms = (unsigned)parse_num("--udp-wait-ms", optarg, 1, 60000);
            break;
        case 'l':
            o->max_lost = (unsigned)parse_num("--max-lost", optarg, 0, 10000000);
            break;
        case 's':
            o->tcp_bytes = parse_num("--tcp-bytes", optarg, 0, 1ull << 30);
            break;
        case 'T':
            o->tcp_port = (uint16_t)parse_num("--tcp-port", optarg, 1, 65535);
            break;
        case 'c':
            o->tcp_conns = (unsigned)parse_num("--tcp-conns", optarg, 1, TCP_MAX_CONNS);
            break;
        case 'i':
            o->idle_ms = (unsigned)parse_num("--idle-ms", optarg, 1, 600000);
            break;
        case 'd':
            o->phase_ms = (unsigned)parse_num("--phase-ms", optarg, 1, 3600000);
            break;
        case 'g':
            o->give_up = (unsigned)parse_num("--give-up", optarg, 1, 10000000);
            break;
        case 'x':
            o->seed = parse_num("--seed", optarg, 0, UINT64_MAX);
            break;
        case 'h':
            usage(stdout);
            exit(0);
        default:
            usage(stderr);
            exit(2);
        }
    }
    if (optind != argc - 1) {
        usage(stderr);
        exit(2);
    }
    if (inet_pton(AF_INET, argv[optind], &o->target) != 1) {
        fprintf(stderr, "echo_check: '%s' is not an IPv4 address\n", argv[optind]);
        exit(2);
    }
    if (!address_allowed(o->target)) {
        fprintf(stderr, "echo_check: refusing %s: only 198.18.0.0/15 or loopback may be targeted\n",
                argv[optind]);
        exit(2);
    }
    inet_ntop(AF_INET, &o->target, o->target_str, sizeof(o->target_str));
}

int main(int argc, char **argv)
{
    options o;
    parse_options(argc, argv, &o);
    const char *failure = NULL;

    if (o.udp_count > 0) {
        udp_result r;
        uint64_t t0 = now_us();
        if (run_udp(&o, &r) < 0) {
            printf("result fail reason=udp-socket\n");
            return 2;
        }
        double secs = (double)(now_us() - t0) / 1e6;
        printf("udp target=%s port=%u sent=%u received=%u lost=%u retries=%u late=%u "
               "mismatched=%u bytes=%" PRIu64 " rtt_avg_us=%" PRIu64 " rtt_max_us=%" PRIu64
               " seconds=%.3f max_retries_per_echo=%u wait_ms=%u%s%s\n",
               o.target_str, o.udp_port, r.sent, r.received, r.lost, r.retries, r.late,
               r.mismatched, r.bytes, r.received ? r.rtt_sum_us / r.received : 0, r.rtt_max_us,
               secs, o.udp_retries, o.udp_wait_ms, r.timed_out ? " deadline=hit" : "",
               r.gave_up ? " gave_up=yes" : "");
        if (r.mismatched > 0) {
            failure = "udp-mismatch";
        } else if (r.gave_up) {
            failure = "udp-no-answer";
        } else if (r.timed_out) {
            failure = "udp-deadline";
        } else if (r.lost > o.max_lost) {
            failure = "udp-loss";
        }
    }
    if (o.tcp_bytes > 0) {
        tcp_result r;
        double secs = 0;
        int rc = run_tcp(&o, &r, &secs);
        printf("tcp target=%s port=%u conns=%u conns_ok=%u bytes=%" PRIu64 " sent=%" PRIu64
               " received=%" PRIu64 " match=%s seconds=%.3f mbit_per_s=%.1f\n",
               o.target_str, o.tcp_port, o.tcp_conns, r.conns_ok, o.tcp_bytes * o.tcp_conns,
               r.bytes_sent, r.bytes_received, (rc == 0 && !r.mismatch) ? "yes" : "no", secs,
               secs > 0 ? (double)r.bytes_received * 8.0 / secs / 1e6 : 0.0);
        if (rc < 0 && failure == NULL) {
            failure = r.failure ? r.failure : "tcp";
        }
    }
    if (failure != NULL) {
        printf("result fail reason=%s\n", failure);
        return 1;
    }
    printf("result ok\n");
    return 0;
}
