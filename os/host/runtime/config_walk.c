/* os/host/runtime/config_walk.c - see config_walk.h. Pure: no system calls. */
#include <string.h>
#include <sddf/config.h>
#include "config_walk.h"

static const void *result(enum rt_config_result *why, enum rt_config_result r, const void *p)
{
    if (why) {
        *why = r;
    }
    return p;
}

const void *rt_config_walk_find(const uint8_t *blob, size_t blob_size, uint8_t class_id,
                                uint8_t role, uint32_t size, enum rt_config_result *why)
{
    size_t off = 0;
    if (blob == NULL) {
        return result(why, RT_CONFIG_ABSENT, NULL);
    }
    while (blob_size - off >= sizeof(sddf_config_header_t)) {
        sddf_config_header_t h;
        memcpy(&h, blob + off, sizeof(h));
        if (memcmp(h.magic, SDDF_CONFIG_MAGIC, sizeof(h.magic)) != 0 || h.size < sizeof(h) ||
            h.size > blob_size - off || off % 8u != 0) {
            return result(why, RT_CONFIG_MALFORMED, NULL);
        }
        if (h.class_id == class_id && h.role == role) {
            if (h.size != size || h.version != SDDF_CONFIG_VERSION) {
                return result(why, RT_CONFIG_MISMATCH, NULL);
            }
            return result(why, RT_CONFIG_FOUND, blob + off);
        }
        off += h.size;
    }
    if (off != blob_size) {
        return result(why, RT_CONFIG_MALFORMED, NULL); /* trailing bytes */
    }
    return result(why, RT_CONFIG_ABSENT, NULL);
}
