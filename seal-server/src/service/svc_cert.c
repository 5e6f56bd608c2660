/* svc_cert.c: where a unit's signer certificate comes from. The provincial seal CA's key
 * issues it here, or an external CA does (ss_svc_config.issue_cert, e.g. EST in the HTTP
 * layer). An external answer is checked before a seal is made on it: a CA that returned
 * another subject's certificate, one it did not sign, or one ending before the seal would
 * leave a seal nobody can verify. */
#include "service_int.h"

#include <string.h>

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>

/* The certificate's signature verifies with the CA certificate's key (SM2 with the GM ID). */
static int signed_by(X509 *x, const uint8_t *ca_der, size_t ca_len, sc_err *err)
{
    const uint8_t *p = ca_der;
    X509 *ca = d2i_X509(NULL, &p, (long)ca_len);
    ASN1_OCTET_STRING *id = ASN1_OCTET_STRING_new();
    int ok;

    if (ca == NULL || id == NULL || !ASN1_OCTET_STRING_set(id, (const uint8_t *)"1234567812345678",
                                                           16)) {
        ASN1_OCTET_STRING_free(id);
        X509_free(ca);
        return sc_err_set(err, SC_ENOMEM, "external CA: cannot read the CA certificate");
    }
    X509_set0_distinguishing_id(x, id);   /* set0: x owns id */
    ok = X509_verify(x, X509_get0_pubkey(ca)) == 1;
    X509_free(ca);
    ERR_clear_error();
    return ok ? 0 : sc_err_set(err, SC_ECRYPTO, "external CA: the certificate it returned is "
                               "not signed by the configured seal CA certificate");
}

static int check_external(const ss_svc *svc, const sc_key *key, const sc_cert_issue_params *cp,
                          const uint8_t *der, size_t len, sc_err *err)
{
    const uint8_t *p = der;
    X509 *x = len > 0 && len < 64 * 1024 ? d2i_X509(NULL, &p, (long)len) : NULL;
    ASN1_TIME *want = NULL;
    int rc, day = 0, sec = 0;

    if (x == NULL || p != der + len) {
        X509_free(x);
        ERR_clear_error();
        return sc_err_set(err, SC_EFORMAT, "external CA: the answer is not one DER "
                          "certificate");
    }
    if ((rc = sc_key_matches_cert(key, der, len, err)) != 0) {
        X509_free(x);
        sc_err_clear(err);
        return sc_err_set(err, SC_EINVAL, "external CA: the certificate it returned is for "
                          "another key than the one in the request");
    }
    if ((rc = signed_by(x, svc->ca_cert, svc->ca_cert_len, err)) != 0) {
        X509_free(x);
        return rc;
    }
    if ((want = ASN1_TIME_set(NULL, (time_t)cp->not_after)) == NULL ||
        !ASN1_TIME_diff(&day, &sec, want, X509_get0_notAfter(x)))
        rc = sc_err_set(err, SC_ENOMEM, "external CA: cannot compare validity");
    else if (day < 0 || sec < 0)
        rc = sc_err_set(err, SC_EINVAL, "external CA: the certificate ends before the seal's "
                        "validity does (%lld); the seal would outlive its signer",
                        (long long)cp->not_after);
    ASN1_TIME_free(want);
    X509_free(x);
    return rc;
}

int svc__signer_cert(ss_svc *svc, const sc_key *key, const sc_cert_issue_params *p,
                     uint8_t **cert, size_t *cert_len, sc_err *err)
{
    int rc;

    if (svc->issue_cert == NULL)
        return sc_cert_issue(cert, cert_len, p, svc->ca_key, svc->ca_cert, svc->ca_cert_len,
                             err);
    *cert = NULL;
    *cert_len = 0;
    if ((rc = svc->issue_cert(svc->issue_cert_ctx, key, p, cert, cert_len, err)) == 0 &&
        (rc = check_external(svc, key, p, *cert, *cert_len, err)) != 0) {
        free(*cert);
        *cert = NULL;
        *cert_len = 0;
    }
    /* whatever the CA did wrong is neither the caller's fault (4xx) nor a mystery (500):
     * SS_EUPSTREAM, with the CA's story in err; running out of memory stays what it is */
    if (rc != 0 && rc != SC_ENOMEM) {
        if (err != NULL)
            err->code = SS_EUPSTREAM;
        rc = SS_EUPSTREAM;
    }
    return rc;
}
