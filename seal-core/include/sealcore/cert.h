/* sealcore/cert.h: issuing X.509 v3 certificates for SM2 keys.
 *
 * The provincial seal CA gives every seal made on the server a signer certificate (the unit's
 * 签章者 certificate). Its profile is the development PKI's v3_seal_leaf (certs-dev/
 * make-dev-pki), which follows the real signer certificates in the vectors
 * (shared/spec/pki-profile.md §3):
 *   version 3; serialNumber positive (16 random bytes unless given); signature SM2-with-SM3
 *   (1.2.156.10197.1.501, no parameters, as OpenSSL writes it), computed with the GM
 *   distinguishing ID 1234567812345678; issuer = the CA certificate's subject, byte for byte;
 *   subject C (PrintableString), ST, L, O, OU, CN (UTF8String); extensions
 *   basicConstraints critical CA:FALSE, keyUsage critical digitalSignature + nonRepudiation,
 *   subjectKeyIdentifier (SHA-1 of the subject public key, RFC 5280 4.2.1.2 method 1),
 *   authorityKeyIdentifier keyid (the CA's subjectKeyIdentifier).
 * The CA key signs through sc_key_sign(), so a CA key in an HSM (a PKCS#11 or SDF sc_key
 * backend) issues the same way as a software key. */
#ifndef SEALCORE_CERT_H
#define SEALCORE_CERT_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/error.h"
#include "sealcore/key.h"

#define SC_CERT_SERIAL_MAX 20       /* RFC 5280 4.1.2.2: at most 20 octets */
#define SC_CERT_SPKI_MAX 1024       /* bytes of a SubjectPublicKeyInfo accepted */

/* What the new certificate says. Pointers are only read during sc_cert_issue(). */
typedef struct sc_cert_issue_params {
    const uint8_t *spki;        /* the subject's public key: DER SubjectPublicKeyInfo, SM2 */
    size_t spki_len;            /* 1..SC_CERT_SPKI_MAX */
    const char *country;        /* C: two letters; NULL = "CN" */
    const char *province;       /* ST, UTF-8, up to 128 characters; NULL or "" = none */
    const char *locality;       /* L, UTF-8, up to 128 characters; NULL or "" = none */
    const char *org;            /* O, UTF-8, up to 64 characters; NULL or "" = none */
    const char *org_unit;       /* OU, UTF-8, up to 64 characters; NULL or "" = none */
    const char *common_name;    /* CN, UTF-8, 1..64 characters: the unit's or seal's name */
    int64_t not_before;         /* seconds since the epoch, UTC; must lie within the CA's */
    int64_t not_after;          /* validity, and not_before < not_after */
    const uint8_t *serial;      /* big-endian, positive, not zero; NULL = 16 random bytes */
    size_t serial_len;          /* 1..SC_CERT_SERIAL_MAX when serial is given */
} sc_cert_issue_params;

/** Issue a certificate for p->spki, signed by ca_key, the key of ca_cert.
 *  Before returning, the new certificate is parsed back and its signature verified with the
 *  CA certificate's public key (and the SM2 ID), so a backend that signs with the wrong key
 *  cannot hand out a certificate nobody can verify.
 *  @param[out] der, der_len  the new DER certificate; the caller frees it with free(); NULL
 *                            and 0 on failure
 *  @param ca_cert   DER certificate of the issuing CA: CA:TRUE and, when it has keyUsage,
 *                   keyCertSign; copied for the call only
 *  @return 0;
 *          SC_EINVAL  p wrong (no CN, empty or over-long name part, country not two
 *                     letters, validity empty or outside the CA's, bad serial), ca_cert not
 *                     a CA, ca_key not matching ca_cert; err names the field;
 *          SC_EFORMAT spki or ca_cert unreadable;
 *          SC_EUNSUPPORTED  spki is not an SM2 key;
 *          SC_ECRYPTO, SC_ENOMEM or the key backend's code. */
SC_API int sc_cert_issue(uint8_t **der, size_t *der_len, const sc_cert_issue_params *p,
                         const sc_key *ca_key, const uint8_t *ca_cert, size_t ca_cert_len,
                         sc_err *err);

/** A PKCS#10 certification request (RFC 2986) for key, the private half of p->spki, with the
 *  subject of p (C, ST, L, O, OU, CN; validity and serial are ignored), SM2-with-SM3 signed by
 *  key (ID 1234567812345678), for an external CA (EST simpleenroll, RFC 7030). Verified with
 *  p->spki before returning, so a key that is not p->spki's is refused.
 *  @param[out] der, der_len  new DER CertificationRequest, free(); NULL and 0 on failure
 *  @return 0, SC_EINVAL (subject; key not the one of p->spki), SC_EFORMAT (spki),
 *          SC_EUNSUPPORTED (not SM2), SC_ECRYPTO, SC_ENOMEM or the key backend's code */
SC_API int sc_cert_request(uint8_t **der, size_t *der_len, const sc_cert_issue_params *p,
                           const sc_key *key, sc_err *err);


#endif
