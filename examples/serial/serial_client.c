/*
 * examples/serial/serial_client.c - a serial client PD: it answers every
 * line typed to it with its name and the line, through the serial client
 * library (sddf/serial/client.h). Which client gets the keyboard is the rx
 * virtualiser's business (Ctrl-\ then a client number then Enter).
 *
 * A terminal in raw mode sends Enter as '\r'; '\n' ends a line too. Lines
 * longer than the buffer are answered in pieces.
 *
 * Back-pressure: input is consumed only while the tx ring has room for a
 * whole answer (sddf_serial_tx_space). When it has none, the client stops
 * reading and waits for virt_tx's signal on the tx channel; meanwhile input
 * backs up in the rx ring, where virt_rx drops what does not fit (counted:
 * rx_dropped). So a paste larger than the rings loses input, visibly, but
 * never splices or cuts an answer.
 */
#include <string.h>

#include <sddf/os.h>
#include <sddf/serial/client.h>

#define LINE_MAX_BYTES 256u
/* The longest answer: "NAME got: LINE\r\n". */
#define ANSWER_MAX_BYTES ((SDDF_SERIAL_NAME_LENGTH - 1) + 6 + LINE_MAX_BYTES + 2)

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

/* Take input while an answer is sure to fit; otherwise wait for virt_tx's signal. */
static void consume(void)
{
    while (sddf_serial_tx_space(ANSWER_MAX_BYTES)) {
        int c = sddf_getchar();
        if (c < 0)
            return;
        if (c == '\r' || c == '\n') {
            if (ex.len > 0 || c == '\r')
                answer();
            continue;
        }
        ex.line[ex.len++] = (char)c;
        if (ex.len == LINE_MAX_BYTES)
            answer();
    }
    /* no room: tx_space asked virt_tx for a signal on the tx channel */
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
    /* input arrived, or virt_tx made the room we were waiting for */
    if (ch == sddf_serial_rx_channel() || ch == sddf_serial_tx_channel())
        consume();
}
