/* SPDX-License-Identifier: Apache-2.0 */
/* The app's name, one rule for both sides: the publisher's `init --app` and
 * the launcher's app_name, which must agree since the name spells every
 * target ({app}-{version}.tar.gz, .patch; tufup: ^[\w-]+-(.+)(\.tar\.gz|\.patch)$)
 * and the launcher's cached tars (cache/tars/{app}-{version}.tar). */
#ifndef BL_APPNAME_H
#define BL_APPNAME_H

#include "error.h"

#define BL_APP_NAME_MAX 64 /* bytes, the NUL included */

/* What a name may be, for messages: "1 to 63 ASCII letters, digits, '_' and
 * '-', starting with a letter or digit". */
#define BL_APP_NAME_RULE "1 to 63 ASCII letters, digits, '_' and '-', starting with a letter or digit"

/* BL_OK when name follows BL_APP_NAME_RULE; else BL_EINVAL with err saying
 * what is wrong ("'my.app': '.' is not allowed in an app name; use ..."). A
 * leading '-' would read as an option on a command line, a '.' or '/' could
 * not be told from a version or a folder in a target's name. Pure. */
int bl_app_name_check(const char *name, bl_error *err);

#endif
