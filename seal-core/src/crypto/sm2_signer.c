/* sm2_signer.c: SM2 signature generation (GB/T 32918.2 §6.1) for a key that signs many
 * times: what does not change between signatures is computed once, when the key is loaded:
 *   - Z_A for the GM ID, as an SM3 state each message's hash continues from (OpenSSL hashes
 *     Z_A again for every operation it starts);
 *   - (1 + d)^-1 mod n, which OpenSSL's sm2_sig_gen computes for every signature by a
 *     modular exponentiation; here the same constant-time exponentiation, once.
 * At load the key must be on sm2p256v1 with its public point [d]G. The rest follows OpenSSL
 * 3.0's sm2_sig_gen step by step, with OpenSSL's own primitives: k from BN_priv_rand_range_ex,
 * [k]G by EC_POINT_mul (the constant-time Montgomery ladder OpenSSL uses for a secret scalar
 * times the generator), r = (e + x1) mod n, s = (1 + d)^-1 (k - r d) mod n, retried on r = 0,
 * r + k = n or s = 0. d and (1 + d)^-1 are BN_FLG_CONSTTIME and cleared when the signer is
 * freed.
 * Checked against the standard example on the recommended curve (GM/T 0003.5, with its k:
 * test_key), and every signature the tests make is verified by OpenSSL.
 * Not here: verification, and keys that have no signer (sm2.c). */
#include "crypto_int.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/obj_mac.h>

struct sc_sm2_signer {
    EC_GROUP *group;
    BIGNUM *d, *dinv;   /* secret */
    EVP_MD_CTX *z;      /* SM3 after Z_A */
};

void sc__sm2_signer_free(sc_sm2_signer *s)
{
    if (s == NULL)
        return;
    BN_clear_free(s->d);
    BN_clear_free(s->dinv);
    EVP_MD_CTX_free(s->z);
    EC_GROUP_free(s->group);
    free(s);
}

/* n as a 32-byte big-endian field element, into the hash. */
static int put32(EVP_MD_CTX *m, const BIGNUM *n)
{
    uint8_t b[32];

    return BN_bn2binpad(n, b, 32) == 32 && EVP_DigestUpdate(m, b, 32) == 1;
}

/* SM3 after Z_A = SM3(ENTL || ID || a || b || xG || yG || xA || yA). */
static EVP_MD_CTX *z_state(const EC_GROUP *g, const BIGNUM *xa, const BIGNUM *ya)
{
    static const uint8_t entl[2] = { 0, SC_SM2_ID_LEN * 8 };
    EVP_MD_CTX *m = EVP_MD_CTX_new(), *out = EVP_MD_CTX_new();
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *a = BN_new(), *b = BN_new(), *gx = BN_new(), *gy = BN_new();
    uint8_t z[32];
    int ok = m != NULL && out != NULL && ctx != NULL && a != NULL && b != NULL && gx != NULL &&
             gy != NULL && EC_GROUP_get_curve(g, NULL, a, b, ctx) == 1 &&
             EC_POINT_get_affine_coordinates(g, EC_GROUP_get0_generator(g), gx, gy, ctx) == 1 &&
             EVP_DigestInit_ex(m, sc_sm3_md(), NULL) == 1 &&
             EVP_DigestUpdate(m, entl, 2) == 1 &&
             EVP_DigestUpdate(m, SC_SM2_ID, SC_SM2_ID_LEN) == 1 && put32(m, a) && put32(m, b) &&
             put32(m, gx) && put32(m, gy) && put32(m, xa) && put32(m, ya) &&
             EVP_DigestFinal_ex(m, z, NULL) == 1 &&
             EVP_DigestInit_ex(out, sc_sm3_md(), NULL) == 1 &&
             EVP_DigestUpdate(out, z, 32) == 1;

    EVP_MD_CTX_free(m);
    BN_CTX_free(ctx);
    BN_free(a), BN_free(b), BN_free(gx), BN_free(gy);
    if (!ok) {
        EVP_MD_CTX_free(out);
        return NULL;
    }
    return out;
}

/* The key is on sm2p256v1 and its public point is [d]G (one check at load: a signer made
 * for a mismatched pair would sign with a key its certificate does not name). */
static int key_ok(const sc_sm2_signer *s, EVP_PKEY *pkey, const BIGNUM *xa, const BIGNUM *ya,
                  BN_CTX *ctx)
{
    char group[32];
    EC_POINT *dg = EC_POINT_new(s->group);
    BIGNUM *x = BN_CTX_get(ctx), *y = BN_CTX_get(ctx);
    int ok = dg != NULL && y != NULL &&
             EVP_PKEY_get_utf8_string_param(pkey, OSSL_PKEY_PARAM_GROUP_NAME, group,
                                            sizeof(group), NULL) == 1 &&
             strcmp(group, "SM2") == 0 &&
             EC_POINT_mul(s->group, dg, s->d, NULL, NULL, ctx) == 1 &&
             EC_POINT_get_affine_coordinates(s->group, dg, x, y, ctx) == 1 &&
             BN_cmp(x, xa) == 0 && BN_cmp(y, ya) == 0;

    EC_POINT_free(dg);
    return ok;
}

/* (1 + d)^-1 mod n as OpenSSL computes inverses mod the order: Fermat, (1 + d)^(n-2), with
 * the constant-time exponentiation (BN_mod_inverse's loop count depends on its input). */
static BIGNUM *inverse_1d(const sc_sm2_signer *s, BN_CTX *ctx)
{
    const BIGNUM *n = EC_GROUP_get0_order(s->group);
    BIGNUM *one_d = BN_CTX_get(ctx), *e = BN_CTX_get(ctx), *inv = BN_new();
    int ok = e != NULL && inv != NULL;

    if (ok) {
        BN_set_flags(one_d, BN_FLG_CONSTTIME);
        BN_set_flags(inv, BN_FLG_CONSTTIME);
        ok = BN_add(one_d, s->d, BN_value_one()) == 1 && BN_copy(e, n) != NULL &&
             BN_sub_word(e, 2) == 1 &&
             BN_mod_exp_mont_consttime(inv, one_d, e, n, ctx, NULL) == 1;
    }
    if (one_d != NULL)
        BN_clear(one_d);
    if (!ok) {
        BN_clear_free(inv);
        return NULL;
    }
    return inv;
}

sc_sm2_signer *sc__sm2_signer_new(EVP_PKEY *pkey)
{
    sc_sm2_signer *s = calloc(1, sizeof(*s));
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *xa = NULL, *ya = NULL;
    int ok;

    ERR_set_mark();   /* a key without a signer signs the slower way: no error left behind */
    ok = s != NULL && ctx != NULL && EVP_PKEY_is_a(pkey, "SM2") &&
         (s->group = EC_GROUP_new_by_curve_name(NID_sm2)) != NULL &&
         EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_PRIV_KEY, &s->d) == 1 &&
         EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_X, &xa) == 1 &&
         EVP_PKEY_get_bn_param(pkey, OSSL_PKEY_PARAM_EC_PUB_Y, &ya) == 1;
    if (ok) {
        BN_set_flags(s->d, BN_FLG_CONSTTIME);
        BN_CTX_start(ctx);
        ok = key_ok(s, pkey, xa, ya, ctx) && (s->z = z_state(s->group, xa, ya)) != NULL &&
             (s->dinv = inverse_1d(s, ctx)) != NULL;
        BN_CTX_end(ctx);
    }
    BN_free(xa);
    BN_free(ya);
    BN_CTX_free(ctx);
    ERR_pop_to_mark();
    if (!ok) {
        sc__sm2_signer_free(s);
        return NULL;
    }
    return s;
}

const EVP_MD_CTX *sc__sm2_signer_z(const sc_sm2_signer *s)
{
    return s->z;
}

/* (r, s) for digest e with nonce k (drawn here unless k_fixed): 0, or -1 on failure. */
static int gen(const sc_sm2_signer *sg, const uint8_t e32[32], const BIGNUM *k_fixed,
               BN_CTX *ctx, BIGNUM *r, BIGNUM *s)
{
    const BIGNUM *n = EC_GROUP_get0_order(sg->group);
    EC_POINT *kg = EC_POINT_new(sg->group);
    BIGNUM *e = BN_CTX_get(ctx), *k = BN_CTX_get(ctx), *x1 = BN_CTX_get(ctx);
    BIGNUM *t = BN_CTX_get(ctx);
    int rc = -1;

    if (kg == NULL || t == NULL || BN_bin2bn(e32, 32, e) == NULL)
        goto out;
    BN_set_flags(k, BN_FLG_CONSTTIME);
    for (int tries = 0; tries < 64; tries++) {
        if ((k_fixed != NULL ? BN_copy(k, k_fixed) != NULL
                             : BN_priv_rand_range_ex(k, n, 0, ctx) == 1) == 0)
            goto out;
        if (BN_is_zero(k))
            continue;
        if (EC_POINT_mul(sg->group, kg, k, NULL, NULL, ctx) != 1 ||
            EC_POINT_get_affine_coordinates(sg->group, kg, x1, NULL, ctx) != 1 ||
            BN_mod_add(r, e, x1, n, ctx) != 1 || BN_add(t, r, k) != 1)
            goto out;
        if (BN_is_zero(r) || BN_cmp(t, n) == 0)
            continue;                          /* r = 0 or r + k = n: another k */
        if (BN_mod_mul(t, sg->d, r, n, ctx) != 1 || BN_sub(t, k, t) != 1 ||
            BN_mod_mul(s, sg->dinv, t, n, ctx) != 1)
            goto out;
        if (!BN_is_zero(s)) {
            rc = 0;
            break;
        }
    }
out:
    if (k != NULL)
        BN_clear(k);
    EC_POINT_free(kg);
    return rc;
}

int sc__sm2_signer_sign(const sc_sm2_signer *sg, EVP_MD_CTX *mctx, const BIGNUM *k_fixed,
                        uint8_t **sig, size_t *sig_len, sc_err *err)
{
    uint8_t e[32];
    unsigned int elen = 0;
    BN_CTX *ctx = NULL;
    BIGNUM *r = BN_new(), *s = BN_new();
    ECDSA_SIG *es = NULL;
    unsigned char *der = NULL;
    int n = 0, rc = 0;

    *sig = NULL;
    *sig_len = 0;
    if (r == NULL || s == NULL || (ctx = BN_CTX_new()) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    BN_CTX_start(ctx);
    if (EVP_DigestFinal_ex(mctx, e, &elen) != 1 || elen != 32 ||
        gen(sg, e, k_fixed, ctx, r, s) != 0) {
        rc = sc__err_openssl(err, SC_ECRYPTO, "SM2 signing failed");
        goto out;
    }
    if ((es = ECDSA_SIG_new()) == NULL || ECDSA_SIG_set0(es, r, s) != 1) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    r = s = NULL;   /* es owns them */
    if ((n = i2d_ECDSA_SIG(es, &der)) <= 0) {
        rc = sc__err_openssl(err, SC_ECRYPTO, "cannot encode the SM2 signature");
        goto out;
    }
    if ((*sig = sc__memdup(der, (size_t)n, err)) == NULL)
        rc = SC_ENOMEM;
    else
        *sig_len = (size_t)n;
out:
    OPENSSL_cleanse(e, sizeof(e));
    if (ctx != NULL)
        BN_CTX_end(ctx);
    BN_CTX_free(ctx);
    BN_free(r);
    BN_free(s);
    ECDSA_SIG_free(es);
    OPENSSL_free(der);
    return rc;
}
