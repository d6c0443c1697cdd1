/*
 * tests/integration/pd_serial_echo.c - a serial client PD for
 * test_serial.py: echoes every input byte back unchanged (raw output, so
 * every byte value can be checked), and faults on purpose when it receives
 * the line "crash!" (to test that the terminal mode survives a PD crash).
 */
#include <signal.h>
#include <stdint.h>
#include <string.h>

#include <sddf/os.h>
#include <sddf/serial/client.h>

static struct {
    char last[7]; /* the last bytes received, to spot "crash!\n" */
} ec;

void init(void)
{
    const serial_client_config_t *cfg = serial_client_config();
    if (cfg == NULL || serial_client_init(cfg) != 0)
        sddf_fatal("no usable serial client configuration");
    sddf_printf("%s ready\n", cfg->name);
}

void notified(sddf_channel ch)
{
    if (ch != sddf_serial_rx_channel())
        return;
    char buf[512];
    uint32_t n;
    while ((n = sddf_serial_read(buf, sizeof(buf))) > 0) {
        if (sddf_serial_write(buf, n) != n)
            sddf_log("echo: tx ring full, %u bytes lost", n);
        for (uint32_t i = 0; i < n; i++) {
            memmove(ec.last, ec.last + 1, sizeof(ec.last) - 1);
            ec.last[sizeof(ec.last) - 1] = buf[i];
            if (memcmp(ec.last, "crash!\n", 7) == 0)
                raise(SIGSEGV); /* a deliberate fault, reported by the monitor */
        }
    }
}
