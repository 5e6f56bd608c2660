/* key.c: the backend-neutral sc_key (sealcore/key.h). Not here: backends (key_soft.c). */
#include "sc_int.h"
#include "key_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/x509.h>

struct sc_key {
    const sc_key_ops *ops;
    void *impl;
};

int sc_key_new(sc_key **out, const sc_key_ops *ops, void *impl, sc_err *err)
{
    sc_key *k;

    *out = NULL;
    if ((k = sc__malloc(sizeof(*k), err)) == NULL) {
        ops->free(impl);
        return SC_ENOMEM;
    }
    k->ops = ops;
    k->impl = impl;
    *out = k;
    return 0;
}

void sc_key_free(sc_key *key)
{
    if (key == NULL)
        return;
    key->ops->free(key->impl);
    free(key);
}

const char *sc_key_backend(const sc_key *key)
{
    return key->ops->name;
}

void *sc__key_impl(const sc_key *key, const sc_key_ops *ops)
{
    return key->ops == ops ? key->impl : NULL;
}

int sc_key_sign(const sc_key *key, const uint8_t *msg, size_t len, uint8_t **sig,
                size_t *sig_len, sc_err *err)
{
    *sig = NULL;
    *sig_len = 0;
    return key->ops->sign(key->impl, msg, len, sig, sig_len, err);
}

int sc_key_matches_cert(const sc_key *key, const uint8_t *cert, size_t cert_len, sc_err *err)
{
    const unsigned char *p = cert;
    X509 *x = NULL;
    uint8_t *spki = NULL, *cspki = NULL;
    size_t spki_len = 0;
    int cspki_len, rc;

    if (cert_len > LONG_MAX || (x = d2i_X509(NULL, &p, (long)cert_len)) == NULL ||
        p != cert + cert_len) {
        rc = sc__err_openssl(err, SC_EFORMAT, "certificate: not a DER X.509 certificate");
        goto out;
    }
    if ((rc = key->ops->public_spki(key->impl, &spki, &spki_len, err)) != 0)
        goto out;
    if ((cspki_len = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(x), &cspki)) <= 0) {
        rc = sc__err_openssl(err, SC_ECRYPTO, "certificate: cannot encode its public key");
        goto out;
    }
    if ((size_t)cspki_len != spki_len || memcmp(cspki, spki, spki_len) != 0)
        rc = sc_err_set(err, SC_EINVAL, "the private key does not belong to this certificate");
out:
    OPENSSL_free(cspki);
    free(spki);
    X509_free(x);
    return rc;
}
