/*
 * tests/host/pd_ro_writer.c - maps a region read-only at TEST_SHARED_VADDR,
 * checks that mprotect cannot make it writable (the descriptor was read-only),
 * then writes to it at TEST_RO_FAULT_ADDR: the monitor must report SIGSEGV at
 * that address and name this PD.
 */
#include <sys/mman.h>
#include <sddf/os.h>
#include "test_layout.h"

void init(void)
{
    uint64_t *denied = sddf_stat_counter("mprotect_denied");
    void *base = (void *)(uintptr_t)TEST_SHARED_VADDR;
    if (mprotect(base, 4096, PROT_READ | PROT_WRITE) != 0) {
        sddf_stat_add(denied, 1);
    }
    volatile uint8_t *target = (volatile uint8_t *)(uintptr_t)TEST_RO_FAULT_ADDR;
    *target = 1; /* SIGSEGV */
    sddf_log("wrote to a read-only map: isolation broken");
}

void notified(sddf_channel ch)
{
    (void)ch;
}
