/*
 * os/host/runtime/ppc_msg.h - the PPC wire message on a channel's
 * SOCK_SEQPACKET socket pair: {label, count, MRs[count]}, the same shape for
 * call and reply. Only 16 + 8*count bytes are sent.
 */
#ifndef SDDF_HOST_RUNTIME_PPC_MSG_H
#define SDDF_HOST_RUNTIME_PPC_MSG_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>
#include <sddf/os.h>

/** Message (at most 144 bytes). */
struct rt_ppc_msg {
    uint64_t label;
    uint32_t count; /* 0 .. SDDF_MAX_MRS */
    uint32_t reserved;
    uint64_t mr[SDDF_MAX_MRS];
};
_Static_assert(sizeof(struct rt_ppc_msg) == 16 + 8 * SDDF_MAX_MRS, "PPC message layout");

#define RT_PPC_MSG_HEADER 16u

/** Bytes on the wire for a message of @count MRs (count already <= SDDF_MAX_MRS). */
static inline size_t rt_ppc_msg_len(uint32_t count)
{
    return RT_PPC_MSG_HEADER + 8u * (size_t)count;
}

/**
 * Is a received message of @len bytes (as recv(MSG_TRUNC) reports: the real
 * length, possibly above the buffer) well formed? count <= SDDF_MAX_MRS and
 * the length matches the count exactly.
 */
static inline bool rt_ppc_msg_valid(const struct rt_ppc_msg *m, ssize_t len)
{
    if (len < (ssize_t)RT_PPC_MSG_HEADER || len > (ssize_t)sizeof(*m)) {
        return false;
    }
    return m->count <= SDDF_MAX_MRS && (size_t)len == rt_ppc_msg_len(m->count);
}

#endif /* SDDF_HOST_RUNTIME_PPC_MSG_H */
