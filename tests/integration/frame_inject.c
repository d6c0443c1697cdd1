/*
 * tests/integration/frame_inject.c - send raw Ethernet frames of chosen
 * sizes onto one interface with an AF_PACKET socket, so that the system
 * behind a TAP device sees malformed, minimal and oversized frames.
 *
 * Usage: frame_inject IFNAME DST_MAC SIZE...
 *   Each SIZE is the whole frame in bytes (header included, no FCS). A frame
 *   is DST_MAC, source 02:00:c6:12:00:fe, EtherType 0x0800 (IPv4), then a
 *   byte pattern (not a valid IPv4 packet: the receiver must drop it).
 *   Frames shorter than the 14-byte header carry only the first SIZE bytes.
 *
 * For each SIZE prints one line "inject size=N result=sent|refused errno=E"
 * (the kernel refuses frames shorter than an Ethernet header and longer than
 * the interface MTU allows; that is reported, not an error). Exits 0 if every
 * frame was either sent or refused by the kernel, 1 on another error, 2 on a
 * usage error. Run it inside the test's own network namespace.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/** Largest frame we build (a 64 KiB MTU plus the header). */
#define MAX_FRAME 65550u

/** Source MAC of injected frames: locally administered, outside the clients' MACs. */
static const uint8_t src_mac[6] = {0x02, 0x00, 0xc6, 0x12, 0x00, 0xfe};

/** Parse "aa:bb:cc:dd:ee:ff" into @mac. Returns 0, or -1 if malformed. */
static int parse_mac(const char *s, uint8_t mac[6])
{
    unsigned v[6];
    char tail;
    if (sscanf(s, "%x:%x:%x:%x:%x:%x%c", &v[0], &v[1], &v[2], &v[3], &v[4], &v[5], &tail) != 6) {
        return -1;
    }
    for (int i = 0; i < 6; i++) {
        if (v[i] > 0xffu) {
            return -1;
        }
        mac[i] = (uint8_t)v[i];
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: frame_inject IFNAME DST_MAC SIZE...\n");
        return 2;
    }
    uint8_t dst[6];
    if (parse_mac(argv[2], dst) < 0) {
        fprintf(stderr, "frame_inject: bad MAC address '%s'\n", argv[2]);
        return 2;
    }
    unsigned ifindex = if_nametoindex(argv[1]);
    if (ifindex == 0) {
        fprintf(stderr, "frame_inject: no interface '%s': %s\n", argv[1], strerror(errno));
        return 2;
    }
    int fd = socket(AF_PACKET, SOCK_RAW | SOCK_CLOEXEC, 0); /* protocol 0: send only */
    if (fd < 0) {
        perror("frame_inject: socket(AF_PACKET)");
        return 1;
    }
    struct sockaddr_ll sll;
    memset(&sll, 0, sizeof(sll));
    sll.sll_family = AF_PACKET;
    sll.sll_ifindex = (int)ifindex;
    sll.sll_halen = 6;
    memcpy(sll.sll_addr, dst, 6);

    static uint8_t frame[MAX_FRAME];
    memcpy(frame, dst, 6);
    memcpy(frame + 6, src_mac, 6);
    frame[12] = 0x08;
    frame[13] = 0x00;
    for (size_t i = 14; i < sizeof(frame); i++) {
        frame[i] = (uint8_t)(i * 7u + 3u);
    }

    int rc = 0;
    for (int a = 3; a < argc; a++) {
        char *end = NULL;
        unsigned long size = strtoul(argv[a], &end, 10);
        if (end == argv[a] || *end != '\0' || size > MAX_FRAME) {
            fprintf(stderr, "frame_inject: bad size '%s' (0..%u)\n", argv[a], MAX_FRAME);
            close(fd);
            return 2;
        }
        ssize_t s = sendto(fd, frame, size, 0, (struct sockaddr *)&sll, sizeof(sll));
        if (s == (ssize_t)size) {
            printf("inject size=%lu result=sent\n", size);
        } else if (s < 0 && (errno == EINVAL || errno == EMSGSIZE)) {
            printf("inject size=%lu result=refused errno=%s\n", size,
                   errno == EINVAL ? "EINVAL" : "EMSGSIZE");
        } else {
            printf("inject size=%lu result=error errno=%d (%s)\n", size, errno, strerror(errno));
            rc = 1;
        }
    }
    close(fd);
    return rc;
}
