/* cert_issue.c: issues X.509 v3 SM2 end-entity certificates (sealcore/cert.h) with the profile
 * of certs-dev's v3_seal_leaf: the server's provincial seal CA certifies each unit key it
 * generates.
 *
 * sc_key only signs whole messages (an HSM backend never hands out its scalar), so OpenSSL's
 * X509_sign, which wants an EVP_PKEY, cannot be used: the TBSCertificate is written with an
 * ASN.1 template of our own, signed with sc_key_sign(), and the Certificate assembled around
 * the exact TBS bytes that were signed (embedded as ANY, as ses_write.c does for seals).
 * Not here: parsing and chains (cert.c, trust.c). */
#include "cert_int.h"
#include "sealcore/cert.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/asn1t.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/rand.h>
#include <openssl/x509v3.h>

#define RANDOM_SERIAL_LEN 16

/* TBSCertificate (RFC 5280 4.1) as we write it: v3 always, no unique IDs, extensions always
 * present. The public key goes in as ANY: the SubjectPublicKeyInfo OpenSSL re-encoded from
 * the key it decoded, so only a well-formed key is ever certified. */
typedef struct {
    ASN1_INTEGER *version;
    ASN1_INTEGER *serial;
    X509_ALGOR *sig_alg;
    X509_NAME *issuer;
    X509_VAL *validity;
    X509_NAME *subject;
    ASN1_TYPE *spki;
    STACK_OF(X509_EXTENSION) *exts;
} SC_TBS_CERT;
ASN1_SEQUENCE(SC_TBS_CERT) = {
    ASN1_EXP(SC_TBS_CERT, version, ASN1_INTEGER, 0),
    ASN1_SIMPLE(SC_TBS_CERT, serial, ASN1_INTEGER),
    ASN1_SIMPLE(SC_TBS_CERT, sig_alg, X509_ALGOR),
    ASN1_SIMPLE(SC_TBS_CERT, issuer, X509_NAME),
    ASN1_SIMPLE(SC_TBS_CERT, validity, X509_VAL),
    ASN1_SIMPLE(SC_TBS_CERT, subject, X509_NAME),
    ASN1_SIMPLE(SC_TBS_CERT, spki, ASN1_ANY),
    ASN1_EXP_SEQUENCE_OF(SC_TBS_CERT, exts, X509_EXTENSION, 3)
} static_ASN1_SEQUENCE_END(SC_TBS_CERT)

typedef struct {
    ASN1_TYPE *tbs;
    X509_ALGOR *sig_alg;
    ASN1_BIT_STRING *sig;
} SC_CERT;
ASN1_SEQUENCE(SC_CERT) = {
    ASN1_SIMPLE(SC_CERT, tbs, ASN1_ANY),
    ASN1_SIMPLE(SC_CERT, sig_alg, X509_ALGOR),
    ASN1_SIMPLE(SC_CERT, sig, ASN1_BIT_STRING)
} static_ASN1_SEQUENCE_END(SC_CERT)

#define NEW(T) ((T *)ASN1_item_new(ASN1_ITEM_rptr(T)))
#define FREE(T, p) ASN1_item_free((ASN1_VALUE *)(p), ASN1_ITEM_rptr(T))
#define I2D(T, p, out) ASN1_item_i2d((ASN1_VALUE *)(p), (out), ASN1_ITEM_rptr(T))

/* ANY holding an encoded SEQUENCE: OpenSSL keeps the whole TLV and writes it unchanged. */
static ASN1_TYPE *any_seq(const uint8_t *der, size_t len)
{
    ASN1_TYPE *t = ASN1_TYPE_new();
    ASN1_STRING *s = ASN1_STRING_new();

    if (t == NULL || s == NULL || len > INT_MAX || !ASN1_STRING_set(s, der, (int)len)) {
        ASN1_TYPE_free(t);
        ASN1_STRING_free(s);
        return NULL;
    }
    ASN1_TYPE_set(t, V_ASN1_SEQUENCE, s);   /* set: t owns s */
    return t;
}

/* SM2-with-SM3 without parameters, as OpenSSL and the dev PKI write it. */
static int set_sm2_sm3(X509_ALGOR *a)
{
    return X509_ALGOR_set0(a, OBJ_nid2obj(NID_SM2_with_SM3), V_ASN1_UNDEF, NULL);
}

/* Serial: given (checked) or RANDOM_SERIAL_LEN random bytes with the top bits 01, so it is
 * positive and always exactly that long, as make-dev-pki's serial() does. */
static int make_serial(ASN1_INTEGER *out, const sc_cert_issue_params *p, sc_err *err)
{
    uint8_t buf[SC_CERT_SERIAL_MAX];
    BIGNUM *bn = NULL;
    const uint8_t *s = p->serial;
    size_t n = p->serial_len;
    size_t i;
    int rc = 0;

    if (s == NULL) {
        if (RAND_bytes(buf, RANDOM_SERIAL_LEN) != 1)
            return sc__err_openssl(err, SC_ECRYPTO, "certificate serial: no random bytes");
        buf[0] = (uint8_t)((buf[0] & 0x3f) | 0x40);
        s = buf;
        n = RANDOM_SERIAL_LEN;
    } else {
        if (n == 0 || n > SC_CERT_SERIAL_MAX)
            return sc_err_set(err, SC_EINVAL, "certificate serial: %zu bytes, allowed 1..%d",
                              n, SC_CERT_SERIAL_MAX);
        if (s[0] & 0x80)
            return sc_err_set(err, SC_EINVAL, "certificate serial: negative (first byte "
                              "0x%02x); RFC 5280 wants a positive number", s[0]);
        for (i = 0; i < n && s[i] == 0; i++)
            ;
        if (i == n)
            return sc_err_set(err, SC_EINVAL, "certificate serial: zero");
    }
    if ((bn = BN_bin2bn(s, (int)n, NULL)) == NULL || BN_to_ASN1_INTEGER(bn, out) == NULL)
        rc = sc__err_openssl(err, SC_ENOMEM, "certificate serial: cannot encode");
    BN_free(bn);
    OPENSSL_cleanse(buf, sizeof(buf));
    return rc;
}

static int add_rdn(X509_NAME *n, int nid, const char *what, const char *v, sc_err *err)
{
    if (v == NULL || v[0] == '\0')
        return 0;
    if (strlen(v) > 1024)
        return sc_err_set(err, SC_EINVAL, "certificate subject %s: %zu bytes is too long", what,
                          strlen(v));
    /* MBSTRING_UTF8: OpenSSL picks the type (UTF8String; PrintableString for C) and checks
     * the X.520 length bounds in characters, not bytes */
    if (X509_NAME_add_entry_by_NID(n, nid, MBSTRING_UTF8, (const unsigned char *)v, -1, -1,
                                   0) != 1)
        return sc__err_openssl(err, SC_EINVAL, what);
    return 0;
}

int sc__cert_subject(X509_NAME *n, const sc_cert_issue_params *p, sc_err *err)
{
    const char *c = p->country != NULL ? p->country : "CN";
    int rc;

    if (p->common_name == NULL || p->common_name[0] == '\0')
        return sc_err_set(err, SC_EINVAL, "certificate subject: a common name (CN) is "
                          "required");
    if (strlen(c) != 2 || c[0] < 'A' || c[0] > 'Z' || c[1] < 'A' || c[1] > 'Z')
        return sc_err_set(err, SC_EINVAL, "certificate subject C \"%.8s\": two capital "
                          "letters (ISO 3166), e.g. \"CN\"", c);
    /* the order make-dev-pki's -subj uses: C, ST, L, O, OU, CN */
    if ((rc = add_rdn(n, NID_countryName, "C", c, err)) != 0 ||
        (rc = add_rdn(n, NID_stateOrProvinceName, "ST (at most 128 characters)", p->province,
                      err)) != 0 ||
        (rc = add_rdn(n, NID_localityName, "L (at most 128 characters)", p->locality,
                      err)) != 0 ||
        (rc = add_rdn(n, NID_organizationName, "O (at most 64 characters)", p->org,
                      err)) != 0 ||
        (rc = add_rdn(n, NID_organizationalUnitName, "OU (at most 64 characters)", p->org_unit,
                      err)) != 0 ||
        (rc = add_rdn(n, NID_commonName, "CN (1..64 characters)", p->common_name, err)) != 0)
        return sc_err_prefix(err, "certificate subject");
    return 0;
}

int sc__cert_read_spki(const sc_cert_issue_params *p, EVP_PKEY **pkey, uint8_t **der,
                       size_t *len, sc_err *err)
{
    const unsigned char *q = p->spki;
    unsigned char *out = NULL;
    int n;

    if (p->spki == NULL || p->spki_len == 0 || p->spki_len > SC_CERT_SPKI_MAX)
        return sc_err_set(err, SC_EFORMAT, "subject public key: %zu bytes, expected a DER "
                          "SubjectPublicKeyInfo of 1..%d", p->spki_len, SC_CERT_SPKI_MAX);
    if ((*pkey = d2i_PUBKEY(NULL, &q, (long)p->spki_len)) == NULL ||
        q != p->spki + p->spki_len)
        return sc__err_openssl(err, SC_EFORMAT, "subject public key: not a DER "
                               "SubjectPublicKeyInfo (or trailing bytes)");
    if (!EVP_PKEY_is_a(*pkey, "SM2"))
        return sc_err_set(err, SC_EUNSUPPORTED, "subject public key: not an SM2 key (seal "
                          "signer certificates are SM2 only)");
    if ((n = i2d_PUBKEY(*pkey, &out)) <= 0)
        return sc__err_openssl(err, SC_ECRYPTO, "subject public key: cannot encode");
    *der = sc__memdup(out, (size_t)n, err);
    *len = (size_t)n;
    OPENSSL_free(out);
    return *der == NULL ? SC_ENOMEM : 0;
}

/* RFC 5280 4.2.1.2 method 1: SHA-1 of the subjectPublicKey BIT STRING value (what OpenSSL's
 * "hash" writes, so our certificates look like make-dev-pki's). */
static int key_id(X509_PUBKEY *xpk, uint8_t out[SHA_DIGEST_LENGTH], sc_err *err)
{
    const unsigned char *pk = NULL;
    int pklen = 0;

    if (X509_PUBKEY_get0_param(NULL, &pk, &pklen, NULL, xpk) != 1 || pk == NULL ||
        EVP_Digest(pk, (size_t)pklen, out, NULL, EVP_sha1(), NULL) != 1)
        return sc__err_openssl(err, SC_ECRYPTO, "key identifier: cannot hash the public key");
    return 0;
}

static int push_ext(STACK_OF(X509_EXTENSION) *exts, X509_EXTENSION *x, const char *what,
                    sc_err *err)
{
    if (x == NULL || !sk_X509_EXTENSION_push(exts, x)) {
        X509_EXTENSION_free(x);
        return sc__err_openssl(err, SC_ENOMEM, what);
    }
    return 0;
}

/* basicConstraints, keyUsage, SKI, AKI: v3_seal_leaf's extensions, in its order. */
static int make_exts(STACK_OF(X509_EXTENSION) *exts, EVP_PKEY *subject_key, X509 *ca,
                     sc_err *err)
{
    BASIC_CONSTRAINTS *bc = BASIC_CONSTRAINTS_new();
    ASN1_BIT_STRING *ku = ASN1_BIT_STRING_new();
    ASN1_OCTET_STRING *ski = ASN1_OCTET_STRING_new();
    AUTHORITY_KEYID *aki = AUTHORITY_KEYID_new();
    X509_PUBKEY *xpk = NULL;
    const ASN1_OCTET_STRING *ca_ski;
    uint8_t id[SHA_DIGEST_LENGTH];
    int rc;

    if (bc == NULL || ku == NULL || ski == NULL || aki == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "certificate extensions: out of memory");
        goto out;
    }
    bc->ca = 0;   /* CA:FALSE; DEFAULT FALSE, so the encoding is an empty SEQUENCE */
    /* bit 0 digitalSignature, bit 1 nonRepudiation (contentCommitment) */
    if (!ASN1_BIT_STRING_set_bit(ku, 0, 1) || !ASN1_BIT_STRING_set_bit(ku, 1, 1)) {
        rc = sc__err_openssl(err, SC_ENOMEM, "certificate keyUsage");
        goto out;
    }
    if (X509_PUBKEY_set(&xpk, subject_key) != 1) {
        rc = sc__err_openssl(err, SC_ECRYPTO, "certificate subjectKeyIdentifier");
        goto out;
    }
    if ((rc = key_id(xpk, id, err)) != 0)
        goto out;
    if (!ASN1_OCTET_STRING_set(ski, id, sizeof(id))) {
        rc = sc__err_openssl(err, SC_ENOMEM, "certificate subjectKeyIdentifier");
        goto out;
    }
    /* the CA's own SKI when it has one: chain builders match AKI against exactly that */
    if ((ca_ski = X509_get0_subject_key_id(ca)) != NULL) {
        aki->keyid = ASN1_OCTET_STRING_dup(ca_ski);
    } else {
        if ((rc = key_id(X509_get_X509_PUBKEY(ca), id, err)) != 0)
            goto out;
        if ((aki->keyid = ASN1_OCTET_STRING_new()) != NULL &&
            !ASN1_OCTET_STRING_set(aki->keyid, id, sizeof(id))) {
            ASN1_OCTET_STRING_free(aki->keyid);
            aki->keyid = NULL;
        }
    }
    if (aki->keyid == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "certificate authorityKeyIdentifier: out of memory");
        goto out;
    }
    if ((rc = push_ext(exts, X509V3_EXT_i2d(NID_basic_constraints, 1, bc),
                       "certificate basicConstraints", err)) != 0 ||
        (rc = push_ext(exts, X509V3_EXT_i2d(NID_key_usage, 1, ku), "certificate keyUsage",
                       err)) != 0 ||
        (rc = push_ext(exts, X509V3_EXT_i2d(NID_subject_key_identifier, 0, ski),
                       "certificate subjectKeyIdentifier", err)) != 0 ||
        (rc = push_ext(exts, X509V3_EXT_i2d(NID_authority_key_identifier, 0, aki),
                       "certificate authorityKeyIdentifier", err)) != 0)
        goto out;
out:
    BASIC_CONSTRAINTS_free(bc);
    ASN1_BIT_STRING_free(ku);
    ASN1_OCTET_STRING_free(ski);
    AUTHORITY_KEYID_free(aki);
    X509_PUBKEY_free(xpk);
    return rc;
}

/* The CA certificate may issue, and the requested validity lies within its own. */
static int check_ca(X509 *ca, const sc_cert_issue_params *p, sc_err *err)
{
    int64_t ca_from, ca_to;

    if (X509_check_ca(ca) < 1)
        return sc_err_set(err, SC_EINVAL, "CA certificate: not a CA (basicConstraints "
                          "CA:TRUE missing)");
    if ((X509_get_extension_flags(ca) & EXFLAG_KUSAGE) &&
        !(X509_get_key_usage(ca) & KU_KEY_CERT_SIGN))
        return sc_err_set(err, SC_EINVAL, "CA certificate: its keyUsage lacks keyCertSign");
    if (p->not_before >= p->not_after)
        return sc_err_set(err, SC_EINVAL, "certificate validity: notAfter (%lld) is not after "
                          "notBefore (%lld)", (long long)p->not_after,
                          (long long)p->not_before);
    if (sc__asn1_time(X509_get0_notBefore(ca), &ca_from) != 0 ||
        sc__asn1_time(X509_get0_notAfter(ca), &ca_to) != 0)
        return sc_err_set(err, SC_EFORMAT, "CA certificate: unreadable validity");
    /* a certificate outliving its issuer would stop verifying before its own end */
    if (p->not_before < ca_from || p->not_after > ca_to)
        return sc_err_set(err, SC_EINVAL, "certificate validity %lld..%lld: outside the CA "
                          "certificate's %lld..%lld; shorten it or renew the CA",
                          (long long)p->not_before, (long long)p->not_after,
                          (long long)ca_from, (long long)ca_to);
    return 0;
}

static int set_time(ASN1_TIME **t, int64_t v, const char *what, sc_err *err)
{
    /* ASN1_TIME_set: UTCTime through 2049, GeneralizedTime from 2050 (RFC 5280 4.1.2.5) */
    if (v < 0 || (int64_t)(time_t)v != v || ASN1_TIME_set(*t, (time_t)v) == NULL)
        return sc__err_openssl(err, SC_EINVAL, what);
    return 0;
}

/* Certificate = SEQUENCE { the TBS bytes that were signed, algorithm, BIT STRING value }. */
static int assemble(const uint8_t *tbs, size_t tbs_len, const uint8_t *sig, size_t sig_len,
                    uint8_t **der, size_t *der_len, sc_err *err)
{
    SC_CERT *c = NEW(SC_CERT);
    unsigned char *out = NULL;
    int n, rc = 0;

    if (c != NULL) {
        ASN1_TYPE_free(c->tbs);   /* the template's empty ANY, replaced by the TBS bytes */
        c->tbs = NULL;
    }
    if (c == NULL || (c->tbs = any_seq(tbs, tbs_len)) == NULL || !set_sm2_sm3(c->sig_alg) ||
        sig_len > INT_MAX || !ASN1_BIT_STRING_set(c->sig, (unsigned char *)sig, (int)sig_len)) {
        rc = sc__err_openssl(err, SC_ENOMEM, "certificate: cannot assemble");
        goto out;
    }
    /* 0 unused bits: without BITS_LEFT OpenSSL would strip trailing zero bytes */
    c->sig->flags &= ~(ASN1_STRING_FLAG_BITS_LEFT | 0x07);
    c->sig->flags |= ASN1_STRING_FLAG_BITS_LEFT;
    if ((n = I2D(SC_CERT, c, &out)) <= 0) {
        rc = sc__err_openssl(err, SC_ECRYPTO, "certificate: cannot encode");
        goto out;
    }
    if ((*der = sc__memdup(out, (size_t)n, err)) == NULL) {
        rc = SC_ENOMEM;
        goto out;
    }
    *der_len = (size_t)n;
out:
    OPENSSL_free(out);
    FREE(SC_CERT, c);
    return rc;
}

/* Parse what we made and verify its signature with the CA's key: fails closed on a key
 * backend that signed with another key. */
static int self_check(const uint8_t *der, size_t len, X509 *ca, sc_err *err)
{
    X509 *x = sc__cert_parse(der, len, "issued certificate", err);
    EVP_PKEY *ca_pk = X509_get0_pubkey(ca);
    int rc = 0;

    if (x == NULL)
        return SC_EFORMAT;   /* err says why; our own output unreadable is a bug */
    if (ca_pk == NULL || X509_verify(x, ca_pk) != 1)
        rc = sc__err_openssl(err, SC_ECRYPTO, "issued certificate: its signature does not "
                             "verify with the CA certificate's key");
    X509_free(x);
    return rc;
}

int sc_cert_issue(uint8_t **der, size_t *der_len, const sc_cert_issue_params *p,
                  const sc_key *ca_key, const uint8_t *ca_cert, size_t ca_cert_len, sc_err *err)
{
    SC_TBS_CERT *tbs = NULL;
    X509 *ca = NULL;
    EVP_PKEY *pkey = NULL;
    uint8_t *spki = NULL, *sig = NULL, *out = NULL;
    unsigned char *tbs_der = NULL;
    size_t spki_len = 0, sig_len = 0, out_len = 0;
    int n, rc;

    if (der != NULL)
        *der = NULL;
    if (der_len != NULL)
        *der_len = 0;
    if (der == NULL || der_len == NULL || p == NULL || ca_key == NULL || ca_cert == NULL)
        return sc_err_set(err, SC_EINVAL, "certificate issue: no output, parameters, CA key "
                          "or CA certificate");
    ERR_clear_error();
    if ((ca = sc__cert_parse(ca_cert, ca_cert_len, "CA certificate", err)) == NULL) {
        rc = SC_EFORMAT;
        goto out;
    }
    if ((rc = sc_key_matches_cert(ca_key, ca_cert, ca_cert_len, err)) != 0) {
        sc_err_prefix(err, "CA key");
        goto out;
    }
    if ((rc = check_ca(ca, p, err)) != 0 ||
        (rc = sc__cert_read_spki(p, &pkey, &spki, &spki_len, err)) != 0)
        goto out;
    if ((tbs = NEW(SC_TBS_CERT)) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "certificate: out of memory");
        goto out;
    }
    ASN1_TYPE_free(tbs->spki);    /* the template's empty ANY, replaced by the key */
    tbs->spki = NULL;
    if (!ASN1_INTEGER_set(tbs->version, 2) || !set_sm2_sm3(tbs->sig_alg) ||
        (tbs->spki = any_seq(spki, spki_len)) == NULL ||
        /* X509_NAME_set copies: the issuer is the CA's subject, encoded as it is there */
        !X509_NAME_set(&tbs->issuer, X509_get_subject_name(ca))) {
        rc = sc__err_openssl(err, SC_ENOMEM, "certificate: out of memory");
        goto out;
    }
    if ((rc = make_serial(tbs->serial, p, err)) != 0 ||
        (rc = set_time(&tbs->validity->notBefore, p->not_before, "certificate notBefore",
                       err)) != 0 ||
        (rc = set_time(&tbs->validity->notAfter, p->not_after, "certificate notAfter",
                       err)) != 0 ||
        (rc = sc__cert_subject(tbs->subject, p, err)) != 0)
        goto out;
    /* the template made the (non-optional) stack already */
    if (tbs->exts == NULL && (tbs->exts = sk_X509_EXTENSION_new_null()) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "certificate: out of memory");
        goto out;
    }
    if ((rc = make_exts(tbs->exts, pkey, ca, err)) != 0)
        goto out;
    if ((n = I2D(SC_TBS_CERT, tbs, &tbs_der)) <= 0) {
        rc = sc__err_openssl(err, SC_ECRYPTO, "certificate: cannot encode the TBSCertificate");
        goto out;
    }
    /* sc_key_sign: SM2-with-SM3 with the ID 1234567812345678, the backend's business */
    if ((rc = sc_key_sign(ca_key, tbs_der, (size_t)n, &sig, &sig_len, err)) != 0) {
        sc_err_prefix(err, "certificate: CA signature");
        goto out;
    }
    if ((rc = assemble(tbs_der, (size_t)n, sig, sig_len, &out, &out_len, err)) != 0 ||
        (rc = self_check(out, out_len, ca, err)) != 0)
        goto out;
    *der = out;
    *der_len = out_len;
    out = NULL;
out:
    free(out);
    free(sig);
    OPENSSL_free(tbs_der);
    free(spki);
    EVP_PKEY_free(pkey);
    FREE(SC_TBS_CERT, tbs);
    X509_free(ca);
    ERR_clear_error();
    return rc;
}
