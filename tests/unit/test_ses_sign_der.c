/* test_ses_sign_der.c: sc_ses_sign_der, the SES_Signature written by hand (ses_write.c):
 * byte for byte against an encoding built here (propertyInfo empty, short and long enough
 * for a two-byte length; with and without a time-stamp token; a seal above what a key keeps
 * states for), the SM3 it reports against OpenSSL's SM3 of the output while property lengths
 * and seals alternate (the seal's kept states replaced and reused) and on four threads
 * sharing one seal, the signature verified by OpenSSL over the TBS_Sign, and its refusals
 * leaving no output. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pthread.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "sealcore/ses.h"
#include "sealcore/time.h"
#include "ses/ses_int.h"
#include "testutil.h"

static struct {
    uint8_t *maker, *prov, *png;
    size_t maker_len, prov_len, png_len;
    sc_key *kmaker, *kprov, *kcity;
    EVP_PKEY *pub;   /* signer-prov's */
    X509 *prov_x509;
    sc_ses_seal *seal[2];
    sc_ses_seal *big;   /* a 70 KB picture: more than a key keeps a state for */
} g;

static sc_ses_seal *make_seal(const uint8_t *pic, size_t pic_len)
{
    const uint8_t *certs[1] = { g.prov };
    size_t lens[1] = { g.prov_len };
    int64_t now = (int64_t)time(NULL);
    sc_ses_seal_params p = {
        .es_id = "44010000000077", .name = "测试专用章", .type = 1, .vid = "SEALPKI-TEST",
        .cert_list_type = 1, .certs = certs, .cert_lens = lens, .cert_count = 1,
        .valid_start = now - 86400, .valid_end = now + 365 * 86400, .picture_type = "PNG",
        .picture = pic, .picture_len = pic_len, .width_mm = 40, .height_mm = 40 };
    sc_ses_seal *s = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_ses_seal_make(&s, &p, g.kmaker, g.maker, g.maker_len, &err) != 0)
        fail_msg("sc_ses_seal_make: %s", err.msg);
    return s;
}

static int group_setup(void **state)
{
    const char *pki = sc_test_pki();
    const uint8_t *p;

    (void)state;
    g.maker = sc_test_cert(pki, "seal-maker", &g.maker_len);
    g.prov = sc_test_cert(pki, "signer-prov", &g.prov_len);
    g.kmaker = sc_test_key(pki, "seal-maker");
    g.kprov = sc_test_key(pki, "signer-prov");
    g.kcity = sc_test_key(pki, "signer-city");
    if (g.maker == NULL || g.prov == NULL || g.kmaker == NULL || g.kprov == NULL ||
        g.kcity == NULL ||
        sc_test_read(sc_test_path(sc_test_data(), "seal.png"), &g.png, &g.png_len) != 0)
        return -1;
    p = g.prov;
    if ((g.prov_x509 = d2i_X509(NULL, &p, (long)g.prov_len)) == NULL)
        return -1;
    g.pub = X509_get0_pubkey(g.prov_x509);
    g.seal[0] = make_seal(g.png, g.png_len);
    g.seal[1] = make_seal(g.png, g.png_len);
    uint8_t *pic = calloc(1, 70 * 1024);
    if (pic == NULL)
        return -1;
    memcpy(pic, g.png, g.png_len < 70 * 1024 ? g.png_len : 70 * 1024);
    g.big = make_seal(pic, 70 * 1024);
    free(pic);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    sc_ses_seal_free(g.seal[0]);
    sc_ses_seal_free(g.seal[1]);
    sc_ses_seal_free(g.big);
    X509_free(g.prov_x509);
    free(g.maker), free(g.prov), free(g.png);
    sc_key_free(g.kmaker), sc_key_free(g.kprov), sc_key_free(g.kcity);
    return 0;
}

/* A DER writer of the test's own, any length below 2^24. */
typedef struct dbuf { uint8_t *p; size_t n; } dbuf;

static void put(dbuf *b, const void *d, size_t n)
{
    assert_non_null(b->p = realloc(b->p, b->n + n + 1));
    if (n > 0)
        memcpy(b->p + b->n, d, n);
    b->n += n;
}

static void tlv(dbuf *b, uint8_t tag, const void *d, size_t n)
{
    uint8_t h[5] = { tag };
    size_t hl;

    assert_true(n < 0x1000000);
    if (n < 0x80)
        h[1] = (uint8_t)n, hl = 2;
    else if (n < 0x100)
        h[1] = 0x81, h[2] = (uint8_t)n, hl = 3;
    else if (n < 0x10000)
        h[1] = 0x82, h[2] = (uint8_t)(n >> 8), h[3] = (uint8_t)n, hl = 4;
    else
        h[1] = 0x83, h[2] = (uint8_t)(n >> 16), h[3] = (uint8_t)(n >> 8), h[4] = (uint8_t)n,
        hl = 5;
    put(b, h, hl);
    put(b, d, n);
}

static void bits(dbuf *b, const uint8_t *d, size_t n)
{
    dbuf t = { NULL, 0 };

    put(&t, "", 1);   /* 0 unused bits */
    put(&t, d, n);
    tlv(b, 0x03, t.p, t.n);
    free(t.p);
}

static int fixed_tsa(void *ctx, const uint8_t *value, size_t len, uint8_t **token,
                     size_t *token_len, sc_err *err)
{
    (void)ctx, (void)value, (void)len, (void)err;
    assert_non_null(*token = malloc(300));
    for (int i = 0; i < 300; i++)
        (*token)[i] = (uint8_t)(i * 7);
    *token_len = 300;
    return 0;
}

static uint8_t *sign_der(const sc_ses_seal *seal, const sc_ses_sign_params *p, size_t *len,
                         uint8_t sm3[32])
{
    uint8_t *der = NULL;
    sc_err err = SC_ERR_INIT;

    if (sc_ses_sign_der(&der, len, sm3, seal, g.kprov, g.prov, g.prov_len, p, &err) != 0)
        fail_msg("sc_ses_sign_der: %s", err.msg);
    return der;
}

/* The SES_Signature of seal over hash at t with prop and the given value (and token),
 * encoded here. */
static void expected(dbuf *out, const sc_ses_seal *seal, int64_t t, const uint8_t hash[32],
                     const char *prop, const uint8_t *value, size_t vlen, int stamped)
{
    dbuf tbs = { NULL, 0 }, body = { NULL, 0 }, ts = { NULL, 0 };
    time_t tt = (time_t)t;
    struct tm tm;
    char when[32];
    size_t slen;
    const uint8_t *sd = sc_ses_seal_get_der(seal, &slen);
    uint8_t *tok = NULL;
    size_t tok_len = 0;

    gmtime_r(&tt, &tm);
    strftime(when, sizeof(when), "%Y%m%d%H%M%SZ", &tm);
    tlv(&tbs, 0x02, "\x04", 1);
    put(&tbs, sd, slen);
    tlv(&tbs, 0x18, when, strlen(when));
    bits(&tbs, hash, 32);
    tlv(&tbs, 0x16, prop, strlen(prop));
    tlv(&body, 0x30, tbs.p, tbs.n);
    tlv(&body, 0x04, g.prov, g.prov_len);
    put(&body, "\x06\x08\x2a\x81\x1c\xcf\x55\x01\x83\x75", 10);
    bits(&body, value, vlen);
    if (stamped) {
        fixed_tsa(NULL, NULL, 0, &tok, &tok_len, NULL);
        bits(&ts, tok, tok_len);
        tlv(&body, 0xa0, ts.p, ts.n);
    }
    out->n = 0;
    tlv(out, 0x30, body.p, body.n);
    free(tok), free(ts.p), free(body.p), free(tbs.p);
}

static void ses_sign_der__writes_the_canonical_der(void **state)
{
    static const char *props[] = { "", "/Doc_0/Signs/Sign_0/Signature.xml", NULL };
    char longp[201];
    uint8_t hash[32];
    int64_t t = (int64_t)time(NULL) - 3600;

    (void)state;
    memset(longp, 'p', 200);
    longp[200] = '\0';
    for (int i = 0; i < 32; i++)
        hash[i] = (uint8_t)(0xa0 + i);
    for (int n = 0; n < 4; n++) {
        const sc_ses_seal *seal = n < 2 ? g.seal[0] : g.big;
        int stamped = n & 1;
        for (int i = 0; i < 3; i++) {
            sc_ses_sign_params p = { .data_hash = hash, .data_hash_len = 32, .sign_time = t,
                                     .property_info = props[i] != NULL ? props[i] : longp,
                                     .tsa = stamped ? fixed_tsa : NULL };
            size_t len = 0, vlen = 0, tl = 0;
            sc_ses_sig *back = NULL;
            dbuf want = { NULL, 0 };
            uint8_t *der = sign_der(seal, &p, &len, NULL);

            assert_int_equal(sc_ses_sig_parse(&back, der, len, NULL), 0);
            const uint8_t *v = sc_ses_sig_get_signature(back, &vlen);
            expected(&want, seal, t, hash, p.property_info, v, vlen, stamped);
            assert_int_equal(len, want.n);
            assert_memory_equal(der, want.p, len);
            /* and OpenSSL's SM2 verification (GM ID) accepts the value over TBS_Sign */
            const uint8_t *tbs = sc_ses_sig_get_tbs(back, &tl);
            EVP_MD_CTX *m = EVP_MD_CTX_new();
            EVP_PKEY_CTX *pc = NULL;
            assert_int_equal(EVP_DigestVerifyInit(m, &pc, EVP_sm3(), NULL, g.pub), 1);
            assert_int_equal(EVP_PKEY_CTX_set1_id(pc, "1234567812345678", 16), 1);
            assert_int_equal(EVP_DigestVerify(m, v, vlen, tbs, tl), 1);
            EVP_MD_CTX_free(m);
            sc_ses_sig_free(back);
            free(want.p);
            free(der);
        }
    }
}

/* The SM3 reported is OpenSSL's SM3 of the output, whichever of six propertyInfo lengths,
 * with and without tokens, and two seals come in turn (states kept, reused and replaced);
 * then one propertyInfo again and again is mostly kept states. (Whether a given signature
 * finds a kept state also depends on its random value's length: only counts over many
 * signatures are asserted.) */
static void ses_sign_der__reports_the_sm3_of_its_output(void **state)
{
    char prop[64];
    unsigned long hits_before[2];

    (void)state;
    for (int round = 0; round < 2; round++)
        for (int s = 0; s < 2; s++) {
            for (int i = 0; i < 6; i++) {
                uint8_t sm3[32], want[32];
                size_t len = 0;
                unsigned int n = 0;
                memset(prop, 'a' + i, (size_t)i * 9);
                prop[i * 9] = '\0';
                sc_ses_sign_params p = { .data = (const uint8_t *)"doc", .data_len = 3,
                                         .property_info = prop, .tsa = (i & 1) ? fixed_tsa
                                                                               : NULL };
                uint8_t *der = sign_der(g.seal[s], &p, &len, sm3);
                assert_int_equal(EVP_Digest(der, len, want, &n, EVP_sm3(), NULL), 1);
                assert_memory_equal(sm3, want, 32);
                free(der);
            }
        }
    /* One propertyInfo: the SES_Signature's header still varies with the value's length
     * (70-72 bytes, r and s each with or without a leading zero), so ten signatures make
     * at most three prefixes, which the seal keeps: most are hits. */
    for (int s = 0; s < 2; s++) {
        sc_ses_sign_params p = { .data = (const uint8_t *)"doc", .data_len = 3 };
        hits_before[s] = g.seal[s]->sm3_mid.hits;
        for (int i = 0; i < 10; i++) {
            uint8_t sm3[32];
            size_t len = 0;
            free(sign_der(g.seal[s], &p, &len, sm3));
        }
        assert_true(g.seal[s]->sm3_mid.hits >= hits_before[s] + 5);
    }
}

/* Four threads sign with one seal at once, propertyInfo lengths and time-stamps varying (the
 * seal's states kept, replaced and copied concurrently): every reported SM3 is OpenSSL's SM3
 * of the output, and every value verifies over its TBS_Sign. */
#define SIGNERS 4
#define EACH 15

typedef struct signer { int t, bad; char why[96]; } signer;

static void *sign_many(void *arg)
{
    signer *s = arg;

    for (int i = 0; i < EACH && !s->bad; i++) {
        char prop[64];
        uint8_t sm3[32], want[32];
        size_t len = 0, tl = 0, vl = 0;
        unsigned int n = 0;
        sc_ses_sig *back = NULL;
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pc = NULL;
        memset(prop, 'q', (size_t)((s->t + i) % 5) * 7);
        prop[((s->t + i) % 5) * 7] = '\0';
        sc_ses_sign_params p = { .data = (const uint8_t *)"doc", .data_len = 3,
                                 .property_info = prop, .tsa = (i % 3 == 0) ? fixed_tsa : NULL };
        uint8_t *der = NULL;
        sc_err err = SC_ERR_INIT;
        if (sc_ses_sign_der(&der, &len, sm3, g.seal[0], g.kprov, g.prov, g.prov_len, &p,
                            &err) != 0)
            snprintf(s->why, sizeof(s->why), "sign: %s", err.msg), s->bad = 1;
        else if (EVP_Digest(der, len, want, &n, EVP_sm3(), NULL) != 1 ||
                 memcmp(sm3, want, 32) != 0)
            snprintf(s->why, sizeof(s->why), "signature %d: SM3 differs", i), s->bad = 1;
        else if (sc_ses_sig_parse(&back, der, len, NULL) != 0)
            snprintf(s->why, sizeof(s->why), "signature %d: does not parse", i), s->bad = 1;
        else {
            const uint8_t *tbs = sc_ses_sig_get_tbs(back, &tl);
            const uint8_t *v = sc_ses_sig_get_signature(back, &vl);
            if (m == NULL || EVP_DigestVerifyInit(m, &pc, EVP_sm3(), NULL, g.pub) != 1 ||
                EVP_PKEY_CTX_set1_id(pc, "1234567812345678", 16) != 1 ||
                EVP_DigestVerify(m, v, vl, tbs, tl) != 1)
                snprintf(s->why, sizeof(s->why), "signature %d: does not verify", i), s->bad = 1;
        }
        EVP_MD_CTX_free(m);
        sc_ses_sig_free(back);
        free(der);
    }
    return NULL;
}

static void ses_sign_der__threads_share_one_seal(void **state)
{
    signer s[SIGNERS];
    pthread_t t[SIGNERS];

    (void)state;
    memset(s, 0, sizeof(s));
    for (int i = 0; i < SIGNERS; i++) {
        s[i].t = i;
        assert_int_equal(pthread_create(&t[i], NULL, sign_many, &s[i]), 0);
    }
    for (int i = 0; i < SIGNERS; i++)
        pthread_join(t[i], NULL);
    for (int i = 0; i < SIGNERS; i++)
        if (s[i].bad)
            fail_msg("thread %d: %s", i, s[i].why);
}

/* Refusals leave *der NULL and *der_len 0. */
static void ses_sign_der__refusals_leave_no_output(void **state)
{
    uint8_t *der = (uint8_t *)"x", sm3[32];
    size_t len = 7;
    int64_t t10000 = 0;
    sc_err err = SC_ERR_INIT;
    sc_ses_sign_params p = { .data = (const uint8_t *)"doc", .data_len = 3 };

    (void)state;
    /* a key that is not the certificate's */
    der = (uint8_t *)"x", len = 7;
    assert_int_equal(sc_ses_sign_der(&der, &len, sm3, g.seal[0], g.kcity, g.prov, g.prov_len,
                                     &p, &err), SC_EINVAL);
    assert_null(der);
    assert_int_equal(len, 0);
    /* a time GeneralizedTime cannot hold, even unchecked */
    assert_int_equal(sc_time_from_civil(9999, 12, 31, 23, 59, 59, &t10000), 0);
    p.sign_time = t10000 + 1;
    p.flags = SC_SES_SIGN_UNCHECKED;
    sc_err_clear(&err);
    der = (uint8_t *)"x", len = 7;
    assert_int_equal(sc_ses_sign_der(&der, &len, sm3, g.seal[0], g.kprov, g.prov, g.prov_len,
                                     &p, &err), SC_EINVAL);
    assert_non_null(strstr(err.msg, "not in the years 1..9999"));
    assert_null(der);
    assert_int_equal(len, 0);
    /* a propertyInfo that is not IA5 */
    p.sign_time = 0;
    p.flags = 0;
    p.property_info = "属性";
    der = (uint8_t *)"x", len = 7;
    assert_int_equal(sc_ses_sign_der(&der, &len, sm3, g.seal[0], g.kprov, g.prov, g.prov_len,
                                     &p, &err), SC_EINVAL);
    assert_null(der);
    assert_int_equal(len, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ses_sign_der__writes_the_canonical_der),
        cmocka_unit_test(ses_sign_der__reports_the_sm3_of_its_output),
        cmocka_unit_test(ses_sign_der__threads_share_one_seal),
        cmocka_unit_test(ses_sign_der__refusals_leave_no_output),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
