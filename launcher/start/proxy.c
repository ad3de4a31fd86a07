/* SPDX-License-Identifier: Apache-2.0 */
#include "proxy.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/ascii.h"
#include "platform.h"

/* The lowered scheme and host of url ("https", "updates.example"), brackets
 * of an IPv6 address dropped. 0 when url has no "scheme://host". */
static int split_url(const char *url, char *scheme, size_t scheme_size, char *host, size_t host_size)
{
    const char *sep = strstr(url, "://"), *authority, *end, *at, *h, *h_end;
    size_t n, i;

    if (!sep || sep == url || (size_t)(sep - url) >= scheme_size)
        return 0;
    for (i = 0; url + i < sep; i++)
        scheme[i] = (char)tolower((unsigned char)url[i]);
    scheme[i] = '\0';
    authority = sep + 3;
    end = authority + strcspn(authority, "/?#");
    for (at = NULL, h = authority; h < end; h++) { /* the last '@': a password may hold one */
        if (*h == '@')
            at = h;
    }
    h = at ? at + 1 : authority;
    if (*h == '[') {
        h++;
        h_end = memchr(h, ']', (size_t)(end - h));
        if (!h_end)
            return 0;
    } else {
        h_end = memchr(h, ':', (size_t)(end - h));
        if (!h_end)
            h_end = end;
    }
    n = (size_t)(h_end - h);
    if (n == 0 || n >= host_size)
        return 0;
    for (i = 0; i < n; i++)
        host[i] = (char)tolower((unsigned char)h[i]);
    host[n] = '\0';
    return 1;
}

/* The next entry of a list whose separators are seps: *list moves past it;
 * 0 at the end. */
static int next_entry(const char **list, const char *seps, const char **entry, size_t *len)
{
    const char *p = *list + strspn(*list, seps);
    if (!*p)
        return 0;
    *entry = p;
    *len = strcspn(p, seps);
    *list = p + *len;
    return 1;
}

static int same_text(const char *a, size_t a_len, const char *b, size_t b_len)
{
    return a_len == b_len && bl_ascii_equal_nocase(a, b, a_len);
}

/* A dotted IPv4 address ("10.1.2.3") as a number; 0 if text is not one. */
static int parse_ipv4(const char *text, size_t len, unsigned long *out)
{
    unsigned long value = 0;
    size_t i = 0;
    int part;
    for (part = 0; part < 4; part++) {
        unsigned long byte = 0;
        size_t digits = 0;
        if (part > 0) {
            if (i >= len || text[i] != '.')
                return 0;
            i++;
        }
        while (i < len && isdigit((unsigned char)text[i]) && digits < 3) {
            byte = byte * 10 + (unsigned long)(text[i++] - '0');
            digits++;
        }
        if (digits == 0 || byte > 255)
            return 0;
        value = value << 8 | byte;
    }
    if (i != len)
        return 0;
    *out = value;
    return 1;
}

/* "10.0.0.0/8" against an IPv4 host, as curl 7.86 and later read it. */
static int cidr_matches(const char *entry, size_t len, const char *host)
{
    const char *slash = memchr(entry, '/', len);
    unsigned long net, addr, bits = 0, mask;
    size_t i;
    if (!slash || !parse_ipv4(entry, (size_t)(slash - entry), &net) || !parse_ipv4(host, strlen(host), &addr))
        return 0;
    for (i = (size_t)(slash - entry) + 1; i < len; i++) {
        if (!isdigit((unsigned char)entry[i]) || (bits = bits * 10 + (unsigned long)(entry[i] - '0')) > 32)
            return 0;
    }
    if (i == (size_t)(slash - entry) + 1)
        return 0;
    mask = bits == 0 ? 0 : (0xFFFFFFFFul << (32 - bits)) & 0xFFFFFFFFul;
    return (net & mask) == (addr & mask);
}

int bl_proxy_no_proxy_matches(const char *list, const char *host)
{
    const char *entry;
    size_t len, host_len = strlen(host);

    if (!list || !*host)
        return 0;
    while (next_entry(&list, ", \t", &entry, &len)) {
        const char *colon;
        if (len == 1 && entry[0] == '*')
            return 1;
        if (cidr_matches(entry, len, host))
            return 1;
        if (entry[0] == '[') { /* [::1] */
            const char *close = memchr(entry, ']', len);
            if (close && same_text(entry + 1, (size_t)(close - entry - 1), host, host_len))
                return 1;
            continue;
        }
        if ((colon = memchr(entry, ':', len)) && !memchr(colon + 1, ':', len - (size_t)(colon - entry) - 1))
            len = (size_t)(colon - entry); /* "name:port": the port is not compared */
        if (len && entry[0] == '.') {
            entry++;
            len--;
        }
        if (len == 0)
            continue;
        if (same_text(entry, len, host, host_len) ||
            (host_len > len && host[host_len - len - 1] == '.' && same_text(entry, len, host + host_len - len, len)))
            return 1;
    }
    return 0;
}

/* pattern[0..len) with '*' for any run of characters against text, case ignored. */
static int glob_matches(const char *pattern, size_t len, const char *text)
{
    if (len == 0)
        return *text == '\0';
    if (*pattern == '*') {
        for (;; text++) {
            if (glob_matches(pattern + 1, len - 1, text))
                return 1;
            if (!*text)
                return 0;
        }
    }
    return *text && tolower((unsigned char)*pattern) == tolower((unsigned char)*text) &&
           glob_matches(pattern + 1, len - 1, text + 1);
}

int bl_proxy_bypass_matches(const char *list, const char *host)
{
    const char *entry;
    size_t len;

    if (!list || !*host)
        return 0;
    while (next_entry(&list, "; \t,", &entry, &len)) {
        const char *sep;
        if (same_text(entry, len, "<local>", 7)) {
            if (!strchr(host, '.') && !strchr(host, ':'))
                return 1;
            continue;
        }
        if ((sep = memchr(entry, ':', len)) && len - (size_t)(sep - entry) > 3 && sep[1] == '/' && sep[2] == '/') {
            len -= (size_t)(sep + 3 - entry); /* "http://" before a pattern: the scheme is not compared */
            entry = sep + 3;
        }
        if ((sep = memchr(entry, ':', len)) != NULL)
            len = (size_t)(sep - entry); /* nor a port */
        if (len && glob_matches(entry, len, host))
            return 1;
    }
    return 0;
}

void bl_proxy_pick_from_list(const char *list, const char *scheme, char *out, size_t size)
{
    const char *entry, *untyped = NULL;
    size_t len, untyped_len = 0, scheme_len = strlen(scheme);

    out[0] = '\0';
    if (!list)
        return;
    while (next_entry(&list, "; \t", &entry, &len)) {
        const char *eq = memchr(entry, '=', len);
        if (!eq) {
            if (!untyped) {
                untyped = entry;
                untyped_len = len;
            }
            continue;
        }
        if (same_text(entry, (size_t)(eq - entry), scheme, scheme_len) && eq + 1 < entry + len) {
            untyped = eq + 1;
            untyped_len = len - (size_t)(eq + 1 - entry);
            break;
        }
    }
    if (untyped && untyped_len < size)
        snprintf(out, size, "%.*s", (int)untyped_len, untyped);
}

int bl_proxy_redact(const char *proxy_url, char *out, size_t size)
{
    const char *sep = strstr(proxy_url, "://");
    const char *authority = sep ? sep + 3 : proxy_url, *end, *at = NULL, *p;

    end = authority + strcspn(authority, "/?#");
    for (p = authority; p < end; p++) {
        if (*p == '@')
            at = p;
    }
    if (!at) {
        snprintf(out, size, "%s", proxy_url);
        return 0;
    }
    snprintf(out, size, "%.*s%s", (int)(authority - proxy_url), proxy_url, at + 1);
    return 1;
}

int bl_proxy_valid(const char *text)
{
    static const char *const schemes[] = {"http", "https", "socks4", "socks4a", "socks5", "socks5h"};
    char scheme[16], host[256], with_scheme[1100];
    const char *sep = strstr(text, "://");
    size_t i;

    if (!*text)
        return 1;
    if (strlen(text) >= sizeof with_scheme - 8 || strpbrk(text, " \t\r\n"))
        return 0;
    snprintf(with_scheme, sizeof with_scheme, "%s%s", sep ? "" : "http://", text);
    if (!split_url(with_scheme, scheme, sizeof scheme, host, sizeof host))
        return 0;
    for (i = 0; i < sizeof schemes / sizeof schemes[0]; i++) {
        if (strcmp(scheme, schemes[i]) == 0)
            return 1;
    }
    return 0;
}

/* Fills out with a proxy: url as given, the rest derived from it. */
static void use_proxy(bl_proxy_choice *out, int origin, const char *url, const char *source)
{
    char scheme[16] = "http", shown[1024];
    const char *sep = strstr(url, "://"), *authority, *end, *at = NULL, *p, *last_colon = NULL, *close;

    out->origin = origin;
    snprintf(out->url, sizeof out->url, "%s", url);
    out->has_credentials = bl_proxy_redact(url, shown, sizeof shown);
    snprintf(out->shown, sizeof out->shown, "%s", shown);
    snprintf(out->source, sizeof out->source, "%s", source);
    /* host:port, the port libcurl's default when none is written */
    authority = sep ? sep + 3 : url;
    end = authority + strcspn(authority, "/?#");
    for (p = authority; p < end; p++) {
        if (*p == '@')
            at = p;
    }
    if (at)
        authority = at + 1;
    if (sep && (size_t)(sep - url) < sizeof scheme)
        snprintf(scheme, sizeof scheme, "%.*s", (int)(sep - url), url);
    close = memchr(authority, ']', (size_t)(end - authority));
    for (p = close ? close : authority; p < end; p++) {
        if (*p == ':')
            last_colon = p;
    }
    if (last_colon)
        snprintf(out->host_port, sizeof out->host_port, "%.*s", (int)(end - authority), authority);
    else
        snprintf(out->host_port, sizeof out->host_port, "%.*s:%s", (int)(end - authority), authority,
                 strcmp(scheme, "https") == 0 ? "443" : "1080");
}

static void use_none(bl_proxy_choice *out, int origin, const char *source)
{
    memset(out, 0, sizeof *out);
    out->origin = origin;
    snprintf(out->source, sizeof out->source, "%s", source);
}

static const char *config_label(const bl_config *cfg, int key)
{
    return cfg->source[key] == BL_SOURCE_POLICY ? "machine policy" : "launcher.json";
}

static const char *first_set(const bl_proxy_inputs *in, const char *const *names, const char **which)
{
    size_t i;
    for (i = 0; names[i]; i++) {
        const char *value = in->getenv(in->getenv_ctx, names[i]);
        if (value && *value) {
            *which = names[i];
            return value;
        }
    }
    return NULL;
}

/* Step 3: the environment. 1 when it decided. */
static int choose_from_env(const bl_proxy_inputs *in, const char *scheme, const char *host, bl_proxy_choice *out)
{
    static const char *const no_proxy[] = {"no_proxy", "NO_PROXY", NULL};
    static const char *const http[] = {"http_proxy", "all_proxy", "ALL_PROXY", NULL};
    static const char *const https[] = {"https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY", NULL};
    const char *which = NULL, *value;
    char source[160];

    if (!in->getenv)
        return 0;
    value = first_set(in, no_proxy, &which);
    if (value && bl_proxy_no_proxy_matches(value, host)) {
        snprintf(source, sizeof source, "environment %s", which);
        use_none(out, BL_PROXY_ENV, source);
        return 1;
    }
    value = first_set(in, strcmp(scheme, "https") == 0 ? https : http, &which);
    if (!value)
        return 0;
    snprintf(source, sizeof source, "environment %s", which);
    use_proxy(out, BL_PROXY_ENV, value, source);
    return 1;
}

/* Step 4: the system. 1 when it decided. */
static int choose_from_system(const bl_proxy_inputs *in, const char *url, const char *scheme, const char *host,
                              bl_proxy_choice *out)
{
    char list[1024] = "", bypass[1024] = "", how[100] = "", picked[1024], source[160];
    if (!in->system || in->system(in->system_ctx, url, list, sizeof list, bypass, sizeof bypass, how, sizeof how) != 0)
        return 0;
    bl_proxy_pick_from_list(list, scheme, picked, sizeof picked);
    if (!picked[0])
        return 0;
    if (bl_proxy_bypass_matches(bypass, host)) {
        snprintf(source, sizeof source, "system bypass list (%s)", how);
        use_none(out, BL_PROXY_SYSTEM, source);
        return 1;
    }
    snprintf(source, sizeof source, "system (%s)", how);
    use_proxy(out, BL_PROXY_SYSTEM, picked, source);
    return 1;
}

void bl_proxy_choose(const bl_proxy_inputs *in, const char *url, bl_proxy_choice *out)
{
    const bl_config *cfg = in->cfg;
    char scheme[16], host[256], source[160];

    use_none(out, BL_PROXY_NONE, "nothing sets one");
    if (!split_url(url, scheme, sizeof scheme, host, sizeof host) ||
        (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0))
        return;
    if (cfg && cfg->no_proxy[0] && bl_proxy_no_proxy_matches(cfg->no_proxy, host)) {
        snprintf(source, sizeof source, "%s no_proxy", config_label(cfg, BL_CFG_NO_PROXY));
        use_none(out, BL_PROXY_CONFIG, source);
        return;
    }
    if (cfg && cfg->proxy[0]) {
        snprintf(source, sizeof source, "%s proxy", config_label(cfg, BL_CFG_PROXY));
        use_proxy(out, BL_PROXY_CONFIG, cfg->proxy, source);
        return;
    }
    if (choose_from_env(in, scheme, host, out))
        return;
    choose_from_system(in, url, scheme, host, out);
}

static const char *process_getenv(void *ctx, const char *name)
{
    (void)ctx;
    return getenv(name);
}

static int process_system(void *ctx, const char *url, char *proxy, size_t proxy_size, char *bypass,
                          size_t bypass_size, char *how, size_t how_size)
{
    bl_error err;
    (void)ctx;
    return bl_plat_system_proxy(url, proxy, proxy_size, bypass, bypass_size, how, how_size, &err);
}

void bl_proxy_inputs_of_process(bl_proxy_inputs *in, const bl_config *cfg)
{
    memset(in, 0, sizeof *in);
    in->cfg = cfg;
    in->getenv = process_getenv;
    in->system = process_system;
}
