/* SPDX-License-Identifier: Apache-2.0 */
#include "error.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <uv.h>

/* libuv names EDQUOT from 1.45 on; Debian 12 has 1.44, whose
 * uv_translate_sys_error gives -EDQUOT on POSIX, with no words for it. */
#if UV_VERSION_HEX >= 0x012d00
#define QUOTA_EXCEEDED UV_EDQUOT
#elif defined(EDQUOT)
#define QUOTA_EXCEEDED (-EDQUOT)
#endif

int bl_error_set(bl_error *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        err->code = code;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

static int code_of(int uv_code)
{
    switch (uv_code) {
    case UV_ENOENT: return BL_ENOTFOUND;
    case UV_ENOSPC: return BL_ENOSPC;
    case UV_EACCES:
    case UV_EPERM:
    case UV_EROFS: return BL_EDENIED;
    case UV_EBUSY: return BL_EBUSY;
    case UV_ENOMEM: return BL_ENOMEM;
    }
#ifdef QUOTA_EXCEEDED
    if (uv_code == QUOTA_EXCEEDED)
        return BL_ENOSPC; /* full for this user: the same remedy */
#endif
    return BL_EIO;
}

int bl_error_sys(bl_error *err, int uv_code, const char *fmt, ...)
{
    int code = code_of(uv_code);
    char reason[96];
    size_t room, len;
    va_list ap;

    if (!err)
        return code;
#ifdef QUOTA_EXCEEDED
    if (uv_code == QUOTA_EXCEEDED)
        snprintf(reason, sizeof reason, "disk quota exceeded");
    else
#endif
        uv_strerror_r(uv_code, reason, sizeof reason); /* uv_strerror leaks for unknown codes */
    /* The reason is what the user acts on: a long message loses its end
     * (a path), never the reason. */
    room = sizeof err->msg - strlen(": ") - strlen(reason);
    va_start(ap, fmt);
    vsnprintf(err->msg, room, fmt, ap);
    va_end(ap);
    len = strlen(err->msg);
    snprintf(err->msg + len, sizeof err->msg - len, ": %s", reason);
    err->code = code;
    return code;
}

int bl_error_prefix(bl_error *err, const char *fmt, ...)
{
    char prefix[128];
    char old[sizeof err->msg];
    va_list ap;

    if (!err)
        return BL_OK;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    /* Truncating an over-long message is the intent here, not an accident. */
    if (snprintf(err->msg, sizeof err->msg, "%s%s", prefix, old) < 0)
        err->msg[0] = '\0';
    return err->code;
}

void bl_error_clear(bl_error *err)
{
    if (err) {
        err->code = BL_OK;
        err->msg[0] = '\0';
    }
}

const char *bl_strerror(int code)
{
    switch (code) {
    case BL_OK: return "ok";
    case BL_EINVAL: return "invalid input";
    case BL_EIO: return "input/output error";
    case BL_ENOMEM: return "out of memory";
    case BL_ECORRUPT: return "corrupt data";
    case BL_ENOTFOUND: return "not found";
    case BL_EBUSY: return "in use";
    case BL_ESIGNATURE: return "signature check failed";
    case BL_EEXPIRED: return "expired";
    case BL_EROLLBACK: return "rollback detected";
    case BL_ELENGTH: return "length mismatch";
    case BL_EHASH: return "hash mismatch";
    case BL_ENETWORK: return "network error";
    case BL_ECANCELED: return "canceled";
    case BL_ENOSPC: return "not enough disk space";
    case BL_EUNSUPPORTED: return "unsupported";
    case BL_ETOOBIG: return "too large";
    case BL_EDENIED: return "permission denied or read-only file system";
    }
    return "unknown error";
}
