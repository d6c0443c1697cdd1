/*
 * echo_server.c - the echo server client PD (sDDF's echo server example):
 * lwIP through lib_sddf_lwip, UDP echo on 1235 and TCP echo on 1236 (echo.c).
 *
 * Configuration records: net client (NET_ROLE_CLIENT), lib_sddf_lwip
 * (LWIP_ROLE_CLIENT: static IPv4 address) and timer client; with a serial
 * client record (the description has a <serial> with this PD as a client)
 * the status line goes to the serial console, else to the monitor's log.
 */
#include <sddf/net/lwip.h>
#include <sddf/os.h>
#include <sddf/serial/client.h>

#include "echo.h"

static struct {
    const net_client_config_t *net;
    const lib_sddf_lwip_config_t *lwip;
    const timer_client_config_t *timer;
} echo_pd;

void init(void)
{
    echo_pd.net = sddf_config_find(SDDF_CLASS_NET, NET_ROLE_CLIENT, sizeof(net_client_config_t));
    echo_pd.lwip =
        sddf_config_find(SDDF_CLASS_LWIP, LWIP_ROLE_CLIENT, sizeof(lib_sddf_lwip_config_t));
    echo_pd.timer =
        sddf_config_find(SDDF_CLASS_TIMER, TIMER_ROLE_CLIENT, sizeof(timer_client_config_t));
    if (echo_pd.net == NULL || echo_pd.lwip == NULL || echo_pd.timer == NULL)
        sddf_fatal("missing configuration: net client %s, lwip %s, timer client %s",
                   echo_pd.net ? "ok" : "missing", echo_pd.lwip ? "ok" : "missing",
                   echo_pd.timer ? "ok" : "missing");
    if (sddf_lwip_init(echo_pd.lwip, echo_pd.net, echo_pd.timer, NULL) != SDDF_LWIP_ERR_OK)
        sddf_fatal("lib_sddf_lwip refused the configuration");
    int err = echo_init();
    if (err != 0)
        sddf_fatal("cannot open the echo ports (lwIP error %d)", err);

    const uint8_t *ip = (const uint8_t *)&echo_pd.lwip->ip; /* network byte order */
    const serial_client_config_t *serial = serial_client_config();
    if (serial != NULL && serial_client_init(serial) == 0)
        sddf_printf("%s: echo server up at %u.%u.%u.%u: udp %u tcp %u\n", sddf_get_pd_name(), ip[0],
                    ip[1], ip[2], ip[3], ECHO_UDP_PORT, ECHO_TCP_PORT);
    else
        sddf_log("echo server up at %u.%u.%u.%u: udp %u tcp %u", ip[0], ip[1], ip[2], ip[3],
                 ECHO_UDP_PORT, ECHO_TCP_PORT);
    sddf_lwip_maybe_notify();
}

void notified(sddf_channel ch)
{
    if (ch == echo_pd.net->rx.id)
        sddf_lwip_process_rx();
    else if (ch == echo_pd.net->tx.id)
        sddf_lwip_process_tx();
    else if (ch == echo_pd.timer->driver_id)
        sddf_lwip_process_timeout();
    /* Any other channel: a spurious signal, harmless (sDDF: only a hint). */
    sddf_lwip_maybe_notify();
}
