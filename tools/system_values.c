/*
 * tools/system_values.c - parsing attribute values of a system description:
 * numbers, booleans, MAC and IPv4 addresses, names.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <sddf/os.h>

#include "system_internal.h"

bool sys_parse_u64(const char *s, uint64_t *out)
{
    /* strtoull alone would accept signs, spaces and octal: be strict. */
    int base = 10;
    const char *digits = s;
    if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
        base = 16;
        digits = s + 2;
    }
    if (*digits == '\0')
        return false;
    for (const char *p = digits; *p; p++)
        if (base == 16 ? !isxdigit((unsigned char)*p) : !isdigit((unsigned char)*p))
            return false;
    errno = 0;
    char *end;
    unsigned long long v = strtoull(digits, &end, base);
    if (errno != 0 || *end != '\0')
        return false;
    *out = v;
    return true;
}

bool sys_parse_bool(const char *s, bool *out)
{
    if (strcmp(s, "true") == 0) {
        *out = true;
        return true;
    }
    if (strcmp(s, "false") == 0) {
        *out = false;
        return true;
    }
    return false;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    c = (char)tolower((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1;
}

bool sys_parse_mac(const char *s, uint8_t mac[6])
{
    if (strlen(s) != 17)
        return false;
    for (size_t i = 0; i < 6; i++) {
        int hi = hexval(s[3 * i]);
        int lo = hexval(s[3 * i + 1]);
        if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
            return false;
        mac[i] = (uint8_t)(hi << 4 | lo);
    }
    return true;
}

bool sys_parse_ipv4(const char *s, uint32_t *be)
{
    struct in_addr a;
    /* inet_pton accepts only the strict dotted-quad form. */
    if (inet_pton(AF_INET, s, &a) != 1)
        return false;
    *be = a.s_addr;
    return true;
}

bool sys_parse_ipv4_prefix(const char *s, uint32_t *be, uint8_t *prefix)
{
    const char *slash = strchr(s, '/');
    if (slash == NULL || slash - s >= 16)
        return false;
    char addr[16];
    memcpy(addr, s, (size_t)(slash - s));
    addr[slash - s] = '\0';
    uint64_t p;
    if (!sys_parse_ipv4(addr, be) || !sys_parse_u64(slash + 1, &p) || p > 32 ||
        strncmp(slash + 1, "0x", 2) == 0)
        return false;
    *prefix = (uint8_t)p;
    return true;
}

uint32_t sys_prefix_mask(uint8_t prefix)
{
    uint32_t host = prefix == 0 ? 0 : ~0u << (32 - prefix);
    return htonl(host);
}

const char *sys_ipv4_unusable(uint32_t be, uint8_t prefix)
{
    uint32_t a = ntohl(be), host = prefix >= 32 ? 0 : ~0u >> prefix;
    if (a == 0)
        return "the unspecified address 0.0.0.0";
    if (a == 0xffffffffu)
        return "the limited broadcast address 255.255.255.255";
    if (prefix == 0)
        return "a /0 prefix (no subnet)";
    /* /31 (RFC 3021) and /32 have no network or broadcast address. */
    if (prefix <= 30 && (a & host) == 0)
        return "the network address of its subnet";
    if (prefix <= 30 && (a & host) == host)
        return "the broadcast address of its subnet";
    return NULL;
}

bool sys_valid_name(const char *s, bool allow_slash)
{
    size_t n = strlen(s);
    if (n == 0 || n >= SDDF_NAME_LENGTH)
        return false;
    for (const char *p = s; *p; p++) {
        if (isalnum((unsigned char)*p) || *p == '_' || *p == '.' || *p == '-')
            continue;
        if (allow_slash && *p == '/')
            continue;
        return false;
    }
    return true;
}

bool sys_valid_ifname(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 15 || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return false;
    for (const char *p = s; *p; p++)
        if (*p == '/' || *p == ':' || isspace((unsigned char)*p) || !isprint((unsigned char)*p))
            return false;
    return true;
}

void sys_format_mac(const uint8_t mac[6], char buf[18])
{
    snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", mac[0], mac[1], mac[2], mac[3], mac[4],
             mac[5]);
}
