/* SPDX-License-Identifier: Apache-2.0 */
#include "check.h"
#include "start/proxy.h"

/* An environment of name=value pairs, NULL-terminated. */
static const char *fake_getenv(void *ctx, const char *name)
{
    const char *const *pairs = ctx;
    size_t i;
    for (i = 0; pairs[i]; i += 2) {
        if (strcmp(pairs[i], name) == 0)
            return pairs[i + 1];
    }
    return NULL;
}

/* A system answering with a fixed list and bypass list, counting its calls. */
typedef struct {
    const char *list, *bypass;
    int calls;
    char last_url[256];
} fake_system;

static int fake_system_proxy(void *ctx, const char *url, char *proxy, size_t proxy_size, char *bypass,
                             size_t bypass_size, char *how, size_t how_size)
{
    fake_system *sys = ctx;
    sys->calls++;
    snprintf(sys->last_url, sizeof sys->last_url, "%s", url);
    snprintf(proxy, proxy_size, "%s", sys->list ? sys->list : "");
    snprintf(bypass, bypass_size, "%s", sys->bypass ? sys->bypass : "");
    snprintf(how, how_size, "Internet Options");
    return 0;
}

typedef struct {
    bl_config cfg;
    fake_system sys;
    bl_proxy_inputs in;
    bl_proxy_choice out;
} fixture;

static void setup(fixture *f, const char *const *env)
{
    memset(f, 0, sizeof *f);
    bl_config_defaults(&f->cfg);
    f->in.cfg = &f->cfg;
    f->in.getenv = fake_getenv;
    f->in.getenv_ctx = (void *)env;
    f->in.system = fake_system_proxy;
    f->in.system_ctx = &f->sys;
}

static const char *const no_env[] = {NULL};

static void test_nothing_set_is_no_proxy(void)
{
    fixture f;
    setup(&f, no_env);
    bl_proxy_choose(&f.in, "https://updates.example/metadata/timestamp.json", &f.out);
    CHECK_INT(f.out.origin, BL_PROXY_NONE);
    CHECK_STR(f.out.url, "");
    CHECK_STR(f.out.source, "nothing sets one");
    CHECK_INT(f.sys.calls, 1);
}

static void test_launcher_json_wins_over_environment_and_system(void)
{
    static const char *const env[] = {"https_proxy", "http://env:1", NULL};
    fixture f;
    setup(&f, env);
    f.sys.list = "sys:8080";
    strcpy(f.cfg.proxy, "http://cfg.corp:3128");
    f.cfg.source[BL_CFG_PROXY] = BL_SOURCE_FILE;
    bl_proxy_choose(&f.in, "https://updates.example/x", &f.out);
    CHECK_INT(f.out.origin, BL_PROXY_CONFIG);
    CHECK_STR(f.out.url, "http://cfg.corp:3128");
    CHECK_STR(f.out.host_port, "cfg.corp:3128");
    CHECK_STR(f.out.source, "launcher.json proxy");
    CHECK_INT(f.sys.calls, 0); /* a script or WPAD is never run when it is not needed */
    f.cfg.source[BL_CFG_PROXY] = BL_SOURCE_POLICY;
    bl_proxy_choose(&f.in, "https://updates.example/x", &f.out);
    CHECK_STR(f.out.source, "machine policy proxy");
}

static void test_environment_as_libcurl_reads_it(void)
{
    static const char *const env[] = {"http_proxy", "http://plain:80", "HTTP_PROXY", "http://upper:80",
                                      "HTTPS_PROXY", "http://secure:443", "ALL_PROXY", "http://all:1", NULL};
    static const char *const upper_http_only[] = {"HTTP_PROXY", "http://upper:80", NULL};
    fixture f;
    setup(&f, env);
    bl_proxy_choose(&f.in, "http://updates.example/x", &f.out);
    CHECK_STR(f.out.url, "http://plain:80");
    CHECK_STR(f.out.source, "environment http_proxy");
    bl_proxy_choose(&f.in, "https://updates.example/x", &f.out);
    CHECK_STR(f.out.url, "http://secure:443");
    CHECK_STR(f.out.source, "environment HTTPS_PROXY");
    /* HTTP_PROXY is never read (a CGI request's Proxy: header), as in curl */
    setup(&f, upper_http_only);
    bl_proxy_choose(&f.in, "http://updates.example/x", &f.out);
    CHECK_STR(f.out.url, "");
}

static void test_all_proxy_is_the_last_variable(void)
{
    static const char *const env[] = {"ALL_PROXY", "socks5h://all:1080", NULL};
    fixture f;
    setup(&f, env);
    bl_proxy_choose(&f.in, "https://updates.example/x", &f.out);
    CHECK_STR(f.out.url, "socks5h://all:1080");
    CHECK_STR(f.out.source, "environment ALL_PROXY");
}

static void test_no_proxy_of_the_config_bypasses_every_layer(void)
{
    static const char *const env[] = {"https_proxy", "http://env:1", NULL};
    fixture f;
    setup(&f, env);
    strcpy(f.cfg.proxy, "http://cfg:3128");
    strcpy(f.cfg.no_proxy, "localhost, .corp.example");
    bl_proxy_choose(&f.in, "https://updates.corp.example/x", &f.out);
    CHECK_INT(f.out.origin, BL_PROXY_CONFIG);
    CHECK_STR(f.out.url, "");
    CHECK_STR(f.out.source, "launcher.json no_proxy");
    bl_proxy_choose(&f.in, "https://updates.example/x", &f.out);
    CHECK_STR(f.out.url, "http://cfg:3128");
}

static void test_environment_no_proxy_bypasses_the_environment_proxy(void)
{
    static const char *const env[] = {"https_proxy", "http://env:1", "NO_PROXY", "127.0.0.0/8,example.org",
                                      NULL};
    fixture f;
    setup(&f, env);
    f.sys.list = "sys:8080";
    bl_proxy_choose(&f.in, "https://127.0.0.1:8443/x", &f.out);
    CHECK_INT(f.out.origin, BL_PROXY_ENV);
    CHECK_STR(f.out.url, "");
    CHECK_STR(f.out.source, "environment NO_PROXY");
    CHECK_INT(f.sys.calls, 0);
}

static void test_system_proxy_per_scheme_and_bypass(void)
{
    fixture f;
    setup(&f, no_env);
    f.sys.list = "http=web:80;https=secure:8443";
    f.sys.bypass = "*.intranet;<local>";
    bl_proxy_choose(&f.in, "https://updates.example/metadata/1.root.json", &f.out);
    CHECK_INT(f.out.origin, BL_PROXY_SYSTEM);
    CHECK_STR(f.out.url, "secure:8443");
    CHECK_STR(f.out.source, "system (Internet Options)");
    CHECK_STR(f.sys.last_url, "https://updates.example/metadata/1.root.json"); /* resolved per URL */
    bl_proxy_choose(&f.in, "http://updates.example/x", &f.out);
    CHECK_STR(f.out.url, "web:80");
    bl_proxy_choose(&f.in, "https://a.intranet/x", &f.out);
    CHECK_STR(f.out.url, "");
    CHECK_STR(f.out.source, "system bypass list (Internet Options)");
    bl_proxy_choose(&f.in, "http://fileserver/x", &f.out);
    CHECK_STR(f.out.url, "");
}

static void test_file_urls_never_use_a_proxy(void)
{
    fixture f;
    setup(&f, no_env);
    strcpy(f.cfg.proxy, "http://cfg:3128");
    bl_proxy_choose(&f.in, "file:///srv/updates/timestamp.json", &f.out);
    CHECK_STR(f.out.url, "");
    CHECK_INT(f.out.origin, BL_PROXY_NONE);
}

static void test_credentials_are_redacted(void)
{
    fixture f;
    char out[128];
    setup(&f, no_env);
    strcpy(f.cfg.proxy, "http://alice:p%40ss@word@proxy.corp:3128/");
    bl_proxy_choose(&f.in, "https://updates.example/x", &f.out);
    CHECK_STR(f.out.url, "http://alice:p%40ss@word@proxy.corp:3128/"); /* libcurl gets them */
    CHECK_STR(f.out.shown, "http://proxy.corp:3128/");
    CHECK_STR(f.out.host_port, "proxy.corp:3128");
    CHECK_INT(f.out.has_credentials, 1);
    CHECK_INT(bl_proxy_redact("proxy.corp:3128", out, sizeof out), 0);
    CHECK_STR(out, "proxy.corp:3128");
    CHECK_INT(bl_proxy_redact("u:p@[::1]:3128", out, sizeof out), 1);
    CHECK_STR(out, "[::1]:3128");
}

static void test_host_port_adds_the_default_port(void)
{
    fixture f;
    setup(&f, no_env);
    strcpy(f.cfg.proxy, "proxy.corp");
    bl_proxy_choose(&f.in, "http://updates.example/x", &f.out);
    CHECK_STR(f.out.host_port, "proxy.corp:1080");
    strcpy(f.cfg.proxy, "http://[::1]");
    bl_proxy_choose(&f.in, "http://updates.example/x", &f.out);
    CHECK_STR(f.out.host_port, "[::1]:1080");
}

static void test_no_proxy_matching(void)
{
    CHECK(bl_proxy_no_proxy_matches("*", "anything.example"));
    CHECK(bl_proxy_no_proxy_matches("example.com", "example.com"));
    CHECK(bl_proxy_no_proxy_matches("example.com", "a.b.EXAMPLE.com"));
    CHECK(bl_proxy_no_proxy_matches(".example.com", "a.example.com"));
    CHECK(!bl_proxy_no_proxy_matches("example.com", "badexample.com"));
    CHECK(!bl_proxy_no_proxy_matches("a.example.com", "example.com"));
    CHECK(bl_proxy_no_proxy_matches("other, 127.0.0.1", "127.0.0.1"));
    CHECK(bl_proxy_no_proxy_matches("localhost:8080", "localhost"));
    CHECK(bl_proxy_no_proxy_matches("10.0.0.0/8", "10.20.30.40"));
    CHECK(!bl_proxy_no_proxy_matches("10.0.0.0/8", "11.0.0.1"));
    CHECK(bl_proxy_no_proxy_matches("[::1]", "::1"));
    CHECK(!bl_proxy_no_proxy_matches("", "example.com"));
    CHECK(!bl_proxy_no_proxy_matches("*.example.com", "a.example.com")); /* curl has no wildcards there */
}

static void test_windows_bypass_matching(void)
{
    CHECK(bl_proxy_bypass_matches("<local>", "fileserver"));
    CHECK(!bl_proxy_bypass_matches("<local>", "updates.example"));
    CHECK(bl_proxy_bypass_matches("*.corp; 10.*", "a.corp"));
    CHECK(bl_proxy_bypass_matches("*.corp; 10.*", "10.1.2.3"));
    CHECK(!bl_proxy_bypass_matches("*.corp; 10.*", "corp.example"));
    CHECK(bl_proxy_bypass_matches("http://*.Corp:80", "x.corp"));
    CHECK(bl_proxy_bypass_matches("127.0.0.1", "127.0.0.1"));
    CHECK(!bl_proxy_bypass_matches("", "x"));
}

static void test_winhttp_list_picking(void)
{
    char out[64];
    bl_proxy_pick_from_list("proxy:3128", "https", out, sizeof out);
    CHECK_STR(out, "proxy:3128");
    bl_proxy_pick_from_list("http=a:80;https=b:443", "https", out, sizeof out);
    CHECK_STR(out, "b:443");
    bl_proxy_pick_from_list("http=a:80;https=b:443", "http", out, sizeof out);
    CHECK_STR(out, "a:80");
    bl_proxy_pick_from_list("ftp=f:21", "https", out, sizeof out);
    CHECK_STR(out, "");
    bl_proxy_pick_from_list("first:1; second:2", "http", out, sizeof out); /* a script's fallbacks: the first */
    CHECK_STR(out, "first:1");
}

static void test_valid_proxies(void)
{
    CHECK(bl_proxy_valid(""));
    CHECK(bl_proxy_valid("proxy.corp:3128"));
    CHECK(bl_proxy_valid("http://u:p@proxy.corp:3128"));
    CHECK(bl_proxy_valid("socks5h://127.0.0.1:1080"));
    CHECK(!bl_proxy_valid("ftp://proxy:21"));
    CHECK(!bl_proxy_valid("http://"));
    CHECK(!bl_proxy_valid("http://proxy corp"));
}

int main(void)
{
    RUN(test_nothing_set_is_no_proxy);
    RUN(test_launcher_json_wins_over_environment_and_system);
    RUN(test_environment_as_libcurl_reads_it);
    RUN(test_all_proxy_is_the_last_variable);
    RUN(test_no_proxy_of_the_config_bypasses_every_layer);
    RUN(test_environment_no_proxy_bypasses_the_environment_proxy);
    RUN(test_system_proxy_per_scheme_and_bypass);
    RUN(test_file_urls_never_use_a_proxy);
    RUN(test_credentials_are_redacted);
    RUN(test_host_port_adds_the_default_port);
    RUN(test_no_proxy_matching);
    RUN(test_windows_bypass_matching);
    RUN(test_winhttp_list_picking);
    RUN(test_valid_proxies);
    return CHECK_DONE();
}
