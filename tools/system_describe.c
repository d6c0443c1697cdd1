/*
 * tools/system_describe.c - sys_describe(): print an expanded system in the
 * low-level vocabulary (Microkit elements, host form; see
 * docs/system-description.md). The output is itself a valid description
 * that sys_load accepts and that runs exactly like the original: each PD's
 * configuration records are carried as <config class role data="hex"/>
 * elements, byte for byte. Generated entities carry a comment naming the
 * class element they came from; each record is also decoded into a comment.
 */
#include <arpa/inet.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <sddf/net/config.h>
#include <sddf/net/lwip_config.h>
#include <sddf/timer/config.h>

#include "system_internal.h"

/* An attribute value with XML's special characters escaped. */
static void put_attr(FILE *out, const char *name, const char *value)
{
    fprintf(out, " %s=\"", name);
    for (const char *p = value; *p; p++) {
        switch (*p) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        default:
            fputc(*p, out);
        }
    }
    fputc('"', out);
}

/* A comment: "--" may not appear inside one, nor '-' at its end. */
static void put_comment(FILE *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void put_comment(FILE *out, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    fputs("<!-- ", out);
    char prev = ' ';
    for (const char *p = buf; *p; p++) {
        if (*p == '-' && prev == '-')
            fputc(' ', out);
        fputc(*p, out);
        prev = *p;
    }
    fputs(prev == '-' ? "  -->" : " -->", out);
}

static const char *kind_name(enum sys_region_kind k)
{
    switch (k) {
    case SYS_REGION_QUEUE:
        return "queue";
    case SYS_REGION_DMA:
        return "rx DMA buffers";
    case SYS_REGION_METADATA:
        return "buffer metadata";
    case SYS_REGION_CLIENT_DATA:
        return "client data";
    default:
        return "region";
    }
}

static void put_hex(FILE *out, const char *name, uint64_t v)
{
    fprintf(out, " %s=\"0x%llx\"", name, (unsigned long long)v);
}

static const char *ip_str(uint32_t be, char buf[INET_ADDRSTRLEN])
{
    struct in_addr a = {be};
    return inet_ntop(AF_INET, &a, buf, INET_ADDRSTRLEN);
}

static void conn_line(FILE *out, const char *what, const net_connection_resource_t *c)
{
    fprintf(out, "\n         %s: channel %u, %u buffers, free queue 0x%llx, active queue 0x%llx",
            what, c->id, c->num_buffers, (unsigned long long)c->free_queue.vaddr,
            (unsigned long long)c->active_queue.vaddr);
}

static void mac_str(const uint8_t *m, char buf[18])
{
    sys_format_mac(m, buf);
}

/* Decode one record into a comment; @rec is aligned copy of @size bytes. */
static void describe_record(FILE *out, const sddf_config_header_t *h, const void *rec)
{
    char mac[18], a[INET_ADDRSTRLEN], m[INET_ADDRSTRLEN], g[INET_ADDRSTRLEN];
    fprintf(out, "        <!-- config: class 0x%02x role %u, %u bytes, version %u", h->class_id,
            h->role, h->size, h->version);
    if (h->class_id == SDDF_CLASS_NET && h->role == NET_ROLE_DRIVER &&
        h->size == sizeof(net_driver_config_t)) {
        const net_driver_config_t *c = rec;
        fprintf(out, ": net driver, IRQ channel %u", c->irq_id);
        conn_line(out, "virt_rx", &c->virt_rx);
        conn_line(out, "virt_tx", &c->virt_tx);
        for (unsigned i = 0; i < c->num_io_regions && i < SDDF_NET_MAX_IO_REGIONS; i++)
            fprintf(out, "\n         io region %u: io 0x%llx at 0x%llx, 0x%llx bytes", i,
                    (unsigned long long)c->io_regions[i].io_addr,
                    (unsigned long long)c->io_regions[i].region.vaddr,
                    (unsigned long long)c->io_regions[i].region.size);
    } else if (h->class_id == SDDF_CLASS_NET && h->role == NET_ROLE_VIRT_RX &&
               h->size == sizeof(net_virt_rx_config_t)) {
        const net_virt_rx_config_t *c = rec;
        fprintf(out, ": net virt_rx, DMA region io 0x%llx at 0x%llx, metadata at 0x%llx",
                (unsigned long long)c->data.io_addr, (unsigned long long)c->data.region.vaddr,
                (unsigned long long)c->buffer_metadata.vaddr);
        conn_line(out, "driver", &c->driver);
        for (unsigned i = 0; i < c->num_clients && i < SDDF_NET_MAX_CLIENTS; i++) {
            mac_str(c->clients[i].mac_addr, mac);
            fprintf(out, "\n         client %u: MAC %s", i, mac);
            conn_line(out, "  queues", &c->clients[i].conn);
        }
    } else if (h->class_id == SDDF_CLASS_NET && h->role == NET_ROLE_VIRT_TX &&
               h->size == sizeof(net_virt_tx_config_t)) {
        const net_virt_tx_config_t *c = rec;
        fputs(": net virt_tx", out);
        conn_line(out, "driver", &c->driver);
        for (unsigned i = 0; i < c->num_clients && i < SDDF_NET_MAX_CLIENTS; i++) {
            fprintf(out, "\n         client %u: tx data io 0x%llx at 0x%llx", i,
                    (unsigned long long)c->clients[i].data.io_addr,
                    (unsigned long long)c->clients[i].data.region.vaddr);
            conn_line(out, "  queues", &c->clients[i].conn);
        }
    } else if (h->class_id == SDDF_CLASS_NET && h->role == NET_ROLE_COPY &&
               h->size == sizeof(net_copy_config_t)) {
        const net_copy_config_t *c = rec;
        fprintf(out, ": net copier, DMA region at 0x%llx, client rx data at 0x%llx",
                (unsigned long long)c->device_data.vaddr, (unsigned long long)c->client_data.vaddr);
        conn_line(out, "virt_rx", &c->virt_rx);
        conn_line(out, "client", &c->client);
    } else if (h->class_id == SDDF_CLASS_NET && h->role == NET_ROLE_CLIENT &&
               h->size == sizeof(net_client_config_t)) {
        const net_client_config_t *c = rec;
        mac_str(c->mac_addr, mac);
        fprintf(out, ": net client, MAC %s, rx data at 0x%llx, tx data at 0x%llx", mac,
                (unsigned long long)c->rx_data.vaddr, (unsigned long long)c->tx_data.vaddr);
        conn_line(out, "rx", &c->rx);
        conn_line(out, "tx", &c->tx);
    } else if (h->class_id == SDDF_CLASS_LWIP && h->size == sizeof(lib_sddf_lwip_config_t)) {
        const lib_sddf_lwip_config_t *c = rec;
        fprintf(out, ": lwIP, ip %s netmask %s gateway %s", ip_str(c->ip, a), ip_str(c->netmask, m),
                ip_str(c->gateway, g));
    } else if (h->class_id == SDDF_CLASS_TIMER && h->role == TIMER_ROLE_DRIVER &&
               h->size == sizeof(timer_driver_config_t)) {
        const timer_driver_config_t *c = rec;
        fprintf(out, ": timer driver, IRQ channel %u, client channels", c->irq_id);
        for (unsigned i = 0; i < c->num_clients && i < SDDF_TIMER_MAX_CLIENTS; i++)
            fprintf(out, " %u", c->client_ids[i]);
    } else if (h->class_id == SDDF_CLASS_TIMER && h->role == TIMER_ROLE_CLIENT &&
               h->size == sizeof(timer_client_config_t)) {
        const timer_client_config_t *c = rec;
        fprintf(out, ": timer client, driver channel %u", c->driver_id);
    }
    fputs(" -->\n", out);
}

static void describe_config(FILE *out, const sys_pd *pd)
{
    size_t off = 0;
    while (pd->config != NULL && off + sizeof(sddf_config_header_t) <= pd->config_size) {
        sddf_config_header_t h;
        memcpy(&h, pd->config + off, sizeof(h));
        if (memcmp(h.magic, SDDF_CONFIG_MAGIC, 4) != 0 || h.size < sizeof(h) ||
            h.size > pd->config_size - off) {
            fputs("        <!-- config: malformed record -->\n", out);
            return;
        }
        /* Copy out: the blob gives no alignment guarantee to a reader. */
        void *rec = sys_xrealloc(NULL, h.size, 1);
        memcpy(rec, pd->config + off, h.size);
        describe_record(out, &h, rec);
        free(rec);
        fprintf(out, "        <config class=\"0x%02x\" role=\"%u\" data=\"", h.class_id, h.role);
        for (uint32_t i = 0; i < h.size; i++)
            fprintf(out, "%02x", pd->config[off + i]);
        fputs("\"/>\n", out);
        off += h.size;
    }
}

static void perms_str(unsigned p, char buf[4])
{
    int n = 0;
    if (p & SYS_PERM_R)
        buf[n++] = 'r';
    if (p & SYS_PERM_W)
        buf[n++] = 'w';
    if (p & SYS_PERM_X)
        buf[n++] = 'x';
    buf[n] = '\0';
}

static void describe_pd(FILE *out, const sys_system *sys, const sys_pd *pd)
{
    if (pd->origin != NULL) {
        fputs("    ", out);
        put_comment(out, "generated from %s", pd->origin);
        fputc('\n', out);
    }
    fputs("    <protection_domain", out);
    put_attr(out, "name", pd->name);
    fprintf(out, " priority=\"%u\"", pd->priority);
    if (pd->passive)
        fputs(" passive=\"true\"", out);
    if (pd->cpu >= 0)
        fprintf(out, " cpu=\"%d\"", pd->cpu);
    fputs(">\n        <program_image", out);
    put_attr(out, "path", pd->program_path != NULL ? pd->program_path : pd->program);
    fputs("/>\n", out);
    for (size_t i = 0; i < pd->num_maps; i++) {
        const sys_map *m = &pd->maps[i];
        char perms[4];
        perms_str(m->perms, perms);
        fputs("        <map", out);
        put_attr(out, "mr", sys->regions[m->region].name);
        put_hex(out, "vaddr", m->vaddr);
        fprintf(out, " perms=\"%s\"%s/>", perms, m->cached ? "" : " cached=\"false\"");
        if (m->origin != NULL) {
            fputc(' ', out);
            put_comment(out, "generated from %s", m->origin);
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i < sys->num_devices; i++) {
        const sys_device *d = &sys->devices[i];
        if (d->pd != (size_t)(pd - sys->pds))
            continue;
        fprintf(out, "        <device id=\"%u\" kind=\"%s\"", d->id,
                d->kind == SYS_DEVICE_BLOCK ? "block" : "tty");
        if (d->path != NULL)
            put_attr(out, "path", d->path);
        if (d->kind == SYS_DEVICE_BLOCK)
            fprintf(out, " read_only=\"%s\"", d->read_only ? "true" : "false");
        fputs("/>", out);
        if (d->origin != NULL) {
            fputc(' ', out);
            put_comment(out, "generated from %s", d->origin);
        } else if (d->path == NULL) {
            fputc(' ', out);
            put_comment(out, "the terminal of sddf run: its stdin and stdout");
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i < pd->num_irqs; i++) {
        const sys_irq *q = &pd->irqs[i];
        fprintf(out, "        <irq id=\"%u\"", q->id);
        switch (q->kind) {
        case SYS_IRQ_TAP:
            fputs(" kind=\"tap\"", out);
            if (q->device < sys->num_taps)
                put_attr(out, "device", sys->taps[q->device].name);
            break;
        case SYS_IRQ_TIMERFD:
            fputs(" kind=\"timerfd\"", out);
            break;
        case SYS_IRQ_EVENTFD:
            fputs(" kind=\"eventfd\"", out);
            break;
        case SYS_IRQ_DEVICE_IN:
        case SYS_IRQ_DEVICE_OUT:
            fprintf(out, " kind=\"%s\"", q->kind == SYS_IRQ_DEVICE_IN ? "device_in" : "device_out");
            if (q->device < sys->num_devices)
                fprintf(out, " device=\"%u\"", sys->devices[q->device].id);
            break;
        }
        fputs("/>\n", out);
    }
    describe_config(out, pd);
    fputs("    </protection_domain>\n", out);
}

static void describe_end(FILE *out, const sys_system *sys, const sys_channel_end *e)
{
    fputs("        <end", out);
    put_attr(out, "pd", sys->pds[e->pd].name);
    fprintf(out, " id=\"%u\"%s%s/>\n", e->id, e->pp ? " pp=\"true\"" : "",
            e->notify ? "" : " notify=\"false\"");
}

int sys_describe(const sys_system *sys, FILE *out)
{
    char a[INET_ADDRSTRLEN];
    fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
    put_comment(out, "sddf describe: the expanded form of %s", sys->file ? sys->file : "?");
    fputs("\n<system>\n", out);
    for (size_t i = 0; i < sys->num_taps; i++) {
        const sys_tap *t = &sys->taps[i];
        fputs("    <host_tap", out);
        put_attr(out, "name", t->name);
        if (t->host_addr != 0)
            fprintf(out, " host_address=\"%s/%u\"", ip_str(t->host_addr, a), t->prefix_len);
        fprintf(out, " mtu=\"%u\"/>", t->mtu);
        if (t->origin != NULL) {
            fputc(' ', out);
            put_comment(out, "generated from %s", t->origin);
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i < sys->num_regions; i++) {
        const sys_region *r = &sys->regions[i];
        fputs("    <memory_region", out);
        put_attr(out, "name", r->name);
        put_hex(out, "size", r->size);
        put_hex(out, "page_size", r->page_size);
        if (r->io_addr != 0)
            put_hex(out, "io_addr", r->io_addr);
        fputs("/>", out);
        if (r->origin != NULL) {
            fputc(' ', out);
            if (r->client_private && r->client < sys->num_pds)
                put_comment(out, "generated from %s: %s, private to client '%s'", r->origin,
                            kind_name(r->kind), sys->pds[r->client].name);
            else
                put_comment(out, "generated from %s: %s", r->origin, kind_name(r->kind));
        }
        fputc('\n', out);
    }
    for (size_t i = 0; i < sys->num_pds; i++)
        describe_pd(out, sys, &sys->pds[i]);
    for (size_t i = 0; i < sys->num_channels; i++) {
        const sys_channel *c = &sys->channels[i];
        fputs("    <channel>", out);
        if (c->origin != NULL) {
            fputc(' ', out);
            put_comment(out, "generated from %s", c->origin);
        }
        fputc('\n', out);
        describe_end(out, sys, &c->end[0]);
        describe_end(out, sys, &c->end[1]);
        fputs("    </channel>\n", out);
    }
    fputs("</system>\n", out);
    return fflush(out) == 0 && !ferror(out) ? 0 : -1;
}
