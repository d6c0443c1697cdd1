/*
 * tests/fake/fake_os.c - see fake_os.h. Single-threaded test use only, so the
 * recorded state is plain file-scope data (this is a test double, not a PD).
 */
#include "fake_os.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sddf/config.h>

#define FAKE_MAX_CONFIGS 16
#define FAKE_MAX_STATS   128

static struct {
    unsigned notifies[SDDF_MAX_CHANNELS];
    unsigned deferred[SDDF_MAX_CHANNELS];
    unsigned irq_acks[SDDF_MAX_CHANNELS];
    int deferred_ch; /* -1 = slot empty */
    bool deferred_is_ack;
    const void *configs[FAKE_MAX_CONFIGS];
    unsigned num_configs;
    char stat_names[FAKE_MAX_STATS][24];
    uint64_t stat_values[FAKE_MAX_STATS];
    unsigned num_stats;
    uint64_t spare_counter;
    uint64_t mrs[SDDF_MAX_MRS];
    sddf_msginfo (*ppc)(sddf_channel, sddf_msginfo);
    void (*notify_hook)(sddf_channel);
    bool fatal;
    bool fatal_armed;
    jmp_buf fatal_jmp;
} fake = {.deferred_ch = -1};

void fake_os_reset(void)
{
    memset(&fake, 0, sizeof(fake));
    fake.deferred_ch = -1;
}

void fake_os_add_config(const void *record)
{
    if (fake.num_configs < FAKE_MAX_CONFIGS)
        fake.configs[fake.num_configs++] = record;
}

unsigned fake_os_notify_count(sddf_channel ch)
{
    return ch < SDDF_MAX_CHANNELS ? fake.notifies[ch] : 0;
}

void fake_os_set_notify_hook(void (*fn)(sddf_channel ch))
{
    fake.notify_hook = fn;
}

unsigned fake_os_deferred_count(sddf_channel ch)
{
    return ch < SDDF_MAX_CHANNELS ? fake.deferred[ch] : 0;
}

unsigned fake_os_irq_ack_count(sddf_channel ch)
{
    return ch < SDDF_MAX_CHANNELS ? fake.irq_acks[ch] : 0;
}

void fake_os_clear_events(void)
{
    memset(fake.notifies, 0, sizeof(fake.notifies));
    memset(fake.deferred, 0, sizeof(fake.deferred));
    memset(fake.irq_acks, 0, sizeof(fake.irq_acks));
    fake.deferred_ch = -1;
}

void fake_os_end_handler(void)
{
    if (fake.deferred_ch >= 0) {
        if (fake.deferred_is_ack)
            fake.irq_acks[fake.deferred_ch]++;
        else
            fake.deferred[fake.deferred_ch]++;
    }
    fake.deferred_ch = -1;
}

void fake_os_dispatch(sddf_channel ch)
{
    notified(ch);
    fake_os_end_handler();
}

uint64_t fake_os_stat(const char *name)
{
    for (unsigned i = 0; i < fake.num_stats; i++)
        if (strcmp(fake.stat_names[i], name) == 0)
            return fake.stat_values[i];
    return 0;
}

void fake_os_set_ppc_handler(sddf_msginfo (*fn)(sddf_channel ch, sddf_msginfo msg))
{
    fake.ppc = fn;
}

bool fake_os_fatal_called(void)
{
    return fake.fatal;
}

bool fake_os_catch_fatal(void (*fn)(void))
{
    fake.fatal = false;
    fake.fatal_armed = true;
    if (setjmp(fake.fatal_jmp) == 0)
        fn();
    fake.fatal_armed = false;
    return fake.fatal;
}

/* ---- os.h ---------------------------------------------------------------- */

const char *sddf_get_pd_name(void)
{
    return "fake_pd";
}

void sddf_notify(sddf_channel ch)
{
    if (ch < SDDF_MAX_CHANNELS)
        fake.notifies[ch]++;
    if (fake.notify_hook != NULL)
        fake.notify_hook(ch);
}

void sddf_deferred_notify(sddf_channel ch)
{
    if (ch < SDDF_MAX_CHANNELS) {
        fake.deferred_ch = (int)ch;
        fake.deferred_is_ack = false;
    }
}

int sddf_deferred_notify_curr(void)
{
    return fake.deferred_is_ack ? -1 : fake.deferred_ch;
}

void sddf_irq_ack(sddf_channel ch)
{
    if (ch < SDDF_MAX_CHANNELS)
        fake.irq_acks[ch]++;
}

void sddf_deferred_irq_ack(sddf_channel ch)
{
    if (ch < SDDF_MAX_CHANNELS) {
        fake.deferred_ch = (int)ch;
        fake.deferred_is_ack = true;
    }
}

sddf_msginfo sddf_ppcall(sddf_channel ch, sddf_msginfo msginfo)
{
    if (!fake.ppc)
        return sddf_msginfo_new(SDDF_PPC_ERROR, 0);
    return fake.ppc(ch, msginfo);
}

uint64_t sddf_get_mr(unsigned n)
{
    return n < SDDF_MAX_MRS ? fake.mrs[n] : 0;
}

void sddf_set_mr(unsigned n, uint64_t value)
{
    if (n < SDDF_MAX_MRS)
        fake.mrs[n] = value;
}

const void *sddf_config_find(uint8_t class_id, uint8_t role, uint32_t size)
{
    for (unsigned i = 0; i < fake.num_configs; i++) {
        const sddf_config_header_t *h = fake.configs[i];
        if (memcmp(h->magic, SDDF_CONFIG_MAGIC, 4) == 0 && h->class_id == class_id &&
            h->role == role)
            return h->size == size ? h : NULL;
    }
    return NULL;
}

uint64_t *sddf_stat_counter(const char *name)
{
    for (unsigned i = 0; i < fake.num_stats; i++)
        if (strcmp(fake.stat_names[i], name) == 0)
            return &fake.stat_values[i];
    if (fake.num_stats == FAKE_MAX_STATS)
        return &fake.spare_counter;
    snprintf(fake.stat_names[fake.num_stats], sizeof(fake.stat_names[0]), "%s", name);
    return &fake.stat_values[fake.num_stats++];
}

void sddf_log(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[fake_pd] ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
}

_Noreturn void sddf_fatal(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "[fake_pd] fatal: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    fake.fatal = true;
    if (fake.fatal_armed)
        longjmp(fake.fatal_jmp, 1);
    abort();
}
