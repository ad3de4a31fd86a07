/* SPDX-License-Identifier: Apache-2.0 */
/* One error type for the whole launcher: a code that callers branch on and a
 * message a user can act on. Functions return the code they stored. */
#ifndef BL_ERROR_H
#define BL_ERROR_H

#include <stddef.h>

/* printf-style checking; mingw's printf is its C99 one (see CMakeLists.txt), so
 * %zu and %lld are checked as gnu_printf there. */
#if defined(__MINGW32__)
#define BL_PRINTF(fmt, args) __attribute__((format(gnu_printf, fmt, args)))
#elif defined(__GNUC__)
#define BL_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define BL_PRINTF(fmt, args)
#endif

enum bl_code {
    BL_OK = 0,
    BL_EINVAL,       /* bad argument or malformed input */
    BL_EIO,          /* a file or device operation failed */
    BL_ENOMEM,       /* out of memory */
    BL_ECORRUPT,     /* data failed a consistency check */
    BL_ENOTFOUND,    /* a file, version or key that should exist does not */
    BL_EBUSY,        /* held by someone else (lock, file in use) */
    BL_ESIGNATURE,   /* signature missing, invalid or below threshold */
    BL_EEXPIRED,     /* metadata expired */
    BL_EROLLBACK,    /* version went backwards */
    BL_ELENGTH,      /* longer or shorter than trusted metadata allows */
    BL_EHASH,        /* hash does not match trusted metadata */
    BL_ENETWORK,     /* transfer failed */
    BL_ECANCELED,    /* stopped on request */
    BL_ENOSPC,       /* not enough disk space */
    BL_EUNSUPPORTED, /* not available on this platform or build */
    BL_ETOOBIG,      /* input beyond what this build can handle */
    BL_EDENIED       /* the system refused: permission denied, or a read-only file system */
};

typedef struct {
    int code;       /* enum bl_code; 0 = ok */
    char msg[256];  /* what failed and why, for the log and the user */
} bl_error;

/* Fills err (which may be NULL) and returns code, so callers can write
 * `return bl_error_set(err, BL_ECORRUPT, "%s: not a tar", path);`. An error
 * the OS reported goes through bl_error_sys instead. */
int bl_error_set(bl_error *err, int code, const char *fmt, ...) BL_PRINTF(3, 4);

/* An OS error, as the project's code and in the OS's own words. uv_code is
 * a libuv error (negative UV_E*; uv_translate_sys_error() makes one of errno
 * on POSIX and of GetLastError() on Windows). The code: UV_ENOENT gives
 * BL_ENOTFOUND, UV_ENOSPC and EDQUOT BL_ENOSPC, UV_EACCES, UV_EPERM and
 * UV_EROFS BL_EDENIED, UV_EBUSY BL_EBUSY, UV_ENOMEM BL_ENOMEM, anything else
 * BL_EIO. The message is fmt's, then ": " and libuv's text for uv_code
 * ("permission denied", "read-only file system"), which is never cut off: a
 * long fmt is cut instead. Returns the code, like bl_error_set.
 *
 * Permission denied and a read-only file system share BL_EDENIED: a caller
 * does the same for both (stops writing there and tells the user), and the
 * remedy (other rights, another folder, a remount) is the user's, chosen
 * from the words the message carries. */
int bl_error_sys(bl_error *err, int uv_code, const char *fmt, ...) BL_PRINTF(3, 4);

/* Prefixes the existing message with context ("state.json: " + msg). */
int bl_error_prefix(bl_error *err, const char *fmt, ...) BL_PRINTF(2, 3);

void bl_error_clear(bl_error *err);
const char *bl_strerror(int code);

#endif
