/* svc_cert.c: where a unit's signer certificate comes from. The provincial seal CA's key
 * issues it here, or an external CA does (ss_svc_config.issue_cert, e.g. EST in the HTTP
 * layer). An external answer is checked before a seal is made on it: a CA that returned
 * another subject's certificate, one it did not sign, or one ending before the seal would
 * leave a seal nobody can verify. */
#include "service_int.h"

#include <string.h>

#include "sealcore/trust.h"

#include <openssl/asn1.h>
#include <openssl/err.h>
#include <openssl/x509.h>

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
    if ((rc = sc_cert_signed_by(der, len, svc->ca_cert, svc->ca_cert_len, err)) != 0) {
        X509_free(x);
        return sc_err_prefix(err, "external CA: the certificate it returned is not signed by "
                             "the configured seal CA certificate");
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
