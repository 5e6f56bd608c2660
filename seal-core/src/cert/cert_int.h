/* cert_int.h: certificates and chains inside seal-core. */
#ifndef SC_CERT_INT_H
#define SC_CERT_INT_H

#include <openssl/x509.h>

#include "sc_int.h"
#include "sealcore/cert.h"
#include "sealcore/trust.h"

/* Parse a DER certificate (no trailing bytes) and give SM2 keys the GM distinguishing ID, so
 * that its own signature verifies the way its issuer made it. */
X509 *sc__cert_parse(const uint8_t *der, size_t len, const char *field, sc_err *err);
/* As sc__cert_parse, but served from t's cache of parsed certificates when t is not NULL:
 * a verifier sees the same seals and signers again and again, and OpenSSL 3.0's d2i_X509 is
 * expensive. The result is the caller's (X509_free); it may be shared, so never modify it. */
X509 *sc__trust_cert(const sc_trust *t, const uint8_t *der, size_t len, const char *field,
                     sc_err *err);
/* An ASN1_TIME (notBefore, notAfter) as seconds since the epoch; -1 if it cannot be read. */
int sc__asn1_time(const ASN1_TIME *a, int64_t *out);
/* Subject CN, else the RFC 2253 DN, UTF-8. */
void sc__cert_name(X509 *x, char *buf, size_t buflen);
/* Shared by sc_cert_issue and sc_cert_request (cert_issue.c): the subject C, ST, L, O, OU, CN
 * of p into n, checked; and p->spki checked to be one DER SM2 SubjectPublicKeyInfo, as *pkey
 * and re-encoded into a new *der (free()). */
int sc__cert_subject(X509_NAME *n, const sc_cert_issue_params *p, sc_err *err);
int sc__cert_read_spki(const sc_cert_issue_params *p, EVP_PKEY **pkey, uint8_t **der,
                       size_t *len, sc_err *err);
/* Chain from leaf to an anchor, valid at time at. 1 good, 0 not (why says why in words a
 * person can act on), <0 internal failure (err). */
int sc__trust_verify(const sc_trust *t, X509 *leaf, int64_t at, char *why, size_t whylen,
                     sc_err *err);

#endif
