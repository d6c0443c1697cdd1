/*
 * sddf/timer/config.h - configuration records of the timer class.
 */
#ifndef SDDF_TIMER_CONFIG_H
#define SDDF_TIMER_CONFIG_H

#include <stdint.h>
#include <sddf/config.h>

/** Most clients one timer driver serves (one timeout slot per channel id). */
#define SDDF_TIMER_MAX_CLIENTS 62u

/** Roles of the timer class. */
enum timer_config_role {
    TIMER_ROLE_DRIVER = 0,
    TIMER_ROLE_CLIENT = 1,
};

/** Timer driver: its IRQ channel and the channel ids of its clients. */
typedef struct timer_driver_config {
    sddf_config_header_t header;
    uint8_t irq_id;
    uint8_t num_clients;
    uint8_t client_ids[SDDF_TIMER_MAX_CLIENTS];
} timer_driver_config_t;

/** Timer client: the channel on which it may PPC the driver and is notified. */
typedef struct timer_client_config {
    sddf_config_header_t header;
    uint8_t driver_id;
    uint8_t reserved[7];
} timer_client_config_t;

#endif /* SDDF_TIMER_CONFIG_H */
