/*
 * lwipopts.h - lwIP 2.1.3 configuration for sDDF network clients.
 *
 * One lwIP instance per client PD, driven by the glue library
 * (net/lib/lwip): NO_SYS (no threads, no OS), raw/callback API only, one
 * Ethernet netif over the client's sDDF queues. IPv4 with ARP, ICMP (ping),
 * UDP and TCP; no DHCP, DNS, IPv6, IGMP or sockets (the address is static,
 * from the lib_sddf_lwip config record).
 *
 * Sizes aim at throughput for a handful of concurrent TCP connections
 * (the echo server serves at least 8): full-size segments (TCP_MSS 1460 on a
 * 1500-byte MTU), a ~64 KB window and send buffer per connection (the largest
 * without window scaling), and enough segments and heap for all of them.
 * Every option not set here keeps lwIP's default (src/include/lwip/opt.h).
 */
#ifndef SDDF_LWIPOPTS_H
#define SDDF_LWIPOPTS_H

/* ---- System: single-threaded event-driven PD, no OS underneath ---------- */
#define NO_SYS                   1
#define SYS_LIGHTWEIGHT_PROT     0 /* one thread: nothing to protect */
#define LWIP_NETCONN             0
#define LWIP_SOCKET              0
#define LWIP_TIMERS              1
#define LWIP_NETIF_API           0
#define LWIP_CALLBACK_API        1
#define LWIP_SUPPORT_CUSTOM_PBUF 1 /* zero-copy rx: pbufs over sDDF buffers */

/* ---- Memory ------------------------------------------------------------- */
/* lwIP's heap holds PBUF_RAM pbufs: TCP segments written with
 * TCP_WRITE_FLAG_COPY, ICMP replies, ARP requests. 16 connections with a
 * full send buffer each fit. */
#define MEM_ALIGNMENT           8
#define MEM_SIZE                (1024 * 1024)
#define MEMP_NUM_PBUF           64 /* PBUF_ROM/REF headers (not the rx pbufs: those are ours) */
#define MEMP_NUM_UDP_PCB        8
#define MEMP_NUM_TCP_PCB        32
#define MEMP_NUM_TCP_PCB_LISTEN 8
#define MEMP_NUM_TCP_SEG        2048
#define MEMP_NUM_REASSDATA      8
#define MEMP_NUM_FRAG_PBUF      32
#define MEMP_NUM_ARP_QUEUE      32
#define PBUF_POOL_SIZE          64 /* lwIP allocates from it only for IP reassembly copies */
#define PBUF_POOL_BUFSIZE       1536

/* ---- Link and network layers ------------------------------------------- */
#define LWIP_ETHERNET                 1
#define LWIP_ARP                      1
#define ARP_TABLE_SIZE                32
#define ARP_QUEUEING                  1
#define ETHARP_SUPPORT_STATIC_ENTRIES 1
#define LWIP_IPV4                     1
#define LWIP_IPV6                     0
#define IP_FORWARD                    0
#define IP_REASSEMBLY                 1
#define IP_FRAG                       1
#define LWIP_ICMP                     1
#define LWIP_RAW                      0
#define LWIP_DHCP                     0
#define LWIP_AUTOIP                   0
#define LWIP_IGMP                     0
#define LWIP_DNS                      0
#define LWIP_NETIF_STATUS_CALLBACK    1
#define LWIP_NETIF_LINK_CALLBACK      0
#define LWIP_SINGLE_NETIF             1

/* ---- Transport layer ---------------------------------------------------- */
#define LWIP_UDP         1
#define LWIP_TCP         1
#define TCP_MSS          1460
#define TCP_WND          (44 * TCP_MSS) /* 64240: largest multiple of MSS below 64 KiB */
#define TCP_SND_BUF      (44 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * TCP_SND_BUF) / TCP_MSS)
#define TCP_SNDLOWAT     (TCP_SND_BUF / 2)
#define TCP_QUEUE_OOSEQ  1
/* Out-of-order segments keep zero-copy rx buffers: bound them per connection
 * so a peer cannot park every rx buffer of the client in one reorder queue. */
#define TCP_OOSEQ_MAX_PBUFS        16
#define TCP_OOSEQ_MAX_BYTES        (16 * TCP_MSS)
#define TCP_LISTEN_BACKLOG         1
#define TCP_DEFAULT_LISTEN_BACKLOG 16
#define LWIP_TCP_TIMESTAMPS        0
#define LWIP_WND_SCALE             0

/* ---- Checksums: computed and checked in software (no offload here) ------ */
#define CHECKSUM_GEN_IP       1
#define CHECKSUM_GEN_UDP      1
#define CHECKSUM_GEN_TCP      1
#define CHECKSUM_GEN_ICMP     1
#define CHECKSUM_CHECK_IP     1
#define CHECKSUM_CHECK_UDP    1
#define CHECKSUM_CHECK_TCP    1
#define CHECKSUM_CHECK_ICMP   1
#define LWIP_CHECKSUM_ON_COPY 1

/* ---- Statistics and debugging ------------------------------------------ */
/* The glue keeps its own sDDF counters (sddf_stat_counter); lwIP's internal
 * statistics would cost cycles on every packet for nobody to read. */
#define LWIP_STATS         0
#define LWIP_STATS_DISPLAY 0

#endif /* SDDF_LWIPOPTS_H */
