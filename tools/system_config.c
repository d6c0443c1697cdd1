/*
 * tools/system_config.c - configuration records (sddf/config.h): headers and
 * appending records to a PD's configuration blob. A PD's blob is a sequence
 * of records, each starting with its header; records are appended without
 * padding, so every record struct must be a multiple of 8 bytes long (checked
 * where each record is written) to keep the next one aligned.
 */
#include <string.h>

#include <sddf/config.h>

#include "system_internal.h"

void sys_config_header(void *record, uint8_t class_id, uint8_t role, uint32_t size)
{
    sddf_config_header_t h = {
        .class_id = class_id,
        .role = role,
        .version = SDDF_CONFIG_VERSION,
        .size = size,
    };
    memcpy(h.magic, SDDF_CONFIG_MAGIC, sizeof(h.magic));
    memcpy(record, &h, sizeof(h));
}

void sys_config_append(sys_system *sys, size_t pd, const void *record, size_t size)
{
    sys_pd *p = &sys->pds[pd];
    p->config = sys_xrealloc(p->config, p->config_size + size, 1);
    memcpy(p->config + p->config_size, record, size);
    p->config_size += size;
}

sddf_region_resource_t sys_region_in(const sys_system *sys, size_t pd, size_t region)
{
    return (sddf_region_resource_t){sys_map_vaddr(sys, pd, region), sys->regions[region].size};
}

sddf_device_region_resource_t sys_device_region_in(const sys_system *sys, size_t pd, size_t region)
{
    return (sddf_device_region_resource_t){sys_region_in(sys, pd, region),
                                           sys->regions[region].io_addr};
}
