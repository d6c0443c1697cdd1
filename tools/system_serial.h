/*
 * tools/system_serial.h - the parsed form of a <serial> element and its
 * expansion, shared by system_serial.c (read and expand) and
 * system_serial_config.c (configuration records).
 */
#ifndef SDDF_TOOLS_SYSTEM_SERIAL_H
#define SDDF_TOOLS_SYSTEM_SERIAL_H

#include <sddf/serial/config.h>

#include "system_internal.h"

/** One byte ring: queue header region, data region, producer and consumer PDs. */
typedef struct serial_ring_spec {
    size_t queue, data;                /* region indices */
    size_t producer, consumer;         /* PD indices */
    unsigned id_producer, id_consumer; /* channel ids (the same channel serves a pair of rings) */
} serial_ring_spec;

/** A generated role (<driver>, <virt_rx>, <virt_tx>). */
typedef struct serial_role_spec {
    const char *name;
    unsigned priority;
    int cpu;
    int line;
    size_t pd;
} serial_role_spec;

/** One <client pd name?/>. */
typedef struct serial_client_spec {
    size_t pd;
    char name[SDDF_SERIAL_NAME_LENGTH];
    int line;
    serial_ring_spec tx, rx; /* tx: client -> virt_tx; rx: virt_rx -> client */
} serial_client_spec;

/** One <serial>. */
typedef struct serial_spec {
    const char *name;
    const char *device; /* tty path, NULL = the terminal `sddf run` runs on */
    const char *begin;  /* printed by virt_tx at start, may be NULL */
    bool rx, colour, prefix;
    uint32_t ring_size; /* bytes of each client ring; the driver tx ring is twice this */
    int line;
    serial_role_spec driver, virt_rx, virt_tx;
    serial_client_spec clients[SDDF_SERIAL_MAX_CLIENTS];
    size_t num_clients;
    char *names[3]; /* generated default role names (owned) */
    /* expansion */
    size_t device_index;
    unsigned in_irq, out_irq;
    serial_ring_spec drv_tx, drv_rx, console;
} serial_spec;

/** Append every configuration record of an expanded serial to its PDs. */
void sys_serial_write_configs(sys_builder *b, const serial_spec *s);

#endif /* SDDF_TOOLS_SYSTEM_SERIAL_H */
