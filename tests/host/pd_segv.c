/* tests/host/pd_segv.c - a PD that faults (SIGSEGV) TEST_SEGV_DELAY_US after it starts. */
#include <unistd.h>
#include <sddf/os.h>
#include "test_layout.h"

void init(void)
{
    usleep(TEST_SEGV_DELAY_US);
    volatile uintptr_t nowhere = 8; /* opaque to the compiler */
    *(volatile int *)nowhere = 1;
}

void notified(sddf_channel ch)
{
    (void)ch;
}
