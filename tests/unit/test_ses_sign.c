/* test_ses_sign.c: sc_ses_seal_make and sc_ses_sign with the development PKI, checked from
 * outside the library: info round trip (certificate list as certificates and as SM3 digests);
 * canonical DER against an encoding built here by hand, identical SES_SealInfo for identical
 * parameters; the openssl CLI verifying both SM2 signatures (ID 1234567812345678), hashing
 * the data and parsing both files; refusals (exact code and message); sc_verify_sig passing a
 * fresh signature and failing exactly one check for an expired seal, an unlisted signer, an
 * untrusted maker, wrong data; RFC 3161 tokens from an ECDSA P-256 TSA made with `openssl ts`
 * (OpenSSL 3.0 cannot make SM2 tokens, pki-profile.md §4).
 * Over 800 lines on purpose: every group shares one signed-seal fixture (setup_with); the
 * time-stamp group moves to test_tsa.c when the server's SM2 TSA lands and makes its own. */
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
    const uint8_t *certs[1];   /* the seals list signer-prov */
    size_t lens[1];
} g;

static int64_t civil(int y, int mo, int d)
{
    int64_t t = 0;

    assert_int_equal(sc_time_from_civil(y, mo, d, 0, 0, 0, &t), 0);
    return t;
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
    g.certs[0] = g.prov;
    g.lens[0] = g.prov_len;
    if (g.maker == NULL || g.prov == NULL || g.city == NULL || g.kmaker == NULL ||
        g.kprov == NULL || g.kcity == NULL ||
        sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &g.png, &g.png_len) != 0 ||
        sc_trust_new(&g.trust, NULL) != 0)
        return -1;
    assert_int_equal(sc_test_add_trust(g.trust, g.pki, "root-ca.pem", 1), 0);
    assert_int_equal(sc_test_add_trust(g.trust, g.pki, "seal-ca.pem", 0), 0);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    free(g.maker), free(g.prov), free(g.city), free(g.png);
    sc_key_free(g.kmaker), sc_key_free(g.kprov), sc_key_free(g.kcity);
    sc_trust_free(g.trust);
    return 0;
}

/* The seal of the round-trip tests: fixed times, so its SES_SealInfo is reproducible. */
static sc_ses_seal_params fixed_params(void)
{
    sc_ses_seal_params p = {
        .es_id = "44010000000042", .name = SEAL_NAME, .type = 1, .vid = "SEALPKI-TEST",
        .cert_list_type = 1, .certs = g.certs, .cert_lens = g.lens, .cert_count = 1,
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

static sc_ses_seal *make_fixed(void)
{
    sc_ses_seal_params p = fixed_params();
    return make(&p, g.kmaker, g.maker, g.maker_len);
}

/* A seal for signing now: made now (the maker is judged at createDate, and the dev PKI is
 * only minutes old), valid from yesterday for a year, listing signer-prov. */
static sc_ses_seal *make_current(const sc_key *key, const uint8_t *cert, size_t cert_len)
{
    int64_t now = (int64_t)time(NULL);
    sc_ses_seal_params p = fixed_params();

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

/* Per-test fixture: a current seal by seal-maker, a signature by signer-prov over DATA made
 * at t (explicitly given), its report once verified. */
typedef struct signed_fix {
    sc_ses_seal *seal; sc_ses_sig *sig; sc_report *rep; int64_t t;
} signed_fix;

typedef struct tsa_ctx {
    int alter;             /* time-stamp other bytes than the signature value */
    int weak;              /* imprint with SHA-1 instead of SM3 */
    uint8_t *token;        /* copy of the last token handed out */
    size_t token_len;
} tsa_ctx;

static int tsa_openssl(void *vctx, const uint8_t *value, size_t len, uint8_t **token,
                       size_t *token_len, sc_err *err);

/* tsa: NULL, or a time-stamp token is asked of tsa_openssl and must be stored verbatim */
static int setup_with(void **state, tsa_ctx *tsa)
{
    signed_fix *f = calloc(1, sizeof(*f));
    sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA),
                             .property_info = PROPERTY, .tsa = tsa ? tsa_openssl : NULL,
                             .tsa_ctx = tsa };
    sc_err err = SC_ERR_INIT;
    size_t n;

    if ((*state = f) == NULL)
        return -1;
    f->seal = make_current(g.kmaker, g.maker, g.maker_len);
    p.sign_time = f->t = (int64_t)time(NULL);   /* not earlier: the dev PKI is brand new */
    int rc = sc_ses_sign(&f->sig, f->seal, g.kprov, g.prov, g.prov_len, &p, &err);
    if (rc == 0 && tsa != NULL) {
        const sc_ses_sig_info *i = sc_ses_sig_get_info(f->sig);
        n = tsa->token_len;
        rc = tsa->token != NULL && i->timestamp_len == n && memcmp(i->timestamp, tsa->token, n) == 0
                 ? 0 : -1;
        free(tsa->token);
    }
    if (rc != 0)
        fprintf(stderr, "setup: %d \"%s\"\n", rc, err.msg);
    return rc == 0 ? 0 : -1;
}

static int setup_signed(void **state) { return setup_with(state, NULL); }
static int setup_stamped(void **state) { return setup_with(state, &(tsa_ctx){ .alter = 0 }); }
static int setup_stamped_other(void **state) { return setup_with(state, &(tsa_ctx){ .alter = 1 }); }
static int setup_stamped_weak(void **state) { return setup_with(state, &(tsa_ctx){ .weak = 1 }); }

static int teardown_signed(void **state)
{
    signed_fix *f = *state;

    sc_report_free(f->rep);
    sc_ses_sig_free(f->sig);
    sc_ses_seal_free(f->seal);
    free(f);
    return 0;
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

/* Check `bad` (-1: none) failed, cert_chain gave chain, timestamp gave ts, the rest passed;
 * on a difference, the message names every check that differs, with its reason. */
static void expect_checks(const sc_report *rep, int bad, sc_result chain, sc_result ts)
{
    static const char *rn[] = { "none", "passed", "failed", "skipped" };
    char msg[2048] = "";
    size_t used = 0;

    for (int c = 0; c < SC_CHECK_COUNT; c++) {
        const char *why = NULL;
        sc_result r = sc_report_get_check(rep, 0, (sc_check)c, &why), want = SC_RESULT_PASSED;
        if (c == SC_CHECK_OFD_REFERENCES || c == SC_CHECK_OFD_SEAL_FILE ||
            c == SC_CHECK_LICENSE)
            want = SC_RESULT_NONE;   /* OFD only (license: an OFD licence's own item) */
        else if (c == SC_CHECK_SEAL_STATUS)
            want = SC_RESULT_SKIPPED;   /* no status response given (test_verify_status.c) */
        else if (c == bad)
            want = SC_RESULT_FAILED;
        else if (c == SC_CHECK_CERT_CHAIN || c == SC_CHECK_TIMESTAMP)
            want = c == SC_CHECK_CERT_CHAIN ? chain : ts;
        if (r != want && used < sizeof(msg))
            used += (size_t)snprintf(msg + used, sizeof(msg) - used, " %s: %s (want %s) \"%s\";",
                                     sc_check_name((sc_check)c), rn[r], rn[want], why ? why : "");
    }
    if (used > 0)
        fail_msg("checks differ:%s", msg);
}

/* With the trust store and no token: only `bad` fails. */
static void expect_only_failure(const sc_report *rep, int bad)
{
    expect_checks(rep, bad, SC_RESULT_PASSED, SC_RESULT_SKIPPED);
}

static void expect_reason(const sc_report *rep, sc_check c, const char *fragment)
{
    const char *why = NULL;

    sc_report_get_check(rep, 0, c, &why);
    if (why == NULL || strstr(why, fragment) == NULL)
        fail_msg("%s: reason \"%s\" lacks \"%s\"", sc_check_name(c), why ? why : "(none)",
                 fragment);
}

static void assert_bytes(const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    assert_int_equal(alen, blen);
    assert_memory_equal(a, b, blen);
}

static void expect_same_info(const sc_ses_seal_info *a, const sc_ses_seal_info *b)
{
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
}

/* --- round trip ------------------------------------------------------------------------- */

static void ses_seal_make__info_matches_params(void **state)
{
    sc_ses_seal_params p = fixed_params();
    sc_ses_seal *s = make_fixed();
    const sc_ses_seal_info want = {
        .layout = 4, .version = 4, .header_id = "ES", .vid = "SEALPKI-TEST",
        .es_id = "44010000000042", .type = 1, .name = SEAL_NAME, .cert_list_type = 1,
        .cert_count = 1, .created = p.created, .valid_start = p.valid_start,
        .valid_end = p.valid_end, .picture_type = "PNG", .picture = g.png,
        .picture_len = g.png_len, .width_mm = 42, .height_mm = 42, .ext_count = 0,
        .sig_alg = "1.2.156.10197.1.501", .has_timestamp = 0 };

    (void)state;
    expect_same_info(sc_ses_seal_get_info(s), &want);
    sc_ses_seal_free(s);
}

static void ses_seal_make__lists_signer_and_maker_certs_verbatim(void **state)
{
    sc_ses_seal *s = make_fixed();
    const char *dtype = "unset";
    size_t len = 0;
    const uint8_t *c = sc_ses_seal_get_cert(s, 0, &len, &dtype);

    (void)state;
    assert_bytes(c, len, g.prov, g.prov_len);
    assert_null(dtype);   /* certificates, not digests */
    assert_null(sc_ses_seal_get_cert(s, 1, &len, NULL));
    c = sc_ses_seal_get_maker_cert(s, &len);
    assert_bytes(c, len, g.maker, g.maker_len);
    assert_int_equal(sc_ses_seal_lists_cert(s, g.prov, g.prov_len, NULL), 1);
    assert_int_equal(sc_ses_seal_lists_cert(s, g.city, g.city_len, NULL), 0);
    sc_ses_seal_free(s);
}

static void ses_seal_parse__made_seal_gives_same_info(void **state)
{
    sc_ses_seal *s = make_fixed(), *r = NULL;
    size_t len, l1, l2;
    const uint8_t *der = sc_ses_seal_get_der(s, &len);
    sc_err err = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_ses_seal_parse(&r, der, len, &err), 0);
    expect_same_info(sc_ses_seal_get_info(r), sc_ses_seal_get_info(s));
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
    uint8_t h[4] = { tag, (uint8_t)n, 0, 0 };
    size_t hl = 2;

    assert_true(n < 0x10000);
    if (n >= 0x100)
        h[1] = 0x82, h[2] = (uint8_t)(n >> 8), h[3] = (uint8_t)n, hl = 4;
    else if (n >= 0x80)
        h[1] = 0x81, h[2] = (uint8_t)n, hl = 3;
    put(b, h, hl);
    put(b, d, n);
}

static void tlv_str(dbuf *b, uint8_t tag, const char *s)
{
    tlv(b, tag, s, strlen(s));
}

/* SES_SealInfo of fixed_params() plus the given ExtensionDatas content (NULL: none). */
static void expected_sealinfo(dbuf *info, const dbuf *exts)
{
    static dbuf hdr, list, prop, pic, tmp;
    const uint8_t one = 1, four = 4, w = 42;

    hdr.n = list.n = prop.n = pic.n = tmp.n = info->n = 0;
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
    if (exts != NULL)
        tlv(&tmp, 0x30, exts->p, exts->n);
    tlv(info, 0x30, tmp.p, tmp.n);
}

static void ses_seal_make__writes_canonical_der(void **state)
{
    sc_ses_seal *s = make_fixed();
    static dbuf info, seal, bits, tmp;
    size_t len, sig_len;

    (void)state;
    expected_sealinfo(&info, NULL);
    const uint8_t *tbs = sc_ses_seal_get_tbs(s, &len);
    assert_bytes(tbs, len, info.p, info.n);
    /* SESeal{eSealInfo, cert OCTET STRING, OID, BIT STRING with 0 unused bits} */
    const uint8_t *sig = sc_ses_seal_get_signature(s, &sig_len);
    assert_true(sig_len >= 8 && sig[0] == 0x30);   /* DER SM2Signature, not raw r||s */
    bits.n = tmp.n = seal.n = 0;
    put(&bits, "\0", 1);
    put(&bits, sig, sig_len);
    put(&tmp, info.p, info.n);
    tlv(&tmp, 0x04, g.maker, g.maker_len);
    put(&tmp, OID_SM2_SM3_DER, 10);
    tlv(&tmp, 0x03, bits.p, bits.n);
    tlv(&seal, 0x30, tmp.p, tmp.n);
    const uint8_t *der = sc_ses_seal_get_der(s, &len);
    assert_bytes(der, len, seal.p, seal.n);
    sc_ses_seal_free(s);
}

/* ExtData{extnID, critical BOOLEAN DEFAULT FALSE, extnValue}: FALSE is left out (DER). Fails
 * before the fix: a non-critical entry made sc_ses_seal_make return SC_ECRYPTO "cannot encode
 * SES_SealInfo (... illegal zero content)". */
static void ses_seal_make__writes_extensions(void **state)
{
    static const uint8_t ext1[] = { 0x30, 0x0b, 0x06, 0x02, 0x2a, 0x03, 0x01, 0x01, 0xff,
                                    0x04, 0x02, 'o', 'n' };
    static const uint8_t ext2[] = { 0x30, 0x09, 0x06, 0x02, 0x2a, 0x04,
                                    0x04, 0x03, '2', '.', '1' };
    const sc_ses_ext exts[] = { { "1.2.3", 1, (const uint8_t *)"on", 2 },
                                { "1.2.4", 0, (const uint8_t *)"2.1", 3 } };
    sc_ses_seal_params p = fixed_params();
    static dbuf list, info;
    size_t len;

    (void)state;
    p.exts = exts;
    p.ext_count = 2;
    sc_ses_seal *s = make(&p, g.kmaker, g.maker, g.maker_len);
    assert_int_equal(sc_ses_seal_get_info(s)->ext_count, 2);
    list.n = 0;
    put(&list, ext1, sizeof(ext1));
    put(&list, ext2, sizeof(ext2));
    expected_sealinfo(&info, &list);
    const uint8_t *tbs = sc_ses_seal_get_tbs(s, &len);
    assert_bytes(tbs, len, info.p, info.n);
    sc_ses_seal_free(s);
}

static void ses_seal_make__same_params_give_same_sealinfo(void **state)
{
    sc_ses_seal *a = make_fixed(), *b = make_fixed();
    size_t l1, l2, v1, v2;
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
    sc_ses_seal_params p = fixed_params();
    uint8_t want[32];
    unsigned int wl = 0;
    size_t len = 0;
    const char *dtype = NULL;

    (void)state;
    p.cert_list_type = 2;
    sc_ses_seal *s = make(&p, g.kmaker, g.maker, g.maker_len);
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
    sc_ses_seal_params p = fixed_params();
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
    sc_ses_seal *s = make_fixed();
    size_t tl, sl;
    const uint8_t *tbs = sc_ses_seal_get_tbs(s, &tl), *sig = sc_ses_seal_get_signature(s, &sl);
    uint8_t *bad = malloc(tl);

    (void)state;
    assert_int_equal(cli_verify("seal", "seal-maker", tbs, tl, sig, sl), 0);
    /* controls: one flipped byte of SES_SealInfo, or another key, do fail */
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
    signed_fix *f = *state;
    size_t tl, sl;
    const uint8_t *tbs = sc_ses_sig_get_tbs(f->sig, &tl);
    const uint8_t *v = sc_ses_sig_get_signature(f->sig, &sl);

    assert_int_equal(cli_verify("sig", "signer-prov", tbs, tl, v, sl), 0);
    assert_int_not_equal(cli_verify("sig-other", "signer-city", tbs, tl, v, sl), 0);
}

static void ses_sign__outputs_parse_with_openssl_asn1parse(void **state)
{
    signed_fix *f = *state;
    const char *d = sc_test_tmpdir();
    size_t sl, gl;
    const uint8_t *sd = sc_ses_seal_get_der(f->seal, &sl), *gd = sc_ses_sig_get_der(f->sig, &gl);

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
}

/* --- signing ------------------------------------------------------------------------------ */

static void ses_sign__data_hash_is_sm3_of_data(void **state)
{
    signed_fix *f = *state;
    const char *d = sc_test_tmpdir();
    const sc_ses_sig_info *i = sc_ses_sig_get_info(f->sig);
    uint8_t *h;
    size_t hl;

    assert_int_equal(sc_test_write(sc_test_path(d, "data.bin"), DATA, strlen(DATA)), 0);
    assert_int_equal(sc_test_sh("openssl dgst -sm3 -binary '%s/data.bin' > '%s/data.sm3'", d, d),
                     0);
    assert_int_equal(sc_test_read(sc_test_path(d, "data.sm3"), &h, &hl), 0);
    assert_int_equal(hl, 32);
    assert_bytes(i->data_hash, i->data_hash_len, h, hl);
    free(h);
}

static void ses_sign__keeps_property_info_and_sign_time(void **state)
{
    signed_fix *f = *state;
    const sc_ses_sig_info *i = sc_ses_sig_get_info(f->sig);
    size_t l1, l2;

    assert_int_equal(i->layout, 4);
    assert_int_equal(i->version, 4);
    assert_string_equal(i->property_info, PROPERTY);
    assert_int_equal(i->has_sign_time, 1);
    assert_int_equal(i->sign_time, f->t);
    assert_string_equal(i->sig_alg, "1.2.156.10197.1.501");
    assert_null(i->timestamp);
    const uint8_t *a = sc_ses_seal_get_der(f->seal, &l1);   /* the seal goes in verbatim */
    const uint8_t *b = sc_ses_seal_get_der(sc_ses_sig_get_seal(f->sig), &l2);
    assert_bytes(b, l2, a, l1);
    const uint8_t *c = sc_ses_sig_get_signer_cert(f->sig, &l1);
    assert_bytes(c, l1, g.prov, g.prov_len);
}

static void verify_sig__fresh_signature_passes_every_check(void **state)
{
    signed_fix *f = *state;

    f->rep = verify(f->sig, g.trust, DATA);
    expect_only_failure(f->rep, -1);
    expect_reason(f->rep, SC_CHECK_TIMESTAMP, "no time-stamp token");
    assert_int_equal(sc_report_exit_code(f->rep), 0);
    assert_int_equal(sc_report_valid(f->rep), 1);
}

/* --- refusals ----------------------------------------------------------------------------- */

static void ses_sign__refuses_each_bad_request(void **state)
{
    signed_fix *f = *state;
    sc_ses_seal *v1 = NULL;
    uint8_t *v1der;
    size_t v1len;
    int64_t now = (int64_t)time(NULL);

    assert_int_equal(sc_test_read(sc_test_path(sc_test_vectors(), "ofdrw/UserV1.esl"), &v1der,
                                  &v1len), 0);
    assert_int_equal(sc_ses_seal_parse(&v1, v1der, v1len, NULL), 0);
    free(v1der);
    const struct {
        const char *name; const sc_ses_seal *seal; sc_key *key; const uint8_t *cert;
        size_t cert_len; int64_t t; const char *msg;
    } rows[] = {
        { "signer not listed", f->seal, g.kcity, g.city, g.city_len, 0,
          "the signer certificate is not in the certificate list of seal 44010000000042" },
        { "key of another cert", f->seal, g.kcity, g.prov, g.prov_len, 0,
          "signer: the private key does not belong to this certificate" },
        { "before validity", f->seal, g.kprov, g.prov, g.prov_len, now - 2 * 86400,
          "not at the signing time" },
        { "after validity", f->seal, g.kprov, g.prov, g.prov_len, now + 400 * 86400,
          "not at the signing time" },
        { "V1 seal", v1, g.kprov, g.prov, g.prov_len, 0, "(V1) seal: read and verify only" },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA),
                                 .sign_time = rows[i].t };
        sc_ses_sig *sig = f->sig;   /* any non-NULL value: a refusal must reset it */
        sc_err err = SC_ERR_INIT;
        int rc = sc_ses_sign(&sig, rows[i].seal, rows[i].key, rows[i].cert, rows[i].cert_len, &p,
                             &err);
        if (rc == 0)
            sc_ses_sig_free(sig);
        if (rc != SC_EINVAL || strstr(err.msg, rows[i].msg) == NULL || sig != NULL)
            fail_msg("%s: got %d \"%s\"", rows[i].name, rc, err.msg);
    }
    sc_ses_seal_free(v1);
}

static void bad_es_id(sc_ses_seal_params *p) { p->es_id = ""; }
static void bad_width(sc_ses_seal_params *p) { p->width_mm = 0; }
static void bad_validity(sc_ses_seal_params *p) { p->valid_end = p->valid_start - 1; }
static void bad_list_type(sc_ses_seal_params *p) { p->cert_list_type = 3; }
static void bad_picture(sc_ses_seal_params *p) { p->picture_type = "TIFF"; }

static void ses_seal_make__refuses_each_bad_param(void **state)
{
    const struct {
        const char *name; void (*apply)(sc_ses_seal_params *); const char *msg;
    } rows[] = {
        { "empty es_id", bad_es_id, "seal id: 1..64 printable ASCII characters required" },
        { "width 0", bad_width, "picture size: 0x42 mm, each side 1..1000 mm" },
        { "valid_to before valid_from", bad_validity,
          "validity: valid-to must be after valid-from" },
        { "certListType 3", bad_list_type, "certListType: 3, must be 1 (certificates) or 2" },
        { "picture TIFF", bad_picture, "picture type: \"TIFF\", expected PNG" },
    };

    (void)state;
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        sc_ses_seal_params p = fixed_params();
        sc_ses_seal *s = (sc_ses_seal *)&p;   /* any non-NULL value: a refusal must reset it */
        sc_err err = SC_ERR_INIT;
        rows[i].apply(&p);
        int rc = sc_ses_seal_make(&s, &p, g.kmaker, g.maker, g.maker_len, &err);
        if (rc == 0)
            sc_ses_seal_free(s);
        if (rc != SC_EINVAL || strstr(err.msg, rows[i].msg) == NULL || s != NULL)
            fail_msg("%s: got %d \"%s\"", rows[i].name, rc, err.msg);
    }
}

/* The API promises a UTF-8 name (it becomes a UTF8String). Fails before the fix: 0xFF 0xFE
 * is written as is, and the seal parses back with that name. */
static void ses_seal_make__refuses_name_not_utf8(void **state)
{
    sc_ses_seal_params p = fixed_params();
    sc_ses_seal *s = NULL;
    sc_err err = SC_ERR_INIT;

    (void)state;
    p.name = "\xff\xfe seal";
    int rc = sc_ses_seal_make(&s, &p, g.kmaker, g.maker, g.maker_len, &err), made = s != NULL;
    sc_ses_seal_free(s);
    assert_int_equal(rc, SC_EINVAL);
    assert_non_null(strstr(err.msg, "seal name: 1..256 bytes of UTF-8 required"));
    assert_false(made);
}

/* --- verification failures ---------------------------------------------------------------- */

/* Signed now, by a signer valid now: an older signing time (say 2022) would also fail
 * signer_cert and cert_chain, the dev PKI being minutes old. Only the seal has expired. */
static void verify_sig__expired_seal_fails_seal_validity(void **state)
{
    sc_ses_seal_params sp = fixed_params();
    int64_t t = (int64_t)time(NULL);
    char when[32], msg[96];

    (void)state;
    sp.created = 0;   /* the maker certificate is judged at createDate: now */
    sp.valid_start = civil(2020, 1, 1);
    sp.valid_end = civil(2021, 1, 1);
    sc_ses_seal *s = make(&sp, g.kmaker, g.maker, g.maker_len);
    sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA),
                             .sign_time = t, .flags = SC_SES_SIGN_UNCHECKED };
    sc_ses_sig *sig = sign(s, g.kprov, g.prov, g.prov_len, &p);
    sc_report *rep = verify(sig, g.trust, DATA);
    expect_only_failure(rep, SC_CHECK_SEAL_VALIDITY);
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
    signed_fix *f = *state;
    sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA),
                             .flags = SC_SES_SIGN_UNCHECKED };
    sc_ses_sig *sig = sign(f->seal, g.kcity, g.city, g.city_len, &p);

    f->rep = verify(sig, g.trust, DATA);
    expect_only_failure(f->rep, SC_CHECK_SIGNER_IN_SEAL);
    expect_reason(f->rep, SC_CHECK_SIGNER_IN_SEAL, "not in the seal's certificate list");
    assert_int_equal(sc_report_exit_code(f->rep), 1);
    sc_ses_sig_free(sig);
}

static void verify_sig__untrusted_maker_fails_cert_chain(void **state)
{
    const char *other = sc_test_pki_other();
    size_t mlen = 0;
    uint8_t *maker = sc_test_cert(other, "seal-maker", &mlen);
    sc_key *kmaker = sc_test_key(other, "seal-maker");
    sc_ses_sign_params p = { .data = (const uint8_t *)DATA, .data_len = strlen(DATA) };

    (void)state;
    assert_non_null(maker);
    assert_non_null(kmaker);
    sc_ses_seal *s = make_current(kmaker, maker, mlen);
    sc_ses_sig *sig = sign(s, g.kprov, g.prov, g.prov_len, &p);
    sc_report *rep = verify(sig, g.trust, DATA);
    expect_only_failure(rep, SC_CHECK_CERT_CHAIN);
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
    signed_fix *f = *state;

    /* DATA without its final newline */
    f->rep = verify(f->sig, g.trust, "<ofd:Signature>the signed original</ofd:Signature>");
    expect_only_failure(f->rep, SC_CHECK_DATA_HASH);
    expect_reason(f->rep, SC_CHECK_DATA_HASH, "differs from dataHash");
    assert_int_equal(sc_report_exit_code(f->rep), 1);
}

/* --- time-stamps ---------------------------------------------------------------------------- */

/* An ECDSA P-256 TSA in the scratch directory, made once. */
static const char *tsa_dir(void)
{
    static char dir[512];
    char cnf[1024];

    if (dir[0] != '\0')
        return dir;
    snprintf(dir, sizeof(dir), "%s/tsa-p256", sc_test_tmpdir());
    snprintf(cnf, sizeof(cnf),
             "[ req ]\ndistinguished_name = dn\nprompt = no\n[ dn ]\nCN = sealpki test TSA P-256\n"
             "[ ext ]\nbasicConstraints = critical, CA:FALSE\n"
             "keyUsage = critical, digitalSignature\nextendedKeyUsage = critical, timeStamping\n"
             "[ tsa ]\ndefault_tsa = tsa_cfg\n[ tsa_cfg ]\nserial = %s/serial\n"
             "default_policy = 1.2.3.4.1\ndigests = sm3, sha256, sha1\nsigner_digest = sha256\n"
             "ess_cert_id_alg = sha256\naccuracy = secs:1\n", dir);
    if (sc_test_sh("mkdir -p '%s'", dir) != 0 ||
        sc_test_write(sc_test_path(dir, "ts.cnf"), cnf, strlen(cnf)) != 0 ||
        sc_test_sh("cd '%s' && openssl req -config ts.cnf -x509 -newkey ec "
                   "-pkeyopt ec_paramgen_curve:P-256 -noenc -keyout tsa.key -out tsa.pem "
                   "-days 30 -sha256 -extensions ext >/dev/null 2>&1", dir) != 0)
        fail_msg("cannot make the test TSA in %s", dir);
    return dir;
}

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
                        "openssl ts -query -config ts.cnf -data value.bin -%s -no_nonce -cert "
                        "-out q.tsq >/dev/null 2>&1 && "
                        "openssl ts -reply -config ts.cnf -queryfile q.tsq -inkey tsa.key "
                        "-signer tsa.pem -token_out -out token.der >/dev/null 2>&1", d,
                        c->weak ? "sha1" : "sm3") == 0 &&
             sc_test_read(sc_test_path(d, "token.der"), token, token_len) == 0;
    free(v);
    if (!ok)
        return sc_err_set(err, SC_ECRYPTO, "openssl ts failed");
    free(c->token);
    if ((c->token = malloc(*token_len)) != NULL)
        memcpy(c->token, *token, *token_len);
    c->token_len = *token_len;
    return 0;
}

static void verify_sig__timestamp_token_passes(void **state)
{
    signed_fix *f = *state;

    f->rep = verify(f->sig, NULL, DATA);
    expect_checks(f->rep, -1, SC_RESULT_SKIPPED, SC_RESULT_PASSED);
    expect_reason(f->rep, SC_CHECK_TIMESTAMP, "time-stamped at ");
    expect_reason(f->rep, SC_CHECK_TIMESTAMP, "not chained (no trust anchors)");
}

static void verify_sig__timestamp_with_tsa_anchor_passes(void **state)
{
    signed_fix *f = *state;
    sc_trust *t = NULL;
    const char *why = NULL;

    assert_int_equal(sc_trust_new(&t, NULL), 0);
    assert_int_equal(sc_test_add_trust(t, g.pki, "root-ca.pem", 1), 0);
    assert_int_equal(sc_test_add_trust(t, g.pki, "seal-ca.pem", 0), 0);
    assert_int_equal(sc_test_add_trust(t, tsa_dir(), "tsa.pem", 1), 0);
    f->rep = verify(f->sig, t, DATA);
    sc_trust_free(t);
    expect_checks(f->rep, -1, SC_RESULT_PASSED, SC_RESULT_PASSED);
    sc_report_get_check(f->rep, 0, SC_CHECK_TIMESTAMP, &why);
    expect_reason(f->rep, SC_CHECK_TIMESTAMP, "time-stamped at ");
    assert_null(strstr(why, "not chained"));
    assert_int_equal(sc_report_exit_code(f->rep), 0);
}

static void verify_sig__timestamp_by_unanchored_tsa_fails(void **state)
{
    signed_fix *f = *state;

    f->rep = verify(f->sig, g.trust, DATA);   /* the SM2 root does not vouch for the TSA */
    expect_only_failure(f->rep, SC_CHECK_TIMESTAMP);
    expect_reason(f->rep, SC_CHECK_TIMESTAMP, "TSA certificate: ");
}

static void verify_sig__timestamp_over_other_bytes_fails_imprint(void **state)
{
    signed_fix *f = *state;

    f->rep = verify(f->sig, NULL, DATA);
    expect_checks(f->rep, SC_CHECK_TIMESTAMP, SC_RESULT_SKIPPED, SC_RESULT_FAILED);
    expect_reason(f->rep, SC_CHECK_TIMESTAMP, "imprint is not the hash of this signature value");
}

#define T(f) cmocka_unit_test(f)
#define TS(f) cmocka_unit_test_setup_teardown(f, setup_signed, teardown_signed)
#define TT(f, s) cmocka_unit_test_setup_teardown(f, s, teardown_signed)

/* A SHA-1 imprint proves little about which value was time-stamped (review finding). */
static void verify_sig__timestamp_with_sha1_imprint_fails(void **state)
{
    signed_fix *f = *state;

    f->rep = verify(f->sig, NULL, DATA);
    expect_checks(f->rep, SC_CHECK_TIMESTAMP, SC_RESULT_SKIPPED, SC_RESULT_FAILED);
    expect_reason(f->rep, SC_CHECK_TIMESTAMP, "not SM3 or SHA-2 (imprint 1.3.14.3.2.26");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(ses_seal_make__info_matches_params),
        T(ses_seal_make__lists_signer_and_maker_certs_verbatim),
        T(ses_seal_parse__made_seal_gives_same_info),
        T(ses_seal_make__writes_canonical_der),
        T(ses_seal_make__writes_extensions),
        T(ses_seal_make__same_params_give_same_sealinfo),
        T(ses_seal_make__digest_list_holds_sm3_of_cert),
        T(ses_seal_lists_cert__finds_cert_by_sm3_digest),
        T(ses_seal_make__maker_signature_verifies_with_openssl),
        TS(ses_sign__signer_signature_verifies_with_openssl),
        TS(ses_sign__outputs_parse_with_openssl_asn1parse),
        TS(ses_sign__data_hash_is_sm3_of_data),
        TS(ses_sign__keeps_property_info_and_sign_time),
        TS(verify_sig__fresh_signature_passes_every_check),
        TS(ses_sign__refuses_each_bad_request),
        T(ses_seal_make__refuses_each_bad_param),
        T(ses_seal_make__refuses_name_not_utf8),
        T(verify_sig__expired_seal_fails_seal_validity),
        TS(verify_sig__unlisted_signer_fails_signer_in_seal),
        T(verify_sig__untrusted_maker_fails_cert_chain),
        TS(verify_sig__wrong_data_fails_data_hash),
        TT(verify_sig__timestamp_token_passes, setup_stamped),
        TT(verify_sig__timestamp_with_tsa_anchor_passes, setup_stamped),
        TT(verify_sig__timestamp_by_unanchored_tsa_fails, setup_stamped),
        TT(verify_sig__timestamp_over_other_bytes_fails_imprint, setup_stamped_other),
        TT(verify_sig__timestamp_with_sha1_imprint_fails, setup_stamped_weak),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
