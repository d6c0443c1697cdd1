/*
 * tools/system_xml.c - sys_load(): read a system description with libxml2
 * and run the loader's phases (see system_internal.h); attribute access
 * helpers with FILE:LINE reporting.
 *
 * The parser never touches the network (XML_PARSE_NONET), never loads an
 * external DTD and never substitutes entities: a description is a plain
 * file. The vocabulary is documented in docs/system-description.md.
 */
#include <libgen.h>
#include <libxml/parser.h>
#include <libxml/xmlerror.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "system_internal.h"

/** Largest description we read (a sanity bound, far above any real system). */
#define SYS_MAX_FILE_BYTES (16u << 20)

int sys_line(const xmlNode *n)
{
    long l = xmlGetLineNo(n);
    return l > 0 && l < INT32_MAX ? (int)l : 0;
}

bool sys_is(const xmlNode *n, const char *name)
{
    return n->type == XML_ELEMENT_NODE && xmlStrcmp(n->name, BAD_CAST name) == 0;
}

static bool in_list(const xmlChar *name, const char *const *list)
{
    for (; list != NULL && *list != NULL; list++)
        if (xmlStrcmp(name, BAD_CAST * list) == 0)
            return true;
    return false;
}

bool sys_check_attrs(sys_builder *b, const xmlNode *n, const char *const *allowed)
{
    bool ok = true;
    for (const xmlAttr *a = n->properties; a != NULL; a = a->next) {
        if (a->ns != NULL || !in_list(a->name, allowed)) {
            sys_error(b, sys_line(n), "unknown attribute '%s' on <%s>", (const char *)a->name,
                      (const char *)n->name);
            ok = false;
        }
    }
    return ok;
}

static bool blank(const xmlChar *s)
{
    for (; s != NULL && *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

bool sys_check_children(sys_builder *b, const xmlNode *n, const char *const *allowed)
{
    bool ok = true;
    for (const xmlNode *c = n->children; c != NULL; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && !in_list(c->name, allowed)) {
            sys_error(b, sys_line(c), "unknown element <%s> in <%s>", (const char *)c->name,
                      (const char *)n->name);
            ok = false;
        } else if ((c->type == XML_TEXT_NODE || c->type == XML_CDATA_SECTION_NODE) &&
                   !blank(c->content)) {
            sys_error(b, sys_line(c), "unexpected text in <%s>", (const char *)n->name);
            ok = false;
        } else if (c->type == XML_ENTITY_REF_NODE) {
            sys_error(b, sys_line(n), "entity references are not supported (in <%s>)",
                      (const char *)n->name);
            ok = false;
        }
    }
    return ok;
}

const char *sys_attr(sys_builder *b, const xmlNode *n, const char *name)
{
    xmlChar *v = xmlGetNoNsProp(n, BAD_CAST name);
    if (v == NULL)
        return NULL;
    b->strings = sys_xrealloc(b->strings, b->num_strings + 1, sizeof(*b->strings));
    b->strings[b->num_strings++] = v;
    return (const char *)v;
}

const char *sys_attr_req(sys_builder *b, const xmlNode *n, const char *name)
{
    const char *v = sys_attr(b, n, name);
    if (v == NULL)
        sys_error(b, sys_line(n), "<%s> needs a '%s' attribute", (const char *)n->name, name);
    return v;
}

int sys_attr_u64(sys_builder *b, const xmlNode *n, const char *name, bool required, uint64_t *out)
{
    const char *v = required ? sys_attr_req(b, n, name) : sys_attr(b, n, name);
    if (v == NULL)
        return required ? -1 : 0;
    if (!sys_parse_u64(v, out)) {
        sys_error(b, sys_line(n), "bad number '%s' for '%s' (decimal or 0x hex)", v, name);
        return -1;
    }
    return 1;
}

int sys_attr_bool(sys_builder *b, const xmlNode *n, const char *name, bool *out)
{
    const char *v = sys_attr(b, n, name);
    if (v == NULL)
        return 0;
    if (!sys_parse_bool(v, out)) {
        sys_error(b, sys_line(n), "bad value '%s' for '%s' (true or false)", v, name);
        return -1;
    }
    return 1;
}

bool sys_attr_priority(sys_builder *b, const xmlNode *n, const char *name, unsigned dflt,
                       unsigned *out)
{
    uint64_t v = dflt;
    int r = sys_attr_u64(b, n, name, false, &v);
    if (r < 0)
        return false;
    if (v > 254) {
        sys_error(b, sys_line(n), "priority %llu out of range (0..254)", (unsigned long long)v);
        return false;
    }
    *out = (unsigned)v;
    return true;
}

bool sys_claim_class_name(sys_builder *b, const char *name, int line)
{
    for (size_t i = 0; i < b->num_classes; i++) {
        if (strcmp(b->classes[i].name, name) == 0) {
            sys_error(b, line, "duplicate class instance name '%s' (first at line %d)", name,
                      b->classes[i].line);
            return false;
        }
    }
    b->classes = sys_xrealloc(b->classes, b->num_classes + 1, sizeof(*b->classes));
    b->classes[b->num_classes++] = (sys_class_name){name, line};
    return true;
}

/* libxml2 reports parse errors here (per parser context, no global handler). */
#if LIBXML_VERSION >= 21200
static void xml_error(void *user, const xmlError *e)
#else
static void xml_error(void *user, xmlErrorPtr e)
#endif
{
    xmlParserCtxtPtr ctxt = user;
    sys_builder *b = ctxt->_private;
    if (e == NULL || e->level < XML_ERR_ERROR)
        return;
    char msg[256];
    snprintf(msg, sizeof(msg), "%s", e->message ? e->message : "malformed");
    size_t n = strlen(msg);
    while (n > 0 && (msg[n - 1] == '\n' || msg[n - 1] == ' '))
        msg[--n] = '\0';
    sys_error(b, e->line, "XML error: %s", msg);
}

/* Read the whole file; reports and returns NULL on failure. */
static char *read_file(sys_builder *b, size_t *len)
{
    FILE *f = fopen(b->file, "rb");
    struct stat st;
    if (f == NULL) {
        fprintf(b->err, "%s: cannot open: %m\n", b->file);
        b->errors++;
        return NULL;
    }
    if (fstat(fileno(f), &st) == 0 && S_ISDIR(st.st_mode)) {
        fprintf(b->err, "%s: is a directory (a system description is a file)\n", b->file);
        b->errors++;
        fclose(f);
        return NULL;
    }
    char *buf = NULL;
    size_t n = 0;
    for (;;) {
        buf = sys_xrealloc(buf, n + 65536, 1);
        size_t got = fread(buf + n, 1, 65536, f);
        n += got;
        if (got < 65536 || n > SYS_MAX_FILE_BYTES)
            break;
    }
    bool bad = ferror(f) || n > SYS_MAX_FILE_BYTES;
    fclose(f);
    if (bad) {
        fprintf(b->err, "%s: cannot read (or larger than %u bytes)\n", b->file, SYS_MAX_FILE_BYTES);
        b->errors++;
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static xmlDocPtr parse(sys_builder *b)
{
    size_t len;
    char *text = read_file(b, &len);
    if (text == NULL)
        return NULL;
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (ctxt == NULL) {
        fputs("sddf: out of memory\n", stderr);
        abort();
    }
    ctxt->_private = b;
    ctxt->sax->serror = xml_error;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, text, (int)len, b->file, NULL,
                                      XML_PARSE_NONET | XML_PARSE_BIG_LINES | XML_PARSE_NOERROR |
                                          XML_PARSE_NOWARNING | XML_PARSE_NOCDATA);
    if (doc != NULL && !ctxt->wellFormed && b->errors == 0)
        sys_error(b, 0, "XML error: not well-formed");
    if (doc == NULL && b->errors == 0)
        sys_error(b, 0, "XML error: cannot parse");
    /* A description is plain XML: no DTD, so no entity definitions to expand. */
    if (doc != NULL && b->errors == 0 && doc->intSubset != NULL) {
        /* libxml2 keeps no line for the DTD node: find it in the text */
        const char *at = strstr(text, "<!DOCTYPE");
        int line = 1;
        for (const char *p = text; at != NULL && p < at; p++)
            line += *p == '\n';
        sys_error(b, line, "a <!DOCTYPE> is not supported");
    }
    xmlFreeParserCtxt(ctxt);
    free(text);
    if (doc != NULL && b->errors != 0) {
        xmlFreeDoc(doc);
        doc = NULL;
    }
    return doc;
}

static void expand_classes(sys_builder *b, const xmlNode *root)
{
    for (const xmlNode *c = root->children; c != NULL; c = c->next) {
        if (sys_is(c, "net"))
            sys_expand_net(b, c);
        else if (sys_is(c, "timer"))
            sys_expand_timer(b, c);
        else if (sys_is(c, "serial"))
            sys_expand_serial(b, c);
        else if (sys_is(c, "blk"))
            sys_expand_blk(b, c);
    }
}

static void builder_release(sys_builder *b)
{
    for (size_t i = 0; i < b->num_strings; i++)
        xmlFree(b->strings[i]);
    free(b->strings);
    free(b->net_members);
    free(b->timer_members);
    free(b->serial_members);
    free(b->blk_members);
    free(b->classes);
    free(b->dir);
}

int sys_load(const char *path, const char *program_dir, sys_system *out, FILE *err)
{
    static const char *const top[] = {"memory_region",
                                      "protection_domain",
                                      "channel",
                                      "host_tap",
                                      "net",
                                      "timer",
                                      "serial",
                                      "blk",
                                      NULL};
    sys_system sys = {0};
    char *dircopy = sys_xstrdup(path);
    sys_builder b = {
        .sys = &sys,
        .err = err,
        .file = path,
        .dir = sys_xstrdup(dirname(dircopy)),
        .program_dir = program_dir,
        .next_io = SYS_IO_BASE,
    };
    free(dircopy);
    sys.file = sys_xstrdup(path);

    xmlInitParser();
    xmlDocPtr doc = parse(&b);
    if (doc != NULL) {
        const xmlNode *root = xmlDocGetRootElement(doc);
        if (root == NULL) {
            sys_error(&b, 1, "the description is empty");
        } else if (!sys_is(root, "system")) {
            sys_error(&b, sys_line(root), "the root element must be <system>, not <%s>",
                      (const char *)root->name);
        } else {
            static const char *const none[] = {NULL};
            sys_check_attrs(&b, root, none);
            sys_check_children(&b, root, top);
            sys_read_microkit(&b, root);
            b.num_declared_pds = sys.num_pds;
            /* Synthetic IO ranges go above any declared io_addr. */
            for (size_t i = 0; i < sys.num_regions; i++)
                if (sys.regions[i].io_addr != 0 &&
                    sys.regions[i].io_addr + sys.regions[i].size + SYS_IO_ALIGN > b.next_io)
                    b.next_io = sys.regions[i].io_addr + sys.regions[i].size + SYS_IO_ALIGN;
            expand_classes(&b, root);
            if (sys.num_pds == 0 && b.errors == 0)
                sys_error(&b, sys_line(root), "the system has no protection domain");
            /* Model checks only on a model built without errors: a broken
             * element would otherwise be reported a second time. */
            if (b.errors == 0)
                sys_check_model(&b);
        }
        xmlFreeDoc(doc);
    }
    int rc = b.errors == 0 ? 0 : -1;
    builder_release(&b);
    if (rc != 0) {
        sys_free(&sys);
        memset(out, 0, sizeof(*out));
        return -1;
    }
    *out = sys;
    return 0;
}
