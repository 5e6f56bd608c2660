/* key.c: the backend-neutral sc_key (sealcore/key.h). Not here: backends (key_soft.c). */
#include "sc_int.h"
#include "key_int.h"
#include "der/der_int.h"
#include "crypto/crypto_int.h"

#include <openssl/x509.h>

#include <limits.h>
#include <stdlib.h>
#include <string.h>


struct sc_key {
    const sc_key_ops *ops;
    void *impl;
    uint8_t *spki;      /* the public key, DER SubjectPublicKeyInfo, fetched once */
    size_t spki_len;
};

int sc_key_new(sc_key **out, const sc_key_ops *ops, void *impl, sc_err *err)
{
    sc_key *k;
    int rc;

    *out = NULL;
    if ((k = calloc(1, sizeof(*k))) == NULL) {
        sc_err_set(err, SC_ENOMEM, "out of memory");
        ops->free(impl);
        return SC_ENOMEM;
    }
    k->ops = ops;
    k->impl = impl;
    /* asked once: every signature checks its certificate against it */
    if ((rc = ops->public_spki(impl, &k->spki, &k->spki_len, err)) != 0) {
        sc_key_free(k);
        return rc;
    }
    *out = k;
    return 0;
}

void sc_key_free(sc_key *key)
{
    if (key == NULL)
        return;
    key->ops->free(key->impl);
    free(key->spki);
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

int sc__key_sign_split(const sc_key *key, const uint8_t *pre, size_t pre_len,
                       const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len,
                       sc_err *err)
{
    uint8_t *joined;
    int rc = sc__soft_sign_split(key, pre, pre_len, msg, len, sig, sig_len, err);

    if (rc != SC_EUNSUPPORTED)
        return rc;
    if (len == 0 || msg == pre + pre_len)   /* one run of bytes already (sc_ses_sign_der) */
        return sc_key_sign(key, pre, pre_len + len, sig, sig_len, err);
    if (pre_len > SIZE_MAX - len)
        return sc_err_set(err, SC_ELIMIT, "message to sign: too long");
    if ((joined = sc__malloc(pre_len + len + 1, err)) == NULL)
        return SC_ENOMEM;
    memcpy(joined, pre, pre_len);
    if (len > 0)
        memcpy(joined + pre_len, msg, len);
    rc = sc_key_sign(key, joined, pre_len + len, sig, sig_len, err);
    free(joined);
    return rc;
}

/* The subjectPublicKeyInfo element of a DER certificate, found with the DER reader: OpenSSL
 * 3.0's d2i_X509 costs as much as a third of an SM2 signature, on every signing. */
static int cert_spki(const uint8_t *cert, size_t len, sc_span *out, sc_err *err)
{
    sc_der r, c, tbs;
    sc_tlv t;
    int rc;

    sc__der_init(&r, cert, len);
    if ((rc = sc__der_enter(&r, SC_TAG_SEQUENCE, &c, NULL, "certificate", err)) != 0 ||
        (rc = sc__der_leave(&r, "certificate", err)) != 0 ||
        (rc = sc__der_enter(&c, SC_TAG_SEQUENCE, &tbs, NULL, "certificate.tbsCertificate",
                            err)) != 0)
        return rc;
    if (sc__der_peek_tag(&tbs) == 0xa0 &&
        (rc = sc__der_any(&tbs, &t, "certificate.version", err)) != 0)
        return rc;
    static const char *const fields[] = { "serialNumber", "signature", "issuer", "validity",
                                          "subject" };
    for (size_t i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        if ((rc = sc__der_any(&tbs, &t, fields[i], err)) != 0)
            return sc_err_prefix(err, "certificate");
    if ((rc = sc__der_get(&tbs, SC_TAG_SEQUENCE, &t, "certificate.subjectPublicKeyInfo",
                          err)) != 0)
        return rc;
    *out = t.all;
    return 0;
}

int sc_key_matches_cert(const sc_key *key, const uint8_t *cert, size_t cert_len, sc_err *err)
{
    sc_span spki = { NULL, 0 };
    int rc = cert_spki(cert, cert_len, &spki, err);

    if (rc != 0)
        return sc_err_set(err, SC_EFORMAT, "not a DER X.509 certificate");
    if (spki.len != key->spki_len || memcmp(spki.p, key->spki, spki.len) != 0)
        return sc_err_set(err, SC_EINVAL, "the private key does not belong to this certificate");
    return 0;
}

/* A pairwise-consistency test (as FIPS 140 asks of a key pair): the backend signs, the public
 * key the key reports verifies. matches_cert compares public keys only, so a backend whose
 * private half is gone or broken (a token removed, a wrong PKCS#8) would pass it. */
int sc_key_selftest(const sc_key *key, sc_err *err)
{
    static const uint8_t probe[] = "sealpki key self-test";
    const uint8_t *p = key->spki;
    EVP_PKEY *pub = d2i_PUBKEY(NULL, &p, (long)key->spki_len);
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    int rc;

    if (pub == NULL)
        return sc_err_set(err, SC_ECRYPTO, "key self-test: the public key does not parse");
    if ((rc = sc_key_sign(key, probe, sizeof(probe) - 1, &sig, &sig_len, err)) != 0) {
        EVP_PKEY_free(pub);
        return sc_err_prefix(err, "key self-test: signing");
    }
    rc = sc__sig_verify(pub, NULL, probe, sizeof(probe) - 1, sig, sig_len, err);
    free(sig);
    EVP_PKEY_free(pub);
    if (rc == 1)
        return 0;
    /* the verifier speaks of a certificate, which a self-test has none of */
    sc_err_clear(err);
    return sc_err_set(err, SC_ECRYPTO, "key self-test: the key's signature does not verify "
                      "with its public key%s", rc == 0 ? "" : " (the check itself failed)");
}
