/*
 * examples/serial/serial_client.c - a serial client PD: it answers every
 * line typed to it with its name and the line, through the serial client
 * library (sddf/serial/client.h). Which client gets the keyboard is the rx
 * virtualiser's business (Ctrl-\ then a client number then Enter).
 *
 * A terminal in raw mode sends Enter as '\r'; '\n' ends a line too. Lines
 * longer than the buffer are answered in pieces.
 */
#include <string.h>

#include <sddf/os.h>
#include <sddf/serial/client.h>

#define LINE_MAX_BYTES 256u

static struct {
    const serial_client_config_t *cfg;
    char line[LINE_MAX_BYTES];
    uint32_t len;
} ex;

static void answer(void)
{
    sddf_printf("%.*s got: %.*s\n", (int)SDDF_SERIAL_NAME_LENGTH - 1, ex.cfg->name, (int)ex.len,
                ex.line);
    ex.len = 0;
}

void init(void)
{
    ex.cfg = serial_client_config();
    if (ex.cfg == NULL || serial_client_init(ex.cfg) != 0)
        sddf_fatal("no usable serial client configuration");
    sddf_printf("%.*s (client %u) ready: type a line\n", (int)SDDF_SERIAL_NAME_LENGTH - 1,
                ex.cfg->name, ex.cfg->index);
}

void notified(sddf_channel ch)
{
    if (ch != sddf_serial_rx_channel())
        return; /* virt_tx made room: nothing is waiting here (output drops when full) */
    int c;
    while ((c = sddf_getchar()) >= 0) {
        if (c == '\r' || c == '\n') {
            if (ex.len > 0 || c == '\r')
                answer();
            continue;
        }
        ex.line[ex.len++] = (char)c;
        if (ex.len == LINE_MAX_BYTES)
            answer();
    }
}
