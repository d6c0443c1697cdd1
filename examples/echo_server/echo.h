/*
 * echo.h - the echo server's protocol logic on lwIP's raw API, kept apart
 * from the PD (echo_server.c) so unit tests can link it with the glue.
 *
 * UDP echo on ECHO_UDP_PORT: every datagram goes back to its sender.
 * TCP echo on ECHO_TCP_PORT: up to ECHO_MAX_CONNS connections at once, each
 * echoing its byte stream with TCP flow control (the receive window opens
 * only as far as bytes have been handed to lwIP's send buffer), each closed
 * after ECHO_IDLE_TIMEOUT_MS without progress.
 * Ports as in sDDF's echo server (used with ipbench).
 */
#ifndef SDDF_EXAMPLES_ECHO_H
#define SDDF_EXAMPLES_ECHO_H

#include <stdint.h>

#define ECHO_UDP_PORT  1235u
#define ECHO_TCP_PORT  1236u
#define ECHO_MAX_CONNS 16u

/**
 * A TCP connection that makes no progress (no byte received, none
 * acknowledged) for this long is closed, so idle peers cannot hold every
 * slot; a connection arriving while all ECHO_MAX_CONNS slots are taken is
 * refused with a reset (counted in tcp_refused). Milliseconds.
 */
#define ECHO_IDLE_TIMEOUT_MS 30000u

/**
 * Open the UDP and TCP echo ports (lwIP must be initialised). Registers the
 * echo statistics counters (udp_echoed, udp_send_err, tcp_accepted,
 * tcp_refused, tcp_closed, tcp_errors, tcp_idle_closed). Calling it again
 * keeps the pcbs that exist. Returns 0, or a negative lwIP err_t if a port
 * cannot be opened.
 */
int echo_init(void);

/** TCP connections currently open. */
uint32_t echo_tcp_connections(void);

#endif /* SDDF_EXAMPLES_ECHO_H */
