/* tsa_verify.c: verifies RFC 3161 TimeStampTokens by hand, so SM2 tokens work (OpenSSL 3.0's
 * TS and CMS code refuse SM2, pki-profile.md §4). Accepts PKCS#7 and GB/T 35275 OIDs, signed
 * attributes or none, issuerAndSerialNumber or subjectKeyIdentifier signer ids.
 * Not here: making tokens (the server's TSA, later). */
#include "tsa_int.h"
#include "cert/cert_int.h"
#include "crypto/crypto_int.h"
#include "der/der_int.h"
#include "pkcs7/pkcs7_int.h"
#include "sealcore/hash.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/objects.h>
#include <openssl/x509v3.h>

#define OID_PKCS7_SIGNED "1.2.840.113549.1.7.2"
#define OID_GM_SIGNED "1.2.156.10197.6.1.4.2.2"
#define OID_TSTINFO "1.2.840.113549.1.9.16.1.4"
#define OID_GM_DATA "1.2.156.10197.6.1.4.2.1"
#define OID_MESSAGE_DIGEST "1.2.840.113549.1.9.4"

typedef struct token {
    sc_span tst;                 /* TSTInfo DER (eContent) */
    sc_span certs;               /* content of [0] certificates, or empty */
    sc_span sid;                 /* SignerIdentifier element */
    char digest_oid[96];
    sc_tlv attrs;                /* [0] signedAttrs; attrs.all.p NULL when absent */
    sc_span sig;
    char imprint_oid[96];
    sc_span imprint;
    int64_t gen;
} token;

static int read_alg(sc_der *r, char *oid, size_t n, const char *f, sc_err *err)
{
    sc_der alg;
    sc_tlv t;
    int rc;

    if ((rc = sc__der_enter(r, SC_TAG_SEQUENCE, &alg, NULL, f, err)) != 0 ||
        (rc = sc__der_get(&alg, SC_TAG_OID, &t, f, err)) != 0)
        return rc;
    return sc__der_oid(&t, oid, n, f, err);   /* parameters (NULL or none) ignored */
}

static int read_tstinfo(token *k, sc_err *err)
{
    sc_der r, tst, mi;
    sc_tlv t;
    int rc;

    sc__der_init(&r, k->tst.p, k->tst.len);
    if ((rc = sc__der_enter(&r, SC_TAG_SEQUENCE, &tst, NULL, "TSTInfo", err)) != 0 ||
        (rc = sc__der_get(&tst, SC_TAG_INTEGER, &t, "TSTInfo.version", err)) != 0 ||
        (rc = sc__der_get(&tst, SC_TAG_OID, &t, "TSTInfo.policy", err)) != 0 ||
        (rc = sc__der_enter(&tst, SC_TAG_SEQUENCE, &mi, NULL, "TSTInfo.messageImprint",
                            err)) != 0 ||
        (rc = read_alg(&mi, k->imprint_oid, sizeof(k->imprint_oid),
                       "TSTInfo.messageImprint.hashAlgorithm", err)) != 0 ||
        (rc = sc__der_get(&mi, SC_TAG_OCTET_STRING, &t, "TSTInfo.messageImprint.hashedMessage",
                          err)) != 0)
        return rc;
    k->imprint = t.val;
    if ((rc = sc__der_get(&tst, SC_TAG_INTEGER, &t, "TSTInfo.serialNumber", err)) != 0 ||
        (rc = sc__der_get(&tst, SC_TAG_GENTIME, &t, "TSTInfo.genTime", err)) != 0)
        return rc;
    return sc__der_time(&t, &k->gen, "TSTInfo.genTime", err);
}

static int read_signer(sc_der *infos, token *k, sc_err *err)
{
    sc_der si;
    sc_tlv t;
    char oid[96];
    int rc;

    if ((rc = sc__der_enter(infos, SC_TAG_SEQUENCE, &si, NULL, "SignerInfo", err)) != 0 ||
        (rc = sc__der_get(&si, SC_TAG_INTEGER, &t, "SignerInfo.version", err)) != 0 ||
        (rc = sc__der_any(&si, &t, "SignerInfo.sid", err)) != 0)
        return rc;
    k->sid = t.all;
    if ((rc = read_alg(&si, k->digest_oid, sizeof(k->digest_oid), "SignerInfo.digestAlgorithm",
                       err)) != 0)
        return rc;
    if (sc__der_peek_tag(&si) == 0xa0 &&
        (rc = sc__der_get(&si, 0xa0, &k->attrs, "SignerInfo.signedAttrs", err)) != 0)
        return rc;
    if ((rc = read_alg(&si, oid, sizeof(oid), "SignerInfo.signatureAlgorithm", err)) != 0 ||
        (rc = sc__der_get(&si, SC_TAG_OCTET_STRING, &t, "SignerInfo.signature", err)) != 0)
        return rc;
    k->sig = t.val;
    return 0;
}

static int read_token(const uint8_t *p, size_t n, token *k, sc_err *err)
{
    sc_der r, ci, box, sd, eci, ebox;
    sc_tlv t;
    char oid[96];
    int rc;

    sc__der_init(&r, p, n);
    if ((rc = sc__der_enter(&r, SC_TAG_SEQUENCE, &ci, NULL, "TimeStampToken", err)) != 0 ||
        (rc = sc__der_leave(&r, "TimeStampToken", err)) != 0 ||
        (rc = sc__der_get(&ci, SC_TAG_OID, &t, "TimeStampToken.contentType", err)) != 0 ||
        (rc = sc__der_oid(&t, oid, sizeof(oid), "TimeStampToken.contentType", err)) != 0)
        return rc;
    if (strcmp(oid, OID_PKCS7_SIGNED) != 0 && strcmp(oid, OID_GM_SIGNED) != 0)
        return sc_err_set(err, SC_EFORMAT, "TimeStampToken: content type %s is not signedData",
                          oid);
    if ((rc = sc__der_enter(&ci, 0xa0, &box, NULL, "TimeStampToken.content", err)) != 0 ||
        (rc = sc__der_enter(&box, SC_TAG_SEQUENCE, &sd, NULL, "SignedData", err)) != 0 ||
        (rc = sc__der_get(&sd, SC_TAG_INTEGER, &t, "SignedData.version", err)) != 0 ||
        (rc = sc__der_get(&sd, SC_TAG_SET, &t, "SignedData.digestAlgorithms", err)) != 0 ||
        (rc = sc__der_enter(&sd, SC_TAG_SEQUENCE, &eci, NULL, "SignedData.encapContentInfo",
                            err)) != 0 ||
        (rc = sc__der_get(&eci, SC_TAG_OID, &t, "encapContentInfo.eContentType", err)) != 0 ||
        (rc = sc__der_oid(&t, oid, sizeof(oid), "encapContentInfo.eContentType", err)) != 0)
        return rc;
    if (strcmp(oid, OID_TSTINFO) != 0 && strcmp(oid, OID_GM_DATA) != 0)
        return sc_err_set(err, SC_EFORMAT, "TimeStampToken: eContentType %s is not TSTInfo", oid);
    if ((rc = sc__der_enter(&eci, 0xa0, &ebox, NULL, "encapContentInfo.eContent", err)) != 0 ||
        (rc = sc__der_get(&ebox, SC_TAG_OCTET_STRING, &t, "encapContentInfo.eContent", err)) != 0)
        return rc;
    k->tst = t.val;
    if (sc__der_peek_tag(&sd) == 0xa0) {
        if ((rc = sc__der_get(&sd, 0xa0, &t, "SignedData.certificates", err)) != 0)
            return rc;
        k->certs = t.val;
    }
    if (sc__der_peek_tag(&sd) == 0xa1 &&
        (rc = sc__der_get(&sd, 0xa1, &t, "SignedData.crls", err)) != 0)
        return rc;
    sc_der infos;
    if ((rc = sc__der_enter(&sd, SC_TAG_SET, &infos, NULL, "SignedData.signerInfos", err)) != 0 ||
        (rc = read_signer(&infos, k, err)) != 0)
        return rc;
    return read_tstinfo(k, err);
}

/* Does x (whose DER is cert) match the SignerIdentifier (issuerAndSerialNumber or [0]
 * subjectKeyIdentifier)? */
static int sid_matches(X509 *x, const sc_tlv *cert, sc_span sid)
{
    sc_der r;
    sc_tlv t;

    sc__der_init(&r, sid.p, sid.len);
    if (sc__der_any(&r, &t, "", NULL) != 0)
        return 0;
    if (t.tag == 0x80) {
        const ASN1_OCTET_STRING *ski = X509_get0_subject_key_id(x);
        return ski != NULL && (size_t)ASN1_STRING_length(ski) == t.val.len &&
               memcmp(ASN1_STRING_get0_data(ski), t.val.p, t.val.len) == 0;
    }
    return t.tag == SC_TAG_SEQUENCE && sc__p7_ias_matches(t.val, cert->all.p, cert->all.len);
}

static X509 *find_signer(const token *k, sc_err *err)
{
    sc_der r;
    sc_tlv t;

    sc__der_init(&r, k->certs.p, k->certs.len);
    while (sc__der_more(&r)) {
        if (sc__der_any(&r, &t, "SignedData.certificates", err) != 0)
            return NULL;
        if (t.tag != SC_TAG_SEQUENCE)
            continue;   /* other certificate choices */
        X509 *x = sc__cert_parse(t.all.p, t.all.len, "TSA certificate", err);
        if (x == NULL)
            return NULL;
        if (sid_matches(x, &t, k->sid))
            return x;
        X509_free(x);
    }
    sc_err_set(err, SC_EFORMAT, "the token does not carry the TSA certificate it names");
    return NULL;
}

/* messageDigest attribute = H(eContent); returns 1 good, 0 bad. */
static int attrs_digest_ok(const token *k, const EVP_MD *md, char *why, size_t n)
{
    uint8_t h[EVP_MAX_MD_SIZE];
    unsigned int hlen = 0;
    sc_der set, attr, vals;
    sc_tlv t;
    char oid[96];

    if (!EVP_Digest(k->tst.p, k->tst.len, h, &hlen, md, NULL)) {
        snprintf(why, n, "cannot hash TSTInfo");
        return 0;
    }
    sc__der_init(&set, k->attrs.val.p, k->attrs.val.len);
    while (sc__der_more(&set)) {
        if (sc__der_enter(&set, SC_TAG_SEQUENCE, &attr, NULL, "", NULL) != 0 ||
            sc__der_get(&attr, SC_TAG_OID, &t, "", NULL) != 0 ||
            sc__der_oid(&t, oid, sizeof(oid), "", NULL) != 0)
            break;
        if (strcmp(oid, OID_MESSAGE_DIGEST) != 0)
            continue;
        if (sc__der_enter(&attr, SC_TAG_SET, &vals, NULL, "", NULL) != 0 ||
            sc__der_get(&vals, SC_TAG_OCTET_STRING, &t, "", NULL) != 0)
            break;
        if (t.val.len == hlen && memcmp(t.val.p, h, hlen) == 0)
            return 1;
        snprintf(why, n, "the token's messageDigest does not match its TSTInfo");
        return 0;
    }
    snprintf(why, n, "the token's signed attributes carry no readable messageDigest");
    return 0;
}

/* Only hashes that still resist collisions: a token over an MD5 or SHA-1 imprint proves
 * nothing about which signature it time-stamps. */
static const EVP_MD *md_by_oid(const char *oid)
{
    static const struct { const char *oid; const EVP_MD *(*md)(void); } ok[] = {
        { SC_OID_SM3, sc_sm3_md },      /* fetched once, as every SM3 here */
        { "2.16.840.1.101.3.4.2.1", EVP_sha256 },
        { "2.16.840.1.101.3.4.2.2", EVP_sha384 },
        { "2.16.840.1.101.3.4.2.3", EVP_sha512 },
    };

    for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++)
        if (strcmp(oid, ok[i].oid) == 0)
            return ok[i].md();
    return NULL;
}

int sc__tsa_verify(const uint8_t *p, size_t n, const uint8_t *data, size_t data_len,
                   const sc_trust *trust, int64_t *gen, char *why, size_t whylen, sc_err *err)
{
    token k;
    sc_err e = SC_ERR_INIT;
    X509 *tsa = NULL;
    uint8_t *signed_attrs = NULL, h[EVP_MAX_MD_SIZE];
    const uint8_t *msg;
    size_t msg_len;
    unsigned int hlen = 0;
    const EVP_MD *imd, *dmd;
    char inner[400];
    int rc = 0;

    memset(&k, 0, sizeof(k));
    why[0] = '\0';
    if (n == 0 || n > SC_TSA_MAX_TOKEN) {
        snprintf(why, whylen, "time-stamp token of %zu bytes (at most %d)", n, SC_TSA_MAX_TOKEN);
        return 0;
    }
    if (read_token(p, n, &k, &e) != 0) {
        snprintf(why, whylen, "not a valid time-stamp token: %s", e.msg);
        return 0;
    }
    if ((imd = md_by_oid(k.imprint_oid)) == NULL || (dmd = md_by_oid(k.digest_oid)) == NULL) {
        snprintf(why, whylen, "the token uses a hash that is not SM3 or SHA-2 (imprint %s, "
                 "digest %s)", k.imprint_oid, k.digest_oid);
        return 0;
    }
    if (!EVP_Digest(data, data_len, h, &hlen, imd, NULL) || hlen != k.imprint.len ||
        memcmp(h, k.imprint.p, hlen) != 0) {
        snprintf(why, whylen, "the token's imprint is not the hash of this signature value: it "
                 "time-stamps something else");
        return 0;
    }
    if ((tsa = find_signer(&k, &e)) == NULL) {
        snprintf(why, whylen, "%s", e.msg);
        return e.code == SC_ENOMEM ? sc_err_set(err, SC_ENOMEM, "out of memory") : 0;
    }
    if (k.attrs.all.p != NULL) {
        if (!attrs_digest_ok(&k, dmd, why, whylen))
            goto out;
        /* signed over the attributes as a SET OF (tag 0x31), not as the [0] it is stored as */
        if ((signed_attrs = sc__memdup(k.attrs.all.p, k.attrs.all.len, err)) == NULL) {
            rc = SC_ENOMEM;
            goto out;
        }
        signed_attrs[0] = SC_TAG_SET;
        msg = signed_attrs;
        msg_len = k.attrs.all.len;
    } else {
        msg = k.tst.p;
        msg_len = k.tst.len;
    }
    if (sc__sig_verify(X509_get0_pubkey(tsa), dmd, msg, msg_len, k.sig.p, k.sig.len, &e) != 1) {
        snprintf(why, whylen, "the token's signature does not verify with the TSA certificate");
        goto out;
    }
    if (!(X509_get_extension_flags(tsa) & EXFLAG_XKUSAGE) ||
        !(X509_get_extended_key_usage(tsa) & XKU_TIMESTAMP)) {
        snprintf(why, whylen, "the TSA certificate is not for time-stamping (no timeStamping "
                 "extended key usage)");
        goto out;
    }
    *gen = k.gen;
    if (trust == NULL || sc_trust_anchor_count(trust) == 0) {
        rc = 2;
        goto out;
    }
    rc = sc__trust_verify(trust, tsa, k.gen, inner, sizeof(inner), err);
    if (rc == 0)
        snprintf(why, whylen, "TSA certificate: %s", inner);
out:
    free(signed_attrs);
    X509_free(tsa);
    return rc;
}
