/* test_ses_sign.c: making V4 seals (sc_ses_seal_make) and seal signatures (sc_ses_sign) with
 * the development PKI, checked from outside the library:
 *  - round trip: every info field as given, the listed certificate verbatim (type 1) or as
 *    its SM3 digest (type 2), re-parsing gives the same info;
 *  - canonical DER: SES_SealInfo and SESeal compared with an encoding built here by hand, and
 *    the same parameters give the same SES_SealInfo bytes (the SM2 values differ);
 *  - the openssl CLI verifies the maker and signer signatures (SM3, ID 1234567812345678),
 *    hashes the data (dataHash) and parses both files;
 *  - sc_ses_sign keeps what it is given and refuses what GB/T 38540 forbids; sc_ses_seal_make
 *    refuses bad parameters (exact code and message each);
 *  - sc_verify_sig: a fresh signature passes; an expired seal, an unlisted signer, an untrusted
 *    maker and wrong data each fail their own check;
 *  - RFC 3161 tokens from an ECDSA P-256 TSA made here with `openssl ts` (the CLI cannot sign
 *    tokens with SM2 in OpenSSL 3.0, pki-profile.md §4), good and over other bytes. */
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

#include "sealcore/ses.h"
#include "sealcore/time.h"
#include "sealcore/trust.h"
#include "sealcore/verify.h"
#include "testutil.h"

#define SEAL_NAME "某省人力资源和社会保障厅合同专用章"
#define OID_SM2_SM3_DER "\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x75"   /* 1.2.156.10197.1.501 */

/* Made once in the group setup: the dev PKI's keys and certificates, the seal picture and a
 * trust store (root-ca anchor, seal-ca intermediate). */
static struct {
    const char *pki;
    uint8_t *maker, *prov, *city, *png;
    size_t maker_len, prov_len, city_len, png_len;
    sc_key *kmaker, *kprov, *kcity;
    sc_trust *trust;
} g;

static int64_t civil(int y, int mo, int d)
{
    int64_t t = 0;

    assert_int_equal(sc_time_from_civil(y, mo, d, 0, 0, 0, &t), 0);
    return t;
}

static void add_trust(sc_trust *t, const char *dir, const char *name, int anchor)
{
    uint8_t *pem;
    size_t len;
    sc_err err = SC_ERR_INIT;

    assert_int_equal(sc_test_read(sc_test_path(dir, name), &pem, &len), 0);
    assert_int_equal(sc_trust_add(t, pem, len, anchor, &err), 0);
    free(pem);
}

static int group_setup(void **state)
{
    (void)state;
    g.pki = sc_test_pki();
    g.maker = sc_test_cert(g.pki, "seal-maker", &g.maker_len);
    g.prov = sc_test_cert(g.pki, "signer-prov", &g.prov_len);
    g.city = sc_test_cert(g.pki, "signer-city", &g.city_len);
    g.kmaker = sc_test_key(g.pki, "seal-maker");
    g.kprov = sc_test_key(g.pki, "signer-prov");
    g.kcity = sc_test_key(g.pki, "signer-city");
    if (g.maker == NULL || g.prov == NULL || g.city == NULL || g.kmaker == NULL ||
        g.kprov == NULL || g.kcity == NULL ||
        sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &g.png, &g.png_len) != 0 ||
        sc_trust_new(&g.trust, NULL) != 0)
        return -1;
    add_trust(g.trust, g.pki, "root-ca.pem", 1);
    add_trust(g.trust, g.pki, "seal-ca.pem", 0);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g.maker);
    free(g.prov);
    free(g.city);
    free(g.png);
    sc_key_free(g.kmaker);
    sc_key_free(g.kprov);
    sc_key_free(g.kcity);
    sc_trust_free(g.trust);
    return 0;
}

/* The seal of the round-trip tests: fixed times, so its SES_SealInfo is reproducible. */
static sc_ses_seal_params fixed_params(const uint8_t *const *certs, const size_t *lens)
{
    sc_ses_seal_params p = {
        .es_id = "44010000000042", .name = SEAL_NAME, .type = 1, .vid = "SEALPKI-TEST",
        .cert_list_type = 1, .certs = certs, .cert_lens = lens, .cert_count = 1,
        .created = civil(2026, 1, 15) + 8 * 3600, .valid_start = civil(2026, 1, 1),
        .valid_end = civil(2036, 1, 1), .picture_type = "PNG", .picture = g.png,
        .picture_len = g.png_len, .width_mm = 42, .height_mm = 42 };
    return p;
}

static sc_ses_seal *make(const sc_ses_seal_params *p, const sc_key *key, const uint8_t *cert,
                         size_t cert_len)
{
    sc_ses_seal *s = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = sc_ses_seal_make(&s, p, key, cert, cert_len, &err);

    if (rc != 0)
        fail_msg("sc_ses_seal_make: %d \"%s\"", rc, err.msg);
    return s;
}

/* A seal for signing now: made now (the maker is judged at createDate, and the dev PKI is
 * only minutes old), valid from yesterday for a year, listing signer-prov. */
static sc_ses_seal *make_current(const sc_key *key, const uint8_t *cert, size_t cert_len)
{
    const uint8_t *certs[] = { g.prov };
    size_t lens[] = { g.prov_len };
    int64_t now = (int64_t)time(NULL);
    sc_ses_seal_params p = fixed_params(certs, lens);

    p.created = 0;
    p.valid_start = now - 86400;
    p.valid_end = now + 365 * 86400;
    return make(&p, key, cert, cert_len);
}

static sc_ses_sig *sign(const sc_ses_seal *s, const sc_key *key, const uint8_t *cert,
                        size_t cert_len, const sc_ses_sign_params *p)
{
    sc_ses_sig *sig = NULL;
    sc_err err = SC_ERR_INIT;
    int rc = sc_ses_sign(&sig, s, key, cert, cert_len, p, &err);

    if (rc != 0)
        fail_msg("sc_ses_sign: %d \"%s\"", rc, err.msg);
    return sig;
}

static const char DATA[] = "<ofd:Signature>the signed original</ofd:Signature>\n";
#define PROPERTY "/Doc_0/Signs/Sign_0/Signature.xml"

static sc_ses_sig *sign_prov(const sc_ses_seal *s)
{
    sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA),
                             .property_info = PROPERTY };
    return sign(s, g.kprov, g.prov, g.prov_len, &p);
}

static sc_report *verify(const sc_ses_sig *sig, const sc_trust *trust, const char *data)
{
    sc_report *rep = NULL;
    sc_err err = SC_ERR_INIT;
    sc_verify_opts o = { .trust = trust, .data = (const uint8_t *)data,
                         .data_len = data ? strlen(data) : 0 };

    assert_int_equal(sc_report_new(&rep, "test", "signature", &err), 0);
    assert_int_equal(sc_verify_sig(rep, sig, &o, &err), 0);
    assert_int_equal(sc_report_item_count(rep), 1);
    return rep;
}

/* Every check of item 0 as expected, or a message naming each one that is not. */
static void expect_checks(const sc_report *rep, const sc_result want[SC_CHECK_COUNT])
{
    static const char *rn[] = { "none", "passed", "failed", "skipped" };
    char msg[2048] = "";
    size_t used = 0;

    for (int c = 0; c < SC_CHECK_COUNT; c++) {
        const char *why = NULL;
        sc_result r = sc_report_get_check(rep, 0, (sc_check)c, &why);
        if (r != want[c] && used < sizeof(msg))
            used += (size_t)snprintf(msg + used, sizeof(msg) - used, " %s: %s (want %s) \"%s\";",
                                     sc_check_name((sc_check)c), rn[r], rn[want[c]],
                                     why ? why : "");
    }
    if (used > 0)
        fail_msg("checks differ:%s", msg);
}

static void expect_reason(const sc_report *rep, sc_check c, const char *fragment)
{
    const char *why = NULL;

    sc_report_get_check(rep, 0, c, &why);
    if (why == NULL || strstr(why, fragment) == NULL)
        fail_msg("%s: reason \"%s\" lacks \"%s\"", sc_check_name(c), why ? why : "(none)",
                 fragment);
}

/* Check `bad` (-1: none) failed, the timestamp check gave ts, every other check passed. */
static void expect_only_failure(const sc_report *rep, int bad, sc_result ts)
{
    sc_result want[SC_CHECK_COUNT];

    for (int c = 0; c < SC_CHECK_COUNT; c++)
        want[c] = c == bad ? SC_RESULT_FAILED : SC_RESULT_PASSED;
    if (bad != SC_CHECK_TIMESTAMP)
        want[SC_CHECK_TIMESTAMP] = ts;
    expect_checks(rep, want);
}

static void assert_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, blen);
}

/* --- round trip ------------------------------------------------------------------------- */

static void ses_seal_make__info_matches_params(void **state)
{
    const uint8_t *certs[] = { g.prov };
    size_t lens[] = { g.prov_len };
    sc_ses_seal_params p = fixed_params(certs, lens);
    sc_ses_seal *s = make(&p, g.kmaker, g.maker, g.maker_len);
    const sc_ses_seal_info *i = sc_ses_seal_get_info(s);

    (void)state;
    assert_int_equal(i->layout, 4);
    assert_int_equal(i->version, 4);
    assert_string_equal(i->header_id, "ES");
    assert_string_equal(i->vid, "SEALPKI-TEST");
    assert_string_equal(i->es_id, "44010000000042");
    assert_int_equal(i->type, 1);
    assert_string_equal(i->name, SEAL_NAME);
    assert_int_equal(i->cert_list_type, 1);
    assert_int_equal(i->cert_count, 1);
    assert_int_equal(i->created, p.created);
    assert_int_equal(i->valid_start, p.valid_start);
    assert_int_equal(i->valid_end, p.valid_end);
    assert_string_equal(i->picture_type, "PNG");
    assert_bytes(i->picture, i->picture_len, g.png, g.png_len);
    assert_int_equal(i->width_mm, 42);
    assert_int_equal(i->height_mm, 42);
    assert_int_equal(i->ext_count, 0);
    assert_string_equal(i->sig_alg, "1.2.156.10197.1.501");
    assert_int_equal(i->has_timestamp, 0);
    sc_ses_seal_free(s);
}

static void ses_seal_make__lists_signer_and_maker_certs_verbatim(void **state)
{
    const uint8_t *certs[] = { g.prov };
    size_t lens[] = { g.prov_len }, len = 0;
    sc_ses_seal_params p = fixed_params(certs, lens);
    sc_ses_seal *s = make(&p, g.kmaker, g.maker, g.maker_len);
    const char *dtype = "unset";
    const uint8_t *c = sc_ses_seal_get_cert(s, 0, &len, &dtype);

    (void)state;
    assert_bytes(c, len, g.prov, g.prov_len);
    assert_null(dtype);
    assert_null(sc_ses_seal_get_cert(s, 1, &len, NULL));
    c = sc_ses_seal_get_maker_cert(s, &len);
    assert_bytes(c, len, g.maker, g.maker_len);
    assert_int_equal(sc_ses_seal_lists_cert(s, g.prov, g.prov_len, NULL), 1);
    assert_int_equal(sc_ses_seal_lists_cert(s, g.city, g.city_len, NULL), 0);
    sc_ses_seal_free(s);
}

static void ses_seal_parse__made_seal_gives_same_info(void **state)
{
    const uint8_t *certs[] = { g.prov };
    size_t lens[] = { g.prov_len }, len;
    sc_ses_seal_params p = fixed_params(certs, lens);
    sc_ses_seal *s = make(&p, g.kmaker, g.maker, g.maker_len), *r = NULL;
    const uint8_t *der = sc_ses_seal_get_der(s, &len);
    sc_err err = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_ses_seal_parse(&r, der, len, &err), 0);
    const sc_ses_seal_info *a = sc_ses_seal_get_info(s), *b = sc_ses_seal_get_info(r);
    assert_int_equal(a->layout, b->layout);
    assert_int_equal(a->version, b->version);
    assert_string_equal(a->header_id, b->header_id);
    assert_string_equal(a->vid, b->vid);
    assert_string_equal(a->es_id, b->es_id);
    assert_int_equal(a->type, b->type);
    assert_string_equal(a->name, b->name);
    assert_int_equal(a->cert_list_type, b->cert_list_type);
    assert_int_equal(a->cert_count, b->cert_count);
    assert_int_equal(a->created, b->created);
    assert_int_equal(a->valid_start, b->valid_start);
    assert_int_equal(a->valid_end, b->valid_end);
    assert_string_equal(a->picture_type, b->picture_type);
    assert_bytes(a->picture, a->picture_len, b->picture, b->picture_len);
    assert_int_equal(a->width_mm, b->width_mm);
    assert_int_equal(a->height_mm, b->height_mm);
    assert_int_equal(a->ext_count, b->ext_count);
    assert_string_equal(a->sig_alg, b->sig_alg);
    assert_int_equal(a->has_timestamp, b->has_timestamp);
    size_t l1, l2;
    const uint8_t *d2 = sc_ses_seal_get_der(r, &l2);
    assert_bytes(der, len, d2, l2);
    const uint8_t *t1 = sc_ses_seal_get_tbs(s, &l1), *t2 = sc_ses_seal_get_tbs(r, &l2);
    assert_bytes(t1, l1, t2, l2);
    sc_ses_seal_free(s);
    sc_ses_seal_free(r);
}

/* A tiny DER writer, to build the expected encoding independently of the library. */
typedef struct dbuf { uint8_t p[8192]; size_t n; } dbuf;

static void put(dbuf *b, const void *d, size_t n)
{
    assert_true(b->n + n <= sizeof(b->p));
    memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void tlv(dbuf *b, uint8_t tag, const void *d, size_t n)
{
    uint8_t h[4] = { tag };
    size_t hl = 2;

    if (n < 0x80) {
        h[1] = (uint8_t)n;
    } else if (n < 0x100) {
        h[1] = 0x81, h[2] = (uint8_t)n, hl = 3;
    } else {
        assert_true(n < 0x10000);
        h[1] = 0x82, h[2] = (uint8_t)(n >> 8), h[3] = (uint8_t)n, hl = 4;
    }
    put(b, h, hl);
    put(b, d, n);
}

static void tlv_str(dbuf *b, uint8_t tag, const char *s)
{
    tlv(b, tag, s, strlen(s));
}

static void ses_seal_make__writes_canonical_der(void **state)
{
    const uint8_t *certs[] = { g.prov };
    size_t lens[] = { g.prov_len }, len, sig_len;
    sc_ses_seal_params p = fixed_params(certs, lens);
    sc_ses_seal *s = make(&p, g.kmaker, g.maker, g.maker_len);
    static dbuf hdr, list, prop, pic, info, seal, bits, tmp;
    const uint8_t one = 1, four = 4, w = 42;

    (void)state;
    memset(&hdr, 0, sizeof(hdr)), list = prop = pic = info = seal = bits = tmp = hdr;
    tlv_str(&hdr, 0x16, "ES");
    tlv(&hdr, 0x02, &four, 1);
    tlv_str(&hdr, 0x16, "SEALPKI-TEST");
    tlv(&list, 0x04, g.prov, g.prov_len);
    tlv(&prop, 0x02, &one, 1);
    tlv_str(&prop, 0x0c, SEAL_NAME);
    tlv(&prop, 0x02, &one, 1);
    tlv(&prop, 0x30, list.p, list.n);
    tlv_str(&prop, 0x18, "20260115080000Z");
    tlv_str(&prop, 0x18, "20260101000000Z");
    tlv_str(&prop, 0x18, "20360101000000Z");
    tlv_str(&pic, 0x16, "PNG");
    tlv(&pic, 0x04, g.png, g.png_len);
    tlv(&pic, 0x02, &w, 1);
    tlv(&pic, 0x02, &w, 1);
    tlv(&tmp, 0x30, hdr.p, hdr.n);
    tlv_str(&tmp, 0x16, "44010000000042");
    tlv(&tmp, 0x30, prop.p, prop.n);
    tlv(&tmp, 0x30, pic.p, pic.n);
    tlv(&info, 0x30, tmp.p, tmp.n);
    const uint8_t *tbs = sc_ses_seal_get_tbs(s, &len);
    assert_bytes(tbs, len, info.p, info.n);
    /* SESeal{eSealInfo, cert OCTET STRING, OID, BIT STRING with 0 unused bits} */
    const uint8_t *sig = sc_ses_seal_get_signature(s, &sig_len);
    assert_true(sig_len >= 8 && sig[0] == 0x30);   /* DER SM2Signature, not raw r||s */
    put(&bits, "\0", 1);
    put(&bits, sig, sig_len);
    tmp.n = 0;
    put(&tmp, info.p, info.n);
    tlv(&tmp, 0x04, g.maker, g.maker_len);
    put(&tmp, OID_SM2_SM3_DER, 10);
    tlv(&tmp, 0x03, bits.p, bits.n);
    tlv(&seal, 0x30, tmp.p, tmp.n);
    const uint8_t *der = sc_ses_seal_get_der(s, &len);
    assert_bytes(der, len, seal.p, seal.n);
    sc_ses_seal_free(s);
}

static void ses_seal_make__same_params_give_same_sealinfo(void **state)
{
    const uint8_t *certs[] = { g.prov };
    size_t lens[] = { g.prov_len }, l1, l2, v1, v2;
    sc_ses_seal_params p = fixed_params(certs, lens);
    sc_ses_seal *a = make(&p, g.kmaker, g.maker, g.maker_len);
    sc_ses_seal *b = make(&p, g.kmaker, g.maker, g.maker_len);
    const uint8_t *t1 = sc_ses_seal_get_tbs(a, &l1), *t2 = sc_ses_seal_get_tbs(b, &l2);
    const uint8_t *s1 = sc_ses_seal_get_signature(a, &v1);
    const uint8_t *s2 = sc_ses_seal_get_signature(b, &v2);

    (void)state;
    assert_bytes(t1, l1, t2, l2);
    /* SM2 signing is randomized: the same SES_SealInfo gets a different value each time */
    assert_true(v1 != v2 || memcmp(s1, s2, v1) != 0);
    sc_ses_seal_free(a);
    sc_ses_seal_free(b);
}

static void ses_seal_make__digest_list_holds_sm3_of_cert(void **state)
{
    const uint8_t *certs[] = { g.prov };
    size_t lens[] = { g.prov_len }, len = 0;
    sc_ses_seal_params p = fixed_params(certs, lens);
    uint8_t want[32];
    unsigned int wl = 0;

    (void)state;
    p.cert_list_type = 2;
    sc_ses_seal *s = make(&p, g.kmaker, g.maker, g.maker_len);
    const char *dtype = NULL;
    const uint8_t *d = sc_ses_seal_get_cert(s, 0, &len, &dtype);
    assert_int_equal(EVP_Digest(g.prov, g.prov_len, want, &wl, EVP_sm3(), NULL), 1);
    assert_int_equal(sc_ses_seal_get_info(s)->cert_list_type, 2);
    assert_int_equal(sc_ses_seal_get_info(s)->cert_count, 1);
    assert_bytes(d, len, want, wl);
    assert_non_null(dtype);
    assert_string_equal(dtype, "SM3");
    sc_ses_seal_free(s);
}

static void ses_seal_lists_cert__finds_cert_by_sm3_digest(void **state)
{
    const uint8_t *certs[] = { g.prov };
    size_t lens[] = { g.prov_len };
    sc_ses_seal_params p = fixed_params(certs, lens);
    sc_err err = SC_ERR_INIT;

    (void)state;
    p.cert_list_type = 2;
    sc_ses_seal *s = make(&p, g.kmaker, g.maker, g.maker_len);
    assert_int_equal(sc_ses_seal_lists_cert(s, g.prov, g.prov_len, &err), 1);
    assert_int_equal(sc_ses_seal_lists_cert(s, g.city, g.city_len, &err), 0);
    assert_int_equal(err.code, 0);
    sc_ses_seal_free(s);
}

/* --- the openssl CLI as an independent verifier ------------------------------------------ */

/* openssl pkeyutl -verify of value over tbs with NAME's public key; returns its exit code. */
static int cli_verify(const char *tag, const char *name, const uint8_t *tbs, size_t tbs_len,
                      const uint8_t *sig, size_t sig_len)
{
    const char *d = sc_test_tmpdir();
    char tbsf[512], sigf[512], pubf[512];

    snprintf(tbsf, sizeof(tbsf), "%s/%s.tbs", d, tag);
    snprintf(sigf, sizeof(sigf), "%s/%s.sig", d, tag);
    snprintf(pubf, sizeof(pubf), "%s/%s.pub", d, name);
    assert_int_equal(sc_test_write(tbsf, tbs, tbs_len), 0);
    assert_int_equal(sc_test_write(sigf, sig, sig_len), 0);
    assert_int_equal(sc_test_sh("openssl x509 -in '%s/%s.pem' -pubkey -noout > '%s'", g.pki, name,
                                pubf), 0);
    return sc_test_sh("openssl pkeyutl -verify -pubin -inkey '%s' -rawin -digest sm3 "
                      "-pkeyopt distid:1234567812345678 -in '%s' -sigfile '%s' >/dev/null 2>&1",
                      pubf, tbsf, sigf);
}

static void ses_seal_make__maker_signature_verifies_with_openssl(void **state)
{
    const uint8_t *certs[] = { g.prov };
    size_t lens[] = { g.prov_len }, tl, sl;
    sc_ses_seal_params p = fixed_params(certs, lens);
    sc_ses_seal *s = make(&p, g.kmaker, g.maker, g.maker_len);
    const uint8_t *tbs = sc_ses_seal_get_tbs(s, &tl), *sig = sc_ses_seal_get_signature(s, &sl);
    uint8_t *bad = malloc(tl);

    (void)state;
    assert_int_equal(cli_verify("seal", "seal-maker", tbs, tl, sig, sl), 0);
    /* the check can fail: one flipped byte of SES_SealInfo, or another key */
    assert_non_null(bad);
    memcpy(bad, tbs, tl);
    bad[tl - 1] ^= 1;
    assert_int_not_equal(cli_verify("seal-bad", "seal-maker", bad, tl, sig, sl), 0);
    assert_int_not_equal(cli_verify("seal-other", "signer-prov", tbs, tl, sig, sl), 0);
    free(bad);
    sc_ses_seal_free(s);
}

static void ses_sign__signer_signature_verifies_with_openssl(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len);
    sc_ses_sig *sig = sign_prov(s);
    size_t tl, sl;
    const uint8_t *tbs = sc_ses_sig_get_tbs(sig, &tl), *v = sc_ses_sig_get_signature(sig, &sl);

    (void)state;
    assert_int_equal(cli_verify("sig", "signer-prov", tbs, tl, v, sl), 0);
    assert_int_not_equal(cli_verify("sig-other", "signer-city", tbs, tl, v, sl), 0);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

static void ses_sign__outputs_parse_with_openssl_asn1parse(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len);
    sc_ses_sig *sig = sign_prov(s);
    const char *d = sc_test_tmpdir();
    size_t sl, gl;
    const uint8_t *sd = sc_ses_seal_get_der(s, &sl), *gd = sc_ses_sig_get_der(sig, &gl);

    (void)state;
    assert_int_equal(sc_test_write(sc_test_path(d, "whole.esl"), sd, sl), 0);
    assert_int_equal(sc_test_write(sc_test_path(d, "whole.dat"), gd, gl), 0);
    assert_int_equal(sc_test_write(sc_test_path(d, "cut.dat"), gd, gl - 1), 0);
    assert_int_equal(sc_test_sh("openssl asn1parse -inform DER -in '%s/whole.esl' >/dev/null", d),
                     0);
    assert_int_equal(sc_test_sh("openssl asn1parse -inform DER -in '%s/whole.dat' >/dev/null", d),
                     0);
    /* control: asn1parse does reject a damaged file */
    assert_int_not_equal(sc_test_sh("openssl asn1parse -inform DER -in '%s/cut.dat' >/dev/null "
                                    "2>&1", d), 0);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

/* --- signing ------------------------------------------------------------------------------ */

static void ses_sign__data_hash_is_sm3_of_data(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len);
    sc_ses_sig *sig = sign_prov(s);
    const char *d = sc_test_tmpdir();
    const sc_ses_sig_info *i = sc_ses_sig_get_info(sig);
    uint8_t *h;
    size_t hl;

    (void)state;
    assert_int_equal(sc_test_write(sc_test_path(d, "data.bin"), DATA, strlen(DATA)), 0);
    assert_int_equal(sc_test_sh("openssl dgst -sm3 -binary '%s/data.bin' > '%s/data.sm3'", d, d),
                     0);
    assert_int_equal(sc_test_read(sc_test_path(d, "data.sm3"), &h, &hl), 0);
    assert_int_equal(hl, 32);
    assert_bytes(i->data_hash, i->data_hash_len, h, hl);
    free(h);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

static void ses_sign__keeps_property_info_and_sign_time(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len);
    int64_t t = (int64_t)time(NULL) - 60;
    sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA),
                             .property_info = PROPERTY, .sign_time = t };
    sc_ses_sig *sig = sign(s, g.kprov, g.prov, g.prov_len, &p);
    const sc_ses_sig_info *i = sc_ses_sig_get_info(sig);
    size_t l1, l2;

    (void)state;
    assert_int_equal(i->layout, 4);
    assert_int_equal(i->version, 4);
    assert_string_equal(i->property_info, PROPERTY);
    assert_int_equal(i->has_sign_time, 1);
    assert_int_equal(i->sign_time, t);
    assert_string_equal(i->sig_alg, "1.2.156.10197.1.501");
    assert_null(i->timestamp);
    /* the seal goes into TBS_Sign verbatim */
    const uint8_t *a = sc_ses_seal_get_der(s, &l1);
    const uint8_t *b = sc_ses_seal_get_der(sc_ses_sig_get_seal(sig), &l2);
    assert_bytes(b, l2, a, l1);
    const uint8_t *c = sc_ses_sig_get_signer_cert(sig, &l1);
    assert_bytes(c, l1, g.prov, g.prov_len);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

static void verify_sig__fresh_signature_passes_every_check(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len);
    sc_ses_sig *sig = sign_prov(s);
    sc_report *rep = verify(sig, g.trust, DATA);

    (void)state;
    expect_only_failure(rep, -1, SC_RESULT_SKIPPED);
    expect_reason(rep, SC_CHECK_TIMESTAMP, "no time-stamp token");
    assert_int_equal(sc_report_exit_code(rep), 0);
    assert_int_equal(sc_report_valid(rep), 1);
    sc_report_free(rep);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

/* --- refusals ----------------------------------------------------------------------------- */

static void ses_sign__refuses_each_bad_request(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len), *v1 = NULL;
    uint8_t *v1der;
    size_t v1len;
    int64_t now = (int64_t)time(NULL);

    (void)state;
    assert_int_equal(sc_test_read(sc_test_path(sc_test_vectors(), "ofdrw/UserV1.esl"), &v1der,
                                  &v1len), 0);
    assert_int_equal(sc_ses_seal_parse(&v1, v1der, v1len, NULL), 0);
    free(v1der);
    const struct {
        const char *name; const sc_ses_seal *seal; sc_key *key; const uint8_t *cert;
        size_t cert_len; int64_t t; const char *msg;
    } rows[] = {
        { "signer not listed", s, g.kcity, g.city, g.city_len, 0, "not in the certificate list" },
        { "key of another cert", s, g.kcity, g.prov, g.prov_len, 0, "does not belong" },
        { "before validity", s, g.kprov, g.prov, g.prov_len, now - 2 * 86400,
          "not at the signing time" },
        { "after validity", s, g.kprov, g.prov, g.prov_len, now + 400 * 86400,
          "not at the signing time" },
        { "V1 seal", v1, g.kprov, g.prov, g.prov_len, 0, "V1" },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA),
                                 .sign_time = rows[i].t };
        sc_ses_sig *sig = (sc_ses_sig *)&p;   /* must be reset to NULL */
        sc_err err = SC_ERR_INIT;
        int rc = sc_ses_sign(&sig, rows[i].seal, rows[i].key, rows[i].cert, rows[i].cert_len, &p,
                             &err);
        if (rc != SC_EINVAL || strstr(err.msg, rows[i].msg) == NULL || sig != NULL)
            fail_msg("%s: got %d \"%s\"", rows[i].name, rc, err.msg);
    }
    sc_ses_seal_free(v1);
    sc_ses_seal_free(s);
}

static void bad_es_id(sc_ses_seal_params *p) { p->es_id = ""; }
static void bad_width(sc_ses_seal_params *p) { p->width_mm = 0; }
static void bad_validity(sc_ses_seal_params *p) { p->valid_end = p->valid_start - 1; }
static void bad_list_type(sc_ses_seal_params *p) { p->cert_list_type = 3; }
static void bad_picture(sc_ses_seal_params *p) { p->picture_type = "TIFF"; }

static void ses_seal_make__refuses_each_bad_param(void **state)
{
    const uint8_t *certs[] = { g.prov };
    size_t lens[] = { g.prov_len };
    const struct {
        const char *name; void (*apply)(sc_ses_seal_params *); const char *msg;
    } rows[] = {
        { "empty es_id", bad_es_id, "seal id: 1..64 printable ASCII" },
        { "width 0", bad_width, "picture size: 0x42 mm" },
        { "valid_to before valid_from", bad_validity, "valid-to must be after valid-from" },
        { "certListType 3", bad_list_type, "certListType: 3, must be 1" },
        { "picture TIFF", bad_picture, "picture type: \"TIFF\"" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sc_ses_seal_params p = fixed_params(certs, lens);
        sc_ses_seal *s = (sc_ses_seal *)&p;   /* must be reset to NULL */
        sc_err err = SC_ERR_INIT;
        rows[i].apply(&p);
        int rc = sc_ses_seal_make(&s, &p, g.kmaker, g.maker, g.maker_len, &err);
        if (rc != SC_EINVAL || strstr(err.msg, rows[i].msg) == NULL || s != NULL)
            fail_msg("%s: got %d \"%s\"", rows[i].name, rc, err.msg);
    }
}

/* --- verification failures ---------------------------------------------------------------- */

static void verify_sig__expired_seal_fails_seal_validity(void **state)
{
    const uint8_t *certs[] = { g.prov };
    size_t lens[] = { g.prov_len };
    sc_ses_seal_params sp = fixed_params(certs, lens);
    int64_t t = (int64_t)time(NULL);
    char when[32], msg[96];

    (void)state;
    sp.created = 0;   /* the maker certificate is judged at createDate: now */
    sp.valid_start = civil(2020, 1, 1);
    sp.valid_end = civil(2021, 1, 1);
    sc_ses_seal *s = make(&sp, g.kmaker, g.maker, g.maker_len);
    /* signed now, by a signer whose certificate is valid now: only the seal has expired */
    sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA),
                             .sign_time = t, .flags = SC_SES_SIGN_UNCHECKED };
    sc_ses_sig *sig = sign(s, g.kprov, g.prov, g.prov_len, &p);
    sc_report *rep = verify(sig, g.trust, DATA);
    expect_only_failure(rep, SC_CHECK_SEAL_VALIDITY, SC_RESULT_SKIPPED);
    snprintf(msg, sizeof(msg), "valid from 2020-01-01T00:00:00Z to 2021-01-01T00:00:00Z, not at %s",
             sc_time_format(t, when, sizeof(when)));
    expect_reason(rep, SC_CHECK_SEAL_VALIDITY, msg);
    assert_int_equal(sc_report_exit_code(rep), 1);
    sc_report_free(rep);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

static void verify_sig__unlisted_signer_fails_signer_in_seal(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len);
    sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA),
                             .flags = SC_SES_SIGN_UNCHECKED };
    sc_ses_sig *sig = sign(s, g.kcity, g.city, g.city_len, &p);
    sc_report *rep = verify(sig, g.trust, DATA);

    (void)state;
    expect_only_failure(rep, SC_CHECK_SIGNER_IN_SEAL, SC_RESULT_SKIPPED);
    expect_reason(rep, SC_CHECK_SIGNER_IN_SEAL, "not in the seal's certificate list");
    assert_int_equal(sc_report_exit_code(rep), 1);
    sc_report_free(rep);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

static void verify_sig__untrusted_maker_fails_cert_chain(void **state)
{
    const char *other = sc_test_pki_other();
    size_t mlen = 0;
    uint8_t *maker = sc_test_cert(other, "seal-maker", &mlen);
    sc_key *kmaker = sc_test_key(other, "seal-maker");

    (void)state;
    assert_non_null(maker);
    assert_non_null(kmaker);
    sc_ses_seal *s = make_current(kmaker, maker, mlen);
    sc_ses_sig *sig = sign_prov(s);
    sc_report *rep = verify(sig, g.trust, DATA);
    expect_only_failure(rep, SC_CHECK_CERT_CHAIN, SC_RESULT_SKIPPED);
    expect_reason(rep, SC_CHECK_CERT_CHAIN, "maker certificate at ");
    expect_reason(rep, SC_CHECK_CERT_CHAIN, "unable to get local issuer certificate");
    assert_int_equal(sc_report_exit_code(rep), 1);
    sc_report_free(rep);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
    sc_key_free(kmaker);
    free(maker);
}

static void verify_sig__wrong_data_fails_data_hash(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len);
    sc_ses_sig *sig = sign_prov(s);
    sc_report *rep = verify(sig, g.trust, "<ofd:Signature>the signed original</ofd:Signature>");

    (void)state;   /* the data lacks its final newline */
    expect_only_failure(rep, SC_CHECK_DATA_HASH, SC_RESULT_SKIPPED);
    expect_reason(rep, SC_CHECK_DATA_HASH, "differs from dataHash");
    assert_int_equal(sc_report_exit_code(rep), 1);
    sc_report_free(rep);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

/* --- time-stamps ---------------------------------------------------------------------------- */

/* An ECDSA P-256 TSA in the scratch directory, made once. */
static const char *tsa_dir(void)
{
    static char dir[512];

    if (dir[0] != '\0')
        return dir;
    snprintf(dir, sizeof(dir), "%s/tsa-p256", sc_test_tmpdir());
    char cnf[1024];
    snprintf(cnf, sizeof(cnf),
             "[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nCN = sealpki test TSA P-256\n"
             "[ ext ]\nbasicConstraints = critical, CA:FALSE\n"
             "keyUsage = critical, digitalSignature\nextendedKeyUsage = critical, timeStamping\n"
             "[ tsa ]\ndefault_tsa = tsa_cfg\n[ tsa_cfg ]\nserial = %s/serial\n"
             "default_policy = 1.2.3.4.1\ndigests = sm3, sha256\nsigner_digest = sha256\n"
             "ess_cert_id_alg = sha256\naccuracy = secs:1\n", dir);
    if (sc_test_sh("mkdir -p '%s'", dir) != 0 ||
        sc_test_write(sc_test_path(dir, "ts.cnf"), cnf, strlen(cnf)) != 0 ||
        sc_test_sh("cd '%s' && openssl req -config ts.cnf -x509 -newkey ec "
                   "-pkeyopt ec_paramgen_curve:P-256 -noenc -keyout tsa.key -out tsa.pem "
                   "-days 30 -sha256 -extensions ext >/dev/null 2>&1", dir) != 0)
        fail_msg("cannot make the test TSA in %s", dir);
    return dir;
}

typedef struct tsa_ctx {
    int alter;             /* time-stamp other bytes than the signature value */
    uint8_t *token;        /* copy of the last token handed out */
    size_t token_len;
} tsa_ctx;

/* sc_ses_tsa_fn: `openssl ts` over value; -cert so the token carries the TSA certificate,
 * -token_out so it is the bare TimeStampToken (ContentInfo), not a TimeStampResp. */
static int tsa_openssl(void *vctx, const uint8_t *value, size_t len, uint8_t **token,
                       size_t *token_len, sc_err *err)
{
    tsa_ctx *c = vctx;
    const char *d = tsa_dir();
    uint8_t *v = malloc(len);

    if (v == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    memcpy(v, value, len);
    if (c->alter)
        v[len / 2] ^= 0x01;
    int ok = sc_test_write(sc_test_path(d, "value.bin"), v, len) == 0 &&
             sc_test_sh("cd '%s' && rm -f q.tsq token.der && "
                        "openssl ts -query -config ts.cnf -data value.bin -sm3 -no_nonce -cert "
                        "-out q.tsq >/dev/null 2>&1 && "
                        "openssl ts -reply -config ts.cnf -queryfile q.tsq -inkey tsa.key "
                        "-signer tsa.pem -token_out -out token.der >/dev/null 2>&1", d) == 0 &&
             sc_test_read(sc_test_path(d, "token.der"), token, token_len) == 0;
    free(v);
    if (!ok)
        return sc_err_set(err, SC_ECRYPTO, "openssl ts failed");
    free(c->token);
    c->token = malloc(*token_len);
    if (c->token != NULL)
        memcpy(c->token, *token, *token_len);
    c->token_len = *token_len;
    return 0;
}

static sc_ses_sig *sign_stamped(const sc_ses_seal *s, tsa_ctx *c)
{
    sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA),
                             .property_info = PROPERTY, .tsa = tsa_openssl, .tsa_ctx = c };
    return sign(s, g.kprov, g.prov, g.prov_len, &p);
}

static void verify_sig__timestamp_token_passes(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len);
    tsa_ctx c = { 0 };
    sc_ses_sig *sig = sign_stamped(s, &c);
    const sc_ses_sig_info *i = sc_ses_sig_get_info(sig);
    sc_report *rep = verify(sig, NULL, DATA);
    const sc_result want[SC_CHECK_COUNT] = {
        SC_RESULT_PASSED, SC_RESULT_PASSED, SC_RESULT_PASSED, SC_RESULT_SKIPPED,
        SC_RESULT_PASSED, SC_RESULT_PASSED, SC_RESULT_PASSED, SC_RESULT_PASSED,
        SC_RESULT_PASSED };

    (void)state;
    assert_non_null(c.token);
    assert_bytes(i->timestamp, i->timestamp_len, c.token, c.token_len);   /* kept verbatim */
    expect_checks(rep, want);
    expect_reason(rep, SC_CHECK_TIMESTAMP, "time-stamped at ");
    expect_reason(rep, SC_CHECK_TIMESTAMP, "not chained (no trust anchors)");
    free(c.token);
    sc_report_free(rep);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

static void verify_sig__timestamp_with_tsa_anchor_passes(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len);
    tsa_ctx c = { 0 };
    sc_ses_sig *sig = sign_stamped(s, &c);
    sc_trust *t = NULL;
    const char *why = NULL;

    (void)state;
    assert_int_equal(sc_trust_new(&t, NULL), 0);
    add_trust(t, g.pki, "root-ca.pem", 1);
    add_trust(t, g.pki, "seal-ca.pem", 0);
    add_trust(t, tsa_dir(), "tsa.pem", 1);
    sc_report *rep = verify(sig, t, DATA);
    expect_only_failure(rep, -1, SC_RESULT_PASSED);
    sc_report_get_check(rep, 0, SC_CHECK_TIMESTAMP, &why);
    assert_non_null(why);
    assert_non_null(strstr(why, "time-stamped at "));
    assert_null(strstr(why, "not chained"));
    assert_int_equal(sc_report_exit_code(rep), 0);
    free(c.token);
    sc_report_free(rep);
    sc_trust_free(t);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

static void verify_sig__timestamp_by_unanchored_tsa_fails(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len);
    tsa_ctx c = { 0 };
    sc_ses_sig *sig = sign_stamped(s, &c);
    sc_report *rep = verify(sig, g.trust, DATA);   /* the SM2 root does not vouch for the TSA */

    (void)state;
    expect_only_failure(rep, SC_CHECK_TIMESTAMP, SC_RESULT_FAILED);
    expect_reason(rep, SC_CHECK_TIMESTAMP, "TSA certificate: ");
    free(c.token);
    sc_report_free(rep);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

static void verify_sig__timestamp_over_other_bytes_fails_imprint(void **state)
{
    sc_ses_seal *s = make_current(g.kmaker, g.maker, g.maker_len);
    tsa_ctx c = { .alter = 1 };
    sc_ses_sig *sig = sign_stamped(s, &c);
    sc_report *rep = verify(sig, NULL, DATA);
    const sc_result want[SC_CHECK_COUNT] = {
        SC_RESULT_PASSED, SC_RESULT_PASSED, SC_RESULT_PASSED, SC_RESULT_SKIPPED,
        SC_RESULT_PASSED, SC_RESULT_PASSED, SC_RESULT_PASSED, SC_RESULT_PASSED,
        SC_RESULT_FAILED };

    (void)state;
    expect_checks(rep, want);
    expect_reason(rep, SC_CHECK_TIMESTAMP, "imprint");
    free(c.token);
    sc_report_free(rep);
    sc_ses_sig_free(sig);
    sc_ses_seal_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ses_seal_make__info_matches_params),
        cmocka_unit_test(ses_seal_make__lists_signer_and_maker_certs_verbatim),
        cmocka_unit_test(ses_seal_parse__made_seal_gives_same_info),
        cmocka_unit_test(ses_seal_make__writes_canonical_der),
        cmocka_unit_test(ses_seal_make__same_params_give_same_sealinfo),
        cmocka_unit_test(ses_seal_make__digest_list_holds_sm3_of_cert),
        cmocka_unit_test(ses_seal_lists_cert__finds_cert_by_sm3_digest),
        cmocka_unit_test(ses_seal_make__maker_signature_verifies_with_openssl),
        cmocka_unit_test(ses_sign__signer_signature_verifies_with_openssl),
        cmocka_unit_test(ses_sign__outputs_parse_with_openssl_asn1parse),
        cmocka_unit_test(ses_sign__data_hash_is_sm3_of_data),
        cmocka_unit_test(ses_sign__keeps_property_info_and_sign_time),
        cmocka_unit_test(verify_sig__fresh_signature_passes_every_check),
        cmocka_unit_test(ses_sign__refuses_each_bad_request),
        cmocka_unit_test(ses_seal_make__refuses_each_bad_param),
        cmocka_unit_test(verify_sig__expired_seal_fails_seal_validity),
        cmocka_unit_test(verify_sig__unlisted_signer_fails_signer_in_seal),
        cmocka_unit_test(verify_sig__untrusted_maker_fails_cert_chain),
        cmocka_unit_test(verify_sig__wrong_data_fails_data_hash),
        cmocka_unit_test(verify_sig__timestamp_token_passes),
        cmocka_unit_test(verify_sig__timestamp_with_tsa_anchor_passes),
        cmocka_unit_test(verify_sig__timestamp_by_unanchored_tsa_fails),
        cmocka_unit_test(verify_sig__timestamp_over_other_bytes_fails_imprint),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
