/* sealcore/error.h: the error object every fallible seal-core call fills.
 *
 * sc_err is caller-owned, fixed size and allocation-free, so it works when memory is
 * exhausted and needs no thread-local state. The first message set wins: inner layers
 * say what went wrong, outer layers prepend where (sc_err_prefix). */
#ifndef SEALCORE_ERROR_H
#define SEALCORE_ERROR_H

#include <stddef.h>

#if defined(SC_BUILDING) && defined(__GNUC__)
#define SC_API __attribute__((visibility("default")))
#else
#define SC_API
#endif

#if defined(__GNUC__)
#define SC_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define SC_PRINTF(a, b)
#endif

/* Codes are negative; named only where a caller branches on them. */
enum {
    SC_OK = 0,
    SC_EINVAL = -1,       /* a caller's argument is out of range or inconsistent */
    SC_ENOMEM = -2,       /* an allocation failed */
    SC_EFORMAT = -3,      /* input bytes do not follow the format (DER, PEM, time …) */
    SC_ELIMIT = -4,       /* input exceeds a named maximum (size, depth, count) */
    SC_EPASSWORD = -5,    /* a key could not be decrypted: wrong password or damaged file */
    SC_ECRYPTO = -6,      /* a cryptographic operation failed for a reason other than input */
    SC_EIO = -7,          /* reading or writing a file failed (CLI helpers only) */
    SC_ENOTFOUND = -8,    /* a named object does not exist */
    SC_EUNSUPPORTED = -9  /* valid input that this version does not handle */
};

#define SC_ERR_MSG_MAX 512

typedef struct sc_err {
    int code;                    /* 0 while nothing failed */
    char msg[SC_ERR_MSG_MAX];    /* NUL-terminated; never holds secrets */
} sc_err;

#define SC_ERR_INIT { 0, { 0 } }

/** Record a failure unless one is already recorded (the first, innermost one wins).
 *  @param err may be NULL (then only the code is returned)
 *  @return code, so that callers can write `return sc_err_set(err, SC_EFORMAT, …);` */
SC_API int sc_err_set(sc_err *err, int code, const char *fmt, ...) SC_PRINTF(3, 4);

/** Prepend "<prefix>: " to the recorded message (truncating at SC_ERR_MSG_MAX).
 *  No-op when err is NULL or holds no failure. @return err->code (0 if none). */
SC_API int sc_err_prefix(sc_err *err, const char *fmt, ...) SC_PRINTF(2, 3);

/** Forget a recorded failure; for callers that recover from one. err may be NULL. */
SC_API void sc_err_clear(sc_err *err);

/** Short stable name of a code ("EFORMAT", …); a static string, never NULL. */
SC_API const char *sc_err_name(int code);

#endif
