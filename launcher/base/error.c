#include "error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

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
    }
    return "unknown error";
}
