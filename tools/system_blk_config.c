/*
 * tools/system_blk_config.c - the configuration records of an expanded
 * <blk>: blk_driver_config_t, blk_virt_config_t and blk_client_config_t
 * (sddf/blk/config.h). Every address in a record is the vaddr at which the
 * receiving PD maps the region (sddf/config.h); the virt's view of a client
 * data region has vaddr 0 (it never maps one) but its size and IO address.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sddf/blk/config.h>

#include "system_blk.h"

_Static_assert(sizeof(blk_driver_config_t) % 8 == 0, "records keep 8-byte alignment");
_Static_assert(sizeof(blk_virt_config_t) % 8 == 0, "records keep 8-byte alignment");
_Static_assert(sizeof(blk_client_config_t) % 8 == 0, "records keep 8-byte alignment");

static blk_connection_resource_t conn(const sys_system *sys, size_t pd, size_t info,
                                      const size_t q[2], uint32_t cap, unsigned id)
{
    return (blk_connection_resource_t){
        .storage_info = sys_region_in(sys, pd, info),
        .req_queue = sys_region_in(sys, pd, q[0]),
        .resp_queue = sys_region_in(sys, pd, q[1]),
        .num_buffers = cap,
        .id = (uint8_t)id,
    };
}

static void driver_config(sys_builder *b, const blk_spec *k)
{
    const sys_system *sys = b->sys;
    size_t pd = k->driver.pd;
    blk_driver_config_t *c = sys_xrealloc(NULL, 1, sizeof(*c));
    memset(c, 0, sizeof(*c));
    sys_config_header(c, SDDF_CLASS_BLK, BLK_ROLE_DRIVER, sizeof(*c));
    c->virt = conn(sys, pd, k->info, k->q, k->capacity, k->id_drv);
    c->irq_id = (uint8_t)k->irq_id;
    c->device_id = (uint8_t)k->device_id;
    c->num_io_regions = (uint8_t)(1 + k->num_clients);
    c->io_regions[0] = sys_device_region_in(sys, pd, k->part);
    for (size_t i = 0; i < k->num_clients; i++)
        c->io_regions[1 + i] = sys_device_region_in(sys, pd, k->clients[i].data);
    sys_config_append(b->sys, pd, c, sizeof(*c));
    free(c);
}

static void virt_config(sys_builder *b, const blk_spec *k)
{
    const sys_system *sys = b->sys;
    size_t pd = k->virt.pd;
    blk_virt_config_t *c = sys_xrealloc(NULL, 1, sizeof(*c));
    memset(c, 0, sizeof(*c));
    sys_config_header(c, SDDF_CLASS_BLK, BLK_ROLE_VIRT, sizeof(*c));
    c->num_clients = k->num_clients;
    c->driver = conn(sys, pd, k->info, k->q, k->capacity, k->id_virt);
    c->data = sys_device_region_in(sys, pd, k->part);
    for (size_t i = 0; i < k->num_clients; i++) {
        const blk_client_spec *cl = &k->clients[i];
        blk_virt_client_t *v = &c->clients[i];
        v->conn = conn(sys, pd, cl->info, cl->q, cl->capacity, cl->id_virt);
        v->data =
            (sddf_device_region_resource_t){{0, cl->data_size}, sys->regions[cl->data].io_addr};
        v->partition = cl->partition - 1;
        snprintf(v->name, sizeof(v->name), "%s", sys->pds[cl->pd].name);
    }
    sys_config_append(b->sys, pd, c, sizeof(*c));
    free(c);
}

static void client_config(sys_builder *b, const blk_client_spec *cl)
{
    const sys_system *sys = b->sys;
    blk_client_config_t c = {0};
    sys_config_header(&c, SDDF_CLASS_BLK, BLK_ROLE_CLIENT, sizeof(c));
    c.virt = conn(sys, cl->pd, cl->info, cl->q, cl->capacity, cl->id_client);
    c.data = sys_region_in(sys, cl->pd, cl->data);
    sys_config_append(b->sys, cl->pd, &c, sizeof(c));
}

void sys_blk_write_configs(sys_builder *b, const blk_spec *k)
{
    driver_config(b, k);
    virt_config(b, k);
    for (size_t i = 0; i < k->num_clients; i++)
        client_config(b, &k->clients[i]);
}
