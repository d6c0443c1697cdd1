/*
 * os/host/runtime/config_walk.h - finding a record in a configuration blob
 * (sddf/config.h), separated from the runtime so it is unit-tested.
 */
#ifndef SDDF_HOST_RUNTIME_CONFIG_WALK_H
#define SDDF_HOST_RUNTIME_CONFIG_WALK_H

#include <stddef.h>
#include <stdint.h>

/** Why a lookup returned NULL. */
enum rt_config_result {
    RT_CONFIG_FOUND = 0,
    RT_CONFIG_ABSENT,    /* no record for (class, role) */
    RT_CONFIG_MISMATCH,  /* a record exists but its size or version differs */
    RT_CONFIG_MALFORMED, /* the blob is corrupt before a match was found */
};

/**
 * Walk the records of @blob (@blob_size bytes, 8-byte aligned) and return
 * the record of (@class_id, @role) whose header says version
 * SDDF_CONFIG_VERSION and size @size, or NULL. Every header is checked
 * against the blob bounds (magic, size >= header, record inside the blob,
 * record start 8-byte aligned). @why (may be NULL) tells why NULL was returned.
 */
const void *rt_config_walk_find(const uint8_t *blob, size_t blob_size, uint8_t class_id,
                                uint8_t role, uint32_t size, enum rt_config_result *why);

#endif /* SDDF_HOST_RUNTIME_CONFIG_WALK_H */
