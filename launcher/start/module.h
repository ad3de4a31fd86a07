/* SPDX-License-Identifier: Apache-2.0 */
/* Modules: the parts of the launcher that need heavy libraries, loaded only
 * when a launch needs them. Linking libcurl (with its TLS, LDAP and Kerberos
 * stack), libarchive and SDL2 into the launcher itself made every start load
 * about 100 shared libraries before main(), 18 ms of a double-click that
 * usually needs none of them (bench/RESULTS.md, issue 2). So:
 *   bomiot-update  fetch, trust, plan, delta, unpack: loaded when an update
 *                  check runs (at launch, or in the background once the app
 *                  has started);
 *   bomiot-splash  the SDL2 window: loaded only when work outlasts the
 *                  splash's grace, i.e. when a window will really open.
 * Where the libraries are linked statically (the Windows build), the same
 * entries are built into the launcher and "loading" one is a function call.
 *
 * A module is never unloaded: the libraries it pulls in (OpenSSL, GnuTLS,
 * D-Bus) register exit handlers and threads that must outlive it. It is a
 * copy of the launcher's own code built into a shared object, so both sides
 * must come from the same build: the entry refuses a host whose ABI text
 * (version and the sizes of every structure they share) differs. Its log
 * lines go to the launcher's log through the host table. */
#ifndef BL_MODULE_H
#define BL_MODULE_H

#include <stddef.h>

#include "base/error.h"

/* What the launcher gives a module. */
typedef struct {
    const char *abi; /* bl_module_abi() of the launcher */
    void (*log)(int level, const char *module, const char *text);
} bl_module_host;

/* A module's entry, `bl_module_entry_<name>`: checks host, then returns its
 * table of functions, or NULL with err filled. Called once per process. */
typedef const void *(*bl_module_entry)(const bl_module_host *host, bl_error *err);

/* The build defines it where modules are shared objects (visible entries
 * in objects compiled hidden); built in, entries are plain functions. */
#ifndef BL_MODULE_EXPORT
#define BL_MODULE_EXPORT
#endif

/* The text both sides must agree on: the launcher's version and the sizes of
 * the structures that cross the boundary. */
#define BL_MODULE_ABI_MAX 160
void bl_module_abi(char out[BL_MODULE_ABI_MAX]);

/* For the entries: BL_OK when host matches this build, and forwards this
 * copy's log to the host's. */
int bl_module_accept(const bl_module_host *host, const char *name, bl_error *err);

/* Loads module name ("update", "splash") from dir (NULL: the directory of the
 * running executable) and returns its table in *ops. The error names the file
 * and why it could not be used. */
int bl_module_load(const char *dir, const char *name, const void **ops, bl_error *err);

/* 1 when a file name is a module of this or another launcher version
 * ("bomiot-update-0.1.0.so"): what a self-update copies beside the new
 * launcher and a later start removes. Always 0 with built-in modules. */
int bl_module_is_file(const char *name);

/* This build's file name for module name; "" with built-in modules. */
void bl_module_file_name(const char *name, char *out, size_t size);

#endif
