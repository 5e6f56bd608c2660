/* cert.c: parsing certificates with the SM2 ID set, and naming them for reports.
 * Not here: chains (trust.c). */
#include "cert_int.h"

#include <limits.h>
#include <string.h>
#include <time.h>

#include <openssl/err.h>

X509 *sc__cert_parse(const uint8_t *der, size_t len, const char *field, sc_err *err)
{
    const unsigned char *p = der;
    X509 *x;
    EVP_PKEY *pk;

    if (len == 0 || len > 64 * 1024) {
        sc_err_set(err, SC_EFORMAT, "%s: %zu bytes is no certificate", field, len);
        return NULL;
    }
    if ((x = d2i_X509(NULL, &p, (long)len)) == NULL || p != der + len) {
        X509_free(x);
        sc__err_openssl(err, SC_EFORMAT, field);
        sc_err_prefix(err, "not a DER X.509 certificate");
        return NULL;
    }
    /* a key that is not a point on its curve decodes to NULL: unreadable, say so here */
    if ((pk = X509_get0_pubkey(x)) == NULL) {
        X509_free(x);
        ERR_clear_error();
        sc_err_set(err, SC_EFORMAT, "%s: its public key cannot be decoded (not a valid point "
                   "on its curve)", field);
        return NULL;
    }
    if (EVP_PKEY_is_a(pk, "SM2")) {
        ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
        if (id == NULL || !ASN1_OCTET_STRING_set(id, (const unsigned char *)SC_SM2_ID,
                                                 SC_SM2_ID_LEN)) {
            ASN1_OCTET_STRING_free(id);
            X509_free(x);
            sc_err_set(err, SC_ENOMEM, "out of memory");
            return NULL;
        }
        X509_set0_distinguishing_id(x, id);   /* set0: x owns id */
    }
    ERR_clear_error();
    return x;
}

int sc__asn1_time(const ASN1_TIME *a, int64_t *out)
{
    struct tm tm;

    if (a == NULL || !ASN1_TIME_to_tm(a, &tm))
        return -1;
    *out = (int64_t)timegm(&tm);
    return 0;
}

void sc__cert_name(X509 *x, char *buf, size_t buflen)
{
    X509_NAME *n = X509_get_subject_name(x);
    int i = X509_NAME_get_index_by_NID(n, NID_commonName, -1);
    unsigned char *utf8 = NULL;
    int len;

    buf[0] = '\0';
    if (i >= 0 &&
        (len = ASN1_STRING_to_UTF8(&utf8, X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i)))) >= 0) {
        snprintf(buf, buflen, "%.*s", len, (char *)utf8);
        OPENSSL_free(utf8);
        return;
    }
    BIO *b = BIO_new(BIO_s_mem());
    if (b != NULL && X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        int r = BIO_read(b, buf, (int)(buflen > INT_MAX ? INT_MAX : buflen - 1));
        buf[r > 0 ? r : 0] = '\0';
    }
    BIO_free(b);
    ERR_clear_error();
}

int sc_cert_subject(const uint8_t *der, size_t len, char *buf, size_t buflen, sc_err *err)
{
    X509 *x;

    if (buflen == 0)
        return sc_err_set(err, SC_EINVAL, "certificate subject: no room in the buffer");
    if ((x = sc__cert_parse(der, len, "certificate", err)) == NULL)
        return SC_EFORMAT;
    sc__cert_name(x, buf, buflen);
    X509_free(x);
    return 0;
}

int sc_cert_signed_by(const uint8_t *der, size_t len, const uint8_t *issuer, size_t issuer_len,
                      sc_err *err)
{
    X509 *x = sc__cert_parse(der, len, "certificate", err), *ca = NULL;
    int rc = 0;

    if (x == NULL || (ca = sc__cert_parse(issuer, issuer_len, "issuer certificate", err)) == NULL)
        rc = err != NULL && err->code == SC_ENOMEM ? SC_ENOMEM : SC_EFORMAT;
    else if (X509_verify(x, X509_get0_pubkey(ca)) != 1)
        rc = sc_err_set(err, SC_ECRYPTO, "the certificate's signature does not verify with the "
                        "issuer certificate's public key");
    X509_free(ca);
    X509_free(x);
    ERR_clear_error();
    return rc;
}
