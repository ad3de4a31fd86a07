/* SPDX-License-Identifier: Apache-2.0 */
/* A symbol from a shared object beside the running program: how the
 * launcher loads its modules (module_dl.c) and bomiot-release its
 * repository verbs (tools/release_repo_dl.c). */
#ifndef BL_DL_H
#define BL_DL_H

#include <stddef.h>

#include "error.h"

/* Opens `file` in dir (NULL: the folder of the running executable) and looks
 * up `symbol` in it. On success *address is the symbol's and the object stays
 * loaded for the rest of the process: its code is about to run, and what it
 * pulls in may register exit handlers (module.h). On failure nothing stays
 * loaded and err names the file: "cannot load PATH (why)", or "PATH is not
 * WHAT (why)" when it lacks the symbol. path (path_size bytes) receives the
 * file's path for the caller's own messages. */
int bl_dl_symbol(const char *dir, const char *file, const char *symbol, const char *what,
                 void **address, char *path, size_t path_size, bl_error *err);

#endif
