/* error.c: sc_err, the caller-owned error object (see sealcore/error.h).
 * Not here: formatting OpenSSL's queue (sc__err_openssl in sc_int.h, same file below). */
#include "sc_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>

int sc_err_set(sc_err *err, int code, const char *fmt, ...)
{
    va_list ap;

    if (err == NULL || err->code != 0)
        return code;
    err->code = code;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    return code;
}

int sc_err_prefix(sc_err *err, const char *fmt, ...)
{
    char pre[SC_ERR_MSG_MAX];
    char old[SC_ERR_MSG_MAX];
    va_list ap;

    if (err == NULL || err->code == 0)
        return err == NULL ? 0 : err->code;
    va_start(ap, fmt);
    vsnprintf(pre, sizeof(pre), fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof(old));
    snprintf(err->msg, sizeof(err->msg), "%s: %s", pre, old);
    return err->code;
}

void sc_err_clear(sc_err *err)
{
    if (err != NULL) {
        err->code = 0;
        err->msg[0] = '\0';
    }
}

const char *sc_err_name(int code)
{
    switch (code) {
    case SC_OK: return "OK";
    case SC_EINVAL: return "EINVAL";
    case SC_ENOMEM: return "ENOMEM";
    case SC_EFORMAT: return "EFORMAT";
    case SC_ELIMIT: return "ELIMIT";
    case SC_EPASSWORD: return "EPASSWORD";
    case SC_ECRYPTO: return "ECRYPTO";
    case SC_EIO: return "EIO";
    case SC_ENOTFOUND: return "ENOTFOUND";
    case SC_EUNSUPPORTED: return "EUNSUPPORTED";
    default: return "EUNKNOWN";
    }
}

int sc__err_openssl(sc_err *err, int code, const char *what)
{
    unsigned long e, first = 0;
    char buf[256];

    while ((e = ERR_get_error()) != 0)  /* drain: the next call on this thread starts clean */
        first = first ? first : e;      /* the oldest entry is the root cause */
    if (first == 0)
        return sc_err_set(err, code, "%s (OpenSSL: no detail)", what);
    ERR_error_string_n(first, buf, sizeof(buf));
    return sc_err_set(err, code, "%s (OpenSSL: %s)", what, buf);
}
