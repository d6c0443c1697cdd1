/*
 * sddf/serial/config.h - configuration records of the serial class.
 *
 * Written by the system tool from a <serial> element, read by each serial
 * component with sddf_config_find(SDDF_CLASS_SERIAL, role, sizeof(record)).
 * Shapes follow sDDF's serial configs (PROTOCOLS 4.3): a connection is a
 * queue region (the 12-byte serial_queue_t) plus a data region (the byte
 * ring, whose size is the ring's capacity) and a channel id. On the host the
 * rx virtualiser additionally has a ring to the tx virtualiser (`console`)
 * on which it reports focus switches and bad switch sequences.
 */
#ifndef SDDF_SERIAL_CONFIG_H
#define SDDF_SERIAL_CONFIG_H

#include <stdint.h>
#include <sddf/config.h>
#include <sddf/os.h>
#include <sddf/serial/queue.h>

/** Most clients a serial device supports (sDDF's SDDF_SERIAL_MAX_CLIENTS). */
#define SDDF_SERIAL_MAX_CLIENTS 64u

/**
 * Longest client name shown in prefixes and messages, including the NUL.
 * The system tool admits only A-Z a-z 0-9 _ . - (it reaches the terminal)
 * and one name per client of a serial.
 */
#define SDDF_SERIAL_NAME_LENGTH 32u

/** sDDF's default switch character: Ctrl-\ (ASCII FS, 28). */
#define SERIAL_SWITCH_CHAR 0x1c
/** sDDF's default terminator of a switch sequence: carriage return (Enter in raw mode). */
#define SERIAL_TERMINATE_NUM_CHAR '\r'
/** Most digits of a client number in a switch sequence (sDDF: 4). */
#define SERIAL_MAX_SWITCH_DIGITS 4u

/** Roles (the record's `role` byte) of the serial class. */
enum serial_config_role {
    SERIAL_ROLE_DRIVER = 0,
    SERIAL_ROLE_VIRT_RX = 1,
    SERIAL_ROLE_VIRT_TX = 2,
    SERIAL_ROLE_CLIENT = 3,
};

/** One ring as seen by this PD: its header, its data (size = capacity) and the peer's channel. */
typedef struct serial_connection_resource {
    sddf_region_resource_t queue; /* serial_queue_t */
    sddf_region_resource_t data;  /* the byte ring; size is a power of two */
    uint8_t id;                   /* channel id to the peer */
    uint8_t reserved[7];
} serial_connection_resource_t;
_Static_assert(sizeof(serial_connection_resource_t) == 40, "connection is 40 bytes");

/** Driver: rings with both virtualisers and its device IRQs. */
typedef struct serial_driver_config {
    sddf_config_header_t header;
    serial_connection_resource_t rx; /* driver produces (to virt_rx), if rx_enabled */
    serial_connection_resource_t tx; /* driver consumes (from virt_tx) */
    uint64_t default_baud;           /* sDDF field; a tty/pty ignores it */
    uint8_t rx_enabled;
    uint8_t in_irq;    /* IRQ channel: input readable */
    uint8_t out_irq;   /* IRQ channel: output has room */
    uint8_t device_id; /* host OS layer: the tty's device id (sddf/host/device.h) */
    uint8_t reserved[4];
} serial_driver_config_t;

/** A client as the virtualisers see it. */
typedef struct serial_virt_client {
    serial_connection_resource_t conn;
    char name[SDDF_SERIAL_NAME_LENGTH]; /* NUL-terminated */
} serial_virt_client_t;

/** Rx virtualiser: routes input to the current client; switches with the escape sequence. */
typedef struct serial_virt_rx_config {
    sddf_config_header_t header;
    serial_connection_resource_t driver;  /* virt_rx consumes */
    serial_connection_resource_t console; /* virt_rx produces, virt_tx consumes */
    uint8_t num_clients;
    uint8_t switch_char;        /* SERIAL_SWITCH_CHAR */
    uint8_t terminate_num_char; /* SERIAL_TERMINATE_NUM_CHAR */
    uint8_t reserved[5];
    serial_virt_client_t clients[SDDF_SERIAL_MAX_CLIENTS]; /* virt_rx produces */
} serial_virt_rx_config_t;

/** Tx virtualiser: multiplexes the clients' output by whole lines. */
typedef struct serial_virt_tx_config {
    sddf_config_header_t header;
    serial_connection_resource_t driver;  /* virt_tx produces */
    serial_connection_resource_t console; /* from virt_rx, if has_console */
    uint8_t num_clients;
    uint8_t has_console;
    uint8_t enable_colour; /* wrap each client's lines in ESC[3Nm .. ESC[0m */
    uint8_t enable_prefix; /* start each client line with "name: " */
    uint8_t reserved[4];
    char begin_str[128]; /* printed once at start (NUL-terminated, may be empty) */
    serial_virt_client_t clients[SDDF_SERIAL_MAX_CLIENTS]; /* virt_tx consumes */
} serial_virt_tx_config_t;

/** Client: its tx ring to virt_tx and, if rx is enabled, its rx ring from virt_rx. */
typedef struct serial_client_config {
    sddf_config_header_t header;
    serial_connection_resource_t tx; /* client produces */
    serial_connection_resource_t rx; /* client consumes; unmapped if !rx_enabled */
    uint8_t rx_enabled;
    uint8_t index; /* this client's number in switch sequences */
    uint8_t reserved[6];
    char name[SDDF_SERIAL_NAME_LENGTH];
} serial_client_config_t;

_Static_assert(sizeof(serial_driver_config_t) % 8 == 0, "records keep 8-byte alignment");
_Static_assert(sizeof(serial_virt_rx_config_t) % 8 == 0, "records keep 8-byte alignment");
_Static_assert(sizeof(serial_virt_tx_config_t) % 8 == 0, "records keep 8-byte alignment");
_Static_assert(sizeof(serial_client_config_t) % 8 == 0, "records keep 8-byte alignment");

/**
 * Bind @h to connection @c after checking it: both regions mapped, the queue
 * region large and aligned enough, the data size a valid capacity, the
 * channel id in range. Returns 0, or -1 (handle unchanged) on a mismatch
 * between tool and component, which callers report with sddf_fatal at init.
 */
static inline int serial_conn_init(const serial_connection_resource_t *c, serial_queue_handle_t *h)
{
    if (c->queue.vaddr == 0 || c->queue.vaddr % _Alignof(serial_queue_t) != 0 ||
        c->queue.size < sizeof(serial_queue_t) || c->data.vaddr == 0 || c->data.size > UINT32_MAX ||
        c->id >= SDDF_MAX_CHANNELS)
        return -1;
    return serial_queue_init(h, sddf_region_ptr(&c->queue), (uint32_t)c->data.size,
                             sddf_region_ptr(&c->data));
}

#endif /* SDDF_SERIAL_CONFIG_H */
