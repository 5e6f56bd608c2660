/* alloc.c: allocation helpers that report through sc_err (see sc_int.h). */
#include "sc_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

void *sc__malloc(size_t n, sc_err *err)
{
    void *p = malloc(n == 0 ? 1 : n);

    if (p == NULL)
        sc_err_set(err, SC_ENOMEM, "out of memory (%zu bytes)", n);
    return p;
}

void *sc__memdup(const void *p, size_t n, sc_err *err)
{
    void *q = sc__malloc(n, err);

    if (q != NULL && n > 0)
        memcpy(q, p, n);
    return q;
}

char *sc__strndup(const void *p, size_t n, sc_err *err)
{
    char *s;

    if (n > 0 && memchr(p, '\0', n) != NULL) {
        sc_err_set(err, SC_EFORMAT, "text contains a NUL byte");
        return NULL;
    }
    if ((s = sc__malloc(n + 1, err)) == NULL)
        return NULL;
    if (n > 0)
        memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

int sc__sm3(const uint8_t *data, size_t len, uint8_t out[32], sc_err *err)
{
    unsigned int olen = 0;

    if (!EVP_Digest(data, len, out, &olen, sc_sm3_md(), NULL) || olen != 32)
        return sc__err_openssl(err, SC_ECRYPTO, "SM3 digest failed");
    return 0;
}
