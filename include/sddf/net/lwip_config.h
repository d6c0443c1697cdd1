/*
 * sddf/net/lwip_config.h - configuration record of the lwIP glue library
 * (net/lib/lwip) that a network client links: its static IPv4 setup.
 */
#ifndef SDDF_NET_LWIP_CONFIG_H
#define SDDF_NET_LWIP_CONFIG_H

#include <stdint.h>
#include <sddf/config.h>

/** The only role of the SDDF_CLASS_LWIP class. */
#define LWIP_ROLE_CLIENT 0u

/** Static IPv4 configuration; addresses in network byte order. */
typedef struct lib_sddf_lwip_config {
    sddf_config_header_t header;
    uint32_t ip;
    uint32_t netmask;
    uint32_t gateway; /* 0 = none */
    uint32_t reserved;
} lib_sddf_lwip_config_t;

#endif /* SDDF_NET_LWIP_CONFIG_H */
