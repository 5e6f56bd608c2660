/* test_pkcs7_sign.c: SignedData (pkcs7/pkcs7_int.h) made here with the development PKI's
 * signer-prov. Variants the railway tickets (test_pkcs7.c) do not show are built by hand and
 * verified: content carried as data, SM3 or Base64 SM3; no attributes; PKCS#7 OIDs;
 * subjectKeyIdentifier; a time-stamp attribute. sc__p7_sign's output is verified by the reader
 * and, independently, by the openssl CLI (pkeyutl over the attribute SET, asn1parse over the
 * whole). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "der/der_int.h"
#include "p7_test.h"
#include "pkcs7/pkcs7_int.h"
#include "sealcore/time.h"
#include "sealcore/trust.h"
#include "testutil.h"

static const char DATA[] = "<ofd:Signature>the signed original</ofd:Signature>\n";

static struct {
    const char *pki;
    uint8_t *prov, *city;
    size_t prov_len, city_len;
    sc_key *kprov;
    sc_trust *trust;
} g;

/* ---- fixtures ---------------------------------------------------------------------------- */

static int group_setup(void **state)
{
    (void)state;
    g.pki = sc_test_pki();
    g.prov = sc_test_cert(g.pki, "signer-prov", &g.prov_len);
    g.city = sc_test_cert(g.pki, "signer-city", &g.city_len);
    g.kprov = sc_test_key(g.pki, "signer-prov");
    if (g.prov == NULL || g.city == NULL || g.kprov == NULL ||
        (g.trust = dev_trust(g.pki)) == NULL)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g.prov), free(g.city);
    sc_key_free(g.kprov);
    sc_trust_free(g.trust);
    return 0;
}

/* ---- variants built here ----------------------------------------------------------------- */

typedef struct bb {
    uint8_t p[8192];
    size_t n;
} bb;

static void cat(bb *b, const void *p, size_t n)
{
    assert_true(n <= sizeof(b->p) - b->n);
    memcpy(b->p + b->n, p, n);
    b->n += n;
}

/* One element: tag, then the concatenation of the given buffers (NULL-terminated list). */
static void tlv(bb *out, uint8_t tag, ...)
{
    bb content = { .n = 0 };
    uint8_t h[6];
    va_list ap;
    const bb *part;

    va_start(ap, tag);
    while ((part = va_arg(ap, const bb *)) != NULL)
        cat(&content, part->p, part->n);
    va_end(ap);
    out->n = 0;
    cat(out, h, sc__der_header(h, tag, content.n));
    cat(out, content.p, content.n);
}

static bb raw(const void *p, size_t n)
{
    bb b = { .n = 0 };
    cat(&b, p, n);
    return b;
}

static bb oid(const char *dotted)
{
    ASN1_OBJECT *o = OBJ_txt2obj(dotted, 1);
    unsigned char *der = NULL;
    int n;
    bb b;

    assert_non_null(o);
    assert_true((n = i2d_ASN1_OBJECT(o, &der)) > 0);
    b = raw(der, (size_t)n);
    OPENSSL_free(der);
    ASN1_OBJECT_free(o);
    return b;
}

static bb alg(const char *dotted)
{
    bb o = oid(dotted), null = raw("\x05\x00", 2), b;
    tlv(&b, 0x30, &o, &null, NULL);
    return b;
}

typedef struct variant {
    const char *signed_oid, *data_oid, *sig_oid;
    int content;        /* 0 detached, 1 the data, 2 SM3(data), 3 Base64 SM3(data) */
    int attrs;          /* authenticated attributes (contentType, messageDigest, signingTime) */
    int ski;            /* subjectKeyIdentifier instead of issuerAndSerialNumber */
    int two_signers;
    int token;          /* an unauthenticated time-stamp attribute holding junk */
} variant;

/* A SignedData over DATA made by signer-prov, signed now. */
static bb make_variant(const variant *vr)
{
    uint8_t h[32], b64[45], *sig = NULL;
    unsigned int hl = 0;
    size_t sig_len = 0;
    sc_err err = SC_ERR_INIT;
    sc_span is, sn;
    bb content = { .n = 0 }, eci, sid, attrs = { .n = 0 }, si, infos, sd, box, ci, tmp, tmp2;
    bb ver1 = raw("\x02\x01\x01", 3), ver3 = raw("\x02\x01\x03", 3), sm3 = alg(SC_OID_SM3);
    bb sigalg = alg(vr->sig_oid), dataoid = oid(vr->data_oid), certs, algs, unsig = { .n = 0 };

    assert_true(EVP_Digest(DATA, strlen(DATA), h, &hl, EVP_sm3(), NULL));
    EVP_EncodeBlock(b64, h, 32);
    if (vr->content) {
        bb os;
        if (vr->content == 1)
            tmp = raw(DATA, strlen(DATA));
        else if (vr->content == 2)
            tmp = raw(h, 32);
        else
            tmp = raw(b64, 44);
        tlv(&os, 0x04, &tmp, NULL);
        tlv(&content, 0xa0, &os, NULL);
    }
    tlv(&eci, 0x30, &dataoid, &content, NULL);
    if (vr->ski) {
        X509 *x = d2i_X509(NULL, &(const unsigned char *){ g.prov }, (long)g.prov_len);
        const ASN1_OCTET_STRING *k = x ? X509_get0_subject_key_id(x) : NULL;
        assert_non_null(k);
        tmp = raw(ASN1_STRING_get0_data(k), (size_t)ASN1_STRING_length(k));
        tlv(&sid, 0x80, &tmp, NULL);
        X509_free(x);
    } else {
        assert_int_equal(sc__p7_issuer_serial(g.prov, g.prov_len, &is, &sn, &err), 0);
        tmp = raw(is.p, is.len);
        tmp2 = raw(sn.p, sn.len);
        tlv(&sid, 0x30, &tmp, &tmp2, NULL);
    }
    if (vr->attrs) {
        bb a1, a2, a3, v, set, t = oid("1.2.840.113549.1.9.3"), cv = oid(vr->data_oid);
        uint8_t hc[32];
        char now[16];
        time_t tt = time(NULL);
        struct tm tm;
        /* messageDigest is over the content as carried, or the data when detached */
        if (vr->content == 2)
            assert_true(EVP_Digest(h, 32, hc, &hl, EVP_sm3(), NULL));
        else if (vr->content == 3)
            assert_true(EVP_Digest(b64, 44, hc, &hl, EVP_sm3(), NULL));
        else
            memcpy(hc, h, 32);
        tlv(&set, 0x31, &cv, NULL);
        tlv(&a1, 0x30, &t, &set, NULL);
        tmp = raw(hc, 32);
        tlv(&v, 0x04, &tmp, NULL);
        tlv(&set, 0x31, &v, NULL);
        t = oid("1.2.840.113549.1.9.4");
        tlv(&a2, 0x30, &t, &set, NULL);
        gmtime_r(&tt, &tm);
        snprintf(now, sizeof(now), "%02d%02d%02d%02d%02d%02dZ", tm.tm_year % 100, tm.tm_mon + 1,
                 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);   /* UTCTime until 2049 */
        tmp = raw(now, 13);
        tlv(&v, 0x17, &tmp, NULL);
        tlv(&set, 0x31, &v, NULL);
        t = oid("1.2.840.113549.1.9.5");
        tlv(&a3, 0x30, &t, &set, NULL);
        tlv(&attrs, 0x31, &a1, &a2, &a3, NULL);   /* signed as is, then stored as [0] */
        assert_int_equal(sc_key_sign(g.kprov, attrs.p, attrs.n, &sig, &sig_len, &err), 0);
        attrs.p[0] = 0xa0;
    } else if (vr->content == 0) {
        assert_int_equal(sc_key_sign(g.kprov, (const uint8_t *)DATA, strlen(DATA), &sig,
                                     &sig_len, &err), 0);
    } else {
        assert_int_equal(sc_key_sign(g.kprov, content.p + 4, content.n - 4, &sig, &sig_len,
                                     &err), 0);   /* [0] { OCTET STRING }: short headers */
    }
    if (vr->token) {
        bb t = oid("1.2.840.113549.1.9.16.2.14"), junk = raw("\x30\x00", 2), set, a;
        tlv(&set, 0x31, &junk, NULL);
        tlv(&a, 0x30, &t, &set, NULL);
        tlv(&unsig, 0xa1, &a, NULL);
    }
    tmp = raw(sig, sig_len);
    free(sig);
    tlv(&tmp2, 0x04, &tmp, NULL);
    tlv(&si, 0x30, vr->ski ? &ver3 : &ver1, &sid, &sm3, &attrs, &sigalg, &tmp2, &unsig, NULL);
    if (vr->two_signers)
        tlv(&infos, 0x31, &si, &si, NULL);
    else
        tlv(&infos, 0x31, &si, NULL);
    tmp = raw(g.prov, g.prov_len);
    tlv(&certs, 0xa0, &tmp, NULL);
    tlv(&algs, 0x31, &sm3, NULL);
    tlv(&sd, 0x30, &ver1, &algs, &eci, &certs, &infos, NULL);
    tlv(&box, 0xa0, &sd, NULL);
    tmp = oid(vr->signed_oid);
    tlv(&ci, 0x30, &tmp, &box, NULL);
    return ci;
}

#define GM "1.2.156.10197.6.1.4.2.2", "1.2.156.10197.6.1.4.2.1"
#define P7 "1.2.840.113549.1.7.2", "1.2.840.113549.1.7.1"
#define SM2_1 "1.2.156.10197.1.301.1"
#define SM2_SM3 "1.2.156.10197.1.501"

static void p7_verify_item__variants_pass(void **state)
{
    static const struct { const char *name; variant v; int has_time; } rows[] = {
        { "GM, detached, attributes", { GM, SM2_1, 0, 1, 0, 0, 0 }, 1 },
        { "PKCS#7 OIDs", { P7, SM2_1, 0, 1, 0, 0, 0 }, 1 },
        { "signature OID SM2-with-SM3", { GM, SM2_SM3, 0, 1, 0, 0, 0 }, 1 },
        { "subjectKeyIdentifier", { GM, SM2_1, 0, 1, 1, 0, 0 }, 1 },
        { "content: the data, attributes", { GM, SM2_1, 1, 1, 0, 0, 0 }, 1 },
        { "content: SM3, attributes", { GM, SM2_1, 2, 1, 0, 0, 0 }, 1 },
        { "content: SM3, no attributes (ofdrw)", { GM, SM2_1, 2, 0, 0, 0, 0 }, 0 },
        { "content: Base64 SM3, no attributes", { GM, SM2_1, 3, 0, 0, 0, 0 }, 0 },
        { "content: the data, no attributes", { GM, SM2_1, 1, 0, 0, 0, 0 }, 0 },
        { "detached, no attributes", { GM, SM2_1, 0, 0, 0, 0, 0 }, 0 },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        bb d = make_variant(&rows[i].v);
        /* without a signing time the signer can only be judged at a time given */
        sc_report *rep = verify(d.p, d.n, (const uint8_t *)DATA, strlen(DATA), g.trust,
                                rows[i].has_time ? 0 : (int64_t)time(NULL));
        print_message("%s\n", rows[i].name);
        expect_all_pass(rep, SC_RESULT_PASSED, NULL);
        assert_int_equal(item0(rep)->has_time, rows[i].has_time);
        assert_int_equal(sc_report_exit_code(rep), 0);
        sc_report_free(rep);
    }
}

static void p7_verify_item__no_signing_time_skips_signer_checks(void **state)
{
    variant v = { GM, SM2_1, 2, 0, 0, 0, 0 };
    bb d = make_variant(&v);
    sc_report *rep = verify(d.p, d.n, (const uint8_t *)DATA, strlen(DATA), g.trust, 0);

    (void)state;
    expect(rep, SC_CHECK_SIGNER_CERT, SC_RESULT_SKIPPED, "has no signing-time attribute");
    expect(rep, SC_CHECK_CERT_CHAIN, SC_RESULT_SKIPPED, "give --at TIME");
    expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_PASSED, NULL);
    assert_int_equal(sc_report_exit_code(rep), 1);   /* the skips block validity */
    sc_report_free(rep);
}

static void p7_verify_item__variants_with_other_data_fail_data_hash(void **state)
{
    static const struct { variant v; sc_result sig; const char *msg; } rows[] = {
        { { GM, SM2_1, 2, 0, 0, 0, 0 }, SC_RESULT_PASSED, "SignedData.contentInfo.content (32 "
          "bytes) is neither the signed data (Signature.xml), its SM3 nor the Base64 text" },
        { { GM, SM2_1, 3, 1, 0, 0, 0 }, SC_RESULT_PASSED, "(44 bytes) is neither" },
        { { GM, SM2_1, 0, 0, 0, 0, 0 }, SC_RESULT_FAILED, "is detached and has no "
          "messageDigest, so its signature is over the signed data (Signature.xml) itself" },
        { { GM, SM2_1, 0, 1, 0, 0, 0 }, SC_RESULT_PASSED, "messageDigest does not match" },
    };
    static const char other[] = "<ofd:Signature>another original</ofd:Signature>\n";

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        bb d = make_variant(&rows[i].v);
        sc_report *rep = verify(d.p, d.n, (const uint8_t *)other, strlen(other), NULL,
                                (int64_t)time(NULL));
        expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_FAILED, rows[i].msg);
        expect(rep, SC_CHECK_SIGNER_SIGNATURE, rows[i].sig, NULL);
        sc_report_free(rep);
    }
}

static void p7_verify_item__two_signer_infos_fail_structure(void **state)
{
    variant v = { GM, SM2_1, 0, 1, 0, 1, 0 };
    bb d = make_variant(&v);
    sc_report *rep = verify(d.p, d.n, (const uint8_t *)DATA, strlen(DATA), NULL, 0);

    (void)state;
    expect_unreadable(rep, "SignedData.signerInfos: more than one SignerInfo; exactly one is "
                      "supported");
    sc_report_free(rep);
}

static void p7_verify_item__time_stamp_attribute_is_checked(void **state)
{
    variant v = { GM, SM2_1, 0, 1, 0, 0, 1 };
    bb d = make_variant(&v);
    sc_report *rep = verify(d.p, d.n, (const uint8_t *)DATA, strlen(DATA), NULL, 0);

    (void)state;
    expect(rep, SC_CHECK_TIMESTAMP, SC_RESULT_FAILED, "not a valid time-stamp token");
    expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_PASSED, NULL);
    sc_report_free(rep);
}

/* ---- sc__p7_sign ------------------------------------------------------------------------- */

static uint8_t *sign(const uint8_t *data, size_t len, int64_t t, size_t *out_len)
{
    uint8_t *der = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = sc__p7_sign(g.kprov, g.prov, g.prov_len, data, len, t, &der, out_len, &err);

    if (rc != 0)
        fail_msg("sc__p7_sign: %d \"%s\"", rc, err.msg);
    return der;
}

/* The [0] authenticatedAttributes of a SignedData made by sc__p7_sign, whole. */
static sc_span signed_attrs(const uint8_t *der, size_t len)
{
    sc_der r, ci, box, sd, infos, si;
    sc_tlv t;
    sc_err err = SC_ERR_INIT;

    sc__der_init(&r, der, len);
    assert_int_equal(sc__der_enter(&r, 0x30, &ci, NULL, "ci", &err), 0);
    assert_int_equal(sc__der_get(&ci, 0x06, &t, "type", &err), 0);
    assert_int_equal(sc__der_enter(&ci, 0xa0, &box, NULL, "box", &err), 0);
    assert_int_equal(sc__der_enter(&box, 0x30, &sd, NULL, "sd", &err), 0);
    for (int i = 0; i < 4; i++)   /* version, digestAlgorithms, contentInfo, certificates */
        assert_int_equal(sc__der_any(&sd, &t, "sd", &err), 0);
    assert_int_equal(sc__der_enter(&sd, 0x31, &infos, NULL, "infos", &err), 0);
    assert_int_equal(sc__der_enter(&infos, 0x30, &si, NULL, "si", &err), 0);
    for (int i = 0; i < 3; i++)   /* version, issuerAndSerialNumber, digestAlgorithm */
        assert_int_equal(sc__der_any(&si, &t, "si", &err), 0);
    assert_int_equal(sc__der_get(&si, 0xa0, &t, "attrs", &err), 0);
    return t.all;
}

static void p7_sign__round_trip_passes_every_check(void **state)
{
    size_t len;
    int64_t now = (int64_t)time(NULL);
    uint8_t *der = sign((const uint8_t *)DATA, strlen(DATA), now, &len);
    sc_report *rep = verify(der, len, (const uint8_t *)DATA, strlen(DATA), g.trust, 0);
    char name[256];

    (void)state;
    expect_all_pass(rep, SC_RESULT_PASSED, NULL);
    assert_int_equal(sc_report_exit_code(rep), 0);
    assert_int_equal(item0(rep)->sign_time, now);
    assert_int_equal(sc_cert_subject(g.prov, g.prov_len, name, sizeof(name), NULL), 0);
    assert_string_equal(item0(rep)->signer, name);
    sc_report_free(rep);
    /* and the same bytes fail for other data */
    rep = verify(der, len, (const uint8_t *)"other", 5, g.trust, 0);
    expect(rep, SC_CHECK_DATA_HASH, SC_RESULT_FAILED, "messageDigest does not match SM3 of the "
           "signed data");
    expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_PASSED, NULL);
    sc_report_free(rep);
    free(der);
}

static void p7_sign__attributes_verify_with_openssl_pkeyutl(void **state)
{
    const char *d = sc_test_tmpdir();
    size_t len;
    uint8_t *der = sign((const uint8_t *)DATA, strlen(DATA), 0, &len);
    sc_span a = signed_attrs(der, len);
    uint8_t *set = dup_bytes(a.p, a.len);
    sc_span sig;
    sc_der r;
    sc_tlv t;

    (void)state;
    /* encryptedDigest: the last element of the file, after digestEncryptionAlgorithm */
    sc__der_init(&r, a.p + a.len, (size_t)(der + len - (a.p + a.len)));
    assert_int_equal(sc__der_get(&r, 0x30, &t, "alg", NULL), 0);
    assert_memory_equal(t.all.p, "\x30\x0d\x06\x09\x2a\x81\x1c\xcf\x55\x01\x82\x2d\x01\x05\x00",
                        15);
    assert_int_equal(sc__der_get(&r, 0x04, &t, "sig", NULL), 0);
    sig = t.val;
    set[0] = 0x31;   /* signed as SET OF */
    assert_int_equal(sc_test_write(sc_test_path(d, "attrs.der"), set, a.len), 0);
    assert_int_equal(sc_test_write(sc_test_path(d, "attrs.sig"), sig.p, sig.len), 0);
    assert_int_equal(sc_test_sh("openssl x509 -in '%s/signer-prov.pem' -pubkey -noout > "
                                "'%s/prov.pub' && openssl x509 -in '%s/signer-city.pem' -pubkey "
                                "-noout > '%s/city.pub'", g.pki, d, g.pki, d), 0);
    assert_int_equal(sc_test_sh("openssl pkeyutl -verify -pubin -inkey '%s/prov.pub' -rawin "
                                "-digest sm3 -pkeyopt distid:1234567812345678 -in '%s/attrs.der' "
                                "-sigfile '%s/attrs.sig' >/dev/null 2>&1", d, d, d), 0);
    /* controls: another key, or the [0] tag it is stored with, do not verify */
    assert_int_not_equal(sc_test_sh("openssl pkeyutl -verify -pubin -inkey '%s/city.pub' -rawin "
                                    "-digest sm3 -pkeyopt distid:1234567812345678 -in "
                                    "'%s/attrs.der' -sigfile '%s/attrs.sig' >/dev/null 2>&1",
                                    d, d, d), 0);
    set[0] = 0xa0;
    assert_int_equal(sc_test_write(sc_test_path(d, "attrs.der"), set, a.len), 0);
    assert_int_not_equal(sc_test_sh("openssl pkeyutl -verify -pubin -inkey '%s/prov.pub' -rawin "
                                    "-digest sm3 -pkeyopt distid:1234567812345678 -in "
                                    "'%s/attrs.der' -sigfile '%s/attrs.sig' >/dev/null 2>&1",
                                    d, d, d), 0);
    free(set);
    free(der);
}

static void p7_sign__output_parses_with_openssl_asn1parse(void **state)
{
    const char *d = sc_test_tmpdir();
    size_t len;
    uint8_t *der = sign((const uint8_t *)DATA, strlen(DATA), 0, &len);

    (void)state;
    assert_int_equal(sc_test_write(sc_test_path(d, "p7.der"), der, len), 0);
    assert_int_equal(sc_test_write(sc_test_path(d, "p7cut.der"), der, len - 1), 0);
    /* the whole file is one element (asn1parse stops early on trailing bytes otherwise: the
     * last line printed must be the encryptedDigest at depth 5) with the GM OIDs */
    assert_int_equal(sc_test_sh("openssl asn1parse -inform DER -in '%s/p7.der' -i > '%s/p7.txt' "
                                "&& tail -n 1 '%s/p7.txt' | grep -q 'd=5.*OCTET STRING' && "
                                "grep -q ':1.2.156.10197.6.1.4.2.2' '%s/p7.txt' && "
                                "grep -q ':1.2.156.10197.6.1.4.2.1' '%s/p7.txt' && "
                                "grep -q ':1.2.156.10197.1.301.1' '%s/p7.txt' && "
                                "grep -q ':sm3' '%s/p7.txt'", d, d, d, d, d, d, d), 0);
    assert_int_not_equal(sc_test_sh("openssl asn1parse -inform DER -in '%s/p7cut.der' "
                                    ">/dev/null 2>&1", d), 0);
    free(der);
}

/* DER: attributes in ascending order of their encodings (X.690 §11.6). */
static void p7_sign__attributes_are_sorted(void **state)
{
    size_t len;
    uint8_t *der = sign((const uint8_t *)DATA, strlen(DATA), 0, &len);
    sc_span a = signed_attrs(der, len);
    sc_der r, set;
    sc_tlv prev = { 0 }, t;
    int n = 0;

    (void)state;
    sc__der_init(&r, a.p, a.len);
    assert_int_equal(sc__der_enter(&r, 0xa0, &set, NULL, "attrs", NULL), 0);
    while (sc__der_more(&set)) {
        assert_int_equal(sc__der_get(&set, 0x30, &t, "attr", NULL), 0);
        if (n++ > 0) {
            size_t m = prev.all.len < t.all.len ? prev.all.len : t.all.len;
            int c = memcmp(prev.all.p, t.all.p, m);
            assert_true(c < 0 || (c == 0 && prev.all.len <= t.all.len));
        }
        prev = t;
    }
    assert_int_equal(n, 3);
    free(der);
}

static void p7_sign__signing_time_per_rfc5652(void **state)
{
    static const struct { const char *at; const char *der; size_t n; } rows[] = {
        { "1949-12-31T23:59:59Z", "\x18\x0f" "19491231235959Z", 17 },
        { "1950-01-01T00:00:00Z", "\x17\x0d" "500101000000Z", 15 },
        { "2049-12-31T23:59:59Z", "\x17\x0d" "491231235959Z", 15 },
        { "2050-01-01T00:00:00Z", "\x18\x0f" "20500101000000Z", 17 },
    };
    static const uint8_t st[] = { 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09,
                                  0x05 };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        size_t len;
        int64_t t = sc_test_time(rows[i].at);
        uint8_t *der = sign((const uint8_t *)DATA, strlen(DATA), t, &len);
        const uint8_t *p = find(der, len, st, sizeof(st));
        assert_non_null(p);
        assert_int_equal(p[sizeof(st)], 0x31);
        assert_memory_equal(p + sizeof(st) + 2, rows[i].der, rows[i].n);
        sc_report *rep = verify(der, len, (const uint8_t *)DATA, strlen(DATA), NULL, 0);
        assert_int_equal(item0(rep)->sign_time, t);
        expect(rep, SC_CHECK_SIGNER_SIGNATURE, SC_RESULT_PASSED, NULL);
        expect(rep, SC_CHECK_SIGNER_CERT, SC_RESULT_FAILED, "not at");   /* dev PKI: now */
        sc_report_free(rep);
        free(der);
    }
}

static void p7_sign__refuses_bad_arguments(void **state)
{
    uint8_t *der = NULL;
    size_t len = 0;
    sc_err err = SC_ERR_INIT;
    const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x01 };
    int rc;

    (void)state;
    rc = sc__p7_sign(g.kprov, g.city, g.city_len, (const uint8_t *)DATA, 3, 0, &der, &len, &err);
    assert_int_equal(rc, SC_EINVAL);
    assert_non_null(strstr(err.msg, "the private key does not belong to this certificate"));
    assert_null(der);

    sc_err_clear(&err);
    rc = sc__p7_sign(g.kprov, junk, sizeof(junk), (const uint8_t *)DATA, 3, 0, &der, &len, &err);
    assert_int_equal(rc, SC_EINVAL);
    assert_non_null(strstr(err.msg, "signer certificate"));

    sc_err_clear(&err);
    rc = sc__p7_sign(g.kprov, g.prov, g.prov_len, NULL, 3, 0, &der, &len, &err);
    assert_int_equal(rc, SC_EINVAL);
    assert_non_null(strstr(err.msg, "are required"));

    sc_err_clear(&err);
    rc = sc__p7_sign(g.kprov, g.prov, g.prov_len, (const uint8_t *)DATA, 3,
                     (int64_t)400000 * 365 * 86400, &der, &len, &err);
    assert_int_equal(rc, SC_EINVAL);
    assert_non_null(strstr(err.msg, "not between the years 1 and 9999"));
    assert_null(der);
    assert_int_equal(len, 0);
}

static void p7_sign__empty_data_round_trips(void **state)
{
    size_t len;
    uint8_t *der = sign(NULL, 0, 0, &len);
    sc_report *rep = verify(der, len, NULL, 0, g.trust, 0);

    (void)state;
    expect_all_pass(rep, SC_RESULT_PASSED, NULL);
    sc_report_free(rep);
    free(der);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(p7_verify_item__variants_pass),
        cmocka_unit_test(p7_verify_item__no_signing_time_skips_signer_checks),
        cmocka_unit_test(p7_verify_item__variants_with_other_data_fail_data_hash),
        cmocka_unit_test(p7_verify_item__two_signer_infos_fail_structure),
        cmocka_unit_test(p7_verify_item__time_stamp_attribute_is_checked),
        cmocka_unit_test(p7_sign__round_trip_passes_every_check),
        cmocka_unit_test(p7_sign__attributes_verify_with_openssl_pkeyutl),
        cmocka_unit_test(p7_sign__output_parses_with_openssl_asn1parse),
        cmocka_unit_test(p7_sign__attributes_are_sorted),
        cmocka_unit_test(p7_sign__signing_time_per_rfc5652),
        cmocka_unit_test(p7_sign__refuses_bad_arguments),
        cmocka_unit_test(p7_sign__empty_data_round_trips),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
