/*
 * tests/host/pd_ppc_client.c - PPC caller: TEST_PPC_CALLS calls on channel 0
 * (pp) with 0..16 MRs, checking label and every MR of each reply; then calls
 * that must fail with SDDF_PPC_ERROR: channel 1 (held, but not pp) and
 * channel 40 (not held). Stops the system when done.
 */
#include <sddf/os.h>
#include "test_layout.h"

void init(void)
{
    uint64_t *ok = sddf_stat_counter("ppc_ok");
    uint64_t *bad = sddf_stat_counter("ppc_bad");
    uint64_t *refused = sddf_stat_counter("ppc_refused");
    for (uint64_t i = 0; i < TEST_PPC_CALLS; i++) {
        uint32_t n = (uint32_t)(i % (SDDF_MAX_MRS + 1));
        for (unsigned j = 0; j < n; j++) {
            sddf_set_mr(j, i * 100u + j);
        }
        sddf_msginfo r = sddf_ppcall(0, sddf_msginfo_new(i, n));
        bool good = sddf_msginfo_get_label(r) == i + 1000u && sddf_msginfo_get_count(r) == n;
        for (unsigned j = 0; good && j < n; j++) {
            good = sddf_get_mr(j) == (i * 100u + j) * 3u + TEST_PPC_SERVER_CH;
        }
        sddf_stat_add(good ? ok : bad, 1);
    }
    if (sddf_msginfo_get_label(sddf_ppcall(1, sddf_msginfo_new(7, 0))) == SDDF_PPC_ERROR) {
        sddf_stat_add(refused, 1);
    }
    if (sddf_msginfo_get_label(sddf_ppcall(40, sddf_msginfo_new(7, 0))) == SDDF_PPC_ERROR) {
        sddf_stat_add(refused, 1);
    }
    test_stop_system();
}

void notified(sddf_channel ch)
{
    (void)ch;
}
