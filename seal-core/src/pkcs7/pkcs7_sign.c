/* pkcs7_sign.c: makes SignedData signed with an sc_key in canonical DER, written by hand:
 * OpenSSL 3.0's PKCS7/CMS code cannot sign with SM2 (pki-profile.md §4) and its templates do
 * not know the GM OIDs. Two forms: detached GM/T 0010 SignedData (OFD Type="Sign",
 * spec/ofd-signature.md §7) and the RFC 5652 form an RFC 3161 TimeStampToken is (tsa/). The
 * structure is fixed, so a few pre-encoded pieces and one wrap-in-a-header operation suffice;
 * the only ordering rule DER adds here is the SET OF attributes, sorted below.
 * Not here: reading and verifying (pkcs7.c), TSTInfo (tsa/tsa_make.c). */
#include "pkcs7_int.h"
#include "cert/cert_int.h"
#include "der/der_int.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/x509.h>

/* Whole TLVs. 1.2.156.10197.6.1.4.2.2 signedData, .1 data (GM/T 0010) */
static const uint8_t OID_GM_SIGNED[] = { 0x06, 0x0a, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x06, 0x01,
                                         0x04, 0x02, 0x02 };
static const uint8_t OID_GM_DATA[] = { 0x06, 0x0a, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x06, 0x01,
                                       0x04, 0x02, 0x01 };
/* 1.2.840.113549.1.7.2 signedData (PKCS #7, RFC 5652) */
static const uint8_t OID_P7_SIGNED[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01,
                                         0x07, 0x02 };
/* AlgorithmIdentifiers with NULL parameters, as the railway tickets write them:
 * SM3 1.2.156.10197.1.401, SM2-1 signature 1.2.156.10197.1.301.1 */
static const uint8_t ALG_SM3[] = { 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01,
                                   0x83, 0x11, 0x05, 0x00 };
static const uint8_t ALG_SM2_1[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01,
                                     0x82, 0x2d, 0x01, 0x05, 0x00 };
/* SM2-with-SM3 1.2.156.10197.1.501, parameters absent: what CMS writers outside the GM/T 0010
 * world (OpenSSL's CMS since 3.2) put in an RFC 5652 SignerInfo */
static const uint8_t ALG_SM2_SM3[] = { 0x30, 0x0a, 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01,
                                       0x83, 0x75 };
/* PKCS#9 contentType, messageDigest, signingTime (1.2.840.113549.1.9.3 / .4 / .5) */
static const uint8_t OID_CT[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09,
                                  0x03 };
static const uint8_t OID_MD[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09,
                                  0x04 };
static const uint8_t OID_ST[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09,
                                  0x05 };
static const uint8_t VERSION_1[] = { 0x02, 0x01, 0x01 };
/* RFC 5652 §5.1: version 3 when eContentType is not data */
static const uint8_t VERSION_3[] = { 0x02, 0x01, 0x03 };

/* Attribute ::= SEQUENCE { type, SET { value } } */
static void attr(sc_der_buf *b, const uint8_t *oid, size_t oid_len, const uint8_t *v,
                 size_t v_len)
{
    size_t s = b->len, vs;

    sc__der_put(b, oid, oid_len);
    vs = b->len;
    sc__der_put(b, v, v_len);
    sc__der_wrap(b, vs, SC_TAG_SET);
    sc__der_wrap(b, s, SC_TAG_SEQUENCE);
}

/* X.690 §11.6: SET OF elements in ascending order of their encodings, the shorter padded with
 * trailing zero octets. */
static int setof_cmp(const void *a, const void *b)
{
    const sc_der_buf *x = *(const sc_der_buf *const *)a, *y = *(const sc_der_buf *const *)b;
    size_t n = x->len < y->len ? x->len : y->len;
    int c = memcmp(x->p, y->p, n);

    if (c != 0)
        return c;
    for (size_t i = n; i < x->len; i++)
        if (x->p[i] != 0)
            return 1;
    for (size_t i = n; i < y->len; i++)
        if (y->p[i] != 0)
            return -1;
    return 0;
}

/* signingTime as RFC 5652 §11.3 wants it: UTCTime 1950..2049, else GeneralizedTime. */
static int time_tlv(int64_t t, uint8_t out[17], size_t *len, sc_err *err)
{
    time_t tt = (time_t)t;
    struct tm tm;
    char s[20];
    int y, n;

    if ((int64_t)tt != t || gmtime_r(&tt, &tm) == NULL || tm.tm_year + 1900 < 1 ||
        tm.tm_year + 1900 > 9999)
        return sc_err_set(err, SC_EINVAL, "signing time %lld: not between the years 1 and 9999",
                          (long long)t);
    y = tm.tm_year + 1900;
    if (y >= 1950 && y <= 2049)
        n = snprintf(s, sizeof(s), "%02d%02d%02d%02d%02d%02dZ", y % 100, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    else
        n = snprintf(s, sizeof(s), "%04d%02d%02d%02d%02d%02dZ", y, tm.tm_mon + 1, tm.tm_mday,
                     tm.tm_hour, tm.tm_min, tm.tm_sec);
    out[0] = y >= 1950 && y <= 2049 ? SC_TAG_UTCTIME : SC_TAG_GENTIME;
    out[1] = (uint8_t)n;
    memcpy(out + 2, s, (size_t)n);
    *len = 2 + (size_t)n;
    return 0;
}

/* The authenticated attributes as the DER SET OF that is signed (tag 0x31): content-type,
 * message-digest = SM3(data), signing-time when asked for, and the caller's. */
static int build_attrs(sc_der_buf *set, const uint8_t *data, size_t data_len,
                       const sc__p7_spec *s, sc_err *err)
{
    size_t n = 2 + (s->signing_time ? 1 : 0) + s->nattrs, k = 0;
    sc_der_buf *a = NULL, **order = NULL;
    uint8_t md[2 + 32] = { SC_TAG_OCTET_STRING, 32 }, tv[17];
    size_t tv_len = 0;
    int rc = 0;

    if (s->nattrs > SC_P7_MAX_ATTRS - 3)
        return sc_err_set(err, SC_EINVAL, "SignedData: %zu extra attributes (at most %d)",
                          s->nattrs, SC_P7_MAX_ATTRS - 3);
    if ((rc = sc__sm3(data, data_len, md + 2, err)) != 0 ||
        (s->signing_time && (rc = time_tlv(s->sign_time, tv, &tv_len, err)) != 0))
        return rc;
    if ((a = calloc(n, sizeof(*a))) == NULL || (order = calloc(n, sizeof(*order))) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        a[i].max = SC_P7_MAX_OUT;
    attr(&a[k++], OID_CT, sizeof(OID_CT), s->content_type.p, s->content_type.len);
    attr(&a[k++], OID_MD, sizeof(OID_MD), md, sizeof(md));
    if (s->signing_time)
        attr(&a[k++], OID_ST, sizeof(OID_ST), tv, tv_len);
    for (size_t i = 0; i < s->nattrs; i++)
        attr(&a[k++], s->attrs[i].oid.p, s->attrs[i].oid.len, s->attrs[i].value.p,
             s->attrs[i].value.len);
    for (size_t i = 0; i < n; i++) {
        order[i] = &a[i];
        if (a[i].failed)
            rc = sc_err_set(err, SC_ENOMEM, "out of memory");
    }
    if (rc != 0)
        goto out;
    qsort(order, n, sizeof(order[0]), setof_cmp);
    for (size_t i = 0; i < n; i++)
        sc__der_put(set, order[i]->p, order[i]->len);
    sc__der_wrap(set, 0, SC_TAG_SET);
    if (set->failed)
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
out:
    for (size_t i = 0; a != NULL && i < n; i++)
        free(a[i].p);
    free(a);
    free(order);
    return rc;
}

/* encapContentInfo (GM/T 0010 calls it contentInfo): the type, and data when carried. */
static void put_content(sc_der_buf *b, const uint8_t *data, size_t data_len,
                        const sc__p7_spec *s)
{
    size_t start = b->len, box;

    sc__der_put(b, s->content_type.p, s->content_type.len);
    if (s->embed) {
        box = b->len;
        sc__der_put(b, data, data_len);
        sc__der_wrap(b, box, SC_TAG_OCTET_STRING);
        sc__der_wrap(b, box, 0xa0);                              /* [0] EXPLICIT eContent */
    }
    sc__der_wrap(b, start, SC_TAG_SEQUENCE);
}

int sc__p7_sign_spec(const sc_key *key, const uint8_t *cert_der, size_t cert_len,
                     const uint8_t *data, size_t data_len, const sc__p7_spec *spec,
                     uint8_t **der, size_t *der_len, sc_err *err)
{
    sc_der_buf set = SC_DER_BUF_INIT(SC_P7_MAX_OUT), b = SC_DER_BUF_INIT(SC_P7_MAX_OUT);
    sc_err e = SC_ERR_INIT;
    uint8_t *sig = NULL;
    size_t sig_len = 0, sd, si, s;
    sc_span issuer, serial;
    X509 *x = NULL;
    int rc;

    if (der != NULL)
        *der = NULL;
    if (der_len != NULL)
        *der_len = 0;
    if (key == NULL || cert_der == NULL || der == NULL || der_len == NULL || spec == NULL ||
        spec->content_type.p == NULL || (data == NULL && data_len != 0) ||
        (spec->nchain != 0 && spec->chain == NULL))
        return sc_err_set(err, SC_EINVAL, "SignedData: key, certificate, data, content type "
                          "and output are required");
    if (data == NULL)
        data = (const uint8_t *)"";
    /* a certificate OpenSSL reads whole, whose issuer and serial we can copy byte for byte */
    if ((!spec->cert_checked &&
         (x = sc__cert_parse(cert_der, cert_len, "signer certificate", &e)) == NULL) ||
        sc__p7_issuer_serial(cert_der, cert_len, &issuer, &serial, &e) != 0) {
        rc = e.code == SC_ENOMEM ? sc_err_set(err, SC_ENOMEM, "out of memory")
                                 : sc_err_set(err, SC_EINVAL, "%s", e.msg);
        goto out;
    }
    if (!spec->cert_checked && (rc = sc_key_matches_cert(key, cert_der, cert_len, err)) != 0)
        goto out;
    if ((rc = build_attrs(&set, data, data_len, spec, err)) != 0 ||
        (rc = sc_key_sign(key, set.p, set.len, &sig, &sig_len, err)) != 0)
        goto out;

    if (spec->pkcs7)                                            /* ContentInfo.contentType */
        sc__der_put(&b, OID_P7_SIGNED, sizeof(OID_P7_SIGNED));
    else
        sc__der_put(&b, OID_GM_SIGNED, sizeof(OID_GM_SIGNED));
    sd = b.len;
    if (spec->pkcs7)                                            /* SignedData.version */
        sc__der_put(&b, VERSION_3, sizeof(VERSION_3));
    else
        sc__der_put(&b, VERSION_1, sizeof(VERSION_1));
    s = b.len;
    sc__der_put(&b, ALG_SM3, sizeof(ALG_SM3));
    sc__der_wrap(&b, s, SC_TAG_SET);                             /* digestAlgorithms */
    put_content(&b, data, data_len, spec);
    if (!spec->no_certs) {
        s = b.len;
        sc__der_put(&b, cert_der, cert_len);
        for (size_t i = 0; i < spec->nchain; i++)
            sc__der_put(&b, spec->chain[i].p, spec->chain[i].len);
        sc__der_wrap(&b, s, 0xa0);                               /* [0] certificates */
    }
    si = b.len;
    sc__der_put(&b, VERSION_1, sizeof(VERSION_1));               /* SignerInfo.version */
    s = b.len;
    sc__der_put(&b, issuer.p, issuer.len);
    sc__der_put(&b, serial.p, serial.len);
    sc__der_wrap(&b, s, SC_TAG_SEQUENCE);                        /* issuerAndSerialNumber */
    sc__der_put(&b, ALG_SM3, sizeof(ALG_SM3));                   /* digestAlgorithm */
    s = b.len;
    sc__der_put(&b, set.p, set.len);                             /* [0] IMPLICIT attributes */
    if (!b.failed)
        b.p[s] = 0xa0;
    if (spec->pkcs7)                                            /* signatureAlgorithm */
        sc__der_put(&b, ALG_SM2_SM3, sizeof(ALG_SM2_SM3));
    else
        sc__der_put(&b, ALG_SM2_1, sizeof(ALG_SM2_1));
    s = b.len;
    sc__der_put(&b, sig, sig_len);
    sc__der_wrap(&b, s, SC_TAG_OCTET_STRING);                    /* signature */
    sc__der_wrap(&b, si, SC_TAG_SEQUENCE);
    sc__der_wrap(&b, si, SC_TAG_SET);                            /* signerInfos */
    sc__der_wrap(&b, sd, SC_TAG_SEQUENCE);                       /* SignedData */
    sc__der_wrap(&b, sd, 0xa0);                                  /* [0] EXPLICIT content */
    sc__der_wrap(&b, 0, SC_TAG_SEQUENCE);                        /* ContentInfo */
    if (b.failed) {
        rc = sc_err_set(err, SC_ENOMEM, "SignedData: out of memory (or over %d bytes)",
                        SC_P7_MAX_OUT);
        goto out;
    }
    *der = b.p;
    *der_len = b.len;
    b.p = NULL;
out:
    X509_free(x);
    free(set.p);
    free(b.p);
    free(sig);
    return rc;
}

int sc__p7_sign(const sc_key *key, const uint8_t *cert_der, size_t cert_len,
                const uint8_t *data, size_t data_len, int64_t sign_time, uint8_t **der,
                size_t *der_len, sc_err *err)
{
    const sc__p7_spec spec = {
        .content_type = { OID_GM_DATA, sizeof(OID_GM_DATA) }, .signing_time = 1,
        .sign_time = sign_time ? sign_time : (int64_t)time(NULL) };

    return sc__p7_sign_spec(key, cert_der, cert_len, data, data_len, &spec, der, der_len, err);
}
