/*
 * tools/system_timer.c - the <timer> class element and its expansion.
 *
 *   <timer name="timer" driver="timerfd">
 *     <driver name? priority?="254" cpu?/>    program timer_driver_<driver>
 *     <client pd/> ...
 *   </timer>
 *
 * Following sDDF's timer design (PROTOCOLS 2.4): one passive driver PD
 * serves every client by PPC; each client gets one channel to it, with pp on
 * the client's end (the client calls the driver, whose priority must be
 * higher: checked with every other PPC in system_check.c) and notify off on
 * the client's end (a client may call the driver but not signal it); the
 * driver notifies a client on that channel when its timeout expires. The
 * driver's IRQ is a timerfd. Records: timer_driver_config_t for the driver,
 * timer_client_config_t for each client (sddf/timer/config.h).
 */
#include <stdlib.h>
#include <string.h>

#include <sddf/timer/config.h>

#include "system_internal.h"

_Static_assert(sizeof(timer_driver_config_t) % 8 == 0, "records keep 8-byte alignment");
_Static_assert(sizeof(timer_client_config_t) % 8 == 0, "records keep 8-byte alignment");

typedef struct timer_spec {
    const char *name;
    const char *driver_name;
    char *default_name;
    unsigned priority;
    int cpu;
    int line, driver_line;
    size_t clients[SDDF_TIMER_MAX_CLIENTS];
    int client_lines[SDDF_TIMER_MAX_CLIENTS];
    size_t num_clients;
} timer_spec;

static bool read_driver(sys_builder *b, const xmlNode *x, timer_spec *t)
{
    static const char *const attrs[] = {"name", "priority", "cpu", NULL};
    const xmlNode *d = NULL;
    t->driver_line = t->line;
    t->priority = 254;
    t->cpu = -1;
    for (const xmlNode *c = x->children; c != NULL; c = c->next) {
        if (!sys_is(c, "driver"))
            continue;
        if (d != NULL) {
            sys_error(b, sys_line(c), "more than one <driver> in <timer> (first at line %d)",
                      sys_line(d));
            return false;
        }
        d = c;
    }
    if (d != NULL) {
        uint64_t cpu = 0;
        int rc;
        t->driver_line = sys_line(d);
        if (!sys_check_attrs(b, d, attrs) || !sys_check_children(b, d, NULL) ||
            !sys_attr_priority(b, d, "priority", 254, &t->priority) ||
            (rc = sys_attr_u64(b, d, "cpu", false, &cpu)) < 0)
            return false;
        if (rc > 0 && cpu >= 1024) {
            sys_error(b, t->driver_line, "cpu %llu out of range (0..1023)",
                      (unsigned long long)cpu);
            return false;
        }
        t->cpu = rc > 0 ? (int)cpu : -1;
        t->driver_name = sys_attr(b, d, "name");
    }
    if (t->driver_name == NULL)
        t->driver_name = t->default_name = sys_xasprintf("%s_driver", t->name);
    if (!sys_valid_name(t->driver_name, false)) {
        sys_error(b, t->driver_line, "bad protection domain name '%s' (1..63 of A-Z a-z 0-9 _ . -)",
                  t->driver_name);
        return false;
    }
    return true;
}

static bool read_client(sys_builder *b, const xmlNode *c, timer_spec *t)
{
    static const char *const attrs[] = {"pd", NULL};
    int line = sys_line(c);
    if (!sys_check_attrs(b, c, attrs) || !sys_check_children(b, c, NULL))
        return false;
    const char *name = sys_attr_req(b, c, "pd");
    if (name == NULL)
        return false;
    size_t pd = sys_find_pd(b->sys, name);
    if (pd == SYS_NONE || pd >= b->num_declared_pds) {
        sys_error(b, line,
                  "timer client '%s' is not a protection domain declared in the description", name);
        return false;
    }
    for (size_t i = 0; i < b->num_timer_members; i++) {
        if (b->timer_members[i].pd == pd) {
            sys_error(b, line, "'%s' is already a client of timer '%s' (line %d)", name,
                      b->timer_members[i].cls, b->timer_members[i].line);
            return false;
        }
    }
    if (t->num_clients >= SDDF_TIMER_MAX_CLIENTS) {
        sys_error(b, line, "timer '%s' has too many clients (at most %u)", t->name,
                  SDDF_TIMER_MAX_CLIENTS);
        return false;
    }
    b->timer_members =
        sys_xrealloc(b->timer_members, b->num_timer_members + 1, sizeof(*b->timer_members));
    b->timer_members[b->num_timer_members++] = (sys_member){pd, t->name, line};
    t->client_lines[t->num_clients] = line;
    t->clients[t->num_clients++] = pd;
    return true;
}

static bool read_timer(sys_builder *b, const xmlNode *x, timer_spec *t)
{
    static const char *const attrs[] = {"name", "driver", NULL};
    static const char *const children[] = {"driver", "client", NULL};
    t->line = sys_line(x);
    if (!sys_check_attrs(b, x, attrs) || !sys_check_children(b, x, children))
        return false;
    t->name = sys_attr_req(b, x, "name");
    const char *driver = sys_attr_req(b, x, "driver");
    if (t->name == NULL || driver == NULL)
        return false;
    if (!sys_valid_name(t->name, false)) {
        sys_error(b, t->line, "bad timer name '%s' (1..63 of A-Z a-z 0-9 _ . -)", t->name);
        return false;
    }
    if (!sys_claim_class_name(b, t->name, t->line))
        return false;
    if (strcmp(driver, "timerfd") != 0) {
        sys_error(b, t->line, "unknown timer driver '%s' (known: timerfd)", driver);
        return false;
    }
    if (!read_driver(b, x, t))
        return false;
    bool ok = true;
    for (const xmlNode *c = x->children; c != NULL; c = c->next)
        if (sys_is(c, "client"))
            ok &= read_client(b, c, t);
    return ok;
}

static void expand(sys_builder *b, const timer_spec *t)
{
    char *origin = sys_xasprintf("timer \"%s\" (line %d)", t->name, t->line);
    size_t drv =
        sys_add_pd(b, t->driver_name, "timer_driver_timerfd", t->priority, t->driver_line, origin);
    b->sys->pds[drv].passive = true; /* as sDDF's timer driver: it runs on its callers' time */
    b->sys->pds[drv].cpu = t->cpu;
    timer_driver_config_t dc = {0};
    sys_config_header(&dc, SDDF_CLASS_TIMER, TIMER_ROLE_DRIVER, sizeof(dc));
    unsigned irq;
    bool ok = sys_add_irq_generated(b, drv, SYS_IRQ_TIMERFD, 0, t->driver_line, &irq);
    dc.irq_id = (uint8_t)irq;
    for (size_t i = 0; ok && i < t->num_clients; i++) {
        unsigned client_id, driver_id;
        ok = sys_connect(b, t->clients[i], drv, true, true, t->client_lines[i], origin, &client_id,
                         &driver_id);
        if (!ok)
            break;
        /* The client end may call (pp) but not notify. */
        b->sys->channels[b->sys->num_channels - 1].end[0].notify = false;
        dc.client_ids[dc.num_clients++] = (uint8_t)driver_id;
        timer_client_config_t cc = {0};
        sys_config_header(&cc, SDDF_CLASS_TIMER, TIMER_ROLE_CLIENT, sizeof(cc));
        cc.driver_id = (uint8_t)client_id;
        sys_config_append(b->sys, t->clients[i], &cc, sizeof(cc));
    }
    if (ok)
        sys_config_append(b->sys, drv, &dc, sizeof(dc));
    free(origin);
}

void sys_expand_timer(sys_builder *b, const xmlNode *x)
{
    timer_spec t = {0};
    unsigned before = b->errors;
    if (read_timer(b, x, &t) && b->errors == before)
        expand(b, &t);
    free(t.default_name);
}
