/*
 * tests/host/pd_ppc_server.c - PPC callee: replies label+1000 with the same
 * number of MRs, each MR = 3 * argument + its channel id.
 */
#include <sddf/os.h>
#include "test_layout.h"

static uint64_t *calls;

void init(void)
{
    calls = sddf_stat_counter("calls");
}

void notified(sddf_channel ch)
{
    (void)ch;
}

sddf_msginfo protected(sddf_channel ch, sddf_msginfo msginfo)
{
    uint32_t n = sddf_msginfo_get_count(msginfo);
    for (unsigned i = 0; i < n; i++) {
        sddf_set_mr(i, sddf_get_mr(i) * 3u + ch);
    }
    sddf_stat_add(calls, 1);
    return sddf_msginfo_new(sddf_msginfo_get_label(msginfo) + 1000u, n);
}
