/* pkcs7_int.h: GB/T 35275 / GM/T 0010 SignedData with SM2/SM3 (internal).
 *
 * What OFD Type="Sign" signatures hold in SignedValue.dat (railway tickets, ofdrw
 * GBT35275DSContainer): a ContentInfo (1.2.156.10197.6.1.4.2.2, or the PKCS#7 OID
 * 1.2.840.113549.1.7.2) with SignedData, detached or carrying its content; one SignerInfo with
 * SM3 and SM2 (1.2.156.10197.1.301.1 or 1.2.156.10197.1.501), with or without authenticated
 * attributes (content-type, message-digest, signing-time). OpenSSL 3.0 CMS refuses SM2
 * SignedData, so it is parsed here with the DER cursor and the signature checked with
 * sc__sig_verify. */
#ifndef SC_PKCS7_INT_H
#define SC_PKCS7_INT_H

#include <stddef.h>
#include <stdint.h>

#include "sealcore/key.h"
#include "sealcore/verify.h"
#include "verify/verify_int.h"

#define SC_P7_MAX_DER (1024 * 1024)   /* a whole ContentInfo, bytes (it may carry its content) */
#define SC_P7_MAX_CERTS 16            /* entries in SignedData.certificates */
#define SC_P7_MAX_ATTRS 32            /* authenticated or unauthenticated attributes, each */
#define SC_P7_MAX_ALGS 8              /* entries in SignedData.digestAlgorithms */

/* Verify SignedData der over data and fill item it (kind "signature"): structure,
 * signer_signature, signer_cert, cert_chain, data_hash (and timestamp when an unsigned
 * time-stamp attribute is present), plus it->signer and it->sign_time (signing-time
 * attribute; absent: has_time 0). The signed content is data itself, or, when the
 * SignedData carries its content, that content, which must equal data, SM3(data) or the
 * Base64 text of SM3(data) (data_hash says which failed). A structure that cannot be read
 * fails structure and leaves the rest skipped (blocking). o->at as in sc_verify_opts;
 * o->data is not used (data is). Reasons call data "the signed data (Signature.xml)", what it
 * is in OFD. The signer's certificate is judged at o->at, else at the signing-time attribute,
 * else not at all (signer_cert and cert_chain skipped, blocking).
 * @param der, len   at most SC_P7_MAX_DER bytes, else structure fails; borrowed for the call
 * @param data       the signed bytes; NULL only with data_len 0
 * @return 0 (item filled, even failing), or SC_ENOMEM (or another negative code when hashing
 *         or chain building itself fails) with err filled */
int sc__p7_verify_item(sc_item *it, const uint8_t *der, size_t len, const uint8_t *data,
                       size_t data_len, const sc_verify_opts *o, sc_err *err);

/* Make a detached SignedData over data with the GM/T 0010 OIDs, in canonical DER
 * (authenticated attributes content-type, message-digest = SM3(data), signing-time =
 * sign_time, sorted as a DER SET OF; signing-time a UTCTime for 1950..2049, else a
 * GeneralizedTime, RFC 5652 §11.3), signed with key (SM2-with-SM3, ID 1234567812345678),
 * cert included. sign_time 0 means now.
 * @param cert_der   the signer's DER certificate; it must carry key's public key
 * @param data       NULL only with data_len 0
 * @param[out] der   new buffer, free(); NULL on failure
 * @return 0, SC_EINVAL (argument, certificate, key mismatch, time before year 1 or after
 *         9999), SC_ECRYPTO (or the key backend's code), SC_ENOMEM */
int sc__p7_sign(const sc_key *key, const uint8_t *cert_der, size_t cert_len,
                const uint8_t *data, size_t data_len, int64_t sign_time, uint8_t **der,
                size_t *der_len, sc_err *err);

/* The most a SignedData, TSTInfo or TimeStampResp made here may take (sc_der_buf's max for
 * pkcs7_sign.c and tsa/): certificates are at most 64 KiB each (sc__cert_parse). */
#define SC_P7_MAX_OUT (256 * 1024)

/* One more signed attribute: its type and its single value, both whole DER TLVs. */
typedef struct sc__p7_attr {
    sc_span oid, value;
} sc__p7_attr;

/* What varies between the SignedData seal-core makes. Spans are borrowed for the call. */
typedef struct sc__p7_spec {
    int pkcs7;              /* 1: the RFC 5652 form an RFC 3161 token is: signedData
                               1.2.840.113549.1.7.2, version 3 (content type not data),
                               signatureAlgorithm SM2-with-SM3 1.2.156.10197.1.501; 0: GM/T 0010
                               (1.2.156.10197.6.1.4.2.2, version 1, sm2-1 1.2.156.10197.1.301.1) */
    sc_span content_type;   /* eContentType, a whole OID TLV; also the content-type attribute */
    int embed;              /* 1: data is carried as eContent; 0: detached */
    int signing_time;       /* 1: a signing-time attribute of sign_time */
    int64_t sign_time;
    const sc__p7_attr *attrs;   /* more signed attributes, at most SC_P7_MAX_ATTRS - 3 */
    size_t nattrs;
    int no_certs;           /* 1: no [0] certificates (an RFC 3161 request without certReq) */
    const sc_span *chain;   /* DER certificates placed after the signer's */
    size_t nchain;
    int cert_checked;       /* 1: the caller parsed cert_der and matched it to key once
                               already (sc_tsa_new does): the per-call OpenSSL parse, most
                               of an SM2 signature's cost in 3.0, is skipped */
} sc__p7_spec;

/* sc__p7_sign with every choice spelled out: SignedData over data (SM3 digest, the signed
 * attributes content-type, message-digest = SM3(data), signing-time if asked, spec->attrs,
 * sorted as a DER SET OF), signed with key (SM2-with-SM3, ID 1234567812345678).
 * @return as sc__p7_sign; SC_EINVAL also for a spec without content type or with too many
 *         attributes; SC_ENOMEM also when the output would exceed SC_P7_MAX_OUT */
int sc__p7_sign_spec(const sc_key *key, const uint8_t *cert_der, size_t cert_len,
                     const uint8_t *data, size_t data_len, const sc__p7_spec *spec,
                     uint8_t **der, size_t *der_len, sc_err *err);

/* The issuer Name and serialNumber INTEGER elements (whole TLVs, borrowed from der) of a DER
 * certificate, as issuerAndSerialNumber copies them. @return 0 or SC_EFORMAT. */
int sc__p7_issuer_serial(const uint8_t *der, size_t len, sc_span *issuer, sc_span *serial,
                         sc_err *err);

/* Does the DER certificate cert match ias, the content of an issuerAndSerialNumber SEQUENCE
 * (issuer Name then serialNumber, compared byte for byte with the certificate's own)?
 * Shared by SignedData and TimeStampToken signer lookup. @return 1 or 0. */
int sc__p7_ias_matches(sc_span ias, const uint8_t *cert, size_t cert_len);

#endif
