/* cert_req.c: PKCS#10 certification requests (sealcore/cert.h sc_cert_request), for seal
 * signer certificates that an external CA issues. The key signs through sc_key, so a key in
 * an HSM works as one in software; OpenSSL only encodes. */
#include "cert_int.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>

/* The signature over the request's encoded CertificationRequestInfo, set into req. */
static int sign_req(X509_REQ *req, const sc_key *key, sc_err *err)
{
    unsigned char *tbs = NULL;
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    X509_ALGOR *alg = X509_ALGOR_new();
    ASN1_BIT_STRING *bs = ASN1_BIT_STRING_new();
    int n, rc = 0;

    if (alg == NULL || bs == NULL ||
        !X509_ALGOR_set0(alg, OBJ_nid2obj(NID_SM2_with_SM3), V_ASN1_UNDEF, NULL)) {
        rc = sc_err_set(err, SC_ENOMEM, "certification request: out of memory");
        goto out;
    }
    /* i2d_re_: encode afresh (the subject was just built), the bytes the signature covers */
    if ((n = i2d_re_X509_REQ_tbs(req, &tbs)) <= 0) {
        rc = sc__err_openssl(err, SC_ECRYPTO, "certification request: cannot encode");
        goto out;
    }
    if ((rc = sc_key_sign(key, tbs, (size_t)n, &sig, &sig_len, err)) != 0) {
        sc_err_prefix(err, "certification request: signature");
        goto out;
    }
    if (sig_len > INT_MAX || !ASN1_BIT_STRING_set(bs, sig, (int)sig_len) ||
        !X509_REQ_set1_signature_algo(req, alg)) {
        rc = sc_err_set(err, SC_ENOMEM, "certification request: out of memory");
        goto out;
    }
    /* 0 unused bits: without BITS_LEFT OpenSSL would strip trailing zero bytes */
    bs->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    bs->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    X509_REQ_set0_signature(req, bs);   /* set0: req owns bs */
    bs = NULL;
out:
    ASN1_BIT_STRING_free(bs);
    X509_ALGOR_free(alg);
    free(sig);
    OPENSSL_free(tbs);
    return rc;
}

/* Read back what we wrote and verify it with p->spki's key and the SM2 ID, as a CA will:
 * a key that is not the subject key's private half is refused here, not by the CA. */
static int self_check(const uint8_t *der, size_t len, EVP_PKEY *pkey, sc_err *err)
{
    const unsigned char *q = der;
    X509_REQ *r = d2i_X509_REQ(NULL, &q, (long)len);
    ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
    int rc = 0;

    if (r == NULL || id == NULL ||
        !ASN1_OCTET_STRING_set(id, (const unsigned char *)SC_SM2_ID, SC_SM2_ID_LEN)) {
        rc = sc__err_openssl(err, SC_ENOMEM, "certification request: cannot read it back");
        goto out;
    }
    X509_REQ_set0_distinguishing_id(r, id);   /* set0: r owns id */
    id = NULL;
    if (X509_REQ_verify(r, pkey) != 1)
        rc = sc__err_openssl(err, SC_EINVAL, "certification request: the key is not the "
                             "private half of the subject public key");
out:
    ASN1_OCTET_STRING_free(id);
    X509_REQ_free(r);
    return rc;
}

int sc_cert_request(uint8_t **der, size_t *der_len, const sc_cert_issue_params *p,
                    const sc_key *key, sc_err *err)
{
    X509_REQ *req = NULL;
    EVP_PKEY *pkey = NULL;
    uint8_t *spki = NULL, *copy = NULL;
    unsigned char *out = NULL;
    size_t spki_len = 0;
    int n, rc;

    if (der != NULL)
        *der = NULL;
    if (der_len != NULL)
        *der_len = 0;
    if (der == NULL || der_len == NULL || p == NULL || key == NULL)
        return sc_err_set(err, SC_EINVAL, "certification request: no output, parameters or "
                          "key");
    ERR_clear_error();
    if ((rc = sc__cert_read_spki(p, &pkey, &spki, &spki_len, err)) != 0)
        goto out;
    if ((req = X509_REQ_new()) == NULL || !X509_REQ_set_version(req, 0) ||
        !X509_REQ_set_pubkey(req, pkey)) {
        rc = sc__err_openssl(err, SC_ENOMEM, "certification request: out of memory");
        goto out;
    }
    if ((rc = sc__cert_subject(X509_REQ_get_subject_name(req), p, err)) != 0 ||
        (rc = sign_req(req, key, err)) != 0)
        goto out;
    if ((n = i2d_X509_REQ(req, &out)) <= 0) {
        rc = sc__err_openssl(err, SC_ECRYPTO, "certification request: cannot encode");
        goto out;
    }
    if ((rc = self_check(out, (size_t)n, pkey, err)) != 0)
        goto out;
    if ((copy = sc__memdup(out, (size_t)n, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    *der = copy;
    *der_len = (size_t)n;
out:
    OPENSSL_free(out);
    X509_REQ_free(req);
    EVP_PKEY_free(pkey);
    free(spki);
    ERR_clear_error();
    return rc;
}
