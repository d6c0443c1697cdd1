/*
 * tests/integration/pd_serial_spam.c - a serial client PD for
 * test_serial.py: prints SERIAL_SPAM_LINES lines "NAME NNNNN" at full speed
 * through the client library, never losing one (it waits for room with
 * sddf_serial_tx_space and carries on when virt_tx notifies), then
 * "NAME done". It never reads its input: the test floods it.
 */
#include <sddf/os.h>
#include <sddf/serial/client.h>

#define SERIAL_SPAM_LINES 10000u

static struct {
    const serial_client_config_t *cfg;
    unsigned next;
} sp;

/* Print as many lines as fit; the rest when virt_tx makes room. */
static void print_more(void)
{
    while (sp.next <= SERIAL_SPAM_LINES) {
        if (!sddf_serial_tx_space(2 * SDDF_SERIAL_NAME_LENGTH + 16))
            return; /* a notification on the tx channel follows */
        if (sp.next == SERIAL_SPAM_LINES)
            sddf_printf("%s done\n", sp.cfg->name);
        else
            sddf_printf("%s %05u\n", sp.cfg->name, sp.next);
        sp.next++;
    }
}

void init(void)
{
    sp.cfg = serial_client_config();
    if (sp.cfg == NULL || serial_client_init(sp.cfg) != 0)
        sddf_fatal("no usable serial client configuration");
    print_more();
}

void notified(sddf_channel ch)
{
    if (ch == sddf_serial_tx_channel())
        print_more();
}
