/* SPDX-License-Identifier: Apache-2.0 */
/* Which proxy a request goes through (issue 29), decided here rather than
 * left to libcurl, so the launcher knows which one it used and where that
 * came from, to name it in a message, update.log, --print-config and
 * --status. Per URL, the first of:
 *   1. launcher.json's (or the machine policy's) no_proxy matching the host:
 *      no proxy;
 *   2. launcher.json's (or the policy's) proxy;
 *   3. the environment as libcurl reads it: no_proxy/NO_PROXY matching the
 *      host, no proxy; else http_proxy for http:// (lower case only, as curl:
 *      HTTP_PROXY is what a CGI request's "Proxy:" header becomes), or
 *      https_proxy/HTTPS_PROXY for https://, then all_proxy/ALL_PROXY;
 *   4. the system's (bl_plat_system_proxy: Windows' WinHTTP configuration
 *      for the user, auto-config script and auto-detection resolved for the
 *      URL; elsewhere none, the environment being the convention), with its
 *      bypass list;
 *   5. none.
 * file:// never goes through a proxy. The decision is pure: the variables
 * and the system's answer come in through callbacks, so tests give their
 * own. */
#ifndef BL_PROXY_H
#define BL_PROXY_H

#include <stddef.h>

#include "base/error.h"
#include "config.h"

enum bl_proxy_origin { BL_PROXY_NONE = 0, BL_PROXY_CONFIG, BL_PROXY_ENV, BL_PROXY_SYSTEM };

typedef struct {
    int origin;          /* enum bl_proxy_origin of the decision, also when it is "no proxy" */
    char url[1024];      /* for libcurl (CURLOPT_PROXY), credentials included; "" no proxy */
    char shown[1024];    /* url without its credentials, for messages and logs; "" no proxy */
    char host_port[300]; /* "proxy.corp:3128", naming the proxy in messages */
    int has_credentials; /* url holds user:password@ */
    char source[160];    /* where it came from: "launcher.json proxy", "environment https_proxy",
                          * "system (Internet Options)", "launcher.json no_proxy", "none" */
} bl_proxy_choice;

/* The system's proxy for a URL in WinHTTP's terms: proxy a list such as
 * "proxy:3128" or "http=a:80;https=b:443" ("" none), bypass its bypass
 * list ("*.corp;<local>"), how a few words on where it was found. */
typedef int (*bl_proxy_system_fn)(void *ctx, const char *url, char *proxy, size_t proxy_size, char *bypass,
                                  size_t bypass_size, char *how, size_t how_size);

typedef struct {
    const bl_config *cfg;              /* proxy, no_proxy and where each came from */
    bl_config_getenv_fn getenv;        /* NULL: no environment */
    void *getenv_ctx;
    bl_proxy_system_fn system;         /* NULL: no system proxy */
    void *system_ctx;
} bl_proxy_inputs;

/* Decides the proxy for url (see above) into *out. Never fails: what cannot
 * be read (a URL without a host) goes without a proxy. */
void bl_proxy_choose(const bl_proxy_inputs *in, const char *url, bl_proxy_choice *out);

/* The inputs of a launch: cfg, the process's environment and the platform's
 * bl_plat_system_proxy. */
void bl_proxy_inputs_of_process(bl_proxy_inputs *in, const bl_config *cfg);

/* 1 if host matches a no_proxy list as curl reads it: names or addresses
 * separated by commas or spaces, "*" matching every host, "corp.example"
 * or ".corp.example" matching that name and every name under it; case
 * ignored; a port on an entry is ignored. */
int bl_proxy_no_proxy_matches(const char *list, const char *host);

/* 1 if host matches a Windows bypass list: entries separated by ';' (or
 * spaces or commas), '*' standing for any run of characters ("*.corp",
 * "10.*"), "<local>" matching a name without a dot. */
int bl_proxy_bypass_matches(const char *list, const char *host);

/* The proxy a WinHTTP list names for scheme ("http" or "https"): the entry
 * "https=host:port" for it, else the first entry without a scheme; "" when
 * none applies. The result has no scheme ("host:port"). */
void bl_proxy_pick_from_list(const char *list, const char *scheme, char *out, size_t size);

/* A proxy URL without its credentials ("http://u:p@h:3128" is
 * "http://h:3128"), and whether it held any. */
int bl_proxy_redact(const char *proxy_url, char *out, size_t size);

/* 1 if text is a proxy launcher.json may name: "host:port" or
 * scheme://[user:password@]host[:port][/] with scheme http, https,
 * socks4, socks4a, socks5 or socks5h; "" is none. */
int bl_proxy_valid(const char *text);

#endif
