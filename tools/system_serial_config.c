/*
 * tools/system_serial_config.c - the configuration records of an expanded
 * <serial>: serial_driver_config_t, serial_virt_rx_config_t,
 * serial_virt_tx_config_t and serial_client_config_t (sddf/serial/config.h).
 * Every address is the vaddr at which the receiving PD maps the region.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "system_serial.h"

/* Ring @r as PD @pd sees it, with channel id @id. */
static serial_connection_resource_t conn(const sys_system *sys, size_t pd,
                                         const serial_ring_spec *r, unsigned id)
{
    serial_connection_resource_t c = {0};
    c.queue = (sddf_region_resource_t){sys_map_vaddr(sys, pd, r->queue), sizeof(serial_queue_t)};
    c.data = (sddf_region_resource_t){sys_map_vaddr(sys, pd, r->data), 0};
    c.id = (uint8_t)id;
    return c;
}

/* The data size is the ring's capacity: the region's size (a power of two, page multiple). */
static serial_connection_resource_t producer(const sys_system *sys, const serial_ring_spec *r)
{
    serial_connection_resource_t c = conn(sys, r->producer, r, r->id_producer);
    c.data.size = sys->regions[r->data].size;
    return c;
}

static serial_connection_resource_t consumer(const sys_system *sys, const serial_ring_spec *r)
{
    serial_connection_resource_t c = conn(sys, r->consumer, r, r->id_consumer);
    c.data.size = sys->regions[r->data].size;
    return c;
}

static void driver_config(sys_builder *b, const serial_spec *s)
{
    serial_driver_config_t c = {0};
    sys_config_header(&c, SDDF_CLASS_SERIAL, SERIAL_ROLE_DRIVER, sizeof(c));
    c.tx = consumer(b->sys, &s->drv_tx);
    if (s->rx)
        c.rx = producer(b->sys, &s->drv_rx);
    c.default_baud = 115200;
    c.rx_enabled = s->rx;
    c.in_irq = (uint8_t)s->in_irq;
    c.out_irq = (uint8_t)s->out_irq;
    c.device_id = (uint8_t)b->sys->devices[s->device_index].id;
    sys_config_append(b->sys, s->driver.pd, &c, sizeof(c));
}

static void virt_rx_config(sys_builder *b, const serial_spec *s)
{
    serial_virt_rx_config_t *c = sys_xrealloc(NULL, 1, sizeof(*c));
    memset(c, 0, sizeof(*c));
    sys_config_header(c, SDDF_CLASS_SERIAL, SERIAL_ROLE_VIRT_RX, sizeof(*c));
    c->driver = consumer(b->sys, &s->drv_rx);
    c->console = producer(b->sys, &s->console);
    c->num_clients = (uint8_t)s->num_clients;
    c->switch_char = SERIAL_SWITCH_CHAR;
    c->terminate_num_char = SERIAL_TERMINATE_NUM_CHAR;
    for (size_t i = 0; i < s->num_clients; i++) {
        c->clients[i].conn = producer(b->sys, &s->clients[i].rx);
        memcpy(c->clients[i].name, s->clients[i].name, SDDF_SERIAL_NAME_LENGTH);
    }
    sys_config_append(b->sys, s->virt_rx.pd, c, sizeof(*c));
    free(c);
}

static void virt_tx_config(sys_builder *b, const serial_spec *s)
{
    serial_virt_tx_config_t *c = sys_xrealloc(NULL, 1, sizeof(*c));
    memset(c, 0, sizeof(*c));
    sys_config_header(c, SDDF_CLASS_SERIAL, SERIAL_ROLE_VIRT_TX, sizeof(*c));
    c->driver = producer(b->sys, &s->drv_tx);
    if (s->rx)
        c->console = consumer(b->sys, &s->console);
    c->num_clients = (uint8_t)s->num_clients;
    c->has_console = s->rx;
    c->enable_colour = s->colour;
    c->enable_prefix = s->prefix;
    if (s->begin != NULL)
        snprintf(c->begin_str, sizeof(c->begin_str), "%s", s->begin);
    for (size_t i = 0; i < s->num_clients; i++) {
        c->clients[i].conn = consumer(b->sys, &s->clients[i].tx);
        memcpy(c->clients[i].name, s->clients[i].name, SDDF_SERIAL_NAME_LENGTH);
    }
    sys_config_append(b->sys, s->virt_tx.pd, c, sizeof(*c));
    free(c);
}

static void client_config(sys_builder *b, const serial_spec *s, size_t i)
{
    const serial_client_spec *cl = &s->clients[i];
    serial_client_config_t c = {0};
    sys_config_header(&c, SDDF_CLASS_SERIAL, SERIAL_ROLE_CLIENT, sizeof(c));
    c.tx = producer(b->sys, &cl->tx);
    if (s->rx)
        c.rx = consumer(b->sys, &cl->rx);
    c.rx_enabled = s->rx;
    c.index = (uint8_t)i;
    memcpy(c.name, cl->name, SDDF_SERIAL_NAME_LENGTH);
    sys_config_append(b->sys, cl->pd, &c, sizeof(c));
}

void sys_serial_write_configs(sys_builder *b, const serial_spec *s)
{
    driver_config(b, s);
    virt_tx_config(b, s);
    if (s->rx)
        virt_rx_config(b, s);
    for (size_t i = 0; i < s->num_clients; i++)
        client_config(b, s, i);
}
