/* pkcs7_sign.c: makes detached GM/T 0010 SignedData (OFD Type="Sign", spec/ofd-signature.md
 * §7) in canonical DER, written by hand: OpenSSL 3.0's PKCS7/CMS code cannot sign with SM2
 * (pki-profile.md §4) and its templates do not know the GM OIDs. The structure is fixed, so
 * a few pre-encoded pieces and one wrap-in-a-header operation suffice; the only ordering rule
 * DER adds here is the SET OF attributes, sorted below.
 * Not here: reading and verifying (pkcs7.c). */
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
/* AlgorithmIdentifiers with NULL parameters, as the railway tickets write them:
 * SM3 1.2.156.10197.1.401, SM2-1 signature 1.2.156.10197.1.301.1 */
static const uint8_t ALG_SM3[] = { 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01,
                                   0x83, 0x11, 0x05, 0x00 };
static const uint8_t ALG_SM2_1[] = { 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x81, 0x1c, 0xcf, 0x55, 0x01,
                                     0x82, 0x2d, 0x01, 0x05, 0x00 };
/* PKCS#9 contentType, messageDigest, signingTime (1.2.840.113549.1.9.3 / .4 / .5) */
static const uint8_t OID_CT[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09,
                                  0x03 };
static const uint8_t OID_MD[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09,
                                  0x04 };
static const uint8_t OID_ST[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09,
                                  0x05 };
static const uint8_t VERSION_1[] = { 0x02, 0x01, 0x01 };

#define MAX_OUT (256 * 1024)   /* certificate ≤ 64 KiB (sc__cert_parse) and a few hundred bytes */

/* A growing output buffer; the first failure sticks, so building code checks once. */
typedef struct dbuf {
    uint8_t *p;
    size_t len, cap;
    int failed;
} dbuf;

static void put(dbuf *b, const void *p, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (n > MAX_OUT - b->len) {
        b->failed = 1;
        return;
    }
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap : 512;
        while (cap < b->len + n)
            cap *= 2;
        uint8_t *q = realloc(b->p, cap);
        if (q == NULL) {
            b->failed = 1;
            return;
        }
        b->p = q;
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, n);
    b->len += n;
}

/* Turn the bytes from start to the end into the content of one element with tag. */
static void wrap(dbuf *b, size_t start, uint8_t tag)
{
    uint8_t h[6];
    size_t n, content;

    if (b->failed)
        return;
    content = b->len - start;
    n = sc__der_header(h, tag, content);
    put(b, h, n);   /* grow by the header's size, then move the content behind it */
    if (b->failed)
        return;
    memmove(b->p + start + n, b->p + start, content);
    memcpy(b->p + start, h, n);
}

/* Attribute ::= SEQUENCE { type, SET { value } } */
static void attr(dbuf *b, const uint8_t *oid, size_t oid_len, const uint8_t *v, size_t v_len)
{
    size_t s = b->len, vs;

    put(b, oid, oid_len);
    vs = b->len;
    put(b, v, v_len);
    wrap(b, vs, SC_TAG_SET);
    wrap(b, s, SC_TAG_SEQUENCE);
}

/* X.690 §11.6: SET OF elements in ascending order of their encodings, the shorter padded with
 * trailing zero octets. */
static int setof_cmp(const void *a, const void *b)
{
    const dbuf *x = *(const dbuf *const *)a, *y = *(const dbuf *const *)b;
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

/* The authenticated attributes as the DER SET OF that is signed (tag 0x31). */
static int build_attrs(dbuf *set, const uint8_t *data, size_t data_len, int64_t t, sc_err *err)
{
    dbuf a[3] = { { NULL, 0, 0, 0 }, { NULL, 0, 0, 0 }, { NULL, 0, 0, 0 } };
    dbuf *order[3] = { &a[0], &a[1], &a[2] };
    uint8_t md[2 + 32] = { SC_TAG_OCTET_STRING, 32 }, tv[17];
    size_t tv_len = 0;
    int rc;

    if ((rc = sc__sm3(data, data_len, md + 2, err)) != 0 ||
        (rc = time_tlv(t, tv, &tv_len, err)) != 0)
        goto out;
    attr(&a[0], OID_CT, sizeof(OID_CT), OID_GM_DATA, sizeof(OID_GM_DATA));
    attr(&a[1], OID_MD, sizeof(OID_MD), md, sizeof(md));
    attr(&a[2], OID_ST, sizeof(OID_ST), tv, tv_len);
    if (a[0].failed || a[1].failed || a[2].failed) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    qsort(order, 3, sizeof(order[0]), setof_cmp);
    for (size_t i = 0; i < 3; i++)
        put(set, order[i]->p, order[i]->len);
    wrap(set, 0, SC_TAG_SET);
    if (set->failed)
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
out:
    for (size_t i = 0; i < 3; i++)
        free(a[i].p);
    return rc;
}

int sc__p7_sign(const sc_key *key, const uint8_t *cert_der, size_t cert_len,
                const uint8_t *data, size_t data_len, int64_t sign_time, uint8_t **der,
                size_t *der_len, sc_err *err)
{
    dbuf set = { NULL, 0, 0, 0 }, b = { NULL, 0, 0, 0 };
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
    if (key == NULL || cert_der == NULL || der == NULL || der_len == NULL ||
        (data == NULL && data_len != 0))
        return sc_err_set(err, SC_EINVAL, "SignedData: key, certificate, data and output are "
                          "required");
    if (data == NULL)
        data = (const uint8_t *)"";
    /* a certificate OpenSSL reads whole, whose issuer and serial we can copy byte for byte */
    if ((x = sc__cert_parse(cert_der, cert_len, "signer certificate", &e)) == NULL ||
        sc__p7_issuer_serial(cert_der, cert_len, &issuer, &serial, &e) != 0) {
        rc = e.code == SC_ENOMEM ? sc_err_set(err, SC_ENOMEM, "out of memory")
                                 : sc_err_set(err, SC_EINVAL, "%s", e.msg);
        goto out;
    }
    if ((rc = sc_key_matches_cert(key, cert_der, cert_len, err)) != 0)
        goto out;
    if ((rc = build_attrs(&set, data, data_len, sign_time ? sign_time : (int64_t)time(NULL),
                          err)) != 0 ||
        (rc = sc_key_sign(key, set.p, set.len, &sig, &sig_len, err)) != 0)
        goto out;

    put(&b, OID_GM_SIGNED, sizeof(OID_GM_SIGNED));              /* ContentInfo.contentType */
    sd = b.len;
    put(&b, VERSION_1, sizeof(VERSION_1));                      /* SignedData.version */
    s = b.len;
    put(&b, ALG_SM3, sizeof(ALG_SM3));
    wrap(&b, s, SC_TAG_SET);                                    /* digestAlgorithms */
    s = b.len;
    put(&b, OID_GM_DATA, sizeof(OID_GM_DATA));
    wrap(&b, s, SC_TAG_SEQUENCE);                               /* contentInfo, detached */
    s = b.len;
    put(&b, cert_der, cert_len);
    wrap(&b, s, 0xa0);                                          /* [0] certificates */
    si = b.len;
    put(&b, VERSION_1, sizeof(VERSION_1));                      /* SignerInfo.version */
    s = b.len;
    put(&b, issuer.p, issuer.len);
    put(&b, serial.p, serial.len);
    wrap(&b, s, SC_TAG_SEQUENCE);                               /* issuerAndSerialNumber */
    put(&b, ALG_SM3, sizeof(ALG_SM3));                          /* digestAlgorithm */
    s = b.len;
    put(&b, set.p, set.len);                                    /* [0] IMPLICIT attributes */
    if (!b.failed)
        b.p[s] = 0xa0;
    put(&b, ALG_SM2_1, sizeof(ALG_SM2_1));                      /* digestEncryptionAlgorithm */
    s = b.len;
    put(&b, sig, sig_len);
    wrap(&b, s, SC_TAG_OCTET_STRING);                           /* encryptedDigest */
    wrap(&b, si, SC_TAG_SEQUENCE);
    wrap(&b, si, SC_TAG_SET);                                   /* signerInfos */
    wrap(&b, sd, SC_TAG_SEQUENCE);                              /* SignedData */
    wrap(&b, sd, 0xa0);                                         /* [0] EXPLICIT content */
    wrap(&b, 0, SC_TAG_SEQUENCE);                               /* ContentInfo */
    if (b.failed) {
        rc = sc_err_set(err, SC_ENOMEM, "SignedData: out of memory");
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
