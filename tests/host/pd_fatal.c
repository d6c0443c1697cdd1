/* tests/host/pd_fatal.c - a PD whose init fails: sddf_fatal must stop it with a distinct status. */
#include <sddf/os.h>

void init(void)
{
    sddf_fatal("configuration missing (test)");
}

void notified(sddf_channel ch)
{
    (void)ch;
}
