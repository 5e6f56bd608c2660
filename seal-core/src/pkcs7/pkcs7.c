/* pkcs7.c: reads GB/T 35275 / GM/T 0010 SignedData (OFD Type="Sign", spec/ofd-signature.md
 * §7) and verifies it into one report item. Read with the DER cursor, keeping the original
 * bytes of what is signed (the authenticated attributes, the content); the signer is judged by
 * verify/'s shared checks, so an OFD signer is held to the rules a seal signer is.
 * Not here: making SignedData (pkcs7_sign.c), OFD packages and references (ofd/). */
#include "pkcs7_int.h"
#include "cert/cert_int.h"
#include "der/der_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#define OID_P7_SIGNED "1.2.840.113549.1.7.2"
#define OID_P7_DATA "1.2.840.113549.1.7.1"
#define OID_GM_SIGNED "1.2.156.10197.6.1.4.2.2"
#define OID_GM_DATA "1.2.156.10197.6.1.4.2.1"
#define OID_SM2_1 "1.2.156.10197.1.301.1"
#define OID_CONTENT_TYPE "1.2.840.113549.1.9.3"
#define OID_MESSAGE_DIGEST "1.2.840.113549.1.9.4"
#define OID_SIGNING_TIME "1.2.840.113549.1.9.5"
#define OID_TS_TOKEN "1.2.840.113549.1.9.16.2.14"   /* id-aa-timeStampToken (RFC 3161) */

#define SI "SignedData.signerInfos[0]"
#define AA SI ".authenticatedAttributes"
#define UA SI ".unauthenticatedAttributes"
#define DATA_NAME "the signed data (Signature.xml)"
#define NO_TIME "the SignedData has no signing-time attribute, so the signer certificate " \
                "could not be judged at the signing time; give --at TIME"
#define UNREAD "not checked: the SignedData's structure failed (see structure)"
#define OIDLEN 96

typedef struct p7 {
    int64_t version;             /* SignedData.version */
    int lists_sm3;               /* SignedData.digestAlgorithms names SM3 */
    char content_type[OIDLEN];   /* SignedData.contentInfo.contentType */
    int has_content;
    sc_span content;             /* the [0] OCTET STRING's value when carried */
    sc_span certs;               /* content of [0] certificates; empty when absent */
    sc_tlv sid;                  /* issuerAndSerialNumber, or [0] subjectKeyIdentifier */
    char digest[OIDLEN], sig_alg[OIDLEN];
    int has_attrs;
    sc_span attrs;               /* [0] authenticatedAttributes, whole TLV as read */
    sc_span sig;                 /* encryptedDigest's value */
    int has_ct, has_md, has_time;
    char ct[OIDLEN];             /* contentType attribute */
    sc_span md;                  /* messageDigest attribute */
    int64_t time;                /* signingTime attribute */
    sc_span token;               /* time-stamp token (whole ContentInfo); p NULL when absent */
} p7;

/* AlgorithmIdentifier: the OID, then NULL or nothing (what GM producers write). */
static int read_alg(sc_der *r, char *oid, const char *f, sc_err *err)
{
    sc_der alg;
    sc_tlv t;
    int rc;

    if ((rc = sc__der_enter(r, SC_TAG_SEQUENCE, &alg, NULL, f, err)) != 0 ||
        (rc = sc__der_get(&alg, SC_TAG_OID, &t, f, err)) != 0 ||
        (rc = sc__der_oid(&t, oid, OIDLEN, f, err)) != 0)
        return rc;
    if (sc__der_more(&alg) &&
        ((rc = sc__der_get(&alg, SC_TAG_NULL, &t, f, err)) != 0 || t.val.len != 0))
        return rc != 0 ? rc : sc_err_set(err, SC_EFORMAT, "%s: NULL with content", f);
    if (sc__der_more(&alg))
        return sc_err_set(err, SC_EFORMAT, "%s: parameters must be NULL or absent", f);
    return 0;
}

/* Attribute ::= SEQUENCE { type OID, values SET OF ANY }: the one value the three attributes
 * we read may carry (RFC 5652 §11: each exactly one). */
static int one_value(sc_der *attr, sc_tlv *v, const char *f, const char *name, sc_err *err)
{
    sc_der vals;
    int rc;

    if ((rc = sc__der_enter(attr, SC_TAG_SET, &vals, NULL, f, err)) != 0 ||
        (rc = sc__der_any(&vals, v, f, err)) != 0)
        return rc;
    if (sc__der_more(&vals))
        return sc_err_set(err, SC_EFORMAT, "%s: %s has more than one value", f, name);
    return sc__der_leave(attr, f, err);
}

static int read_attrs(p7 *k, const sc_tlv *a, sc_err *err)
{
    sc_der set, attr;
    sc_tlv t, v;
    char oid[OIDLEN];
    int n = 0, rc;

    sc__der_init(&set, a->val.p, a->val.len);
    if (!sc__der_more(&set))
        return sc_err_set(err, SC_EFORMAT, "%s: empty", AA);
    while (sc__der_more(&set)) {
        if (++n > SC_P7_MAX_ATTRS)
            return sc_err_set(err, SC_ELIMIT, "%s: more than %d attributes", AA, SC_P7_MAX_ATTRS);
        if ((rc = sc__der_enter(&set, SC_TAG_SEQUENCE, &attr, NULL, AA, err)) != 0 ||
            (rc = sc__der_get(&attr, SC_TAG_OID, &t, AA, err)) != 0 ||
            (rc = sc__der_oid(&t, oid, sizeof(oid), AA, err)) != 0)
            return rc;
        if (strcmp(oid, OID_CONTENT_TYPE) == 0) {
            if (k->has_ct++)
                return sc_err_set(err, SC_EFORMAT, "%s: contentType appears twice", AA);
            if ((rc = one_value(&attr, &v, AA ".contentType", "contentType", err)) != 0 ||
                (rc = sc__der_oid(&v, k->ct, sizeof(k->ct), AA ".contentType", err)) != 0)
                return rc;
        } else if (strcmp(oid, OID_MESSAGE_DIGEST) == 0) {
            if (k->has_md++)
                return sc_err_set(err, SC_EFORMAT, "%s: messageDigest appears twice", AA);
            if ((rc = one_value(&attr, &v, AA ".messageDigest", "messageDigest", err)) != 0)
                return rc;
            if (v.tag != SC_TAG_OCTET_STRING)
                return sc_err_set(err, SC_EFORMAT, "%s.messageDigest: expected OCTET STRING, "
                                  "found tag 0x%02x", AA, v.tag);
            k->md = v.val;
        } else if (strcmp(oid, OID_SIGNING_TIME) == 0) {
            if (k->has_time++)
                return sc_err_set(err, SC_EFORMAT, "%s: signingTime appears twice", AA);
            if ((rc = one_value(&attr, &v, AA ".signingTime", "signingTime", err)) != 0 ||
                (rc = sc__der_time(&v, &k->time, AA ".signingTime", err)) != 0)
                return rc;
        } else if ((rc = sc__der_get(&attr, SC_TAG_SET, &t, AA, err)) != 0 ||
                   (rc = sc__der_leave(&attr, AA, err)) != 0) {
            return rc;   /* other attributes: shape only */
        }
    }
    return 0;
}

static int read_unsigned(p7 *k, const sc_tlv *a, sc_err *err)
{
    sc_der set, attr;
    sc_tlv t, v;
    char oid[OIDLEN];
    int n = 0, rc;

    sc__der_init(&set, a->val.p, a->val.len);
    while (sc__der_more(&set)) {
        if (++n > SC_P7_MAX_ATTRS)
            return sc_err_set(err, SC_ELIMIT, "%s: more than %d attributes", UA, SC_P7_MAX_ATTRS);
        if ((rc = sc__der_enter(&set, SC_TAG_SEQUENCE, &attr, NULL, UA, err)) != 0 ||
            (rc = sc__der_get(&attr, SC_TAG_OID, &t, UA, err)) != 0 ||
            (rc = sc__der_oid(&t, oid, sizeof(oid), UA, err)) != 0)
            return rc;
        if (strcmp(oid, OID_TS_TOKEN) == 0) {
            if (k->token.p != NULL)
                return sc_err_set(err, SC_EFORMAT, "%s: two time-stamp tokens", UA);
            if ((rc = one_value(&attr, &v, UA ".timeStampToken", "timeStampToken", err)) != 0)
                return rc;
            k->token = v.all;
        } else if ((rc = sc__der_get(&attr, SC_TAG_SET, &t, UA, err)) != 0 ||
                   (rc = sc__der_leave(&attr, UA, err)) != 0) {
            return rc;
        }
    }
    return 0;
}

static int read_signer(sc_der *infos, p7 *k, sc_err *err)
{
    sc_der si;
    sc_tlv t;
    int64_t v;
    int rc;

    if ((rc = sc__der_enter(infos, SC_TAG_SEQUENCE, &si, NULL, SI, err)) != 0 ||
        (rc = sc__der_get_uint(&si, &v, SI ".version", err)) != 0)
        return rc;
    if (v != 1 && v != 3)
        return sc_err_set(err, SC_EFORMAT, "%s.version: %lld, expected 1 or 3", SI, (long long)v);
    if ((rc = sc__der_any(&si, &k->sid, SI ".issuerAndSerialNumber", err)) != 0)
        return rc;
    if (k->sid.tag != SC_TAG_SEQUENCE && k->sid.tag != 0x80)
        return sc_err_set(err, SC_EFORMAT, "%s.issuerAndSerialNumber: expected a SEQUENCE (or "
                          "[0] subjectKeyIdentifier), found tag 0x%02x", SI, k->sid.tag);
    if ((rc = read_alg(&si, k->digest, SI ".digestAlgorithm", err)) != 0)
        return rc;
    if (sc__der_peek_tag(&si) == 0xa0) {
        if ((rc = sc__der_get(&si, 0xa0, &t, AA, err)) != 0 || (rc = read_attrs(k, &t, err)) != 0)
            return rc;
        k->has_attrs = 1;
        k->attrs = t.all;
    }
    if ((rc = read_alg(&si, k->sig_alg, SI ".digestEncryptionAlgorithm", err)) != 0 ||
        (rc = sc__der_get(&si, SC_TAG_OCTET_STRING, &t, SI ".encryptedDigest", err)) != 0)
        return rc;
    k->sig = t.val;
    if (sc__der_peek_tag(&si) == 0xa1 &&
        ((rc = sc__der_get(&si, 0xa1, &t, UA, err)) != 0 || (rc = read_unsigned(k, &t, err)) != 0))
        return rc;
    return sc__der_leave(&si, SI, err);
}

/* contentInfo { contentType, [0] EXPLICIT OCTET STRING OPTIONAL } */
static int read_content(sc_der *sd, p7 *k, sc_err *err)
{
    sc_der eci, box;
    sc_tlv t;
    int rc;

    if ((rc = sc__der_enter(sd, SC_TAG_SEQUENCE, &eci, NULL, "SignedData.contentInfo", err)) != 0 ||
        (rc = sc__der_get(&eci, SC_TAG_OID, &t, "SignedData.contentInfo.contentType", err)) != 0 ||
        (rc = sc__der_oid(&t, k->content_type, OIDLEN, "SignedData.contentInfo.contentType",
                          err)) != 0)
        return rc;
    if (strcmp(k->content_type, OID_GM_DATA) != 0 && strcmp(k->content_type, OID_P7_DATA) != 0)
        return sc_err_set(err, SC_EFORMAT, "SignedData.contentInfo.contentType: %s is not data "
                          "(%s or %s)", k->content_type, OID_GM_DATA, OID_P7_DATA);
    if (sc__der_more(&eci)) {
        if ((rc = sc__der_enter(&eci, 0xa0, &box, NULL, "SignedData.contentInfo.content",
                                err)) != 0 ||
            (rc = sc__der_get(&box, SC_TAG_OCTET_STRING, &t, "SignedData.contentInfo.content",
                              err)) != 0 ||
            (rc = sc__der_leave(&box, "SignedData.contentInfo.content", err)) != 0)
            return rc;
        k->has_content = 1;
        k->content = t.val;
    }
    return sc__der_leave(&eci, "SignedData.contentInfo", err);
}

static int read_p7(const uint8_t *der, size_t len, p7 *k, sc_err *err)
{
    sc_der r, ci, box, sd, set;
    sc_tlv t;
    char oid[OIDLEN];
    int n, rc;

    if (len > SC_P7_MAX_DER)
        return sc_err_set(err, SC_ELIMIT, "SignedData: %zu bytes, at most %d", len, SC_P7_MAX_DER);
    sc__der_init(&r, der, len);
    if ((rc = sc__der_enter(&r, SC_TAG_SEQUENCE, &ci, NULL, "ContentInfo", err)) != 0 ||
        (rc = sc__der_leave(&r, "ContentInfo", err)) != 0 ||
        (rc = sc__der_get(&ci, SC_TAG_OID, &t, "ContentInfo.contentType", err)) != 0 ||
        (rc = sc__der_oid(&t, oid, sizeof(oid), "ContentInfo.contentType", err)) != 0)
        return rc;
    if (strcmp(oid, OID_GM_SIGNED) != 0 && strcmp(oid, OID_P7_SIGNED) != 0)
        return sc_err_set(err, SC_EFORMAT, "ContentInfo.contentType: %s is not signedData (%s "
                          "or %s)", oid, OID_GM_SIGNED, OID_P7_SIGNED);
    if ((rc = sc__der_enter(&ci, 0xa0, &box, NULL, "ContentInfo.content", err)) != 0 ||
        (rc = sc__der_leave(&ci, "ContentInfo", err)) != 0 ||
        (rc = sc__der_enter(&box, SC_TAG_SEQUENCE, &sd, NULL, "SignedData", err)) != 0 ||
        (rc = sc__der_leave(&box, "ContentInfo.content", err)) != 0 ||
        (rc = sc__der_get_uint(&sd, &k->version, "SignedData.version", err)) != 0)
        return rc;
    if (k->version < 1 || k->version > 5)
        return sc_err_set(err, SC_EFORMAT, "SignedData.version: %lld, expected 1..5",
                          (long long)k->version);
    if ((rc = sc__der_enter(&sd, SC_TAG_SET, &set, NULL, "SignedData.digestAlgorithms",
                            err)) != 0)
        return rc;
    for (n = 0; sc__der_more(&set); n++) {
        if (n == SC_P7_MAX_ALGS)
            return sc_err_set(err, SC_ELIMIT, "SignedData.digestAlgorithms: more than %d",
                              SC_P7_MAX_ALGS);
        if ((rc = read_alg(&set, oid, "SignedData.digestAlgorithms", err)) != 0)
            return rc;
        k->lists_sm3 |= strcmp(oid, SC_OID_SM3) == 0;
    }
    if ((rc = read_content(&sd, k, err)) != 0)
        return rc;
    if (sc__der_peek_tag(&sd) == 0xa0) {
        if ((rc = sc__der_enter(&sd, 0xa0, &set, &t, "SignedData.certificates", err)) != 0)
            return rc;
        for (n = 0; sc__der_more(&set); n++) {
            if (n == SC_P7_MAX_CERTS)
                return sc_err_set(err, SC_ELIMIT, "SignedData.certificates: more than %d",
                                  SC_P7_MAX_CERTS);
            sc_tlv c;
            if ((rc = sc__der_any(&set, &c, "SignedData.certificates", err)) != 0)
                return rc;
        }
        k->certs = t.val;
    }
    if (sc__der_peek_tag(&sd) == 0xa1 &&
        (rc = sc__der_get(&sd, 0xa1, &t, "SignedData.crls", err)) != 0)
        return rc;
    if ((rc = sc__der_enter(&sd, SC_TAG_SET, &set, NULL, "SignedData.signerInfos", err)) != 0)
        return rc;
    if (!sc__der_more(&set))
        return sc_err_set(err, SC_EFORMAT, "SignedData.signerInfos: empty, no signer");
    if ((rc = read_signer(&set, k, err)) != 0)
        return rc;
    if (sc__der_more(&set))
        return sc_err_set(err, SC_EUNSUPPORTED, "SignedData.signerInfos: more than one "
                          "SignerInfo; exactly one is supported");
    return sc__der_leave(&sd, "SignedData", err);
}

/* What the structure check decides beyond the syntax: algorithms and attributes. */
static int semantics(const p7 *k, sc_err *err)
{
    if (strcmp(k->digest, SC_OID_SM3) != 0)
        return sc_err_set(err, SC_EFORMAT, "%s.digestAlgorithm: %s is not SM3 (%s)", SI,
                          k->digest, SC_OID_SM3);
    if (!k->lists_sm3)   /* RFC 5652 §5.1: the signer's digest algorithm is listed */
        return sc_err_set(err, SC_EFORMAT, "SignedData.digestAlgorithms: SM3 (%s), the signer's "
                          "digest algorithm, is not listed", SC_OID_SM3);
    if (strcmp(k->sig_alg, OID_SM2_1) != 0 && strcmp(k->sig_alg, SC_OID_SM2_SM3) != 0)
        return sc_err_set(err, SC_EFORMAT, "%s.digestEncryptionAlgorithm: %s is not SM2 (%s or "
                          "%s)", SI, k->sig_alg, OID_SM2_1, SC_OID_SM2_SM3);
    if (!k->has_attrs)
        return 0;
    if (!k->has_ct)   /* RFC 5652 §5.3: both MUST be present when there are attributes */
        return sc_err_set(err, SC_EFORMAT, "%s: no contentType attribute", AA);
    if (!k->has_md)
        return sc_err_set(err, SC_EFORMAT, "%s: no messageDigest attribute", AA);
    if (strcmp(k->ct, k->content_type) != 0)
        return sc_err_set(err, SC_EFORMAT, "%s: contentType %s differs from SignedData."
                          "contentInfo.contentType %s", AA, k->ct, k->content_type);
    if (k->md.len != 32)
        return sc_err_set(err, SC_EFORMAT, "%s: messageDigest has %zu bytes, SM3 has 32", AA,
                          k->md.len);
    return 0;
}

int sc__p7_issuer_serial(const uint8_t *der, size_t len, sc_span *issuer, sc_span *serial,
                         sc_err *err)
{
    sc_der r, c, tbs;
    sc_tlv t;
    int rc;

    sc__der_init(&r, der, len);
    if ((rc = sc__der_enter(&r, SC_TAG_SEQUENCE, &c, NULL, "certificate", err)) != 0 ||
        (rc = sc__der_enter(&c, SC_TAG_SEQUENCE, &tbs, NULL, "certificate.tbsCertificate",
                            err)) != 0 ||
        (sc__der_peek_tag(&tbs) == 0xa0 &&
         (rc = sc__der_get(&tbs, 0xa0, &t, "certificate.version", err)) != 0) ||
        (rc = sc__der_get(&tbs, SC_TAG_INTEGER, &t, "certificate.serialNumber", err)) != 0)
        return rc;
    *serial = t.all;
    if ((rc = sc__der_get(&tbs, SC_TAG_SEQUENCE, &t, "certificate.signature", err)) != 0 ||
        (rc = sc__der_get(&tbs, SC_TAG_SEQUENCE, &t, "certificate.issuer", err)) != 0)
        return rc;
    *issuer = t.all;
    return 0;
}

int sc__p7_ias_matches(sc_span ias, const uint8_t *cert, size_t cert_len)
{
    sc_span is, sn;

    return sc__p7_issuer_serial(cert, cert_len, &is, &sn, NULL) == 0 &&
           ias.len == is.len + sn.len && memcmp(ias.p, is.p, is.len) == 0 &&
           memcmp(ias.p + is.len, sn.p, sn.len) == 0;
}

/* Does the certificate cert (DER) match the SignerIdentifier? issuerAndSerialNumber is
 * compared with the certificate's own bytes, as a signer copies them. */
static int sid_matches(const sc_tlv *sid, const sc_tlv *cert)
{
    if (sid->tag == 0x80) {
        X509 *x = sc__cert_parse(cert->all.p, cert->all.len, "", NULL);
        const ASN1_OCTET_STRING *ski = x != NULL ? X509_get0_subject_key_id(x) : NULL;
        int ok = ski != NULL && (size_t)ASN1_STRING_length(ski) == sid->val.len &&
                 memcmp(ASN1_STRING_get0_data(ski), sid->val.p, sid->val.len) == 0;
        X509_free(x);
        return ok;
    }
    return sc__p7_ias_matches(sid->val, cert->all.p, cert->all.len);
}

/* The signer's certificate from SignedData.certificates, parsed (through o->trust's cache). */
static X509 *find_signer(const p7 *k, const sc_verify_opts *o, sc_err *err)
{
    sc_der r;
    sc_tlv t;

    sc__der_init(&r, k->certs.p, k->certs.len);
    while (sc__der_more(&r)) {
        if (sc__der_any(&r, &t, "SignedData.certificates", err) != 0)
            return NULL;
        if (t.tag == SC_TAG_SEQUENCE && sid_matches(&k->sid, &t))
            return sc__trust_cert(o->trust, t.all.p, t.all.len, "SignedData.certificates: the "
                                  "signer certificate", err);
    }
    sc_err_set(err, SC_EFORMAT, "SignedData.certificates: no certificate matches %s.%s, so the "
               "signer's certificate is not included", SI,
               k->sid.tag == 0x80 ? "subjectKeyIdentifier" : "issuerAndSerialNumber");
    return NULL;
}

/* The content as carried: the data itself, its SM3, or the Base64 text of its SM3 (a
 * compatibility form of some producers, spec/ofd-signature.md §7). */
static int content_is_data(const sc_span *c, const uint8_t *data, size_t n, const uint8_t h[32])
{
    unsigned char b64[45];

    if (c->len == n && (n == 0 || memcmp(c->p, data, n) == 0))
        return 1;
    if (c->len == 32 && memcmp(c->p, h, 32) == 0)
        return 1;
    EVP_EncodeBlock(b64, h, 32);   /* 44 characters and a NUL */
    return c->len == 44 && memcmp(c->p, b64, 44) == 0;
}

static int check_data(sc_item *it, const p7 *k, const uint8_t *data, size_t n, sc_err *err)
{
    uint8_t h[32], hc[32];
    int rc;

    if ((rc = sc__sm3(data, n, h, err)) != 0)
        return rc;
    if (k->has_content && !content_is_data(&k->content, data, n, h)) {
        sc__item_set(it, SC_CHECK_DATA_HASH, SC_RESULT_FAILED, "SignedData.contentInfo.content "
                     "(%zu bytes) is neither %s, its SM3 nor the Base64 text of its SM3: the "
                     "signature is for other data", k->content.len, DATA_NAME);
        return 0;
    }
    if (k->has_attrs) {
        if (k->has_content && (rc = sc__sm3(k->content.p, k->content.len, hc, err)) != 0)
            return rc;
        if (memcmp(k->md.p, k->has_content ? hc : h, 32) != 0) {
            sc__item_set(it, SC_CHECK_DATA_HASH, SC_RESULT_FAILED, "%s: messageDigest does not "
                         "match SM3 of %s: %s", AA,
                         k->has_content ? "SignedData.contentInfo.content" : DATA_NAME,
                         k->has_content ? "the attributes were made for other content"
                                        : "the data changed after it was signed");
            return 0;
        }
    } else if (!k->has_content && it->res[SC_CHECK_SIGNER_SIGNATURE] != SC_RESULT_PASSED) {
        /* no digest to compare: the signature itself is over the data */
        sc__item_set(it, SC_CHECK_DATA_HASH, SC_RESULT_FAILED, "the SignedData is detached and "
                     "has no messageDigest, so its signature is over %s itself; as the signature "
                     "does not verify, the data may have changed after it was signed", DATA_NAME);
        return 0;
    }
    sc__item_set(it, SC_CHECK_DATA_HASH, SC_RESULT_PASSED, NULL);
    return 0;
}

static int check_chain(sc_item *it, X509 *signer, int64_t when, int has_when,
                       const sc_verify_opts *o, sc_err *err)
{
    char why[600];
    int rc;

    if (!sc__verify_has_anchors(o)) {
        sc__item_skip_no_trust(it, SC_CHECK_CERT_CHAIN);
        return 0;
    }
    if (!has_when) {
        sc__item_skip_blocking(it, SC_CHECK_CERT_CHAIN, NO_TIME);
        return 0;
    }
    if ((rc = sc__verify_chain_one(o->trust, signer, when, "signer", why, sizeof(why), err)) < 0)
        return rc;
    sc__item_set(it, SC_CHECK_CERT_CHAIN, rc == 1 ? SC_RESULT_PASSED : SC_RESULT_FAILED,
                 rc == 1 ? NULL : "%s", why);
    return 0;
}

static void structure_failed(sc_item *it, const char *why)
{
    static const sc_check rest[] = { SC_CHECK_SIGNER_SIGNATURE, SC_CHECK_SIGNER_CERT,
                                     SC_CHECK_CERT_CHAIN, SC_CHECK_DATA_HASH };

    sc__item_set(it, SC_CHECK_STRUCTURE, SC_RESULT_FAILED, "%s", why);
    for (size_t i = 0; i < sizeof(rest) / sizeof(rest[0]); i++)
        sc__item_skip_blocking(it, rest[i], UNREAD);
}

int sc__p7_verify_item(sc_item *it, const uint8_t *der, size_t len, const uint8_t *data,
                       size_t data_len, const sc_verify_opts *o, sc_err *err)
{
    p7 k;
    sc_err e = SC_ERR_INIT;
    X509 *signer = NULL;
    uint8_t *set = NULL;
    const uint8_t *msg;
    size_t msg_len;
    char name[256];
    int rc = 0;

    memset(&k, 0, sizeof(k));
    snprintf(it->kind, sizeof(it->kind), "signature");
    if (data == NULL)
        data = (const uint8_t *)"";   /* data_len is 0 then */
    if (read_p7(der, len, &k, &e) != 0 || semantics(&k, &e) != 0 ||
        (signer = find_signer(&k, o, &e)) == NULL) {
        if (e.code == SC_ENOMEM)
            rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        else
            structure_failed(it, e.msg);
        goto out;
    }
    it->version = k.version;
    it->has_time = k.has_time;
    it->sign_time = k.time;
    sc__cert_name(signer, name, sizeof(name));
    sc__item_text(&it->signer, name);
    sc__item_set(it, SC_CHECK_STRUCTURE, SC_RESULT_PASSED, NULL);

    if (k.has_attrs) {
        /* signed as the DER SET OF (tag 0x31) with its original bytes, not as the [0] it is
         * stored as (RFC 5652 §5.4) */
        if ((set = sc__memdup(k.attrs.p, k.attrs.len, err)) == NULL) {
            rc = SC_ENOMEM;
            goto out;
        }
        set[0] = SC_TAG_SET;
        msg = set;
        msg_len = k.attrs.len;
    } else {
        msg = k.has_content ? k.content.p : data;
        msg_len = k.has_content ? k.content.len : data_len;
    }
    sc__verify_signature(it, SC_CHECK_SIGNER_SIGNATURE, signer, msg, msg_len, k.sig.p, k.sig.len,
                         "signer");
    int64_t when = o->at ? o->at : k.time;
    int has_when = o->at != 0 || k.has_time;
    sc__verify_signer_cert(it, signer, when, has_when, NO_TIME);
    if ((rc = check_chain(it, signer, when, has_when, o, err)) != 0 ||
        (rc = check_data(it, &k, data, data_len, err)) != 0)
        goto out;
    if (k.token.p != NULL)   /* the token time-stamps the signature value, as in SES */
        rc = sc__verify_timestamp(it, o->trust, k.token.p, k.token.len, k.sig.p, k.sig.len, err);
out:
    free(set);
    X509_free(signer);
    return rc;
}
