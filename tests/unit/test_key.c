/* test_key.c: the software key backend: encrypted PKCS#8 only, wrong passwords, SM2 only,
 * signatures the openssl CLI accepts, export and reload. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <pthread.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "crypto/crypto_int.h"
#include "key/key_int.h"
#include "sealcore/key.h"
#include "testutil.h"

static uint8_t *key_file(const char *name, size_t *len)
{
    uint8_t *d = NULL;

    assert_int_equal(sc_test_read(sc_test_path(sc_test_pki(), name), &d, len), 0);
    return d;
}

static const char *password(void)
{
    static char pass[256];
    uint8_t *p = NULL;
    size_t n = 0;

    assert_int_equal(sc_test_read(sc_test_path(sc_test_pki(), "key-password"), &p, &n), 0);
    snprintf(pass, sizeof(pass), "%.*s", (int)strcspn((char *)p, "\n"), (char *)p);
    free(p);
    return pass;
}

static void key_soft_load__accepts_right_password(void **state)
{
    size_t n;
    uint8_t *d = key_file("signer-prov.key", &n);
    sc_key *k = NULL;
    uint8_t *cert;
    size_t clen;

    (void)state;
    assert_int_equal(sc_key_soft_load(&k, d, n, password(), strlen(password()), NULL), 0);
    assert_string_equal(sc_key_backend(k), "soft");
    cert = sc_test_cert(sc_test_pki(), "signer-prov", &clen);
    assert_int_equal(sc_key_matches_cert(k, cert, clen, NULL), 0);
    free(cert);
    cert = sc_test_cert(sc_test_pki(), "signer-city", &clen);
    sc_err e = SC_ERR_INIT;
    assert_int_equal(sc_key_matches_cert(k, cert, clen, &e), SC_EINVAL);
    assert_non_null(strstr(e.msg, "does not belong to this certificate"));
    free(cert);
    sc_key_free(k);
    free(d);
}

static void key_soft_load__rejects_wrong_password(void **state)
{
    size_t n;
    uint8_t *d = key_file("signer-prov.key", &n);
    sc_key *k = NULL;
    sc_err e = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_key_soft_load(&k, d, n, "wrong", 5, &e), SC_EPASSWORD);
    assert_null(k);
    assert_non_null(strstr(e.msg, "wrong password or damaged file"));
    assert_null(strstr(e.msg, "wrong\""));   /* the password itself never appears */
    free(d);
}

static void key_soft_load__rejects_unencrypted_and_garbage(void **state)
{
    static const char plain[] = "-----BEGIN PRIVATE KEY-----\nMIGH\n-----END PRIVATE KEY-----\n";
    static const uint8_t junk[] = { 0x30, 0x03, 0x02, 0x01, 0x00 };
    sc_key *k = NULL;
    sc_err e = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_key_soft_load(&k, (const uint8_t *)plain, sizeof(plain) - 1, "x", 1, &e),
                     SC_EFORMAT);
    assert_non_null(strstr(e.msg, "not encrypted"));
    sc_err_clear(&e);
    assert_int_equal(sc_key_soft_load(&k, junk, sizeof(junk), "x", 1, &e), SC_EFORMAT);
    assert_non_null(strstr(e.msg, "encrypted PKCS#8"));
    sc_err_clear(&e);
    assert_int_equal(sc_key_soft_load(&k, junk, 0, "x", 1, &e), SC_EFORMAT);
    assert_null(k);
}

static void key_soft_load__refuses_non_sm2_keys(void **state)
{
    size_t n;
    uint8_t *d = key_file("tls-server.key", &n);   /* ECDSA P-256 */
    sc_key *k = NULL;
    sc_err e = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_key_soft_load(&k, d, n, password(), strlen(password()), &e),
                     SC_EUNSUPPORTED);
    assert_non_null(strstr(e.msg, "not an SM2 key"));
    free(d);
}

/* The openssl CLI, with the GM ID, must accept what we sign: an independent check. */
static void key_sign__verifies_with_openssl_cli(void **state)
{
    static const uint8_t msg[] = "sealpki";
    sc_key *k = sc_test_key(sc_test_pki(), "signer-city");
    uint8_t *sig = NULL;
    size_t sig_len = 0;
    const char *dir = sc_test_tmpdir();

    (void)state;
    assert_non_null(k);
    assert_int_equal(sc_key_sign(k, msg, sizeof(msg) - 1, &sig, &sig_len, NULL), 0);
    assert_int_equal(sc_test_write(sc_test_path(dir, "k.msg"), msg, sizeof(msg) - 1), 0);
    assert_int_equal(sc_test_write(sc_test_path(dir, "k.sig"), sig, sig_len), 0);
    assert_int_equal(sc_test_sh("cd '%s' && openssl x509 -in '%s/signer-city.pem' -pubkey -noout "
                                "> k.pub && openssl pkeyutl -verify -pubin -inkey k.pub -rawin "
                                "-digest sm3 -pkeyopt distid:1234567812345678 -in k.msg "
                                "-sigfile k.sig >/dev/null", dir, sc_test_pki()), 0);
    /* and with the empty ID OpenSSL 3.0 would default to, it must not verify */
    assert_int_not_equal(sc_test_sh("cd '%s' && openssl pkeyutl -verify -pubin -inkey k.pub "
                                    "-rawin -digest sm3 -pkeyopt distid: -in k.msg -sigfile k.sig "
                                    ">/dev/null 2>&1", dir), 0);
    free(sig);
    sc_key_free(k);
}

/* One key signing on four threads at once (the server's workers share a seal's key): every
 * signature verifies with OpenSSL's own SM2 verification and the GM ID, and no two repeat.
 * With prefixes, each message starts with one of three in turn (sc__key_sign_split): the
 * key's kept states are shared, replaced and copied at once. */
#define SIGNERS 4
#define EACH 25
#define PRE_LEN 5000

struct signer {
    sc_key *k;
    int t;
    const uint8_t (*pre)[PRE_LEN];   /* NULL: sc_key_sign */
    uint8_t *sig[EACH];
    size_t len[EACH];
    int rc;
};

/* The message signer t signs i-th (a new buffer of *n bytes). */
static uint8_t *signer_msg(const struct signer *s, int t, int i, size_t *n)
{
    char tail[32];
    size_t pl = s->pre != NULL ? PRE_LEN : 0;
    int tl = snprintf(tail, sizeof(tail), "message %d-%d", t, i);
    uint8_t *m = malloc(pl + (size_t)tl + 1);

    assert_non_null(m);
    if (pl > 0)
        memcpy(m, s->pre[(t + i) % 3], pl);
    memcpy(m + pl, tail, (size_t)tl + 1);
    *n = pl + (size_t)tl;
    return m;
}

static void *sign_many(void *arg)
{
    struct signer *s = arg;

    for (int i = 0; i < EACH && s->rc == 0; i++) {
        size_t n;
        uint8_t *m = signer_msg(s, s->t, i, &n);
        s->rc = s->pre == NULL
                    ? sc_key_sign(s->k, m, n, &s->sig[i], &s->len[i], NULL)
                    : sc__key_sign_split(s->k, m, PRE_LEN, m + PRE_LEN, n - PRE_LEN, &s->sig[i],
                                         &s->len[i], NULL);
        free(m);
    }
    return NULL;
}

static int openssl_verifies_n(EVP_PKEY *pub, const uint8_t *msg, size_t n, const uint8_t *sig,
                              size_t len)
{
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    EVP_PKEY_CTX *pc = NULL;
    int ok = m != NULL && EVP_DigestVerifyInit(m, &pc, EVP_sm3(), NULL, pub) == 1 &&
             EVP_PKEY_CTX_set1_id(pc, "1234567812345678", 16) == 1 &&
             EVP_DigestVerify(m, sig, len, msg, n) == 1;

    EVP_MD_CTX_free(m);
    return ok;
}

static int openssl_verifies(EVP_PKEY *pub, const char *msg, const uint8_t *sig, size_t len)
{
    return openssl_verifies_n(pub, (const uint8_t *)msg, strlen(msg), sig, len);
}

static EVP_PKEY *cert_pub(const char *name, X509 **keep)
{
    FILE *f = fopen(sc_test_path(sc_test_pki(), name), "r");

    *keep = f != NULL ? PEM_read_X509(f, NULL, NULL, NULL) : NULL;
    if (f != NULL)
        fclose(f);
    assert_non_null(*keep);
    return X509_get0_pubkey(*keep);
}

/* The signer a key signs with is made for an SM2 key (else every signature silently starts
 * an OpenSSL operation), not for another curve, and its signatures verify with OpenSSL. */
static void sm2_signer__made_for_sm2_and_verified_by_openssl(void **state)
{
    EVP_PKEY *priv = EVP_PKEY_Q_keygen(NULL, NULL, "SM2");
    EVP_PKEY *p256 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    sc_sm2_signer *sg = NULL;

    (void)state;
    assert_non_null(priv);
    assert_non_null(p256);
    assert_null(sc__sm2_signer_new(p256));
    /* a key whose public point is written compressed has a signer all the same */
    assert_int_equal(EVP_PKEY_set_utf8_string_param(priv,
                                                    OSSL_PKEY_PARAM_EC_POINT_CONVERSION_FORMAT,
                                                    "compressed"), 1);
    assert_non_null(sg = sc__sm2_signer_new(priv));
    uint8_t *prev = NULL;
    size_t prev_len = 0;
    for (int i = 0; i < 3; i++) {
        uint8_t *sig = NULL;
        size_t len = 0;
        EVP_MD_CTX *m = EVP_MD_CTX_new();
        assert_int_equal(EVP_MD_CTX_copy_ex(m, sc__sm2_signer_z(sg)), 1);
        assert_int_equal(EVP_DigestUpdate(m, "again", 5), 1);
        assert_int_equal(sc__sm2_signer_sign(sg, m, NULL, &sig, &len, NULL), 0);
        EVP_MD_CTX_free(m);
        assert_true(openssl_verifies(priv, "again", sig, len));
        assert_false(openssl_verifies(priv, "agaiN", sig, len));
        /* a fresh k each time: the same message never gets the same signature */
        assert_true(prev == NULL || len != prev_len || memcmp(sig, prev, len) != 0);
        free(prev);
        prev = sig;
        prev_len = len;
    }
    free(prev);
    sc__sm2_signer_free(sg);
    EVP_PKEY_free(p256);
    EVP_PKEY_free(priv);
}

static BIGNUM *hex_bn(const char *hex)
{
    BIGNUM *b = NULL;

    assert_true(BN_hex2bn(&b, hex) > 0);
    return b;
}

/* As hex_bn, the number freed at the next call with NULL (for comparisons in one line). */
static const BIGNUM *hex_bn_keep(const char *hex)
{
    static BIGNUM *kept[8];
    static int n;

    if (hex == NULL) {
        for (int i = 0; i < n; i++)
            BN_free(kept[i]);
        n = 0;
        return NULL;
    }
    assert_true(n < 8);
    return kept[n++] = hex_bn(hex);
}

/* The standard SM2 signature example on the recommended curve (GM/T 0003.5-2012, as every
 * SM2 implementation's tests use it): its key, the ID 1234567812345678 and "message digest"
 * give its e, and with its k, its r and s. A key pair whose public point is not [d]G gets no
 * signer (it would sign for a key its certificate does not name). */
static void sm2_signer__standard_example(void **state)
{
    static const char *d = "3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8";
    static const char *pub = "04"
        "09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020"
        "CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13";
    static const char *e_hex = "F0B43E94BA45ACCAACE692ED534382EB17E6AB5A19CE7B31F4486FDFC0D28640";
    static const char *k_hex = "59276E27D506861A16680F3AD9C02DCCEF3CC1FA3CDBE4CE6D54B80DEAC1BC21";
    static const char *r_hex = "F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3";
    static const char *s_hex = "B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA";
    uint8_t pubb[65], e[32], *sig = NULL;
    size_t len = 0;
    BIGNUM *db = hex_bn(d), *k = hex_bn(k_hex), *want = NULL;
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params;
    EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "SM2", NULL);
    EVP_PKEY *key = NULL;
    EVP_MD_CTX *m = EVP_MD_CTX_new();
    sc_sm2_signer *sg;
    const unsigned char *p;
    ECDSA_SIG *es;

    (void)state;
    for (int i = 0; i < 65; i++)
        assert_int_equal(sscanf(pub + 2 * i, "%2hhx", &pubb[i]), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0),
                     1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, db), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pubb, 65),
                     1);
    assert_non_null(params = OSSL_PARAM_BLD_to_param(bld));
    assert_int_equal(EVP_PKEY_fromdata_init(pc), 1);
    assert_int_equal(EVP_PKEY_fromdata(pc, &key, EVP_PKEY_KEYPAIR, params), 1);
    assert_non_null(sg = sc__sm2_signer_new(key));
    /* e = SM3(Z_A || M): Z_A as the signer computed it */
    assert_int_equal(EVP_MD_CTX_copy_ex(m, sc__sm2_signer_z(sg)), 1);
    assert_int_equal(EVP_DigestUpdate(m, "message digest", 14), 1);
    assert_int_equal(EVP_DigestFinal_ex(m, e, NULL), 1);
    assert_int_equal(BN_cmp(want = BN_bin2bn(e, 32, NULL), hex_bn_keep(e_hex)), 0);
    assert_int_equal(EVP_MD_CTX_copy_ex(m, sc__sm2_signer_z(sg)), 1);
    assert_int_equal(EVP_DigestUpdate(m, "message digest", 14), 1);
    assert_int_equal(sc__sm2_signer_sign(sg, m, k, &sig, &len, NULL), 0);
    p = sig;
    assert_non_null(es = d2i_ECDSA_SIG(NULL, &p, (long)len));
    assert_int_equal(BN_cmp(ECDSA_SIG_get0_r(es), hex_bn_keep(r_hex)), 0);
    assert_int_equal(BN_cmp(ECDSA_SIG_get0_s(es), hex_bn_keep(s_hex)), 0);
    assert_true(openssl_verifies(key, "message digest", sig, len));
    ECDSA_SIG_free(es);
    free(sig);
    sc__sm2_signer_free(sg);
    /* the same d with another public point (the generator's) */
    EVP_PKEY *bad = NULL;
    OSSL_PARAM_BLD *b2 = OSSL_PARAM_BLD_new();
    OSSL_PARAM *p2;
    static const char *g_hex = "04"
        "32C4AE2C1F1981195F9904466A39C9948FE30BBFF2660BE1715A4589334C74C7"
        "BC3736A2F4F6779C59BDCEE36B692153D0A9877CC62A474002DF32E52139F0A0";
    for (int i = 0; i < 65; i++)
        assert_int_equal(sscanf(g_hex + 2 * i, "%2hhx", &pubb[i]), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_utf8_string(b2, OSSL_PKEY_PARAM_GROUP_NAME, "SM2", 0),
                     1);
    assert_int_equal(OSSL_PARAM_BLD_push_BN(b2, OSSL_PKEY_PARAM_PRIV_KEY, db), 1);
    assert_int_equal(OSSL_PARAM_BLD_push_octet_string(b2, OSSL_PKEY_PARAM_PUB_KEY, pubb, 65), 1);
    assert_non_null(p2 = OSSL_PARAM_BLD_to_param(b2));
    assert_int_equal(EVP_PKEY_fromdata_init(pc), 1);
    assert_int_equal(EVP_PKEY_fromdata(pc, &bad, EVP_PKEY_KEYPAIR, p2), 1);
    assert_null(sc__sm2_signer_new(bad));
    EVP_PKEY_free(bad);
    OSSL_PARAM_free(p2);
    OSSL_PARAM_BLD_free(b2);
    EVP_MD_CTX_free(m);
    EVP_PKEY_free(key);
    EVP_PKEY_CTX_free(pc);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(want);
    BN_free(k);
    BN_free(db);
    hex_bn_keep(NULL);
}

static void threads_sign_with(const char *name, const uint8_t (*pre)[PRE_LEN])
{
    char path[64];
    sc_key *k = sc_test_key(sc_test_pki(), name);
    struct signer s[SIGNERS];
    pthread_t t[SIGNERS];
    X509 *cert = NULL;
    EVP_PKEY *pub;

    snprintf(path, sizeof(path), "%s.pem", name);
    pub = cert_pub(path, &cert);
    assert_non_null(k);
    memset(s, 0, sizeof(s));
    for (int i = 0; i < SIGNERS; i++) {
        s[i].k = k;
        s[i].t = i;
        s[i].pre = pre;
        assert_int_equal(pthread_create(&t[i], NULL, sign_many, &s[i]), 0);
    }
    for (int i = 0; i < SIGNERS; i++)
        pthread_join(t[i], NULL);
    /* three prefixes, four slots: all but the first signature of each may start kept */
    if (pre != NULL && sc__soft_mid_hits(k) < SIGNERS * EACH / 2)
        fail_msg("%lu of %d signatures started from a kept state", sc__soft_mid_hits(k),
                 SIGNERS * EACH);
    for (int i = 0; i < SIGNERS; i++) {
        assert_int_equal(s[i].rc, 0);
        for (int j = 0; j < EACH; j++) {
            size_t n;
            uint8_t *m = signer_msg(&s[i], i, j, &n);
            if (!openssl_verifies_n(pub, m, n, s[i].sig[j], s[i].len[j]))
                fail_msg("signature %d-%d does not verify", i, j);
            free(m);
            if (j > 0 && s[i].len[j] == s[i].len[j - 1] &&
                memcmp(s[i].sig[j], s[i].sig[j - 1], s[i].len[j]) == 0)
                fail_msg("signatures %d-%d and %d-%d are the same", i, j - 1, i, j);
        }
    }
    for (int i = 0; i < SIGNERS; i++)
        for (int j = 0; j < EACH; j++)
            free(s[i].sig[j]);
    X509_free(cert);
    sc_key_free(k);
}

static void key_sign__threads_share_a_key(void **state)
{
    (void)state;
    threads_sign_with("signer-city", NULL);
}

static void key_soft_export__round_trips(void **state)
{
    sc_key *k = NULL, *back = NULL;
    char *pem = NULL;
    size_t pem_len = 0;
    sc_err e = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_key_soft_generate(&k, NULL), 0);
    assert_int_equal(sc_key_soft_export(k, "", 0, &pem, &pem_len, &e), SC_EINVAL);
    assert_int_equal(sc_key_soft_export(k, "s3cret", 6, &pem, &pem_len, NULL), 0);
    assert_non_null(strstr(pem, "-----BEGIN ENCRYPTED PRIVATE KEY-----"));
    assert_int_equal(sc_key_soft_load(&back, (uint8_t *)pem, pem_len, "s3cret", 6, NULL), 0);
    free(pem);
    sc_key_free(back);
    sc_key_free(k);
}

/* Review finding: a backend whose public key fails left sc_key_new freeing garbage. */
static int failing_sign(void *impl, const uint8_t *m, size_t l, uint8_t **s, size_t *sl, sc_err *e)
{
    (void)impl; (void)m; (void)l; (void)s; (void)sl;
    return sc_err_set(e, SC_ECRYPTO, "no signing here");
}
static int failing_spki(void *impl, uint8_t **spki, size_t *len, sc_err *e)
{
    (void)impl; (void)spki; (void)len;   /* leaves *spki untouched on purpose */
    return sc_err_set(e, SC_ECRYPTO, "token removed");
}
static int freed;
static void count_free(void *impl) { (void)impl; freed++; }

static void key_new__backend_without_public_key_fails_cleanly(void **state)
{
    static const sc_key_ops ops = { "broken", failing_sign, failing_spki, count_free };
    sc_key *k = (sc_key *)0x1;
    sc_err e = SC_ERR_INIT;

    (void)state;
    freed = 0;
    assert_int_equal(sc_key_new(&k, &ops, NULL, &e), SC_ECRYPTO);
    assert_null(k);
    assert_non_null(strstr(e.msg, "token removed"));
    assert_int_equal(freed, 1);   /* impl handed over: freed exactly once */
}

/* A backend reporting one key's public half and signing with another: matches_cert cannot
 * see it, the self-test must. */
typedef struct { sc_key *priv; } mixed_key;
static int mixed_sign(void *impl, const uint8_t *m, size_t l, uint8_t **s, size_t *sl, sc_err *e)
{
    return sc_key_sign(((mixed_key *)impl)->priv, m, l, s, sl, e);
}
static int mixed_spki(void *impl, uint8_t **spki, size_t *len, sc_err *e)
{
    size_t clen = 0;
    uint8_t *cert = sc_test_cert(sc_test_pki(), "signer-prov", &clen);
    const uint8_t *p = cert;

    (void)impl;
    X509 *x = d2i_X509(NULL, &p, (long)clen);
    int n = x != NULL ? i2d_PUBKEY(X509_get0_pubkey(x), spki) : -1;
    X509_free(x);
    free(cert);
    if (n <= 0)
        return sc_err_set(e, SC_ECRYPTO, "no SPKI");
    *len = (size_t)n;
    return 0;
}
static void mixed_free(void *impl) { (void)impl; }

static void key_selftest__proves_the_private_half(void **state)
{
    static const sc_key_ops ops = { "mixed", mixed_sign, mixed_spki, mixed_free };
    static const sc_key_ops broken = { "broken", failing_sign, mixed_spki, mixed_free };
    mixed_key m = { sc_test_key(sc_test_pki(), "signer-city") };
    sc_key *good = sc_test_key(sc_test_pki(), "signer-prov"), *bad = NULL, *dead = NULL;
    sc_err e = SC_ERR_INIT;

    (void)state;
    assert_int_equal(sc_key_selftest(good, &e), 0);
    assert_int_equal(sc_key_selftest(m.priv, &e), 0);
    assert_int_equal(sc_key_new(&bad, &ops, &m, &e), 0);
    assert_int_equal(sc_key_selftest(bad, &e), SC_ECRYPTO);
    if (strstr(e.msg, "does not verify with its public key") == NULL)
        fail_msg("%s", e.msg);
    assert_int_equal(sc_key_new(&dead, &broken, &m, &e), 0);
    sc_err_clear(&e);
    assert_int_equal(sc_key_selftest(dead, &e), SC_ECRYPTO);
    assert_non_null(strstr(e.msg, "no signing here"));
    sc_key_free(dead);
    sc_key_free(bad);
    sc_key_free(m.priv);
    sc_key_free(good);
}

/* ---- a message signed in two parts (sc__key_sign_split, crypto/mid.c) -------------------- */

/* PRE_LEN bytes that differ with i. */
static void fill(uint8_t *p, size_t n, int i)
{
    for (size_t j = 0; j < n; j++)
        p[j] = (uint8_t)(j * 131 + (size_t)i * 17 + (j >> 8));
}

static void sm3_two(const uint8_t *a, size_t al, const uint8_t *b, size_t bl, uint8_t out[32])
{
    EVP_MD_CTX *c = EVP_MD_CTX_new();

    assert_non_null(c);
    assert_int_equal(EVP_DigestInit_ex(c, EVP_sm3(), NULL), 1);
    assert_int_equal(EVP_DigestUpdate(c, a, al), 1);
    assert_int_equal(EVP_DigestUpdate(c, b, bl), 1);
    assert_int_equal(EVP_DigestFinal_ex(c, out, NULL), 1);
    EVP_MD_CTX_free(c);
}

/* SM3 of head || body || rest through m, checked against OpenSSL's SM3 of the three. */
static void mid_check2(sc_mid *m, const uint8_t *head, size_t hl, const uint8_t *body,
                       size_t bl, const char *rest)
{
    uint8_t want[32], got[32];
    int why = 0;
    EVP_MD_CTX *c = sc__mid_start(m, NULL, head, hl, body, bl, &why);
    uint8_t *hb = malloc(hl + bl + 1);

    assert_non_null(c);
    assert_non_null(hb);
    assert_int_equal(EVP_DigestUpdate(c, rest, strlen(rest)), 1);
    assert_int_equal(EVP_DigestFinal_ex(c, got, NULL), 1);
    EVP_MD_CTX_free(c);
    memcpy(hb, head, hl);
    if (bl > 0)
        memcpy(hb + hl, body, bl);
    sm3_two(hb, hl + bl, (const uint8_t *)rest, strlen(rest), want);
    assert_memory_equal(got, want, 32);
    free(hb);
}

static void mid_check(sc_mid *m, const uint8_t *pre, size_t pl, const char *rest)
{
    mid_check2(m, pre, pl, NULL, 0, rest);
}

/* A kept state serves exactly the bytes it absorbed: the same prefix again is a hit; one
 * that differs in its last byte (in the head or in the body), or is one byte shorter, is
 * hashed afresh (a cache keyed by length, pointer or a sample of the bytes fails here); more
 * prefixes than slots and one too long to keep still hash right. */
static void mid_start__reuses_a_state_only_for_the_same_bytes(void **state)
{
    static uint8_t a[PRE_LEN], a2[PRE_LEN], many[6][PRE_LEN];
    uint8_t *big = malloc(SC_MID_MAX_KEPT + 1);
    sc_mid m;

    (void)state;
    assert_non_null(big);
    sc__mid_init(&m, 0);
    fill(a, PRE_LEN, 0);
    memcpy(a2, a, PRE_LEN);
    a2[PRE_LEN - 1] ^= 1;
    mid_check(&m, a, PRE_LEN, "first");
    assert_int_equal(m.hits, 0);
    mid_check(&m, a, PRE_LEN, "second tail");
    assert_int_equal(m.hits, 1);
    mid_check(&m, a2, PRE_LEN, "first");
    mid_check(&m, a, PRE_LEN - 1, "first");
    assert_int_equal(m.hits, 1);
    mid_check2(&m, a, 100, a + 100, PRE_LEN - 100, "split");   /* split: a prefix of its own */
    mid_check2(&m, a, 100, a + 100, PRE_LEN - 100, "split");
    assert_int_equal(m.hits, 2);
    mid_check2(&m, a, 100, a2 + 100, PRE_LEN - 100, "split");  /* the body's last byte */
    assert_int_equal(m.hits, 2);
    for (int round = 0; round < 2; round++)
        for (int i = 0; i < 6; i++) {
            fill(many[i], PRE_LEN, i + 1);
            mid_check(&m, many[i], PRE_LEN, round ? "again" : "once");
        }
    fill(big, SC_MID_MAX_KEPT + 1, 9);
    unsigned long before = m.hits;
    mid_check(&m, big, SC_MID_MAX_KEPT + 1, "x");
    mid_check(&m, big, SC_MID_MAX_KEPT + 1, "x");
    assert_int_equal(m.hits, before);
    for (int i = 0; i < SC_MID_SLOTS; i++)
        assert_true(m.slot[i].head_len + m.slot[i].body_len <= SC_MID_MAX_KEPT);
    sc__mid_free(&m);
    free(big);
}

/* With a fixed body only the head is told apart (and copied): heads that differ in their
 * last byte get their own states, the same head is a hit, and a body of another length is
 * not taken for the fixed one. */
static void mid_start__fixed_body_compares_the_head(void **state)
{
    static uint8_t body[PRE_LEN];
    uint8_t h1[4] = { 0x30, 0x82, 0x10, 0x01 }, h2[4] = { 0x30, 0x82, 0x10, 0x02 };
    sc_mid m;

    (void)state;
    fill(body, PRE_LEN, 3);
    sc__mid_init(&m, 1);
    mid_check2(&m, h1, 4, body, PRE_LEN, "a");
    mid_check2(&m, h2, 4, body, PRE_LEN, "b");
    assert_int_equal(m.hits, 0);
    mid_check2(&m, h1, 4, body, PRE_LEN, "c");
    mid_check2(&m, h2, 4, body, PRE_LEN, "d");
    assert_int_equal(m.hits, 2);
    mid_check2(&m, h1, 4, body, PRE_LEN - 1, "e");
    assert_int_equal(m.hits, 2);
    for (int i = 0; i < m.nslots; i++)
        assert_true(m.slot[i].ctx == NULL || m.slot[i].head_len == 4);
    sc__mid_free(&m);
    /* the least recently used state goes: h1 used again survives SC_MID_SLOTS_FIXED - 1
     * others coming in after it, h2 does not */
    sc__mid_init(&m, 1);
    mid_check2(&m, h1, 4, body, PRE_LEN, "a");
    mid_check2(&m, h2, 4, body, PRE_LEN, "b");
    for (int i = 0; i < SC_MID_SLOTS_FIXED - 1; i++) {
        uint8_t h[4] = { 0x31, 0x82, 0x20, (uint8_t)i };
        mid_check2(&m, h1, 4, body, PRE_LEN, "again");
        mid_check2(&m, h, 4, body, PRE_LEN, "other");
    }
    unsigned long hits = m.hits;
    mid_check2(&m, h1, 4, body, PRE_LEN, "kept");
    assert_int_equal(m.hits, hits + 1);
    mid_check2(&m, h2, 4, body, PRE_LEN, "gone");
    assert_int_equal(m.hits, hits + 1);
    sc__mid_free(&m);
}

static uint8_t *joined(const uint8_t *a, size_t al, const char *b, size_t *n)
{
    uint8_t *j = malloc(al + strlen(b) + 1);

    assert_non_null(j);
    memcpy(j, a, al);
    memcpy(j + al, b, strlen(b) + 1);
    *n = al + strlen(b);
    return j;
}

/* sig of pre || rest verifies with OpenSSL over exactly those bytes, and not over other's. */
static void expect_split(sc_key *k, EVP_PKEY *pub, const uint8_t *pre, size_t pl,
                         const uint8_t *other, const char *rest)
{
    uint8_t *sig = NULL, *j, *o;
    size_t len = 0, jn, on;

    assert_int_equal(sc__key_sign_split(k, pre, pl, (const uint8_t *)rest, strlen(rest), &sig,
                                        &len, NULL), 0);
    j = joined(pre, pl, rest, &jn);
    o = joined(other, pl, rest, &on);
    assert_true(openssl_verifies_n(pub, j, jn, sig, len));
    assert_false(openssl_verifies_n(pub, o, on, sig, len));
    free(o);
    free(j);
    free(sig);
}

/* What a backend other than the software one was asked to sign. */
typedef struct { sc_key *real; uint8_t *seen; size_t seen_len; } record_key;
static int record_sign(void *impl, const uint8_t *m, size_t l, uint8_t **s, size_t *sl,
                       sc_err *e)
{
    record_key *r = impl;

    free(r->seen);
    assert_non_null(r->seen = malloc(l + 1));
    memcpy(r->seen, m, l);
    r->seen_len = l;
    return sc_key_sign(r->real, m, l, s, sl, e);
}

/* The software key signs prefix and rest as one message, prefixes alternating (kept states
 * and fresh ones); another backend is handed the two joined. */
static void key_sign_split__signs_the_joined_message(void **state)
{
    static uint8_t a[PRE_LEN], a2[PRE_LEN], b[PRE_LEN];
    static const sc_key_ops rec_ops = { "record", record_sign, mixed_spki, mixed_free };
    sc_key *k = sc_test_key(sc_test_pki(), "signer-city"), *rk = NULL;
    record_key r = { k, NULL, 0 };
    X509 *cert = NULL;
    EVP_PKEY *pub = cert_pub("signer-city.pem", &cert);
    uint8_t *sig = NULL, *j;
    size_t len = 0, jn;

    (void)state;
    assert_non_null(k);
    fill(a, PRE_LEN, 0);
    memcpy(a2, a, PRE_LEN);
    a2[PRE_LEN - 1] ^= 0x80;
    fill(b, PRE_LEN, 5);
    for (int round = 0; round < 3; round++) {
        expect_split(k, pub, a, PRE_LEN, a2, "tail one");
        expect_split(k, pub, a2, PRE_LEN, a, "tail one");
        expect_split(k, pub, b, PRE_LEN - 1, a, "");
    }
    assert_int_equal(sc__soft_mid_hits(k), 6);   /* rounds 2 and 3 start from kept states */
    assert_int_equal(sc_key_new(&rk, &rec_ops, &r, NULL), 0);
    assert_int_equal(sc__key_sign_split(rk, a, PRE_LEN, (const uint8_t *)"end", 3, &sig, &len,
                                        NULL), 0);
    j = joined(a, PRE_LEN, "end", &jn);
    assert_int_equal(r.seen_len, jn);
    assert_memory_equal(r.seen, j, jn);
    assert_true(openssl_verifies_n(pub, j, jn, sig, len));
    free(j);
    free(sig);
    free(r.seen);
    sc_key_free(rk);
    X509_free(cert);
    sc_key_free(k);
}

static void key_sign_split__threads_share_the_kept_states(void **state)
{
    static uint8_t pre[3][PRE_LEN];

    (void)state;
    for (int i = 0; i < 3; i++)
        fill(pre[i], PRE_LEN, 20 + i);
    threads_sign_with("signer-city", (const uint8_t (*)[PRE_LEN])pre);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(key_soft_load__accepts_right_password),
        cmocka_unit_test(key_soft_load__rejects_wrong_password),
        cmocka_unit_test(key_soft_load__rejects_unencrypted_and_garbage),
        cmocka_unit_test(key_soft_load__refuses_non_sm2_keys),
        cmocka_unit_test(key_sign__verifies_with_openssl_cli),
        cmocka_unit_test(sm2_signer__made_for_sm2_and_verified_by_openssl),
        cmocka_unit_test(sm2_signer__standard_example),
        cmocka_unit_test(key_sign__threads_share_a_key),
        cmocka_unit_test(key_soft_export__round_trips),
        cmocka_unit_test(key_new__backend_without_public_key_fails_cleanly),
        cmocka_unit_test(key_selftest__proves_the_private_half),
        cmocka_unit_test(mid_start__reuses_a_state_only_for_the_same_bytes),
        cmocka_unit_test(mid_start__fixed_body_compares_the_head),
        cmocka_unit_test(key_sign_split__signs_the_joined_message),
        cmocka_unit_test(key_sign_split__threads_share_the_kept_states),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
