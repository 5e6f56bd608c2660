/* sm2.c: SM2-with-SM3 signing and verification through OpenSSL 3 EVP, always with the ID
 * 1234567812345678 (OpenSSL 3.0 would otherwise use an empty ID and interoperate with
 * nobody), and the liberal reading of signature values that vendors' files need.
 * Not here: key storage (key/), certificate chains (cert/). */
#include "crypto_int.h"
#include "der/der_int.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/ec.h>

static pthread_once_t sm3_once = PTHREAD_ONCE_INIT, sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sm3_md, *sha256_md;

/* Digests fetched once for the process: EVP_sm3() and EVP_sha256() look them up in the
 * provider store again at every use (a locked query per signature or request). Never freed:
 * they live as long as the library, and the pointers keep them reachable. */
static EVP_MD *fetch(const char *name)
{
    EVP_MD *md;

    ERR_set_mark();           /* the caller's errors stay; the fetch's own are dropped: */
    md = EVP_MD_fetch(NULL, name, NULL);
    ERR_pop_to_mark();        /* a failed fetch falls back to EVP_*(), which reports it */
    return md;
}

static void fetch_sm3(void)
{
    sm3_md = fetch("SM3");
}

static void fetch_sha256(void)
{
    sha256_md = fetch("SHA256");
}

const EVP_MD *sc_sm3_md(void)
{
    pthread_once(&sm3_once, fetch_sm3);
    return sm3_md != NULL ? sm3_md : EVP_sm3();
}

const EVP_MD *sc_sha256_md(void)
{
    pthread_once(&sha256_once, fetch_sha256);
    return sha256_md != NULL ? sha256_md : EVP_sha256();
}

static int md_ctx_init(EVP_MD_CTX *mctx, EVP_PKEY *pkey, const EVP_MD *md, int sign,
                       sc_err *err)
{
    EVP_PKEY_CTX *pctx = NULL;
    int is_sm2 = EVP_PKEY_is_a(pkey, "SM2");
    int ok;

    if (md == NULL || is_sm2)
        md = sc_sm3_md();
    /* One signature or verification per context: without this flag the final step copies
     * the whole provider context first, so that the context could be finalised again. */
    EVP_MD_CTX_set_flags(mctx, EVP_MD_CTX_FLAG_FINALISE);
    ok = sign ? EVP_DigestSignInit(mctx, &pctx, md, NULL, pkey)
              : EVP_DigestVerifyInit(mctx, &pctx, md, NULL, pkey);
    if (ok != 1)
        return sc__err_openssl(err, SC_ECRYPTO, "cannot start SM2 signature operation");
    /* The ID must be set before the first update, on the context the init created. */
    if (is_sm2 && EVP_PKEY_CTX_set1_id(pctx, SC_SM2_ID, SC_SM2_ID_LEN) != 1)
        return sc__err_openssl(err, SC_ECRYPTO, "cannot set the SM2 ID");
    return 0;
}

/* The signature of msg on mctx (started, the ID set): *sig a new buffer of the key's size. */
static int sign_on(EVP_MD_CTX *mctx, EVP_PKEY *pkey, const uint8_t *msg, size_t len,
                   uint8_t **sig, size_t *sig_len, sc_err *err)
{
    uint8_t *buf = NULL;
    size_t n;

    /* No sizing call: the key knows its largest signature (72 bytes for SM2), and a call
     * with no buffer costs a pass through the provider. The buffer must be that large:
     * EVP_DigestSignFinal does not tell the provider how large it is. */
    if (EVP_PKEY_get_size(pkey) <= 0)
        return sc__err_openssl(err, SC_ECRYPTO, "SM2 signing failed: the key has no size");
    n = (size_t)EVP_PKEY_get_size(pkey);
    if ((buf = sc__malloc(n, err)) == NULL)
        return SC_ENOMEM;
    if (EVP_DigestSignUpdate(mctx, msg, len) != 1 || EVP_DigestSignFinal(mctx, buf, &n) != 1) {
        free(buf);
        return sc__err_openssl(err, SC_ECRYPTO, "SM2 signing failed");
    }
    *sig = buf;
    *sig_len = n;
    return 0;
}

static int check_sm2(EVP_PKEY *pkey, sc_err *err)
{
    if (!EVP_PKEY_is_a(pkey, "SM2") && !EVP_PKEY_is_a(pkey, "EC"))
        return sc_err_set(err, SC_EUNSUPPORTED, "key is not an SM2 key");
    return 0;
}

int sc__sm2_sign(EVP_PKEY *pkey, const uint8_t *msg, size_t len, uint8_t **sig, size_t *sig_len,
                 sc_err *err)
{
    EVP_MD_CTX *mctx = NULL;
    int rc;

    *sig = NULL;
    *sig_len = 0;
    ERR_clear_error();
    if ((rc = check_sm2(pkey, err)) != 0)
        return rc;
    if ((mctx = EVP_MD_CTX_new()) == NULL)
        return sc_err_set(err, SC_ENOMEM, "out of memory");
    if ((rc = md_ctx_init(mctx, pkey, NULL, 1, err)) == 0)
        rc = sign_on(mctx, pkey, msg, len, sig, sig_len, err);
    EVP_MD_CTX_free(mctx);
    return rc;
}

/* r and s as unsigned magnitudes, whatever the sign bit says: some writers drop the 0x00
 * pad. The DER form OpenSSL wants is then rebuilt from the numbers. */
static int sig_parts(const uint8_t *sig, size_t len, sc_span *r, sc_span *s, sc_err *err)
{
    sc_der top, seq;
    sc_tlv tr, ts;
    sc_err why = SC_ERR_INIT;   /* why a value that opens as a SEQUENCE is not one */

    sc__der_init(&top, sig, len);
    if (len > 0 && sig[0] == SC_TAG_SEQUENCE &&
        sc__der_enter(&top, SC_TAG_SEQUENCE, &seq, NULL, "SM2Signature", &why) == 0 &&
        sc__der_leave(&top, "SM2Signature", &why) == 0 &&
        sc__der_get(&seq, SC_TAG_INTEGER, &tr, "", NULL) == 0 &&
        sc__der_get(&seq, SC_TAG_INTEGER, &ts, "", NULL) == 0 && !sc__der_more(&seq) &&
        tr.val.len > 0 && ts.val.len > 0 && tr.val.len <= 33 && ts.val.len <= 33) {
        *r = tr.val;
        *s = ts.val;
        return 0;
    }
    if (len == 64) {   /* raw r‖s (GM/T 0009 "SM2Signature" as some vendors misread it) */
        r->p = sig;
        r->len = 32;
        s->p = sig + 32;
        s->len = 32;
        return 0;
    }
    if (why.msg[0] != '\0')   /* e.g. a value cut short: "length 70 exceeds the 69 bytes" */
        return sc_err_set(err, SC_EFORMAT, "signature value: %s (%zu bytes, not a 64-byte r||s "
                          "either)", why.msg, len);
    return sc_err_set(err, SC_EFORMAT,
                      "signature value: neither DER SEQUENCE{r, s} nor 64-byte r||s (%zu bytes)",
                      len);
}

int sc__sm2_sig_normalize(const uint8_t *sig, size_t len, uint8_t **out, size_t *out_len,
                          sc_err *err)
{
    sc_span rs = { NULL, 0 }, ss = { NULL, 0 };
    ECDSA_SIG *es = NULL;
    BIGNUM *r = NULL, *s = NULL;
    unsigned char *der = NULL;
    int n, rc;

    *out = NULL;
    *out_len = 0;
    if ((rc = sig_parts(sig, len, &rs, &ss, err)) != 0)
        return rc;
    r = BN_bin2bn(rs.p, (int)rs.len, NULL);
    s = BN_bin2bn(ss.p, (int)ss.len, NULL);
    if (r == NULL || s == NULL || (es = ECDSA_SIG_new()) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    ECDSA_SIG_set0(es, r, s);   /* set0: es now owns r and s */
    r = s = NULL;
    if ((n = i2d_ECDSA_SIG(es, &der)) <= 0) {
        rc = sc__err_openssl(err, SC_ECRYPTO, "cannot encode signature value");
        goto out;
    }
    *out = sc__memdup(der, (size_t)n, err);
    *out_len = (size_t)n;
    rc = *out == NULL ? SC_ENOMEM : 0;
out:
    OPENSSL_free(der);
    ECDSA_SIG_free(es);
    BN_free(r);
    BN_free(s);
    return rc;
}

int sc__sig_verify(EVP_PKEY *pkey, const EVP_MD *md, const uint8_t *msg, size_t len,
                   const uint8_t *sig, size_t sig_len, sc_err *err)
{
    EVP_MD_CTX *mctx = NULL;
    uint8_t *norm = NULL;
    size_t norm_len = 0;
    int rc, is_ec = EVP_PKEY_is_a(pkey, "SM2") || EVP_PKEY_is_a(pkey, "EC");

    ERR_clear_error();
    if (is_ec) {
        if ((rc = sc__sm2_sig_normalize(sig, sig_len, &norm, &norm_len, err)) != 0)
            return 0;   /* an unreadable value is an invalid signature, err says why */
        sig = norm;
        sig_len = norm_len;
    }
    if ((mctx = EVP_MD_CTX_new()) == NULL) {
        rc = sc_err_set(err, SC_ENOMEM, "out of memory");
        goto out;
    }
    if ((rc = md_ctx_init(mctx, pkey, md, 0, err)) != 0)
        goto out;
    rc = EVP_DigestVerify(mctx, sig, sig_len, msg, len);
    if (rc == 1) {
        rc = 1;
    } else {
        ERR_clear_error();
        sc_err_set(err, SC_EINVAL, "the signature value does not match the signed bytes and "
                   "the certificate's public key");
        rc = 0;
    }
out:
    free(norm);
    EVP_MD_CTX_free(mctx);
    return rc;
}
