/* sc_int.h: library-internal helpers shared by every seal-core module.
 * Nothing here is exported; names use the sc__ prefix. */
#ifndef SC_INT_H
#define SC_INT_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/types.h>

#include "sealcore/error.h"
#include "sealcore/hash.h"

/* The SM2 distinguishing ID every GM signature uses (GB/T 35276). OpenSSL 3.0 defaults to an
 * EMPTY ID, so every SM2 call must set this one explicitly (spec/pki-profile.md §4). */
#define SC_SM2_ID "1234567812345678"
#define SC_SM2_ID_LEN 16
#define SC_OID_SM2_SM3 "1.2.156.10197.1.501"
#define SC_OID_SM3 "1.2.156.10197.1.401"

/* A borrowed run of bytes inside a buffer some object owns. */
typedef struct sc_span {
    const uint8_t *p;
    size_t len;
} sc_span;

static inline int sc__size_add(size_t *out, size_t a, size_t b)
{
    if (b > SIZE_MAX - a)
        return -1;
    *out = a + b;
    return 0;
}

/* Record an OpenSSL failure: our words first, the queue's oldest entry as the cause.
 * Drains the whole queue so the thread's next request does not inherit it. */
int sc__err_openssl(sc_err *err, int code, const char *what);

/* malloc-backed helpers that never call malloc(0) and report ENOMEM through err. */
void *sc__malloc(size_t n, sc_err *err);
void *sc__memdup(const void *p, size_t n, sc_err *err);
char *sc__strndup(const void *p, size_t n, sc_err *err);   /* refuses embedded NULs */

/* UTF-8 as RFC 3629 has it (no overlong forms, no surrogates, nothing above U+10FFFF), in
 * error/utf8.c. sc__utf8_next: the code point at s (len >= 1 bytes left) with *used its
 * length; or a negative reason with *used the offset of the byte at fault (0 but for a bad
 * continuation byte): SC_UTF8_BAD_BYTE (cannot start a character, or is no continuation
 * byte), SC_UTF8_CUT (the input ends inside the character), SC_UTF8_BAD_SEQ (overlong,
 * surrogate, above U+10FFFF). sc__utf8_ok: 1 when all len bytes are UTF-8 and none is NUL. */
enum { SC_UTF8_BAD_BYTE = -1, SC_UTF8_CUT = -2, SC_UTF8_BAD_SEQ = -3 };
int32_t sc__utf8_next(const uint8_t *s, size_t len, size_t *used);
int sc__utf8_ok(const uint8_t *s, size_t len);

/* SM3 of a buffer; out must hold 32 bytes. */
int sc__sm3(const uint8_t *data, size_t len, uint8_t out[32], sc_err *err);
/* sc_sm3_md(), SM3 fetched once (crypto/sm2.c), is public: sealcore/hash.h. */

#endif
